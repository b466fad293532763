/* execmon - wire the configured sources to a sink and run the loop (headless). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "log.h"
#include "loop.h"
#include "prices.h"
#include "rconn.h"
#include "source-kind.h"
#include "source-redis.h"
#include "url.h"
#include "xmalloc.h"

/* A kind started, and the handle its start gave. */
struct started {
	const struct source_kind *kind;
	void *handle;
};

struct running {
	struct collect *c;
	struct started *started; /* in start order */
	int nstarted;
	unsigned char *done;   /* per registry index: caught up already */
	size_t ndone;
	uv_timer_t connect_timer;
	uv_timer_t duration_timer;
	int have_duration;
	struct rconn_tls *tls; /* rediss:// URLs' TLS context */
};

static void
on_event(void *ctx, struct event *ev)
{
	struct running *r = ctx;

	if (loop_stopping())
		return;
	r->c->events++;
	prices_apply(ev);
	r->c->event(r->c, ev);
}

static void
on_notice(void *ctx, int source, const char *msg)
{
	struct running *r = ctx;

	log_msg(LOG_INFO, "%s", msg);
	/*
	 * A refused password does not mend by retrying: a headless command ends.
	 * A connection marks its sources fatal, then tells of it on its first.
	 */
	if (r->c->interactive || loop_stopping())
		return;
	if (source >= 0 && (size_t)source < sources_count() && sources_get(source)->fatal)
		loop_stop(1);
}

/* Every source is one that cannot be read (its key is not a stream, an ACL refuses it). */
static int
none_readable(void)
{
	int failed = 0;

	for (size_t i = 0; i < sources_count(); i++) {
		enum source_state st = sources_get((int)i)->state;

		if (st == SRC_ERROR)
			failed = 1;
		else if (st != SRC_DUPLICATE)
			return 0;
	}
	return failed;
}

static void
on_caught_up(void *ctx, int source)
{
	struct running *r = ctx;

	/* Once per source, however it got there. */
	if (source >= 0 && (size_t)source < r->ndone) {
		if (r->done[source])
			return;
		r->done[source] = 1;
	}
	r->c->caught_up++;
	if (r->c->backfilled != NULL)
		r->c->backfilled(r->c);
	if (!r->c->follow && r->c->caught_up >= r->c->nsources)
		loop_stop(none_readable() ? 1 : r->c->exit_status);
}

/*
 * After --connect-timeout: fail if nothing named answered; else go on without
 * the rest. The streams a pattern found are not named: the pattern answered,
 * and waits for them while they make progress (source-pattern.c).
 */
static void
connect_timeout(uv_timer_t *t)
{
	struct running *r = t->data;
	int reached = 0;
	const struct source_info *first_bad = NULL;

	for (size_t i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);

		if (si->found_by >= 0)
			continue;
		if (si->state == SRC_LIVE || si->state == SRC_BACKFILLING ||
		    si->state == SRC_DONE || si->events > 0 || si->malformed_total > 0)
			reached++;
		else if (first_bad == NULL)
			first_bad = si;
	}
	if (r->c->interactive)
		return;
	if (reached == 0) {
		if (first_bad != NULL)
			fprintf(stderr, "execmon: %s: %s\n", first_bad->name,
			    first_bad->error[0] ? first_bad->error : "no answer");
		loop_stop(1);
		return;
	}
	if (!r->c->follow && first_bad != NULL) {
		/* Report with what we have: the unreachable ones count as done. */
		for (size_t i = 0; i < sources_count(); i++) {
			const struct source_info *si = sources_get((int)i);

			if (si->found_by < 0 && (si->state == SRC_CONNECTING ||
			    si->state == SRC_RETRYING)) {
				log_msg(LOG_WARN, "%s: unreachable (%s), going on without it",
				    si->name, si->error);
				on_caught_up(r, (int)i);
			}
		}
	}
}

/*
 * --duration: record stops; commands that do not follow end their feeds.
 * The kinds hear it in the reverse of their start order.
 */
static void
duration_done(uv_timer_t *t)
{
	struct running *r = t->data;

	for (int i = r->nstarted - 1; i >= 0; i--)
		if (r->started[i].kind->duration_up != NULL)
			r->started[i].kind->duration_up(r->started[i].handle, r->c->follow);
	if (r->c->follow)
		loop_stop(0);
}

static void
stop_all(void *arg)
{
	struct running *r = arg;

	for (int i = 0; i < r->nstarted; i++)
		r->started[i].kind->stop(r->started[i].handle);
	uv_timer_stop(&r->connect_timer);
	uv_close((uv_handle_t *)&r->connect_timer, NULL);
	if (r->have_duration) {
		uv_timer_stop(&r->duration_timer);
		uv_close((uv_handle_t *)&r->duration_timer, NULL);
	}
}

