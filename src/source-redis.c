/* execmon - follow Redis streams: backfill with XRANGE, then XREAD BLOCK. */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "rcluster.h"
#include "rconn.h"
#include "reply-arena.h"
#include "rsentinel.h"
#include "slotmap.h"
#include "source-redis.h"
#include "xmalloc.h"

/*
 * The resume rule. Each stream remembers the ID of the last entry it handed
 * on (last). Every read, after any reconnect, asks for entries strictly after
 * last: XRANGE from last+1 while backfilling, XREAD ... last while live, never
 * "$". So nothing Redis still holds is lost and nothing is read twice.
 *
 * The gap rule (Redis 7 and later). XINFO STREAM is sent at connect and
 * pipelined before every XREAD. We hold an anchor: the stream's entries-added
 * counter at the moment of our last entry (taken when we are caught up, then
 * counted forward one per entry read). When the stream's first entry is after
 * last, everything it still holds is unread, so entries-added - anchor -
 * length entries were added after last and trimmed away unread: a gap of
 * that size. Without an anchor (not yet caught up), an XDEL above last
 * (max-deleted-entry-id) is still reported, with its size unknown. Redis 6
 * has neither counter: no gap is reported there.
 *
 * The watchdog. hiredis has no command timeout: a server that stops answering
 * gives no callback at all. Every command we wait on arms a timer (block time +
 * watchdog_ms); when it fires the context is freed and we reconnect.
 */

struct sid {
	uint64_t ms, seq;
};

struct rstream {
	int source;            /* registry index */
	char *key;
	struct sid last;       /* last entry handed on */
	int have_last;
	int backfilled;
	int caught_up_sent;
	/* gap detection */
	int anchor_valid;
	uint64_t anchor_added; /* entries-added when `last` was added */
	struct sid info_last_gen;
	uint64_t info_added;
	int info_pending;      /* anchor taken when we reach info_last_gen */
	struct sid gap_seen;   /* max-deleted already reported */
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
	int connected_once;
	int stopping;
	int closed;            /* timer closed; free once the resolver is done */
	char addr[INET6_ADDRSTRLEN];
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

static void conn_connect(struct redis_conn *);
static void conn_next(struct redis_conn *);
static void send_idle(struct redis_conn *);
static void conn_free(struct redis_conn *);
static void mark_node(struct redis_conn *);
static void on_slots(struct rconn *, void *, void *);
static struct redis_conn *conn_new(const struct url *, const struct source_redis_opts *,
    const struct source_redis_hooks *, const struct sink *);
#define ROUTED(c) ((c)->sentinel != NULL || (c)->cluster != NULL)
static void conn_fail(struct redis_conn *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void
source_redis_opts_default(struct source_redis_opts *o)
{
	memset(o, 0, sizeof *o);
	o->to_ms = -1;
	o->follow = 1;
	o->block_ms = 5000;
	o->chunk = 1000;
	o->connect_timeout_ms = 5000;
	o->watchdog_ms = 2000;
	o->backoff_min_ms = 500;
	o->backoff_max_ms = 10000;
}

/* The decimal digits at the start of s[0..len) (at most UINT64_MAX); how many, 0 if none. */
static size_t
parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return i;
}

/* An entry ID "ms-seq", both parts decimal; read once per entry, so by hand. */
static int
sid_parse(const char *s, size_t len, struct sid *out)
{
	struct sid id;
	size_t n, m;

	n = parse_u64(s, len, &id.ms);
	if (n == 0 || n == len || s[n] != '-')
		return -1;
	m = parse_u64(s + n + 1, len - n - 1, &id.seq);
	if (m == 0 || n + 1 + m != len)
		return -1;
	*out = id;
	return 0;
}

static int
sid_cmp(struct sid a, struct sid b)
{
	if (a.ms != b.ms)
		return a.ms < b.ms ? -1 : 1;
	if (a.seq != b.seq)
		return a.seq < b.seq ? -1 : 1;
	return 0;
}

static void
sid_fmt(struct sid s, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 "-%" PRIu64, s.ms, s.seq);
}

/* The registry index that connection-wide notices name (-1: no stream yet). */
static int
first_source(const struct redis_conn *c)
{
	return c->nstreams > 0 ? c->streams[0]->source : -1;
}

static void
set_state(struct redis_conn *c, enum source_state st)
{
	int64_t now = loop_now_ms();

	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];

		if (st == SRC_LIVE && !s->backfilled)
			continue;
		if (st == SRC_BACKFILLING && s->backfilled)
			continue;
		source_set_state(s->source, st, now);
	}
}

static void
timer_arm(struct redis_conn *c, int64_t ms, uv_timer_cb cb)
{
	/*
	 * From the real now: a callback that blocked (on a stalled output)
	 * leaves the loop's time behind, and a watchdog armed from it would
	 * blame the server for our own stall.
	 */
	uv_update_time(c->timer.loop);
	uv_timer_stop(&c->timer);
	uv_timer_start(&c->timer, cb, (uint64_t)(ms < 0 ? 0 : ms), 0);
}

