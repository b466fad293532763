/* execmon - unit tests for the metrics engine and the anomaly rules. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "event.h"
#include "filter.h"
#include "metrics.h"
#include "snapshot.h"
#include "splitmix.h"
#include "store-util.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

#define MIN_MS 60000LL
#define NOW 1700000012345LL    /* deliberately not on a minute */

/* Reproducible randomness (splitmix64). */
static uint64_t rng_s;

static uint64_t
rng_next(void)
{
	return splitmix64(&rng_s);
}

static double
rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static int64_t
rng_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1));
}

static double
rng_lognormal(double median, double sigma)
{
	double n = sqrt(-2.0 * log(rng_unit())) * cos(2.0 * M_PI * rng_unit());

	return median * exp(sigma * n);
}

static int
rng_poisson(double lambda)
{
	double l = exp(-lambda), p = 1.0;
	int k = 0;

	do {
		k++;
		p *= rng_unit();
	} while (p > l);
	return k - 1;
}

/* ---------------------------------------------------------------- events */

static void
evlist_free(struct evlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		event_done(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/*
 * A store holding copies of the events, applied in the given order (NULL:
 * as listed); with dups, every third event is applied twice more.
 */
static struct store *
build(const struct evlist *l, const size_t *order, int dups)
{
	struct store *st = store_create();
	struct event c;
	size_t i, j;
	int k;

	for (i = 0; i < l->n; i++) {
		j = order != NULL ? order[i] : i;
		for (k = 0; k < (dups && j % 3 == 0 ? 3 : 1); k++) {
			event_copy(&c, &l->v[j]);
			store_apply(st, &c);
			event_done(&c);
		}
	}
	return st;
}

/* ---------------------------------------------------------------- specs */

/* A synthetic run: what happened, from which events are made. */
#define SPEC_LLM 6
#define SPEC_TOOL 5
struct spec {
	char id[24];
	const char *agent_name, *agent_id, *queue, *user;
	int has_q;
	int64_t q, s, f;       /* 0 = no such event */
	int term;              /* EV_RUN_COMPLETED/FAILED/CANCELLED when f */
	int64_t est, prio;
	int totals;            /* the terminal event carries totals */
	int64_t tin, tout, tnusd;
	int nllm, ntool;
	struct {
		int64_t ts, in, out, nusd, dur;
		const char *model;
		int err;
	} llm[SPEC_LLM];
	struct {
		int64_t ts, dur;
		const char *tool, *outcome, *kind;
	} tool[SPEC_TOOL];
};

static const char *const agent_names[] = { "planner", "coder", "critic",
	"writer", NULL, NULL };
static const char *const agent_ids[] = { "ag-p", "ag-c", NULL, "ag-w",
	"ag-x", NULL };
static const char *const queue_names[] = { NULL, "fast", "bulk" };
static const char *const users[] = { "alice", "bob", NULL };
static const char *const models[] = { "gpt-4o", "claude", "mini", NULL };
static const char *const tools[] = { "search", "shell", "fetch", NULL };
static const char *const outcomes[] = { "success", "success", "error",
	"timeout" };
static const char *const kinds[] = { "k0", "k1", "k2", "k3", "k4", "k5",
	"k6", "k7", "k8", "k9", "k10" };

static void
spec_gen(struct spec *sp, size_t i, int64_t now, int64_t window)
{
	int64_t t, end, d;
	int a = (int)(rng_next() % 6), k;

	memset(sp, 0, sizeof *sp);
	snprintf(sp->id, sizeof sp->id, "run-%05zu", i);
	sp->agent_name = agent_names[a];
	sp->agent_id = agent_ids[a];
	if (a == 0 && rng_next() % 3 == 0)
		sp->agent_id = "ag-p0"; /* one name, two ids */
	sp->queue = queue_names[rng_next() % 3];
	sp->user = users[rng_next() % 3];
	sp->prio = rng_range(0, 3);
	sp->est = rng_next() % 3 == 0 ? rng_range(1000, 90000) : 0;

	/* Times span two windows and a bit before, cut at now. */
	t = now - 2 * window - 10 * MIN_MS + rng_range(0, 2 * window + 10 *
	    MIN_MS);
	sp->has_q = rng_next() % 5 != 0;
	if (sp->has_q) {
		sp->q = t;
		t += (int64_t)rng_lognormal(3000, 1.5);
		if (rng_next() % 40 == 0) {
			/* stuck in its queue */
			sp->q = now - rng_range(0, 20 * MIN_MS);
			t = now + 1;
		}
	}
	if (t <= now) {
		sp->s = t;
		d = (int64_t)rng_lognormal(8000 + 4000 * a, 1.0);
		if (rng_next() % 97 == 0)
			d = -rng_range(1, 5000); /* clock skew */
		if (t + d <= now) {
			sp->f = t + d;
			k = (int)(rng_next() % 10);
			sp->term = k < 7 ? EV_RUN_COMPLETED : k < 9 ?
			    EV_RUN_FAILED : EV_RUN_CANCELLED;
		}
	} else if (!sp->has_q)
		sp->q = 0;
	if (!sp->has_q && sp->s == 0) {
		/* Never queued and not started by now: queue it instead. */
		sp->has_q = 1;
		sp->q = now - rng_range(0, 5 * MIN_MS);
	}
	if (sp->has_q && sp->q > now)
		sp->q = now;
	if (sp->s != 0 && sp->has_q && sp->q > sp->s)
		sp->q = sp->s;

	/* A few cancelled before starting. */
	if (sp->s == 0 && rng_next() % 10 == 0) {
		sp->f = sp->q + rng_range(0, (now - sp->q));
		sp->term = EV_RUN_CANCELLED;
	}

	if (sp->s != 0) {
		end = sp->f != 0 && sp->f > sp->s ? sp->f : now;
		sp->nllm = (int)(rng_next() % (SPEC_LLM + 1));
		for (k = 0; k < sp->nllm; k++) {
			sp->llm[k].ts = rng_range(sp->s, end);
			sp->llm[k].model = models[rng_next() % 4];
			sp->llm[k].in = rng_range(10, 5000);
			sp->llm[k].out = rng_range(1, 2000);
			sp->llm[k].nusd = rng_range(0, 40000000);
			sp->llm[k].dur = rng_next() % 4 == 0 ? -1 :
			    rng_range(50, 9000);
			sp->llm[k].err = rng_next() % 8 == 0;
		}
		sp->ntool = (int)(rng_next() % (SPEC_TOOL + 1));
		for (k = 0; k < sp->ntool; k++) {
			sp->tool[k].ts = rng_range(sp->s, end);
			sp->tool[k].tool = tools[rng_next() % 4];
			sp->tool[k].outcome = outcomes[rng_next() % 4];
			sp->tool[k].kind = rng_next() % 4 == 0 ? NULL :
			    kinds[rng_next() % 11];
			sp->tool[k].dur = rng_next() % 5 == 0 ? -1 :
			    (int64_t)rng_lognormal(400, 1.2);
		}
	}
	if (sp->f != 0 && rng_next() % 2 == 0) {
		sp->totals = 1;
		sp->tin = rng_range(0, 100000);
		sp->tout = rng_range(0, 50000);
		sp->tnusd = rng_range(0, 3000000000LL);
	}
}

static void
spec_identity(struct event *ev, const struct spec *sp)
{
	ev->agent_name = dup_or_null(sp->agent_name);
	ev->agent_id = dup_or_null(sp->agent_id);
	ev->user_id = dup_or_null(sp->user);
}

static void
spec_emit(struct evlist *l, const struct spec *sp)
{
	struct event *ev;
	int k;

	if (sp->has_q) {
		ev = ev_add(l, EV_RUN_QUEUED, sp->id, sp->q);
		spec_identity(ev, sp);
		ev->queue = dup_or_null(sp->queue);
		ev->priority = sp->prio;
		ev->has |= EF_PRIORITY;
		if (sp->est > 0) {
			ev->estimated_ms = sp->est;
			ev->has |= EF_ESTIMATED_MS;
		}
	}
	if (sp->s != 0) {
		ev = ev_add(l, EV_RUN_STARTED, sp->id, sp->s);
		spec_identity(ev, sp);
		if (sp->est > 0) {
			ev->estimated_ms = sp->est;
			ev->has |= EF_ESTIMATED_MS;
		}
	}
	if (sp->f != 0) {
		ev = ev_add(l, sp->term, sp->id, sp->f);
		if (sp->totals) {
			ev->input_tokens = sp->tin;
			ev->output_tokens = sp->tout;
			ev->cost_usd = (double)sp->tnusd / 1e9;
			ev->has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS |
			    EF_COST_USD;
		}
	}
	for (k = 0; k < sp->nllm; k++) {
		ev = ev_add(l, EV_LLM_CALL, sp->id, sp->llm[k].ts);
		ev->model_id = dup_or_null(sp->llm[k].model);
		ev->input_tokens = sp->llm[k].in;
		ev->output_tokens = sp->llm[k].out;
		ev->cost_usd = (double)sp->llm[k].nusd / 1e9;
		ev->has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD;
		if (sp->llm[k].dur >= 0) {
			ev->duration_ms = sp->llm[k].dur;
			ev->has |= EF_DURATION_MS;
		}
		ev->finish_reason = xstrdup(sp->llm[k].err ? "error" : "stop");
	}
	for (k = 0; k < sp->ntool; k++) {
		ev = ev_add(l, EV_TOOL_CALL, sp->id, sp->tool[k].ts);
		ev->tool_id = dup_or_null(sp->tool[k].tool);
		ev->outcome = xstrdup(sp->tool[k].outcome);
		ev->error_kind = dup_or_null(sp->tool[k].kind);
		if (sp->tool[k].dur >= 0) {
			ev->duration_ms = sp->tool[k].dur;
			ev->has |= EF_DURATION_MS;
		}
	}
}

/* ---------------------------------------------------------------- oracle */

static int
spec_status(const struct spec *sp)
{
	if (sp->f != 0)
		return sp->term == EV_RUN_COMPLETED ? RUN_COMPLETED :
		    sp->term == EV_RUN_FAILED ? RUN_FAILED : RUN_CANCELLED;
	return sp->s != 0 ? RUN_RUNNING : RUN_QUEUED;
}

static const char *
spec_agent(const struct spec *sp)
{
	return sp->agent_name ? sp->agent_name : sp->agent_id ?
	    sp->agent_id : "(none)";
}

static const char *
spec_queue(const struct spec *sp)
{
	return sp->has_q && sp->queue ? sp->queue : "default";
}

/* The oracle's own reading of a filter: agent, status, queue, user. */
struct pred {
	const char *agent, *queue, *user;
	int status;
};

static int
pred_match(const struct pred *p, const struct spec *sp)
{
	if (p == NULL)
		return 1;
	if (p->agent && !((sp->agent_name && !strcmp(sp->agent_name,
	    p->agent)) || (sp->agent_id && !strcmp(sp->agent_id, p->agent))))
		return 0;
	if (p->queue && strcmp(spec_queue(sp), p->queue) != 0)
		return 0;
	if (p->user && (sp->user == NULL || strcmp(sp->user, p->user) != 0))
		return 0;
	if (p->status >= 0 && spec_status(sp) != p->status)
		return 0;
	return 1;
}

/* A growable vector of int64 samples. */
struct vec {
	int64_t *v;
	size_t n, cap;
};

static void
vec_add(struct vec *x, int64_t v)
{
	if (x->n == x->cap) {
		x->cap = x->cap == 0 ? 64 : x->cap * 2;
		x->v = xreallocarray(x->v, x->cap, sizeof *x->v);
	}
	x->v[x->n++] = v;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Exact PERCENTILE_CONT; sorts the vector. */
static double
exact_pct(struct vec *x, double p)
{
	double pos, f;
	size_t k;

	qsort(x->v, x->n, sizeof *x->v, cmp_i64);
	pos = p * (double)(x->n - 1);
	k = (size_t)pos;
	f = pos - (double)k;
	if (k + 1 >= x->n)
		return (double)x->v[x->n - 1];
	return (double)x->v[k] + f * ((double)x->v[k + 1] - (double)x->v[k]);
}

static double
vec_mean(const struct vec *x)
{
	int64_t s = 0;
	size_t i;

	for (i = 0; i < x->n; i++)
		s += x->v[i];
	return (double)s / (double)x->n;
}

static int
near(double got, double want, double rel)
{
	if (want == 0)
		return fabs(got) < 1e-9;
	return fabs(got - want) <= rel * fabs(want);
}

static int nbad;

#define CHECK(cond, ...) do {                                           \
	if (!(cond)) {                                                  \
		if (nbad++ < 8) {                                       \
			printf("#   mismatch: ");                       \
			printf(__VA_ARGS__);                            \
			printf("\n");                                   \
		}                                                       \
	}                                                               \
} while (0)

static void
check_lat(const char *name, const struct lat_stats *ls, struct vec *x)
{
	static const double qs[] = { 0.5, 0.75, 0.9, 0.95, 0.99 };
	const double got[] = { ls->p50, ls->p75, ls->p90, ls->p95, ls->p99 };
	size_t i;

	CHECK(ls->n == x->n, "%s n %llu vs %zu", name,
	    (unsigned long long)ls->n, x->n);
	if (x->n == 0 || ls->n != x->n)
		return;
	CHECK(near(ls->avg, vec_mean(x), 1e-12), "%s avg %f vs %f", name,
	    ls->avg, vec_mean(x));
	for (i = 0; i < 5; i++) {
		CHECK(near(got[i], exact_pct(x, qs[i]), 0.01),
		    "%s p%g %f vs %f", name, 100 * qs[i], got[i],
		    exact_pct(x, qs[i]));
	}
}

static int64_t
floor_min(int64_t t)
{
	return t / MIN_MS * MIN_MS;
}

struct agent_x {
	const char *name, *min_id;
	uint64_t exe, comp, fail, canc, running, queued;
	int64_t in, out, nusd;
	struct vec exec_w, exec_all;
};

/* Find or add name in a small table. */
static struct agent_x *
agent_x(struct agent_x *t, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	}
	memset(&t[*n], 0, sizeof t[*n]);
	t[*n].name = name;
	return &t[(*n)++];
}

static int64_t
run_in(const struct spec *sp)
{
	int64_t s = 0;
	int k;

	if (sp->totals)
		return sp->tin;
	for (k = 0; k < sp->nllm; k++)
		s += sp->llm[k].in;
	return s;
}

static int64_t
run_out(const struct spec *sp)
{
	int64_t s = 0;
	int k;

	if (sp->totals)
		return sp->tout;
	for (k = 0; k < sp->nllm; k++)
		s += sp->llm[k].out;
	return s;
}

static int64_t
run_nusd(const struct spec *sp)
{
	int64_t s = 0;
	int k;

	if (sp->totals)
		return sp->tnusd;
	for (k = 0; k < sp->nllm; k++)
		s += sp->llm[k].nusd;
	return s;
}

static const struct spec *
spec_find(const struct spec *sp, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(sp[i].id, id) == 0)
			return &sp[i];
	}
	return NULL;
}

