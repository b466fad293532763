/* execmon - follow Redis streams: backfill with XRANGE, then XREAD BLOCK. */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "redis-uv.h"
#include "redis-err.h"
#include "reply-arena.h"
#include "source-redis.h"
#include "stream-pos.h"
#include "xmalloc.h"

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
 * The watchdog. hiredis has no command timeout: a server that stops answering
 * gives no callback at all. Every command we wait on arms a timer (block time +
 * watchdog_ms); when it fires the context is freed and we reconnect.
 */

enum stream_note { NOTE_NONE, NOTE_MISSING, NOTE_DELETED, NOTE_RECREATED };

struct rstream {
	int source;            /* registry index */
	char *key;
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
	redisAsyncContext *ac;
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
	int round_broke;       /* a stream broke since the last XREAD was sent */
	int verifying;         /* an XREAD refusal is being traced to its stream */
	int connected_once;
	int stopping;
	int closed;            /* timer closed; free once the resolver is done */
	char addr[INET6_ADDRSTRLEN];
	char server_id[64];    /* run_id (else the address), "" = not known yet */
	int64_t dbsize;        /* keys in the database at connect, -1 = unknown */
};

/* Every connection, to find the same stream followed twice. */
static struct redis_conn **all_conns;
static int nall_conns, all_conns_cap;

static void conn_connect(struct redis_conn *);
static void conn_next(struct redis_conn *);
static void send_idle(struct redis_conn *);
static void conn_free(struct redis_conn *);
static void conn_fail(struct redis_conn *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void conn_fail_fatal(struct redis_conn *, int fatal, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

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

/* The registry index that connection-wide notices name (-1: no stream yet). */
static int
first_source(const struct redis_conn *c)
{
	return c->nstreams > 0 ? c->streams[0]->source : -1;
}

/* A stream that is read: neither a duplicate nor refused. */
static int
stream_active(const struct rstream *s)
{
	return !s->dup && !s->broken;
}

static void
set_state(struct redis_conn *c, enum source_state st)
{
	int64_t now = loop_now_ms();

	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];

		if (!stream_active(s))
			continue;
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
	redisAsyncContext *ac = c->ac;

	if (ac == NULL)
		return;
	c->ac = NULL;
	ac->data = NULL;
	redisAsyncFree(ac);
}

/* Give up on this connection and schedule the next attempt. */
static void
conn_fail_v(struct redis_conn *c, int fatal, const char *fmt, va_list ap)
{
	char why[256];

	vsnprintf(why, sizeof why, fmt, ap);
	drop_context(c);
	if (c->stopping || c->phase == P_DONE)
		return;
	c->phase = P_RETRY;
	c->verifying = 0;
	c->server_id[0] = '\0';
	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];
		struct source_info *si = sources_get(s->source);

		si->fatal = fatal;
		if (s->dup)
			continue;
		s->broken = 0; /* looked at afresh on the next connection */
		source_set_error(s->source, "%s", why);
		si->retry_at_ms = loop_now_ms() + c->backoff_ms;
		si->reconnects++;
		source_set_state(s->source, SRC_RETRYING, loop_now_ms());
	}
	if (c->hooks.down != NULL)
		c->hooks.down(c->hooks.arg, why, loop_now_ms() + c->backoff_ms);
	if (fatal)
		sink_notice(&c->sink, first_source(c), "redis %s: %s", c->display, why);
	else
		sink_notice(&c->sink, first_source(c), "redis %s: %s (retrying in %.1f s)",
		    c->display, why, (double)c->backoff_ms / 1000.0);
	timer_arm(c, c->backoff_ms, retry_due);
	c->backoff_ms *= 2;
	if (c->backoff_ms > c->opts.backoff_max_ms)
		c->backoff_ms = c->opts.backoff_max_ms;
}

static void
conn_fail(struct redis_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_fail_v(c, 0, fmt, ap);
	va_end(ap);
}

static void
conn_fail_fatal(struct redis_conn *c, int fatal, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_fail_v(c, fatal, fmt, ap);
	va_end(ap);
}

