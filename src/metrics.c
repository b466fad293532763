/* execmon - the metrics engine: every figure derived from the model. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "hist.h"
#include "map.h"
#include "metrics.h"
#include "metrics-int.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The contract. metrics_compute(store, filter, now, window) is a pure
 * function: the same store content and the same now give the same struct,
 * field for field, whatever order the events arrived in. Runs are visited in
 * store order, but every output is a count, an exact integer sum, a histogram
 * (which holds counts) or a figure derived from those at the end, and every
 * list is sorted on a total order. Means are integer sum / count.
 *
 * Windows. W = (now - window, now]; the previous window P = (now - 2 window,
 * now - window]. A run "finished in W" has status completed, failed or
 * cancelled and finished_ms in W.
 *
 * Filter. Only runs passing filter_match() count for anything run-based, and
 * model and tool figures come only from the logs of those runs. Queue gauges
 * and worker samples are global and never filtered.
 *
 * Two engines give this struct. metrics_compute_full() is the reference: one
 * pass over every run held. A store with a rollup (rollup.c) is answered by
 * rollup_metrics() instead, from per-minute figures kept up to date as runs
 * change: O(minutes of W and P + runs of the at most three minutes an edge
 * cuts + live runs), not O(runs held). It answers only without a filter (a
 * filter, whatever its keys, goes to the reference pass over the runs that
 * match), with at most METRICS_GROUPS_MAX agents, models and tools in the
 * two windows (beyond that the "(other)" group depends on store order), and
 * with its minutes held back to now - 2 window; else metrics_compute() falls
 * back to the reference engine. The two give the same struct for the same
 * store (tests/unit/test-rollup.c, tests/integration/metrics-diff.sh), with
 * one difference by design: the rollup keeps the minutes of runs the store
 * has evicted, so a window reaching past the store's eviction horizon counts
 * runs the reference engine no longer sees.
 *
 * Latencies (ms) of a finished run: queue = started - queued (needs both);
 * execution = finished - started (needs started); end-to-end = finished -
 * queued, or finished - started when it was never queued. A negative latency
 * (clock skew between producers) is skipped and not counted. Times of 0 are
 * unknown (store.h).
 *
 * performance: total/completed/failed/cancelled count runs finished in W;
 * queue, exec and e2e go through a hist each: avg is the exact mean,
 * p50..p99 hist_quantile (within 0.4 % of PERCENTILE_CONT). dist[] counts
 * execution latency exactly: < 1 s, < 5 s, < 10 s, < 30 s, < 60 s, else.
 * prev holds the same counts and execution latency for P.
 *
 * realtime is the state at now. running = runs started at or before now
 * and not finished by then, elapsed = now - started, newest start first
 * (then id); queued = runs queued at or before now and neither started nor
 * finished by then, elapsed = the wait so far, by priority desc, queued_ms
 * asc, id. Live, with nothing later than now, these are exactly the runs
 * whose status is running or queued; with a pinned now in the past, a run
 * that finished after now was still running at now. Flags and costs use the
 * run's figures as held. A live run's expected time is its estimated_ms when it
 * sent one, else its agent's p50 execution latency over W and P when the
 * agent has at least 5 such samples, else unknown (-1). The eta of a running
 * run is started + expected; of a queued run, queued + its queue's avg_wait
 * (the expected start; it may already be past), -1 when unknown.
 * avg_queue_wait_ms is the mean wait of the runs queued now; queue_depth is
 * the sum of the queues' depths. worker is the latest worker sample at or
 * before now; samples are those in W.
 *
 * throughput: one minute per 60 s from floor((now - window) / 60 s) up to the
 * minute holding now (so the first and last are partial). finished and its
 * split count runs finished in W by the minute of finished_ms; started counts
 * runs whose started_ms is in W. peak is the minute with the most finished,
 * the earliest on ties (none, 0, when nothing finished).
 *
 * agents are keyed by agent_name, else agent_id, else "(none)"; agent_id is
 * the smallest id seen in the group. Counts, tokens and cost are of runs
 * finished in W, avg_runtime their mean execution latency; exec is the hist
 * of execution latency over W and P (for ETAs and the p99 rule); running and
 * queued count live runs. An agent is listed when it has a run finished in W
 * or a live run.
 *
 * models and tools come from the runs' event logs: llm.call and tool.call
 * events whose ts is in W. A log keeps at most STORE_LOG_MAX events (the
 * oldest go), so these are figures over the events still held: a run with a
 * longer log counts only its latest ones. A model's avg latency is the mean
 * duration_ms of the calls that sent one; errors are calls whose
 * finish_reason is "error". A tool counts errors (outcome "error"), timeouts
 * (outcome "timeout"), the p95 of duration_ms, and the error_kind of every
 * call whose outcome is not "success": the top METRICS_ERROR_KINDS kinds by
 * count (then name), the rest in kinds_other. Missing names are "(none)".
 *
 * queues: every queue the store knows. depth = its gauge when one was sent
 * (the latest queue.depth, whatever its time), else the runs queued now for
 * it; oldest_wait = now - the earliest queued_ms of those runs; avg_wait =
 * the mean queue latency of its runs that started in W.
 *
 * hours: by the UTC hour of finished_ms of runs finished in W. totals: the
 * run totals (store.c: terminal totals, else llm.call sums) of runs finished
 * in W; cost in nano-USD, integer sums.
 *
 * Flags (running runs only). A run that sent an estimate is flagged
 * past_estimate when elapsed > 2 x estimated_ms and elapsed > 30 s. A run
 * without one is flagged past_p99 when its agent has at least 20 execution
 * samples (W and P) and elapsed > 1.5 x that p99 and > 30 s. Independently, a
 * run is flagged runaway_tokens when its latest llm.call is within the last
 * 60 s, it made at least 5 llm calls and has used tokens, and its last
 * progress (or its start, when it never sent any) is more than 5 minutes ago
 * and older than that call. cost_nusd is the run's cost so far; projected is
 * the cost at its current rate over a horizon: the expected time while the
 * run is within it, else twice the elapsed time (a run past its expected end
 * is assumed to go on as long again as it has, the even-odds guess when
 * nothing else is known), -1 when there is no expected time.
 */

