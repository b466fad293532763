/* execmon - the rollup engine against the reference engine: the same figures, byte for byte. */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "filter.h"
#include "metrics.h"
#include "rollup.h"
#include "snapshot.h"
#include "splitmix.h"
#include "store-util.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define BASE 1700000012345LL   /* deliberately not on a minute */

static uint64_t rng_s;

static uint64_t
rng(void)
{
	return splitmix64(&rng_s);
}

static int64_t
rr(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
}

static const char *const names[] = { "planner", "coder", "critic", NULL, NULL };
static const char *const ids[] = { "ag-p", "ag-c", NULL, "ag-x", NULL };
static const char *const queues[] = { NULL, "fast", "bulk" };
static const char *const models[] = { "gpt-4o", "claude", NULL };
static const char *const toolv[] = { "search", "shell", NULL };
static const char *const outcomes[] = { "success", "error", "timeout", NULL };
static const char *const kinds[] = { "k0", "k1", "k2", NULL };

static char *
dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* One run's events around t (a run of the workload generator's shapes). */
static void
gen_run(struct evlist *l, int i, int64_t t)
{
	char id[32];
	struct event *ev;
	int a = (int)(rng() % 5), k, n;
	int64_t s = t + rr(0, 90000), f = s + rr(0, 200000);
	const char *q = queues[rng() % 3];

	snprintf(id, sizeof id, "run-%06d", i);
	if (rng() % 4 != 0) {
		ev = ev_add(l, EV_RUN_QUEUED, id, t);
		ev->queue = dup(q);
		if (rng() % 2) {
			ev->priority = rr(0, 3);
			ev->has |= EF_PRIORITY;
		}
	}
	if (rng() % 8 != 0) {
		ev = ev_add(l, EV_RUN_STARTED, id, s);
		ev->agent_name = dup(names[a]);
		ev->agent_id = dup(a == 0 && rng() % 3 == 0 ? "ag-p0" : ids[a]);
		ev->queue = dup(q);
		if (rng() % 3 == 0) {
			ev->estimated_ms = rr(1000, 90000);
			ev->has |= EF_ESTIMATED_MS;
		}
	}
	n = (int)(rng() % 4);
	for (k = 0; k < n; k++) {
		ev = ev_add(l, EV_LLM_CALL, id, rr(s, f + (rng() % 5 == 0 ? 60000 : 0)));
		ev->model_id = dup(models[rng() % 3]);
		if (rng() % 4) {
			ev->input_tokens = rr(0, 5000);
			ev->output_tokens = rr(0, 2000);
			ev->cost_usd = (double)rr(0, 100000) / 1e6;
			ev->has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD;
		}
		if (rng() % 3) {
			ev->duration_ms = rr(-5, 20000);
			ev->has |= EF_DURATION_MS;
		}
		if (rng() % 7 == 0)
			ev->finish_reason = xstrdup("error");
	}
	n = (int)(rng() % 3);
	for (k = 0; k < n; k++) {
		ev = ev_add(l, EV_TOOL_CALL, id, rr(s, f));
		ev->tool_id = dup(toolv[rng() % 3]);
		ev->outcome = dup(outcomes[rng() % 4]);
		ev->error_kind = dup(kinds[rng() % 4]);
		if (rng() % 3) {
			ev->duration_ms = rr(-3, 9000);
			ev->has |= EF_DURATION_MS;
		}
	}
	if (rng() % 3 == 0) {
		ev = ev_add(l, EV_RUN_PROGRESS, id, rr(s, f));
		ev->progress = 0.5;
		ev->has |= EF_PROGRESS;
	}
	k = (int)(rng() % 10);
	if (k < 8) {
		ev = ev_add(l, k < 5 ? EV_RUN_COMPLETED : k < 7 ? EV_RUN_FAILED :
		    EV_RUN_CANCELLED, id, f);
		ev->agent_name = dup(names[a]);
		if (rng() % 3 == 0) {
			ev->input_tokens = rr(0, 9000);
			ev->cost_usd = (double)rr(0, 900000) / 1e6;
			ev->has |= EF_INPUT_TOKENS | EF_COST_USD;
		}
		if (rng() % 10 == 0) /* a second terminal event, later */
			ev_add(l, EV_RUN_FAILED, id, f + rr(1, 120000));
		if (rng() % 12 == 0) /* an earlier start, after the finish */
			ev_add(l, EV_RUN_STARTED, id, s - rr(1, 30000));
	}
}

static char *
snap(const struct metrics *m, const struct store *st)
{
	json_t *j = snapshot_build(m, st, NULL, NULL);
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);

	json_decref(j);
	return s;
}

