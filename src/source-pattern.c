/* execmon - stream patterns: follow every stream whose key matches a glob. */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "keyslot.h"
#include "loop.h"
#include "map.h"
#include "rcluster-scan.h"
#include "rconn.h"
#include "source-pattern.h"
#include "xmalloc.h"

/*
 * The discovery rule. A --stream with an unescaped *, ? or [ is a Redis glob.
 * Right after every connect, and then every discover_ms while following, the
 * follower is held (no read is sent) while SCAN cursor MATCH glob TYPE stream
 * COUNT 1000 walks the keyspace once per pattern; keys of other types never
 * come back. At the end of such a round:
 *
 * - a key not followed yet is followed (backfilled over the window first,
 *   through the pattern's map), unless max_streams are followed already:
 *   then it is counted as over the limit and left alone this round;
 * - a key followed from a pattern that no round found any more (expired,
 *   deleted) is dropped: its registry entry is marked gone, and it is
 *   counted, not reported as an error.
 *
 * SCAN guarantees to return every key that exists for the whole round, so a
 * stream is never dropped while it exists. Keys named by a plain --stream on
 * the same server are never followed twice. Nothing is in flight on the
 * connection during a hold, so dropping a stream frees it safely.
 *
 * On a Redis Cluster (the follower found one at its first connect) a round
 * is a pass over every master instead (rcluster-scan.c): the slot map is
 * read again, every master that serves a slot is scanned to the end on a
 * connection of its own, and the keys found are followed each on a
 * connection of its own to the master of its slot (source-redis-route.c).
 * The follower is not held: passes run every discover_ms on a timer of
 * their own. A stream is dropped only by passes that read its slot's master
 * to the end, and only when two such passes in a row missed it (a key can
 * move between masters while a pass reads them, and be missed by both). A
 * master that could not be read makes the patterns show the error, retrying
 * at the next pass; nothing followed from it is dropped.
 *
 * Headless commands that do not follow: the patterns of a connection report
 * caught up once (as one source, the first pattern's) when the first round
 * is done and every stream it found has read its backfill; each plain
 * stream reports for itself. The connect timeout is for the sources named:
 * the streams a pattern found (thousands of connections to open, on a
 * cluster) are waited for as long as they make progress (one of them
 * caught up, or an entry read) at least every stall_ms. When none did for
 * that long, the ones not read to the end are given up: each is put in the
 * error state, the pattern too, with how many, and a notice says so.
 */

#define SCAN_COUNT "1000"

struct pattern {
	char *glob;
	const struct evmap *map;
	int source;            /* registry index of the pattern itself */
	uint64_t followed;     /* streams followed from it now */
	uint64_t over;         /* found in the last round, not followed (limit) */
	uint64_t dropped;      /* streams dropped since start */
	uint64_t cut;          /* first-round streams given up (no progress) */
	char said[200];        /* the last account of these counts given */
};

/* A stream followed on the connection, explicit or from a pattern. */
struct followed {
	int source;            /* registry index */
	int pattern;           /* index in pats, -1 = a plain --stream */
	uint64_t round;        /* last round that found it */
	int waiting;           /* found by the first round, not yet caught up */
	unsigned slot;         /* its cluster slot */
	int misses;            /* cluster passes in a row that read its slot and missed it */
};

struct source_pattern {
	struct redis_conn *conn;
	struct source_redis_hooks hooks;
	struct sink sink;      /* the owner's */
	char display[256];
	struct pattern *pats;
	int npats;
	struct map *keys;      /* key -> struct followed */
	uint64_t nfollowed;    /* streams followed from patterns */
	int64_t discover_ms;
	uint64_t max_streams;
	int64_t stall_ms;      /* give up the first round's streams after this long without progress */
	int64_t progress_ms;   /* monotonic loop time one of them last made progress */
	uv_timer_t stall;      /* checks progress while they are waited for */
	int follow;

	struct rconn *ac;      /* the follower's connection while it is up */
	int scanning;          /* a round is under way */
	int pat;               /* the pattern being scanned */
	uint64_t round;        /* rounds begun */
	int rounds_done;       /* rounds finished */
	int64_t last_round_ms; /* monotonic loop time the last round began */
	int waiting;           /* first-round streams not yet caught up */
	int caught_up_sent;
	int stopping;
	int adding;            /* inside source_redis_add_stream_map() */
	int added_caught_up;   /* and the stream said it is caught up */
	int *pat_of;           /* registry index -> pattern index, -1 = none */
	struct followed **fol_of; /* registry index -> its entry in keys, NULL = none */
	size_t npat_of;