/* Fail the connection on a refusal, in Redis's words (what: the command). */
static void
conn_refused(struct redis_conn *c, const char *what, const redisReply *r,
    int fatal)
{
	char words[256];

	redis_err_words(r->str, r->len, c->url.password != NULL, words, sizeof words);
	/* The server's own refusals speak for themselves; a command's carry its name. */
	if (fatal)
		conn_fail_fatal(c, 1, "%s: %s", what, words);
	else
		conn_fail_fatal(c, redis_err_kind(r->str, r->len) == RERR_AUTH, "%s", words);
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

/* A reply that is an error (or missing) fails the connection. */
static int
reply_bad(struct redis_conn *c, redisReply *r, const char *what)
{
	if (r == NULL)
		return 1; /* context going away; the disconnect path handles it */
	if (r->type == REDIS_REPLY_ERROR) {
		conn_refused(c, what, r, 0);
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

/* A refusal about this stream's key: it alone waits, the others go on. */
static void
stream_broken(struct redis_conn *c, struct rstream *s, const char *what,
    const redisReply *r)
{
	struct source_info *si = sources_get(s->source);
	char words[256], err[sizeof si->error];

	redis_err_words(r->str, r->len, c->url.password != NULL, words, sizeof words);
	snprintf(err, sizeof err, "%s %.64s: %.180s", what, s->key, words);
	s->broken = 1;
	s->verify = 0;
	s->recheck_ms = loop_now_ms() + c->opts.backoff_max_ms;
	c->round_broke = 1;
	source_set_state(s->source, SRC_ERROR, loop_now_ms());
	if (strcmp(si->error, err) != 0) {
		source_set_error(s->source, "%s", err);
		sink_notice(&c->sink, s->source, "%s: %s (the other streams go on;"
		    " checked again every %.0f s)", si->name, err,
		    (double)c->opts.backoff_max_ms / 1000.0);
	}
	maybe_caught_up(c, s);
}

/* The stream reads again after a refusal. */
static void
stream_mended(struct redis_conn *c, struct rstream *s)
{
	struct source_info *si = sources_get(s->source);

	if (si->state != SRC_ERROR)
		return;
	sink_notice(&c->sink, s->source, "%s: readable again", si->name);
	source_set_state(s->source, !s->backfilled ? SRC_BACKFILLING :
	    c->opts.follow ? SRC_LIVE : SRC_DONE, loop_now_ms());
	si->error[0] = '\0';
}

static void
set_gap_off(struct rstream *s, const char *why)
{
	struct source_info *si = sources_get(s->source);

	snprintf(si->gap_off, sizeof si->gap_off, "%.120s", why);
}

/* Count entries lost before they were read (n > 0, or -1: some, count unknown). */
static void
report_gap(struct redis_conn *c, struct rstream *s, int64_t lost)
{
	struct source_info *si = sources_get(s->source);

	if (lost == 0)
		return;
	si->gaps++;
	if (lost > 0 && si->gap_entries >= 0)
		si->gap_entries += lost;
	else
		si->gap_entries = -1;
	if (lost > 0)
		sink_notice(&c->sink, s->source, "%s: gap: %" PRId64
		    " entries were trimmed away before they were read", si->name, lost);
	else
		sink_notice(&c->sink, s->source, "%s: gap: entries were deleted"
		    " before they were read (count unknown)", si->name);
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
	char tagged[96];
	const char *idstr;
	size_t n, idlen;
	int skip;

	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
		return;
	id = e->element[0];
	fields = e->element[1];
	if (id->type != REDIS_REPLY_STRING || sid_parse(id->str, id->len, &sid) != 0)
		return;
	if (s->pos.have_last && sid_cmp(sid, s->pos.last) <= 0)
		return; /* already handed on */
	skip = spos_skip(&s->pos, sid);
	report_gap(c, s, spos_entry(&s->pos, sid));
	if (skip)
		return; /* handed on before its stream was found new */
	si->last_recv_ms = c->recv_ms;
	idstr = id->str;
	idlen = id->len;
	if (s->gen > 0) {
		int m = snprintf(tagged, sizeof tagged, "%.*s#%u", (int)id->len, id->str,
		    s->gen);

		idstr = tagged;
		idlen = m > 0 && (size_t)m < sizeof tagged ? (size_t)m : strlen(tagged);
	}

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
		c->hooks.entry(c->hooks.arg, s->source, idstr, idlen, kvp, n);
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
			    (int)idlen, idstr, event_malformed_name(why));
		return;
	}
	si->events++;
	if (ev.ts_ms > si->last_event_ms)
		si->last_event_ms = ev.ts_ms;
	ev.source = s->source;
	ev.entry_id = xstrndup(idstr, idlen);
	c->sink.event(c->sink.ctx, &ev);
	event_done(&ev);
}

static void
update_backfill_progress(struct redis_conn *c, struct rstream *s)
{
	struct source_info *si = sources_get(s->source);
	int64_t end = c->opts.to_ms >= 0 ? c->opts.to_ms : loop_now_ms();
	int64_t span = end - c->opts.from_ms;

	if (!s->pos.have_last || span <= 0 || s->gen > 0)
		return;
	si->backfill = (double)((int64_t)s->pos.last.ms - c->opts.from_ms) / (double)span;
	if (si->backfill < 0)
		si->backfill = 0;
	if (si->backfill > 1)
		si->backfill = 1;
}

/* Read XINFO STREAM's reply (NULL: no such key) into x. */
static void
xinfo_read(const redisReply *r, struct xinfo *x)
{
	memset(x, 0, sizeof *x);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return;
	x->exists = 1;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "length") == 0 && v->type == REDIS_REPLY_INTEGER)
			x->length = (uint64_t)v->integer;
		else if (strcmp(k->str, "entries-added") == 0 &&
		    v->type == REDIS_REPLY_INTEGER) {
			x->added = (uint64_t)v->integer;
			x->have_added = 1;
		} else if (strcmp(k->str, "max-deleted-entry-id") == 0 &&
		    v->type == REDIS_REPLY_STRING)
			x->have_md = sid_parse(v->str, v->len, &x->max_deleted) == 0;
		else if (strcmp(k->str, "last-generated-id") == 0 &&
		    v->type == REDIS_REPLY_STRING)
			x->have_gen = sid_parse(v->str, v->len, &x->last_gen) == 0;
		else if (strcmp(k->str, "first-entry") == 0 &&
		    v->type == REDIS_REPLY_ARRAY && v->elements >= 1 &&
		    v->element[0]->type == REDIS_REPLY_STRING)
			x->have_first = sid_parse(v->element[0]->str, v->element[0]->len,
			    &x->first) == 0;
	}
}

