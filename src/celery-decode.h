/* execmon - Celery's event messages (kombu envelopes) mapped onto the event model. */
#ifndef EXECMON_CELERY_DECODE_H
#define EXECMON_CELERY_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * One decoder per broker. It reads the messages a Celery cluster publishes
 * on /<db>.celeryev/<routing key> (a kombu envelope around one event or a
 * batch of them) and turns them into events: a task is a run (uuid = run id,
 * task name = agent, root_id = trace, parent_id = parent run). It keeps what
 * later events of a task need from earlier ones (its queue, its retries; at
 * most CELERY_TASKS_MAX tasks) and the table of workers with their heartbeats.
 * Pure: no network, no clock (times are arguments).
 *
 * emit is called with each event; the callee owns its contents.
 */
typedef void celery_emit_fn(void *arg, struct event *ev);

struct celery_dec;

/* Bound on tasks remembered; past it they are forgotten all at once. */
#define CELERY_TASKS_MAX 100000
/* Bound on workers known; new ones past it are not tracked. */
#define CELERY_WORKERS_MAX 4096
/* Largest traceback kept in a run's log (the end of it is kept). */
#define CELERY_TRACEBACK_MAX 16384

enum celery_worker_state {
	CELERY_WORKER_ONLINE = 0, /* heartbeating */
	CELERY_WORKER_LOST,       /* heartbeats stopped (Celery's expiry rule) */
	CELERY_WORKER_OFFLINE,    /* it said goodbye (worker-offline) */
};

struct celery_worker {
	char *hostname;        /* as sent; not safe for a terminal */
	enum celery_worker_state state;
	int64_t seen_ms;       /* receive time of its last online/heartbeat, epoch ms */
	int64_t freq_ms;       /* its heartbeat period (freq), ms */
	int64_t active;        /* tasks it said it was running */
	int64_t processed;     /* tasks it said it has taken in all */
	double load1;          /* loadavg[0], -1 = not said */
	char *sw;              /* "py-celery 5.2.6", or NULL */
};

struct celery_dec *celery_dec_create(int source, celery_emit_fn *emit,
    void *arg);
void celery_dec_free(struct celery_dec *);

/*
 * Decode one message published on an event channel: the kombu envelope
 * (JSON) around a body of one event object or an array of them. Only JSON
 * bodies are decoded: pickle, YAML, msgpack or any other content type is
 * MAL_UNSUPPORTED_ENCODING and never looked into. recv_ms is the receive
 * time (events without a timestamp get it; worker liveness counts from it).
 * Returns MAL_NONE, or the reason the message (or one event of a batch,
 * whose good events are still handed on) was skipped.
 */
enum event_malformed celery_dec_message(struct celery_dec *, const char *msg,
    size_t len, int64_t recv_ms);

/*
 * Apply Celery's expiry rule at now_ms (a worker is lost when no heartbeat
 * came for twice its period) and hand on a worker.status event when the
 * counts changed, or at least every 30 s once a worker was seen.
 */
void celery_dec_tick(struct celery_dec *, int64_t now_ms);

/* The workers known, in the order first seen. */
size_t celery_dec_workers(const struct celery_dec *,
    struct celery_worker *const **out);

/* Parse an exception as Celery sends it ("ValueError('boom')") into class and message. */
void celery_parse_exception(const char *exc, const char *traceback,
    char **cls, char **msg);

/*
 * The queue.depth event of one refresh: depth = the queue's list plus its
 * priority lists (lists[0..nlists)); unacked = the broker's reserved
 * messages (all queues), -1 = not read.
 */
void celery_depth_event(struct event *ev, const char *queue, int source,
    const int64_t *lists, int nlists, int64_t unacked, int64_t now_ms);

/* Base64 of in[0..n) into out, which holds 4 * ((n + 2) / 3) + 1 bytes. */
void celery_b64_encode(const char *in, size_t n, char *out);

#endif