static void
timer_disarm(struct redis_conn *c)
{
	uv_timer_stop(&c->timer);
}

static void
retry_due(uv_timer_t *t)
{
	struct redis_conn *c = t->data;

	conn_connect(c);
}

static void
drop_context(struct redis_conn *c)
{
	struct rconn *ac = c->ac;

	if (ac == NULL)
		return;
	c->ac = NULL;
	rconn_set_data(ac, NULL);
	rconn_free(ac);
}

/* Give up on this connection and schedule the next attempt. */
static void
conn_fail(struct redis_conn *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);

	drop_context(c);
	if (c->stopping || c->phase == P_DONE)
		return;
	if (c->cluster != NULL)
		rcluster_stale(c->cluster); /* a failover, perhaps: read the map again */
	c->phase = P_RETRY;
	for (int i = 0; i < c->nstreams; i++) {
		struct source_info *si = sources_get(c->streams[i]->source);

		source_set_error(c->streams[i]->source, "%s", why);
		si->retry_at_ms = loop_now_ms() + c->backoff_ms;
		si->reconnects++;
		source_set_state(c->streams[i]->source, SRC_RETRYING, loop_now_ms());
	}
	if (c->hooks.down != NULL)
		c->hooks.down(c->hooks.arg, why, loop_now_ms() + c->backoff_ms);
	sink_notice(&c->sink, first_source(c), "redis %s: %s (retrying in %.1f s)",
	    c->display, why, (double)c->backoff_ms / 1000.0);
	timer_arm(c, c->backoff_ms, retry_due);
	c->backoff_ms *= 2;
	if (c->backoff_ms > c->opts.backoff_max_ms)
		c->backoff_ms = c->opts.backoff_max_ms;
}

static void
watchdog_fired(uv_timer_t *t)
{
	struct redis_conn *c = t->data;

	if (c->phase == P_CONNECTING)
		conn_fail(c, "connect timed out");
	else
		conn_fail(c, "server stopped answering (no reply in %d ms)",
		    c->phase == P_LIVE && c->nstreams > 0 ?
		    c->opts.block_ms + c->opts.watchdog_ms : c->opts.watchdog_ms);
}

static void
watchdog(struct redis_conn *c, int64_t ms)
{
	timer_arm(c, ms, watchdog_fired);
}

static int cluster_redirect(struct redis_conn *, const redisReply *);

/* A reply that is an error (or missing) fails the connection. */
static int
reply_bad(struct redis_conn *c, redisReply *r, const char *what)
{
	if (r == NULL)
		return 1; /* context going away; the disconnect path handles it */
	if (r->type == REDIS_REPLY_ERROR && cluster_redirect(c, r))
		return 1;
	if (r->type == REDIS_REPLY_ERROR) {
		conn_fail(c, "%s: %.*s", what, (int)r->len, r->str);
		return 1;
	}
	return 0;
}

static void
maybe_caught_up(struct redis_conn *c, struct rstream *s)
{
	if (s->caught_up_sent)
		return;
	s->caught_up_sent = 1;
	if (c->sink.caught_up != NULL)
		c->sink.caught_up(c->sink.ctx, s->source);
}

/* Hand one entry [id, [f, v, ...]] of stream s to the sink. */
static void
handle_entry(struct redis_conn *c, struct rstream *s, redisReply *e)
{
	struct event_field_kv kv[64], *kvp = kv;
	struct source_info *si = sources_get(s->source);
	redisReply *id, *fields;
	struct event ev;
	enum event_malformed why;
	struct sid sid;
	size_t n;

	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
		return;
	id = e->element[0];
	fields = e->element[1];
	if (id->type != REDIS_REPLY_STRING || sid_parse(id->str, id->len, &sid) != 0)
		return;
	if (s->have_last && sid_cmp(sid, s->last) <= 0)
		return; /* already handed on */
	s->last = sid;
	s->have_last = 1;
	if (s->anchor_valid)
		s->anchor_added++;
	else if (s->info_pending && sid_cmp(sid, s->info_last_gen) == 0) {
		s->anchor_valid = 1;
		s->anchor_added = s->info_added;
		s->info_pending = 0;
	}
	si->last_recv_ms = c->recv_ms;

	n = 0;
	if (fields->type == REDIS_REPLY_ARRAY)
		n = fields->elements / 2;
	if (n > sizeof kv / sizeof kv[0])
		kvp = xreallocarray(NULL, n, sizeof *kvp);
	for (size_t i = 0; i < n; i++) {
		redisReply *f = fields->element[2 * i], *v = fields->element[2 * i + 1];

		kvp[i].name = f->type == REDIS_REPLY_STRING ? f->str : "";
		kvp[i].name_len = f->type == REDIS_REPLY_STRING ? f->len : 0;
		kvp[i].value = v->type == REDIS_REPLY_STRING ? v->str : "";
		kvp[i].value_len = v->type == REDIS_REPLY_STRING ? v->len : 0;
	}
	if (c->hooks.entry != NULL) {
		c->hooks.entry(c->hooks.arg, s->source, id->str, id->len, kvp, n);
		if (kvp != kv)
			free(kvp);
		return;
	}
	event_init(&ev);
	why = event_decode_fields(&ev, kvp, n, (int64_t)sid.ms);
	if (kvp != kv)
		free(kvp);
	if (why != MAL_NONE) {
		source_count_malformed(s->source, why);
		if (si->malformed_total <= 3)
			sink_notice(&c->sink, s->source, "%s: malformed entry %.*s (%s)", si->name,
			    (int)id->len, id->str, event_malformed_name(why));
		return;
	}
	si->events++;
	if (ev.ts_ms > si->last_event_ms)
		si->last_event_ms = ev.ts_ms;
	ev.source = s->source;
	ev.entry_id = xstrndup(id->str, id->len);
	c->sink.event(c->sink.ctx, &ev);
	event_done(&ev);
}