/* Take one XINFO STREAM reply (NULL: no such key): recreated streams, gaps, notes. */
static void
take_info(struct redis_conn *c, struct rstream *s, const redisReply *r)
{
	struct source_info *si = sources_get(s->source);
	struct spos_result res;
	struct xinfo x;

	xinfo_read(r, &x);
	spos_info(&s->pos, &x, &res);
	switch (res.verdict) {
	case SPOS_MISSING:
		if (s->note != NOTE_MISSING) {
			char db[64] = "";

			s->note = NOTE_MISSING;
			if (c->dbsize == 0)
				snprintf(db, sizeof db, "; database %d holds no keys", c->url.db);
			source_set_note(s->source, "stream %s does not exist (yet)%s", s->key, db);
			sink_notice(&c->sink, s->source, "%s: %s", si->name, si->note);
		}
		break;
	case SPOS_DELETED:
		s->note = NOTE_DELETED;
		s->gen++;
		s->restarted = 1;
		source_set_note(s->source, "stream deleted");
		sink_notice(&c->sink, s->source, "%s: stream %s was deleted; a new one"
		    " under that key will be read from its start", si->name, s->key);
		break;
	case SPOS_RECREATED:
		s->note = NOTE_RECREATED;
		s->gen++;
		s->restarted = 1;
		s->backfilled = 0;
		si->recreated++;
		source_set_note(s->source, "stream recreated");
		sink_notice(&c->sink, s->source, "%s: stream recreated (%s):"
		    " reading the new stream from its start", si->name, res.why);
		break;
	case SPOS_OK:
		if (s->note == NOTE_MISSING) {
			s->note = NOTE_NONE;
			si->note[0] = '\0';
			sink_notice(&c->sink, s->source, "%s: stream %s exists now", si->name,
			    s->key);
		} else if (s->note == NOTE_DELETED) {
			s->note = NOTE_RECREATED;
			s->backfilled = 0;
			si->recreated++;
			source_set_note(s->source, "stream recreated");
			sink_notice(&c->sink, s->source, "%s: stream recreated:"
			    " reading the new stream from its start", si->name);
		}
		break;
	}
	if (x.exists && !x.have_added)
		set_gap_off(s, "the server keeps no entries-added (Redis before 7.0)");
	else if (x.exists)
		set_gap_off(s, "");
	report_gap(c, s, res.lost);
}

