/* execmon - the snapshot: every computed figure as one JSON document (SPEC §4). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "snap-hold.h"
#include "snapshot.h"
#include "source.h"
#include "xmalloc.h"
#include "snapshot-int.h"















static int
snap_match(const struct filter *f, const struct run *r)
{
	return f == NULL || filter_match(f, r);
}

/*
 * The one workspace_id among the runs that pass the filter, else null
 * (with h, the runs it let go count too).
 */
static json_t *
snap_workspace(const struct store *st, const struct filter *f,
    const struct snap_hold *h)
{
	int several;
	const char *ws = snap_hold_workspace(h, &several);
	size_t i, n = store_nruns(st);

	if (several)
		return json_null();
	for (i = 0; i < n; i++) {
		const struct run *r = store_run_at(st, i);

		if (r->workspace_id == NULL || !snap_match(f, r))
			continue;
		if (ws == NULL)
			ws = r->workspace_id;
		else if (strcmp(ws, r->workspace_id) != 0)
			return json_null();
	}
	return snap_str(ws);
}

static json_t *
snap_lat(const struct lat_stats *l)
{
	json_t *o = json_object();
	int known = l->n > 0;

	snap_set(o, "avg", known ? snap_sec(l->avg) : NULL);
	snap_set(o, "median", known ? snap_sec(l->p50) : NULL);
	snap_set(o, "p50", known ? snap_sec(l->p50) : NULL);
	snap_set(o, "p75", known ? snap_sec(l->p75) : NULL);
	snap_set(o, "p90", known ? snap_sec(l->p90) : NULL);
	snap_set(o, "p95", known ? snap_sec(l->p95) : NULL);
	snap_set(o, "p99", known ? snap_sec(l->p99) : NULL);
	snap_set(o, "count", snap_count(l->n));
	return o;
}

static json_t *
snap_system_load(const struct metrics *m)
{
	const struct worker_sample *w = m->worker;
	json_t *o, *workers;
	int have_total, have_busy;

	if (!m->have_workers || w == NULL)
		return json_null();
	have_total = (w->has & EF_WORKERS_TOTAL) != 0;
	have_busy = (w->has & EF_WORKERS_BUSY) != 0;
	o = json_object();
	snap_set(o, "cpu", (w->has & EF_CPU) ? snap_num(w->cpu, 2) : NULL);
	snap_set(o, "memory", (w->has & EF_MEMORY) ? snap_num(w->memory, 2) : NULL);
	workers = json_object();
	snap_set(workers, "total", have_total ? json_integer(w->total) : NULL);
	snap_set(workers, "busy", have_busy ? json_integer(w->busy) : NULL);
	snap_set(workers, "idle", have_total && have_busy ?
	    json_integer(w->total > w->busy ? w->total - w->busy : 0) : NULL);
	snap_set(o, "workers", workers);
	snap_set(o, "sampledAt", snap_time(w->ts_ms));
	return o;
}