/*
 * Compare m with figures computed here from the specs alone, over the runs
 * p admits. Returns the number of mismatches.
 */
static int
oracle_check(const struct metrics *m, const struct spec *sp, size_t n,
    const struct pred *p, int64_t now, int64_t window)
{
	int64_t from = now - window, pfrom = from - window, x, m0, wait_sum = 0;
	struct vec qv = { 0 }, xv = { 0 }, ev = { 0 }, pxv = { 0 };
	struct agent_x ag[16];
	uint64_t total = 0, comp = 0, fail = 0, canc = 0, dist[DIST__COUNT];
	uint64_t ptotal = 0, pcomp = 0, seen = 0, hours[24], hcomp[24];
	int64_t tin = 0, tout = 0, tnusd = 0;
	uint64_t *mfin, *mstart;
	size_t i, j, nag = 0, nrun = 0, nq = 0, nmin;
	const struct spec *s;
	struct agent_x *a;
	int cur, prev, k, before = nbad;

	memset(dist, 0, sizeof dist);
	memset(hours, 0, sizeof hours);
	memset(hcomp, 0, sizeof hcomp);
	m0 = floor_min(from);
	nmin = (size_t)((floor_min(now) - m0) / MIN_MS) + 1;
	CHECK(m->nminutes == nmin, "nminutes %zu vs %zu", m->nminutes, nmin);
	mfin = xcalloc(nmin, sizeof *mfin);
	mstart = xcalloc(nmin, sizeof *mstart);

	for (i = 0; i < n; i++) {
		s = &sp[i];
		if (!pred_match(p, s))
			continue;
		seen++;
		cur = s->f != 0 && s->f > from && s->f <= now;
		prev = s->f != 0 && s->f > pfrom && s->f <= from;
		if (cur || prev || s->f == 0) {
			a = agent_x(ag, &nag, spec_agent(s));
			if (s->agent_id != NULL && (a->min_id == NULL ||
			    strcmp(s->agent_id, a->min_id) < 0))
				a->min_id = s->agent_id;
		} else
			a = NULL;
		x = s->s != 0 ? s->f - s->s : -1;
		if (cur) {
			total++;
			a->exe++;
			mfin[(floor_min(s->f) - m0) / MIN_MS]++;
			hours[s->f / 3600000 % 24]++;
			switch (s->term) {
			case EV_RUN_COMPLETED:
				comp++;
				a->comp++;
				hcomp[s->f / 3600000 % 24]++;
				break;
			case EV_RUN_FAILED:
				fail++;
				a->fail++;
				break;
			default:
				canc++;
				a->canc++;
			}
			if (s->has_q && s->s != 0 && s->s - s->q >= 0)
				vec_add(&qv, s->s - s->q);
			if (x >= 0) {
				vec_add(&xv, x);
				vec_add(&a->exec_w, x);
				vec_add(&a->exec_all, x);
				dist[x < 1000 ? 0 : x < 5000 ? 1 : x < 10000 ?
				    2 : x < 30000 ? 3 : x < 60000 ? 4 : 5]++;
			}
			if (s->has_q && s->f - s->q >= 0)
				vec_add(&ev, s->f - s->q);
			else if (!s->has_q && x >= 0)
				vec_add(&ev, x);
			a->in += run_in(s);
			a->out += run_out(s);
			a->nusd += run_nusd(s);
			tin += run_in(s);
			tout += run_out(s);
			tnusd += run_nusd(s);
		}
		if (prev) {
			ptotal++;
			if (s->term == EV_RUN_COMPLETED)
				pcomp++;
			if (x >= 0) {
				vec_add(&pxv, x);
				vec_add(&a->exec_all, x);
			}
		}
		if (s->s != 0 && s->s > from && s->s <= now)
			mstart[(floor_min(s->s) - m0) / MIN_MS]++;
		if (s->f == 0 && s->s != 0) {
			a->running++;
			nrun++;
		} else if (s->f == 0) {
			a->queued++;
			nq++;
			wait_sum += now - s->q;
		}
	}

	CHECK(m->runs_seen == seen, "runs_seen %llu vs %llu",
	    (unsigned long long)m->runs_seen, (unsigned long long)seen);
	CHECK(m->total == total && m->completed == comp && m->failed == fail &&
	    m->cancelled == canc, "counts %llu/%llu/%llu/%llu vs "
	    "%llu/%llu/%llu/%llu", (unsigned long long)m->total,
	    (unsigned long long)m->completed, (unsigned long long)m->failed,
	    (unsigned long long)m->cancelled, (unsigned long long)total,
	    (unsigned long long)comp, (unsigned long long)fail,
	    (unsigned long long)canc);
	check_lat("queue", &m->queue, &qv);
	check_lat("exec", &m->exec, &xv);
	check_lat("e2e", &m->e2e, &ev);
	check_lat("prev exec", &m->prev.exec, &pxv);
	CHECK(m->prev.total == ptotal && m->prev.completed == pcomp,
	    "prev %llu/%llu vs %llu/%llu", (unsigned long long)m->prev.total,
	    (unsigned long long)m->prev.completed,
	    (unsigned long long)ptotal, (unsigned long long)pcomp);
	for (k = 0; k < DIST__COUNT; k++)
		CHECK(m->dist[k] == dist[k], "dist[%s] %llu vs %llu",
		    metrics_dist_names[k], (unsigned long long)m->dist[k],
		    (unsigned long long)dist[k]);
	CHECK(m->input_tokens == tin && m->output_tokens == tout &&
	    m->cost_nusd == tnusd, "totals %lld/%lld/%lld vs %lld/%lld/%lld",
	    (long long)m->input_tokens, (long long)m->output_tokens,
	    (long long)m->cost_nusd, (long long)tin, (long long)tout,
	    (long long)tnusd);
	for (i = 0; i < nmin && i < m->nminutes; i++) {
		struct minute mi = metrics_minute(m, i);

		CHECK(mi.t0 == m0 + (int64_t)i * MIN_MS &&
		    mi.finished == mfin[i] && mi.started == mstart[i],
		    "minute %zu: %llu/%llu vs %llu/%llu", i,
		    (unsigned long long)mi.finished,
		    (unsigned long long)mi.started,
		    (unsigned long long)mfin[i], (unsigned long long)mstart[i]);
	}
	for (k = 0; k < 24; k++)
		CHECK(m->hours[k].executions == hours[k] &&
		    m->hours[k].completed == hcomp[k], "hour %d", k);

	/* Agents: listed iff active in W or live; sorted; figures. */
	j = 0;
	for (i = 0; i < nag; i++) {
		if (ag[i].exe == 0 && ag[i].running == 0 && ag[i].queued == 0)
			continue;
		j++;
	}
	CHECK(m->nagents == j, "nagents %zu vs %zu", m->nagents, j);
	for (i = 0; i < m->nagents; i++) {
		const struct agent_stats *as = &m->agents[i];

		if (i > 0)
			CHECK(as[-1].executions > as->executions ||
			    (as[-1].executions == as->executions &&
			    strcmp(as[-1].agent_name, as->agent_name) < 0),
			    "agents sorted at %zu", i);
		for (j = 0; j < nag && strcmp(ag[j].name, as->agent_name); j++)
			;
		CHECK(j < nag, "agent %s unknown", as->agent_name);
		if (j == nag)
			continue;
		a = &ag[j];
		CHECK((as->agent_id == NULL && a->min_id == NULL) ||
		    (as->agent_id != NULL && a->min_id != NULL &&
		    strcmp(as->agent_id, a->min_id) == 0),
		    "agent %s id %s vs %s", a->name, as->agent_id ? as->agent_id : "-",
		    a->min_id ? a->min_id : "-");
		CHECK(as->executions == a->exe && as->completed == a->comp &&
		    as->failed == a->fail && as->cancelled == a->canc &&
		    as->running == a->running && as->queued == a->queued,
		    "agent %s counts", a->name);
		CHECK(as->input_tokens == a->in && as->output_tokens ==
		    a->out && as->cost_nusd == a->nusd, "agent %s tokens",
		    a->name);
		CHECK(as->exec.count == a->exec_all.n, "agent %s exec n "
		    "%llu vs %zu", a->name, (unsigned long long)as->exec.count,
		    a->exec_all.n);
		if (a->exec_w.n > 0)
			CHECK(near(as->avg_runtime_ms, vec_mean(&a->exec_w),
			    1e-12), "agent %s avg runtime", a->name);
		else
			CHECK(as->avg_runtime_ms < 0, "agent %s no runtime",
			    a->name);
	}

	/* Live runs: membership, order, expected and ETA. */
	CHECK(m->nrunning == nrun && m->nqueued == nq, "live %zu/%zu vs "
	    "%zu/%zu", m->nrunning, m->nqueued, nrun, nq);
	if (nq > 0)
		CHECK(near(m->avg_queue_wait_ms, (double)wait_sum /
		    (double)nq, 1e-12), "avg queue wait");
	for (i = 0; i < m->nrunning + m->nqueued; i++) {
		const struct live_run *lr = i < m->nrunning ? &m->running[i] :
		    &m->queued[i - m->nrunning];
		const struct live_run *pv = i == 0 || i == m->nrunning ? NULL :
		    lr - 1;
		int64_t want;

		s = spec_find(sp, n, lr->run->id);
		CHECK(s != NULL && pred_match(p, s), "live run %s",
		    lr->run->id);
		if (s == NULL)
			continue;
		if (i < m->nrunning) {
			CHECK(s->f == 0 && s->s != 0 && lr->elapsed_ms ==
			    now - s->s, "running %s", s->id);
			if (pv != NULL)
				CHECK(pv->run->started_ms > s->s ||
				    (pv->run->started_ms == s->s &&
				    strcmp(pv->run->id, s->id) < 0),
				    "running order at %s", s->id);
		} else {
			CHECK(s->f == 0 && s->s == 0 && lr->elapsed_ms ==
			    now - s->q, "queued %s", s->id);
			if (pv != NULL)
				CHECK(pv->run->priority > s->prio ||
				    (pv->run->priority == s->prio &&
				    (pv->run->queued_ms < s->q ||
				    (pv->run->queued_ms == s->q &&
				    strcmp(pv->run->id, s->id) < 0))),
				    "queued order at %s", s->id);
		}
		a = agent_x(ag, &nag, spec_agent(s));
		if (s->est > 0)
			CHECK(lr->expected_ms == s->est, "expected = estimate "
			    "for %s", s->id);
		else if (a->exec_all.n >= 5) {
			want = llround(exact_pct(&a->exec_all, 0.5));
			CHECK(near((double)lr->expected_ms, (double)want,
			    0.01), "expected = agent p50 for %s: %lld vs "
			    "%lld", s->id, (long long)lr->expected_ms,
			    (long long)want);
		} else
			CHECK(lr->expected_ms == -1, "no expected for %s",
			    s->id);
		if (i < m->nrunning)
			CHECK(lr->eta_ms == (lr->expected_ms < 0 ? -1 :
			    s->s + lr->expected_ms), "eta of %s", s->id);
	}

	for (i = 0; i < nag; i++) {
		free(ag[i].exec_w.v);
		free(ag[i].exec_all.v);
	}
	free(qv.v);
	free(xv.v);
	free(ev.v);
	free(pxv.v);
	free(mfin);
	free(mstart);
	return nbad - before;
}

