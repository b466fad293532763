/* execmon - BullMQ's events stream and job hashes mapped onto the event model. */
#ifndef EXECMON_BULLMQ_DECODE_H
#define EXECMON_BULLMQ_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * One decoder per queue: it turns the entries of <prefix>:<queue>:events into
 * events (a job is a run "queue:jobId", its name the agent) and remembers the
 * names of the jobs it has seen added. Pure: no network, no clock.
 *
 * emit is called with each event (the callee owns its contents), the job it
 * is about (NULL for queue-wide ones) and whether that job's name is still
 * unknown, so the caller can look it up in the job's hash.
 */
typedef void bullmq_emit_fn(void *arg, struct event *ev, const char *job_id,
    int need_name);

struct bullmq_dec;

/* Bound on the names remembered; past it they are forgotten and looked up again. */
#define BULLMQ_NAMES_MAX 100000

struct bullmq_dec *bullmq_dec_create(const char *queue, int source,
    bullmq_emit_fn *emit, void *arg);
void bullmq_dec_free(struct bullmq_dec *);

/*
 * Decode one stream entry. Some entries are only understood with the next
 * one (an "added" followed by "delayed", a "waiting" from active followed by
 * "stalled"), so the last entry may be held back until the next call or
 * bullmq_dec_flush(). Returns MAL_NONE, or why the entry was skipped.
 */
enum event_malformed bullmq_dec_entry(struct bullmq_dec *, const char *id,
    size_t id_len, const struct event_field_kv *kv, size_t n);
/* Hand on an entry held back: no entry follows it for now. */
void bullmq_dec_flush(struct bullmq_dec *);
/* Whether an entry is held back. */
int bullmq_dec_holding(const struct bullmq_dec *);

/* A job's name, or NULL when unknown. */
const char *bullmq_dec_name(const struct bullmq_dec *, const char *job_id);
/*
 * Learn a job's name from its hash and emit the event that gives it to the
 * run ("bullmq.job", at ts_ms). A NULL name (the hash is gone) only stops
 * further look-ups of that job.
 */
void bullmq_dec_set_name(struct bullmq_dec *, const char *job_id,
    const char *name, int64_t ts_ms);
/*
 * A job found active at start-up: emit run.started at processed_ms (from the
 * hash's processedOn) so its elapsed time is right at once.
 */
void bullmq_dec_active(struct bullmq_dec *, const char *job_id,
    const char *name, int64_t processed_ms);

/* What one refresh reads of a queue's own keys. Missing keys count 0. */
struct bullmq_counts {
	int64_t wait, paused, active;             /* LLEN */
	int64_t prioritized, delayed, waiting_children; /* ZCARD */
	int queue_paused;                         /* meta paused = 1 */
};

/*
 * The queue.depth event of one refresh at now_ms: depth = jobs ready and not
 * taken (wait + paused + prioritized), "paused" the queue's flag, and every
 * count as its own field.
 */
void bullmq_depth_event(struct event *ev, const char *queue, int source,
    const struct bullmq_counts *, int64_t now_ms);

#endif
