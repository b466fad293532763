/* execmon - the model: runs, their event logs, traces, queues, workers. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "map.h"
#include "store-log-int.h"
#include "strpool.h"
#include "prices.h"
#include "source.h"
#include "store.h"
#include "store-int.h"
#include "xmalloc.h"

/*
 * The contract.
 *
 * Idempotency. An event with an entry ID is identified by (source, entry ID).
 * A run's log is sorted by (event time, source, entry ID), and a repeat of an
 * event carries its time, so the log itself tells a repeat (a binary search,
 * no set beside it); the events a run let go from its log (its bounds, below)
 * leave their (source, entry ID) as a 64-bit hash in the run's sorted gone
 * array. Events without a run (queue.depth, worker.status, unknown types) are
 * known by that hash in a global set of the last STORE_GLOBAL_SEEN keys;
 * worker samples also carry their key, so a sample still held is never
 * stored twice. The same entry ID sent again with another time (which no
 * source does: an entry's time is part of it) would count as a new event. A repeat returns 0 and changes
 * nothing but store_duplicates. Events without an entry ID (WebSocket feeds)
 * cannot be recognised and always count.
 *
 * Order independence. Every derived field of a run is a commutative,
 * associative fold over its events: minimum times (queued, started, first),
 * maximum times (last, last llm.call), the smallest string where identity
 * values conflict, the largest estimate, the smallest priority, counts and
 * sums. The terminal state comes from the terminal event with the greatest
 * key (event time, then failed > cancelled > completed, then the entry hash);
 * when two distinct events share the whole key their fields merge by the same
 * min/max rules. The latest progress and the latest llm.call's model break
 * time ties by the larger value and the smaller string. So the same set of
 * events in any order gives the same run, field for field; only the order of
 * events with equal (time, source, entry ID) in the log, and the order of
 * runs in the run vector and trace index (first seen), follow arrival.
 *
 * Tokens and cost. Input tokens, output tokens and cost are each the deciding
 * terminal event's total when it carries that field, else the sum over the
 * run's llm.call events. Cost is summed in integer nano-dollars
 * (llround(usd * 1e9)), so sums are exact and do not depend on order.
 *
 * Eviction. store_evict(horizon) drops finished runs whose every event is
 * older than the horizon (a late llm.call after the terminal event keeps its
 * run), so a run that is evicted is in no figure of a window after it. On creating a run beyond the bound (STORE_RUNS_MAX, or
 * store_set_max_runs), about 1/64 of the bound is evicted at once: the
 * finished runs that finished first, and only when there are not enough of
 * those, the unfinished runs seen first. An event for an evicted run starts a
 * new run.
 *
 * Memory. Runs are bounded as above. A run's log holds at most STORE_LOG_MAX
 * events and 16 MiB of packed events (store-log.c; the oldest by event time
 * go first, counted in log_dropped, after their effect on the run is
 * applied); its gone array holds 8 bytes per event dropped so and lives as
 * long as the run. Worker samples: STORE_WORKER_SAMPLES.
 * The global seen set: STORE_GLOBAL_SEEN keys. Queues: one per name seen.
 */


int64_t
store_add_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t
store_usd_to_nusd(double usd)
{
	double x;

	if (!isfinite(usd))
		return 0;
	x = usd * 1e9;
	if (x >= 9.2e18)
		return INT64_MAX;
	if (x <= -9.2e18)
		return INT64_MIN;
	return (int64_t)llround(x);
}

/*
 * Strings a run holds: names that many runs share (agents, queues, models,
 * sources, workspaces...) and ids that name runs (its own, its trace, its
 * parent and root) are interned in the store's pool; values that are nearly
 * always unique to a run (span and request ids, error messages) are plain
 * copies: pool is NULL for those.
 */
static const char *
str_hold(struct strpool *pool, const char *s)
{
	if (pool != NULL)
		return strpool_get(pool, s);
	return s != NULL ? xstrdup(s) : NULL;
}

static void
str_drop(struct strpool *pool, const char *s)
{
	if (pool != NULL)
		strpool_put(pool, s);
	else
		free((char *)(uintptr_t)s);
}

