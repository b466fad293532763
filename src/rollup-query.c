/* execmon - the figures of a window from the rollup's minutes. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "filter.h"
#include "hist.h"
#include "metrics-int.h"
#include "rollup-int.h"
#include "rollup.h"
#include "store.h"
#include "xmalloc.h"

/*
 * A window W = (from, now] and the one before it, P = (pfrom, from], are
 * read from the minutes that overlap (pfrom, now]. A minute whose counted
 * times all lie in W (or all in P) is merged whole; the at most three that
 * an edge cuts (those holding pfrom, from and now, unless everything they
 * counted is on one side) are split exactly over the runs they list. The
 * live runs are the rollup's set of unfinished runs, and the runs that
 * finished after now (a now in the past). So a computation costs the
 * minutes of the two windows, the runs of their cut minutes and the live
 * runs, never the runs held.
 */

struct aw {                /* an agent over the windows */
	int touched;
	uint64_t executions, completed, failed, cancelled;
	rwide exec_sum, in, out, cost;
	uint64_t exec_n;
	struct hist exec;      /* W and P */
	int32_t id;            /* smallest agent id, -1 = none */
};

struct mw {
	uint64_t calls, errors, dur_n;
	rwide in, out, cost, dur_sum;
};

struct tw {
	uint64_t calls, errors, timeouts;
	struct hist dur;
	struct rcount *kinds;
	uint32_t nkinds, capkinds;
};

struct qw {
	uint64_t wait_n;
	rwide wait_sum;
};

struct hw {
	uint64_t executions, completed, exec_n;
	rwide exec_sum;
};

struct racc {
	struct rollup *ru;
	int64_t now, from, pfrom;
	uint64_t total, completed, failed, cancelled, ptotal, pcompleted;
	uint64_t dist[DIST__COUNT];
	struct hist queue, exec, e2e, pexec;
	rwide in, out, cost;
	struct hw hours[24];
	struct aw *ag;
	struct mw *mo;
	struct tw *to;
	struct qw *qu;
	size_t nag, nmo, nto, nqu;
	struct minute *mins;   /* the series' minutes with data */
	size_t nmins, capmins;
	const struct run **run, **que; /* running and queued at now */
	size_t nrun, caprun, nque, capque;
};

/* Grow a dense per-group array to hold index id. */
static void *
dense(void *p, size_t *n, size_t id, size_t sz)
{
	size_t m = *n;

	if (id < m)
		return p;
	*n = id + 16;
	p = xreallocarray(p, *n, sz);
	memset((char *)p + m * sz, 0, (*n - m) * sz);
	return p;
}

static struct aw *
agent_at(struct racc *a, uint32_t gid)
{
	size_t was = a->nag;

	a->ag = dense(a->ag, &a->nag, gid, sizeof *a->ag);
	for (size_t i = was; i < a->nag; i++)
		a->ag[i].id = -1;
	a->ag[gid].touched = 1;
	return &a->ag[gid];
}

static void
agent_id(struct racc *a, struct aw *w, int32_t id)
{
	if (id >= 0 && (w->id < 0 || strcmp(a->ru->ids.name[id],
	    a->ru->ids.name[w->id]) < 0))
		w->id = id;
}

/* Add a minute's sparse histogram into a dense one. */
static void
shmerge(struct hist *dst, const struct shist *src)
{
	if (src->count == 0)
		return;
	if (dst->b == NULL)
		dst->b = xcalloc(HIST_BUCKETS, sizeof *dst->b);
	for (uint32_t i = 0; i < src->n; i++)
		dst->b[src->e[i].idx] += src->e[i].c;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum = (int64_t)((uint64_t)dst->sum + src->sum);
}

static int
hour_of(int64_t t)
{
	int h = (int)(metrics_floor_to(t, 3600000) / 3600000 % 24);

	return h < 0 ? h + 24 : h;
}

static void
push_minute(struct racc *a, const struct minute *mn)
{
	if (mn->finished == 0 && mn->started == 0)
		return;
	a->mins = metrics_grow(a->mins, &a->capmins, a->nmins + 1,
	    sizeof *a->mins);
	a->mins[a->nmins++] = *mn;
}