/* The snapshot's figures alone: not its lists of runs and errors. */
static char *
figures(const struct store *st, int64_t now, int64_t window)
{
	struct metrics *m = metrics_compute(st, NULL, now, window);
	json_t *j = snapshot_build(m, st, NULL, NULL);
	char *s;

	json_object_del(j, "runs");
	json_object_del(j, "runCounts");
	json_object_del(j, "topErrors");
	json_object_del(j, "topErrorsTotal");
	json_object_del(j, "workspaceId");
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	metrics_free(m);
	return s;
}

/* The agents' histograms and ids, which the snapshot shows only in part. */
static int
same_extra(const struct metrics *a, const struct metrics *b)
{
	size_t i;

	if (a->nagents != b->nagents || a->nflags != b->nflags ||
	    a->nrunning != b->nrunning || a->nqueued != b->nqueued)
		return 0;
	for (i = 0; i < a->nagents; i++) {
		const struct agent_stats *x = &a->agents[i], *y = &b->agents[i];

		if (strcmp(x->agent_name, y->agent_name) != 0 ||
		    (x->agent_id == NULL) != (y->agent_id == NULL) ||
		    (x->agent_id != NULL && strcmp(x->agent_id, y->agent_id) != 0) ||
		    x->exec.count != y->exec.count || x->exec.sum != y->exec.sum ||
		    (x->exec.count > 0 && (x->exec.min != y->exec.min ||
		    x->exec.max != y->exec.max)))
			return 0;
	}
	if (a->nactive != b->nactive)
		return 0;
	for (i = 0; i < a->nactive; i++) {
		const struct minute *x = &a->active[i], *y = &b->active[i];

		if (x->t0 != y->t0 || x->finished != y->finished ||
		    x->completed != y->completed || x->failed != y->failed ||
		    x->cancelled != y->cancelled || x->started != y->started ||
		    x->exec_sum_ms != y->exec_sum_ms || x->exec_n != y->exec_n ||
		    x->exec_max_ms != y->exec_max_ms ||
		    x->exec_sumsq != y->exec_sumsq)
			return 0;
	}
	for (i = 0; i < a->nrunning; i++)
		if (a->running[i].run != b->running[i].run ||
		    a->running[i].eta_ms != b->running[i].eta_ms ||
		    a->running[i].flagged != b->running[i].flagged)
			return 0;
	return 1;
}

static int ncompared, nfailed, nfull;

/* Both engines at now over window: 1 when they agree. */
static int
compare(const struct store *st, int64_t now, int64_t window, const char *what)
{
	struct rollup *ru = rollup_of(st);
	struct metrics *a = ru != NULL ? rollup_metrics(ru, st, NULL, now, window) : NULL;
	struct metrics *b = metrics_compute_full(st, NULL, now, window);
	char *x, *y;

	if (a == NULL) {
		nfull++;
		a = metrics_compute(st, NULL, now, window);
	}
	x = snap(a, st);
	y = snap(b, st);
	int same = strcmp(x, y) == 0 && same_extra(a, b);

	ncompared++;
	if (!same && nfailed++ < 3) {
		size_t k = 0;

		while (x[k] != '\0' && x[k] == y[k])
			k++;
		diag("%s: now %lld window %lld differ at byte %zu: ...%.160s | ...%.160s",
		    what, (long long)now, (long long)window, k,
		    x + (k > 40 ? k - 40 : 0), y + (k > 40 ? k - 40 : 0));
	}
	free(x);
	free(y);
	metrics_free(a);
	metrics_free(b);
	return same;
}

static const int64_t windows[] = { 5 * MIN_MS, HOUR_MS, 6 * HOUR_MS, 24 * HOUR_MS };

static int
compare_all(const struct store *st, int64_t latest, const char *what)
{
	const int64_t nows[] = { latest, latest - 17 * MIN_MS + 123,
		latest + 30000, latest - 3 * HOUR_MS - 7 };
	int ok = 1;

	for (size_t i = 0; i < sizeof nows / sizeof nows[0]; i++)
		for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++)
			ok &= compare(st, nows[i], windows[w], what);
	return ok;
}

static void
shuffle_near(struct evlist *l, size_t span)
{
	for (size_t i = 0; i + 1 < l->n; i++) {
		size_t j = i + (size_t)(rng() % span);
		struct event t;

		if (j >= l->n)
			j = l->n - 1;
		t = l->v[i];
		l->v[i] = l->v[j];
		l->v[j] = t;
	}
}