const char *const metrics_dist_names[DIST__COUNT] = {
	"0-1s", "1-5s", "5-10s", "10-30s", "30-60s", "60s+"
};

static void *
pcache_get(struct pcache *pc, const struct map *map, const char *key)
{
	size_t i = (size_t)(((uint64_t)(uintptr_t)key >> 3) *
	    UINT64_C(0x9e3779b97f4a7c15) >> 54);
	void *v;

	if (pc->key[i] == key)
		return pc->value[i];
	if ((v = map_get(map, key)) != NULL) {
		pc->key[i] = key;
		pc->value[i] = v;
	}
	return v;
}


/* Round down to a multiple of d (d > 0), also for negative values. */
int64_t
metrics_floor_to(int64_t v, int64_t d)
{
	int64_t q = v / d;

	if (v % d != 0 && v < 0)
		q--;
	return q * d;
}

/* qsort that accepts an empty (NULL) array. */
void
metrics_sort(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, sz, cmp);
}

/* Grow *p (of *cap items of size sz) to hold at least n. */
void *
metrics_grow(void *p, size_t *cap, size_t n, size_t sz)
{
	if (n <= *cap)
		return p;
	*cap = *cap == 0 ? 8 : *cap * 2;
	if (*cap < n)
		*cap = n;
	return xreallocarray(p, *cap, sz);
}

static void
lat_fill(struct lat_stats *ls, const struct hist *h)
{
	memset(ls, 0, sizeof *ls);
	ls->n = h->count;
	if (h->count == 0)
		return;
	ls->avg = hist_mean(h);
	ls->p50 = hist_quantile(h, 0.50);
	ls->p75 = hist_quantile(h, 0.75);
	ls->p90 = hist_quantile(h, 0.90);
	ls->p95 = hist_quantile(h, 0.95);
	ls->p99 = hist_quantile(h, 0.99);
}