/* Models, tools and queues from the specs' logs. */
static int
oracle_logs(const struct metrics *m, const struct spec *sp, size_t n,
    const struct pred *p, int64_t now, int64_t window)
{
	struct {
		const char *name;
		uint64_t calls, errors;
		int64_t in, out, nusd, dsum, dn;
	} mo[8];
	struct {
		const char *name;
		uint64_t calls, errors, timeouts, kc[11];
		struct vec dur;
	} to[8];
	struct {
		const char *name;
		uint64_t queued;
		int64_t oldest, wsum, wn;
	} qu[8];
	size_t nmo = 0, nto = 0, nqu = 0, i, j;
	int64_t from = now - window;
	const struct spec *s;
	const char *name;
	int k, before = nbad, kk;

	for (i = 0; i < n; i++) {
		s = &sp[i];
		if (!pred_match(p, s))
			continue;
		for (k = 0; k < s->nllm; k++) {
			if (s->llm[k].ts <= from || s->llm[k].ts > now)
				continue;
			name = s->llm[k].model ? s->llm[k].model : "(none)";
			for (j = 0; j < nmo && strcmp(mo[j].name, name); j++)
				;
			if (j == nmo) {
				memset(&mo[nmo], 0, sizeof mo[0]);
				mo[nmo++].name = name;
			}
			mo[j].calls++;
			mo[j].errors += s->llm[k].err;
			mo[j].in += s->llm[k].in;
			mo[j].out += s->llm[k].out;
			mo[j].nusd += s->llm[k].nusd;
			if (s->llm[k].dur >= 0) {
				mo[j].dsum += s->llm[k].dur;
				mo[j].dn++;
			}
		}
		for (k = 0; k < s->ntool; k++) {
			if (s->tool[k].ts <= from || s->tool[k].ts > now)
				continue;
			name = s->tool[k].tool ? s->tool[k].tool : "(none)";
			for (j = 0; j < nto && strcmp(to[j].name, name); j++)
				;
			if (j == nto) {
				memset(&to[nto], 0, sizeof to[0]);
				to[nto++].name = name;
			}
			to[j].calls++;
			to[j].errors += !strcmp(s->tool[k].outcome, "error");
			to[j].timeouts += !strcmp(s->tool[k].outcome,
			    "timeout");
			if (s->tool[k].dur >= 0)
				vec_add(&to[j].dur, s->tool[k].dur);
			if (s->tool[k].kind != NULL &&
			    strcmp(s->tool[k].outcome, "success") != 0)
				to[j].kc[atoi(s->tool[k].kind + 1)]++;
		}
		if (s->has_q) {
			name = spec_queue(s);
			for (j = 0; j < nqu && strcmp(qu[j].name, name); j++)
				;
			if (j == nqu) {
				memset(&qu[nqu], 0, sizeof qu[0]);
				qu[nqu++].name = name;
			}
			if (s->s == 0 && s->f == 0) {
				if (qu[j].queued == 0 || s->q < qu[j].oldest)
					qu[j].oldest = s->q;
				qu[j].queued++;
			}
			if (s->s > from && s->s <= now && s->s >= s->q) {
				qu[j].wsum += s->s - s->q;
				qu[j].wn++;
			}
		}
	}

	CHECK(m->nmodels == nmo, "nmodels %zu vs %zu", m->nmodels, nmo);
	for (i = 0; i < m->nmodels; i++) {
		const struct model_stats *ms = &m->models[i];

		if (i > 0)
			CHECK(ms[-1].calls > ms->calls || (ms[-1].calls ==
			    ms->calls && strcmp(ms[-1].model_id,
			    ms->model_id) < 0), "models sorted");
		for (j = 0; j < nmo && strcmp(mo[j].name, ms->model_id); j++)
			;
		if (j == nmo) {
			CHECK(0, "model %s unknown", ms->model_id);
			continue;
		}
		CHECK(ms->calls == mo[j].calls && ms->errors == mo[j].errors &&
		    ms->input_tokens == mo[j].in && ms->output_tokens ==
		    mo[j].out && ms->cost_nusd == mo[j].nusd,
		    "model %s figures", ms->model_id);
		CHECK(mo[j].dn == 0 ? ms->avg_latency_ms < 0 :
		    near(ms->avg_latency_ms, (double)mo[j].dsum /
		    (double)mo[j].dn, 1e-12), "model %s latency",
		    ms->model_id);
	}

	/* A filter on the queue or status can leave a tool with no calls. */
	CHECK(m->ntools == nto, "ntools %zu vs %zu", m->ntools, nto);
	for (i = 0; i < m->ntools; i++) {
		const struct tool_stats *ts = &m->tools[i];
		uint64_t other = 0, sorted[11], t;

		if (i > 0)
			CHECK(ts[-1].calls > ts->calls || (ts[-1].calls ==
			    ts->calls && strcmp(ts[-1].tool_id,
			    ts->tool_id) < 0), "tools sorted");
		for (j = 0; j < nto && strcmp(to[j].name, ts->tool_id); j++)
			;
		if (j == nto) {
			CHECK(0, "tool %s unknown", ts->tool_id);
			continue;
		}
		CHECK(ts->calls == to[j].calls && ts->errors == to[j].errors &&
		    ts->timeouts == to[j].timeouts, "tool %s counts",
		    ts->tool_id);
		CHECK(to[j].dur.n == 0 ? ts->p95_ms < 0 : near(ts->p95_ms,
		    exact_pct(&to[j].dur, 0.95), 0.01), "tool %s p95 %f",
		    ts->tool_id, ts->p95_ms);
		/* kinds: the top 8 by count then name, the rest "other" */
		for (k = 0; k < ts->nkinds; k++) {
			kk = atoi(ts->kinds[k].kind + 1);
			CHECK(ts->kinds[k].count == to[j].kc[kk],
			    "tool %s kind %s", ts->tool_id,
			    ts->kinds[k].kind);
			if (k > 0)
				CHECK(ts->kinds[k - 1].count >
				    ts->kinds[k].count ||
				    (ts->kinds[k - 1].count ==
				    ts->kinds[k].count && strcmp(ts->kinds[k
				    - 1].kind, ts->kinds[k].kind) < 0),
				    "tool %s kinds sorted", ts->tool_id);
		}
		memcpy(sorted, to[j].kc, sizeof sorted);
		qsort(sorted, 11, sizeof *sorted, cmp_i64);
		for (k = 0, kk = 0; k < 11; k++) {
			t = sorted[10 - k];
			if (t == 0)
				continue;
			if (kk++ >= METRICS_ERROR_KINDS)
				other += t;
		}
		CHECK(ts->nkinds == (kk < METRICS_ERROR_KINDS ? kk :
		    METRICS_ERROR_KINDS) && ts->kinds_other == other,
		    "tool %s: %d kinds, other %llu vs %d, %llu", ts->tool_id,
		    ts->nkinds, (unsigned long long)ts->kinds_other, kk,
		    (unsigned long long)other);
	}
	for (i = 0; i < nto; i++)
		free(to[i].dur.v);

	for (i = 0; i < m->nqueues; i++) {
		const struct queue_stats *q = &m->queues[i];

		if (i > 0)
			CHECK(q[-1].depth > q->depth || (q[-1].depth ==
			    q->depth && strcmp(q[-1].name, q->name) < 0),
			    "queues sorted");
		for (j = 0; j < nqu && strcmp(qu[j].name, q->name); j++)
			;
		if (j == nqu) {
			/* only filtered-out runs used it */
			CHECK(q->queued == 0 && q->avg_wait_ms < 0 &&
			    q->oldest_wait_ms == -1, "queue %s empty",
			    q->name);
			continue;
		}
		CHECK(q->queued == qu[j].queued && (q->from_gauge ||
		    q->depth == (int64_t)qu[j].queued), "queue %s depth",
		    q->name);
		CHECK(q->oldest_wait_ms == (qu[j].queued ? now - qu[j].oldest :
		    -1), "queue %s oldest", q->name);
		CHECK(qu[j].wn == 0 ? q->avg_wait_ms < 0 : near(q->avg_wait_ms,
		    (double)qu[j].wsum / (double)qu[j].wn, 1e-12),
		    "queue %s avg wait", q->name);
	}
	return nbad - before;
}

