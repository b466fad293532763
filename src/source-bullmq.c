/* execmon - follow BullMQ queues: their events streams and their depth. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "bullmq-decode.h"
#include "loop.h"
#include "map.h"
#include "rconn.h"
#include "redis-err.h"
#include "source-bullmq.h"
#include "xmalloc.h"

/*
 * One connection does everything, through the stream follower of
 * source-redis.c and its hooks: the follower backfills and follows every
 * queue's <prefix>:<queue>:events stream (resume, gaps, watchdog, backoff),
 * and our own commands are pipelined ahead of its reads:
 *
 * - Depth, every BULLMQ_POLL_MS per queue, one pipelined round of O(1)
 *   commands: LLEN wait, paused, active; ZCARD prioritized, delayed,
 *   waiting-children; HMGET meta paused; EXISTS meta events. A queue.depth
 *   event is handed on when a count changed (and at least every 30 s).
 *   A queue whose meta and events keys both vanish after they existed was
 *   deleted (obliterated): it is shown as gone, with depth 0, and comes back
 *   when they do.
 * - Names: a job first seen mid-life (its "added" before the window) has no
 *   name; after each read, one HMGET name per such job, pipelined.
 * - Start-up: every queue's active jobs (LRANGE active, then HMGET name
 *   processedOn) start at their true time; with "*", a SCAN of
 *   <prefix>:*:meta finds the queues, and is repeated every BULLMQ_SCAN_MS.
 *   The follower is held until the start-up reads are answered.
 *
 * Replies come in order on one connection, so a command sent before a read
 * is answered before it. When the connection fails, hiredis calls every
 * pending callback with no reply: look-ups are asked again on the next one.
 */

#define ACTIVE_MAX 10000       /* active jobs read at start-up, per queue */
#define ASKED_MAX 100000       /* jobs whose hash was read, remembered */
#define DEPTH_REFRESH_MS 30000 /* a depth is handed on at least this often */

enum { PC_WAIT, PC_PAUSED, PC_ACTIVE, PC_PRIORITIZED, PC_DELAYED,
    PC_CHILDREN, PC_META, PC_EXISTS, PC__COUNT };

struct bullmq_source;
struct bq_queue;

/* One command of a depth round: the queue and which count it reads. */
struct depth_slot {
	struct bq_queue *q;
	int what;              /* PC_* */
};

struct bq_queue {
	struct bullmq_source *b;
	char *name;
	char *keys;            /* "<prefix>:<name>:" */
	int source;            /* registry index (the events stream's) */
	struct bullmq_dec *dec;
	int backfilled;        /* the follower has caught up on its stream */
	int active_read;       /* start-up read of its active jobs done */
	int existed;           /* its keys were seen at some point */
	int gone;              /* ... and are not there now */
	int refused;           /* a command of its was refused (said once) */

	struct depth_slot slot[PC__COUNT];
	int polling;           /* a depth round is in flight */
	struct bullmq_counts cur, last; /* this round's counts, the last handed on */
	int exists;            /* EXISTS meta events: how many of the two */
	int have_last;
	int64_t last_emit_ms;

	struct map *wanted;    /* job ids whose name is wanted -> boxed ts */
	struct map *asked;     /* job ids whose hash was (being) read */
};

struct bullmq_source {
	char display[256];
	char *prefix;
	int all;               /* "*": discover queues */
	int follow;
	struct sink sink;      /* where events go */
	struct redis_conn *conn;
	struct source_redis_hooks hooks;
	struct rconn *ac;      /* while connected */

	struct bq_queue **queues;
	int nqueues, cap;
	struct map *by_name;   /* queue name -> struct bq_queue */
	struct bq_queue *last_q; /* the last one an entry was for */

	int discovery;         /* registry index of "<prefix>:*", -1 = none */
	int discovered;        /* the first full SCAN is done */
	int scanning;          /* a SCAN round is in flight */
	int64_t last_scan_ms, last_poll_ms;

	int setup;             /* start-up commands in flight (the follower waits) */
	int work;              /* other commands in flight */
	int caught_up_sent;
	int stopping;
};

/* A job-hash read in flight. */
struct lookup {
	struct bq_queue *q;
	char *job;
	int64_t ts_ms;         /* the time of the event that asked for it */
	int active;            /* a start-up read of an active job */
};