/* A workload applied with checks along the way; then eviction and forgetting. */
static void
workload(uint64_t seed, int nruns, int64_t span)
{
	struct store *st = store_create();
	struct rollup *ru = rollup_attach(st);
	struct evlist l = { 0 };
	struct event c;
	int64_t latest = 0;
	size_t i, step;
	int ok = 1, dups = 0;
	char what[64];

	rng_s = seed;
	ok(ru != NULL && rollup_of(st) == ru, "a rollup is attached to the store");
	for (int r = 0; r < nruns; r++) {
		/* most runs near the end, some all over the span */
		int64_t t = BASE - (rng() % 3 == 0 ? rr(0, span) : rr(0, 2 * HOUR_MS));

		gen_run(&l, r, t);
	}
	shuffle_near(&l, 64);      /* late and out of order */
	step = l.n / 5 + 1;
	for (i = 0; i < l.n; i++) {
		event_copy(&c, &l.v[i]);
		store_apply(st, &c);
		event_done(&c);
		if (rng() % 9 == 0) {  /* a duplicate, later */
			size_t j = (size_t)(rng() % (i + 1));

			event_copy(&c, &l.v[j]);
			dups += store_apply(st, &c) == 0;
			event_done(&c);
		}
		if (l.v[i].ts_ms > latest)
			latest = l.v[i].ts_ms;
		if ((i + 1) % step == 0 || i + 1 == l.n) {
			snprintf(what, sizeof what, "seed %llu after %zu events",
			    (unsigned long long)seed, i + 1);
			ok &= compare_all(st, latest, what);
		}
	}
	ok(dups > 0, "duplicates were applied and ignored");
	ok(ok, "seed %llu: %d runs, %zu events, duplicates, late and out of order: the rollup gives the reference engine's figures at every check",
	    (unsigned long long)seed, nruns, l.n);

	/* eviction as the dashboard does it: runs older than two windows go */
	store_evict(st, latest - 2 * 5 * MIN_MS);
	ok(compare(st, latest, 5 * MIN_MS, "after eviction") &&
	    compare(st, latest + 4000, 5 * MIN_MS, "after eviction, later"),
	    "seed %llu: after evicting runs older than two 5m windows, the same 5m figures",
	    (unsigned long long)seed);
	{
		uint64_t x0 = rollup_inexact(ru);
		struct metrics *m3;

		m3 = metrics_compute(st, NULL, latest, 5 * MIN_MS);
		metrics_free(m3);
		ok(rollup_inexact(ru) == x0, "seed %llu: 5m windows split no minute an evicted run gave to: exact",
		    (unsigned long long)seed);
		m3 = metrics_compute(st, NULL, latest, 7 * MIN_MS);
		metrics_free(m3);
		ok(rollup_inexact(ru) > x0, "seed %llu: a 7m window's edge splits such a minute: said to be inexact",
		    (unsigned long long)seed);
		x0 = rollup_inexact(ru);
		{
			struct filter f;
			char err[128];

			ok(filter_parse(&f, "status=completed", err, sizeof err) == 0,
			    "a filter parses");
			m3 = metrics_compute(st, &f, latest, 5 * MIN_MS);
			metrics_free(m3);
			filter_done(&f);
		}
		ok(rollup_inexact(ru) > x0, "seed %llu: a filter after eviction (the reference pass over the runs held): said to be inexact",
		    (unsigned long long)seed);
	}
	{
		struct metrics *m = metrics_compute(st, NULL, latest, 24 * HOUR_MS);
		struct metrics *m2 = metrics_compute_full(st, NULL, latest, 24 * HOUR_MS);

		ok(m->total > m2->total, "seed %llu: the minutes outlive the evicted runs (24h: %llu finished runs against %llu held)",
		    (unsigned long long)seed, (unsigned long long)m->total,
		    (unsigned long long)m2->total);
		metrics_free(m);
		metrics_free(m2);
	}
	diag("seed %llu: %zu minutes held in %zu bytes (%zu a minute), %zu runs held",
	    (unsigned long long)seed, rollup_minutes(ru), rollup_bytes(ru),
	    rollup_bytes(ru) / (rollup_minutes(ru) + 1), store_nruns(st));
	rollup_forget(ru, latest - 30 * MIN_MS);
	ok(rollup_minutes(ru) > 0 && rollup_bytes(ru) > 0 &&
	    compare(st, latest, 5 * MIN_MS, "after forgetting") &&
	    compare(st, latest, HOUR_MS, "after forgetting, the full engine"),
	    "seed %llu: minutes before a horizon forgotten: 5m from the rollup, 1h from the reference engine, the same",
	    (unsigned long long)seed);
	{
		/* evicted runs kept as records where an edge can fall: the same figures */
		const int64_t all[1][2] = { { INT64_MIN, INT64_MAX } };
		char *b4 = figures(st, latest, 4 * MIN_MS), *b3 = figures(st, latest, 3 * MIN_MS);
		uint64_t x0 = rollup_inexact(ru);
		size_t held = store_nruns(st), bytes = rollup_bytes(ru);
		char *a4, *a3;

		rollup_keep(ru, all, 1);
		store_evict(st, latest - 5 * MIN_MS);
		rollup_keep(ru, NULL, 0);
		a4 = figures(st, latest, 4 * MIN_MS);
		a3 = figures(st, latest, 3 * MIN_MS);
		ok(store_nruns(st) < held && rollup_bytes(ru) > bytes &&
		    strcmp(a4, b4) == 0 && strcmp(a3, b3) == 0 &&
		    rollup_inexact(ru) == x0,
		    "seed %llu: runs evicted into records (%zu of %zu held): 4m and 3m windows, whose edges cut their minutes, the same figures, exact",
		    (unsigned long long)seed, held - store_nruns(st), held);
		free(a4);
		free(a3);
		free(b4);
		free(b3);
	}
	for (i = 0; i < l.n; i++)
		event_done(&l.v[i]);
	free(l.v);
	store_free(st);
}