/* The price table: the shipped one (or --prices), then each --price. */
static int
load_prices(const struct opts *o)
{
	const char *path = o->prices != NULL ? o->prices : PRICESDIR "/prices";
	char err[256];

	prices_clear();
	if ((o->prices != NULL || access(path, R_OK) == 0) &&
	    prices_load(path, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: prices %s: %s\n", path, err);
		return -1;
	}
	for (int i = 0; i < o->nprice; i++) {
		if (prices_set(o->price[i], err, sizeof err) != 0) {
			fprintf(stderr, "execmon: --price: %s\n", err);
			return -1;
		}
	}
	return 0;
}

void
collect_stop(struct collect *c, int status)
{
	(void)c;
	loop_stop(status);
}

/* The TLS context of the rediss:// URLs, made once from --redis-ca/cert/key. */
static int
start_tls(struct running *r, const struct opts *o, char *err, size_t errlen)
{
	struct rconn_tls_opts to = {
		.ca = o->redis_ca, .cert = o->redis_cert, .key = o->redis_key,
		.insecure = o->redis_insecure,
	};

	if (r->tls == NULL)
		r->tls = rconn_tls_create(&to, err, errlen);
	return r->tls != NULL ? 0 : -1;
}

/* The specs of kind k, in the order given (out has room for all); how many. */
static int
specs_of(const struct opts *o, const struct source_kind *k,
    const struct source_spec **out)
{
	int n = 0;

	for (int i = 0; i < o->nspecs; i++)
		if (o->specs[i].kind == k)
			out[n++] = &o->specs[i];
	return n;
}

/* Start the specs of kind k (if any): 0, or an exit status. */
static int
start_kind(struct running *r, const struct source_kind *k, struct source_start *ss)
{
	const struct opts *o = r->c->o;
	const struct source_spec **specs = xreallocarray(NULL, (size_t)o->nspecs + 1,
	    sizeof *specs);
	int n = specs_of(o, k, specs), rc = 0;

	if (n > 0) {
		ss->handle = NULL;
		ss->reports = 0;
		rc = k->start(ss, specs, n);
		r->c->nsources += ss->reports;
		if (ss->handle != NULL) {
			r->started[r->nstarted].kind = k;
			r->started[r->nstarted++].handle = ss->handle;
		}
	}
	free(specs);
	return rc;
}

/* Start the Redis-backed kinds on each --redis server, in table order on each. */
static void
start_redis(struct running *r, struct source_start *ss)
{
	const struct opts *o = r->c->o;
	struct source_redis_opts ro;
	char *redis[CLI_MAX_LIST];
	int nredis = 0;

	source_redis_opts_default(&ro);
	ro.from_ms = r->c->from_ms < 0 ? 0 : r->c->from_ms;
	ro.to_ms = r->c->to_ms;
	ro.follow = r->c->follow;
	if (o->knobs.block_ms > 0)
		ro.block_ms = o->knobs.block_ms;
	if (o->connect_timeout_ms < ro.connect_timeout_ms)
		ro.connect_timeout_ms = (int)o->connect_timeout_ms;
	/* The same server given twice is followed once. */
	for (int i = 0; i < o->nredis; i++) {
		int seen = 0;

		for (int j = 0; j < nredis && !seen; j++)
			seen = strcmp(redis[j], o->redis[i]) == 0;
		if (!seen)
			redis[nredis++] = o->redis[i];
	}
	ss->ro = &ro;
	for (int i = 0; i < nredis && !loop_stopping(); i++) {
		struct url u;
		char err[256];
		int rc = url_parse(&u, redis[i], err, sizeof err);

		if (rc == 0 && u.scheme != URL_REDIS && u.scheme != URL_UNIX) {
			url_done(&u);
			snprintf(err, sizeof err, "not a redis:// or unix:// URL");
			rc = -1;
		}
		if (rc != 0) {
			fprintf(stderr, "execmon: --redis: %s\n", err);
			loop_stop(2);
			break;
		}
		if (u.password == NULL && o->password != NULL)
			u.password = xstrdup(o->password);
		if (u.tls && start_tls(r, o, err, sizeof err) != 0) {
			fprintf(stderr, "execmon: %s\n", err);
			url_done(&u);
			loop_stop(2);
			break;
		}
		ro.tls = r->tls;
		ss->server = &u;
		for (int k = 0; k < source_nkinds; k++)
			if (source_kinds[k]->flags & SK_REDIS)
				start_kind(r, source_kinds[k], ss);
		url_done(&u);
	}
	ss->server = NULL;
	ss->ro = NULL;
}

/*
 * Start every source given: a kind that reads alone (a replay) by itself;
 * else the Redis-backed kinds on each server, then the others, each kind
 * once for all its specs.
 */
static void
start_sources(struct running *r, const struct sink *sink)
{
	struct source_start ss = { .o = r->c->o, .sink = sink, .follow = r->c->follow };
	const struct source_kind *alone = NULL;
	int redis = 0, rc;

	for (int i = 0; i < r->c->o->nspecs; i++) {
		unsigned f = r->c->o->specs[i].kind->flags;

		if (f & SK_ALONE)
			alone = r->c->o->specs[i].kind;
		redis |= (f & SK_REDIS) != 0;
	}
	if (alone != NULL) {
		if ((rc = start_kind(r, alone, &ss)) != 0)
			loop_stop(rc);
		return;
	}
	if (redis)
		start_redis(r, &ss);
	for (int k = 0; k < source_nkinds && !loop_stopping(); k++) {
		if (source_kinds[k]->flags & SK_REDIS)
			continue;
		if ((rc = start_kind(r, source_kinds[k], &ss)) != 0)
			loop_stop(rc);
	}
}

int
collect_run(struct collect *c)
{
	const struct opts *o = c->o;
	struct running r;
	struct sink sink = { on_event, on_notice, on_caught_up, &r };
	int status, finishers = 0;

	memset(&r, 0, sizeof r);
	r.c = c;
	c->nsources = 0;
	if (load_prices(o) != 0)
		return 2;
	if (cli_specs_any(o, SK_FINITE) && !c->interactive)
		c->follow = 0; /* a file ends */
	r.started = xreallocarray(NULL, (size_t)source_nkinds * ((size_t)o->nredis + 1),
	    sizeof *r.started);
	loop_init();
	uv_timer_init(loop_uv(), &r.connect_timer);
	r.connect_timer.data = &r;
	loop_on_stop(stop_all, &r);
	start_sources(&r, &sink);
	for (int i = 0; i < r.nstarted; i++)
		finishers += r.started[i].kind->duration_up != NULL;
	r.ndone = sources_count();
	r.done = xcalloc(r.ndone + 1, 1);
	if (!loop_stopping() && c->started != NULL)
		c->started(c);
	if (!loop_stopping()) {
		uv_timer_start(&r.connect_timer, connect_timeout,
		    (uint64_t)o->connect_timeout_ms, 0);
		if (o->duration_ms > 0 && (c->follow || finishers > 0)) {
			r.have_duration = 1;
			uv_timer_init(loop_uv(), &r.duration_timer);
			r.duration_timer.data = &r;
			uv_timer_start(&r.duration_timer, duration_done,
			    (uint64_t)o->duration_ms, 0);
		}
	}
	status = loop_run();
	for (int i = 0; i < r.nstarted; i++)
		if (r.started[i].kind->free != NULL)
			r.started[i].kind->free(r.started[i].handle);
	free(r.started);
	prices_clear();
	free(r.done);
	loop_done();
	rconn_tls_free(r.tls);
	return status;
}

void
collect_summary(const struct collect *c)
{
	char line[1024];
	size_t n;
	uint64_t mal[MAL__COUNT] = { 0 }, mal_total = 0, gaps = 0, recreated = 0;
	int64_t gap_entries = 0;
	const char *gap_off = NULL;

	for (size_t i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);

		for (int k = 0; k < MAL__COUNT; k++)
			mal[k] += si->malformed[k];
		mal_total += si->malformed_total;
		gaps += si->gaps;
		recreated += si->recreated;
		if (si->gap_off[0] != '\0' && gap_off == NULL)
			gap_off = si->gap_off;
		if (si->gap_entries < 0 || gap_entries < 0)
			gap_entries = -1;
		else
			gap_entries += si->gap_entries;
	}
	n = (size_t)snprintf(line, sizeof line, "%" PRIu64 " events, %" PRIu64 " malformed",
	    c->events, mal_total);
	if (mal_total > 0) {
		const char *sep = " (";

		for (int k = 1; k < MAL__COUNT && n < sizeof line; k++) {
			if (mal[k] == 0)
				continue;
			n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %" PRIu64, sep,
			    event_malformed_name((enum event_malformed)k), mal[k]);
			sep = ", ";
		}
		if (n < sizeof line)
			n += (size_t)snprintf(line + n, sizeof line - n, ")");
	}
	if (n < sizeof line && gap_off != NULL && gaps == 0)
		n += (size_t)snprintf(line + n, sizeof line - n, ", gap detection off: %s",
		    gap_off);
	else if (n < sizeof line) {
		if (gap_entries < 0)
			n += (size_t)snprintf(line + n, sizeof line - n,
			    ", %" PRIu64 " gaps (size unknown)", gaps);
		else
			n += (size_t)snprintf(line + n, sizeof line - n,
			    ", %" PRIu64 " gaps (%" PRId64 " entries lost)", gaps, gap_entries);
	}
	/* Where gaps cannot be seen, "0 gaps" would claim too much. */
	if (n < sizeof line && gap_off != NULL && gaps > 0)
		n += (size_t)snprintf(line + n, sizeof line - n, ", gap detection off: %s",
		    gap_off);
	if (n < sizeof line && recreated > 0)
		snprintf(line + n, sizeof line - n, ", %" PRIu64 " stream%s recreated",
		    recreated, recreated == 1 ? "" : "s");
	fprintf(stderr, "execmon: %s\n", line);
}