/* Keep the smaller of *dst and src (NULL = absent); 1 if *dst changed. */
static int
str_min(struct store *st, const char **dst, const char *src)
{
	struct strpool *pool = st != NULL ? st->strings : NULL;

	if (src == NULL || (*dst != NULL && strcmp(src, *dst) >= 0))
		return 0;
	str_drop(pool, *dst);
	*dst = str_hold(pool, src);
	return 1;
}

/* Make *dst a held copy of src (either may be NULL). */
static void
str_set(struct store *st, const char **dst, const char *src)
{
	struct strpool *pool = st != NULL ? st->strings : NULL;

	if (*dst == src ||
	    (*dst != NULL && src != NULL && strcmp(*dst, src) == 0))
		return;
	str_drop(pool, *dst);
	*dst = str_hold(pool, src);
}

static void
run_free(struct store *st, struct run *r)
{
	if (st->watch != NULL)
		st->watch(st->watch_arg, r, STORE_RUN_GONE, NULL);
	st->body_bytes -= r->pk_held;
	log_free(r);
	free(r->gone);
	store_trace_remove(st, r);
	strpool_put(st->strings, r->agent_id);
	strpool_put(st->strings, r->agent_name);
	strpool_put(st->strings, r->agent_version);
	strpool_put(st->strings, r->trace_id);
	str_drop(NULL, r->span_id);
	strpool_put(st->strings, r->parent_run_id);
	strpool_put(st->strings, r->root_run_id);
	str_drop(NULL, r->request_id);
	strpool_put(st->strings, r->user_id);
	strpool_put(st->strings, r->workspace_id);
	strpool_put(st->strings, r->origin);
	strpool_put(st->strings, r->queue);
	strpool_put(st->strings, r->model_id);
	strpool_put(st->strings, r->error_class);
	str_drop(NULL, r->error_message);
	strpool_put(st->strings, r->fallback_reason);
	strpool_put(st->strings, r->term_model);
	strpool_put(st->strings, r->llm_model);
	store_run_release(st, r);
}

/* Remove every run whose index is SIZE_MAX, keeping the others' order. */
void
store_remove_marked(struct store *st)
{
	struct run *r;
	size_t i, j, n = 0;

	for (i = j = 0; i < st->nruns; i++) {
		r = st->runs[i];
		if (r->index == SIZE_MAX) {
			run_free(st, r);
			n++;
			continue;
		}
		r->index = j;
		st->runs[j++] = r;
	}
	st->nruns = j;
	st->evicted += n;
	if (n > 0)
		st->version++;
}