static void
merge_w(struct racc *a, struct rbucket *b)
{
	struct minute mn;
	struct hw *h = &a->hours[hour_of(b->t0)];
	uint32_t i, k;

	if (b->stale)
		ru_refresh(a->ru, b);
	a->total += b->total;
	a->completed += b->completed;
	a->failed += b->failed;
	a->cancelled += b->cancelled;
	for (i = 0; i < DIST__COUNT; i++)
		a->dist[i] += b->dist[i];
	shmerge(&a->queue, &b->queue);
	shmerge(&a->exec, &b->exec);
	shmerge(&a->e2e, &b->e2e);
	a->in += b->in;
	a->out += b->out;
	a->cost += b->cost;
	h->executions += b->total;
	h->completed += b->completed;
	h->exec_n += b->exec.count;
	h->exec_sum += b->exec_sum;

	memset(&mn, 0, sizeof mn);
	mn.t0 = b->t0;
	mn.finished = b->total;
	mn.completed = b->completed;
	mn.failed = b->failed;
	mn.cancelled = b->cancelled;
	mn.started = b->started;
	mn.exec_n = b->exec.count;
	mn.exec_sum_ms = ru_clamp(b->exec_sum);
	mn.exec_sumsq = ru_clamp(b->exec_sumsq);
	mn.exec_max_ms = b->exec.count > 0 ? b->exec.max : 0;
	push_minute(a, &mn);

	for (i = 0; i < b->nag; i++) {
		const struct ragent *g = &b->ag[i];
		struct aw *w;

		if (g->executions == 0)
			continue;
		w = agent_at(a, g->gid);
		w->executions += g->executions;
		w->completed += g->completed;
		w->failed += g->failed;
		w->cancelled += g->cancelled;
		w->exec_sum += g->exec_sum;
		w->exec_n += g->exec.count;
		w->in += g->in;
		w->out += g->out;
		w->cost += g->cost;
		shmerge(&w->exec, &g->exec);
		for (k = 0; k < g->nids; k++)
			agent_id(a, w, (int32_t)g->ids[k].id);
	}
	for (i = 0; i < b->nmo; i++) {
		const struct rmodel *g = &b->mo[i];
		struct mw *w;

		if (g->calls == 0)
			continue;
		a->mo = dense(a->mo, &a->nmo, g->gid, sizeof *a->mo);
		w = &a->mo[g->gid];
		w->calls += g->calls;
		w->errors += g->errors;
		w->dur_n += g->dur_n;
		w->in += g->in;
		w->out += g->out;
		w->cost += g->cost;
		w->dur_sum += g->dur_sum;
	}
	for (i = 0; i < b->nto; i++) {
		const struct rtool *g = &b->to[i];
		struct tw *w;

		if (g->calls == 0)
			continue;
		a->to = dense(a->to, &a->nto, g->gid, sizeof *a->to);
		w = &a->to[g->gid];
		w->calls += g->calls;
		w->errors += g->errors;
		w->timeouts += g->timeouts;
		shmerge(&w->dur, &g->dur);
		for (k = 0; k < g->nkinds; k++)
			ru_count_add(&w->kinds, &w->nkinds, &w->capkinds,
			    g->kinds[k].id, g->kinds[k].n);
	}
	for (i = 0; i < b->nqu; i++) {
		if (b->qu[i].wait_n == 0)
			continue;
		a->qu = dense(a->qu, &a->nqu, b->qu[i].gid, sizeof *a->qu);
		a->qu[b->qu[i].gid].wait_n += b->qu[i].wait_n;
		a->qu[b->qu[i].gid].wait_sum += b->qu[i].wait_sum;
	}
}

static void
merge_p(struct racc *a, struct rbucket *b)
{
	uint32_t i, k;

	if (b->stale)
		ru_refresh(a->ru, b);
	a->ptotal += b->total;
	a->pcompleted += b->completed;
	shmerge(&a->pexec, &b->exec);
	for (i = 0; i < b->nag; i++) {
		const struct ragent *g = &b->ag[i];
		struct aw *w;

		if (g->executions == 0)
			continue;
		w = agent_at(a, g->gid);
		shmerge(&w->exec, &g->exec);
		for (k = 0; k < g->nids; k++)
			agent_id(a, w, (int32_t)g->ids[k].id);
	}
}