static void
update_backfill_progress(struct redis_conn *c, struct rstream *s)
{
	struct source_info *si = sources_get(s->source);
	int64_t end = c->opts.to_ms >= 0 ? c->opts.to_ms : loop_now_ms();
	int64_t span = end - c->opts.from_ms;

	if (!s->have_last || span <= 0)
		return;
	si->backfill = (double)((int64_t)s->last.ms - c->opts.from_ms) / (double)span;
	if (si->backfill < 0)
		si->backfill = 0;
	if (si->backfill > 1)
		si->backfill = 1;
}

static void
on_xrange(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = priv;
	redisReply *r = r_;
	struct rstream *s;

	(void)ac;
	if (c->ac == NULL || reply_bad(c, r, "XRANGE"))
		return;
	timer_disarm(c);
	c->backoff_ms = c->opts.backoff_min_ms;
	c->recv_ms = loop_now_ms();
	s = c->streams[c->bf];
	if (r->type != REDIS_REPLY_ARRAY) {
		conn_fail(c, "XRANGE: unexpected reply");
		return;
	}
	for (size_t i = 0; i < r->elements; i++)
		handle_entry(c, s, r->element[i]);
	if (c->hooks.batch_end != NULL)
		c->hooks.batch_end(c->hooks.arg, (int)r->elements >= c->opts.chunk);
	update_backfill_progress(c, s);
	if ((int)r->elements < c->opts.chunk) {
		s->backfilled = 1;
		sources_get(s->source)->backfill = 1;
		source_set_state(s->source, c->opts.follow ? SRC_LIVE : SRC_DONE,
		    loop_now_ms());
		maybe_caught_up(c, s);
	}
	conn_next(c);
}

/* Let the owner pipeline its commands ahead of the next read. */
static void
pre_read(struct redis_conn *c)
{
	if (c->hooks.before_read != NULL)
		c->hooks.before_read(c->hooks.arg, c->ac);
}

static void
send_xrange(struct redis_conn *c, struct rstream *s)
{
	char start[48], end[32];

	if (s->have_last) {
		struct sid n = s->last;

		if (n.seq == UINT64_MAX) {
			n.ms++;
			n.seq = 0;
		} else
			n.seq++;
		sid_fmt(n, start, sizeof start);
	} else
		snprintf(start, sizeof start, "%" PRId64 "-0", c->opts.from_ms);
	if (c->opts.to_ms >= 0)
		snprintf(end, sizeof end, "%" PRId64, c->opts.to_ms);
	else
		snprintf(end, sizeof end, "+");
	pre_read(c);
	rconn_command(c->ac, on_xrange, c, "XRANGE %s %s %s COUNT %d", s->key,
	    start, end, c->opts.chunk);
	watchdog(c, c->opts.watchdog_ms);
}

static void
on_xread(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = priv;
	redisReply *r = r_;
	int full = 0;

	(void)ac;
	if (c->ac == NULL || reply_bad(c, r, "XREAD"))
		return;
	timer_disarm(c);
	c->backoff_ms = c->opts.backoff_min_ms;
	c->recv_ms = loop_now_ms();
	if (r->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < r->elements; i++) {
			redisReply *sr = r->element[i];

			if (sr->type != REDIS_REPLY_ARRAY || sr->elements < 2 ||
			    sr->element[0]->type != REDIS_REPLY_STRING ||
			    sr->element[1]->type != REDIS_REPLY_ARRAY)
				continue;
			for (int k = 0; k < c->nstreams; k++) {
				struct rstream *s = c->streams[k];
				redisReply *entries = sr->element[1];

				if (strlen(s->key) != sr->element[0]->len ||
				    memcmp(s->key, sr->element[0]->str, sr->element[0]->len) != 0)
					continue;
				for (size_t j = 0; j < entries->elements; j++)
					handle_entry(c, s, entries->element[j]);
				if ((int)entries->elements >= c->opts.chunk)
					full = 1;
				break;
			}
		}
	}
	if (c->hooks.batch_end != NULL)
		c->hooks.batch_end(c->hooks.arg, full);
	conn_next(c);
}

static void on_xinfo_live(struct rconn *, void *, void *);

