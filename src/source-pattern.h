/* execmon - stream patterns: follow every stream whose key matches a glob. */
#ifndef EXECMON_SOURCE_PATTERN_H
#define EXECMON_SOURCE_PATTERN_H

#include <stdint.h>

#include "source-redis.h"

struct evmap;

struct source_pattern_opts {
	int64_t discover_ms;   /* look for new and gone streams this often (5000) */
	uint64_t max_streams;  /* follow at most this many from patterns (10000) */
	int64_t stall_ms;      /* not following: the streams found are given up
	                          when none made progress for this long (5000) */
};

/* True when a --stream is a Redis glob: an unescaped '*', '?' or '['. */
int source_pattern_is_glob(const char *key);

struct source_pattern;

/*
 * Follow streams (plain keys and globs; each with its map, maps may be NULL)
 * on one Redis server, over one connection; on a Redis Cluster, globs are
 * looked for on every master and each stream is read from its own. Each
 * glob is a registry entry of its own, and so is every stream it finds. The
 * sink hears caught-up once for all the globs together, and once for each
 * plain stream.
 */
struct source_pattern *source_pattern_start(const struct url *url,
    char *const *streams, const struct evmap *const *maps, int nstreams,
    const struct source_pattern_opts *, const struct source_redis_opts *,
    const struct sink *);
void source_pattern_stop(struct source_pattern *);

#endif