/* One run finished in W, as the reference engine's fold_current. */
static void
fin_w(struct racc *a, const struct rfin *f, struct minute *mn)
{
	struct aw *w = agent_at(a, f->agent);
	struct hw *h = &a->hours[hour_of(f->t)];

	agent_id(a, w, f->id);
	a->total++;
	w->executions++;
	mn->finished++;
	h->executions++;
	if (f->status == RUN_COMPLETED) {
		a->completed++;
		w->completed++;
		mn->completed++;
		h->completed++;
	} else if (f->status == RUN_FAILED) {
		a->failed++;
		w->failed++;
		mn->failed++;
	} else {
		a->cancelled++;
		w->cancelled++;
		mn->cancelled++;
	}
	if (f->q >= 0)
		hist_record(&a->queue, f->q);
	if (f->e >= 0)
		hist_record(&a->e2e, f->e);
	if (f->x >= 0) {
		hist_record(&a->exec, f->x);
		hist_record(&w->exec, f->x);
		a->dist[metrics_dist_bucket(f->x)]++;
		w->exec_sum += f->x;
		w->exec_n++;
		mn->exec_sum_ms = store_add_sat(mn->exec_sum_ms, f->x);
		mn->exec_n++;
		if (f->x > mn->exec_max_ms)
			mn->exec_max_ms = f->x;
		mn->exec_sumsq = store_add_sat(mn->exec_sumsq,
		    f->x > 3000000000LL ? INT64_MAX : f->x * f->x);
		h->exec_sum += f->x;
		h->exec_n++;
	}
	w->in += f->in;
	w->out += f->out;
	w->cost += f->cost;
	a->in += f->in;
	a->out += f->out;
	a->cost += f->cost;
}

static void
fin_p(struct racc *a, const struct rfin *f)
{
	struct aw *w = agent_at(a, f->agent);

	agent_id(a, w, f->id);
	a->ptotal++;
	if (f->status == RUN_COMPLETED)
		a->pcompleted++;
	if (f->x >= 0) {
		hist_record(&a->pexec, f->x);
		hist_record(&w->exec, f->x);
	}
}

static void
call_w(struct racc *a, const struct rcall *c)
{
	struct mw *m;
	struct tw *t;

	if (c->type == EV_LLM_CALL) {
		a->mo = dense(a->mo, &a->nmo, c->group, sizeof *a->mo);
		m = &a->mo[c->group];
		m->calls++;
		m->errors += c->err;
		if (c->has & EF_INPUT_TOKENS)
			m->in += c->in;
		if (c->has & EF_OUTPUT_TOKENS)
			m->out += c->out;
		if (c->has & EF_COST_USD)
			m->cost += c->cost;
		if (c->has & EF_DURATION_MS) {
			m->dur_sum += c->dur;
			m->dur_n++;
		}
		return;
	}
	a->to = dense(a->to, &a->nto, c->group, sizeof *a->to);
	t = &a->to[c->group];
	t->calls++;
	t->errors += c->err;
	t->timeouts += c->timeout;
	if (c->has & EF_DURATION_MS)
		hist_record(&t->dur, c->dur);
	if (c->kind >= 0)
		ru_count_add(&t->kinds, &t->nkinds, &t->capkinds,
		    (uint32_t)c->kind, 1);
}

/* A finish in a minute an edge cuts, on its side. */
static void
split_fin(struct racc *a, const struct rfin *f, struct minute *mn)
{
	if (f->t > a->from && f->t <= a->now)
		fin_w(a, f, mn);
	else if (f->t > a->pfrom && f->t <= a->from)
		fin_p(a, f);
}

/* A start in a minute an edge cuts: counted when in the window. */
static void
split_start(struct racc *a, const struct rstart *s, struct minute *mn)
{
	if (s->t <= a->from || s->t > a->now)
		return;
	mn->started++;
	if (s->queue >= 0) {
		a->qu = dense(a->qu, &a->nqu, (size_t)s->queue, sizeof *a->qu);
		a->qu[s->queue].wait_n++;
		a->qu[s->queue].wait_sum += s->wait;
	}
}