/* A run past STORE_LOG_MAX events: its oldest calls leave the minutes. */
static void
long_log(void)
{
	struct store *st = store_create();
	struct evlist l = { 0 };
	struct event *ev, c;
	size_t i;

	rollup_attach(st);
	rng_s = 77;
	ev_add(&l, EV_RUN_STARTED, "long", BASE - 50 * MIN_MS);
	for (i = 0; i < STORE_LOG_MAX + 300; i++) {
		ev = ev_add(&l, i % 2 ? EV_TOOL_CALL : EV_LLM_CALL, "long",
		    BASE - 50 * MIN_MS + (int64_t)rr(0, 49 * MIN_MS));
		ev->tool_id = dup(toolv[rng() % 3]);
		ev->model_id = dup(models[rng() % 3]);
		ev->duration_ms = rr(0, 90000);
		ev->has |= EF_DURATION_MS;
		ev->outcome = dup(outcomes[rng() % 4]);
		ev->error_kind = dup(kinds[rng() % 4]);
	}
	for (i = 0; i < l.n; i++) {
		event_copy(&c, &l.v[i]);
		store_apply(st, &c);
		event_done(&c);
	}
	ok(compare(st, BASE, HOUR_MS, "long log") &&
	    compare(st, BASE, 5 * MIN_MS, "long log, 5m"),
	    "a log past %d events: the same tool and model figures", STORE_LOG_MAX);
	for (i = 0; i < l.n; i++)
		event_done(&l.v[i]);
	free(l.v);
	store_free(st);
}

/* A run that leaves a minute where it was the longest: the minute's max is found again. */
static void
moved_max(void)
{
	struct store *st = store_create();
	struct evlist l = { 0 };
	struct event c;
	int64_t t = (BASE / MIN_MS - 40) * MIN_MS;
	size_t i;
	int same;

	rollup_attach(st);
	ev_add(&l, EV_RUN_STARTED, "a", t + 1000);
	ev_add(&l, EV_RUN_COMPLETED, "a", t + 51000);
	ev_add(&l, EV_RUN_STARTED, "b", t + 30000);
	ev_add(&l, EV_RUN_COMPLETED, "b", t + 40000);
	ev_add(&l, EV_RUN_STARTED, "c", t + 10000);
	ev_add(&l, EV_RUN_COMPLETED, "c", t + 50000);
	ev_add(&l, EV_RUN_FAILED, "a", t + 3 * MIN_MS);  /* a moves on */
	ev_add(&l, EV_RUN_STARTED, "c", t + 5000);      /* c grows */
	for (i = 0; i < l.n; i++) {
		event_copy(&c, &l.v[i]);
		store_apply(st, &c);
		event_done(&c);
		if (i == 5)
			compare(st, BASE, HOUR_MS, "before the move");
	}
	same = compare(st, BASE, HOUR_MS, "moved max");
	{
		struct metrics *m = metrics_compute(st, NULL, BASE, HOUR_MS);
		struct minute mn = metrics_minute(m, (size_t)((t - m->minute0_ms) / MIN_MS));

		ok(same && mn.finished == 2 && mn.exec_max_ms == 45000,
		    "a run leaving the minute it was longest in: the minute's max is the next longest (%lld ms)",
		    (long long)mn.exec_max_ms);
		metrics_free(m);
	}
	for (i = 0; i < l.n; i++)
		event_done(&l.v[i]);
	free(l.v);
	store_free(st);
}

int
main(void)
{
	workload(1, 1500, 30 * HOUR_MS);
	workload(2, 3000, 50 * HOUR_MS);
	workload(3, 800, 3 * HOUR_MS);
	long_log();
	moved_max();
	diag("%d comparisons, %d answered by the reference engine", ncompared, nfull);
	ok(nfull == 3, "the rollup answered every comparison but the three past its horizon");
	ok(nfailed == 0, "every comparison agreed");
	return tap_done();
}