/*
 * An XINFO refusal, by its kind: a missing key is an empty stream; a wrong
 * type breaks that stream; a refused XINFO turns gap detection off. Returns
 * nonzero when the connection failed (the caller stops).
 */
static int
xinfo_refused(struct redis_conn *c, struct rstream *s, const redisReply *r)
{
	char words[256], off[160];

	switch (redis_err_kind(r->str, r->len)) {
	case RERR_NO_KEY:
		take_info(c, s, NULL);
		return 0;
	case RERR_WRONGTYPE:
		stream_broken(c, s, "XINFO", r);
		return 0;
	case RERR_AUTH:
	case RERR_SERVER:
		conn_refused(c, "XINFO", r, 0);
		return 1;
	default:
		redis_err_words(r->str, r->len, 1, words, sizeof words);
		if (redis_err_kind(r->str, r->len) == RERR_NOPERM)
			snprintf(off, sizeof off, "NOPERM (XINFO is not allowed)");
		else
			snprintf(off, sizeof off, "XINFO refused (%.100s)", words);
		if (strcmp(sources_get(s->source)->gap_off, off) != 0) {
			set_gap_off(s, off);
			sink_notice(&c->sink, s->source, "%s: gap detection off: %s (%s)",
			    sources_get(s->source)->name, off, words);
		}
		return 0;
	}
}

/* Let the owner pipeline its commands ahead of the next read. */
static void
pre_read(struct redis_conn *c)
{
	if (c->hooks.before_read != NULL)
		c->hooks.before_read(c->hooks.arg, c->ac);
}

static void on_xinfo_chunk(redisAsyncContext *, void *, void *);

static void
on_xrange(redisAsyncContext *ac, void *r_, void *priv)
{
	struct redis_conn *c = priv;
	redisReply *r = r_;
	struct rstream *s;

	(void)ac;
	if (c->ac == NULL || r == NULL)
		return;
	s = c->streams[c->bf];
	c->bf_err = 0;
	c->bf_full = 0;
	if (r->type == REDIS_REPLY_ERROR) {
		enum redis_err k = redis_err_kind(r->str, r->len);

		if (k == RERR_AUTH || k == RERR_SERVER) {
			conn_refused(c, "XRANGE", r, 0);
			return;
		}
		c->bf_err = 1;
		stream_broken(c, s, "XRANGE", r);
		return; /* the XINFO after it goes on */
	}
	c->backoff_ms = c->opts.backoff_min_ms;
	c->recv_ms = loop_now_ms();
	if (r->type != REDIS_REPLY_ARRAY) {
		conn_fail(c, "XRANGE: unexpected reply");
		return;
	}
	for (size_t i = 0; i < r->elements; i++)
		handle_entry(c, s, r->element[i]);
	c->bf_full = (int)r->elements >= c->opts.chunk;
	if (c->hooks.batch_end != NULL)
		c->hooks.batch_end(c->hooks.arg, c->bf_full);
	update_backfill_progress(c, s);
	watchdog(c, c->opts.watchdog_ms); /* for the XINFO after it */
}

