/* execmon - per-minute rollups of every figure, kept up to date as runs change. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "hist.h"
#include "map.h"
#include "metrics-int.h"
#include "rollup-int.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The rollup. The store calls rollup_watch() before and after each event
 * changes a run, and before it frees an evicted one. What a run gives to
 * the figures is three things: its finish (counts, latencies, agent, tokens
 * and cost, in the minute of finished_ms), its start (the started count and
 * its queue wait, in the minute of started_ms) and each llm.call and
 * tool.call event of its log (in the minute of the event's ts). Before a
 * change the run's finish and start are noted; after it, when they differ,
 * the old ones are taken out of their minutes and the new ones put in.
 * Calls only ever arrive one at a time, so only the calls at the new
 * event's time are compared; a log at STORE_LOG_MAX (the oldest event goes)
 * has all its calls taken out and put back.
 *
 * Everything a minute holds is a count or a sum and subtracts exactly,
 * except the extremes (a minute's longest run, the min and max every
 * histogram answers with at its ends). Taking out a value equal to one
 * marks the minute stale; before it is next read, its extremes are found
 * again from the runs it lists (each minute lists the runs held that gave it
 * something) and from the extremes of the evicted runs it still counts.
 *
 * Sums are exact (128 bits) and clamped to int64 when read. The reference
 * engine adds with store_add_sat in store order; over terms of one sign that
 * is min(exact, bound) whatever the order, so the two agree. (Terms of both
 * signs that overflow along the way are order-dependent in the reference
 * engine itself; they come only from hostile input.)
 *
 * Evicted runs keep what they gave (the minutes outlive the runs, so a
 * wider window still has them) but leave the lists: a window edge inside a
 * minute is split over the runs still held. That is exact as long as the
 * evicted runs of that minute lie on the far side of the edge, which is the
 * case for every window the dashboard shows (it evicts runs older than two
 * windows).
 */

int64_t
ru_clamp(rwide v)
{
	if (v > INT64_MAX)
		return INT64_MAX;
	if (v < INT64_MIN)
		return INT64_MIN;
	return (int64_t)v;
}

/* ---- names ---- */

uint32_t
ru_intern(struct rgroups *g, const char *name)
{
	size_t slot = ((uintptr_t)name >> 4 ^ (uintptr_t)name >> 9) % RU_CACHE;
	void *v;

	if (g->cache[slot].ptr == name && strcmp(g->name[g->cache[slot].id], name) == 0)
		return g->cache[slot].id;
	v = map_get(g->map, name);
	if (v != NULL) {
		g->cache[slot].ptr = name;
		g->cache[slot].id = (uint32_t)((uintptr_t)v - 1);
		return g->cache[slot].id;
	}
	if (g->n == g->cap) {
		g->cap = g->cap == 0 ? 16 : g->cap * 2;
		g->name = xreallocarray(g->name, g->cap, sizeof *g->name);
	}
	g->name[g->n] = xstrdup(name);
	map_put(g->map, name, (void *)(uintptr_t)(g->n + 1));
	g->cache[slot].ptr = name;
	g->cache[slot].id = (uint32_t)g->n;
	return (uint32_t)g->n++;
}

int32_t
ru_lookup(const struct rgroups *g, const char *name)
{
	void *v = map_get(g->map, name);

	return v != NULL ? (int32_t)((uintptr_t)v - 1) : -1;
}

static void
groups_done(struct rgroups *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->name[i]);
	free(g->name);
	map_free(g->map);
}

/* ---- what a run gives ---- */

void
ru_fin_of(struct rollup *ru, const struct run *r, struct rfin *f)
{
	memset(f, 0, sizeof *f);
	if (!run_is_finished(r))
		return;
	f->on = 1;
	f->t = r->finished_ms;
	f->status = r->status;
	metrics_run_latencies(r, &f->q, &f->x, &f->e);
	f->agent = ru_intern(&ru->agents, r->agent_name != NULL ?
	    r->agent_name : r->agent_id != NULL ? r->agent_id : NONE_NAME);
	f->id = r->agent_id != NULL ? (int32_t)ru_intern(&ru->ids, r->agent_id) : -1;
	f->in = r->input_tokens;
	f->out = r->output_tokens;
	f->cost = r->cost_nusd;
}