static const char *
agent_key(const struct run *r)
{
	if (r->agent_name != NULL)
		return r->agent_name;
	if (r->agent_id != NULL)
		return r->agent_id;
	return NONE_NAME;
}

const char *
metrics_run_queue(const struct run *r)
{
	return r->queue != NULL ? r->queue : "default";
}

/* Group i seen again with id (may be NULL): the smallest id is kept. */
static size_t
agent_seen(struct metrics *m, size_t i, const char *id)
{
	struct agent_stats *a = &m->agents[i];

	if (id != NULL && id != a->agent_id &&
	    (a->agent_id == NULL || strcmp(id, a->agent_id) < 0))
		a->agent_id = id;
	return i;
}

/* A new, empty agent group named name (kept by the caller); its index. */
static size_t
agent_new(struct ctx *c, const char *name, const char *id)
{
	struct metrics *m = c->m;
	struct agent_stats *a;
	size_t i = m->nagents++;

	m->agents = metrics_grow(m->agents, &c->acap, m->nagents, sizeof *m->agents);
	c->aacc = xreallocarray(c->aacc, c->acap, sizeof *c->aacc);
	a = &m->agents[i];
	memset(a, 0, sizeof *a);
	hist_init(&a->exec);
	a->agent_name = name;
	a->agent_id = id;
	a->avg_runtime_ms = -1;
	memset(&c->aacc[i], 0, sizeof c->aacc[i]);
	c->aacc[i].p50 = c->aacc[i].p99 = -1;
	return i;
}

/* The index of r's agent group, created on first use. */
static size_t
agent_index(struct ctx *c, const struct run *r)
{
	struct metrics *m = c->m;
	const char *key = agent_key(r);
	void *v = pcache_get(&c->agent_cache, c->agent_map, key);
	size_t i;

	if (v != NULL)
		return agent_seen(m, (size_t)(uintptr_t)v - 1, r->agent_id);
	if (m->nagents >= METRICS_GROUPS_MAX) {
		/* A feed with endless names: fold the rest into one group. */
		if (c->other_agent != 0)
			return c->other_agent - 1;
		key = METRICS_OTHER;
		r = NULL;
	}
	i = agent_new(c, key, r != NULL ? r->agent_id : NULL);
	if (r == NULL)
		c->other_agent = i + 1;
	else
		map_put(c->agent_map, key, (void *)(uintptr_t)(i + 1));
	return i;
}

/*
 * The index of the agent group named name (owned by the caller, outliving
 * the result), created on first use; id, when not NULL, is kept if it is the
 * smallest seen. Groups are never folded into "(other)" here: the caller
 * keeps to METRICS_GROUPS_MAX.
 */
size_t
metrics_agent_named(struct ctx *c, const char *name, const char *id)
{
	struct metrics *m = c->m;
	void *v = map_get(c->agent_map, name);
	size_t i;

	if (v != NULL)
		return agent_seen(m, (size_t)(uintptr_t)v - 1, id);
	i = agent_new(c, name, id);
	map_put(c->agent_map, name, (void *)(uintptr_t)(i + 1));
	return i;
}

/* The index of the group of a run agent_index() has seen. */
size_t
metrics_agent_find(struct ctx *c, const struct run *r)
{
	void *v = pcache_get(&c->agent_cache, c->agent_map, agent_key(r));

	return v != NULL ? (size_t)(uintptr_t)v - 1 : c->other_agent - 1;
}

int
metrics_dist_bucket(int64_t ms)
{
	if (ms < 1000)
		return DIST_0_1;
	if (ms < 5000)
		return DIST_1_5;
	if (ms < 10000)
		return DIST_5_10;
	if (ms < 30000)
		return DIST_10_30;
	if (ms < 60000)
		return DIST_30_60;
	return DIST_60_UP;
}

