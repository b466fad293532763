/* execmon - follow Redis streams: backfill with XRANGE, then XREAD BLOCK. */
#ifndef EXECMON_SOURCE_REDIS_H
#define EXECMON_SOURCE_REDIS_H

#include <stdint.h>

#include "source.h"
#include "url.h"

struct source_redis_opts {
	int64_t from_ms;       /* backfill start (event/entry time), 0 = whole stream */
	int64_t to_ms;         /* backfill end inclusive, -1 = up to the newest */
	int follow;            /* keep following after the backfill */
	int block_ms;          /* XREAD BLOCK timeout (default 5000) */
	int chunk;             /* entries per XRANGE/XREAD (default 1000) */
	int connect_timeout_ms;/* one connect attempt (default 5000) */
	int watchdog_ms;       /* extra wait over block_ms before giving up (2000) */
	int64_t backoff_min_ms, backoff_max_ms; /* 500, 10000 */
};

void source_redis_opts_default(struct source_redis_opts *);

struct redis_conn;

/* Follow these streams on one Redis server; url is copied. */
struct redis_conn *source_redis_start(const struct url *url, char *const *streams,
    int nstreams, const struct source_redis_opts *, const struct sink *);
void source_redis_stop(struct redis_conn *);

#endif