static int
first_source(const struct bullmq_source *b)
{
	if (b->discovery >= 0)
		return b->discovery;
	return b->nqueues > 0 ? b->queues[0]->source : -1;
}

/* Call caught_up once every queue is backfilled and nothing is in flight. */
static void
maybe_caught_up(struct bullmq_source *b)
{
	if (b->caught_up_sent || b->setup > 0 || b->work > 0 ||
	    (b->all && !b->discovered))
		return;
	for (int i = 0; i < b->nqueues; i++) {
		if (!b->queues[i]->backfilled)
			return;
	}
	b->caught_up_sent = 1;
	if (b->discovery >= 0 && !b->follow)
		source_set_state(b->discovery, SRC_DONE, loop_now_ms());
	if (b->sink.caught_up != NULL)
		b->sink.caught_up(b->sink.ctx, first_source(b));
}

/* One of our replies came: let the follower go on if it was waiting. */
static void
reply_done(struct bullmq_source *b, int *counter)
{
	(*counter)--;
	if (b->stopping)
		return;
	if (b->conn != NULL)
		source_redis_resume(b->conn);
	maybe_caught_up(b);
}

/* The decoder's output: count it, ask for the job's name, hand it on. */
static void
on_event(void *arg, struct event *ev, const char *job_id, int need_name)
{
	struct bq_queue *q = arg;
	struct source_info *si = sources_get(q->source);

	if (si != NULL) {
		si->events++;
		if (ev->ts_ms > si->last_event_ms)
			si->last_event_ms = ev->ts_ms;
	}
	/* what discovery found is read: for the snapshot's hold (snap-hold.c) */
	if (q->b->discovery >= 0 &&
	    ev->ts_ms > sources_get(q->b->discovery)->read_event_ms)
		sources_get(q->b->discovery)->read_event_ms = ev->ts_ms;
	if (need_name && job_id != NULL && map_get(q->asked, job_id) == NULL &&
	    map_get(q->wanted, job_id) == NULL) {
		int64_t *ts = xmalloc(sizeof *ts);

		*ts = ev->ts_ms;
		map_put(q->wanted, job_id, ts);
	}
	q->b->sink.event(q->b->sink.ctx, ev);
}

static struct bq_queue *
queue_add(struct bullmq_source *b, const char *name)
{
	struct bq_queue *q = xcalloc(1, sizeof *q);
	char *key;

	q->b = b;
	q->name = xstrdup(name);
	xasprintf(&q->keys, "%s:%s:", b->prefix, name);
	xasprintf(&key, "%sevents", q->keys);
	q->source = source_redis_add_stream(b->conn, key);
	free(key);
	q->dec = bullmq_dec_create(name, q->source, on_event, q);
	q->wanted = map_create();
	q->asked = map_create();
	for (int i = 0; i < PC__COUNT; i++) {
		q->slot[i].q = q;
		q->slot[i].what = i;
	}
	if (b->nqueues == b->cap) {
		b->cap = b->cap == 0 ? 8 : b->cap * 2;
		b->queues = xreallocarray(b->queues, (size_t)b->cap,
		    sizeof *b->queues);
	}
	b->queues[b->nqueues++] = q;
	map_put(b->by_name, name, q);
	return q;
}

static void
map_free_values(struct map *m)
{
	size_t i = 0;
	void *v;

	while (map_next(m, &i, NULL, &v))
		free(v);
	map_free(m);
}

static void
queue_free(struct bq_queue *q)
{
	bullmq_dec_free(q->dec);
	map_free_values(q->wanted);
	map_free(q->asked);
	free(q->keys);
	free(q->name);
	free(q);
}

/* Hand on a queue.depth event when the counts changed (or are getting old). */
static void
depth_done(struct bq_queue *q)
{
	struct bullmq_source *b = q->b;
	int64_t now = loop_now_ms();
	struct event ev;

	if (q->exists > 0) {
		q->existed = 1;
		if (q->gone) {
			q->gone = 0;
			source_set_state(q->source, SRC_LIVE, now);
			sink_notice(&b->sink, q->source, "bullmq %s/%s: queue is back",
			    b->display, q->name);
		}
	} else if (q->existed && !q->gone) {
		q->gone = 1;
		memset(&q->cur, 0, sizeof q->cur);
		source_set_state(q->source, SRC_GONE, now);
		sink_notice(&b->sink, q->source, "bullmq %s/%s: queue was deleted",
		    b->display, q->name);
	}
	if (q->have_last && memcmp(&q->cur, &q->last, sizeof q->cur) == 0 &&
	    now - q->last_emit_ms < DEPTH_REFRESH_MS)
		return;
	q->last = q->cur;
	q->have_last = 1;
	q->last_emit_ms = now;
	bullmq_depth_event(&ev, q->name, q->source, &q->cur, now);
	if (ev.type_name != NULL)
		b->sink.event(b->sink.ctx, &ev);
	event_done(&ev);
}