/* Pipelined before every XREAD: XINFO tells whether unread entries were trimmed. */
static void
send_xread(struct redis_conn *c)
{
	const char **argv;
	size_t *argl;
	char (*ids)[48];
	char blk[16], cnt[16];
	int n = 0, total = 6 + 2 * c->nstreams;

	pre_read(c);
	for (int i = 0; i < c->nstreams; i++)
		rconn_command(c->ac, on_xinfo_live, c->streams[i], "XINFO STREAM %s",
		    c->streams[i]->key);
	argv = xcalloc((size_t)total, sizeof *argv);
	argl = xcalloc((size_t)total, sizeof *argl);
	ids = xcalloc((size_t)c->nstreams, sizeof *ids);
	snprintf(blk, sizeof blk, "%d", c->opts.block_ms);
	snprintf(cnt, sizeof cnt, "%d", c->opts.chunk);
	argv[n++] = "XREAD";
	argv[n++] = "COUNT";
	argv[n++] = cnt;
	argv[n++] = "BLOCK";
	argv[n++] = blk;
	argv[n++] = "STREAMS";
	for (int i = 0; i < c->nstreams; i++)
		argv[n++] = c->streams[i]->key;
	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];

		if (s->have_last)
			sid_fmt(s->last, ids[i], sizeof ids[i]);
		else if (c->opts.from_ms > 0)
			snprintf(ids[i], sizeof ids[i], "%" PRId64 "-%" PRIu64,
			    c->opts.from_ms - 1, UINT64_MAX);
		else
			snprintf(ids[i], sizeof ids[i], "0-0");
		argv[n++] = ids[i];
	}
	for (int i = 0; i < n; i++)
		argl[i] = strlen(argv[i]);
	rconn_command_argv(c->ac, on_xread, c, n, argv, argl);
	free(argv);
	free(argl);
	free(ids);
	watchdog(c, c->opts.block_ms + c->opts.watchdog_ms);
}

/* Read XINFO STREAM's reply into the gap state of s. */
static void
take_info(struct redis_conn *c, struct rstream *s, redisReply *r)
{
	struct sid max_deleted = { 0, 0 }, last_gen = { 0, 0 }, first = { 0, 0 };
	int have_md = 0, have_added = 0, have_first = 0, have_gen = 0;
	uint64_t added = 0, length = 0;
	struct source_info *si = sources_get(s->source);

	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "length") == 0 && v->type == REDIS_REPLY_INTEGER)
			length = (uint64_t)v->integer;
		else if (strcmp(k->str, "entries-added") == 0 &&
		    v->type == REDIS_REPLY_INTEGER) {
			added = (uint64_t)v->integer;
			have_added = 1;
		} else if (strcmp(k->str, "max-deleted-entry-id") == 0 &&
		    v->type == REDIS_REPLY_STRING)
			have_md = sid_parse(v->str, v->len, &max_deleted) == 0;
		else if (strcmp(k->str, "last-generated-id") == 0 &&
		    v->type == REDIS_REPLY_STRING)
			have_gen = sid_parse(v->str, v->len, &last_gen) == 0;
		else if (strcmp(k->str, "first-entry") == 0 &&
		    v->type == REDIS_REPLY_ARRAY && v->elements >= 1 &&
		    v->element[0]->type == REDIS_REPLY_STRING)
			have_first = sid_parse(v->element[0]->str, v->element[0]->len,
			    &first) == 0;
	}

	if (s->have_last) {
		int64_t lost = 0;

		if (s->anchor_valid && have_added &&
		    (!have_first || sid_cmp(first, s->last) > 0)) {
			/* Everything still in the stream is after last. */
			if (added > s->anchor_added + length)
				lost = (int64_t)(added - s->anchor_added - length);
		} else if (!s->anchor_valid && have_md &&
		    sid_cmp(max_deleted, s->last) > 0 &&
		    sid_cmp(max_deleted, s->gap_seen) > 0)
			lost = -1; /* deleted after last; how many, Redis can't tell */
		if (have_md && sid_cmp(max_deleted, s->gap_seen) > 0)
			s->gap_seen = max_deleted;
		if (lost != 0) {
			si->gaps++;
			if (lost > 0 && si->gap_entries >= 0)
				si->gap_entries += lost;
			else
				si->gap_entries = -1;
			if (lost > 0) {
				sink_notice(&c->sink, s->source, "%s: gap: %" PRId64
				    " entries were trimmed away before they were read",
				    si->name, lost);
				s->anchor_added += (uint64_t)lost;
			} else
				sink_notice(&c->sink, s->source, "%s: gap: entries were deleted"
				    " before they were read (count unknown)", si->name);
		}
	} else if (have_md && sid_cmp(max_deleted, s->gap_seen) > 0)
		s->gap_seen = max_deleted;

	/* Re-anchor when caught up; otherwise anchor once we reach last_gen. */
	if (have_added && have_gen) {
		if (s->have_last && sid_cmp(s->last, last_gen) == 0) {
			s->anchor_valid = 1;
			s->anchor_added = added;
		} else if (!s->anchor_valid) {
			s->info_pending = 1;
			s->info_last_gen = last_gen;
			s->info_added = added;
		}
	}
}

