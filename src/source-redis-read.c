/* execmon - the Redis stream follower's reads (XRANGE, XREAD, XINFO) and what their replies mean. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evmap.h"
#include "loop.h"
#include "map.h"
#include "redis-err.h"
#include "source-redis-int.h"
#include "xmalloc.h"

/*
 * The streams read now, by server, database, decoder and key (reader_id):
 * to find the same stream followed twice without comparing every pair. The
 * map lives while any connection does.
 */
static struct map *readers;
static int nconns;

/* Every connection, to find the stream a source is read on (rread_find). */
static struct redis_conn **all_conns;
static int nall_conns, all_conns_cap;

void
rread_register(struct redis_conn *c)
{
	if (nconns++ == 0)
		readers = map_create();
	if (nall_conns == all_conns_cap) {
		all_conns_cap = all_conns_cap ? all_conns_cap * 2 : 8;
		all_conns = xreallocarray(all_conns, (size_t)all_conns_cap, sizeof *all_conns);
	}
	all_conns[nall_conns++] = c;
}

void
rread_unregister(struct redis_conn *c)
{
	for (int i = nall_conns - 1; i >= 0; i--) {
		if (all_conns[i] == c) {
			all_conns[i] = all_conns[--nall_conns];
			break;
		}
	}
	if (--nconns == 0) {
		map_free(readers);
		readers = NULL;
		free(all_conns);
		all_conns = NULL;
		nall_conns = all_conns_cap = 0;
	}
}

int
rread_find(int source, struct redis_conn **cp, struct rstream **sp)
{
	for (int i = 0; i < nall_conns; i++) {
		struct redis_conn *c = all_conns[i];

		if (c->hooks.entry != NULL)
			continue;
		for (int k = 0; k < c->nstreams; k++) {
			if (c->streams[k]->source == source) {
				*cp = c;
				*sp = c->streams[k];
				return 0;
			}
		}
	}
	return -1;
}

/* The name s is read under on c: server, database, decoder and key. */
static char *
reader_id(const struct redis_conn *c, const struct rstream *s)
{
	char *id;

	/* A run_id has no '|', a decoder's name neither: the key comes last. */
	xasprintf(&id, "%s|%d|%s%s|%s", c->server_id, c->url.db,
	    c->hooks.kind != NULL ? "k:" : "", c->hooks.kind != NULL ? c->hooks.kind : "",
	    s->key);
	return id;
}

void
rread_forget(struct rstream *s)
{
	if (s->owns == NULL)
		return;
	if (readers != NULL && map_get(readers, s->owns) == s)
		map_del(readers, s->owns);
	free(s->owns);
	s->owns = NULL;
}

/* A stream that is read: neither a duplicate nor refused. */
int
rread_active(const struct rstream *s)
{
	return !s->dup && !s->broken;
}

void
rread_caught_up(struct redis_conn *c, struct rstream *s)
{
	if (s->caught_up_sent)
		return;
	s->caught_up_sent = 1;
	if (c->sink.caught_up != NULL)
		c->sink.caught_up(c->sink.ctx, s->source);
}

/* A refusal about this stream's key: it alone waits, the others go on. */
void
rread_broken(struct redis_conn *c, struct rstream *s, const char *what,
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
	rread_caught_up(c, s);
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
		    " entries were trimmed or deleted before they were read", si->name, lost);
	else
		sink_notice(&c->sink, s->source, "%s: gap: entries were trimmed or"
		    " deleted before they were read (count unknown)", si->name);
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
	char tagged[96], text[512];
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
	why = evmap_decode_fields(s->map, &ev, kvp, n, (int64_t)sid.ms, text,
	    sizeof text);
	if (kvp != kv)
		free(kvp);
	if (why != MAL_NONE) {
		source_count_malformed(s->source, why);
		if (si->malformed_total <= 3)
			sink_notice(&c->sink, s->source, "%s: malformed entry %.*s (%s)", si->name,
			    (int)idlen, idstr, text[0] != '\0' ? text :
			    event_malformed_name(why));
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
		else if (strcmp(k->str, "last-entry") == 0 &&
		    v->type == REDIS_REPLY_ARRAY && v->elements >= 1 &&
		    v->element[0]->type == REDIS_REPLY_STRING)
			x->have_last_entry = sid_parse(v->element[0]->str, v->element[0]->len,
			    &x->last_entry) == 0;
		else if (strcmp(k->str, "first-entry") == 0 &&
		    v->type == REDIS_REPLY_ARRAY && v->elements >= 1 &&
		    v->element[0]->type == REDIS_REPLY_STRING)
			x->have_first = sid_parse(v->element[0]->str, v->element[0]->len,
			    &x->first) == 0;
	}
}

