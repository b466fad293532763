/* execmon - the Redis stream follower's insides, shared by source-redis.c and source-redis-read.c. */
#ifndef EXECMON_SOURCE_REDIS_INT_H
#define EXECMON_SOURCE_REDIS_INT_H

#include <arpa/inet.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "rconn.h"
#include "source-redis.h"
#include "stream-pos.h"

/*
 * The resume rule. Each stream remembers the ID of the last entry it handed
 * on (last). Every read, after any reconnect, asks for entries strictly after
 * last: XRANGE from last+1 while backfilling, XREAD ... last while live, never
 * "$". So nothing Redis still holds is lost and nothing is read twice. A
 * stream found deleted, recreated or rewound (stream-pos.c says how) is read
 * again from its start, and its entries' IDs are tagged "#N" (the Nth new
 * stream under that key) so they are not taken for the old ones.
 *
 * The gap rule (Redis 7 and later; stream-pos.c): XINFO STREAM is sent at
 * connect, after every XRANGE chunk and before every XREAD, and every entry
 * read is counted against the positions it reveals, so every entry ever
 * added after the start is either read or counted as lost, at every
 * position. Where XINFO is refused or the server has no entries-added, the
 * source says "gap detection off" and why.
 *
 * Refusals. An error reply is taken by its kind (redis-err.c): one about a
 * key (WRONGTYPE, NOPERM on XRANGE) puts that stream alone in the error
 * state, checked again every backoff_max_ms, while the others go on; one
 * about the server (LOADING, DENIED, maxclients) fails the connection,
 * which retries; a refused password fails it for good in headless commands
 * (source_info.fatal). The words shown are Redis's own.
 *
 * The same stream twice. A server is known by its run_id (INFO server); a
 * stream whose server, database and key another source already follows is
 * marked duplicate and not read (sticky: the first one keeps it).
 *
 * The watchdog. A connection has no command timeout: a server that stops
 * answering gives no callback at all. Every command we wait on arms a timer
 * (block time + watchdog_ms); when it fires the connection is freed and we
 * reconnect.
 *
 * Routing (source-redis-route.c). A redis-sentinel:// URL asks the sentinels
 * for the master at every connect; on a Redis Cluster each stream is read
 * from the node serving its slot, and MOVED and ASK are followed. Both only
 * change where the next connection goes: the resume rule above holds.
 */

enum stream_note { NOTE_NONE, NOTE_MISSING, NOTE_DELETED, NOTE_RECREATED };

struct rstream {
	int source;            /* registry index */
	char *key;
	const struct evmap *map; /* NULL = execmon's own format */
	struct spos pos;       /* the last entry read, the gap rule */
	unsigned gen;          /* times found new; > 0 tags entry IDs "#gen" */
	int backfilled;
	int caught_up_sent;
	int verify;            /* read once by XRANGE: find which stream an XREAD refusal is about */
	int broken;            /* a refusal about this key: not read until recheck_ms */
	int64_t recheck_ms;
	int dup;               /* the same stream as another source's: not read */
	int restarted;         /* found new since its last read was sent: drop that read */
	enum stream_note note;
	struct redis_conn *conn; /* the connection it is read on */
	char *owns;            /* its name in the readers' map while it is the one read
	                          under it (source-redis-read.c); NULL = none */
};

enum phase {
	P_IDLE, P_RESOLVING, P_CONNECTING, P_SETUP, P_BACKFILL, P_LIVE, P_HOLD,
	P_IDLE_WAIT, P_RETRY, P_DONE
};

struct redis_conn {
	struct url url;
	char display[256];
	struct rstream **streams; /* each allocated once: replies point at them */
	int nstreams, streams_cap;
	struct source_redis_opts opts;
	struct sink sink;
	struct source_redis_hooks hooks; /* zeroed when none were given */

