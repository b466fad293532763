/* execmon - follow BullMQ queues: their events streams and their depth. */
#ifndef EXECMON_SOURCE_BULLMQ_H
#define EXECMON_SOURCE_BULLMQ_H

#include "source-redis.h"
#include "source.h"
#include "url.h"

struct bullmq_source;

/* How often each queue's depth is read, and discovery (--bullmq '*') repeated. */
#define BULLMQ_POLL_MS 1000
#define BULLMQ_SCAN_MS 5000

/*
 * Follow these queues (a name, or "*" for every queue found under prefix) on
 * one Redis server, over one connection. opts are the stream follower's (the
 * backfill window, follow or not, timeouts). The sink's caught_up is called
 * once, when every queue known at start-up is backfilled and its job hashes
 * read. url and names are copied.
 */
struct bullmq_source *source_bullmq_start(const struct url *url,
    char *const *names, int nnames, const char *prefix,
    const struct source_redis_opts *opts, const struct sink *sink);
void source_bullmq_stop(struct bullmq_source *);

#endif