/* A minute an edge cuts: its runs and what evicted ones left, each on its side. */
static void
split(struct racc *a, struct rbucket *b)
{
	struct rollup *ru = a->ru;
	const struct run *r;
	struct minute mn;
	struct rfin f;
	struct rstart s;
	size_t i = 0, n, k;
	int64_t lo, hi;

	memset(&mn, 0, sizeof mn);
	mn.t0 = b->t0;
	if (b->gtmin <= b->gtmax && b->gtmax > a->pfrom && b->gtmin <= a->now)
		ru->inexact++;  /* an evicted run gave something this side */
	while ((r = pset_next(&b->fins, &i)) != NULL) {
		ru_fin_of(ru, r, &f);
		split_fin(a, &f, &mn);
	}
	for (k = 0; k < b->nkfin; k++)
		split_fin(a, &b->kfin[k], &mn);
	i = 0;
	while ((r = pset_next(&b->starts, &i)) != NULL) {
		ru_start_of(ru, r, &s);
		split_start(a, &s, &mn);
	}
	for (k = 0; k < b->nkstart; k++)
		split_start(a, &b->kstart[k], &mn);
	lo = b->t0 > a->from ? b->t0 : a->from + 1;
	hi = b->t0 + RU_MINUTE - 1 < a->now ? b->t0 + RU_MINUTE - 1 : a->now;
	i = 0;
	while (lo <= hi && (r = pset_next(&b->calls, &i)) != NULL) {
		n = ru_calls_of(ru, r, lo, hi, &ru->nc, &ru->capnc);
		for (k = 0; k < n; k++)
			call_w(a, &ru->nc[k]);
	}
	for (k = 0; k < b->nkcall; k++)
		if (b->kcall[k].t >= lo && b->kcall[k].t <= hi)
			call_w(a, &b->kcall[k]);
	push_minute(a, &mn);
}

/* A run live at now: running or queued then. */
static void
live_one(struct racc *a, const struct run *r)
{
	int running = r->started_ms != 0 && r->started_ms <= a->now;
	int queued = !running && r->queued_ms != 0 && r->queued_ms <= a->now;
	struct aw *w;

	if (!running && !queued)
		return;
	w = agent_at(a, ru_intern(&a->ru->agents, r->agent_name != NULL ?
	    r->agent_name : r->agent_id != NULL ? r->agent_id : NONE_NAME));
	agent_id(a, w, r->agent_id != NULL ?
	    (int32_t)ru_intern(&a->ru->ids, r->agent_id) : -1);
	if (running) {
		a->run = metrics_grow(a->run, &a->caprun, a->nrun + 1,
		    sizeof *a->run);
		a->run[a->nrun++] = r;
	} else {
		a->que = metrics_grow(a->que, &a->capque, a->nque + 1,
		    sizeof *a->que);
		a->que[a->nque++] = r;
	}
}

static void
accumulate(struct racc *a)
{
	struct rollup *ru = a->ru;
	struct rbucket *b;
	const struct run *r;
	size_t i, j;
	int64_t lo, hi;

	for (i = ru_bucket_seek(ru, a->pfrom + 1); i < ru->nb; i++) {
		b = ru->b[i];
		if (b->t0 > a->now)
			break;
		if (b->tmin > b->tmax)
			continue;       /* nothing counted */
		lo = b->tmin > b->t0 ? b->tmin : b->t0;
		hi = b->tmax < b->t0 + RU_MINUTE - 1 ? b->tmax :
		    b->t0 + RU_MINUTE - 1;
		if (lo > a->from && hi <= a->now)
			merge_w(a, b);
		else if (lo > a->pfrom && hi <= a->from)
			merge_p(a, b);
		else if (hi > a->pfrom && lo <= a->now)
			split(a, b);
	}
	i = 0;
	while ((r = pset_next(&ru->live, &i)) != NULL)
		live_one(a, r);
	/* runs that finished after now were live at now */
	for (i = ru_bucket_seek(ru, a->now); i < ru->nb; i++) {
		b = ru->b[i];
		if (b->tmax <= a->now)
			continue;
		j = 0;
		while ((r = pset_next(&b->fins, &j)) != NULL) {
			if (r->finished_ms > a->now)
				live_one(a, r);
		}
	}
}