/* The latencies of a finished run; -1 where unknown or negative. */
void
metrics_run_latencies(const struct run *r, int64_t *q, int64_t *x, int64_t *e)
{
	*q = *x = *e = -1;
	if (r->queued_ms != 0 && r->started_ms != 0)
		*q = r->started_ms - r->queued_ms;
	if (r->started_ms != 0)
		*x = r->finished_ms - r->started_ms;
	if (r->queued_ms != 0)
		*e = r->finished_ms - r->queued_ms;
	else if (r->started_ms != 0)
		*e = r->finished_ms - r->started_ms;
	if (*q < 0)
		*q = -1;
	if (*x < 0)
		*x = -1;
	if (*e < 0)
		*e = -1;
}

/* A run finished in W: counts, latencies, series, its agent. */
static void
fold_current(struct ctx *c, const struct run *r, size_t ai)
{
	struct metrics *m = c->m;
	struct agent_stats *a = &m->agents[ai];
	struct minute *mn;
	struct hour_of_day *h;
	int64_t q, x, e;
	int hour;

	metrics_run_latencies(r, &q, &x, &e);
	mn = metrics_minute_at(c, r->finished_ms);
	hour = (int)(metrics_floor_to(r->finished_ms, HOUR_MS) / HOUR_MS % 24);
	if (hour < 0)
		hour += 24;
	h = &m->hours[hour];

	m->total++;
	a->executions++;
	mn->finished++;
	h->executions++;
	switch (r->status) {
	case RUN_COMPLETED:
		m->completed++;
		a->completed++;
		mn->completed++;
		h->completed++;
		break;
	case RUN_FAILED:
		m->failed++;
		a->failed++;
		mn->failed++;
		break;
	default:
		m->cancelled++;
		a->cancelled++;
		mn->cancelled++;
		break;
	}
	if (q >= 0)
		hist_record(&c->queue, q);
	if (e >= 0)
		hist_record(&c->e2e, e);
	if (x >= 0) {
		hist_record(&c->exec, x);
		hist_record(&a->exec, x);
		m->dist[metrics_dist_bucket(x)]++;
		c->aacc[ai].exec_sum = store_add_sat(c->aacc[ai].exec_sum, x);
		c->aacc[ai].exec_n++;
		mn->exec_sum_ms = store_add_sat(mn->exec_sum_ms, x);
		mn->exec_n++;
		if (x > mn->exec_max_ms)
			mn->exec_max_ms = x;
		mn->exec_sumsq = store_add_sat(mn->exec_sumsq, x > 3000000000LL ?
		    INT64_MAX : x * x);
		h->exec_sum_ms = store_add_sat(h->exec_sum_ms, x);
		h->exec_n++;
	}
	a->input_tokens = store_add_sat(a->input_tokens, r->input_tokens);
	a->output_tokens = store_add_sat(a->output_tokens, r->output_tokens);
	a->cost_nusd = store_add_sat(a->cost_nusd, r->cost_nusd);
	m->input_tokens = store_add_sat(m->input_tokens, r->input_tokens);
	m->output_tokens = store_add_sat(m->output_tokens, r->output_tokens);
	m->cost_nusd = store_add_sat(m->cost_nusd, r->cost_nusd);
}

/* A run finished in P: the previous period's figures. */
static void
fold_previous(struct ctx *c, const struct run *r, size_t ai)
{
	int64_t q, x, e;

	metrics_run_latencies(r, &q, &x, &e);
	c->m->prev.total++;
	if (r->status == RUN_COMPLETED)
		c->m->prev.completed++;
	if (x >= 0) {
		hist_record(&c->pexec, x);
		hist_record(&c->m->agents[ai].exec, x);
	}
}

struct live_run *
metrics_live_push(struct live_run **v, size_t *n, size_t *cap, const struct run *r,
    int64_t elapsed)
{
	struct live_run *lr;

	*v = metrics_grow(*v, cap, *n + 1, sizeof **v);
	lr = &(*v)[(*n)++];
	memset(lr, 0, sizeof *lr);
	lr->run = r;
	lr->elapsed_ms = elapsed;
	lr->expected_ms = lr->eta_ms = -1;
	return lr;
}