static int64_t
reply_int(const redisReply *r)
{
	return r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
}

/*
 * A refused command of q's (an ACL on its keys, a wrong type): its note
 * says so in Redis's words, and stderr once. A refusal of the whole
 * server reaches the follower's own commands too, which retries.
 */
static void
queue_refused(struct bq_queue *q, const char *what, const redisReply *r)
{
	struct source_info *si = sources_get(q->source);
	char words[256];

	if (si == NULL || q->b->stopping)
		return;
	redis_err_words(r->str, r->len, 1, words, sizeof words);
	source_set_note(q->source, "%s: %s", what, words);
	if (!q->refused) {
		q->refused = 1;
		sink_notice(&q->b->sink, q->source, "%s: %s: %s", si->name, what, words);
	}
}

/* One reply of a depth round; the last one (EXISTS) completes it. */
static void
on_depth(struct rconn *ac, void *r_, void *priv)
{
	struct depth_slot *slot = priv;
	struct bq_queue *q = slot->q;
	struct bullmq_source *b = q->b;
	redisReply *r = r_;

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		queue_refused(q, slot->what == PC_EXISTS ? "EXISTS" : "depth", r);
	if (slot->what == PC_EXISTS) {
		q->polling = 0;
		if (r != NULL && r->type != REDIS_REPLY_ERROR) {
			q->exists = (int)reply_int(r);
			if (!b->stopping)
				depth_done(q);
		}
		reply_done(b, &b->work);
		return;
	}
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		return;
	switch (slot->what) {
	case PC_WAIT:
		q->cur.wait = reply_int(r);
		break;
	case PC_PAUSED:
		q->cur.paused = reply_int(r);
		break;
	case PC_ACTIVE:
		q->cur.active = reply_int(r);
		break;
	case PC_PRIORITIZED:
		q->cur.prioritized = reply_int(r);
		break;
	case PC_DELAYED:
		q->cur.delayed = reply_int(r);
		break;
	case PC_CHILDREN:
		q->cur.waiting_children = reply_int(r);
		break;
	case PC_META:
		q->cur.queue_paused = r->type == REDIS_REPLY_ARRAY &&
		    r->elements >= 1 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[0]->str, "1") == 0;
		break;
	}
}

/* The same queue as another source's (one server under two names): read there. */
static int
queue_dup(const struct bq_queue *q)
{
	const struct source_info *si = sources_get(q->source);

	return si != NULL && si->state == SRC_DUPLICATE;
}

/* Send one depth round for q. */
static void
poll_queue(struct bullmq_source *b, struct bq_queue *q)
{
	static const char *const cmd[PC_EXISTS] = {
		[PC_WAIT] = "LLEN %swait", [PC_PAUSED] = "LLEN %spaused",
		[PC_ACTIVE] = "LLEN %sactive",
		[PC_PRIORITIZED] = "ZCARD %sprioritized",
		[PC_DELAYED] = "ZCARD %sdelayed",
		[PC_CHILDREN] = "ZCARD %swaiting-children",
		[PC_META] = "HMGET %smeta paused",
	};

	if (q->polling || queue_dup(q))
		return;
	q->polling = 1;
	b->work++;
	for (int i = 0; i < PC_EXISTS; i++)
		rconn_command(b->ac, on_depth, &q->slot[i], cmd[i], q->keys);
	rconn_command(b->ac, on_depth, &q->slot[PC_EXISTS],
	    "EXISTS %smeta %sevents", q->keys, q->keys);
}

static void
poll_all(struct bullmq_source *b)
{
	b->last_poll_ms = loop_now_ms();
	for (int i = 0; i < b->nqueues; i++)
		poll_queue(b, b->queues[i]);
}