static size_t
touched(const struct racc *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nag; i++)
		n += a->ag[i].touched;
	return n;
}

static size_t
count_used(const void *base, size_t n, size_t sz)
{
	size_t k = 0;

	/* calls is the first field of mw and tw */
	for (size_t i = 0; i < n; i++)
		k += *(const uint64_t *)(const void *)((const char *)base + i * sz) > 0;
	return k;
}

static void
racc_done(struct racc *a)
{
	size_t i;

	hist_done(&a->queue);
	hist_done(&a->exec);
	hist_done(&a->e2e);
	hist_done(&a->pexec);
	for (i = 0; i < a->nag; i++)
		hist_done(&a->ag[i].exec);
	for (i = 0; i < a->nto; i++) {
		hist_done(&a->to[i].dur);
		free(a->to[i].kinds);
	}
	free(a->ag);
	free(a->mo);
	free(a->to);
	free(a->qu);
	free(a->mins);
	free(a->run);
	free(a->que);
}

/* The accumulated figures into the reference engine's context. */
static void
build(struct racc *a, struct ctx *c)
{
	struct rollup *ru = a->ru;
	struct metrics *m = c->m;
	struct queue_stats *qs;
	struct queue_acc *qa;
	const struct run *r;
	size_t i, k;

	m->runs_seen = store_nruns(c->st);
	m->total = a->total;
	m->completed = a->completed;
	m->failed = a->failed;
	m->cancelled = a->cancelled;
	memcpy(m->dist, a->dist, sizeof m->dist);
	m->prev.total = a->ptotal;
	m->prev.completed = a->pcompleted;
	c->queue = a->queue;
	c->exec = a->exec;
	c->e2e = a->e2e;
	c->pexec = a->pexec;
	hist_init(&a->queue);
	hist_init(&a->exec);
	hist_init(&a->e2e);
	hist_init(&a->pexec);
	m->input_tokens = ru_clamp(a->in);
	m->output_tokens = ru_clamp(a->out);
	m->cost_nusd = ru_clamp(a->cost);
	for (i = 0; i < 24; i++) {
		m->hours[i].executions = a->hours[i].executions;
		m->hours[i].completed = a->hours[i].completed;
		m->hours[i].exec_n = a->hours[i].exec_n;
		m->hours[i].exec_sum_ms = ru_clamp(a->hours[i].exec_sum);
	}
	for (i = 0; i < a->nag; i++) {
		struct aw *w = &a->ag[i];
		struct agent_stats *ag;

		if (!w->touched)
			continue;
		k = metrics_agent_named(c, ru->agents.name[i],
		    w->id >= 0 ? ru->ids.name[w->id] : NULL);
		ag = &m->agents[k];
		ag->executions = w->executions;
		ag->completed = w->completed;
		ag->failed = w->failed;
		ag->cancelled = w->cancelled;
		ag->input_tokens = ru_clamp(w->in);
		ag->output_tokens = ru_clamp(w->out);
		ag->cost_nusd = ru_clamp(w->cost);
		ag->exec = w->exec;
		hist_init(&w->exec);
		c->aacc[k].exec_sum = ru_clamp(w->exec_sum);
		c->aacc[k].exec_n = w->exec_n;
	}
	for (i = 0; i < a->nmo; i++) {
		struct mw *w = &a->mo[i];
		struct model_stats *ms;

		if (w->calls == 0)
			continue;
		k = metrics_model_index(c, ru->models.name[i]);
		ms = &m->models[k];
		ms->calls = w->calls;
		ms->errors = w->errors;
		ms->input_tokens = ru_clamp(w->in);
		ms->output_tokens = ru_clamp(w->out);
		ms->cost_nusd = ru_clamp(w->cost);
		c->macc[k].dur_sum = ru_clamp(w->dur_sum);
		c->macc[k].dur_n = w->dur_n;
	}
	for (i = 0; i < a->nto; i++) {
		struct tw *w = &a->to[i];
		struct tool_stats *ts;

		if (w->calls == 0)
			continue;
		k = metrics_tool_index(c, ru->tools.name[i]);
		ts = &m->tools[k];
		ts->calls = w->calls;
		ts->errors = w->errors;
		ts->timeouts = w->timeouts;
		hist_done(&ts->dur);
		ts->dur = w->dur;
		hist_init(&w->dur);
		for (uint32_t j = 0; j < w->nkinds; j++) {
			if (w->kinds[j].n > 0)
				metrics_tool_kind(&c->tacc[k],
				    ru->kinds.name[w->kinds[j].id],
				    w->kinds[j].n);
		}
	}
	for (i = 0; i < a->nqu; i++) {
		if (a->qu[i].wait_n == 0 ||
		    (qs = metrics_queue_find(c, ru->queues.name[i], &qa)) == NULL)
			continue;
		qa->wait_sum = ru_clamp(a->qu[i].wait_sum);
		qa->wait_n = a->qu[i].wait_n;
	}
	for (i = 0; i < a->nmins; i++)
		*metrics_minute_at(c, a->mins[i].t0) = a->mins[i];
	for (i = 0; i < a->nrun; i++) {
		r = a->run[i];
		m->agents[metrics_agent_find(c, r)].running++;
		metrics_live_push(&m->running, &m->nrunning, &c->rcap, r,
		    c->now - r->started_ms);
	}
	for (i = 0; i < a->nque; i++) {
		r = a->que[i];
		m->agents[metrics_agent_find(c, r)].queued++;
		metrics_live_push(&m->queued, &m->nqueued, &c->qcap, r,
		    c->now - r->queued_ms);
		c->wait_sum = store_add_sat(c->wait_sum, c->now - r->queued_ms);
		qs = metrics_queue_find(c, metrics_run_queue(r), &qa);
		if (qs != NULL) {
			if (qs->queued == 0 || r->queued_ms < qa->oldest_ms)
				qa->oldest_ms = r->queued_ms;
			qs->queued++;
		}
	}
}