/* The queue stats entry named name, or NULL. */
struct queue_stats *
metrics_queue_find(struct ctx *c, const char *name, struct queue_acc **acc)
{
	void *v = pcache_get(&c->queue_cache, c->queue_map, name);
	size_t i;

	if (v == NULL)
		return NULL;
	i = (size_t)(uintptr_t)v - 1;
	*acc = &c->qacc[i];
	return &c->m->queues[i];
}

/* One pass over the runs. */
static void
fold_runs(struct ctx *c, const struct filter *f)
{
	struct metrics *m = c->m;
	struct queue_stats *qs;
	struct queue_acc *qa;
	const struct run *r;
	size_t i, n = store_nruns(c->st), ai;
	int cur, prev, live, running, queued, started;

	for (i = 0; i < n; i++) {
		r = store_run_at(c->st, i);
		if (f != NULL && !filter_match(f, r))
			continue;
		m->runs_seen++;
		cur = prev = 0;
		if (run_is_finished(r)) {
			cur = r->finished_ms > c->from &&
			    r->finished_ms <= c->now;
			prev = r->finished_ms > c->pfrom &&
			    r->finished_ms <= c->from;
		}
		live = !(run_is_finished(r) && r->finished_ms <= c->now);
		running = live && r->started_ms != 0 &&
		    r->started_ms <= c->now;
		queued = live && !running && r->queued_ms != 0 &&
		    r->queued_ms <= c->now;
		started = r->started_ms != 0 && r->started_ms > c->from &&
		    r->started_ms <= c->now;

		if (cur || prev || running || queued) {
			ai = agent_index(c, r);
			if (cur)
				fold_current(c, r, ai);
			else if (prev)
				fold_previous(c, r, ai);
			if (running) {
				m->agents[ai].running++;
				metrics_live_push(&m->running, &m->nrunning, &c->rcap,
				    r, c->now - r->started_ms);
			}
			if (queued) {
				m->agents[ai].queued++;
				metrics_live_push(&m->queued, &m->nqueued, &c->qcap,
				    r, c->now - r->queued_ms);
				c->wait_sum = store_add_sat(c->wait_sum,
				    c->now - r->queued_ms);
				qs = metrics_queue_find(c, metrics_run_queue(r), &qa);
				if (qs != NULL) {
					if (qs->queued == 0 ||
					    r->queued_ms < qa->oldest_ms)
						qa->oldest_ms = r->queued_ms;
					qs->queued++;
				}
			}
		}
		if (started) {
			metrics_minute_at(c, r->started_ms)->started++;
			qs = r->queued_ms != 0 && r->started_ms >=
			    r->queued_ms ? metrics_queue_find(c, metrics_run_queue(r), &qa) :
			    NULL;
			if (qs != NULL) {
				qa->wait_sum = store_add_sat(qa->wait_sum,
				    r->started_ms - r->queued_ms);
				qa->wait_n++;
			}
		}
		if (r->nlog > 0 && (r->llm_calls > 0 || r->tool_calls > 0) &&
		    r->last_ms > c->from && r->first_ms <= c->now)
			metrics_scan_log(c, r);
	}
}

static int
cmp_running(const void *a, const void *b)
{
	const struct live_run *x = a, *y = b;

	/* elapsed is now - started: the latest start has the least, and
	   reading it does not touch the run (a cache miss each) */
	if (x->elapsed_ms != y->elapsed_ms)
		return x->elapsed_ms < y->elapsed_ms ? -1 : 1;
	return strcmp(x->run->id, y->run->id);
}