/* ---------------------------------------------------------------- dump */

/* A flag's reason text (one buffer: use it before the next call). */
static char whybuf[160];
#define WHY(fl) metrics_flag_why((fl), whybuf, sizeof whybuf)

/* Everything in m, in a canonical text form (no pointers). */
static char *
dump(const struct metrics *m)
{
	char *buf = NULL, why[160];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	const struct lat_stats *ls[] = { &m->queue, &m->exec, &m->e2e,
		&m->prev.exec };
	int k;

	fprintf(f, "%lld %lld %lld\n", (long long)m->now_ms,
	    (long long)m->window_ms, (long long)m->from_ms);
	fprintf(f, "%llu %llu %llu %llu prev %llu %llu\n",
	    (unsigned long long)m->total, (unsigned long long)m->completed,
	    (unsigned long long)m->failed, (unsigned long long)m->cancelled,
	    (unsigned long long)m->prev.total,
	    (unsigned long long)m->prev.completed);
	for (i = 0; i < 4; i++)
		fprintf(f, "lat %llu %.17g %.17g %.17g %.17g %.17g %.17g\n",
		    (unsigned long long)ls[i]->n, ls[i]->avg, ls[i]->p50,
		    ls[i]->p75, ls[i]->p90, ls[i]->p95, ls[i]->p99);
	for (k = 0; k < DIST__COUNT; k++)
		fprintf(f, "dist %llu\n", (unsigned long long)m->dist[k]);
	for (i = 0; i < m->nrunning; i++)
		fprintf(f, "run %s %lld %lld %lld %d\n", m->running[i].run->id,
		    (long long)m->running[i].elapsed_ms,
		    (long long)m->running[i].expected_ms,
		    (long long)m->running[i].eta_ms, m->running[i].flagged);
	for (i = 0; i < m->nqueued; i++)
		fprintf(f, "queued %s %lld %lld %lld\n", m->queued[i].run->id,
		    (long long)m->queued[i].elapsed_ms,
		    (long long)m->queued[i].expected_ms,
		    (long long)m->queued[i].eta_ms);
	fprintf(f, "depth %lld wait %.17g workers %d %lld %zu\n",
	    (long long)m->queue_depth, m->avg_queue_wait_ms, m->have_workers,
	    m->worker ? (long long)m->worker->ts_ms : -1LL, m->nsamples);
	for (i = 0; i < m->nminutes; i++) {
		struct minute mi = metrics_minute(m, i);

		fprintf(f, "min %lld %llu %llu %llu %llu %llu %lld %llu %lld\n",
		    (long long)mi.t0, (unsigned long long)mi.finished,
		    (unsigned long long)mi.completed,
		    (unsigned long long)mi.failed,
		    (unsigned long long)mi.cancelled,
		    (unsigned long long)mi.started, (long long)mi.exec_sum_ms,
		    (unsigned long long)mi.exec_n, (long long)mi.exec_max_ms);
	}
	fprintf(f, "peak %llu %lld\n", (unsigned long long)m->peak_per_minute,
	    (long long)m->peak_ms);
	for (i = 0; i < m->nagents; i++) {
		const struct agent_stats *a = &m->agents[i];

		fprintf(f, "agent %s %s %llu %llu %llu %llu %.17g %llu %lld "
		    "%.17g %lld %lld %lld %llu %llu\n", a->agent_name,
		    a->agent_id ? a->agent_id : "-",
		    (unsigned long long)a->executions,
		    (unsigned long long)a->completed,
		    (unsigned long long)a->failed,
		    (unsigned long long)a->cancelled, a->avg_runtime_ms,
		    (unsigned long long)a->exec.count, (long long)a->exec.sum,
		    hist_quantile(&a->exec, 0.5), (long long)a->input_tokens,
		    (long long)a->output_tokens, (long long)a->cost_nusd,
		    (unsigned long long)a->running,
		    (unsigned long long)a->queued);
	}
	for (i = 0; i < m->nmodels; i++)
		fprintf(f, "model %s %llu %lld %lld %lld %.17g %llu\n",
		    m->models[i].model_id,
		    (unsigned long long)m->models[i].calls,
		    (long long)m->models[i].input_tokens,
		    (long long)m->models[i].output_tokens,
		    (long long)m->models[i].cost_nusd,
		    m->models[i].avg_latency_ms,
		    (unsigned long long)m->models[i].errors);
	for (i = 0; i < m->ntools; i++) {
		const struct tool_stats *t = &m->tools[i];

		fprintf(f, "tool %s %llu %llu %llu %.17g %llu:", t->tool_id,
		    (unsigned long long)t->calls,
		    (unsigned long long)t->errors,
		    (unsigned long long)t->timeouts, t->p95_ms,
		    (unsigned long long)t->kinds_other);
		for (k = 0; k < t->nkinds; k++)
			fprintf(f, " %s=%llu", t->kinds[k].kind,
			    (unsigned long long)t->kinds[k].count);
		fprintf(f, "\n");
	}
	for (i = 0; i < m->nqueues; i++)
		fprintf(f, "queue %s %lld %d %llu %lld %.17g\n",
		    m->queues[i].name, (long long)m->queues[i].depth,
		    m->queues[i].from_gauge,
		    (unsigned long long)m->queues[i].queued,
		    (long long)m->queues[i].oldest_wait_ms,
		    m->queues[i].avg_wait_ms);
	for (k = 0; k < 24; k++)
		fprintf(f, "hour %d %llu %llu %lld %llu\n", k,
		    (unsigned long long)m->hours[k].executions,
		    (unsigned long long)m->hours[k].completed,
		    (long long)m->hours[k].exec_sum_ms,
		    (unsigned long long)m->hours[k].exec_n);
	for (i = 0; i < m->nanomalies; i++)
		fprintf(f, "anomaly %lld %d %d %.17g %.17g %s\n",
		    (long long)m->anomalies[i].ts_ms, m->anomalies[i].type,
		    m->anomalies[i].severity, m->anomalies[i].observed,
		    m->anomalies[i].baseline, m->anomalies[i].description);
	for (i = 0; i < m->nbursts; i++)
		fprintf(f, "burst %lld %lld %llu %llu %d\n",
		    (long long)m->bursts[i].start_ms,
		    (long long)m->bursts[i].end_ms,
		    (unsigned long long)m->bursts[i].peak,
		    (unsigned long long)m->bursts[i].total,
		    m->bursts[i].impact);
	for (i = 0; i < m->nflags; i++)
		fprintf(f, "flag %s %d %lld %lld %lld %lld %s\n",
		    m->flags[i].run->id, m->flags[i].reason,
		    (long long)m->flags[i].elapsed_ms,
		    (long long)m->flags[i].expected_ms,
		    (long long)m->flags[i].cost_nusd,
		    (long long)m->flags[i].projected_nusd,
		    metrics_flag_why(&m->flags[i], why, sizeof why));
	fprintf(f, "totals %lld %lld %lld seen %llu\n",
	    (long long)m->input_tokens, (long long)m->output_tokens,
	    (long long)m->cost_nusd, (unsigned long long)m->runs_seen);
	fclose(f);
	return buf;
}