	enum phase phase;
	struct rconn *ac;
	struct reply_arena *arena; /* every context's replies; outlives them */
	int64_t recv_ms;       /* wall clock, epoch ms, the reply being read came */
	uv_timer_t timer;      /* connect timeout, watchdog, retry */
	uv_getaddrinfo_t gai;
	int gai_busy;
	int64_t backoff_ms;
	int setup_pending;
	int bf;                /* stream being backfilled */
	int bf_full;           /* its last XRANGE chunk was full */
	int bf_err;            /* its last XRANGE was refused */
	int pf;                /* the next XRANGE and XINFO are in flight (prefetched) */
	int pf_drop;           /* ... and their replies are to be dropped */
	struct sid pf_last;    /* the entry ID that prefetch was sent after */
	int round_broke;       /* a stream broke since the last XREAD was sent */
	int verifying;         /* an XREAD refusal is being traced to its stream */
	int connected_once;
	int stopping;
	int closed;            /* timer closed; free once the resolver is done */
	char addr[INET6_ADDRSTRLEN];
	char server_id[96];    /* run_id (else the address), "" = not known yet */
	char read_from[96];    /* server_id of the last server read, "" = none */
	int64_t dbsize;        /* keys in the database at connect, -1 = unknown */
	char node[80];         /* "host:port" or the socket path, as connected */
	struct rsentinel *sentinel; /* redis-sentinel:// URLs: asked at every connect */
	int mport;             /* port connected to (the sentinels' or cluster's answer) */
	struct rcluster *cluster; /* a Redis Cluster (found at the first connect) */
	int cluster_checked;   /* CLUSTER SLOTS was asked */
	int slot;              /* cluster slot read from, -1 = none */
	char ask_ip[INET6_ADDRSTRLEN]; /* an ASK to follow at the next connect */
	int ask_port;
	int64_t redirect_ms;   /* wall clock of the last MOVED or ASK followed */
	struct redis_conn **kids; /* cluster: the other streams, one connection each */
	int nkids;
};

#define ROUTED(c) ((c)->sentinel != NULL || (c)->cluster != NULL)

/* source-redis.c: the connection. */
void rsrc_next(struct redis_conn *);
void rsrc_fail(struct redis_conn *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rsrc_refused(struct redis_conn *, const char *what, const redisReply *, int fatal);
void rsrc_watchdog(struct redis_conn *, int64_t ms);
void rsrc_timer_disarm(struct redis_conn *);
void rsrc_pre_read(struct redis_conn *);
int rsrc_first_source(const struct redis_conn *);
void rsrc_drop(struct redis_conn *);
void rsrc_retry_in(struct redis_conn *, int64_t ms);
void rsrc_setup_done(struct redis_conn *);
void rsrc_connect(struct redis_conn *);
void rsrc_connect_addr(struct redis_conn *, const char *ip);
struct redis_conn *rsrc_new(const struct url *, const struct source_redis_opts *,
    const struct source_redis_hooks *, const struct sink *);

/* source-redis-route.c: sentinels and Redis Cluster. */
void rroute_start(struct redis_conn *, const struct url *);
void rroute_stop(struct redis_conn *);
int rroute_connect(struct redis_conn *);
void rroute_setup(struct redis_conn *);
void rroute_failed(struct redis_conn *);
int rroute_redirect(struct redis_conn *, const redisReply *);
void rroute_mark(struct redis_conn *);
void rroute_stream_added(struct redis_conn *);
int rroute_add(struct redis_conn *, const char *key, const struct evmap *);
int rroute_drop(struct redis_conn *, const char *key);

/* source-redis-fetch.c: end every read-back in flight (its callback says why), before the loop ends. */
void rfetch_stop_all(void);

/* source-redis-read.c: the reads, and what their replies mean. */
/* The connection that reads the stream registered as source (not a hooked one); 0, or -1. */
int rread_find(int source, struct redis_conn **, struct rstream **);
int rread_active(const struct rstream *);
void rread_caught_up(struct redis_conn *, struct rstream *);
void rread_broken(struct redis_conn *, struct rstream *, const char *what,
    const redisReply *);
void rread_info(struct redis_conn *, struct rstream *, const redisReply *);
int rread_info_refused(struct redis_conn *, struct rstream *, const redisReply *);
void rread_send_xrange(struct redis_conn *, struct rstream *);
void rread_send_xread(struct redis_conn *);
void rread_find_duplicates(struct redis_conn *, struct rstream *);
void rread_register(struct redis_conn *);
/* s goes, or its server changed: it is no longer the one read under its name. */
void rread_forget(struct rstream *);
void rread_unregister(struct redis_conn *);

#endif