static int
cmp_queued(const void *a, const void *b)
{
	const struct run *x = ((const struct live_run *)a)->run;
	const struct run *y = ((const struct live_run *)b)->run;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	if (x->queued_ms != y->queued_ms)
		return x->queued_ms < y->queued_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void
ctx_done(struct ctx *c)
{
	size_t i;

	hist_done(&c->queue);
	hist_done(&c->exec);
	hist_done(&c->e2e);
	hist_done(&c->pexec);
	map_free(c->agent_map);
	map_free(c->model_map);
	map_free(c->tool_map);
	map_free(c->queue_map);
	free(c->aacc);
	free(c->macc);
	for (i = 0; i < c->m->ntools; i++) {
		map_free(c->tacc[i].kinds);
		free(c->tacc[i].k);
	}
	free(c->tacc);
	free(c->qacc);
}

/* Set up c for a computation over (now - window, now]: m, the series, the queues. */
void
metrics_ctx_start(struct ctx *c, const struct store *st, int64_t now_ms,
    int64_t window_ms)
{
	struct metrics *m = xcalloc(1, sizeof *m);

	if (window_ms < 1)
		window_ms = 1;
	memset(c, 0, sizeof *c);
	c->m = m;
	c->st = st;
	c->now = now_ms;
	c->from = now_ms - window_ms;
	c->pfrom = c->from - window_ms;
	c->m0 = metrics_floor_to(c->from, MINUTE_MS);
	c->agent_map = map_create();
	c->model_map = map_create();
	c->tool_map = map_create();
	c->queue_map = map_create();

	m->now_ms = now_ms;
	m->window_ms = window_ms;
	m->from_ms = c->from;
	m->avg_queue_wait_ms = -1;
	m->nminutes = (size_t)((metrics_floor_to(now_ms, MINUTE_MS) - c->m0) /
	    MINUTE_MS) + 1;
	metrics_series_start(c);
	metrics_queues_start(c);
}

/* Everything derived once the runs are folded: percentiles, lists, tables, patterns. */
struct metrics *
metrics_ctx_finish(struct ctx *c)
{
	struct metrics *m = c->m;
	struct minute *mn;
	size_t i;

	lat_fill(&m->queue, &c->queue);
	lat_fill(&m->exec, &c->exec);
	lat_fill(&m->e2e, &c->e2e);
	lat_fill(&m->prev.exec, &c->pexec);
	for (i = 0; i < m->nagents; i++) {
		if (m->agents[i].exec.count > 0) {
			c->aacc[i].p50 = hist_quantile(&m->agents[i].exec, 0.50);
			c->aacc[i].p99 = hist_quantile(&m->agents[i].exec, 0.99);
		}
	}
	if (m->nqueued > 0)
		m->avg_queue_wait_ms = (double)c->wait_sum / (double)m->nqueued;
	metrics_queues_finish(c);

	metrics_sort(m->running, m->nrunning, sizeof *m->running, cmp_running);
	metrics_sort(m->queued, m->nqueued, sizeof *m->queued, cmp_queued);
	metrics_live_finish(c);

	metrics_agents_finish(c);
	metrics_models_finish(c);
	metrics_tools_finish(c);
	metrics_queues_sort(c);
	metrics_workers(c);

	metrics_series_finish(c);
	for (i = 0; i < m->nactive; i++) {
		mn = &m->active[i];
		if (mn->finished > m->peak_per_minute) {
			m->peak_per_minute = mn->finished;
			m->peak_ms = mn->t0;
		}
	}
	ctx_done(c);
	anomaly_detect(m);
	return m;
}

/* The reference engine: one pass over every run held. */
struct metrics *
metrics_compute_full(const struct store *st, const struct filter *f,
    int64_t now_ms, int64_t window_ms)
{
	struct ctx c;

	if (!filter_active(f))
		f = NULL;
	metrics_ctx_start(&c, st, now_ms, window_ms);
	fold_runs(&c, f);
	return metrics_ctx_finish(&c);
}

void
metrics_free(struct metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->running);
	free(m->queued);
	free(m->active);
	for (i = 0; i < m->nagents; i++)
		hist_done(&m->agents[i].exec);
	free(m->agents);
	free(m->models);
	for (i = 0; i < m->ntools; i++)
		hist_done(&m->tools[i].dur);
	free(m->tools);
	free(m->queues);
	free(m->anomalies);
	free(m->bursts);
	free(m->flags);
	free(m);
}

static const char *const flag_names[] = {
	"past_estimate", "past_p99", "runaway_tokens"
};

const char *
flag_reason_name(enum flag_reason r)
{
	return (unsigned)r < sizeof flag_names / sizeof flag_names[0] ?
	    flag_names[r] : "unknown";
}