	struct rcluster *cluster; /* a reference, once the follower found one */
	struct rcluster_scan *scan; /* the pass under way, NULL = none */
	uv_timer_t tick;       /* the next pass */
	int masters;           /* masters the last pass asked (0: no map) */
	int masters_failed;    /* of them, those it could not read */
	char pass_why[256];    /* its first failure */
	int handles;           /* timers not closed yet */
	/*
	 * Closed by source_pattern_stop(); its close callback frees us. The
	 * follower may still call our sink from the reply it is reading when
	 * the owner stops us, so we outlive the callback we were stopped in.
	 */
	uv_timer_t closer;
};

/* Remember which pattern, and which entry of keys, a registry index belongs to. */
static void
pat_of_set(struct source_pattern *ps, int source, int pi, struct followed *f)
{
	if (source < 0)
		return;
	if ((size_t)source >= ps->npat_of) {
		size_t n = (size_t)source * 2 + 16;

		ps->pat_of = xreallocarray(ps->pat_of, n, sizeof *ps->pat_of);
		ps->fol_of = xreallocarray(ps->fol_of, n, sizeof *ps->fol_of);
		for (size_t i = ps->npat_of; i < n; i++) {
			ps->pat_of[i] = -1;
			ps->fol_of[i] = NULL;
		}
		ps->npat_of = n;
	}
	ps->pat_of[source] = pi;
	ps->fol_of[source] = f;
}

int
source_pattern_is_glob(const char *key)
{
	for (const char *p = key; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '*' || *p == '?' || *p == '[')
			return 1;
	}
	return 0;
}

/* The patterns' state: their discovery's (a cluster pass that failed shows). */
static void
patterns_show(struct source_pattern *ps)
{
	int64_t now = loop_now_ms();

	for (int i = 0; i < ps->npats; i++) {
		int src = ps->pats[i].source;
		enum source_state st = !ps->caught_up_sent ? SRC_BACKFILLING :
		    ps->follow ? SRC_LIVE : SRC_DONE;

		struct pattern *p = &ps->pats[i];

		if (ps->cluster != NULL && (ps->masters == 0 || ps->masters_failed > 0)) {
			if (ps->masters == 0)
				source_set_error(src, "discovery: %s", ps->pass_why);
			else
				source_set_error(src, "discovery: %d of %d masters not read "
				    "(%s)", ps->masters_failed, ps->masters, ps->pass_why);
			sources_get(src)->retry_at_ms = now + ps->discover_ms;
			st = ps->follow ? SRC_RETRYING : SRC_ERROR;
		} else if (p->cut > 0) {
			source_set_error(src, "%" PRIu64 " of %" PRIu64 " streams not read to "
			    "the end (no progress in %.1f s)", p->cut, p->followed,
			    (double)ps->stall_ms / 1000.0);
			st = SRC_ERROR;
		} else if (ps->cluster != NULL)
			source_set_error(src, "%s", "");
		source_set_state(src, st, now);
	}
}

/* Report caught up once the first round is done and its streams are read. */
static void
maybe_caught_up(struct source_pattern *ps)
{
	if (ps->caught_up_sent || ps->rounds_done == 0 || ps->waiting > 0)
		return;
	ps->caught_up_sent = 1;
	patterns_show(ps);
	/* Once for all the patterns, and last: the owner may stop us in it. */
	if (ps->sink.caught_up != NULL)
		ps->sink.caught_up(ps->sink.ctx, ps->pats[0].source);
}

/* What a pattern's registry entry shows beside its state. */
static void
pattern_note(struct source_pattern *ps, struct pattern *p)
{
	char text[200];

	snprintf(text, sizeof text, "%" PRIu64 " streams", p->followed);
	if (p->dropped > 0)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    ", %" PRIu64 " gone", p->dropped);
	if (p->over > 0)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    ", %" PRIu64 " over --max-streams %" PRIu64, p->over,
		    ps->max_streams);
	/* Only what needs a look stands beside its state: streams left out. */
	if (p->over > 0)
		source_set_note(p->source, "%" PRIu64 " streams over --max-streams %"
		    PRIu64 " not followed", p->over, ps->max_streams);
	else
		source_set_note(p->source, "%s", "");
	if (strcmp(text, p->said) == 0)
		return;
	snprintf(p->said, sizeof p->said, "%s", text);
	sink_notice(&ps->sink, p->source, "%s: %s", sources_get(p->source)->name,
	    text);
}