void
ru_start_of(struct rollup *ru, const struct run *r, struct rstart *s)
{
	memset(s, 0, sizeof *s);
	s->queue = -1;
	s->wait = -1;
	if (r->started_ms == 0)
		return;
	s->on = 1;
	s->t = r->started_ms;
	if (r->queued_ms != 0 && r->started_ms >= r->queued_ms) {
		s->queue = (int32_t)ru_intern(&ru->queues, metrics_run_queue(r));
		s->wait = r->started_ms - r->queued_ms;
	}
}

static void
call_of(struct rollup *ru, const struct run *r, size_t at, struct rcall *c)
{
	struct log_figures ev;

	run_log_figures(r, at, &ev);
	memset(c, 0, sizeof *c);
	c->t = r->log[at].ts_ms;
	c->type = r->log[at].type;
	c->has = ev.has & (EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD |
	    EF_DURATION_MS);
	c->kind = -1;
	c->in = (c->has & EF_INPUT_TOKENS) ? ev.input_tokens : 0;
	c->out = (c->has & EF_OUTPUT_TOKENS) ? ev.output_tokens : 0;
	c->cost = (c->has & EF_COST_USD) ? store_usd_to_nusd(ev.cost_usd) : 0;
	c->dur = (c->has & EF_DURATION_MS) ? ev.duration_ms : 0;
	if (c->type == EV_LLM_CALL) {
		c->group = ru_intern(&ru->models, ev.model_id != NULL ?
		    ev.model_id : NONE_NAME);
		c->err = ev.finish_reason != NULL &&
		    strcmp(ev.finish_reason, "error") == 0;
		return;
	}
	c->group = ru_intern(&ru->tools, ev.tool_id != NULL ? ev.tool_id :
	    NONE_NAME);
	c->err = ev.outcome != NULL && strcmp(ev.outcome, "error") == 0;
	c->timeout = !c->err && ev.outcome != NULL &&
	    strcmp(ev.outcome, "timeout") == 0;
	if (ev.error_kind != NULL && (ev.outcome == NULL ||
	    strcmp(ev.outcome, "success") != 0))
		c->kind = (int32_t)ru_intern(&ru->kinds, ev.error_kind);
}

size_t
ru_calls_of(struct rollup *ru, const struct run *r, int64_t lo, int64_t hi,
    struct rcall **out, size_t *cap)
{
	size_t a = 0, b = r->nlog, mid, at, n = 0;