static json_t *
snap_realtime(const struct metrics *m)
{
	json_t *o = json_object(), *a;
	size_t i;

	snap_set(o, "currentlyRunning", snap_count(m->nrunning));
	snap_set(o, "currentlyQueued", snap_count(m->nqueued));
	snap_set(o, "queueDepth", json_integer(m->queue_depth));
	snap_set(o, "avgQueueWaitTime", snap_sec(m->avg_queue_wait_ms));

	a = json_array();
	for (i = 0; i < m->nrunning && i < SNAPSHOT_LIVE_MAX; i++) {
		const struct live_run *lr = &m->running[i];
		const struct run *r = lr->run;
		json_t *e = json_object();

		snap_set(e, "runId", json_string(r->id));
		snap_set(e, "agentId", snap_str(r->agent_id));
		snap_set(e, "agentName", snap_str(r->agent_name));
		snap_set(e, "userId", snap_str(r->user_id));
		snap_set(e, "startedAt", snap_time(r->started_ms));
		snap_set(e, "elapsedTime", snap_sec((double)lr->elapsed_ms));
		snap_set(e, "estimatedCompletion", lr->eta_ms >= 0 ?
		    snap_time(lr->eta_ms) : NULL);
		snap_set(e, "expectedDuration", lr->expected_ms >= 0 ?
		    snap_sec((double)lr->expected_ms) : NULL);
		snap_set(e, "progress", r->progress >= 0 ?
		    snap_num(r->progress, 4) : NULL);
		snap_set(e, "traceId", snap_str(r->trace_id));
		snap_set(e, "flagged", json_boolean(lr->flagged != 0));
		json_array_append_new(a, e);
	}
	snap_set(o, "executionsInProgress", a);

	a = json_array();
	for (i = 0; i < m->nqueued && i < SNAPSHOT_LIVE_MAX; i++) {
		const struct live_run *lr = &m->queued[i];
		const struct run *r = lr->run;
		json_t *e = json_object();

		snap_set(e, "queueId", json_string(r->queue != NULL ? r->queue :
		    "default"));
		snap_set(e, "runId", json_string(r->id));
		snap_set(e, "agentId", snap_str(r->agent_id));
		snap_set(e, "agentName", snap_str(r->agent_name));
		snap_set(e, "priority", r->has_priority ?
		    json_integer(r->priority) : NULL);
		snap_set(e, "queuedAt", snap_time(r->queued_ms));
		snap_set(e, "waitTime", snap_sec((double)lr->elapsed_ms));
		snap_set(e, "estimatedStartTime", lr->eta_ms >= 0 ?
		    snap_time(lr->eta_ms) : NULL);
		json_array_append_new(a, e);
	}
	snap_set(o, "queuedExecutions", a);
	snap_set(o, "systemLoad", snap_system_load(m));
	return o;
}

/* Finished runs per unit of time, from the window's count scaled. */
static json_t *
snap_rate(const struct metrics *m, int64_t unit_ms)
{
	if (m->window_ms <= 0)
		return json_null();
	if (m->total > (uint64_t)INT64_MAX / (uint64_t)unit_ms)
		return snap_num((double)m->total * (double)unit_ms /
		    (double)m->window_ms, 3);
	return snap_ratio((int64_t)m->total * unit_ms, (uint64_t)m->window_ms, 3);
}

static json_t *
snap_throughput(const struct metrics *m)
{
	const struct worker_sample *w = m->worker;
	json_t *o = json_object(), *a, *peak;
	struct minute *sv;
	size_t i, n;
	int have_total = w != NULL && (w->has & EF_WORKERS_TOTAL);
	int have_busy = w != NULL && (w->has & EF_WORKERS_BUSY);

	snap_set(o, "executionsPerMinute", snap_rate(m, 60000));
	snap_set(o, "executionsPerHour", snap_rate(m, 3600000));
	snap_set(o, "executionsPerDay", snap_rate(m, SNAP_DAY_MS));
	a = json_array();
	n = metrics_series(m, snap_series_step(m), &sv);
	for (i = 0; i < n; i++) {
		json_t *e = json_object();

		snap_set(e, "timestamp", snap_time(sv[i].t0));
		snap_set(e, "value", snap_count(sv[i].finished));
		json_array_append_new(a, e);
	}
	free(sv);
	snap_set(o, "throughputTrend", a);
	if (m->peak_ms > 0) {
		peak = json_object();
		snap_set(peak, "value", snap_count(m->peak_per_minute));
		snap_set(peak, "timestamp", snap_time(m->peak_ms));
	} else
		peak = json_null();
	snap_set(o, "peakThroughput", peak);
	snap_set(o, "capacityUtilization", have_total && have_busy &&
	    w->total > 0 && w->busy >= 0 ? snap_pct((uint64_t)w->busy,
	    (uint64_t)w->total) :
	    NULL);
	snap_set(o, "maxCapacity", have_total ? json_integer(w->total) : NULL);
	return o;
}