static int
cmp_finished(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a;
	const struct run *y = *(struct run *const *)b;

	if (x->finished_ms != y->finished_ms)
		return x->finished_ms < y->finished_ms ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int
cmp_first(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a;
	const struct run *y = *(struct run *const *)b;

	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Make room for one more run: evict a batch, finished runs first. */
static void
store_make_room(struct store *st)
{
	struct run **fin, **unfin;
	size_t batch, need, nfin = 0, nunfin = 0, i;

	batch = st->max_runs / 64;
	if (batch == 0)
		batch = 1;
	need = st->nruns + batch - st->max_runs;
	if (need > st->nruns)
		need = st->nruns;

	fin = xreallocarray(NULL, st->nruns, sizeof *fin);
	unfin = xreallocarray(NULL, st->nruns, sizeof *unfin);
	for (i = 0; i < st->nruns; i++) {
		if (run_is_finished(st->runs[i]))
			fin[nfin++] = st->runs[i];
		else
			unfin[nunfin++] = st->runs[i];
	}
	qsort(fin, nfin, sizeof *fin, cmp_finished);
	for (i = 0; i < nfin && need > 0; i++, need--)
		fin[i]->index = SIZE_MAX;
	if (need > 0) {
		qsort(unfin, nunfin, sizeof *unfin, cmp_first);
		for (i = 0; i < nunfin && need > 0; i++, need--)
			unfin[i]->index = SIZE_MAX;
	}
	free(fin);
	free(unfin);
	store_remove_marked(st);
}

static struct run *
run_create(struct store *st, const char *id)
{
	struct run *r;

	if (st->nruns >= st->max_runs)
		store_make_room(st);
	r = store_run_new(st, id);
	r->progress = -1;
	if (st->nruns == st->runs_cap) {
		st->runs_cap = st->runs_cap == 0 ? 64 : st->runs_cap * 2;
		st->runs = xreallocarray(st->runs, st->runs_cap,
		    sizeof *st->runs);
	}
	r->index = st->nruns;
	st->runs[st->nruns++] = r;
	return r;
}

static int
terminal_rank(int type)
{
	switch (type) {
	case EV_RUN_COMPLETED:
		return 1;
	case EV_RUN_CANCELLED:
		return 2;
	case EV_RUN_FAILED:
		return 3;
	}
	return 0;
}

/* Compare a terminal event's key with the run's deciding one. */
static int
terminal_cmp(const struct run *r, const struct event *ev, uint64_t key)
{
	int a, b;

	if (r->term_key_type == 0)
		return 1;
	if (ev->ts_ms != r->term_key_ms)
		return ev->ts_ms > r->term_key_ms ? 1 : -1;
	a = terminal_rank(ev->type);
	b = terminal_rank(r->term_key_type);
	if (a != b)
		return a > b ? 1 : -1;
	if (key != r->term_key_id)
		return key > r->term_key_id ? 1 : -1;
	return 0;
}

static int64_t
event_total(const struct event *ev, uint32_t bit)
{
	switch (bit) {
	case EF_INPUT_TOKENS:
		return ev->input_tokens;
	case EF_OUTPUT_TOKENS:
		return ev->output_tokens;
	}
	return store_usd_to_nusd(ev->cost_usd);
}

/* Fold a terminal event into the run's terminal decision. */
static void
run_terminal(struct store *st, struct run *r, const struct event *ev,
    uint64_t key)
{
	static const uint32_t bits[] = {
	    EF_INPUT_TOKENS, EF_OUTPUT_TOKENS, EF_COST_USD
	};
	int64_t *tot[] = { &r->tot_in, &r->tot_out, &r->tot_nusd };
	int c = terminal_cmp(r, ev, key);
	int failed = ev->type == EV_RUN_FAILED;
	int64_t v;
	size_t i;

	if (c < 0)
		return;
	if (c > 0) {
		r->term_key_ms = ev->ts_ms;
		r->term_key_type = ev->type;
		r->term_key_id = key;
		str_set(st, &r->error_class, failed ? ev->error_class : NULL);
		str_set(NULL, &r->error_message, failed ? ev->error_message : NULL);
		str_set(st, &r->term_model, ev->model_id);
		r->tot_has = ev->has & TOTALS_MASK;
		for (i = 0; i < 3; i++) {
			*tot[i] = (ev->has & bits[i]) ?
			    event_total(ev, bits[i]) : 0;
		}
		return;
	}

	/* Two distinct events with the same key: merge them. */
	if (failed) {
		str_min(st, &r->error_class, ev->error_class);
		str_min(NULL, &r->error_message, ev->error_message);
	}
	str_min(st, &r->term_model, ev->model_id);
	for (i = 0; i < 3; i++) {
		if (!(ev->has & bits[i]))
			continue;
		v = event_total(ev, bits[i]);
		if (!(r->tot_has & bits[i]) || v > *tot[i])
			*tot[i] = v;
		r->tot_has |= bits[i];
	}
}

/* Recompute the fields that combine several private ones. */
static void
run_derive(struct store *st, struct run *r)
{
	switch (r->term_key_type) {
	case EV_RUN_COMPLETED:
		r->status = RUN_COMPLETED;
		break;
	case EV_RUN_FAILED:
		r->status = RUN_FAILED;
		break;
	case EV_RUN_CANCELLED:
		r->status = RUN_CANCELLED;
		break;
	default:
		if (r->types & TYPE_BIT(EV_RUN_STARTED))
			r->status = RUN_RUNNING;
		else if (r->types & TYPE_BIT(EV_RUN_QUEUED))
			r->status = RUN_QUEUED;
		else
			r->status = RUN_UNKNOWN;
		break;
	}
	r->finished_ms = r->term_key_type != 0 ? r->term_key_ms : 0;
	str_set(st, &r->model_id, r->term_model != NULL ? r->term_model :
	    r->llm_model);
	r->has_totals = r->tot_has != 0;
	r->input_tokens = (r->tot_has & EF_INPUT_TOKENS) ? r->tot_in :
	    r->llm_in;
	r->output_tokens = (r->tot_has & EF_OUTPUT_TOKENS) ? r->tot_out :
	    r->llm_out;
	r->cost_nusd = (r->tot_has & EF_COST_USD) ? r->tot_nusd : r->llm_nusd;
	r->cost_estimated = !(r->tot_has & EF_COST_USD) && r->llm_estimated;
}

/* Fold one new event into the run's derived state. */
static void
run_fold(struct store *st, struct run *r, const struct event *ev, uint64_t key)
{
	int64_t ts = ev->ts_ms;
	uint32_t bit = (unsigned)ev->type < EV__COUNT ? TYPE_BIT(ev->type) : 0;

	if (r->nevents == 0 || ts < r->first_ms)
		r->first_ms = ts;
	if (r->nevents == 0 || ts > r->last_ms)
		r->last_ms = ts;
	r->nevents++;

	str_min(st, &r->agent_id, ev->agent_id);
	str_min(st, &r->agent_name, ev->agent_name);
	str_min(st, &r->agent_version, ev->agent_version);
	str_min(NULL, &r->span_id, ev->span_id);
	str_min(st, &r->parent_run_id, ev->parent_run_id);
	str_min(st, &r->root_run_id, ev->root_run_id);
	str_min(NULL, &r->request_id, ev->request_id);
	str_min(st, &r->user_id, ev->user_id);
	str_min(st, &r->workspace_id, ev->workspace_id);
	str_min(st, &r->origin, ev->origin);
	str_min(st, &r->queue, ev->queue);
	str_min(st, &r->fallback_reason, ev->fallback_reason);
	if (ev->trace_id != NULL && (r->trace_id == NULL ||
	    strcmp(ev->trace_id, r->trace_id) < 0)) {
		if (r->trace_id != NULL)
			store_trace_remove(st, r);
		str_min(st, &r->trace_id, ev->trace_id);
		store_trace_add(st, r);
	}
	if ((ev->has & EF_ESTIMATED_MS) && ev->estimated_ms > r->estimated_ms)
		r->estimated_ms = ev->estimated_ms;

	switch (ev->type) {
	case EV_RUN_QUEUED:
		if (!(r->types & bit) || ts < r->queued_ms)
			r->queued_ms = ts;
		if ((ev->has & EF_PRIORITY) && (!r->has_priority ||
		    ev->priority < r->priority)) {
			r->priority = ev->priority;
			r->has_priority = 1;
		}
		store_queue_get(st, ev->queue != NULL ? ev->queue : "default");
		break;
	case EV_RUN_STARTED:
		if (!(r->types & bit) || ts < r->started_ms)
			r->started_ms = ts;
		break;
	case EV_RUN_PROGRESS:
		if ((ev->has & EF_PROGRESS) && (r->progress < 0 ||
		    ts > r->progress_ms || (ts == r->progress_ms &&
		    ev->progress > r->progress))) {
			r->progress = ev->progress;
			r->progress_ms = ts;
		}
		break;
	case EV_RUN_COMPLETED:
	case EV_RUN_FAILED:
	case EV_RUN_CANCELLED:
		run_terminal(st, r, ev, key);
		break;
	case EV_RUN_RETRY:
		r->retries = store_add_sat(r->retries, 1);
		break;
	case EV_LLM_CALL:
		r->llm_calls = store_add_sat(r->llm_calls, 1);
		if (ev->has & EF_INPUT_TOKENS)
			r->llm_in = store_add_sat(r->llm_in, ev->input_tokens);
		if (ev->has & EF_OUTPUT_TOKENS)
			r->llm_out = store_add_sat(r->llm_out, ev->output_tokens);
		if (ev->has & EF_COST_USD)
			r->llm_nusd = store_add_sat(r->llm_nusd,
			    store_usd_to_nusd(ev->cost_usd));
		if ((ev->has & EF_COST_USD) && prices_is_estimated(ev))
			r->llm_estimated = 1;
		if (!(r->types & bit) || ts > r->last_llm_ms)
			r->last_llm_ms = ts;
		if (ev->model_id != NULL && (r->llm_model == NULL ||
		    ts > r->llm_model_ms)) {
			str_set(st, &r->llm_model, ev->model_id);
			r->llm_model_ms = ts;
		} else if (ev->model_id != NULL && ts == r->llm_model_ms)
			str_min(st, &r->llm_model, ev->model_id);
		break;
	case EV_TOOL_CALL:
		r->tool_calls = store_add_sat(r->tool_calls, 1);
		if (ev->outcome != NULL && strcmp(ev->outcome, "success") != 0)
			r->tool_errors = store_add_sat(r->tool_errors, 1);
		break;
	default:
		break;
	}
	r->types |= bit;
	run_derive(st, r);
}


/* An event without a run: a gauge, a worker sample, or just a count. */
static int
store_apply_global(struct store *st, const struct event *ev, uint64_t key)
{
	struct queue_state *q;

	if (key != 0 && store_global_seen_add(st, key))
		return 0;
	switch (ev->type) {
	case EV_QUEUE_DEPTH:
		q = store_queue_get(st, ev->queue != NULL ? ev->queue : "default");
		if ((ev->has & EF_DEPTH) && ev->depth >= 0 && (q->gauge < 0 ||
		    ev->ts_ms > q->gauge_ms || (ev->ts_ms == q->gauge_ms &&
		    ev->depth > q->gauge))) {
			q->gauge = ev->depth;
			q->gauge_ms = ev->ts_ms;
			q->paused = (ev->has & EF_PAUSED) ? ev->paused : -1;
		}
		break;
	case EV_WORKER_STATUS:
		if (!store_worker_add(st, ev, key))
			return 0;
		break;
	default:
		break;
	}
	if ((unsigned)ev->type < EV__COUNT)
		st->type_count[ev->type]++;
	return 1;
}

struct store *
store_create(void)
{
	static uint64_t serials;
	struct store *st = xcalloc(1, sizeof *st);

	st->serial = ++serials;
	st->max_runs = STORE_RUNS_MAX;
	st->strings = strpool_create();
	st->by_queue = map_create();
	return st;
}

void
store_free(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (st->watch_free != NULL)
		st->watch_free(st->watch_arg);
	st->watch = NULL;
	store_runs_done(st);
	for (i = 0; i < st->nqueues; i++) {
		free(st->queues[i]->name);
		free(st->queues[i]);
	}
	free(st->queues);
	map_free(st->by_queue);
	free(st->wbuf);
	free(st->gring);
	free(st->gtab);
	strpool_free(st->strings);
	free(st);
}

void
store_set_bodies(struct store *st, enum store_bodies b)
{
	st->bodies = b;
}

/* Whether ev's body is left to its source (see store_set_bodies). */
static int
store_slim(const struct store *st, const struct event *ev)
{
	const struct source_info *si;

	if (st->bodies != STORE_BODIES_REREAD || ev->entry_id == NULL ||
	    ev->source < 0)
		return 0;
	si = sources_get(ev->source);
	return si != NULL && si->rereadable;
}

void
store_set_max_runs(struct store *st, size_t max)
{
	st->max_runs = max == 0 ? 1 : max;
}

int
store_apply(struct store *st, struct event *ev)
{
	uint64_t key = store_event_key(ev);
	struct run *r;
	int changed;

	if (ev->run_id == NULL || *ev->run_id == '\0' ||
	    ev->type == EV_QUEUE_DEPTH || ev->type == EV_WORKER_STATUS) {
		changed = store_apply_global(st, ev, key);
		event_done(ev);
		event_init(ev);
	} else {
		r = store_run_lookup(st, ev->run_id);
		if (r == NULL)
			r = run_create(st, ev->run_id);
		if (key != 0 && (log_has(r, ev) || store_run_gone_has(r, key))) {
			event_done(ev);
			event_init(ev);
			changed = 0;
		} else {
			struct event *old = NULL;
			unsigned char *slim = NULL;
			uint32_t held = r->pk_held;
			int type = ev->type;

			if (st->watch != NULL)
				st->watch(st->watch_arg, r, STORE_RUN_BEFORE, ev);
			/* packed events may refer to identity about to change */
			if (r->nlog > 0 && log_identity_changes(r, ev))
				old = log_unpack_all(r, &slim);
			run_fold(st, r, ev, key);
			if (old != NULL)
				log_repack_all(r, old, slim);
			log_insert(r, ev, store_slim(st, ev));
			if (terminal_rank(type) > 0)
				log_shrink(r);
			st->body_bytes += r->pk_held;
			st->body_bytes -= held;
			if (st->log_budget > 0 && st->body_bytes > st->log_budget)
				store_bodies_trim(st);
			if (st->watch != NULL)
				st->watch(st->watch_arg, r, STORE_RUN_AFTER, NULL);
			changed = 1;
		}
	}
	if (changed)
		st->version++;
	else
		st->duplicates++;
	return changed;
}

uint64_t
store_serial(const struct store *st)
{
	return st->serial;
}

uint64_t
store_version(const struct store *st)
{
	return st->version;
}

size_t
store_nruns(const struct store *st)
{
	return st->nruns;
}

struct run *
store_run_at(const struct store *st, size_t i)
{
	return i < st->nruns ? st->runs[i] : NULL;
}

struct run *
store_find(const struct store *st, const char *run_id)
{
	return store_run_lookup(st, run_id);
}

size_t
store_nqueues(const struct store *st)
{
	return st->nqueues;
}

struct queue_state *
store_queue_at(const struct store *st, size_t i)
{
	return i < st->nqueues ? st->queues[i] : NULL;
}

void
store_queues_refresh(struct store *st)
{
	struct queue_state *q;
	struct run *r;
	size_t i;

	for (i = 0; i < st->nqueues; i++) {
		st->queues[i]->queued = 0;
		st->queues[i]->oldest_queued_ms = 0;
	}
	for (i = 0; i < st->nruns; i++) {
		r = st->runs[i];
		if (r->status != RUN_QUEUED)
			continue;
		q = store_queue_get(st, r->queue != NULL ? r->queue : "default");
		if (q->queued == 0 || r->queued_ms < q->oldest_queued_ms)
			q->oldest_queued_ms = r->queued_ms;
		q->queued++;
	}
}

size_t
store_workers(const struct store *st, const struct worker_sample **out)
{
	*out = st->wbuf == NULL ? NULL : st->wbuf + st->wstart;
	return st->nw;
}

uint64_t
store_type_count(const struct store *st, enum event_type type)
{
	return (unsigned)type < EV__COUNT ? st->type_count[type] : 0;
}

uint64_t
store_duplicates(const struct store *st)
{
	return st->duplicates;
}

uint64_t
store_evicted(const struct store *st)
{
	return st->evicted;
}

void
store_evict(struct store *st, int64_t horizon_ms)
{
	struct run *r;
	size_t i, n = 0;

	for (i = 0; i < st->nruns; i++) {
		r = st->runs[i];
		if (run_is_finished(r) && r->last_ms < horizon_ms) {
			r->index = SIZE_MAX;
			n++;
		}
	}
	if (n > 0)
		store_remove_marked(st);
}

static const char *const run_status_names[RUN__COUNT] = {
	"unknown", "queued", "running", "completed", "failed", "cancelled"
};

const char *
run_status_name(enum run_status s)
{
	return (unsigned)s < RUN__COUNT ? run_status_names[s] : "unknown";
}

int
run_status_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < RUN__COUNT; i++) {
		if (strcmp(name, run_status_names[i]) == 0)
			return i;
	}
	return -1;
}

int
run_is_finished(const struct run *r)
{
	return r->status == RUN_COMPLETED || r->status == RUN_FAILED ||
	    r->status == RUN_CANCELLED;
}

size_t
store_estimated_runs(const struct store *st)
{
	size_t n = 0;

	for (size_t i = 0; i < store_nruns(st); i++)
		n += store_run_at(st, i)->cost_estimated != 0;
	return n;
}