	if (r->llm_calls == 0 && r->tool_calls == 0)
		return 0;
	while (a < b) {
		mid = a + (b - a) / 2;
		if (r->log[mid].ts_ms < lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (at = a; at < r->nlog && r->log[at].ts_ms <= hi; at++) {
		if (r->log[at].type != EV_LLM_CALL &&
		    r->log[at].type != EV_TOOL_CALL)
			continue;
		*out = metrics_grow(*out, cap, n + 1, sizeof **out);
		call_of(ru, r, at, &(*out)[n++]);
	}
	return n;
}

static int
call_eq(const struct rcall *a, const struct rcall *b)
{
	return a->t == b->t && a->type == b->type && a->has == b->has &&
	    a->group == b->group && a->kind == b->kind && a->err == b->err &&
	    a->timeout == b->timeout && a->in == b->in && a->out == b->out &&
	    a->cost == b->cost && a->dur == b->dur;
}

static int
fin_eq(const struct rfin *a, const struct rfin *b)
{
	if (a->on != b->on)
		return 0;
	return !a->on || (a->t == b->t && a->status == b->status &&
	    a->q == b->q && a->x == b->x && a->e == b->e &&
	    a->agent == b->agent && a->id == b->id && a->in == b->in &&
	    a->out == b->out && a->cost == b->cost);
}

static int
start_eq(const struct rstart *a, const struct rstart *b)
{
	return a->on == b->on && (!a->on || (a->t == b->t &&
	    a->queue == b->queue && a->wait == b->wait));
}

/* ---- minutes ---- */

size_t
ru_bucket_seek(const struct rollup *ru, int64_t t)
{
	int64_t t0 = metrics_floor_to(t, RU_MINUTE);
	size_t lo = 0, hi = ru->nb, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ru->b[mid]->t0 < t0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct rbucket *
ru_bucket(const struct rollup *ru, int64_t t)
{
	size_t i = ru_bucket_seek(ru, t);

	if (i < ru->nb && ru->b[i]->t0 == metrics_floor_to(t, RU_MINUTE))
		return ru->b[i];
	return NULL;
}

static struct rbucket *
bucket_make(struct rollup *ru, int64_t t)
{
	size_t i = ru_bucket_seek(ru, t);
	struct rbucket *b;

	if (i < ru->nb && ru->b[i]->t0 == metrics_floor_to(t, RU_MINUTE))
		return ru->b[i];
	ru->b = metrics_grow(ru->b, &ru->capb, ru->nb + 1, sizeof *ru->b);
	memmove(&ru->b[i + 1], &ru->b[i], (ru->nb - i) * sizeof *ru->b);
	ru->nb++;
	b = ru->b[i] = xcalloc(1, sizeof *b);
	b->t0 = metrics_floor_to(t, RU_MINUTE);
	b->tmin = b->gtmin = INT64_MAX;
	b->tmax = b->gtmax = INT64_MIN;
	return b;
}

static void
bucket_free(struct rbucket *b)
{
	uint32_t i;

	free(b->queue.e);
	free(b->exec.e);
	free(b->e2e.e);
	for (i = 0; i < b->nag; i++) {
		free(b->ag[i].exec.e);
		free(b->ag[i].ids);
	}
	free(b->ag);
	free(b->mo);
	for (i = 0; i < b->nto; i++) {
		free(b->to[i].dur.e);
		free(b->to[i].kinds);
	}
	free(b->to);
	free(b->qu);
	pset_done(&b->fins);
	pset_done(&b->starts);
	pset_done(&b->calls);
	free(b->kfin);
	free(b->kstart);
	free(b->kcall);
	free(b);
}

/* The entry of group gid in a minute's sparse table, made on first use. */
#define ENTRY(arr, n, cap, id, out) do {				\
	uint32_t i_;							\
	for (i_ = 0; i_ < (n) && (arr)[i_].gid != (id); i_++)		\
		;							\
	if (i_ == (n)) {						\
		size_t c_ = (cap);					\
		(arr) = metrics_grow((arr), &c_, (size_t)(n) + 1,	\
		    sizeof *(arr));					\
		(cap) = (uint32_t)c_;					\
		memset(&(arr)[i_], 0, sizeof *(arr));			\
		(arr)[i_].gid = (id);					\
		(n)++;							\
	}								\
	(out) = &(arr)[i_];						\
} while (0)

void
ru_count_add(struct rcount **v, uint32_t *n, uint32_t *cap, uint32_t id,
    int64_t d)
{
	uint32_t i;
	size_t c;

	for (i = 0; i < *n && (*v)[i].id != id; i++)
		;
	if (i == *n) {
		if (d < 0)
			return;
		c = *cap;
		*v = metrics_grow(*v, &c, (size_t)*n + 1, sizeof **v);
		*cap = (uint32_t)c;
		(*v)[i].id = id;
		(*v)[i].n = 0;
		(*n)++;
	}
	if (d >= 0)
		(*v)[i].n += (uint32_t)d;
	else if (((*v)[i].n -= (uint32_t)-d) == 0)
		(*v)[i] = (*v)[--(*n)];
}

static void
span(struct rbucket *b, int64_t t)
{
	if (t < b->tmin)
		b->tmin = t;
	if (t > b->tmax)
		b->tmax = t;
}

/*
 * r in or out of one of b's sets of runs, as mode says (what it gave at t);
 * 0 when that is all there is to do (RU_GONE, RU_EXT), 1 when the figures
 * are to be counted too.
 */
static int
listed(struct rbucket *b, struct pset *set, const struct run *r, int64_t t,
    int mode)
{
	if (mode == RU_GONE) {
		pset_sub(set, r, 0);
		return 0;
	}
	if (mode == RU_EXT)
		return 0;
	if (mode == RU_ADD) {
		pset_add(set, r, 1);
		span(b, t);
	} else
		pset_sub(set, r, 1);
	return 1;
}

/* One value into a minute's histogram, as mode says. */
static void
hval(struct rbucket *b, struct shist *h, int64_t v, int mode)
{
	if (v < 0 && mode != RU_ADD && mode != RU_SUB)
		return;
	switch (mode) {
	case RU_ADD:
		if (v >= 0)
			shist_add(h, v);
		break;
	case RU_SUB:
		if (v >= 0 && shist_sub(h, v))
			b->stale = 1;
		break;
	case RU_GONE:
		shist_gone(h, v);
		break;
	default:
		shist_ext(h, v);
		break;
	}
}

static void
apply_fin(struct rbucket *b, const struct run *r, const struct rfin *f, int mode)
{
	int s = mode == RU_SUB ? -1 : 1;
	struct ragent *a;
	int64_t x = f->x;

	ENTRY(b->ag, b->nag, b->capag, f->agent, a);
	hval(b, &b->queue, f->q, mode);
	hval(b, &b->exec, x, mode);
	hval(b, &b->e2e, f->e, mode);
	hval(b, &a->exec, x, mode);
	if (!listed(b, &b->fins, r, f->t, mode))
		return;
	b->total += s;
	a->executions += s;
	if (f->status == RUN_COMPLETED) {
		b->completed += s;
		a->completed += s;
	} else if (f->status == RUN_FAILED) {
		b->failed += s;
		a->failed += s;
	} else {
		b->cancelled += s;
		a->cancelled += s;
	}
	if (x >= 0) {
		b->dist[metrics_dist_bucket(x)] += s;
		b->exec_sum += s * (rwide)x;
		b->exec_sumsq += s * (rwide)(x > 3000000000LL ? INT64_MAX : x * x);
		a->exec_sum += s * (rwide)x;
	}
	b->in += s * (rwide)f->in;
	b->out += s * (rwide)f->out;
	b->cost += s * (rwide)f->cost;
	a->in += s * (rwide)f->in;
	a->out += s * (rwide)f->out;
	a->cost += s * (rwide)f->cost;
	if (f->id >= 0)
		ru_count_add(&a->ids, &a->nids, &a->capids, (uint32_t)f->id, s);
}

static void
apply_start(struct rbucket *b, const struct run *r, const struct rstart *st,
    int mode)
{
	int s = mode == RU_SUB ? -1 : 1;
	struct rqueue *q;

	if (!listed(b, &b->starts, r, st->t, mode))
		return;
	b->started += s;
	if (st->queue >= 0) {
		ENTRY(b->qu, b->nqu, b->capqu, (uint32_t)st->queue, q);
		q->wait_n += s;
		q->wait_sum += s * (rwide)st->wait;
	}
}

static void
apply_call(struct rbucket *b, const struct run *r, const struct rcall *c,
    int mode)
{
	int s = mode == RU_SUB ? -1 : 1;
	struct rmodel *m;
	struct rtool *t = NULL;

	if (c->type == EV_TOOL_CALL) {
		ENTRY(b->to, b->nto, b->capto, c->group, t);
		/* hist_record counts a negative duration as 0 */
		if (c->has & EF_DURATION_MS)
			hval(b, &t->dur, c->dur < 0 ? 0 : c->dur, mode);
	}
	if (!listed(b, &b->calls, r, c->t, mode))
		return;
	if (c->type == EV_TOOL_CALL) {
		t->calls += s;
		t->errors += c->err ? s : 0;
		t->timeouts += c->timeout ? s : 0;
		if (c->kind >= 0)
			ru_count_add(&t->kinds, &t->nkinds, &t->capkinds,
			    (uint32_t)c->kind, s);
		return;
	}
	ENTRY(b->mo, b->nmo, b->capmo, c->group, m);
	m->calls += s;
	m->errors += c->err ? s : 0;
	if (c->has & EF_INPUT_TOKENS)
		m->in += s * (rwide)c->in;
	if (c->has & EF_OUTPUT_TOKENS)
		m->out += s * (rwide)c->out;
	if (c->has & EF_COST_USD)
		m->cost += s * (rwide)c->cost;
	if (c->has & EF_DURATION_MS) {
		m->dur_sum += s * (rwide)c->dur;
		m->dur_n += s;
	}
}

/* The minute of t for mode: made when adding, NULL when forgotten or absent. */
static struct rbucket *
bucket_for(struct rollup *ru, int64_t t, int mode)
{
	if (t < ru->horizon)
		return NULL;
	return mode == RU_ADD ? bucket_make(ru, t) : ru_bucket(ru, t);
}

/*
 * An evicted run's value at t in b: kept as a record when t is in a span of
 * rollup_keep (1), else only its time is noted (0).
 */
static int
gone_kept(const struct rollup *ru, struct rbucket *b, int64_t t)
{
	for (size_t i = 0; i < ru->nkeep; i++)
		if (t >= ru->keep[i][0] && t <= ru->keep[i][1])
			return 1;
	if (t < b->gtmin)
		b->gtmin = t;
	if (t > b->gtmax)
		b->gtmax = t;
	return 0;
}

#define KEEP(arr, n, cap, v) do {					\
	size_t c_ = (cap);						\
	(arr) = metrics_grow((arr), &c_, (size_t)(n) + 1, sizeof *(arr));	\
	(cap) = (uint32_t)c_;						\
	(arr)[(n)++] = *(v);						\
} while (0)

static void
fin_apply(struct rollup *ru, const struct run *r, const struct rfin *f, int mode)
{
	struct rbucket *b;

	if (!f->on || (b = bucket_for(ru, f->t, mode)) == NULL)
		return;
	apply_fin(b, r, f, mode);
	if (mode == RU_GONE && gone_kept(ru, b, f->t))
		KEEP(b->kfin, b->nkfin, b->capkfin, f);
}

static void
start_apply(struct rollup *ru, const struct run *r, const struct rstart *s,
    int mode)
{
	struct rbucket *b;

	if (!s->on || (b = bucket_for(ru, s->t, mode)) == NULL)
		return;
	apply_start(b, r, s, mode);
	if (mode == RU_GONE && gone_kept(ru, b, s->t))
		KEEP(b->kstart, b->nkstart, b->capkstart, s);
}

static void
calls_apply(struct rollup *ru, const struct run *r, const struct rcall *c,
    size_t n, int mode)
{
	struct rbucket *b;

	for (size_t i = 0; i < n; i++) {
		if ((b = bucket_for(ru, c[i].t, mode)) == NULL)
			continue;
		apply_call(b, r, &c[i], mode);
		if (mode == RU_GONE && gone_kept(ru, b, c[i].t))
			KEEP(b->kcall, b->nkcall, b->capkcall, &c[i]);
	}
}

void
ru_refresh(struct rollup *ru, struct rbucket *b)
{
	const struct run *r;
	struct rfin f;
	size_t i = 0, n, k;
	uint32_t j;

	shist_ext_reset(&b->queue);
	shist_ext_reset(&b->exec);
	shist_ext_reset(&b->e2e);
	for (j = 0; j < b->nag; j++)
		shist_ext_reset(&b->ag[j].exec);
	for (j = 0; j < b->nto; j++)
		shist_ext_reset(&b->to[j].dur);
	while ((r = pset_next(&b->fins, &i)) != NULL) {
		ru_fin_of(ru, r, &f);
		apply_fin(b, r, &f, RU_EXT);
	}
	i = 0;
	while ((r = pset_next(&b->calls, &i)) != NULL) {
		n = ru_calls_of(ru, r, b->t0, b->t0 + RU_MINUTE - 1, &ru->nc,
		    &ru->capnc);
		for (k = 0; k < n; k++)
			apply_call(b, r, &ru->nc[k], RU_EXT);
	}
	b->stale = 0;
}

static void
rollup_watch(void *arg, const struct run *r, enum store_change what,
    const struct event *ev)
{
	struct rollup *ru = arg;
	struct rfin f;
	struct rstart s;
	size_t n, i, k;

	switch (what) {
	case STORE_RUN_BEFORE:
		ru_fin_of(ru, r, &ru->fin);
		ru_start_of(ru, r, &ru->start);
		ru->full_log = r->nlog >= STORE_LOG_MAX;
		ru->ev_call = ev->type == EV_LLM_CALL || ev->type == EV_TOOL_CALL;
		ru->ev_ts = ev->ts_ms;
		ru->npc = 0;
		if (ru->full_log) {
			ru->npc = ru_calls_of(ru, r, INT64_MIN, INT64_MAX,
			    &ru->pc, &ru->cappc);
			calls_apply(ru, r, ru->pc, ru->npc, RU_SUB);
		} else if (ru->ev_call)
			ru->npc = ru_calls_of(ru, r, ev->ts_ms, ev->ts_ms,
			    &ru->pc, &ru->cappc);
		break;
	case STORE_RUN_AFTER:
		ru_fin_of(ru, r, &f);
		if (!fin_eq(&f, &ru->fin)) {
			fin_apply(ru, r, &ru->fin, RU_SUB);
			fin_apply(ru, r, &f, RU_ADD);
		}
		ru_start_of(ru, r, &s);
		if (!start_eq(&s, &ru->start)) {
			start_apply(ru, r, &ru->start, RU_SUB);
			start_apply(ru, r, &s, RU_ADD);
		}
		if (ru->full_log) {
			n = ru_calls_of(ru, r, INT64_MIN, INT64_MAX, &ru->nc,
			    &ru->capnc);
			calls_apply(ru, r, ru->nc, n, RU_ADD);
		} else if (ru->ev_call) {
			/* the calls at that time now, less those before */
			n = ru_calls_of(ru, r, ru->ev_ts, ru->ev_ts, &ru->nc,
			    &ru->capnc);
			for (i = 0; i < n; i++) {
				for (k = 0; k < ru->npc &&
				    !call_eq(&ru->pc[k], &ru->nc[i]); k++)
					;
				if (k < ru->npc)
					ru->pc[k] = ru->pc[--ru->npc];
				else
					calls_apply(ru, r, &ru->nc[i], 1, RU_ADD);
			}
		}
		if (!run_is_finished(r)) {
			if (!pset_has(&ru->live, r))
				pset_add(&ru->live, r, 1);
		} else
			pset_sub(&ru->live, r, 0);
		break;
	case STORE_RUN_GONE:
		ru_fin_of(ru, r, &f);
		fin_apply(ru, r, &f, RU_GONE);
		ru_start_of(ru, r, &s);
		start_apply(ru, r, &s, RU_GONE);
		n = ru_calls_of(ru, r, INT64_MIN, INT64_MAX, &ru->nc, &ru->capnc);
		calls_apply(ru, r, ru->nc, n, RU_GONE);
		pset_sub(&ru->live, r, 0);
		break;
	}
}

static void
rollup_free(void *arg)
{
	struct rollup *ru = arg;

	for (size_t i = 0; i < ru->nb; i++)
		bucket_free(ru->b[i]);
	free(ru->b);
	groups_done(&ru->agents);
	groups_done(&ru->ids);
	groups_done(&ru->models);
	groups_done(&ru->tools);
	groups_done(&ru->kinds);
	groups_done(&ru->queues);
	pset_done(&ru->live);
	free(ru->keep);
	free(ru->pc);
	free(ru->nc);
	free(ru);
}

struct rollup *
rollup_attach(struct store *st)
{
	const char *e = getenv("EXECMON_METRICS");
	struct rollup *ru;

	if (e != NULL && strcmp(e, "full") == 0)
		return NULL;
	ru = xcalloc(1, sizeof *ru);
	ru->horizon = INT64_MIN;
	ru->agents.map = map_create();
	ru->ids.map = map_create();
	ru->models.map = map_create();
	ru->tools.map = map_create();
	ru->kinds.map = map_create();
	ru->queues.map = map_create();
	store_set_watch(st, rollup_watch, ru, rollup_free);
	return ru;
}

struct rollup *
rollup_of(const struct store *st)
{
	return store_watch_arg(st, rollup_watch);
}

void
rollup_keep(struct rollup *ru, const int64_t (*spans)[2], size_t n)
{
	if (ru == NULL)
		return;
	free(ru->keep);
	ru->keep = n > 0 ? xreallocarray(NULL, n, sizeof *ru->keep) : NULL;
	if (n > 0)
		memcpy(ru->keep, spans, n * sizeof *ru->keep);
	ru->nkeep = n;
}

uint64_t
rollup_inexact(const struct rollup *ru)
{
	return ru != NULL ? ru->inexact : 0;
}

void
rollup_forget(struct rollup *ru, int64_t before_ms)
{
	int64_t h = metrics_floor_to(before_ms, RU_MINUTE);
	size_t n = 0;

	if (ru == NULL || h <= ru->horizon)
		return;
	while (n < ru->nb && ru->b[n]->t0 < h)
		bucket_free(ru->b[n++]);
	if (n > 0) {
		memmove(ru->b, ru->b + n, (ru->nb - n) * sizeof *ru->b);
		ru->nb -= n;
	}
	ru->horizon = h;
}

size_t
rollup_minutes(const struct rollup *ru)
{
	return ru != NULL ? ru->nb : 0;
}

static size_t
shist_bytes(const struct shist *h)
{
	return h->cap * sizeof *h->e;
}

size_t
rollup_bytes(const struct rollup *ru)
{
	const struct rbucket *b;
	size_t n, i;
	uint32_t j;

	if (ru == NULL)
		return 0;
	n = sizeof *ru + ru->capb * sizeof *ru->b + ru->live.cap *
	    (sizeof *ru->live.k + sizeof *ru->live.v);
	for (i = 0; i < ru->nb; i++) {
		b = ru->b[i];
		n += sizeof *b + shist_bytes(&b->queue) + shist_bytes(&b->exec) +
		    shist_bytes(&b->e2e);
		n += b->capag * sizeof *b->ag + b->capmo * sizeof *b->mo +
		    b->capto * sizeof *b->to + b->capqu * sizeof *b->qu;
		for (j = 0; j < b->nag; j++)
			n += shist_bytes(&b->ag[j].exec) +
			    b->ag[j].capids * sizeof(struct rcount);
		for (j = 0; j < b->nto; j++)
			n += shist_bytes(&b->to[j].dur) +
			    b->to[j].capkinds * sizeof(struct rcount);
		n += (b->fins.cap + b->starts.cap + b->calls.cap) *
		    (sizeof(void *) + sizeof(uint32_t));
		n += b->capkfin * sizeof *b->kfin + b->capkstart *
		    sizeof *b->kstart + b->capkcall * sizeof *b->kcall;
	}
	return n;
}