/* ---------------------------------------------------------------- tests */

#define NSPECS 3000
#define WINDOW (30 * MIN_MS)

static struct spec *specs;
static struct evlist all;

static void
make_specs(void)
{
	size_t i;

	rng_s = 12345;
	specs = xcalloc(NSPECS, sizeof *specs);
	for (i = 0; i < NSPECS; i++) {
		spec_gen(&specs[i], i, NOW, WINDOW);
		spec_emit(&all, &specs[i]);
	}
}

static void
test_oracle(void)
{
	static const struct {
		const char *expr;
		struct pred p;
	} cases[] = {
		{ "", { NULL, NULL, NULL, -1 } },
		{ "agent=planner", { "planner", NULL, NULL, -1 } },
		{ "agent=ag-x", { "ag-x", NULL, NULL, -1 } },
		{ "agent=ag-p0", { "ag-p0", NULL, NULL, -1 } },
		{ "queue=fast", { NULL, "fast", NULL, -1 } },
		{ "queue=default,user=bob", { NULL, "default", "bob", -1 } },
		{ "status=failed", { NULL, NULL, NULL, RUN_FAILED } },
		{ "status=running", { NULL, NULL, NULL, RUN_RUNNING } },
	};
	struct store *st = build(&all, NULL, 0);
	struct metrics *m, *m0 = NULL;
	struct filter f;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		filter_init(&f);
		filter_parse(&f, cases[i].expr, err, sizeof err);
		m = metrics_compute(st, &f, NOW, WINDOW);
		is_int(oracle_check(m, specs, NSPECS, &cases[i].p, NOW,
		    WINDOW), 0, "filter '%s': counts, latencies, dist, "
		    "minutes, hours, agents, live runs, ETAs match the oracle",
		    cases[i].expr);
		is_int(oracle_logs(m, specs, NSPECS, &cases[i].p, NOW,
		    WINDOW), 0, "filter '%s': models, tools, queues match "
		    "the oracle", cases[i].expr);
		if (i == 0) {
			ok(m->total > 500 && m->nrunning > 10 &&
			    m->nqueued > 10 && m->prev.total > 500 &&
			    m->nmodels == 4 && m->ntools == 4,
			    "the scenario exercises everything (%llu "
			    "finished, %zu running, %zu queued)",
			    (unsigned long long)m->total, m->nrunning,
			    m->nqueued);
			m0 = m;
		} else {
			ok(m->total < m0->total && m->runs_seen <
			    m0->runs_seen, "filter '%s' narrows (%llu of "
			    "%llu finished)", cases[i].expr,
			    (unsigned long long)m->total,
			    (unsigned long long)m0->total);
			metrics_free(m);
		}
		filter_done(&f);
	}
	metrics_free(m0);

	/* A window of one minute and one of a day: still consistent. */
	m = metrics_compute(st, NULL, NOW, MIN_MS);
	is_int(oracle_check(m, specs, NSPECS, NULL, NOW, MIN_MS), 0,
	    "a one-minute window matches the oracle");
	is_int(m->nminutes, 2, "a one-minute window spans two minutes");
	metrics_free(m);
	m = metrics_compute(st, NULL, NOW, 24 * 60 * MIN_MS);
	is_int(oracle_check(m, specs, NSPECS, NULL, NOW, 24 * 60 * MIN_MS),
	    0, "a one-day window matches the oracle");
	metrics_free(m);
	store_free(st);
}