struct metrics *
rollup_metrics(struct rollup *ru, const struct store *st,
    const struct filter *f, int64_t now_ms, int64_t window_ms)
{
	struct racc a;
	struct ctx c;

	if (filter_active(f))
		return NULL;
	if (window_ms < 1)
		window_ms = 1;
	memset(&a, 0, sizeof a);
	a.ru = ru;
	a.now = now_ms;
	a.from = now_ms - window_ms;
	a.pfrom = a.from - window_ms;
	if (ru->horizon != INT64_MIN && a.pfrom + 1 < ru->horizon)
		return NULL;
	accumulate(&a);
	if (touched(&a) > METRICS_GROUPS_MAX ||
	    count_used(a.mo, a.nmo, sizeof *a.mo) > METRICS_GROUPS_MAX ||
	    count_used(a.to, a.nto, sizeof *a.to) > METRICS_GROUPS_MAX) {
		racc_done(&a);
		return NULL;
	}
	metrics_ctx_start(&c, st, now_ms, window_ms);
	build(&a, &c);
	racc_done(&a);
	return metrics_ctx_finish(&c);
}

/*
 * The figures of a window (metrics.h): from the store's rollup when it has one
 * that can answer, else the reference pass over the runs held (metrics.c).
 * It lives here, not in metrics.c, so that the metrics do not depend on the
 * rollup that depends on them.
 */
struct metrics *
metrics_compute(const struct store *st, const struct filter *f,
    int64_t now_ms, int64_t window_ms)
{
	struct rollup *ru = rollup_of(st);
	struct metrics *m;

	if (ru != NULL && (m = rollup_metrics(ru, st, f, now_ms, window_ms)) != NULL)
		return m;
	if (ru != NULL && store_evicted(st) > 0)
		ru->inexact++;  /* the pass sees only the runs still held */
	return metrics_compute_full(st, f, now_ms, window_ms);
}