/* The reply to HMGET name [processedOn] of one job. */
static void
on_lookup(struct rconn *ac, void *r_, void *priv)
{
	struct lookup *l = priv;
	struct bq_queue *q = l->q;
	struct bullmq_source *b = q->b;
	redisReply *r = r_;
	char *name = NULL;
	int64_t processed = -1;

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		queue_refused(q, "HMGET", r);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		/* Lost with the connection: ask again on the next one. */
		if (r == NULL && !l->active && !b->stopping) {
			int64_t *ts = xmalloc(sizeof *ts);

			*ts = l->ts_ms;
			free(map_put(q->wanted, l->job, ts));
			map_del(q->asked, l->job);
		}
		goto out;
	}
	if (r->elements >= 1 && r->element[0]->type == REDIS_REPLY_STRING)
		name = r->element[0]->str;
	if (r->elements >= 2 && r->element[1]->type == REDIS_REPLY_STRING) {
		char *end;

		processed = strtoll(r->element[1]->str, &end, 10);
		if (*end != '\0' || processed <= 0)
			processed = -1;
	}
	if (b->stopping)
		goto out;
	if (l->active) {
		if (processed > 0)
			bullmq_dec_active(q->dec, l->job, name, processed);
	} else if (bullmq_dec_name(q->dec, l->job) == NULL)
		bullmq_dec_set_name(q->dec, l->job, name, l->ts_ms);
out:
	free(l->job);
	reply_done(b, l->active ? &b->setup : &b->work);
	free(l);
}

static void
lookup_send(struct bullmq_source *b, struct bq_queue *q, const char *job,
    int64_t ts_ms, int active)
{
	struct lookup *l = xcalloc(1, sizeof *l);

	l->q = q;
	l->job = xstrdup(job);
	l->ts_ms = ts_ms;
	l->active = active;
	if (active) {
		b->setup++;
		rconn_command(b->ac, on_lookup, l, "HMGET %s%s name processedOn",
		    q->keys, job);
	} else {
		b->work++;
		rconn_command(b->ac, on_lookup, l, "HMGET %s%s name",
		    q->keys, job);
	}
}

/* Ask for the names wanted, one pipelined HMGET per job. */
static void
send_lookups(struct bullmq_source *b)
{
	if (b->ac == NULL)
		return;
	for (int i = 0; i < b->nqueues; i++) {
		struct bq_queue *q = b->queues[i];
		const char *job;
		size_t k = 0;
		void *ts;

		if (map_count(q->wanted) == 0)
			continue;
		if (map_count(q->asked) >= ASKED_MAX) {
			map_free(q->asked);
			q->asked = map_create();
		}
		while (map_next(q->wanted, &k, &job, &ts)) {
			map_put(q->asked, job, q);
			lookup_send(b, q, job, *(int64_t *)ts, 0);
		}
		map_free_values(q->wanted);
		q->wanted = map_create();
	}
}

/* The active jobs of a queue at start-up: read each one's hash. */
static void
on_active_list(struct rconn *ac, void *r_, void *priv)
{
	struct bq_queue *q = priv;
	struct bullmq_source *b = q->b;
	redisReply *r = r_;

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		queue_refused(q, "LRANGE", r);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && !b->stopping) {
		q->active_read = 1;
		for (size_t i = 0; i < r->elements; i++) {
			if (r->element[i]->type == REDIS_REPLY_STRING)
				lookup_send(b, q, r->element[i]->str, 0, 1);
		}
	}
	reply_done(b, &b->setup);
}

static void
read_active(struct bullmq_source *b, struct bq_queue *q)
{
	if (queue_dup(q))
		return;
	b->setup++;
	rconn_command(b->ac, on_active_list, q, "LRANGE %sactive 0 %d",
	    q->keys, ACTIVE_MAX - 1);
}

static void send_scan(struct bullmq_source *, const char *cursor);

/* A queue name from "<prefix>:<name>:meta", or NULL. */
static char *
meta_queue(const struct bullmq_source *b, const char *key, size_t len)
{
	size_t plen = strlen(b->prefix);

	if (len < plen + 1 + 1 + 5 || memcmp(key, b->prefix, plen) != 0 ||
	    key[plen] != ':' || memcmp(key + len - 5, ":meta", 5) != 0)
		return NULL;
	return xstrndup(key + plen + 1, len - plen - 1 - 5);
}