/* The XINFO after each XRANGE chunk: the gap rule, then the next step. */
static void
on_xinfo_chunk(redisAsyncContext *ac, void *r_, void *priv)
{
	struct rstream *s = priv;
	struct redis_conn *c = ac->data;
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	timer_disarm(c);
	if (r->type == REDIS_REPLY_ERROR) {
		if (xinfo_refused(c, s, r))
			return;
	} else
		take_info(c, s, r);
	if (!c->bf_err && !s->broken && !s->restarted && !c->bf_full) {
		/* The stream is read up to its end. */
		if (s->verify) {
			s->verify = 0;
			stream_mended(c, s);
		}
		if (!s->backfilled) {
			s->backfilled = 1;
			sources_get(s->source)->backfill = 1;
			source_set_state(s->source, c->opts.follow ? SRC_LIVE : SRC_DONE,
			    loop_now_ms());
			stream_mended(c, s);
			maybe_caught_up(c, s);
		}
	}
	s->restarted = 0;
	conn_next(c);
}

static void
send_xrange(struct redis_conn *c, struct rstream *s)
{
	char start[48], end[32];

	if (s->pos.have_last) {
		struct sid n = s->pos.last;

		if (n.seq == UINT64_MAX) {
			n.ms++;
			n.seq = 0;
		} else
			n.seq++;
		sid_fmt(n, start, sizeof start);
	} else if (s->pos.start.ms == 0 && s->pos.start.seq == 0)
		snprintf(start, sizeof start, "-");
	else
		sid_fmt(s->pos.start, start, sizeof start);
	if (c->opts.to_ms >= 0)
		snprintf(end, sizeof end, "%" PRId64, c->opts.to_ms);
	else
		snprintf(end, sizeof end, "+");
	pre_read(c);
	redisAsyncCommand(c->ac, on_xrange, c, "XRANGE %s %s %s COUNT %d", s->key,
	    start, end, c->opts.chunk);
	redisAsyncCommand(c->ac, on_xinfo_chunk, s, "XINFO STREAM %s", s->key);
	watchdog(c, c->opts.watchdog_ms);
}

static void
on_xread(redisAsyncContext *ac, void *r_, void *priv)
{
	struct redis_conn *c = priv;
	redisReply *r = r_;
	int full = 0;

	(void)ac;
	if (c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		enum redis_err k = redis_err_kind(r->str, r->len);

		if (k == RERR_AUTH || k == RERR_SERVER || c->verifying) {
			/* A refusal no single stream explains. */
			conn_refused(c, "XREAD", r, 0);
			return;
		}
		timer_disarm(c);
		if (!c->round_broke) {
			/* Which stream is it about? Each reads once on its own. */
			c->verifying = 1;
			for (int i = 0; i < c->nstreams; i++)
				c->streams[i]->verify = stream_active(c->streams[i]);
		}
		conn_next(c);
		return;
	}
	timer_disarm(c);
	c->verifying = 0;
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

				if (!stream_active(s) || s->restarted ||
				    strlen(s->key) != sr->element[0]->len ||
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
	for (int k = 0; k < c->nstreams; k++)
		c->streams[k]->restarted = 0;
	if (c->hooks.batch_end != NULL)
		c->hooks.batch_end(c->hooks.arg, full);
	conn_next(c);
}

/* The XINFO before each XREAD. */
static void
on_xinfo_live(redisAsyncContext *ac, void *r_, void *priv)
{
	struct redis_conn *c = ac->data;
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR)
		xinfo_refused(c, priv, r);
	else
		take_info(c, priv, r);
}

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
	c->round_broke = 0;
	for (int i = 0; i < c->nstreams; i++) {
		if (stream_active(c->streams[i]))
			redisAsyncCommand(c->ac, on_xinfo_live, c->streams[i],
			    "XINFO STREAM %s", c->streams[i]->key);
	}
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
	for (int i = 0; i < c->nstreams; i++) {
		if (stream_active(c->streams[i]))
			argv[n++] = c->streams[i]->key;
	}
	for (int i = 0, k = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];
		struct sid st = s->pos.start;

		if (!stream_active(s))
			continue;
		if (s->pos.have_last)
			sid_fmt(s->pos.last, ids[k], sizeof ids[k]);
		else if (st.seq > 0)
			snprintf(ids[k], sizeof ids[k], "%" PRIu64 "-%" PRIu64, st.ms, st.seq - 1);
		else if (st.ms > 0)
			snprintf(ids[k], sizeof ids[k], "%" PRIu64 "-%" PRIu64, st.ms - 1,
			    UINT64_MAX);
		else
			snprintf(ids[k], sizeof ids[k], "0-0");
		argv[n++] = ids[k++];
	}
	for (int i = 0; i < n; i++)
		argl[i] = strlen(argv[i]);
	redisAsyncCommandArgv(c->ac, on_xread, c, n, argv, argl);
	free(argv);
	free(argl);
	free(ids);
	watchdog(c, c->opts.block_ms + c->opts.watchdog_ms);
}