static void
on_xinfo(struct rconn *ac, void *r_, void *priv)
{
	struct rstream *s = priv;
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	/* A missing key is an empty stream, not an error. */
	if (r->type != REDIS_REPLY_ERROR)
		take_info(c, s, r);
	if (--c->setup_pending == 0) {
		timer_disarm(c);
		conn_next(c);
	}
}

static void
on_xinfo_live(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL || r->type == REDIS_REPLY_ERROR)
		return;
	take_info(c, priv, r);
}

static void
send_infos(struct redis_conn *c)
{
	if (c->hooks.connected != NULL)
		c->hooks.connected(c->hooks.arg, c->ac);
	if (c->ac == NULL)
		return;
	if (c->nstreams == 0) {
		conn_next(c);
		return;
	}
	for (int i = 0; i < c->nstreams; i++) {
		c->setup_pending++;
		rconn_command(c->ac, on_xinfo, c->streams[i], "XINFO STREAM %s",
		    c->streams[i]->key);
	}
	watchdog(c, c->opts.watchdog_ms);
}

static void
on_setup(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || reply_bad(c, r, (const char *)priv))
		return;
	if (--c->setup_pending == 0)
		send_infos(c);
}

static void
on_role(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	(void)priv;
	if (c == NULL || c->ac == NULL || reply_bad(c, r, "ROLE"))
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "master") != 0) {
		conn_fail(c, "%s:%d is not the master of %s (yet)", c->addr, c->mport,
		    c->url.master);
		return;
	}
	if (--c->setup_pending == 0)
		send_infos(c);
}

/*
 * Redis Cluster. The first connection asks CLUSTER SLOTS (an error there:
 * not a cluster, nothing changes). On a cluster every stream is read on a
 * connection of its own (XREAD's keys must share a slot), from the node that
 * serves its slot; a connection whose owner sets route_key (BullMQ's
 * hash-tagged prefix) keeps its streams together, on the node of that key.
 * A MOVED or ASK reply sends the connection to the node named (ASK: sending
 * ASKING before each command); any failure reads the map again. Reads
 * resume from the last entry ID as after any reconnect, so a stream that
 * moves loses and repeats nothing.
 */
static int
cluster_route_key(const struct redis_conn *c, const char **key)
{
	if (c->hooks.route_key != NULL)
		*key = c->hooks.route_key;
	else if (c->nstreams > 0)
		*key = c->streams[0]->key;
	else
		return -1;
	return (int)redis_keyslot(*key, strlen(*key));
}

/* Leave this node for another (a redirection, not a failure). */
static void
conn_redirect(struct redis_conn *c, const char *why)
{
	int64_t now = loop_now_ms();

	drop_context(c);
	if (c->stopping)
		return;
	c->phase = P_RETRY;
	sink_notice(&c->sink, first_source(c), "redis %s: %s", c->display, why);
	/* Back and forth during a reshard: no faster than twice a second. */
	timer_arm(c, now - c->redirect_ms < 1000 ? c->opts.backoff_min_ms : 0,
	    retry_due);
	c->redirect_ms = now;
}

/* A MOVED or ASK error reply: follow it (1), or it is some other error (0). */
static int
cluster_redirect(struct redis_conn *c, const redisReply *r)
{
	char ip[INET6_ADDRSTRLEN], why[160];
	unsigned slot;
	int ask, port;

	if (c->cluster == NULL ||
	    redis_parse_redirect(r->str, r->len, &ask, &slot, ip, sizeof ip, &port) != 0)
		return 0;
	if (ask) {
		snprintf(c->ask_ip, sizeof c->ask_ip, "%s", ip);
		c->ask_port = port;
	} else
		rcluster_moved(c->cluster, slot, ip, port);
	snprintf(why, sizeof why, "%s %u: reading from %s:%d", ask ? "ASK" : "MOVED",
	    slot, ip, port);
	conn_redirect(c, why);
	return 1;
}

/* Each stream but the first to a connection of its own. */
static void
cluster_split(struct redis_conn *c)
{
	for (int i = 1; i < c->nstreams; i++) {
		struct redis_conn *k = conn_new(&c->url, &c->opts, NULL, &c->sink);
		const char *key;

		k->streams = xcalloc(1, sizeof *k->streams);
		k->streams[0] = c->streams[i];
		k->nstreams = k->streams_cap = 1;
		k->cluster = rcluster_ref(c->cluster);
		k->cluster_checked = 1;
		k->slot = cluster_route_key(k, &key);
		c->kids = xreallocarray(c->kids, (size_t)c->nkids + 1, sizeof *c->kids);
		c->kids[c->nkids++] = k;
		conn_connect(k);
	}
	c->nstreams = 1;
}