static void
on_scan(struct rconn *ac, void *r_, void *priv)
{
	struct bullmq_source *b = priv;
	redisReply *r = r_, *keys;
	int initial = !b->discovered;

	(void)ac;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_ARRAY || b->stopping) {
		if (r != NULL && r->type == REDIS_REPLY_ERROR) {
			char words[256];

			redis_err_words(r->str, r->len, 1, words, sizeof words);
			if (strstr(sources_get(b->discovery) != NULL ?
			    sources_get(b->discovery)->error : "", words) == NULL)
				sink_notice(&b->sink, b->discovery, "bullmq %s: SCAN: %s",
				    b->display, words);
			source_set_error(b->discovery, "SCAN: %s", words);
		}
		b->scanning = 0;
		reply_done(b, initial ? &b->setup : &b->work);
		return;
	}
	keys = r->element[1];
	for (size_t i = 0; i < keys->elements; i++) {
		char *name;

		if (keys->element[i]->type != REDIS_REPLY_STRING)
			continue;
		name = meta_queue(b, keys->element[i]->str, keys->element[i]->len);
		if (name != NULL && *name != '\0' && map_get(b->by_name, name) == NULL &&
		    b->nqueues < 4096) {
			struct bq_queue *q = queue_add(b, name);

			sink_notice(&b->sink, q->source, "bullmq %s: found queue %s", b->display,
			    q->name);
			if (b->ac != NULL) {
				read_active(b, q);
				poll_queue(b, q);
			}
		}
		free(name);
	}
	if (strcmp(r->element[0]->str, "0") != 0)
		send_scan(b, r->element[0]->str);
	else {
		b->scanning = 0;
		b->last_scan_ms = loop_now_ms();
		if (!b->discovered) {
			b->discovered = 1;
			source_set_state(b->discovery, SRC_LIVE, loop_now_ms());
		}
	}
	reply_done(b, initial ? &b->setup : &b->work);
}

/* One step of discovery: SCAN for <prefix>:*:meta. */
static void
send_scan(struct bullmq_source *b, const char *cursor)
{
	b->scanning = 1;
	if (!b->discovered)
		b->setup++;
	else
		b->work++;
	rconn_command(b->ac, on_scan, b, "SCAN %s MATCH %s:*:meta COUNT 1000",
	    cursor, b->prefix);
}

/* Hooks of the stream follower. */

static void
hook_entry(void *arg, int source, const char *id, size_t id_len,
    const struct event_field_kv *kv, size_t n)
{
	struct bullmq_source *b = arg;
	struct bq_queue *q = b->last_q;
	struct source_info *si;
	enum event_malformed why;

	if (q == NULL || q->source != source) {
		q = NULL;
		for (int i = 0; i < b->nqueues && q == NULL; i++) {
			if (b->queues[i]->source == source)
				q = b->queues[i];
		}
		if (q == NULL)
			return;
		b->last_q = q;
	}
	why = bullmq_dec_entry(q->dec, id, id_len, kv, n);
	if (why == MAL_NONE)
		return;
	source_count_malformed(source, why);
	si = sources_get(source);
	if (si != NULL && si->malformed_total <= 3)
		sink_notice(&b->sink, source, "%s: malformed entry %.*s (%s)", si->name,
		    (int)id_len, id, event_malformed_name(why));
}

static void
hook_batch_end(void *arg, int full)
{
	struct bullmq_source *b = arg;

	/* A BullMQ script writes its entries at once: only a full reply can split them. */
	if (!full) {
		for (int i = 0; i < b->nqueues; i++)
			bullmq_dec_flush(b->queues[i]->dec);
	}
	send_lookups(b);
}

static void
hook_connected(void *arg, struct rconn *ac)
{
	struct bullmq_source *b = arg;

	b->ac = ac;
	if (b->discovery >= 0)
		source_set_state(b->discovery, b->discovered ? SRC_LIVE :
		    SRC_CONNECTING, loop_now_ms());
	if (b->all && !b->discovered)
		send_scan(b, "0");
	for (int i = 0; i < b->nqueues; i++) {
		if (!b->queues[i]->active_read)
			read_active(b, b->queues[i]);
		b->queues[i]->polling = 0;
	}
	poll_all(b);
	send_lookups(b);
}