/* The XINFO at connect, for every stream. */
static void
on_xinfo(redisAsyncContext *ac, void *r_, void *priv)
{
	struct rstream *s = priv;
	struct redis_conn *c = ac->data;
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		if (xinfo_refused(c, s, r))
			return;
	} else
		take_info(c, s, r);
	s->restarted = 0;
	if (--c->setup_pending == 0) {
		timer_disarm(c);
		conn_next(c);
	}
}

/* Mark the streams of c that another connection to the same server follows. */
static void
find_duplicates(struct redis_conn *c, struct rstream *s)
{
	if (c->server_id[0] == '\0' || s->dup)
		return;
	for (int i = 0; i < nall_conns; i++) {
		struct redis_conn *o = all_conns[i];

		if (o == c || strcmp(o->server_id, c->server_id) != 0 || o->url.db != c->url.db)
			continue;
		for (int k = 0; k < o->nstreams; k++) {
			struct rstream *t = o->streams[k];
			const struct source_info *ti = sources_get(t->source);

			if (t->dup || strcmp(t->key, s->key) != 0)
				continue;
			s->dup = 1;
			source_set_state(s->source, SRC_DUPLICATE, loop_now_ms());
			sources_get(s->source)->error[0] = '\0';
			source_set_note(s->source, "same stream as %s", ti->name);
			sink_notice(&c->sink, s->source, "%s: the same stream as %s"
			    " (same server): read once, there", sources_get(s->source)->name,
			    ti->name);
			maybe_caught_up(c, s);
			return;
		}
	}
}

static void
send_infos(struct redis_conn *c)
{
	sink_notice(&c->sink, first_source(c), "redis %s: %s", c->display,
	    c->connected_once ? "reconnected" : "connected");
	c->connected_once = 1;
	if (c->hooks.connected != NULL)
		c->hooks.connected(c->hooks.arg, c->ac);
	if (c->ac == NULL)
		return;
	for (int i = 0; i < c->nstreams; i++)
		find_duplicates(c, c->streams[i]);
	for (int i = 0; i < c->nstreams; i++) {
		if (!stream_active(c->streams[i]))
			continue;
		c->setup_pending++;
		redisAsyncCommand(c->ac, on_xinfo, c->streams[i], "XINFO STREAM %s",
		    c->streams[i]->key);
	}
	if (c->setup_pending == 0) {
		conn_next(c);
		return;
	}
	watchdog(c, c->opts.watchdog_ms);
}

static void
setup_done(struct redis_conn *c)
{
	if (--c->setup_pending == 0)
		send_infos(c);
}

static void
on_setup(redisAsyncContext *ac, void *r_, void *priv)
{
	struct redis_conn *c = ac->data;
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		/* A refused AUTH or SELECT does not mend by retrying. */
		conn_refused(c, (const char *)priv, r, 1);
		return;
	}
	setup_done(c);
}