static json_t *
snap_latency(const struct metrics *m)
{
	json_t *o = json_object(), *a;
	uint64_t sum = 0;
	int i;

	snap_set(o, "queueLatency", snap_lat(&m->queue));
	snap_set(o, "executionLatency", snap_lat(&m->exec));
	snap_set(o, "endToEndLatency", snap_lat(&m->e2e));
	for (i = 0; i < DIST__COUNT; i++)
		sum += m->dist[i];
	a = json_array();
	for (i = 0; i < DIST__COUNT; i++) {
		json_t *e = json_object();

		snap_set(e, "bucket", json_string(metrics_dist_names[i]));
		snap_set(e, "count", snap_count(m->dist[i]));
		snap_set(e, "percentage", snap_pct(m->dist[i], sum));
		json_array_append_new(a, e);
	}
	snap_set(o, "latencyDistribution", a);
	return o;
}

static json_t *
snap_vs_last(const struct metrics *m)
{
	json_t *o = json_object();
	double cur, prev;

	if (m->prev.total > 0) {
		snap_set(o, "executionsChange", m->total < INT64_MAX / 200 &&
		    m->prev.total < INT64_MAX / 200 ? snap_ratio(((int64_t)m->total -
		    (int64_t)m->prev.total) * 100, m->prev.total, 2) :
		    snap_num(((double)m->total - (double)m->prev.total) * 100 /
		    (double)m->prev.total, 2));
	} else
		snap_set(o, "executionsChange", NULL);
	if (m->prev.total > 0 && m->total > 0) {
		cur = (double)m->completed * 100 / (double)m->total;
		prev = (double)m->prev.completed * 100 / (double)m->prev.total;
		snap_set(o, "successRateChange", snap_num(snap_round(cur, 2) -
		    snap_round(prev, 2), 2));
	} else
		snap_set(o, "successRateChange", NULL);
	if (m->prev.exec.n > 0 && m->exec.n > 0 && m->prev.exec.avg > 0) {
		snap_set(o, "latencyChange", snap_num((m->exec.avg -
		    m->prev.exec.avg) * 100 / m->prev.exec.avg, 2));
	} else
		snap_set(o, "latencyChange", NULL);
	snap_set(o, "previousExecutions", snap_count(m->prev.total));
	snap_set(o, "previousSuccessRate", snap_pct(m->prev.completed,
	    m->prev.total));
	snap_set(o, "previousAvgLatency", m->prev.exec.n > 0 ?
	    snap_sec(m->prev.exec.avg) : NULL);
	return o;
}

static json_t *
snap_performance(const struct metrics *m)
{
	json_t *o = json_object(), *a;
	size_t i;

	snap_set(o, "totalExecutions", snap_count(m->total));
	snap_set(o, "successfulExecutions", snap_count(m->completed));
	snap_set(o, "failedExecutions", snap_count(m->failed));
	snap_set(o, "cancelledExecutions", snap_count(m->cancelled));
	snap_set(o, "successRate", snap_pct(m->completed, m->total));
	snap_set(o, "failureRate", snap_pct(m->failed, m->total));
	snap_set(o, "cancellationRate", snap_pct(m->cancelled, m->total));

	a = json_array();
	for (i = 0; i < m->nagents; i++) {
		const struct agent_stats *ag = &m->agents[i];
		json_t *e = json_object();

		snap_set(e, "agentId", snap_str(ag->agent_id));
		snap_set(e, "agentName", snap_str(ag->agent_name));
		snap_set(e, "executions", snap_count(ag->executions));
		snap_set(e, "successRate", snap_pct(ag->completed, ag->executions));
		snap_set(e, "avgRuntime", snap_sec(ag->avg_runtime_ms));
		snap_set(e, "errorRate", snap_pct(ag->failed, ag->executions));
		snap_set(e, "completed", snap_count(ag->completed));
		snap_set(e, "failed", snap_count(ag->failed));
		snap_set(e, "cancelled", snap_count(ag->cancelled));
		snap_set(e, "running", snap_count(ag->running));
		snap_set(e, "queued", snap_count(ag->queued));
		snap_set(e, "inputTokens", json_integer(ag->input_tokens));
		snap_set(e, "outputTokens", json_integer(ag->output_tokens));
		snap_set(e, "cost", snap_usd(ag->cost_nusd));
		json_array_append_new(a, e);
	}
	snap_set(o, "byAgent", a);

	/* All 24 UTC hours, so that byHour[h].hour == h. */
	a = json_array();
	for (i = 0; i < 24; i++) {
		const struct hour_of_day *h = &m->hours[i];
		json_t *e = json_object();

		snap_set(e, "hour", json_integer((json_int_t)i));
		snap_set(e, "executions", snap_count(h->executions));
		snap_set(e, "successRate", snap_pct(h->completed, h->executions));
		snap_set(e, "avgLatency", h->exec_n > 0 ?
		    snap_sec((double)h->exec_sum_ms / (double)h->exec_n) : NULL);
		json_array_append_new(a, e);
	}
	snap_set(o, "byHour", a);
	snap_set(o, "vsLastPeriod", snap_vs_last(m));
	return o;
}