/* CLUSTER SLOTS at the first connect: a cluster, or not. */
static void
on_slots(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;
	const char *ip, *key = NULL;
	int port;

	(void)priv;
	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	c->cluster_checked = 1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
		c->cluster = rcluster_create(&c->url, c->opts.tls,
		    c->opts.connect_timeout_ms);
		rcluster_load(c->cluster, r, c->addr);
		sink_notice(&c->sink, first_source(c), "redis %s: a cluster of %d masters",
		    c->display, rcluster_masters(c->cluster));
		if (c->hooks.entry == NULL && c->nstreams > 1)
			cluster_split(c);
		c->slot = cluster_route_key(c, &key);
		if (c->hooks.route_key != NULL && strchr(key, '{') == NULL)
			sink_notice(&c->sink, first_source(c), "redis %s: on a cluster the "
			    "prefix %s needs a {hash tag}, e.g. {%s}", c->display, key, key);
		mark_node(c);
		if (c->slot >= 0 &&
		    (ip = rcluster_owner(c->cluster, (unsigned)c->slot, &port)) != NULL &&
		    (strcmp(ip, c->addr) != 0 || port != c->mport)) {
			char why[128];

			snprintf(why, sizeof why, "slot %d is served by %s:%d", c->slot,
			    ip, port);
			conn_redirect(c, why);
			return;
		}
	}
	if (--c->setup_pending == 0)
		send_infos(c);
}

static void
idle_over(uv_timer_t *t)
{
	struct redis_conn *c = t->data;

	c->phase = P_LIVE;
	conn_next(c);
}

static void
on_idle_ping(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = priv;

	(void)ac;
	if (c->ac == NULL || reply_bad(c, r_, "PING"))
		return;
	c->backoff_ms = c->opts.backoff_min_ms;
	c->phase = P_IDLE_WAIT;
	timer_arm(c, c->opts.block_ms, idle_over);
}

/*
 * No stream to follow yet (an owner that finds its streams later): give the
 * owner its turn, make sure the server still answers, wait block_ms, repeat.
 */
static void
send_idle(struct redis_conn *c)
{
	pre_read(c);
	rconn_command(c->ac, on_idle_ping, c, "PING");
	watchdog(c, c->opts.watchdog_ms);
}

/* Decide what the connection does next: backfill a stream, or read live. */
static void
conn_next(struct redis_conn *c)
{
	if (c->ac == NULL)
		return;
	if (c->hooks.hold != NULL && c->hooks.hold(c->hooks.arg)) {
		c->phase = P_HOLD;
		watchdog(c, c->opts.watchdog_ms);
		return;
	}
	for (int i = 0; i < c->nstreams; i++) {
		if (!c->streams[i]->backfilled) {
			if (c->phase != P_BACKFILL || c->bf != i) {
				c->phase = P_BACKFILL;
				c->bf = i;
				source_set_state(c->streams[i]->source, SRC_BACKFILLING,
				    loop_now_ms());
			}
			send_xrange(c, c->streams[i]);
			return;
		}
	}
	if (!c->opts.follow) {
		c->phase = P_DONE;
		timer_disarm(c);
		drop_context(c);
		return;
	}
	if (c->phase != P_LIVE) {
		c->phase = P_LIVE;
		set_state(c, SRC_LIVE);
	}
	if (c->nstreams == 0) {
		send_idle(c);
		return;
	}
	send_xread(c);
}

static void
on_connect(struct rconn *ac, const char *err)
{
	struct redis_conn *c = rconn_data(ac);

	if (c == NULL)
		return;
	if (err != NULL) {
		/* The connection is freed after this callback. */
		c->ac = NULL;
		conn_fail(c, "%s", err);
		return;
	}
	timer_disarm(c);
	c->phase = P_SETUP;
	if (!c->connected_once)
		sink_notice(&c->sink, first_source(c), "redis %s: connected", c->display);
	else
		sink_notice(&c->sink, first_source(c), "redis %s: reconnected", c->display);
	c->connected_once = 1;
	mark_node(c);
	c->setup_pending = 0;
	if (c->url.password != NULL) {
		c->setup_pending++;
		if (c->url.user != NULL)
			rconn_command(c->ac, on_setup, (void *)"AUTH", "AUTH %s %s",
			    c->url.user, c->url.password);
		else
			rconn_command(c->ac, on_setup, (void *)"AUTH", "AUTH %s",
			    c->url.password);
	}
	if (c->url.db != 0) {
		c->setup_pending++;
		rconn_command(c->ac, on_setup, (void *)"SELECT", "SELECT %d",
		    c->url.db);
	}
	if (c->sentinel == NULL && !c->cluster_checked &&
	    c->url.scheme != URL_UNIX) {
		c->setup_pending++;
		rconn_command(c->ac, on_slots, NULL, "CLUSTER SLOTS");
	}
	if (c->sentinel != NULL) {
		/* A sentinel may name a master that has just become a replica. */
		c->setup_pending++;
		rconn_command(c->ac, on_role, NULL, "ROLE");
	}
	if (c->setup_pending == 0)
		send_infos(c);
	else
		watchdog(c, c->opts.watchdog_ms);
}

