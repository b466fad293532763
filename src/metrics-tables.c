/* execmon - the figures' tables: agents, models, tools and queues, finished and sorted. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics-int.h"
#include "xmalloc.h"

static int
cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int
cmp_agent(const void *a, const void *b)
{
	const struct agent_stats *x = a, *y = b;
	int d = cmp_u64_desc(x->executions, y->executions);

	return d != 0 ? d : strcmp(x->agent_name, y->agent_name);
}

static int
cmp_model(const void *a, const void *b)
{
	const struct model_stats *x = a, *y = b;
	int d = cmp_u64_desc(x->calls, y->calls);

	return d != 0 ? d : strcmp(x->model_id, y->model_id);
}

static int
cmp_tool(const void *a, const void *b)
{
	const struct tool_stats *x = a, *y = b;
	int d = cmp_u64_desc(x->calls, y->calls);

	return d != 0 ? d : strcmp(x->tool_id, y->tool_id);
}

static int
cmp_queue(const void *a, const void *b)
{
	const struct queue_stats *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
cmp_kind(const void *a, const void *b)
{
	const struct kind_count *x = a, *y = b;
	int d = cmp_u64_desc(x->count, y->count);

	return d != 0 ? d : strcmp(x->kind, y->kind);
}

/* Drop agents with nothing in W and nothing live; sort the rest. */
void
metrics_agents_finish(struct ctx *c)
{
	struct metrics *m = c->m;
	struct agent_stats *a;
	size_t i, n = 0;

	for (i = 0; i < m->nagents; i++) {
		a = &m->agents[i];
		if (a->executions == 0 && a->running == 0 && a->queued == 0) {
			hist_done(&a->exec);
			continue;
		}
		if (c->aacc[i].exec_n > 0)
			a->avg_runtime_ms = (double)c->aacc[i].exec_sum /
			    (double)c->aacc[i].exec_n;
		m->agents[n++] = *a;
	}
	m->nagents = n;
	metrics_sort(m->agents, n, sizeof *m->agents, cmp_agent);
}

void
metrics_models_finish(struct ctx *c)
{
	struct metrics *m = c->m;
	size_t i;

	for (i = 0; i < m->nmodels; i++) {
		if (c->macc[i].dur_n > 0)
			m->models[i].avg_latency_ms =
			    (double)c->macc[i].dur_sum /
			    (double)c->macc[i].dur_n;
	}
	metrics_sort(m->models, m->nmodels, sizeof *m->models, cmp_model);
}

void
metrics_tools_finish(struct ctx *c)
{
	struct metrics *m = c->m;
	struct tool_stats *ts;
	struct tool_acc *ta;
	size_t i, k;

	for (i = 0; i < m->ntools; i++) {
		ts = &m->tools[i];
		ta = &c->tacc[i];
		if (ts->dur.count > 0)
			ts->p95_ms = hist_quantile(&ts->dur, 0.95);
		metrics_sort(ta->k, ta->nk, sizeof *ta->k, cmp_kind);
		for (k = 0; k < ta->nk; k++) {
			if (k < METRICS_ERROR_KINDS) {
				ts->kinds[k].kind = ta->k[k].kind;
				ts->kinds[k].count = ta->k[k].count;
				ts->nkinds++;
			} else
				ts->kinds_other += ta->k[k].count;
		}
	}
	metrics_sort(m->tools, m->ntools, sizeof *m->tools, cmp_tool);
}

/* Every queue of the store, before the run pass (which fills counts). */
void
metrics_queues_start(struct ctx *c)
{
	struct metrics *m = c->m;
	const struct queue_state *qst;
	size_t i, n = store_nqueues(c->st);

	m->nqueues = n;
	m->queues = xcalloc(n, sizeof *m->queues);
	c->qacc = xcalloc(n, sizeof *c->qacc);
	for (i = 0; i < n; i++) {
		qst = store_queue_at(c->st, i);
		m->queues[i].name = qst->name;
		map_put(c->queue_map, qst->name, (void *)(uintptr_t)(i + 1));
	}
}

void
metrics_queues_finish(struct ctx *c)
{
	struct metrics *m = c->m;
	const struct queue_state *qst;
	struct queue_stats *qs;
	size_t i;

	for (i = 0; i < m->nqueues; i++) {
		qs = &m->queues[i];
		qst = store_queue_at(c->st, i);
		qs->from_gauge = qst->gauge >= 0;
		qs->paused = qst->paused;
		qs->depth = qs->from_gauge ? qst->gauge : (int64_t)qs->queued;
		qs->oldest_wait_ms = qs->queued > 0 ?
		    c->now - c->qacc[i].oldest_ms : -1;
		qs->avg_wait_ms = c->qacc[i].wait_n > 0 ?
		    (double)c->qacc[i].wait_sum / (double)c->qacc[i].wait_n :
		    -1;
		m->queue_depth = store_add_sat(m->queue_depth, qs->depth);
	}
}

void
metrics_queues_sort(struct ctx *c)
{
	metrics_sort(c->m->queues, c->m->nqueues, sizeof *c->m->queues, cmp_queue);
}

/* The latest worker sample at or before now, and the samples in W. */
void
metrics_workers(struct ctx *c)
{
	struct metrics *m = c->m;
	const struct worker_sample *w;
	size_t n = store_workers(c->st, &w), lo, hi, mid, first;

	if (n == 0)
		return;
	lo = 0;
	hi = n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w[mid].ts_ms <= c->from)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	hi = n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w[mid].ts_ms <= c->now)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		m->worker = &w[lo - 1];
		m->have_workers = 1;
	}
	if (lo > first) {
		m->samples = w + first;
		m->nsamples = lo - first;
	}
}