static void send_scan(struct source_pattern *, const char *cursor);

/* No stream of the first round made progress for stall_ms: give up the rest. */
static void
give_up(struct source_pattern *ps)
{
	const char *key;
	void *v;
	size_t i = 0;
	int64_t now = loop_now_ms();
	double secs = (double)ps->stall_ms / 1000.0;

	while (map_next(ps->keys, &i, &key, &v)) {
		struct followed *f = v;
		char was[sizeof sources_get(0)->error];

		if (!f->waiting)
			continue;
		f->waiting = 0;
		ps->pats[f->pattern].cut++;
		if (f->source < 0)
			continue;
		/* Why it did not get there, when it knows. */
		snprintf(was, sizeof was, "%s", sources_get(f->source)->error);
		if (was[0] != '\0')
			source_set_error(f->source, "not read to the end: no progress in "
			    "%.1f s (%.180s)", secs, was);
		else
			source_set_error(f->source, "not read to the end: no progress in "
			    "%.1f s", secs);
		source_set_state(f->source, SRC_ERROR, now);
	}
	ps->waiting = 0;
	for (int k = 0; k < ps->npats; k++) {
		struct pattern *p = &ps->pats[k];

		if (p->cut > 0)
			sink_notice(&ps->sink, p->source, "%s: %" PRIu64 " of %" PRIu64
			    " streams not read to the end (no progress in %.1f s); "
			    "going on without them", sources_get(p->source)->name,
			    p->cut, p->followed, secs);
	}
	maybe_caught_up(ps); /* the owner may stop us in it */
}

/* While the first round's streams are read: is any of them still moving? */
static void
stall_check(uv_timer_t *t)
{
	struct source_pattern *ps = t->data;
	int64_t idle = loop_now_ms() - ps->progress_ms;

	if (ps->stopping || ps->caught_up_sent || ps->waiting == 0)
		return;
	if (idle < ps->stall_ms)
		uv_timer_start(&ps->stall, stall_check, (uint64_t)(ps->stall_ms - idle), 0);
	else
		give_up(ps);
}