static void
on_disconnect(struct rconn *ac, const char *why)
{
	struct redis_conn *c = rconn_data(ac);

	if (c == NULL)
		return;
	c->ac = NULL;
	timer_disarm(c);
	conn_fail(c, "%s", why);
}

/* Say in the registry where the streams are read from, and how. */
static void
mark_node(struct redis_conn *c)
{
	for (int i = 0; i < c->nstreams; i++) {
		struct source_info *si = sources_get(c->streams[i]->source);

		snprintf(si->node, sizeof si->node, "%s", c->node);
		if (c->sentinel != NULL)
			snprintf(si->via, sizeof si->via, "sentinel %s", c->url.master);
		else if (c->cluster != NULL && c->slot >= 0)
			snprintf(si->via, sizeof si->via, "cluster slot %d", c->slot);
		si->tls = c->url.tls;
		si->insecure = c->url.tls && rconn_tls_insecure(c->opts.tls);
	}
}

static void
connect_addr(struct redis_conn *c, const char *ip)
{
	/*
	 * Its replies go to this file's callbacks and to those of the owner's
	 * commands (source-bullmq.c): none keeps a reply past its callback.
	 */
	struct rconn_opts ro = {
		.host = ROUTED(c) ? ip : c->url.host, .addr = ip,
		.port = ROUTED(c) ? c->mport : c->url.port,
		.path = c->url.scheme == URL_UNIX ? c->url.path : NULL,
		.tls = c->url.tls ? c->opts.tls : NULL, .arena = c->arena,
	};
	char err[128];

	c->phase = P_CONNECTING;
	if (ro.path != NULL)
		snprintf(c->node, sizeof c->node, "%s", ro.path);
	else
		snprintf(c->node, sizeof c->node, strchr(ip, ':') ? "[%s]:%d" :
		    "%s:%d", ip, ro.port);
	if (ip != c->addr)
		snprintf(c->addr, sizeof c->addr, "%s", ip);
	c->mport = ro.port;
	c->ac = rconn_connect(loop_uv(), &ro, on_connect, on_disconnect, c, err,
	    sizeof err);
	if (c->ac == NULL) {
		conn_fail(c, "%s", err);
		return;
	}
	if (c->ask_port > 0) {
		rconn_set_asking(c->ac, 1); /* the slot is moving to this node */
		c->ask_port = 0;
	}
	watchdog(c, c->opts.connect_timeout_ms);
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct redis_conn *c = req->data;

	c->gai_busy = 0;
	if (c->stopping) {
		uv_freeaddrinfo(res);
		if (c->closed)
			conn_free(c);
		return;
	}
	if (status != 0 || res == NULL) {
		uv_freeaddrinfo(res);
		conn_fail(c, "cannot resolve %s: %s", c->url.host, uv_strerror(status));
		return;
	}
	if (res->ai_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, c->addr, sizeof c->addr);
	else
		uv_ip4_name((struct sockaddr_in *)res->ai_addr, c->addr, sizeof c->addr);
	uv_freeaddrinfo(res);
	connect_addr(c, c->addr);
}

/* The sentinels' or the cluster's answer: the address, or why there is none. */
static void
on_master(void *arg, const char *ip, int port, const char *err)
{
	struct redis_conn *c = arg;

	if (err != NULL) {
		conn_fail(c, "%s", err);
		return;
	}
	snprintf(c->addr, sizeof c->addr, "%s", ip);
	c->mport = port;
	connect_addr(c, c->addr);
}

/* A sentinel announced a failover: leave the old master now. */
static void
on_switch(void *arg, const char *ip, int port)
{
	struct redis_conn *c = arg;

	sink_notice(&c->sink, first_source(c), "redis %s: master %s switched to %s:%d",
	    c->display, c->url.master, ip, port);
	c->backoff_ms = c->opts.backoff_min_ms;
	if (c->ac == NULL) {
		/* Waiting to retry (the old master is gone): go now. */
		if (c->phase == P_RETRY)
			timer_arm(c, 0, retry_due);
		return;
	}
	if (strcmp(ip, c->addr) != 0 || port != c->mport)
		conn_fail(c, "master %s switched to %s:%d", c->url.master, ip, port);
}

static void
conn_connect(struct redis_conn *c)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct addrinfo hints;

	if (c->stopping)
		return;
	for (int i = 0; i < c->nstreams; i++)
		source_set_state(c->streams[i]->source, SRC_CONNECTING, loop_now_ms());
	if (c->sentinel != NULL) {
		c->phase = P_RESOLVING;
		rsentinel_ask(c->sentinel, on_master, c);
		return;
	}
	if (c->ask_port > 0) {
		c->mport = c->ask_port;
		connect_addr(c, c->ask_ip);
		return;
	}
	if (c->cluster != NULL && c->slot >= 0) {
		c->phase = P_RESOLVING;
		rcluster_ask(c->cluster, (unsigned)c->slot, on_master, c);
		return;
	}
	if (c->url.scheme == URL_UNIX ||
	    inet_pton(AF_INET, c->url.host, &a4) == 1 ||
	    inet_pton(AF_INET6, c->url.host, &a6) == 1) {
		connect_addr(c, c->url.host);
		return;
	}
	/* Resolve off the loop thread: getaddrinfo blocks. */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	c->phase = P_RESOLVING;
	c->gai.data = c;
	c->gai_busy = 1;
	if (uv_getaddrinfo(loop_uv(), &c->gai, on_resolved, c->url.host, NULL,
	    &hints) != 0) {
		c->gai_busy = 0;
		conn_fail(c, "cannot resolve %s", c->url.host);
	}
}