/* INFO server: the server's run_id names it, whatever address reached it. */
static void
on_info(redisAsyncContext *ac, void *r_, void *priv)
{
	struct redis_conn *c = ac->data;
	redisReply *r = r_;
	const char *p;

	(void)priv;
	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		enum redis_err k = redis_err_kind(r->str, r->len);

		if (k == RERR_AUTH || k == RERR_SERVER) {
			conn_refused(c, "INFO", r, 0);
			return;
		}
	} else if (r->type == REDIS_REPLY_STRING &&
	    (p = strstr(r->str, "run_id:")) != NULL) {
		size_t n = strcspn(p + 7, "\r\n");

		if (n > 0 && n < sizeof c->server_id)
			snprintf(c->server_id, sizeof c->server_id, "%.*s", (int)n, p + 7);
	}
	if (c->server_id[0] == '\0') /* INFO refused: the address is the best name */
		snprintf(c->server_id, sizeof c->server_id, "%s:%d",
		    c->url.scheme == URL_UNIX ? c->url.path : c->addr, c->url.port);
	setup_done(c);
}

static void
on_dbsize(redisAsyncContext *ac, void *r_, void *priv)
{
	struct redis_conn *c = ac->data;
	redisReply *r = r_;

	(void)priv;
	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		enum redis_err k = redis_err_kind(r->str, r->len);

		if (k == RERR_AUTH || k == RERR_SERVER) {
			conn_refused(c, "DBSIZE", r, 0);
			return;
		}
	} else if (r->type == REDIS_REPLY_INTEGER)
		c->dbsize = r->integer;
	setup_done(c);
}

static void
idle_over(uv_timer_t *t)
{
	struct redis_conn *c = t->data;

	c->phase = P_LIVE;
	conn_next(c);
}

static void
on_idle_ping(redisAsyncContext *ac, void *r_, void *priv)
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
	redisAsyncCommand(c->ac, on_idle_ping, c, "PING");
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
		struct rstream *s = c->streams[i];

		/* A refused stream is tried again once its time comes. */
		if (s->broken && !s->dup && loop_now_ms() >= s->recheck_ms) {
			s->broken = 0;
			s->verify = 1;
		}
	}
	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];

		if (!stream_active(s) || (s->backfilled && !s->verify))
			continue;
		if (c->phase != P_BACKFILL || c->bf != i) {
			c->phase = P_BACKFILL;
			c->bf = i;
			if (!s->backfilled)
				source_set_state(s->source, SRC_BACKFILLING, loop_now_ms());
		}
		send_xrange(c, s);
		return;
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
	for (int i = 0; i < c->nstreams; i++) {
		if (stream_active(c->streams[i])) {
			send_xread(c);
			return;
		}
	}
	send_idle(c);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *c = ac->data;

	if (c == NULL)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback. */
		c->ac = NULL;
		conn_fail(c, "%s", ac->errstr[0] ? ac->errstr : "connect failed");
		return;
	}
	timer_disarm(c);
	c->phase = P_SETUP;
	c->setup_pending = 0;
	c->server_id[0] = '\0';
	c->dbsize = -1;
	if (c->url.password != NULL) {
		c->setup_pending++;
		if (c->url.user != NULL)
			redisAsyncCommand(c->ac, on_setup, (void *)"AUTH", "AUTH %s %s",
			    c->url.user, c->url.password);
		else
			redisAsyncCommand(c->ac, on_setup, (void *)"AUTH", "AUTH %s",
			    c->url.password);
	}
	if (c->url.db != 0) {
		c->setup_pending++;
		redisAsyncCommand(c->ac, on_setup, (void *)"SELECT", "SELECT %d",
		    c->url.db);
	}
	c->setup_pending += 2;
	redisAsyncCommand(c->ac, on_info, NULL, "INFO server");
	redisAsyncCommand(c->ac, on_dbsize, NULL, "DBSIZE");
	watchdog(c, c->opts.watchdog_ms);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *c = ac->data;

	if (c == NULL)
		return;
	c->ac = NULL;
	timer_disarm(c);
	conn_fail(c, "%s", status == REDIS_OK ? "connection closed" :
	    (ac->errstr[0] ? ac->errstr : "connection lost"));
}

