/* execmon - follow Redis streams: backfill with XRANGE, then XREAD BLOCK. */
#ifndef EXECMON_SOURCE_REDIS_H
#define EXECMON_SOURCE_REDIS_H

#include <stdint.h>

#include "source.h"
#include "url.h"

struct rconn;
struct rconn_tls;
struct rcluster;
struct evmap;
struct redisAsyncContext;
struct source_redis_hooks;

struct source_redis_opts {
	int64_t from_ms;       /* backfill start (event/entry time), 0 = whole stream */
	int64_t to_ms;         /* backfill end inclusive, -1 = up to the newest */
	int follow;            /* keep following after the backfill */
	int block_ms;          /* XREAD BLOCK timeout (default 5000) */
	int chunk;             /* entries per XRANGE/XREAD (default 1000) */
	int connect_timeout_ms;/* one connect attempt (default 5000) */
	int watchdog_ms;       /* extra wait over block_ms before giving up (2000) */
	int64_t backoff_min_ms, backoff_max_ms; /* 500, 10000 */
	const struct source_redis_hooks *hooks; /* NULL = plain event streams */
	struct rconn_tls *tls; /* for rediss:// URLs (the caller's; outlives us) */
	/* Per stream given to source_redis_start, its map (evmap.h); NULL = native. */
	const struct evmap *const *maps;
};

/*
 * Hooks that let another source reuse this follower (source-bullmq.c does):
 * its own decoder for the entries, and its own commands pipelined on the same
 * connection. The connection, resume, gap and watchdog rules stay here. Any
 * member may be NULL.
 */
struct source_redis_hooks {
	const char *kind;      /* registry kind of the streams (default "redis") */
	/*
	 * Decode one new entry of the stream registered as source, instead of
	 * the native decoder: the hook counts events and malformed entries and
	 * hands events on itself.
	 */
	void (*entry)(void *arg, int source, const char *id, size_t id_len,
	    const struct event_field_kv *kv, size_t n);
	/* After the entries of one reply; full = it held as many as asked for. */
	void (*batch_end)(void *arg, int full);
	/* Connected (AUTH and SELECT done), before any stream command. */
	void (*connected)(void *arg, struct rconn *ac);
	/* The connection failed; the next attempt is at retry_at_ms (wall clock). */
	void (*down)(void *arg, const char *why, int64_t retry_at_ms);
	/* Just before each XRANGE or XREAD: may pipeline commands on ac. */
	void (*before_read)(void *arg, struct rconn *ac);
	/*
	 * Nonzero: do not send the next read (or finish) yet. The owner calls
	 * source_redis_resume() after each of its replies until it lets go; the
	 * watchdog covers each wait.
	 */
	int (*hold)(void *arg);
	/*
	 * On a Redis Cluster, read from the node serving this key's slot
	 * (BullMQ's prefix); NULL = the first stream's.
	 */
	const char *route_key;
	void *arg;
};

void source_redis_opts_default(struct source_redis_opts *);

struct redis_conn;

/* Follow these streams on one Redis server; url is copied. */
struct redis_conn *source_redis_start(const struct url *url, char *const *streams,
    int nstreams, const struct source_redis_opts *, const struct sink *);
void source_redis_stop(struct redis_conn *);

/* Follow one more stream on this connection (backfilled first); its registry index. */
int source_redis_add_stream(struct redis_conn *, const char *key);
/* The same, its entries going through map (evmap.h; NULL = native). */
int source_redis_add_stream_map(struct redis_conn *, const char *key,
    const struct evmap *map);
/*
 * Stop following key (it no longer exists); its registry entry is marked
 * gone. Only while the owner holds the connection (nothing in flight names
 * the stream), or before it is up; on a cluster, at any time.
 */
void source_redis_drop_stream(struct redis_conn *, const char *key);
/*
 * The Redis Cluster this connection found at its first connect, NULL when
 * it is not on one (or has not connected yet). On a cluster every stream
 * added is read from the node serving its slot, on a connection of its own,
 * and can be dropped at any time.
 */
struct rcluster *source_redis_cluster(const struct redis_conn *);
/* Go on after a hold (see struct source_redis_hooks); harmless otherwise. */
void source_redis_resume(struct redis_conn *);
/* The address for display, password masked. */
const char *source_redis_display(const struct redis_conn *);
/*
 * The server connected to now: its numeric address (NULL for a Unix
 * socket or before the first connect), port, and the name its certificate
 * must carry. For another connection to the same server.
 */
const char *source_redis_server(const struct redis_conn *, const char **host,
    int *port);

#endif