/* Take one XINFO STREAM reply (NULL: no such key): recreated streams, gaps, notes. */
void
rread_info(struct redis_conn *c, struct rstream *s, const redisReply *r)
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
int
rread_info_refused(struct redis_conn *c, struct rstream *s, const redisReply *r)
{
	char words[256], off[160];

	switch (redis_err_kind(r->str, r->len)) {
	case RERR_NO_KEY:
		rread_info(c, s, NULL);
		return 0;
	case RERR_WRONGTYPE:
		rread_broken(c, s, "XINFO", r);
		return 0;
	case RERR_AUTH:
	case RERR_SERVER:
		rsrc_refused(c, "XINFO", r, 0);
		return 1;
	case RERR_NOPERM:
		/* The key refused (not the command): the stream cannot be read at all. */
		if (memmem(r->str, r->len, "key", 3) != NULL) {
			rread_broken(c, s, "XINFO", r);
			return 0;
		}
		/* FALLTHROUGH */
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

static void on_xinfo_chunk(struct rconn *, void *, void *);
static void on_xrange(struct rconn *, void *, void *);
static void send_xrange_after(struct redis_conn *, struct rstream *, const struct sid *);

/*
 * Backfill reads ahead: on a full chunk the next XRANGE (after the chunk's
 * last entry) and its XINFO are sent before the chunk is handled, so Redis
 * makes the next reply while this one is decoded. The XINFO after this chunk
 * still answers for this chunk alone (Redis runs the commands in order), and
 * the prefetch is kept only if handling the chunk ended exactly at that last
 * entry with nothing else to do (no refusal, recreation or re-check):
 * otherwise its replies are dropped and the next read is sent as before.
 * Sources with hooks (BullMQ, patterns) read a chunk at a time.
 */
static void
prefetch(struct redis_conn *c, struct rstream *s, const redisReply *r)
{
	const redisReply *e, *id;

	if ((int)r->elements < c->opts.chunk || c->hooks.hold != NULL ||
	    c->hooks.batch_end != NULL || c->hooks.entry != NULL || s->broken ||
	    c->phase != P_BACKFILL)
		return;
	e = r->element[r->elements - 1];
	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
		return;
	id = e->element[0];
	if (id->type != REDIS_REPLY_STRING || sid_parse(id->str, id->len, &c->pf_last) != 0)
		return;
	send_xrange_after(c, s, &c->pf_last);
	rconn_flush(c->ac);
	c->pf = 1;
}

/* After a chunk's XINFO: keep the prefetch (1) or drop its replies (0). */
static int
prefetch_holds(struct redis_conn *c, struct rstream *s)
{
	return !c->bf_err && !s->broken && !s->restarted && c->bf_full &&
	    c->phase == P_BACKFILL && c->streams[c->bf] == s && s->pos.have_last &&
	    sid_cmp(s->pos.last, c->pf_last) == 0;
}

static void
on_xrange(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = priv;
	redisReply *r = r_;
	struct rstream *s;

	(void)ac;
	if (c->ac == NULL || r == NULL || c->pf_drop)
		return;
	c->pf = 0; /* this is the reply of any prefetch */
	s = c->streams[c->bf];
	c->bf_err = 0;
	c->bf_full = 0;
	if (r->type == REDIS_REPLY_ERROR) {
		enum redis_err k = redis_err_kind(r->str, r->len);

		if (k == RERR_AUTH || k == RERR_SERVER) {
			rsrc_refused(c, "XRANGE", r, 0);
			return;
		}
		c->bf_err = 1;
		rread_broken(c, s, "XRANGE", r);
		return; /* the XINFO after it goes on */
	}
	c->backoff_ms = c->opts.backoff_min_ms;
	c->recv_ms = loop_now_ms();
	if (r->type != REDIS_REPLY_ARRAY) {
		rsrc_fail(c, "XRANGE: unexpected reply");
		return;
	}
	prefetch(c, s, r);
	for (size_t i = 0; i < r->elements; i++)
		handle_entry(c, s, r->element[i]);
	c->bf_full = (int)r->elements >= c->opts.chunk;
	if (c->hooks.batch_end != NULL)
		c->hooks.batch_end(c->hooks.arg, c->bf_full);
	update_backfill_progress(c, s);
	rsrc_watchdog(c, c->opts.watchdog_ms); /* for the XINFO after it */
}

/* The XINFO after each XRANGE chunk: the gap rule, then the next step. */
static void
on_xinfo_chunk(struct rconn *ac, void *r_, void *priv)
{
	struct rstream *s = priv;
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	rsrc_timer_disarm(c);
	if (c->pf_drop) {
		/* A dropped prefetch's XINFO: read again from where handling ended. */
		c->pf_drop = 0;
		rsrc_next(c);
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		if (rread_info_refused(c, s, r))
			return;
	} else
		rread_info(c, s, r);
	if (c->pf && c->ac != NULL) {
		int keep = prefetch_holds(c, s);

		s->restarted = 0;
		if (!keep)
			c->pf_drop = 1;
		rsrc_watchdog(c, c->opts.watchdog_ms);
		return;
	}
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
			rread_caught_up(c, s);
		}
	}
	s->restarted = 0;
	rsrc_next(c);
}

