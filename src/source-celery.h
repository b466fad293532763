/* execmon - follow a Celery cluster: its events, queues and workers. */
#ifndef EXECMON_SOURCE_CELERY_H
#define EXECMON_SOURCE_CELERY_H

#include "source-redis.h"
#include "source.h"
#include "url.h"

struct celery_source;

struct celery_opts {
	int enable_events;     /* broadcast enable_events (writes to the broker) */
	int until_finish;      /* without follow: listen until source_celery_finish() */
};

/* How often queue depths and workers are read, queues discovered, events enabled. */
#define CELERY_POLL_MS 1000
#define CELERY_SCAN_MS 5000
#define CELERY_ENABLE_MS 60000

/*
 * Follow the Celery cluster whose broker is this Redis: PSUBSCRIBE to its
 * event channels on one connection, and read the depth of the queues named
 * (or, with none, those found in kombu's bindings) and the unacked count on
 * another, once a second in one pipelined round. With enable_events, also
 * broadcast enable_events to the workers at start and every minute.
 * opts are the stream follower's (follow, timeouts). Without follow the
 * sink's caught_up is called after the first depth round, or (until_finish)
 * at source_celery_finish(). url and queues are copied.
 */
struct celery_source *source_celery_start(const struct url *url,
    char *const *queues, int nqueues, const struct celery_opts *co,
    const struct source_redis_opts *opts, const struct sink *sink);
/* Stop listening (headless --duration ended) and report caught up. */
void source_celery_finish(struct celery_source *);
void source_celery_stop(struct celery_source *);

#endif