/* Register one more stream; its registry index. */
static int
stream_add(struct redis_conn *c, const char *key)
{
	struct rstream *s;
	char name[512];

	if (c->nstreams == c->streams_cap) {
		c->streams_cap = c->streams_cap == 0 ? 4 : c->streams_cap * 2;
		c->streams = xreallocarray(c->streams, (size_t)c->streams_cap,
		    sizeof *c->streams);
	}
	s = xcalloc(1, sizeof *s);
	s->key = xstrdup(key);
	snprintf(name, sizeof name, "%s/%s", c->display, key);
	s->source = sources_add(c->hooks.kind != NULL ? c->hooks.kind : "redis",
	    name);
	c->streams[c->nstreams++] = s;
	if (c->connected_once)
		mark_node(c);
	return s->source;
}

/* A connection with no stream yet, not started; url, opts and sink are copied. */
static struct redis_conn *
conn_new(const struct url *url, const struct source_redis_opts *opts,
    const struct source_redis_hooks *hooks, const struct sink *sink)
{
	struct redis_conn *c = xcalloc(1, sizeof *c);

	c->url = *url;
	c->url.host = url->host ? xstrdup(url->host) : NULL;
	c->url.path = url->path ? xstrdup(url->path) : NULL;
	c->url.password = url->password ? xstrdup(url->password) : NULL;
	c->url.user = url->user ? xstrdup(url->user) : NULL;
	c->url.master = url->master ? xstrdup(url->master) : NULL;
	c->url.sentinels = NULL; /* the sentinel module keeps its own copy */
	c->url.nsentinels = 0;
	url_display(url, c->display, sizeof c->display);
	c->opts = *opts;
	c->opts.hooks = NULL;
	if (hooks != NULL)
		c->hooks = *hooks;
	c->sink = *sink;
	c->arena = reply_arena_create();
	c->backoff_ms = opts->backoff_min_ms;
	c->slot = -1;
	uv_timer_init(loop_uv(), &c->timer);
	c->timer.data = c;
	return c;
}

struct redis_conn *
source_redis_start(const struct url *url, char *const *streams, int nstreams,
    const struct source_redis_opts *opts, const struct sink *sink)
{
	struct redis_conn *c = conn_new(url, opts, opts->hooks, sink);

	for (int i = 0; i < nstreams; i++)
		stream_add(c, streams[i]);
	if (url->master != NULL)
		c->sentinel = rsentinel_create(url, opts->tls, opts->connect_timeout_ms,
		    on_switch, c);
	conn_connect(c);
	return c;
}

static void
conn_free(struct redis_conn *c)
{
	for (int i = 0; i < c->nstreams; i++) {
		free(c->streams[i]->key);
		free(c->streams[i]);
	}
	free(c->streams);
	free(c->kids);
	url_done(&c->url);
	reply_arena_free(c->arena);
	free(c);
}

static void
timer_closed(uv_handle_t *h)
{
	struct redis_conn *c = h->data;

	c->closed = 1;
	if (!c->gai_busy)
		conn_free(c);
}

void
source_redis_stop(struct redis_conn *c)
{
	if (c == NULL)
		return;
	c->stopping = 1;
	drop_context(c);
	rsentinel_free(c->sentinel);
	c->sentinel = NULL;
	for (int i = 0; i < c->nkids; i++)
		source_redis_stop(c->kids[i]);
	if (c->cluster != NULL) {
		rcluster_cancel(c->cluster, c);
		rcluster_unref(c->cluster);
		c->cluster = NULL;
	}
	if (c->gai_busy)
		uv_cancel((uv_req_t *)&c->gai);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, timer_closed);
}

int
source_redis_add_stream(struct redis_conn *c, const char *key)
{
	int idx = stream_add(c, key);

	/* A connection that is up picks it up at its next read. */
	source_set_state(idx, c->phase == P_RETRY ? SRC_RETRYING :
	    c->phase > P_CONNECTING && c->phase < P_RETRY ? SRC_BACKFILLING :
	    SRC_CONNECTING, loop_now_ms());
	if (c->ac != NULL && c->phase == P_IDLE_WAIT) {
		timer_disarm(c);
		c->phase = P_LIVE;
		conn_next(c);
	}
	return idx;
}

void
source_redis_resume(struct redis_conn *c)
{
	if (c->ac != NULL && c->phase == P_HOLD)
		conn_next(c);
}

const char *
source_redis_display(const struct redis_conn *c)
{
	return c->display;
}