static void
connect_addr(struct redis_conn *c, const char *ip)
{
	redisAsyncContext *ac;

	c->phase = P_CONNECTING;
	if (c->url.scheme == URL_UNIX)
		ac = redisAsyncConnectUnix(c->url.path);
	else
		ac = redisAsyncConnect(ip, c->url.port);
	if (ac == NULL) {
		conn_fail(c, "out of memory");
		return;
	}
	if (ac->err) {
		char err[128];

		snprintf(err, sizeof err, "%s", ac->errstr);
		redisAsyncFree(ac);
		conn_fail(c, "%s", err);
		return;
	}
	ac->data = c;
	/*
	 * Its replies go to this file's callbacks and to those of the owner's
	 * commands (source-bullmq.c): none keeps a reply past its callback.
	 */
	reply_arena_attach(ac->c.reader, c->arena);
	if (redis_uv_attach(ac, loop_uv()) != REDIS_OK) {
		redisAsyncFree(ac);
		conn_fail(c, "cannot watch socket");
		return;
	}
	c->ac = ac;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
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

static void
conn_connect(struct redis_conn *c)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct addrinfo hints;

	if (c->stopping)
		return;
	for (int i = 0; i < c->nstreams; i++) {
		if (!c->streams[i]->dup)
			source_set_state(c->streams[i]->source, SRC_CONNECTING, loop_now_ms());
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
	spos_init(&s->pos, (struct sid){ (uint64_t)(c->opts.from_ms > 0 ? c->opts.from_ms : 0), 0 });
	snprintf(name, sizeof name, "%s/%s", c->display, key);
	s->source = sources_add(c->hooks.kind != NULL ? c->hooks.kind : "redis",
	    name);
	c->streams[c->nstreams++] = s;
	return s->source;
}

struct redis_conn *
source_redis_start(const struct url *url, char *const *streams, int nstreams,
    const struct source_redis_opts *opts, const struct sink *sink)
{
	struct redis_conn *c = xcalloc(1, sizeof *c);

	c->url = *url;
	c->url.host = url->host ? xstrdup(url->host) : NULL;
	c->url.path = url->path ? xstrdup(url->path) : NULL;
	c->url.password = url->password ? xstrdup(url->password) : NULL;
	c->url.user = url->user ? xstrdup(url->user) : NULL;
	url_display(url, c->display, sizeof c->display);
	c->opts = *opts;
	c->opts.hooks = NULL;
	if (opts->hooks != NULL)
		c->hooks = *opts->hooks;
	c->sink = *sink;
	c->arena = reply_arena_create();
	c->backoff_ms = opts->backoff_min_ms;
	c->dbsize = -1;
	if (nall_conns == all_conns_cap) {
		all_conns_cap = all_conns_cap ? all_conns_cap * 2 : 8;
		all_conns = xreallocarray(all_conns, (size_t)all_conns_cap, sizeof *all_conns);
	}
	all_conns[nall_conns++] = c;
	for (int i = 0; i < nstreams; i++)
		stream_add(c, streams[i]);
	uv_timer_init(loop_uv(), &c->timer);
	c->timer.data = c;
	conn_connect(c);
	return c;
}

static void
conn_free(struct redis_conn *c)
{
	for (int i = 0; i < nall_conns; i++) {
		if (all_conns[i] == c) {
			all_conns[i] = all_conns[--nall_conns];
			break;
		}
	}
	if (nall_conns == 0) {
		free(all_conns);
		all_conns = NULL;
		all_conns_cap = 0;
	}
	for (int i = 0; i < c->nstreams; i++) {
		free(c->streams[i]->key);
		free(c->streams[i]);
	}
	free(c->streams);
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
	if (c->gai_busy)
		uv_cancel((uv_req_t *)&c->gai);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, timer_closed);
}

int
source_redis_add_stream(struct redis_conn *c, const char *key)
{
	int idx = stream_add(c, key);

	find_duplicates(c, c->streams[c->nstreams - 1]);
	if (c->streams[c->nstreams - 1]->dup)
		return idx;

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