static json_t *
snap_resources(const struct metrics *m)
{
	json_t *o = json_object(), *compute = json_object(), *cpu, *mem, *models;
	size_t i;

	cpu = json_array();
	mem = json_array();
	for (i = 0; i < m->nsamples; i++) {
		const struct worker_sample *w = &m->samples[i];
		json_t *e;

		if (w->has & EF_CPU) {
			e = json_object();
			snap_set(e, "timestamp", snap_time(w->ts_ms));
			snap_set(e, "value", snap_num(w->cpu, 2));
			json_array_append_new(cpu, e);
		}
		if (w->has & EF_MEMORY) {
			e = json_object();
			snap_set(e, "timestamp", snap_time(w->ts_ms));
			snap_set(e, "value", snap_num(w->memory, 2));
			json_array_append_new(mem, e);
		}
	}
	snap_set(compute, "cpuUsage", cpu);
	snap_set(compute, "memoryUsage", mem);
	snap_set(o, "compute", compute);

	models = json_object();
	for (i = 0; i < m->nmodels; i++) {
		const struct model_stats *ms = &m->models[i];
		json_t *e = json_object();

		if (ms->model_id == NULL)
			continue;
		snap_set(e, "calls", snap_count(ms->calls));
		snap_set(e, "tokens", json_integer(ms->input_tokens +
		    ms->output_tokens));
		snap_set(e, "avgLatency", snap_sec(ms->avg_latency_ms));
		snap_set(e, "cost", snap_usd(ms->cost_nusd));
		json_object_set_new(models, ms->model_id, e);
	}
	snap_set(o, "modelUsage", models);
	snap_set(o, "databaseLoad", NULL); /* execmon cannot see it */
	return o;
}