/* Send the XRANGE of the entries after `after` (NULL: from the start) and its XINFO. */
static void
send_xrange_after(struct redis_conn *c, struct rstream *s, const struct sid *after)
{
	char start[48], end[32];

	if (after != NULL) {
		struct sid n = *after;

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
	rsrc_pre_read(c);
	rconn_command(c->ac, on_xrange, c, "XRANGE %s %s %s COUNT %d", s->key,
	    start, end, c->opts.chunk);
	rconn_command(c->ac, on_xinfo_chunk, s, "XINFO STREAM %s", s->key);
	rsrc_watchdog(c, c->opts.watchdog_ms);
}

void
rread_send_xrange(struct redis_conn *c, struct rstream *s)
{
	c->pf = 0;
	c->pf_drop = 0;
	send_xrange_after(c, s, s->pos.have_last ? &s->pos.last : NULL);
}

static void
on_xread(struct rconn *ac, void *r_, void *priv)
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
			rsrc_refused(c, "XREAD", r, 0);
			return;
		}
		rsrc_timer_disarm(c);
		if (!c->round_broke) {
			/* Which stream is it about? Each reads once on its own. */
			c->verifying = 1;
			for (int i = 0; i < c->nstreams; i++)
				c->streams[i]->verify = rread_active(c->streams[i]);
		}
		rsrc_next(c);
		return;
	}
	rsrc_timer_disarm(c);
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

				if (!rread_active(s) || s->restarted ||
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
	rsrc_next(c);
}

/* The XINFO before each XREAD. */
static void
on_xinfo_live(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR)
		rread_info_refused(c, priv, r);
	else
		rread_info(c, priv, r);
}

/* Pipelined before every XREAD: XINFO tells whether unread entries were trimmed. */
void
rread_send_xread(struct redis_conn *c)
{
	const char **argv;
	size_t *argl;
	char (*ids)[48];
	char blk[16], cnt[16];
	int n = 0, total = 6 + 2 * c->nstreams;

	rsrc_pre_read(c);
	c->round_broke = 0;
	for (int i = 0; i < c->nstreams; i++) {
		if (rread_active(c->streams[i]))
			rconn_command(c->ac, on_xinfo_live, c->streams[i],
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
		if (rread_active(c->streams[i]))
			argv[n++] = c->streams[i]->key;
	}
	for (int i = 0, k = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];
		struct sid st = s->pos.start;

		if (!rread_active(s))
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
	rconn_command_argv(c->ac, on_xread, c, n, argv, argl);
	free(argv);
	free(argl);
	free(ids);
	rsrc_watchdog(c, c->opts.block_ms + c->opts.watchdog_ms);
}

/*
 * Mark s a duplicate when another connection to the same server, database
 * and decoder reads the same key; else it is the one read under that name.
 */
void
rread_find_duplicates(struct redis_conn *c, struct rstream *s)
{
	struct rstream *t;
	const struct source_info *ti;
	char *id;

	if (c->server_id[0] == '\0' || s->dup)
		return;
	id = reader_id(c, s);
	if (s->owns != NULL && strcmp(s->owns, id) != 0)
		rread_forget(s); /* its connection is on another server now */
	if ((t = map_get(readers, id)) != NULL && t != s) {
		/* Its connection went down or moved since: it holds the name no more. */
		char *tid = reader_id(t->conn, t);

		if (strcmp(tid, id) != 0) {
			rread_forget(t);
			t = NULL;
		}
		free(tid);
	}
	if (t == NULL) {
		map_put(readers, id, s);
		s->owns = id;
		return;
	}
	free(id);
	if (t == s || t->conn == c)
		return;
	ti = sources_get(t->source);
	s->dup = 1;
	source_set_state(s->source, SRC_DUPLICATE, loop_now_ms());
	sources_get(s->source)->error[0] = '\0';
	source_set_note(s->source, "same stream as %s", ti->name);
	sink_notice(&c->sink, s->source, "%s: the same stream as %s"
	    " (same server): read once, there", sources_get(s->source)->name,
	    ti->name);
	rread_caught_up(c, s);
}