static void
shuffle(size_t *v, size_t n)
{
	size_t i, j, t;

	for (i = n; i > 1; i--) {
		j = rng_next() % i;
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void
test_determinism(void)
{
	struct store *st;
	struct metrics *m;
	struct filter f;
	char *ref, *ref_f, *d, err[64];
	size_t *order = xcalloc(all.n, sizeof *order), i;
	int round, same = 1, same_f = 1;

	filter_init(&f);
	filter_parse(&f, "agent=coder", err, sizeof err);
	st = build(&all, NULL, 0);
	m = metrics_compute(st, NULL, NOW, WINDOW);
	ref = dump(m);
	metrics_free(m);
	m = metrics_compute(st, &f, NOW, WINDOW);
	ref_f = dump(m);
	metrics_free(m);
	m = metrics_compute(st, NULL, NOW, WINDOW);
	d = dump(m);
	ok(strcmp(d, ref) == 0, "computing twice gives the same result");
	free(d);
	metrics_free(m);
	store_free(st);

	for (i = 0; i < all.n; i++)
		order[i] = i;
	rng_s = 999;
	for (round = 0; round < 3; round++) {
		if (round < 2)
			shuffle(order, all.n);
		else {
			for (i = 0; i < all.n; i++)
				order[i] = all.n - 1 - i;
		}
		st = build(&all, order, round == 1);
		m = metrics_compute(st, NULL, NOW, WINDOW);
		d = dump(m);
		if (strcmp(d, ref) != 0)
			same = 0;
		free(d);
		metrics_free(m);
		m = metrics_compute(st, &f, NOW, WINDOW);
		d = dump(m);
		if (strcmp(d, ref_f) != 0)
			same_f = 0;
		free(d);
		metrics_free(m);
		store_free(st);
	}
	ok(same, "shuffled, reversed and duplicated arrival: identical "
	    "dump (%zu bytes)", strlen(ref));
	ok(same_f, "the same with a filter");
	free(ref);
	free(ref_f);
	free(order);
	filter_done(&f);
}

/* The snapshot as JSON text. */
static char *
snapshot_text(const struct store *st, const struct filter *f)
{
	struct metrics *m = metrics_compute(st, f, NOW, WINDOW);
	json_t *j = snapshot_build(m, st, f, NULL);
	char *text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	metrics_free(m);
	return text;
}

/*
 * Runs that finished before the previous window began are in no figure:
 * evicting them (as the dashboard and a long backfill do) changes nothing.
 */
static void
test_evict_invisible(void)
{
	struct store *st = build(&all, NULL, 0);
	struct filter f;
	char *a, *b, *af, *bf, err[64];
	size_t before = store_nruns(st);

	filter_init(&f);
	filter_parse(&f, "agent=coder", err, sizeof err);
	a = snapshot_text(st, NULL);
	af = snapshot_text(st, &f);
	store_evict(st, NOW - 2 * WINDOW);
	ok(store_nruns(st) < before, "eviction at two windows removed %zu of "
	    "%zu runs", before - store_nruns(st), before);
	b = snapshot_text(st, NULL);
	bf = snapshot_text(st, &f);
	ok(strcmp(a, b) == 0, "and the snapshot is the same, byte for byte");

	ok(strcmp(af, bf) == 0, "also filtered");
	free(a);
	free(b);
	free(af);
	free(bf);
	filter_done(&f);
	store_free(st);
}

/* Small hand-checked cases: edges of the windows, skew, the realtime bits. */
static void
test_hand(void)
{
	struct evlist l = { 0 };
	struct store *st;
	struct metrics *m;
	struct event *ev;
	int64_t n = NOW, w = 10 * MIN_MS;
	size_t i;

	/* a1: queued, started, completed in W: 60 s wait, 60 s exec. */
	ev_add(&l, EV_RUN_QUEUED, "a1", n - 9 * MIN_MS)->queue =
	    xstrdup("fast");
	ev_add(&l, EV_RUN_STARTED, "a1", n - 8 * MIN_MS);
	ev = ev_add(&l, EV_RUN_COMPLETED, "a1", n - 7 * MIN_MS);
	ev->agent_name = xstrdup("planner");
	/* a2: finishes exactly at now (inside), no queue: e2e = exec. */
	ev_add(&l, EV_RUN_STARTED, "a2", n - 30000)->agent_name =
	    xstrdup("planner");
	ev_add(&l, EV_RUN_FAILED, "a2", n);
	/* a3: finishes exactly at now - w: the previous window. */
	ev_add(&l, EV_RUN_STARTED, "a3", n - w - 5000);
	ev_add(&l, EV_RUN_COMPLETED, "a3", n - w);
	/* a4: finished after now (pinned now in the past): not counted. */
	ev_add(&l, EV_RUN_STARTED, "a4", n - 5000);
	ev_add(&l, EV_RUN_COMPLETED, "a4", n + 1);
	/* a5: clock skew, finished before it started: latencies skipped. */
	ev_add(&l, EV_RUN_STARTED, "a5", n - 4 * MIN_MS);
	ev_add(&l, EV_RUN_COMPLETED, "a5", n - 4 * MIN_MS - 2000);
	/* r1: running with an estimate; r2 started after now. */
	ev = ev_add(&l, EV_RUN_STARTED, "r1", n - 20000);
	ev->estimated_ms = 45000;
	ev->has |= EF_ESTIMATED_MS;
	ev_add(&l, EV_RUN_STARTED, "r2", n + 10);
	/* q1..q3 queued: priority desc, then oldest first. */
	ev = ev_add(&l, EV_RUN_QUEUED, "q1", n - 45000);
	ev->priority = 5;
	ev->has |= EF_PRIORITY;
	ev->queue = xstrdup("fast");
	ev = ev_add(&l, EV_RUN_QUEUED, "q2", n - 50000);
	ev->priority = 1;
	ev->has |= EF_PRIORITY;
	ev = ev_add(&l, EV_RUN_QUEUED, "q3", n - 10000);
	ev->priority = 5;
	ev->has |= EF_PRIORITY;
	ev->queue = xstrdup("fast");
	/* gauges and workers */
	ev = ev_add(&l, EV_QUEUE_DEPTH, NULL, n - 1000);
	ev->queue = xstrdup("bulk");
	ev->depth = 17;
	ev->has |= EF_DEPTH;
	for (i = 0; i < 4; i++) {
		static const int64_t at[] = { -2 * 3600000, -5 * MIN_MS,
			-MIN_MS, MIN_MS };

		ev = ev_add(&l, EV_WORKER_STATUS, NULL, n + at[i]);
		ev->workers_total = 8;
		ev->workers_busy = (int64_t)i;
		ev->has |= EF_WORKERS_TOTAL | EF_WORKERS_BUSY;
	}

	st = build(&l, NULL, 0);
	m = metrics_compute(st, NULL, n, w);
	is_int(m->total, 3, "finished in (now - w, now]: a1, a2 (at now), a5");
	is_int(m->failed, 1, "a2 failed");
	is_int(m->prev.total, 1, "a3 at exactly now - w is the previous "
	    "window");
	is_int(m->exec.n, 2, "a5's negative latency is skipped");
	ok(m->exec.avg == 45000 && m->exec.p50 == 45000,
	    "exec of {60 s, 30 s}: avg and p50 45 s");
	is_int(m->queue.n, 1, "one queue latency (a1)");
	ok(m->queue.p99 == 60000, "a1 waited 60 s");
	ok(m->e2e.n == 2 && m->e2e.avg == (120000 + 30000) / 2.0,
	    "e2e: 120 s with a queue, exec (30 s) without");
	ok(m->dist[DIST_10_30] == 0 && m->dist[DIST_30_60] == 1 &&
	    m->dist[DIST_60_UP] == 1, "30 s is in 30-60s, 60 s in 60s+");
	is_int(m->nrunning, 2, "running: r1 and a4 (r2 started after now)");
	is_str(m->running[0].run->id, "a4", "newest start first");
	ok(m->running[1].expected_ms == 45000 &&
	    m->running[1].eta_ms == n - 20000 + 45000,
	    "ETA from the estimate: started + 45 s");
	ok(m->running[0].expected_ms == -1 && m->running[0].eta_ms == -1,
	    "no estimate and no agent history: unknown ETA");
	is_int(m->nqueued, 3, "three queued");
	ok(!strcmp(m->queued[0].run->id, "q1") &&
	    !strcmp(m->queued[1].run->id, "q3") &&
	    !strcmp(m->queued[2].run->id, "q2"),
	    "queued by priority desc, then oldest first");
	ok(m->avg_queue_wait_ms == (45000 + 50000 + 10000) / 3.0,
	    "average wait of the runs queued now");
	ok(m->queued[0].eta_ms == n - 45000 + 60000,
	    "a queued run's ETA: queued + its queue's average wait (60 s)");
	ok(m->queued[2].eta_ms == -1, "no wait history in default: unknown");
	is_int(m->nqueues, 3, "queues: fast, bulk, default");
	is_str(m->queues[0].name, "bulk", "queues sorted by depth");
	ok(m->queues[0].depth == 17 && m->queues[0].from_gauge &&
	    m->queues[0].queued == 0, "bulk's depth is its gauge");
	ok(!strcmp(m->queues[1].name, "fast") && m->queues[1].depth == 2 &&
	    !m->queues[1].from_gauge && m->queues[1].oldest_wait_ms == 45000,
	    "fast: 2 queued now, oldest waited 45 s");
	is_int(m->queue_depth, 17 + 2 + 1, "queue depth is the sum");
	ok(m->have_workers && m->worker != NULL && m->worker->busy == 2,
	    "latest worker sample at or before now");
	is_int(m->nsamples, 2, "two worker samples in the window");
	is_int(m->peak_per_minute, 1, "peak one a minute");
	ok(m->peak_ms == floor_min(n - 7 * MIN_MS), "earliest peak minute");
	metrics_free(m);

	m = metrics_compute(st, NULL, n - 3 * 3600000, w);
	ok(m->total == 0 && m->exec.n == 0 && m->nrunning == 0 &&
	    !m->have_workers && m->peak_ms == 0 && m->nagents == 0,
	    "before anything happened: empty, unknowns stay unknown");
	metrics_free(m);
	store_free(st);
	evlist_free(&l);
}

/* Flags: past estimate, past p99, runaway tokens; ETA from the agent p50. */
static void
test_flags(void)
{
	struct evlist l = { 0 };
	struct store *st;
	struct metrics *m;
	struct event *ev;
	int64_t n = NOW;
	char id[16];
	int i, k;
	const struct flagged *fl;
	const struct live_run *lr;

	/* 30 runs of "slow", 60 s each: p50 = p99 = 60 s. */
	for (i = 0; i < 30; i++) {
		snprintf(id, sizeof id, "h%d", i);
		ev_add(&l, EV_RUN_STARTED, id, n - 20 * MIN_MS + i * 10000)->
		    agent_name = xstrdup("slow");
		ev_add(&l, EV_RUN_COMPLETED, id, n - 19 * MIN_MS + i * 10000);
	}
	/* fA: estimate 60 s, running 150 s. */
	ev = ev_add(&l, EV_RUN_STARTED, "fA", n - 150000);
	ev->agent_name = xstrdup("slow");
	ev->estimated_ms = 60000;
	ev->has |= EF_ESTIMATED_MS;
	ev = ev_add(&l, EV_LLM_CALL, "fA", n - 100000);
	ev->cost_usd = 0.25;
	ev->has |= EF_COST_USD;
	/* fB: no estimate, 100 s > 1.5 x 60 s. */
	ev_add(&l, EV_RUN_STARTED, "fB", n - 100000)->agent_name =
	    xstrdup("slow");
	/* fC: no estimate, 80 s < 90 s: not flagged, ETA from p50. */
	ev_add(&l, EV_RUN_STARTED, "fC", n - 80000)->agent_name =
	    xstrdup("slow");
	/* fD: estimate 10 s, 25 s: past 2x but under 30 s. */
	ev = ev_add(&l, EV_RUN_STARTED, "fD", n - 25000);
	ev->estimated_ms = 10000;
	ev->has |= EF_ESTIMATED_MS;
	/* fE: 6 llm calls, the last 20 s ago, progress 7 min ago. */
	/* fF: the same with progress 2 min ago; fG: last call 90 s ago. */
	/* fH: never sent progress, started 6 min ago, 5 recent calls. */
	for (k = 0; k < 4; k++) {
		static const char *const ids[] = { "fE", "fF", "fG", "fH" };
		static const int64_t prog[] = { 7 * MIN_MS, 2 * MIN_MS,
			7 * MIN_MS, -1 };
		static const int64_t last[] = { 20000, 20000, 90000, 5000 };
		int ncalls = k == 3 ? 5 : 6;

		ev = ev_add(&l, EV_RUN_STARTED, ids[k], n - (k == 3 ? 6 : 10) *
		    MIN_MS);
		ev->agent_name = xstrdup("loop");
		if (prog[k] >= 0) {
			ev = ev_add(&l, EV_RUN_PROGRESS, ids[k], n - prog[k]);
			ev->progress = 0.3;
			ev->has |= EF_PROGRESS;
		}
		for (i = 0; i < ncalls; i++) {
			ev = ev_add(&l, EV_LLM_CALL, ids[k], n - last[k] -
			    i * 10000);
			ev->input_tokens = 1000;
			ev->output_tokens = 500;
			ev->cost_usd = 0.01;
			ev->has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS |
			    EF_COST_USD;
		}
	}

	/* "few" has 4 finished runs (10 s), "five" 5: the p50 ETA needs 5. */
	for (k = 4; k <= 5; k++) {
		const char *agent = k == 4 ? "few" : "five";

		for (i = 0; i < k; i++) {
			snprintf(id, sizeof id, "%s%d", agent, i);
			ev_add(&l, EV_RUN_STARTED, id, n - 10 * MIN_MS + i *
			    1000)->agent_name = xstrdup(agent);
			ev_add(&l, EV_RUN_COMPLETED, id, n - 10 * MIN_MS + i *
			    1000 + 10000);
		}
		snprintf(id, sizeof id, "%s-live", agent);
		ev_add(&l, EV_RUN_STARTED, id, n - 5000)->agent_name =
		    xstrdup(agent);
	}

	st = build(&l, NULL, 0);
	m = metrics_compute(st, NULL, n, 30 * MIN_MS);
	is_int(m->nflags, 4, "four flags: fA, fB, fE, fH");
	for (i = 0; i < (int)m->nrunning; i++) {
		lr = &m->running[i];
		fl = lr->flagged ? &m->flags[lr->flagged - 1] : NULL;
		if (!strcmp(lr->run->id, "fA")) {
			ok(fl != NULL && fl->reason == FLAG_PAST_ESTIMATE &&
			    fl->expected_ms == 60000 && fl->elapsed_ms ==
			    150000, "fA: past its estimate");
			ok(fl != NULL && strstr(WHY(fl), "running 2m30s, 2.5x "
			    "its estimate of 1m") != NULL, "fA why: %s",
			    fl ? WHY(fl) : "");
			ok(fl != NULL && fl->cost_nusd == 250000000 &&
			    fl->projected_nusd == 500000000,
			    "fA cost 0.25, projected twice that");
		} else if (!strcmp(lr->run->id, "fB")) {
			ok(fl != NULL && fl->reason == FLAG_PAST_P99 &&
			    fl->expected_ms == 60000,
			    "fB: past 1.5 x the agent p99");
			ok(fl != NULL && strstr(WHY(fl), "running 1m40s, 1.7x "
			    "its agent's p99 of 1m00s (30 runs)") != NULL,
			    "fB why: %s", fl ? WHY(fl) : "");
			ok(lr->expected_ms == 60000 && lr->eta_ms == n -
			    100000 + 60000, "fB: ETA from the agent p50");
		} else if (!strcmp(lr->run->id, "fC")) {
			ok(fl == NULL && lr->expected_ms == 60000 &&
			    lr->eta_ms == n - 80000 + 60000,
			    "fC: not flagged, ETA from the agent p50");
		} else if (!strcmp(lr->run->id, "fD")) {
			ok(fl == NULL, "fD: under 30 s, not flagged");
		} else if (!strcmp(lr->run->id, "fE")) {
			ok(fl != NULL && fl->reason == FLAG_RUNAWAY_TOKENS &&
			    fl->projected_nusd == -1 && fl->cost_nusd ==
			    60000000, "fE: runaway tokens, no projection");
			ok(fl != NULL && strstr(WHY(fl), "6 LLM calls and 9000 "
			    "tokens so far, the last 20s ago, but no progress "
			    "for 7m00s") != NULL, "fE why: %s", fl ? WHY(fl) : "");
		} else if (!strcmp(lr->run->id, "few-live")) {
			ok(lr->expected_ms == -1 && lr->eta_ms == -1,
			    "4 agent samples: no ETA");
		} else if (!strcmp(lr->run->id, "five-live")) {
			ok(lr->expected_ms == 10000 && lr->eta_ms == n + 5000,
			    "5 agent samples: ETA from their p50");
		} else if (!strcmp(lr->run->id, "fF")) {
			ok(fl == NULL, "fF: recent progress, not runaway");
		} else if (!strcmp(lr->run->id, "fG")) {
			ok(fl == NULL, "fG: no recent llm call, not runaway");
		} else if (!strcmp(lr->run->id, "fH")) {
			ok(fl != NULL && fl->reason == FLAG_RUNAWAY_TOKENS &&
			    strstr(WHY(fl), "no progress in the 6m00s since it "
			    "started") != NULL,
			    "fH: runaway without any progress: %s",
			    fl ? WHY(fl) : "");
		}
	}
	is_str(flag_reason_name(FLAG_PAST_P99), "past_p99", "flag names");
	metrics_free(m);

	/*
	 * Later, W and P hold only the last 19 (then 20) "slow" runs: the
	 * p99 rule needs 20 samples.
	 */
	for (k = 19; k <= 20; k++) {
		m = metrics_compute(st, NULL, n + 41 * MIN_MS + (30 - k) *
		    10000 - 1, 30 * MIN_MS);
		for (i = 0; i < (int)m->nrunning; i++) {
			lr = &m->running[i];
			if (strcmp(lr->run->id, "fC") != 0)
				continue;
			is_int(lr->flagged != 0 && m->flags[lr->flagged -
			    1].reason == FLAG_PAST_P99, k == 20,
			    "%d agent samples: %s", k, k == 20 ?
			    "past_p99" : "no p99 flag");
			ok(lr->expected_ms == 60000,
			    "%d samples: ETA still from the p50", k);
		}
		metrics_free(m);
	}
	store_free(st);
	evlist_free(&l);
}

/* ---------------------------------------------------------------- anomalies */

#define AMIN 121                /* minutes of load: the whole window + 1 */
#define ABASE (28333333LL * MIN_MS) /* a minute boundary */
#define ANOW (ABASE + 120 * MIN_MS + 30000)
#define AWIN (120 * MIN_MS)

struct load {
	double rate[AMIN];      /* finishes per minute */
	double fail[AMIN];      /* failure share */
	double slow[AMIN];      /* execution time multiplier */
	double outlier[AMIN];   /* multiplier for the minute's first run */
	int first;              /* first minute with load */
};

static void
load_steady(struct load *ld, double rate)
{
	int i;

	for (i = 0; i < AMIN; i++) {
		ld->rate[i] = rate;
		ld->fail[i] = 0.05;
		ld->slow[i] = 1;
		ld->outlier[i] = 1;
	}
	ld->first = 0;
}

static int aseq;

/* The load's events, shift ms later than ABASE..ANOW, appended to l. */
static void
load_events(const struct load *ld, uint64_t seed, int64_t shift,
    struct evlist *lp)
{
	struct evlist l = *lp;
	int64_t t0, f, x;
	char id[24];
	int i, k, c, det;

	rng_s = seed;
	for (i = ld->first; i < AMIN; i++) {
		t0 = ABASE + shift + (int64_t)i * MIN_MS;
		c = rng_poisson(ld->rate[i]);
		for (k = 0; k < c; k++) {
			f = t0 + rng_range(0, MIN_MS - 1);
			if (f > ANOW + shift)
				continue;
			x = (int64_t)rng_lognormal(5000, 1.0) *
			    (int64_t)ld->slow[i];
			if (k == 0)
				x *= (int64_t)ld->outlier[i];
			snprintf(id, sizeof id, "l%d", ++aseq);
			ev_add(&l, EV_RUN_STARTED, id, f - x)->agent_name =
			    xstrdup("steady");
			/* above 50 %, exact: every minute fires */
			det = ld->fail[i] > 0.5;
			ev_add(&l, (det ? k % 4 != 0 : rng_unit() <
			    ld->fail[i]) ? EV_RUN_FAILED : EV_RUN_COMPLETED,
			    id, f);
		}
	}
	*lp = l;
}

static struct store *
load_store(const struct load *ld, uint64_t seed)
{
	struct evlist l = { 0 };
	struct store *st;

	load_events(ld, seed, 0, &l);
	st = build(&l, NULL, 0);
	evlist_free(&l);
	return st;
}

/* Is there an anomaly like a (time, type, severity) in m? */
static int
has_anomaly(const struct metrics *m, const struct anomaly *a)
{
	size_t i;

	for (i = 0; i < m->nanomalies; i++) {
		if (m->anomalies[i].ts_ms == a->ts_ms &&
		    m->anomalies[i].type == a->type &&
		    m->anomalies[i].severity == a->severity)
			return 1;
	}
	return 0;
}

/*
 * A ten-year window over a little data: the minutes held are those with
 * data, any minute reads back, and the anomalies and bursts are those of a
 * short window over each stretch of data, a year apart, plus what the
 * silence between them makes (a drop when the old load stops, a spike when
 * the new one starts): the scan jumps only over minutes that can fire
 * nothing.
 */
static void
test_long_window(void)
{
	const int64_t year = 365 * 86400000LL, ten = 3650 * 86400000LL;
	struct evlist l = { 0 }, lo = { 0 };
	struct load ld;
	struct store *st, *st_old, *st_new;
	struct metrics *m, *mo, *mn;
	struct anomaly gap_drop, new_spike;
	size_t i, k, nfin = 0, seen = 0;
	int found = 1;

	load_steady(&ld, 20);
	ld.rate[70] = ld.rate[71] = 160;
	load_events(&ld, 21, -year, &l);
	load_events(&ld, 21, -year, &lo);
	st_old = build(&lo, NULL, 0);
	evlist_free(&lo);
	load_steady(&ld, 40);
	for (i = 90; i < 95; i++)
		ld.rate[i] = 4;
	load_events(&ld, 22, 0, &l);
	st_new = load_store(&ld, 22);
	st = build(&l, NULL, 0);
	evlist_free(&l);

	m = metrics_compute(st, NULL, ANOW, ten);
	is_int(m->nminutes, (ANOW / MIN_MS) - (ANOW - ten) / MIN_MS + 1,
	    "a 3650d window spans 5.26 million minutes");
	ok(m->nactive > 0 && m->nactive < 2 * AMIN + 20,
	    "only the %zu minutes with data are held", m->nactive);
	for (k = 0; k < m->nactive; k++) {
		struct minute a;

		i = (size_t)((m->active[k].t0 - m->minute0_ms) / MIN_MS);
		a = metrics_minute(m, i);
		seen += a.t0 == m->active[k].t0 &&
		    a.finished == m->active[k].finished;
		nfin += m->active[k].finished;
		if (k > 0 && m->active[k].t0 <= m->active[k - 1].t0)
			break;
	}
	ok(seen == m->nactive && nfin == m->total,
	    "held minutes in order, read back, summing to the %llu finished",
	    (unsigned long long)m->total);
	ok(metrics_minute(m, 12345).finished == 0 &&
	    metrics_minute(m, 12345).t0 == m->minute0_ms + 12345 * MIN_MS,
	    "an empty minute reads back empty, with its start");

	mo = metrics_compute(st_old, NULL, ANOW - year, AWIN);
	mn = metrics_compute(st_new, NULL, ANOW, AWIN);
	for (i = 0; i < mo->nanomalies; i++)
		found &= has_anomaly(m, &mo->anomalies[i]);
	for (i = 0; i < mn->nanomalies; i++)
		found &= has_anomaly(m, &mn->anomalies[i]);
	ok(found && mo->nanomalies == 1 && mn->nanomalies == 1,
	    "the ten-year window finds the spike of a year ago and the drop "
	    "of now, as 2 h windows over each do");
	memset(&gap_drop, 0, sizeof gap_drop);
	gap_drop.ts_ms = (ANOW - year) / MIN_MS * MIN_MS + MIN_MS;
	gap_drop.type = ANOM_DROP;
	gap_drop.severity = SEV_HIGH;
	new_spike = gap_drop;
	new_spike.ts_ms = ABASE;
	new_spike.type = ANOM_SPIKE;
	ok(m->nanomalies == 4 && has_anomaly(m, &gap_drop) &&
	    has_anomaly(m, &new_spike), "and only what the year of silence "
	    "makes: a drop when the old load stops, a spike when the new one "
	    "starts (%zu anomalies)", m->nanomalies);
	ok(mo->nbursts == 1 && m->nbursts >= 1 &&
	    m->bursts[0].start_ms == mo->bursts[0].start_ms &&
	    m->bursts[0].total == mo->bursts[0].total,
	    "and the burst of a year ago");
	metrics_free(m);
	metrics_free(mo);
	metrics_free(mn);
	store_free(st);
	store_free(st_old);
	store_free(st_new);
}

static size_t
count_type(const struct metrics *m, enum anomaly_type t)
{
	size_t i, n = 0;

	for (i = 0; i < m->nanomalies; i++)
		n += m->anomalies[i].type == t;
	return n;
}

static void
test_anomaly_steady(void)
{
	static const double rates[] = { 0.5, 3, 20, 100, 400 };
	struct load ld;
	struct store *st;
	struct metrics *m;
	size_t r;
	int seed, anomalies = 0, bursts = 0, runs = 0;

	for (r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		for (seed = 0; seed < 4; seed++) {
			load_steady(&ld, rates[r]);
			st = load_store(&ld, 1000 + (uint64_t)seed * 7 + r);
			m = metrics_compute(st, NULL, ANOW, AWIN);
			anomalies += (int)m->nanomalies;
			bursts += (int)m->nbursts;
			if (m->nanomalies > 0)
				printf("# rate %g seed %d: %s\n", rates[r],
				    seed, m->anomalies[0].description);
			runs++;
			metrics_free(m);
			store_free(st);
		}
	}
	is_int(anomalies, 0, "steady Poisson load over 2 h (%d loads, 0.5 to "
	    "400 a minute): no anomaly", runs);
	is_int(bursts, 0, "steady Poisson load: no burst");

	/* Load that starts late in the window: no data is not no load. */
	load_steady(&ld, 20);
	ld.first = 80;
	st = load_store(&ld, 5);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	is_int(m->nanomalies, 0, "load starting 40 min before now: the start "
	    "is not a spike");
	metrics_free(m);
	store_free(st);
}

static void
test_anomaly_rules(void)
{
	struct load ld;
	struct store *st;
	struct metrics *m;
	const struct anomaly *a;
	uint64_t peak = 0, total = 0;
	int i;

	/* An 8x burst for two minutes. */
	load_steady(&ld, 20);
	ld.rate[70] = ld.rate[71] = 160;
	st = load_store(&ld, 11);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	is_int(m->nanomalies, 1, "an 8x burst: exactly one anomaly");
	a = m->nanomalies ? &m->anomalies[0] : NULL;
	ok(a && a->type == ANOM_SPIKE && a->ts_ms == ABASE + 70 * MIN_MS,
	    "a spike at the burst's first minute");
	ok(a && a->severity == SEV_HIGH && a->observed > 6 * a->baseline,
	    "severity high (%.0f vs %.0f)", a ? a->observed : 0,
	    a ? a->baseline : 0);
	ok(a && strstr(a->description, "runs finished in the busiest of 2 "
	    "minutes vs a baseline of") && strstr(a->description,
	    "(median of 30 min)"), "description: %s", a ? a->description : "");
	is_str(anomaly_type_name(ANOM_SPIKE), "spike", "type name");
	is_str(severity_name(SEV_HIGH), "high", "severity name");
	for (i = 70; i <= 71; i++) {
		total += metrics_minute(m, i).finished;
		if (metrics_minute(m, i).finished > peak)
			peak = metrics_minute(m, i).finished;
	}
	ok(m->nbursts == 1 && m->bursts[0].start_ms == ABASE + 70 * MIN_MS &&
	    m->bursts[0].end_ms == ABASE + 72 * MIN_MS &&
	    m->bursts[0].peak == peak && m->bursts[0].total == total &&
	    m->bursts[0].impact == SEV_HIGH,
	    "one burst: minutes 70-71, peak %llu, total %llu, high impact",
	    (unsigned long long)peak, (unsigned long long)total);
	ok(m->peak_per_minute == peak, "the peak minute is in the burst");
	metrics_free(m);
	store_free(st);

	/* A drop to a tenth for five minutes. */
	load_steady(&ld, 40);
	for (i = 90; i < 95; i++)
		ld.rate[i] = 4;
	st = load_store(&ld, 12);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	is_int(m->nanomalies, 1, "a drop to 1/10: exactly one anomaly");
	a = m->nanomalies ? &m->anomalies[0] : NULL;
	ok(a && a->type == ANOM_DROP && a->ts_ms == ABASE + 90 * MIN_MS &&
	    a->severity == SEV_HIGH, "a high drop at its first minute: %s",
	    a ? a->description : "");
	metrics_free(m);
	store_free(st);

	/* A failure surge: 75 % failing for three minutes. */
	load_steady(&ld, 20);
	for (i = 100; i < 103; i++)
		ld.fail[i] = 0.75;
	st = load_store(&ld, 13);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	is_int(m->nanomalies, 1, "a failure surge: exactly one anomaly");
	is_int(count_type(m, ANOM_FAILURE_SURGE), 1, "of type failure_surge");
	a = m->nanomalies ? &m->anomalies[0] : NULL;
	ok(a && a->ts_ms == ABASE + 100 * MIN_MS && a->severity ==
	    SEV_MEDIUM && strstr(a->description, "runs failed in the worst "
	    "of 3 minutes"), "at its first minute, medium: %s",
	    a ? a->description : "");
	metrics_free(m);
	store_free(st);

	/* Execution 8x slower for two minutes. */
	load_steady(&ld, 20);
	ld.slow[60] = ld.slow[61] = 8;
	st = load_store(&ld, 14);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	is_int(m->nanomalies, 1, "a latency spike: exactly one anomaly");
	a = m->nanomalies ? &m->anomalies[0] : NULL;
	ok(a && a->type == ANOM_LATENCY_SPIKE && a->ts_ms == ABASE + 60 *
	    MIN_MS && a->observed > 3 * a->baseline,
	    "latency_spike at its first minute: %s", a ? a->description : "");
	metrics_free(m);
	store_free(st);

	/* Significant but small moves are not anomalies. */
	load_steady(&ld, 400);
	ld.rate[60] = 600;
	st = load_store(&ld, 17);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	ok(m->nanomalies == 0 && metrics_minute(m, 60).finished > 500,
	    "1.5x at 400 a minute (%llu finished): no spike",
	    (unsigned long long)metrics_minute(m, 60).finished);
	metrics_free(m);
	store_free(st);
	load_steady(&ld, 100);
	ld.slow[60] = 2;
	st = load_store(&ld, 18);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	is_int(m->nanomalies, 0, "2x slower at 100 a minute: no latency spike");
	metrics_free(m);
	store_free(st);
	load_steady(&ld, 20);
	ld.outlier[60] = 200;
	st = load_store(&ld, 19);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	ok(m->nanomalies == 0 && metrics_minute(m, 60).exec_max_ms * 3 >
	    metrics_minute(m, 60).exec_sum_ms, "one run 200x slower (most of the "
	    "minute's time): no latency spike");
	metrics_free(m);
	store_free(st);

	/* A huge burst in the minute holding now is not judged. */
	load_steady(&ld, 20);
	ld.rate[120] = 1000;
	st = load_store(&ld, 15);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	ok(metrics_minute(m, m->nminutes - 1).finished > 200 && m->nanomalies == 0,
	    "the current minute (%llu finished so far) is never judged",
	    (unsigned long long)metrics_minute(m, m->nminutes - 1).finished);
	metrics_free(m);
	store_free(st);

	/* A spike and a later drop: newest first. */
	load_steady(&ld, 40);
	ld.rate[50] = 320;
	for (i = 100; i < 103; i++)
		ld.rate[i] = 2;
	st = load_store(&ld, 16);
	m = metrics_compute(st, NULL, ANOW, AWIN);
	ok(m->nanomalies == 2 && m->anomalies[0].type == ANOM_DROP &&
	    m->anomalies[1].type == ANOM_SPIKE, "two anomalies, newest first");
	metrics_free(m);
	store_free(st);
}

/* A feed with endless agent, model and tool names: groups stay bounded, counts stay whole. */
static void
test_group_bound(void)
{
	struct evlist l = { NULL, 0, 0 };
	const int64_t now = 1800000000000, n = METRICS_GROUPS_MAX + 500;
	struct store *st;
	struct metrics *m;
	uint64_t agent_sum = 0, model_calls = 0, tool_calls = 0;
	const struct agent_stats *other = NULL;
	char name[64], run[64];

	for (int64_t i = 0; i < n; i++) {
		struct event *ev;

		snprintf(run, sizeof run, "gb-%lld", (long long)i);
		snprintf(name, sizeof name, "agent-%05lld", (long long)i);
		ev = ev_add(&l, EV_RUN_STARTED, run, now - 60000);
		ev->agent_name = xstrdup(name);
		ev = ev_add(&l, EV_LLM_CALL, run, now - 50000);
		snprintf(name, sizeof name, "model-%05lld", (long long)i);
		ev->model_id = xstrdup(name);
		ev = ev_add(&l, EV_TOOL_CALL, run, now - 40000);
		snprintf(name, sizeof name, "tool-%05lld", (long long)i);
		ev->tool_id = xstrdup(name);
		ev = ev_add(&l, EV_RUN_COMPLETED, run, now - 1000);
	}
	st = build(&l, NULL, 0);
	m = metrics_compute(st, NULL, now, 3600000);
	is_int(m->total, n, "all %lld runs with distinct agents are counted", (long long)n);
	ok(m->nagents == METRICS_GROUPS_MAX + 1, "agent groups stop at the bound plus (other): %zu",
	    m->nagents);
	ok(m->nmodels == METRICS_GROUPS_MAX + 1, "model groups too: %zu", m->nmodels);
	ok(m->ntools == METRICS_GROUPS_MAX + 1, "tool groups too: %zu", m->ntools);
	for (size_t i = 0; i < m->nagents; i++) {
		agent_sum += m->agents[i].executions;
		if (strcmp(m->agents[i].agent_name, METRICS_OTHER) == 0)
			other = &m->agents[i];
	}
	for (size_t i = 0; i < m->nmodels; i++)
		model_calls += m->models[i].calls;
	for (size_t i = 0; i < m->ntools; i++)
		tool_calls += m->tools[i].calls;
	is_int(agent_sum, n, "the agent groups still add up to every run");
	ok(other != NULL && other->executions == (uint64_t)(n - METRICS_GROUPS_MAX),
	    "the excess is counted under (other)");
	is_int(model_calls, n, "every llm call is counted");
	is_int(tool_calls, n, "every tool call is counted");
	metrics_free(m);
	store_free(st);
	evlist_free(&l);
}

int
main(void)
{
	make_specs();
	test_oracle();
	test_determinism();
	test_evict_invisible();
	test_hand();
	test_flags();
	test_anomaly_steady();
	test_anomaly_rules();
	test_long_window();
	test_group_bound();
	evlist_free(&all);
	free(specs);
	return tap_done();
}