static json_t *
snap_sources(int64_t now_ms)
{
	json_t *a = json_array();
	size_t i, n = sources_count();
	int k;

	for (i = 0; i < n; i++) {
		const struct source_info *si = sources_get((int)i);
		json_t *e = json_object(), *mal = json_object();

		snap_set(e, "kind", json_string(si->kind));
		snap_set(e, "address", json_string(si->name));
		snap_set(e, "state", json_string(source_state_name(si->state)));
		if (strcmp(si->kind, "ws") != 0 && strcmp(si->kind, "replay") != 0) {
			snap_set(e, "node", si->node[0] != '\0' ?
			    json_string(si->node) : NULL);
			snap_set(e, "via", si->via[0] != '\0' ?
			    json_string(si->via) : NULL);
			snap_set(e, "tls", json_boolean(si->tls));
		}
		if (si->insecure)
			snap_set(e, "insecure", json_true());
		snap_set(e, "error", si->error[0] != '\0' ?
		    json_string(si->error) : NULL);
		snap_set(e, "events", snap_count(si->events));
		for (k = 1; k < MAL__COUNT; k++) {
			if (si->malformed[k] > 0)
				json_object_set_new(mal, event_malformed_name(
				    (enum event_malformed)k), snap_count(si->malformed[k]));
		}
		snap_set(e, "malformed", mal);
		snap_set(e, "malformedTotal", snap_count(si->malformed_total));
		snap_set(e, "gaps", snap_count(si->gaps));
		snap_set(e, "gapEntries", si->gap_entries >= 0 ?
		    json_integer(si->gap_entries) : NULL);
		if (si->gap_off[0] != '\0') {
			char off[sizeof si->gap_off + 8];

			snprintf(off, sizeof off, "off: %s", si->gap_off);
			snap_set(e, "gapDetection", json_string(off));
		} else
			snap_set(e, "gapDetection", json_string(strcmp(si->kind, "redis") == 0 ||
			    strcmp(si->kind, "bullmq") == 0 ? "on" : "not applicable"));
		snap_set(e, "recreated", snap_count(si->recreated));
		snap_set(e, "note", si->note[0] != '\0' ? json_string(si->note) : NULL);
		snap_set(e, "lag", si->last_event_ms > 0 ?
		    snap_sec((double)(now_ms > si->last_event_ms ?
		    now_ms - si->last_event_ms : 0)) : NULL);
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *
snap_by_model(const struct metrics *m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < m->nmodels; i++) {
		const struct model_stats *ms = &m->models[i];
		json_t *e = json_object();

		snap_set(e, "modelId", snap_str(ms->model_id));
		snap_set(e, "calls", snap_count(ms->calls));
		snap_set(e, "inputTokens", json_integer(ms->input_tokens));
		snap_set(e, "outputTokens", json_integer(ms->output_tokens));
		snap_set(e, "cost", snap_usd(ms->cost_nusd));
		snap_set(e, "avgLatency", snap_sec(ms->avg_latency_ms));
		snap_set(e, "errors", snap_count(ms->errors));
		json_array_append_new(a, e);
	}
	return a;
}

/* Add n to the count under key in o (a kind may be named "other" too). */
static void
snap_add_count(json_t *o, const char *key, uint64_t n)
{
	json_t *prev = json_object_get(o, key);

	if (prev != NULL)
		n += (uint64_t)json_integer_value(prev);
	json_object_set_new(o, key, snap_count(n));
}

static json_t *
snap_tools(const struct metrics *m)
{
	json_t *a = json_array();
	size_t i;
	int k;

	for (i = 0; i < m->ntools; i++) {
		const struct tool_stats *t = &m->tools[i];
		json_t *e = json_object(), *kinds = json_object();

		snap_set(e, "toolId", snap_str(t->tool_id));
		snap_set(e, "calls", snap_count(t->calls));
		snap_set(e, "p95", snap_sec(t->p95_ms));
		snap_set(e, "errors", snap_count(t->errors));
		for (k = 0; k < t->nkinds && k < METRICS_ERROR_KINDS; k++) {
			if (t->kinds[k].kind != NULL)
				snap_add_count(kinds, t->kinds[k].kind,
				    t->kinds[k].count);
		}
		if (t->kinds_other > 0)
			snap_add_count(kinds, "other", t->kinds_other);
		snap_set(e, "errorsByKind", kinds);
		snap_set(e, "timeouts", snap_count(t->timeouts));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *
snap_queues(const struct metrics *m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < m->nqueues; i++) {
		const struct queue_stats *q = &m->queues[i];
		json_t *e = json_object();

		snap_set(e, "name", snap_str(q->name));
		snap_set(e, "depth", json_integer(q->depth));
		snap_set(e, "depthSource", json_string(q->from_gauge ? "gauge" :
		    "events"));
		snap_set(e, "paused", q->paused >= 0 ? json_boolean(q->paused) :
		    NULL);
		snap_set(e, "queued", snap_count(q->queued));
		snap_set(e, "oldestWait", q->oldest_wait_ms >= 0 ?
		    snap_sec((double)q->oldest_wait_ms) : NULL);
		snap_set(e, "avgWait", snap_sec(q->avg_wait_ms));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *
snap_flagged(const struct metrics *m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < m->nflags && i < SNAPSHOT_LIVE_MAX; i++) {
		const struct flagged *f = &m->flags[i];
		json_t *e = json_object();
		char why[160];

		snap_set(e, "runId", json_string(f->run->id));
		snap_set(e, "agentName", snap_str(f->run->agent_name));
		snap_set(e, "reason", json_string(flag_reason_name(f->reason)));
		snap_set(e, "elapsed", snap_sec((double)f->elapsed_ms));
		snap_set(e, "expected", snap_sec((double)f->expected_ms));
		snap_set(e, "cost", snap_usd(f->cost_nusd));
		snap_set(e, "projectedCost", f->projected_nusd >= 0 ?
		    snap_usd(f->projected_nusd) : NULL);
		snap_set(e, "why", json_string(metrics_flag_why(f, why,
		    sizeof why)));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *
snap_totals(const struct metrics *m)
{
	json_t *o = json_object();

	snap_set(o, "inputTokens", json_integer(m->input_tokens));
	snap_set(o, "outputTokens", json_integer(m->output_tokens));
	snap_set(o, "tokens", json_integer(m->input_tokens > INT64_MAX -
	    m->output_tokens ? INT64_MAX : m->input_tokens + m->output_tokens));
	snap_set(o, "cost", snap_usd(m->cost_nusd));
	return o;
}

json_t *
snapshot_build(const struct metrics *m, const struct store *st,
    const struct filter *f, const char *filter_expr)
{
	return snapshot_build_held(m, st, f, filter_expr, NULL);
}

json_t *
snapshot_build_held(const struct metrics *m, const struct store *st,
    const struct filter *f, const char *filter_expr, const struct snap_hold *h)
{
	json_t *o = json_object(), *win, *runs, *rc;
	struct errors *errs;
	const struct run **list;
	char tf[32];
	size_t i, n, counts[2];

	snap_set(o, "schemaVersion", json_integer(SNAPSHOT_SCHEMA_VERSION));
	snap_set(o, "generatedAt", snap_time(m->now_ms));
	snap_timeframe(m->window_ms, tf, sizeof tf);
	snap_set(o, "timeframe", json_string(tf));
	snap_set(o, "workspaceId", snap_workspace(st, f, h));
	win = json_object();
	snap_set(win, "from", snap_time(m->now_ms - m->window_ms));
	snap_set(win, "to", snap_time(m->now_ms));
	if (m->window_ms % 1000 == 0)
		snap_set(win, "seconds", json_integer(m->window_ms / 1000));
	else
		snap_set(win, "seconds", snap_sec((double)m->window_ms));
	snap_set(o, "window", win);
	snap_set(o, "filter", filter_expr != NULL && *filter_expr != '\0' ?
	    json_string(filter_expr) : NULL);

	snap_set(o, "realtime", snap_realtime(m));
	snap_set(o, "throughput", snap_throughput(m));
	snap_set(o, "latency", snap_latency(m));
	snap_set(o, "performance", snap_performance(m));
	snap_set(o, "patterns", snap_patterns(m));
	snap_set(o, "resources", snap_resources(m));

	snap_set(o, "sources", snap_sources(m->now_ms));
	snap_set(o, "byModel", snap_by_model(m));
	snap_set(o, "tools", snap_tools(m));
	snap_set(o, "queues", snap_queues(m));
	runs = json_array();
	n = snap_select_runs(st, f, m->now_ms, m->window_ms, SNAPSHOT_LIVE_MAX,
	    SNAPSHOT_RUNS_FINISHED, &list, counts);
	for (i = 0; i < n; i++)
		json_array_append_new(runs, snapshot_run_json(list[i], m->now_ms));
	free(list);
	snap_set(o, "runs", runs);
	rc = json_object();
	snap_set(rc, "unfinished", snap_count(counts[0]));
	snap_set(rc, "finished", snap_count(counts[1] + snap_hold_finished(h)));
	snap_set(o, "runCounts", rc);
	snap_set(o, "flagged", snap_flagged(m));
	snap_set(o, "flaggedTotal", snap_count(m->nflags));
	errs = errors_compute_from(st, f, m->now_ms, m->window_ms,
	    snap_hold_errors(h));
	snap_set(o, "topErrors", errors_json(errs, SNAPSHOT_TOP_ERRORS));
	snap_set(o, "topErrorsTotal", snap_count(errs->ngroups));
	errors_free(errs);
	snap_set(o, "totals", snap_totals(m));
	/* Estimated costs (prices.c) are said to be so. */
	json_object_set_new(json_object_get(o, "totals"), "costEstimated",
	    json_boolean(store_estimated_runs(st) > 0));
	return o;
}

int
snapshot_write(const json_t *j, FILE *f)
{
	if (event_json_write(j, f, SNAP_DUMP_FLAGS, isatty(fileno(f))) != 0 ||
	    fputc('\n', f) == EOF)
		return -1;
	return 0;
}
