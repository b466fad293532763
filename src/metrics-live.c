/* execmon - the live runs' expected times, ETAs, flags and projected costs. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "metrics-int.h"
#include "xmalloc.h"


/* Cost at the run's current rate over the horizon of the contract. */
static int64_t
projected_cost(int64_t cost, int64_t elapsed, int64_t expected)
{
	double horizon, v;

	if (expected < 0 || elapsed <= 0)
		return -1;
	horizon = expected > elapsed ? (double)expected : 2.0 * (double)elapsed;
	v = (double)cost * horizon / (double)elapsed;
	if (v >= 9.2e18)
		return INT64_MAX;
	if (v <= -9.2e18)
		return INT64_MIN;
	return (int64_t)llround(v);
}

static struct flagged *
flag_push(struct metrics *m, size_t *cap, struct live_run *lr,
    enum flag_reason reason, int64_t expected)
{
	struct flagged *fl;

	m->flags = metrics_grow(m->flags, cap, m->nflags + 1, sizeof *m->flags);
	fl = &m->flags[m->nflags++];
	memset(fl, 0, sizeof *fl);
	fl->run = lr->run;
	fl->reason = reason;
	fl->elapsed_ms = lr->elapsed_ms;
	fl->expected_ms = expected;
	fl->cost_nusd = lr->run->cost_nusd;
	if (lr->flagged == 0)
		lr->flagged = (int)m->nflags;
	return fl;
}

/* Expected times and ETAs of the live runs; flags on the running ones. */
void
metrics_live_finish(struct ctx *c)
{
	struct metrics *m = c->m;
	struct live_run *lr;
	struct agent_acc *aa;
	struct agent_stats *a;
	struct queue_stats *qs;
	struct queue_acc *qa;
	struct flagged *fl;
	const struct run *r;
	size_t i, ai, fcap = 0;
	int64_t ref, est;
	double p99;

	/* one pass: with many live runs, each visit of a run is a cache miss */
	for (i = 0; i < m->nrunning + m->nqueued; i++) {
		lr = i < m->nrunning ? &m->running[i] :
		    &m->queued[i - m->nrunning];
		r = lr->run;
		ai = metrics_agent_find(c, r);
		aa = &c->aacc[ai];
		a = &m->agents[ai];
		if (r->estimated_ms > 0)
			lr->expected_ms = r->estimated_ms;
		else if (aa->p50 >= 0 && a->exec.count >= ETA_MIN_SAMPLES)
			lr->expected_ms = llround(aa->p50);
		if (i >= m->nrunning) {
			qs = metrics_queue_find(c, metrics_run_queue(r), &qa);
			if (qs != NULL && qs->avg_wait_ms >= 0)
				lr->eta_ms = r->queued_ms +
				    llround(qs->avg_wait_ms);
			continue;
		}
		if (lr->expected_ms >= 0)
			lr->eta_ms = store_add_sat(r->started_ms,
			    lr->expected_ms);

		est = r->estimated_ms;
		if (est > 0) {
			if ((double)lr->elapsed_ms > 2.0 * (double)est &&
			    lr->elapsed_ms > FLAG_MIN_MS) {
				fl = flag_push(m, &fcap, lr,
				    FLAG_PAST_ESTIMATE, est);
				fl->projected_nusd = projected_cost(
				    fl->cost_nusd, lr->elapsed_ms, est);
				fl->ratio = (double)lr->elapsed_ms / (double)est;
			}
		} else if (a->exec.count >= P99_MIN_SAMPLES && aa->p99 > 0) {
			p99 = aa->p99;
			if ((double)lr->elapsed_ms > 1.5 * p99 &&
			    lr->elapsed_ms > FLAG_MIN_MS) {
				fl = flag_push(m, &fcap, lr, FLAG_PAST_P99,
				    llround(p99));
				fl->projected_nusd = projected_cost(
				    fl->cost_nusd, lr->elapsed_ms,
				    fl->expected_ms);
				fl->ratio = (double)lr->elapsed_ms / p99;
				fl->samples = a->exec.count;
			}
		}

		ref = r->progress >= 0 ? r->progress_ms : r->started_ms;
		if (r->last_llm_ms <= c->now &&
		    c->now - r->last_llm_ms <= RUNAWAY_LLM_MS &&
		    r->llm_calls >= RUNAWAY_CALLS &&
		    store_add_sat(r->input_tokens, r->output_tokens) > 0 &&
		    c->now - ref > RUNAWAY_QUIET_MS && r->last_llm_ms > ref) {
			fl = flag_push(m, &fcap, lr, FLAG_RUNAWAY_TOKENS,
			    lr->expected_ms);
			fl->projected_nusd = projected_cost(fl->cost_nusd,
			    lr->elapsed_ms, lr->expected_ms);
			fl->since_llm_ms = c->now - r->last_llm_ms;
			fl->quiet_ms = c->now - ref;
		}
	}
}

const char *
metrics_flag_why(const struct flagged *fl, char *buf, size_t size)
{
	const struct run *r = fl->run;
	char e1[32], e2[32], e3[32];

	switch (fl->reason) {
	case FLAG_PAST_ESTIMATE:
		format_dur(fl->elapsed_ms, e1, sizeof e1);
		format_dur(fl->expected_ms, e2, sizeof e2);
		snprintf(buf, size, "running %s, %.1fx its estimate of %s", e1,
		    fl->ratio, e2);
		break;
	case FLAG_PAST_P99:
		format_dur(fl->elapsed_ms, e1, sizeof e1);
		format_dur(fl->expected_ms, e2, sizeof e2);
		snprintf(buf, size, "running %s, %.1fx its agent's p99 of %s "
		    "(%llu runs)", e1, fl->ratio, e2,
		    (unsigned long long)fl->samples);
		break;
	default:
		format_dur(fl->since_llm_ms, e2, sizeof e2);
		format_dur(fl->quiet_ms, e3, sizeof e3);
		snprintf(buf, size, "%lld LLM calls and %lld tokens so far, the "
		    "last %s ago, but no progress %s%s%s",
		    (long long)r->llm_calls, (long long)store_add_sat(
		    r->input_tokens, r->output_tokens), e2, r->progress >= 0 ?
		    "for " : "in the ", e3, r->progress >= 0 ? "" :
		    " since it started");
		break;
	}
	return buf;
}