static void
hook_down(void *arg, const char *why, int64_t retry_at_ms)
{
	struct bullmq_source *b = arg;
	struct source_info *si = sources_get(b->discovery);

	b->ac = NULL;
	b->scanning = 0;
	if (si != NULL) {
		source_set_error(b->discovery, "%s", why);
		si->retry_at_ms = retry_at_ms;
		si->reconnects++;
		source_set_state(b->discovery, SRC_RETRYING, loop_now_ms());
	}
}

static void
hook_before_read(void *arg, struct rconn *ac)
{
	struct bullmq_source *b = arg;
	int64_t now = loop_now_ms();

	b->ac = ac;
	/* The follower just called its streams live: a deleted queue stays gone. */
	for (int i = 0; i < b->nqueues; i++) {
		if (b->queues[i]->gone)
			source_set_state(b->queues[i]->source, SRC_GONE, now);
	}
	if (now - b->last_poll_ms >= BULLMQ_POLL_MS)
		poll_all(b);
	if (b->all && b->discovered && !b->scanning &&
	    now - b->last_scan_ms >= BULLMQ_SCAN_MS)
		send_scan(b, "0");
	send_lookups(b);
}

static int
hook_hold(void *arg)
{
	struct bullmq_source *b = arg;

	return b->setup > 0 || (!b->follow && b->work > 0);
}

/* The follower's sink: events never come this way (hook_entry has them). */
static void
inner_event(void *ctx, struct event *ev)
{
	(void)ctx;
	(void)ev;
}

static void
inner_notice(void *ctx, int source, const char *msg)
{
	struct bullmq_source *b = ctx;

	if (b->sink.notice != NULL)
		b->sink.notice(b->sink.ctx, source, msg);
}

static void
inner_caught_up(void *ctx, int source)
{
	struct bullmq_source *b = ctx;

	for (int i = 0; i < b->nqueues; i++) {
		if (b->queues[i]->source == source) {
			bullmq_dec_flush(b->queues[i]->dec);
			b->queues[i]->backfilled = 1;
		}
	}
	maybe_caught_up(b);
}

struct bullmq_source *
source_bullmq_start(const struct url *url, char *const *names, int nnames,
    const char *prefix, const struct source_redis_opts *opts,
    const struct sink *sink)
{
	struct bullmq_source *b = xcalloc(1, sizeof *b);
	struct source_redis_opts ro = *opts;
	struct sink inner = { inner_event, inner_notice, inner_caught_up, b };
	char name[512];

	b->prefix = xstrdup(prefix);
	b->follow = opts->follow;
	b->sink = *sink;
	b->by_name = map_create();
	b->discovery = -1;
	url_display(url, b->display, sizeof b->display);
	for (int i = 0; i < nnames; i++) {
		if (strcmp(names[i], "*") == 0)
			b->all = 1;
	}
	b->hooks.kind = "bullmq";
	b->hooks.entry = hook_entry;
	b->hooks.batch_end = hook_batch_end;
	b->hooks.connected = hook_connected;
	b->hooks.down = hook_down;
	b->hooks.before_read = hook_before_read;
	b->hooks.hold = hook_hold;
	b->hooks.route_key = b->prefix; /* a cluster: where {prefix}'s keys live */
	b->hooks.arg = b;
	ro.hooks = &b->hooks;
	if (ro.block_ms > BULLMQ_POLL_MS)
		ro.block_ms = BULLMQ_POLL_MS;
	if (b->all) {
		snprintf(name, sizeof name, "%s/%s:*", b->display, prefix);
		b->discovery = sources_add("bullmq", name);
		source_set_state(b->discovery, SRC_CONNECTING, loop_now_ms());
	}
	b->conn = source_redis_start(url, NULL, 0, &ro, &inner);
	for (int i = 0; i < nnames; i++) {
		if (strcmp(names[i], "*") != 0 && *names[i] != '\0' &&
		    map_get(b->by_name, names[i]) == NULL)
			queue_add(b, names[i]);
	}
	return b;
}

void
source_bullmq_stop(struct bullmq_source *b)
{
	if (b == NULL)
		return;
	b->stopping = 1;
	/* Pending callbacks run now, with no reply. */
	source_redis_stop(b->conn);
	b->conn = NULL;
	for (int i = 0; i < b->nqueues; i++)
		queue_free(b->queues[i]);
	free(b->queues);
	map_free(b->by_name);
	free(b->prefix);
	free(b);
}