/* A key the round found for pattern pi. */
static void
found(struct source_pattern *ps, int pi, const char *key, size_t len)
{
	struct pattern *p = &ps->pats[pi];
	struct followed *f;
	char *k = xstrndup(key, len);

	if ((f = map_get(ps->keys, k)) != NULL) {
		f->round = ps->round;
		f->misses = 0;
		free(k);
		return;
	}
	if (ps->nfollowed >= ps->max_streams) {
		p->over++;
		free(k);
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->pattern = pi;
	f->round = ps->round;
	f->slot = redis_keyslot(k, len);
	/* A stream another source reads already is caught up at once, in here. */
	ps->adding = 1;
	ps->added_caught_up = 0;
	f->source = source_redis_add_stream_map(ps->conn, k, p->map);
	ps->adding = 0;
	if (f->source >= 0)
		sources_get(f->source)->found_by = p->source;
	pat_of_set(ps, f->source, pi, f);
	if (ps->rounds_done == 0 && !ps->added_caught_up) {
		f->waiting = 1;
		ps->waiting++;
	} else if (ps->sink.notice != NULL)
		sink_notice(&ps->sink, f->source, "%s: new stream found by %s",
		    sources_get(f->source)->name, p->glob);
	map_put(ps->keys, k, f);
	p->followed++;
	ps->nfollowed++;
	free(k);
}

/* A round ended; after the first, its streams are waited for while they move. */
static void
round_counted(struct source_pattern *ps)
{
	if (ps->rounds_done++ == 0 && !ps->follow && ps->waiting > 0) {
		ps->progress_ms = loop_now_ms();
		uv_timer_start(&ps->stall, stall_check, (uint64_t)ps->stall_ms, 0);
	}
}

/*
 * The round is over: drop what it did not find, say what it found. On a
 * cluster, covered says which slots the pass read.
 */
static void
round_done(struct source_pattern *ps, const unsigned char *covered)
{
	const char *key;
	void *v;
	size_t i = 0;
	char **gone = NULL;
	size_t ngone = 0;

	while (map_next(ps->keys, &i, &key, &v)) {
		struct followed *f = v;

		if (f->pattern < 0 || f->round == ps->round)
			continue;
		if (covered != NULL && (!covered[f->slot] || ++f->misses < 2))
			continue;
		gone = xreallocarray(gone, ngone + 1, sizeof *gone);
		gone[ngone++] = xstrdup(key);
	}
	for (size_t j = 0; j < ngone; j++) {
		struct followed *f = map_del(ps->keys, gone[j]);
		struct pattern *p = &ps->pats[f->pattern];

		sources_get(f->source)->quiet_gone = 1;
		source_redis_drop_stream(ps->conn, gone[j]);
		p->followed--;
		p->dropped++;
		ps->nfollowed--;
		if (f->waiting) {
			ps->waiting--;
			f->waiting = 0;
		}
		if (f->source >= 0 && (size_t)f->source < ps->npat_of)
			ps->fol_of[f->source] = NULL;
		free(f);
		free(gone[j]);
	}
	free(gone);
	ps->scanning = 0;
	round_counted(ps);
	for (int k = 0; k < ps->npats; k++)
		pattern_note(ps, &ps->pats[k]);
	maybe_caught_up(ps);
}

static void
on_scan(struct rconn *ac, void *r_, void *priv)
{
	struct source_pattern *ps = priv;
	redisReply *r = r_, *keys;

	if (ps->stopping || ps->ac != ac || !ps->scanning || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_ARRAY) {
		/* Redis before 6.0 has no SCAN ... TYPE: say so, follow what we have. */
		for (int k = 0; k < ps->npats; k++)
			source_set_error(ps->pats[k].source, "SCAN: %.200s",
			    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		ps->round--; /* nothing is dropped on a round that failed */
		ps->scanning = 0;
		round_counted(ps);
		maybe_caught_up(ps);
		source_redis_resume(ps->conn);
		return;
	}
	keys = r->element[1];
	for (size_t i = 0; i < keys->elements; i++) {
		if (keys->element[i]->type == REDIS_REPLY_STRING)
			found(ps, ps->pat, keys->element[i]->str, keys->element[i]->len);
	}
	if (strcmp(r->element[0]->str, "0") != 0) {
		send_scan(ps, r->element[0]->str);
	} else if (++ps->pat < ps->npats) {
		ps->pats[ps->pat].over = 0;
		send_scan(ps, "0");
	} else
		round_done(ps, NULL);
	source_redis_resume(ps->conn);
}

static void
send_scan(struct source_pattern *ps, const char *cursor)
{
	rconn_command(ps->ac, on_scan, ps, "SCAN %s MATCH %s TYPE stream COUNT "
	    SCAN_COUNT, cursor, ps->pats[ps->pat].glob);
}

/* Begin a round: every pattern, one after the other. */
static void
round_begin(struct source_pattern *ps)
{
	ps->scanning = 1;
	ps->round++;
	ps->pat = 0;
	ps->pats[0].over = 0;
	ps->last_round_ms = loop_now_ms();
	send_scan(ps, "0");
}

static void pass_begin(struct source_pattern *);

static void
pass_due(uv_timer_t *t)
{
	pass_begin(t->data);
}

static void
on_pass_key(void *arg, int glob, const char *key, size_t len)
{
	struct source_pattern *ps = arg;

	found(ps, glob, key, len);
}

/* A pass over the cluster's masters is over. */
static void
on_pass_done(void *arg, const struct rcluster_scan_result *res)
{
	struct source_pattern *ps = arg;
	int was_bad = ps->masters == 0 || ps->masters_failed > 0;
	int bad = res->masters == 0 || res->failed > 0;

	ps->scan = NULL;
	/* Said once when it begins or changes, and once when it is over. */
	if (bad && (!was_bad || strcmp(ps->pass_why, res->why) != 0)) {
		char what[320];

		if (res->masters > 0)
			snprintf(what, sizeof what, "%d of %d masters not read (%s)",
			    res->failed, res->masters, res->why);
		else
			snprintf(what, sizeof what, "%s", res->why);
		if (ps->follow)
			sink_notice(&ps->sink, ps->pats[0].source, "redis %s: discovery: "
			    "%s; the streams followed are kept, tried again in %.1f s",
			    ps->display, what, (double)ps->discover_ms / 1000.0);
		else
			sink_notice(&ps->sink, ps->pats[0].source, "redis %s: discovery: "
			    "%s; going on without them", ps->display, what);
	} else if (!bad && was_bad && ps->rounds_done > 0)
		sink_notice(&ps->sink, ps->pats[0].source, "redis %s: discovery: "
		    "all %d masters read", ps->display, res->masters);
	ps->masters = res->masters;
	ps->masters_failed = res->failed;
	snprintf(ps->pass_why, sizeof ps->pass_why, "%s", res->why);
	patterns_show(ps);
	round_done(ps, res->covered); /* the owner may stop us in it */
	if (ps->follow && !ps->stopping)
		uv_timer_start(&ps->tick, pass_due, (uint64_t)ps->discover_ms, 0);
}

/* Begin a pass over every master of the cluster: every pattern at once. */
static void
pass_begin(struct source_pattern *ps)
{
	static const struct rcluster_scan_cbs cbs = { on_pass_key, on_pass_done };
	char **globs = xcalloc((size_t)ps->npats, sizeof *globs);

	for (int i = 0; i < ps->npats; i++) {
		globs[i] = ps->pats[i].glob;
		ps->pats[i].over = 0;
	}
	ps->scanning = 1;
	ps->round++;
	ps->last_round_ms = loop_now_ms();
	ps->scan = rcluster_scan_start(ps->cluster, globs, ps->npats, "stream",
	    &cbs, ps);
	free(globs);
}

static int
hook_hold(void *arg)
{
	struct source_pattern *ps = arg;
	struct rcluster *cl;

	if (ps->cluster == NULL && !ps->scanning &&
	    (cl = source_redis_cluster(ps->conn)) != NULL) {
		/* A cluster: passes of their own from now on, not holding us. */
		ps->cluster = rcluster_ref(cl);
		for (int i = 0; i < ps->npats; i++)
			source_set_state(ps->pats[i].source, SRC_BACKFILLING, loop_now_ms());
		pass_begin(ps);
	}
	if (ps->cluster != NULL)
		return 0;
	if (ps->scanning)
		return 1;
	if (ps->ac == NULL)
		return 0;
	if (ps->rounds_done == 0 || (ps->follow &&
	    loop_now_ms() - ps->last_round_ms >= ps->discover_ms)) {
		round_begin(ps);
		return 1;
	}
	return 0;
}

static void
hook_connected(void *arg, struct rconn *ac)
{
	struct source_pattern *ps = arg;

	ps->ac = ac;
	if (ps->cluster != NULL)
		return; /* the passes say how discovery goes */
	ps->scanning = 0;
	/* The keyspace may have changed while we were away: look again now. */
	ps->last_round_ms = INT64_MIN / 2;
	for (int i = 0; i < ps->npats; i++)
		source_set_state(ps->pats[i].source, ps->caught_up_sent ?
		    (ps->follow ? SRC_LIVE : SRC_DONE) : SRC_BACKFILLING, loop_now_ms());
}

static void
hook_down(void *arg, const char *why, int64_t retry_at_ms)
{
	struct source_pattern *ps = arg;

	ps->ac = NULL;
	if (ps->cluster != NULL)
		return;
	if (ps->scanning) {
		ps->scanning = 0;
		ps->round--;
	}
	for (int i = 0; i < ps->npats; i++) {
		struct source_info *si = sources_get(ps->pats[i].source);

		source_set_error(ps->pats[i].source, "%s", why);
		si->retry_at_ms = retry_at_ms;
		si->reconnects++;
		source_set_state(ps->pats[i].source, SRC_RETRYING, loop_now_ms());
	}
}

/* The follower's sink: everything goes on to ours, but caught-up is ours to say. */
static void
inner_event(void *ctx, struct event *ev)
{
	struct source_pattern *ps = ctx;

	if (ps->stopping)
		return;
	/* A pattern is as quiet as the streams it found. */
	if (ev->source >= 0 && (size_t)ev->source < ps->npat_of &&
	    ps->pat_of[ev->source] >= 0) {
		struct source_info *si = sources_get(ps->pats[ps->pat_of[ev->source]].source);

		si->last_recv_ms = loop_now_ms();
		if (ev->ts_ms > si->last_event_ms)
			si->last_event_ms = ev->ts_ms;
		ps->progress_ms = loop_now_ms();
	}
	ps->sink.event(ps->sink.ctx, ev);
}

static void
inner_notice(void *ctx, int source, const char *msg)
{
	struct source_pattern *ps = ctx;

	if (ps->stopping)
		return;
	if (ps->sink.notice != NULL)
		ps->sink.notice(ps->sink.ctx, source, msg);
}

static void
inner_caught_up(void *ctx, int source)
{
	struct source_pattern *ps = ctx;

	if (ps->stopping)
		return;
	if (ps->adding) {
		ps->added_caught_up = 1;
		return;
	}
	if (source >= 0 && (size_t)source < ps->npat_of && ps->pat_of[source] >= 0) {
		struct followed *f = ps->fol_of[source];

		if (f != NULL && f->waiting) {
			f->waiting = 0;
			ps->waiting--;
			ps->progress_ms = loop_now_ms();
			maybe_caught_up(ps);
		}
		return;
	}
	/* A plain stream speaks for itself. */
	if (ps->sink.caught_up != NULL)
		ps->sink.caught_up(ps->sink.ctx, source);
}

struct source_pattern *
source_pattern_start(const struct url *url, char *const *streams,
    const struct evmap *const *maps, int nstreams,
    const struct source_pattern_opts *po, const struct source_redis_opts *opts,
    const struct sink *sink)
{
	struct source_pattern *ps = xcalloc(1, sizeof *ps);
	struct source_redis_opts ro = *opts;
	struct sink inner = { inner_event, inner_notice, inner_caught_up, ps };
	char name[600];
	int src;

	ps->sink = *sink;
	ps->keys = map_create();
	uv_timer_init(loop_uv(), &ps->closer);
	ps->closer.data = ps;
	uv_timer_init(loop_uv(), &ps->tick);
	ps->tick.data = ps;
	uv_timer_init(loop_uv(), &ps->stall);
	ps->stall.data = ps;
	ps->handles = 3;
	ps->follow = opts->follow;
	ps->discover_ms = po->discover_ms > 0 ? po->discover_ms : 5000;
	ps->max_streams = po->max_streams > 0 ? po->max_streams : 10000;
	ps->stall_ms = po->stall_ms > 0 ? po->stall_ms : 5000;
	url_display(url, ps->display, sizeof ps->display);
	ps->pats = xcalloc((size_t)nstreams, sizeof *ps->pats);
	for (int i = 0; i < nstreams; i++) {
		struct pattern *p;

		if (!source_pattern_is_glob(streams[i]))
			continue;
		p = &ps->pats[ps->npats++];
		p->glob = xstrdup(streams[i]);
		p->map = maps != NULL ? maps[i] : NULL;
		snprintf(name, sizeof name, "%s/%s", ps->display, streams[i]);
		p->source = sources_add("redis", name);
		source_set_state(p->source, SRC_CONNECTING, loop_now_ms());
	}
	ps->hooks.connected = hook_connected;
	ps->hooks.down = hook_down;
	ps->hooks.hold = hook_hold;
	ps->hooks.arg = ps;
	ro.hooks = &ps->hooks;
	ro.maps = NULL;
	if (ps->follow && ro.block_ms > ps->discover_ms)
		ro.block_ms = (int)ps->discover_ms;
	ps->conn = source_redis_start(url, NULL, 0, &ro, &inner);
	for (int i = 0; i < nstreams; i++) {
		struct followed *f;

		if (source_pattern_is_glob(streams[i]))
			continue;
		src = source_redis_add_stream_map(ps->conn, streams[i],
		    maps != NULL ? maps[i] : NULL);
		if (map_get(ps->keys, streams[i]) != NULL)
			continue;
		f = xcalloc(1, sizeof *f);
		f->pattern = -1;
		f->source = src;
		map_put(ps->keys, streams[i], f);
	}
	return ps;
}

static void
pattern_free(uv_handle_t *h)
{
	struct source_pattern *ps = h->data;
	const char *key;
	void *v;
	size_t i = 0;

	if (--ps->handles > 0)
		return;

	while (map_next(ps->keys, &i, &key, &v))
		free(v);
	map_free(ps->keys);
	for (int k = 0; k < ps->npats; k++)
		free(ps->pats[k].glob);
	free(ps->pats);
	free(ps->pat_of);
	free(ps->fol_of);
	free(ps);
}

void
source_pattern_stop(struct source_pattern *ps)
{
	if (ps == NULL || ps->stopping)
		return;
	ps->stopping = 1;
	rcluster_scan_cancel(ps->scan);
	ps->scan = NULL;
	source_redis_stop(ps->conn);
	rcluster_unref(ps->cluster);
	ps->cluster = NULL;
	uv_timer_stop(&ps->tick);
	uv_close((uv_handle_t *)&ps->tick, pattern_free);
	uv_timer_stop(&ps->stall);
	uv_close((uv_handle_t *)&ps->stall, pattern_free);
	uv_close((uv_handle_t *)&ps->closer, pattern_free);
}
