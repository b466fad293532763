/* execmon - unit tests for the model (runs, logs, traces, queues, workers). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "rng.h"
#include "store-util.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Compare every public field of two runs; returns the first differing name. */
/* Event i of r's log as JSON text with its source and entry ID. */
static char *
log_text(const struct run *r, size_t i)
{
	struct event ev;
	json_t *o;
	char *text;

	run_log_get(r, i, &ev);
	o = event_to_json(&ev);
	json_object_set_new(o, "_source", json_integer(ev.source));
	if (ev.entry_id != NULL)
		json_object_set_new(o, "_id", json_string(ev.entry_id));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	event_done(&ev);
	return text;
}

/* The type name of event i of r's log (a static copy). */
static const char *
log_type(const struct run *r, size_t i)
{
	static char buf[64];
	struct event ev;

	run_log_peek(r, i, &ev);
	snprintf(buf, sizeof buf, "%s", ev.type_name);
	return buf;
}

static int
cmp_text(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/*
 * The same events in both logs (events with equal time, source and entry ID
 * may be held in either order: arrival breaks those ties).
 */
static int
logs_same(const struct run *a, const struct run *b)
{
	char **x = xcalloc(a->nlog + 1, sizeof *x);
	char **y = xcalloc(a->nlog + 1, sizeof *y);
	size_t i;
	int same = 1;

	for (i = 0; i < a->nlog; i++) {
		x[i] = log_text(a, i);
		y[i] = log_text(b, i);
	}
	qsort(x, a->nlog, sizeof *x, cmp_text);
	qsort(y, a->nlog, sizeof *y, cmp_text);
	for (i = 0; i < a->nlog; i++) {
		same = same && strcmp(x[i], y[i]) == 0;
		free(x[i]);
		free(y[i]);
	}
	free(x);
	free(y);
	return same;
}

static const char *
run_diff(const struct run *a, const struct run *b)
{
	size_t i;

#define S(f) if (!streq(a->f, b->f)) return #f
#define I(f) if (a->f != b->f) return #f
	S(id);
	I(status);
	I(queued_ms); I(started_ms); I(finished_ms); I(first_ms); I(last_ms);
	S(agent_id); S(agent_name); S(agent_version);
	S(trace_id); S(span_id); S(parent_run_id); S(root_run_id);
	S(request_id); S(user_id); S(workspace_id); S(origin); S(queue);
	S(model_id); S(error_class); S(error_message); S(fallback_reason);
	I(priority); I(estimated_ms); I(progress); I(progress_ms);
	I(llm_calls); I(tool_calls); I(tool_errors); I(retries);
	I(input_tokens); I(output_tokens); I(cost_nusd); I(last_llm_ms);
	I(has_totals); I(nlog); I(log_dropped);
	for (i = 0; i < a->nlog; i++) {
		if (a->log[i].ts_ms != b->log[i].ts_ms)
			return "log";
	}
	if (!logs_same(a, b))
		return "log";
#undef S
#undef I
	return NULL;
}

static int
log_sorted(const struct run *r)
{
	size_t i;

	for (i = 1; i < r->nlog; i++) {
		if (r->log[i - 1].ts_ms > r->log[i].ts_ms)
			return 0;
	}
	return 1;
}

static void
test_status_names(void)
{
	int i, bad = 0;

	is_str(run_status_name(RUN_UNKNOWN), "unknown", "name of RUN_UNKNOWN");
	is_str(run_status_name(RUN_QUEUED), "queued", "name of RUN_QUEUED");
	is_str(run_status_name(RUN_RUNNING), "running", "name of RUN_RUNNING");
	is_str(run_status_name(RUN_COMPLETED), "completed",
	    "name of RUN_COMPLETED");
	is_str(run_status_name(RUN_FAILED), "failed", "name of RUN_FAILED");
	is_str(run_status_name(RUN_CANCELLED), "cancelled",
	    "name of RUN_CANCELLED");
	for (i = 0; i < RUN__COUNT; i++) {
		if (run_status_from_name(run_status_name(i)) != i)
			bad++;
	}
	is_int(bad, 0, "every status name round-trips");
	is_int(run_status_from_name("done"), -1, "unknown name");
	is_int(run_status_from_name(""), -1, "empty name");
	is_int(run_status_from_name("Failed"), -1, "names are case-sensitive");
}

static void
test_duplicates(void)
{
	struct store *st = store_create();
	struct event ev;
	struct run *r, before;
	uint64_t v;

	ev = ev_new(EV_RUN_STARTED, "r1", 1000, 0, "1000-0");
	ev.agent_id = xstrdup("planner");
	is_int(apply_copy(st, &ev), 1, "first apply changes the model");
	r = store_find(st, "r1");
	ok(r != NULL, "run created on first sight");
	before = *r;
	v = store_version(st);
	is_int(apply_copy(st, &ev), 0, "same event again returns 0");
	is_int(store_version(st), v, "duplicate leaves the version alone");
	is_int(store_duplicates(st), 1, "duplicate counted");
	is_int(r->nlog, before.nlog, "duplicate not logged");
	ok(run_diff(r, &before) == NULL, "duplicate leaves the run unchanged");

	/* Same entry ID on another source is another event. */
	ev.source = 1;
	is_int(apply_copy(st, &ev), 1, "same ID on another source is new");
	is_int(r->nlog, 2, "and logged");

	/* Ownership: the store empties the event it is given. */
	ok(store_apply(st, &ev) == 0 && ev.run_id == NULL &&
	    ev.entry_id == NULL && ev.type_name == NULL && ev.agent_id == NULL,
	    "a duplicate is released too, leaving the event empty");
	event_done(&ev);

	/* Without an entry ID nothing can be recognised. */
	ev = ev_new(EV_LOG, "r1", 1001, 0, NULL);
	apply_copy(st, &ev);
	is_int(apply(st, ev), 1, "events without an entry ID always apply");
	is_int(r->nlog, 4, "both logged");

	/* Non-run events dedup too. */
	ev = ev_new(EV_OTHER, NULL, 5, 0, "5-0");
	is_int(apply_copy(st, &ev), 1, "unknown type without run counted");
	is_int(apply(st, ev), 0, "its duplicate is not");
	is_int(store_type_count(st, EV_OTHER), 1, "counted once");
	is_int(store_duplicates(st), 3, "three duplicates in all");
	store_free(st);
}

#define NPERM_EVENTS 32

/* Append an event with a unique entry ID to set. */
static struct event *
set_add(struct event *set, size_t *n, enum event_type type, const char *run,
    int64_t ts)
{
	char id[48];

	snprintf(id, sizeof id, "%lld-%zu", (long long)ts, *n);
	set[*n] = ev_new(type, run, ts, 0, id);
	return &set[(*n)++];
}

/* A set of events for three runs with every kind of conflict. */
static size_t
build_set(struct event *set)
{
	struct event *e;
	size_t n = 0;

	e = set_add(set, &n, EV_RUN_QUEUED, "r1", 1000);
	e->queue = xstrdup("gpu");
	e->priority = 5;
	e->has |= EF_PRIORITY | EF_ESTIMATED_MS;
	e->estimated_ms = 5000;
	e->agent_id = xstrdup("planner");
	e->agent_name = xstrdup("Planner");
	e->trace_id = xstrdup("t-2");
	e->span_id = xstrdup("s2");
	e = set_add(set, &n, EV_RUN_QUEUED, "r1", 1005);
	e->queue = xstrdup("cpu");
	e->priority = 3;
	e->has |= EF_PRIORITY;
	e->agent_id = xstrdup("alpha");
	e->trace_id = xstrdup("t-1");
	e = set_add(set, &n, EV_RUN_STARTED, "r1", 1100);
	e->agent_version = xstrdup("1.2");
	e->estimated_ms = 7000;
	e->has |= EF_ESTIMATED_MS;
	e->span_id = xstrdup("s1");
	e = set_add(set, &n, EV_RUN_STARTED, "r1", 1150);
	e->user_id = xstrdup("u9");
	e->origin = xstrdup("api");
	e = set_add(set, &n, EV_RUN_RETRY, "r1", 1160);
	e->fallback_reason = xstrdup("rate-limit");
	e->attempt = 2;
	e->has |= EF_ATTEMPT;
	e = set_add(set, &n, EV_RUN_PROGRESS, "r1", 1200);
	e->progress = 0.2;
	e->has |= EF_PROGRESS;
	e = set_add(set, &n, EV_RUN_PROGRESS, "r1", 1300);
	e->progress = 0.5;
	e->has |= EF_PROGRESS;
	e = set_add(set, &n, EV_RUN_PROGRESS, "r1", 1300);
	e->progress = 0.4;
	e->has |= EF_PROGRESS;
	e = set_add(set, &n, EV_RUN_PROGRESS, "r1", 1250);
	e->progress = 0.9;
	e->has |= EF_PROGRESS;
	e = set_add(set, &n, EV_LLM_CALL, "r1", 1210);
	e->model_id = xstrdup("gpt-b");
	e->input_tokens = 100;
	e->output_tokens = 20;
	e->cost_usd = 0.0123;
	e->has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD;
	e = set_add(set, &n, EV_LLM_CALL, "r1", 1400);
	e->model_id = xstrdup("gpt-z");
	e->input_tokens = 50;
	e->output_tokens = 10;
	e->cost_usd = 0.0001;
	e->has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD;
	e = set_add(set, &n, EV_LLM_CALL, "r1", 1400);
	e->model_id = xstrdup("gpt-a");
	e->input_tokens = 1;
	e->output_tokens = 1;
	e->cost_usd = 0.1;
	e->has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD;
	e = set_add(set, &n, EV_LLM_CALL, "r1", 1350);
	e->model_id = xstrdup("claude");
	e = set_add(set, &n, EV_TOOL_CALL, "r1", 1220);
	e->outcome = xstrdup("success");
	e = set_add(set, &n, EV_TOOL_CALL, "r1", 1230);
	e->outcome = xstrdup("error");
	e = set_add(set, &n, EV_TOOL_CALL, "r1", 1240);
	e->outcome = xstrdup("timeout");
	e = set_add(set, &n, EV_TOOL_CALL, "r1", 1250);
	e = set_add(set, &n, EV_LOG, "r1", 1500);
	e->message = xstrdup("hello");
	e = set_add(set, &n, EV_OTHER, "r1", 1450);
	free(e->type_name);
	e->type_name = xstrdup("custom.thing");
	e = set_add(set, &n, EV_RUN_FAILED, "r1", 1600);
	e->error_class = xstrdup("Timeout");
	e->error_message = xstrdup("took too long");
	e->input_tokens = 999;
	e->has |= EF_INPUT_TOKENS;
	e = set_add(set, &n, EV_RUN_COMPLETED, "r1", 1550);
	e->model_id = xstrdup("final-model");
	e->cost_usd = 2.5;
	e->has |= EF_COST_USD;
	e = set_add(set, &n, EV_RUN_CANCELLED, "r1", 1600);
	e = set_add(set, &n, EV_AGENT_THINKING, "r1", 1300);

	e = set_add(set, &n, EV_LLM_CALL, "r2", 2000);
	e->model_id = xstrdup("m");
	e->trace_id = xstrdup("t-1");
	e = set_add(set, &n, EV_LLM_CALL, "r2", 2001);
	e->parent_run_id = xstrdup("r1");

	e = set_add(set, &n, EV_RUN_QUEUED, "r3", 3000);
	e = set_add(set, &n, EV_RUN_QUEUED, "r3", 2999);
	e->workspace_id = xstrdup("w");

	e = set_add(set, &n, EV_QUEUE_DEPTH, NULL, 900);
	e->queue = xstrdup("gpu");
	e->depth = 4;
	e->has |= EF_DEPTH;
	e = set_add(set, &n, EV_QUEUE_DEPTH, NULL, 950);
	e->queue = xstrdup("gpu");
	e->depth = 2;
	e->has |= EF_DEPTH;
	e = set_add(set, &n, EV_QUEUE_DEPTH, NULL, 950);
	e->queue = xstrdup("gpu");
	e->depth = 3;
	e->has |= EF_DEPTH;
	e = set_add(set, &n, EV_WORKER_STATUS, NULL, 990);
	e->workers_total = 8;
	e->has |= EF_WORKERS_TOTAL;
	e = set_add(set, &n, EV_WORKER_STATUS, NULL, 980);
	e->workers_total = 6;
	e->has |= EF_WORKERS_TOTAL;
	return n;
}

/* Everything observable about queues and workers, for comparison. */
static int
store_side_equal(struct store *a, struct store *b)
{
	const struct worker_sample *wa, *wb;
	struct queue_state *qa, *qb;
	size_t i, n;

	store_queues_refresh(a);
	store_queues_refresh(b);
	if (store_nqueues(a) != store_nqueues(b))
		return 0;
	for (i = 0; i < store_nqueues(a); i++) {
		qa = store_queue_at(a, i);
		qb = NULL;
		for (n = 0; n < store_nqueues(b); n++) {
			if (strcmp(store_queue_at(b, n)->name, qa->name) == 0)
				qb = store_queue_at(b, n);
		}
		if (qb == NULL || qa->gauge != qb->gauge ||
		    qa->gauge_ms != qb->gauge_ms || qa->queued != qb->queued ||
		    qa->oldest_queued_ms != qb->oldest_queued_ms)
			return 0;
	}
	n = store_workers(a, &wa);
	if (n != store_workers(b, &wb))
		return 0;
	for (i = 0; i < n; i++) {
		if (wa[i].ts_ms != wb[i].ts_ms || wa[i].total != wb[i].total)
			return 0;
	}
	for (i = 0; i < EV__COUNT; i++) {
		if (store_type_count(a, i) != store_type_count(b, i))
			return 0;
	}
	return 1;
}

static void
test_order_independence(void)
{
	struct event set[NPERM_EVENTS];
	size_t order[2 * NPERM_EVENTS], n, i, p, bad_run = 0, bad_side = 0;
	size_t bad_dup = 0;
	struct store *ref, *st;
	struct run *r, *q;
	const char *why = NULL, *names[] = { "r1", "r2", "r3" };
	struct run *const *tr;

	n = build_set(set);
	ok(n <= NPERM_EVENTS, "test set fits (%zu events)", n);

	ref = store_create();
	for (i = 0; i < n; i++)
		apply_copy(ref, &set[i]);

	r = store_find(ref, "r1");
	ok(r != NULL, "r1 exists");
	is_int(r->status, RUN_FAILED, "failed wins the tie with cancelled");
	is_int(r->finished_ms, 1600, "finished at the deciding event");
	is_str(r->error_class, "Timeout", "error class from run.failed");
	is_str(r->error_message, "took too long",
	    "error message from run.failed");
	is_int(r->queued_ms, 1000, "queued_ms is the earliest run.queued");
	is_int(r->started_ms, 1100, "started_ms is the earliest run.started");
	is_int(r->first_ms, 1000, "first_ms");
	is_int(r->last_ms, 1600, "last_ms");
	is_str(r->agent_id, "alpha", "conflicting agent_id: smallest");
	is_str(r->agent_name, "Planner", "agent_name");
	is_str(r->trace_id, "t-1", "conflicting trace_id: smallest");
	is_str(r->span_id, "s1", "conflicting span_id: smallest");
	is_str(r->queue, "cpu", "conflicting queue: smallest");
	is_str(r->fallback_reason, "rate-limit", "fallback_reason");
	is_int(r->priority, 3, "priority: smallest");
	is_int(r->estimated_ms, 7000, "estimate: largest");
	ok(r->progress == 0.5 && r->progress_ms == 1300,
	    "progress: latest, ties to the larger (%g)", r->progress);
	is_str(r->model_id, "gpt-a",
	    "model: latest llm.call, ties to smallest");
	is_int(r->llm_calls, 4, "llm calls");
	is_int(r->tool_calls, 4, "tool calls");
	is_int(r->tool_errors, 2, "tool errors: error and timeout");
	is_int(r->retries, 1, "retries");
	is_int(r->last_llm_ms, 1400, "last llm call");
	ok(r->has_totals, "terminal totals seen");
	is_int(r->input_tokens, 999, "input tokens from the deciding totals");
	is_int(r->output_tokens, 31, "output tokens from llm sums");
	is_int(r->cost_nusd, 112400000, "cost from llm sums, exact");
	is_int(r->nlog, 23, "every event of r1 logged");
	ok(log_sorted(r), "log sorted by time");
	is_str(log_type(r, r->nlog - 1), "run.cancelled",
	    "ties in the log broken by entry ID");
	r = store_find(ref, "r2");
	is_int(r->status, RUN_UNKNOWN, "only llm calls: unknown");
	r = store_find(ref, "r3");
	is_int(r->status, RUN_QUEUED, "only queued: queued");
	is_int(r->queued_ms, 2999, "r3 queued at the earlier");
	is_int(store_trace(ref, "t-1", &tr), 2, "trace t-1 has r1 and r2");
	is_int(store_trace(ref, "t-2", &tr), 0, "t-2 no longer indexed");

	for (p = 0; p < 40; p++) {
		size_t m = n;

		for (i = 0; i < n; i++)
			order[i] = i;
		if (p % 2 == 1) {
			/* Every event twice, interleaved. */
			for (i = 0; i < n; i++)
				order[n + i] = i;
			m = 2 * n;
		}
		shuffle(order, m);
		st = store_create();
		for (i = 0; i < m; i++)
			apply_copy(st, &set[order[i]]);
		for (i = 0; i < 3; i++) {
			r = store_find(ref, names[i]);
			q = store_find(st, names[i]);
			why = q == NULL ? "missing" : run_diff(r, q);
			if (why != NULL) {
				printf("# permutation %zu, %s: %s\n", p,
				    names[i], why);
				bad_run++;
			}
		}
		if (!store_side_equal(ref, st))
			bad_side++;
		if (store_duplicates(st) != m - n)
			bad_dup++;
		store_free(st);
	}
	is_int(bad_run, 0, "40 permutations give identical runs, every field");
	is_int(bad_side, 0, "and identical queues, workers and counts");
	is_int(bad_dup, 0, "and every repeated event is counted a duplicate");

	for (i = 0; i < n; i++)
		event_done(&set[i]);
	store_free(ref);
}

/* Two run.failed events at the same time, applied in both orders. */
static void
test_terminal_tie(const char *id1, const char *id2)
{
	struct store *st[2];
	struct event ev[2];
	const char *why;
	int i;

	ev[0] = ev_new(EV_RUN_FAILED, "t", 500, 0, id1);
	ev[0].error_class = xstrdup("Zeta");
	ev[0].error_message = xstrdup("first");
	ev[0].input_tokens = 10;
	ev[0].has |= EF_INPUT_TOKENS;
	ev[1] = ev_new(EV_RUN_FAILED, "t", 500, 0, id2);
	ev[1].error_class = xstrdup("Alpha");
	ev[1].error_message = xstrdup("second");
	ev[1].input_tokens = 20;
	ev[1].output_tokens = 5;
	ev[1].has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS;
	for (i = 0; i < 2; i++) {
		st[i] = store_create();
		apply_copy(st[i], &ev[i]);
		apply_copy(st[i], &ev[1 - i]);
	}
	why = run_diff(store_find(st[0], "t"), store_find(st[1], "t"));
	ok(why == NULL, "two failures at one time (%s ids): same in both "
	    "orders (%s)", id1 != NULL ? "with" : "without", why ? why : "");
	ok(store_find(st[0], "t")->error_class != NULL,
	    "and one of them gives the error");
	for (i = 0; i < 2; i++) {
		store_free(st[i]);
		event_done(&ev[i]);
	}
}

static void
test_terminals(void)
{
	struct store *st = store_create();
	struct event ev;
	struct run *r;

	ev = ev_new(EV_RUN_STARTED, "r", 50, 0, "a");
	apply(st, ev);
	r = store_find(st, "r");
	is_int(r->status, RUN_RUNNING, "started: running");
	ok(!run_is_finished(r), "running is not finished");
	is_int(r->finished_ms, 0, "no finish time yet");

	ev = ev_new(EV_RUN_COMPLETED, "r", 100, 0, "b");
	ev.model_id = xstrdup("done-model");
	apply(st, ev);
	is_int(r->status, RUN_COMPLETED, "completed");
	ok(run_is_finished(r), "completed is finished");
	is_str(r->model_id, "done-model", "model from the terminal event");

	ev = ev_new(EV_RUN_FAILED, "r", 200, 0, "c");
	ev.error_class = xstrdup("OOM");
	apply(st, ev);
	is_int(r->status, RUN_FAILED, "a later failure decides");
	is_int(r->finished_ms, 200, "its time");
	is_str(r->error_class, "OOM", "its error");
	is_str(r->model_id, NULL, "no model once the deciding event has none");

	ev = ev_new(EV_RUN_COMPLETED, "r", 150, 0, "d");
	apply(st, ev);
	is_int(r->status, RUN_FAILED, "an earlier completion does not");

	ev = ev_new(EV_RUN_CANCELLED, "r", 300, 0, "e");
	apply(st, ev);
	is_int(r->status, RUN_CANCELLED, "a later cancel decides");
	is_str(r->error_class, NULL,
	    "error cleared when failure no longer decides");
	is_int(r->finished_ms, 300, "cancel time");

	ev = ev_new(EV_RUN_COMPLETED, "r", 300, 0, "f");
	apply(st, ev);
	is_int(r->status, RUN_CANCELLED,
	    "cancelled beats completed at the same time");
	ok(run_is_finished(r), "cancelled is finished");
	store_free(st);

	/* Same time, same type: the result must not depend on arrival. */
	test_terminal_tie("x-1", "x-2");
	test_terminal_tie(NULL, NULL);
}

static void
test_tokens(void)
{
	struct store *st = store_create();
	struct event ev;
	struct run *r;
	int i;

	for (i = 0; i < 10; i++) {
		ev = ev_new(EV_LLM_CALL, "r", 100 + i, 0, NULL);
		ev.input_tokens = 10 + i;
		ev.output_tokens = 5;
		ev.cost_usd = 0.1;
		ev.has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD;
		apply(st, ev);
	}
	r = store_find(st, "r");
	is_int(r->input_tokens, 145, "input tokens summed");
	is_int(r->output_tokens, 50, "output tokens summed");
	is_int(r->cost_nusd, 1000000000, "ten times $0.1 is exactly $1");
	ok(!r->has_totals, "no totals yet");

	ev = ev_new(EV_RUN_COMPLETED, "r", 500, 0, NULL);
	ev.input_tokens = 7;
	ev.output_tokens = 3;
	ev.cost_usd = 0.000000002;
	ev.has |= EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD;
	apply(st, ev);
	ok(r->has_totals, "terminal totals seen");
	is_int(r->input_tokens, 7, "input from totals");
	is_int(r->output_tokens, 3, "output from totals");
	is_int(r->cost_nusd, 2, "two nano-dollars");
	is_int(r->llm_in, 145, "llm sums kept beside the totals");

	/* A later terminal event without totals: back to the sums. */
	ev = ev_new(EV_RUN_FAILED, "r", 600, 0, NULL);
	apply(st, ev);
	ok(!r->has_totals, "the deciding event has no totals");
	is_int(r->input_tokens, 145, "input from sums again");
	is_int(r->cost_nusd, 1000000000, "cost from sums again");

	/* Small costs accumulate without float drift. */
	for (i = 0; i < 1000; i++) {
		ev = ev_new(EV_LLM_CALL, "s", i, 0, NULL);
		ev.cost_usd = 0.000001;
		ev.has |= EF_COST_USD;
		apply(st, ev);
	}
	is_int(store_find(st, "s")->cost_nusd, 1000000,
	    "1000 x $0.000001 = $0.001 exactly");
	store_free(st);
}

static void
test_log_bound(void)
{
	struct store *a = store_create(), *b = store_create();
	size_t order[STORE_LOG_MAX + 200], i, n = STORE_LOG_MAX + 200;
	struct event *set = xcalloc(n, sizeof *set);
	struct run *r;
	char id[32];
	const char *why;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%zu-0", i);
		set[i] = ev_new(EV_LOG, "big", 10000 + (int64_t)i, 0, id);
		order[i] = i;
	}
	for (i = 0; i < STORE_LOG_MAX + 5; i++)
		apply_copy(a, &set[i]);
	r = store_find(a, "big");
	is_int(r->nlog, STORE_LOG_MAX, "log held at STORE_LOG_MAX");
	is_int(r->log_dropped, 5, "five dropped");
	is_int(r->log[0].ts_ms, 10005, "the oldest were dropped");
	is_int(r->first_ms, 10000, "dropped events still count");

	/* An event older than everything held is dropped at once. */
	apply(a, ev_new(EV_LOG, "big", 5, 0, "old"));
	is_int(r->log_dropped, 6, "an old event is dropped on arrival");
	is_int(r->log[0].ts_ms, 10005, "log unchanged by it");
	is_int(r->first_ms, 5, "but its time counts");
	ok(log_sorted(r), "log still sorted");

	/* In any order, the log is the newest STORE_LOG_MAX. */
	shuffle(order, n);
	for (i = 0; i < n; i++)
		apply_copy(b, &set[order[i]]);
	apply(b, ev_new(EV_LOG, "big", 5, 0, "old"));
	for (i = STORE_LOG_MAX + 5; i < n; i++)
		apply_copy(a, &set[i]);
	why = run_diff(r, store_find(b, "big"));
	ok(why == NULL, "a shuffled bounded log matches (%s)", why ? why : "");
	is_int(store_find(b, "big")->log_dropped, 201, "201 dropped");

	for (i = 0; i < n; i++)
		event_done(&set[i]);
	free(set);
	store_free(a);
	store_free(b);
}

static void
test_traces(void)
{
	struct store *st = store_create();
	struct run *const *tr;
	struct event ev;
	size_t n;

	ev = ev_new(EV_RUN_STARTED, "a", 10, 0, NULL);
	ev.trace_id = xstrdup("T1");
	apply(st, ev);
	ev = ev_new(EV_RUN_STARTED, "b", 20, 0, NULL);
	ev.trace_id = xstrdup("T1");
	apply(st, ev);
	ev = ev_new(EV_RUN_STARTED, "c", 30, 0, NULL);
	ev.trace_id = xstrdup("T2");
	apply(st, ev);
	ev = ev_new(EV_LOG, "d", 30, 0, NULL);
	apply(st, ev);

	n = store_trace(st, "T1", &tr);
	ok(n == 2 && strcmp(tr[0]->id, "a") == 0 && strcmp(tr[1]->id, "b") == 0,
	    "T1 holds a, b in first-seen order");
	is_int(store_trace(st, "T2", &tr), 1, "T2 holds c");
	ok(store_trace(st, "nope", &tr) == 0 && tr == NULL, "unknown trace");

	ev = ev_new(EV_LOG, "b", 40, 0, NULL);
	ev.trace_id = xstrdup("T0");
	apply(st, ev);
	n = store_trace(st, "T1", &tr);
	ok(n == 1 && strcmp(tr[0]->id, "a") == 0, "b left T1 for a smaller id");
	n = store_trace(st, "T0", &tr);
	ok(n == 1 && strcmp(tr[0]->id, "b") == 0, "b joined T0");
	ev = ev_new(EV_LOG, "b", 50, 0, NULL);
	ev.trace_id = xstrdup("T9");
	apply(st, ev);
	is_int(store_trace(st, "T9", &tr), 0, "a larger trace id is ignored");

	ev = ev_new(EV_LOG, "d", 60, 0, NULL);
	ev.trace_id = xstrdup("T1");
	apply(st, ev);
	n = store_trace(st, "T1", &tr);
	ok(n == 2 && strcmp(tr[1]->id, "d") == 0, "d joins T1 last");

	apply(st, ev_new(EV_RUN_COMPLETED, "a", 70, 0, NULL));
	store_evict(st, 100);
	n = store_trace(st, "T1", &tr);
	ok(n == 1 && strcmp(tr[0]->id, "d") == 0, "evicted a left T1");
	apply(st, ev_new(EV_RUN_COMPLETED, "d", 70, 0, NULL));
	store_evict(st, 100);
	is_int(store_trace(st, "T1", &tr), 0, "T1 gone with its last run");
	store_free(st);
}

static void
test_queues(void)
{
	struct store *st = store_create();
	struct queue_state *q, *dq;
	struct event ev;
	size_t i;

	ev = ev_new(EV_QUEUE_DEPTH, NULL, 100, 0, "100-0");
	ev.queue = xstrdup("q1");
	ev.depth = 5;
	ev.has |= EF_DEPTH;
	apply(st, ev);
	q = store_queue_at(st, 0);
	ok(q != NULL && strcmp(q->name, "q1") == 0, "queue.depth creates q1");
	is_int(q->gauge, 5, "gauge set");
	ev = ev_new(EV_QUEUE_DEPTH, NULL, 200, 0, "200-0");
	ev.queue = xstrdup("q1");
	ev.depth = 3;
	ev.has |= EF_DEPTH;
	apply(st, ev);
	ev = ev_new(EV_QUEUE_DEPTH, NULL, 150, 0, "150-0");
	ev.queue = xstrdup("q1");
	ev.depth = 9;
	ev.has |= EF_DEPTH;
	apply(st, ev);
	is_int(q->gauge, 3, "an older gauge does not win");
	is_int(q->gauge_ms, 200, "gauge time");
	ev = ev_new(EV_QUEUE_DEPTH, NULL, 200, 0, "200-1");
	ev.queue = xstrdup("q1");
	ev.depth = 7;
	ev.has |= EF_DEPTH;
	apply(st, ev);
	is_int(q->gauge, 7, "a tie goes to the larger depth");
	is_int(store_type_count(st, EV_QUEUE_DEPTH), 4, "queue.depth counted");

	for (i = 0; i < 3; i++) {
		char id[8];

		snprintf(id, sizeof id, "j%zu", i);
		ev = ev_new(EV_RUN_QUEUED, id, 1000 + (int64_t)i * 10, 0, NULL);
		ev.queue = xstrdup("q1");
		apply(st, ev);
	}
	apply(st, ev_new(EV_RUN_STARTED, "j0", 2000, 0, NULL));
	apply(st, ev_new(EV_RUN_QUEUED, "k", 500, 0, NULL));
	store_queues_refresh(st);
	is_int(q->queued, 2, "two runs still queued in q1");
	is_int(q->oldest_queued_ms, 1010, "the oldest waiting one");
	is_int(q->gauge, 7, "the gauge is kept apart from the count");
	is_int(store_nqueues(st), 2, "a default queue appeared");
	dq = store_queue_at(st, 1);
	is_str(dq->name, "default", "named default");
	is_int(dq->gauge, -1, "never had a gauge");
	is_int(dq->queued, 1, "one run queued there");
	apply(st, ev_new(EV_RUN_STARTED, "k", 600, 0, NULL));
	store_queues_refresh(st);
	ok(dq->queued == 0 && dq->oldest_queued_ms == 0, "default drained");
	store_free(st);
}

static void
test_workers(void)
{
	struct store *st = store_create();
	const struct worker_sample *w;
	struct event ev;
	size_t n, i, bad;
	char id[32];

	ok(store_workers(st, &w) == 0, "no samples at first");
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof id, "w%zu", i);
		ev = ev_new(EV_WORKER_STATUS, NULL,
		    (int64_t)((i * 7) % 10) * 100, 0, id);
		ev.workers_busy = (int64_t)i;
		ev.cpu = 50;
		ev.has |= EF_WORKERS_BUSY | EF_CPU;
		apply(st, ev);
	}
	n = store_workers(st, &w);
	is_int(n, 10, "ten samples");
	bad = 0;
	for (i = 1; i < n; i++) {
		if (w[i - 1].ts_ms > w[i].ts_ms)
			bad++;
	}
	is_int(bad, 0, "samples sorted by time");
	ok(w[0].has == (EF_WORKERS_BUSY | EF_CPU) && w[0].cpu == 50,
	    "fields kept");

	ev = ev_new(EV_WORKER_STATUS, NULL, 700, 0, "w1");
	is_int(apply(st, ev), 0, "a repeated sample is ignored");
	is_int(store_workers(st, &w), 10, "still ten");
	is_int(store_type_count(st, EV_WORKER_STATUS), 10, "counted once each");

	for (i = 0; i < STORE_WORKER_SAMPLES + 100; i++) {
		snprintf(id, sizeof id, "x%zu", i);
		apply(st, ev_new(EV_WORKER_STATUS, NULL,
		    10000 + (int64_t)i, 0, id));
	}
	n = store_workers(st, &w);
	is_int(n, STORE_WORKER_SAMPLES, "ring bounded");
	is_int(w[0].ts_ms, 10100, "the oldest dropped");
	is_int(w[n - 1].ts_ms, 10000 + STORE_WORKER_SAMPLES + 99,
	    "newest last");
	apply(st, ev_new(EV_WORKER_STATUS, NULL, 1, 0, "ancient"));
	is_int(store_workers(st, &w), STORE_WORKER_SAMPLES,
	    "an ancient sample is not kept");
	is_int(w[0].ts_ms, 10100, "nor does it displace anything");

	/* A held sample is recognised after the global set forgot it. */
	apply(st, ev_new(EV_WORKER_STATUS, NULL, 90000, 3, "keep"));
	for (i = 0; i < 70000; i++) {
		snprintf(id, sizeof id, "d%zu", i);
		ev = ev_new(EV_QUEUE_DEPTH, NULL, (int64_t)i, 3, id);
		ev.depth = (int64_t)i;
		ev.has |= EF_DEPTH;
		apply(st, ev);
	}
	is_int(apply(st, ev_new(EV_WORKER_STATUS, NULL, 90000, 3, "keep")), 0,
	    "an old repeated sample is still a duplicate");
	n = store_workers(st, &w);
	ok(w[n - 1].ts_ms == 90000 && w[n - 2].ts_ms != 90000,
	    "held once");
	store_free(st);
}

static int
not_b(const struct run *r, void *arg)
{
	(void)arg;
	return strcmp(r->id, "b") != 0;
}

static void
test_evict(void)
{
	struct store *st = store_create();
	uint64_t v;
	size_t i;
	char id[8];

	apply(st, ev_new(EV_RUN_STARTED, "a", 10, 0, NULL));
	apply(st, ev_new(EV_RUN_STARTED, "b", 20, 0, NULL));
	apply(st, ev_new(EV_RUN_COMPLETED, "b", 100, 0, NULL));
	apply(st, ev_new(EV_RUN_STARTED, "c", 30, 0, NULL));
	apply(st, ev_new(EV_RUN_FAILED, "c", 300, 0, NULL));
	apply(st, ev_new(EV_RUN_STARTED, "d", 40, 0, NULL));
	v = store_version(st);
	store_evict(st, 50);
	is_int(store_nruns(st), 4, "nothing finished before 50");
	is_int(store_version(st), v, "an empty eviction changes nothing");
	store_evict(st, 200);
	is_int(store_nruns(st), 3, "b evicted");
	ok(store_find(st, "b") == NULL, "b no longer found");
	ok(store_version(st) > v, "eviction changes the version");
	is_int(store_evicted(st), 1, "evicted counted");
	ok(strcmp(store_run_at(st, 0)->id, "a") == 0 &&
	    strcmp(store_run_at(st, 1)->id, "c") == 0 &&
	    strcmp(store_run_at(st, 2)->id, "d") == 0 &&
	    store_run_at(st, 3) == NULL, "order kept: a, c, d");
	is_int(store_run_at(st, 2)->index, 2, "indices renumbered");
	store_evict(st, INT64_MAX);
	is_int(store_nruns(st), 2, "unfinished runs are never evicted by time");
	store_free(st);

	/* The cap: finished first (earliest finish), then earliest seen. */
	st = store_create();
	store_set_max_runs(st, 4);
	apply(st, ev_new(EV_RUN_STARTED, "r1", 10, 0, NULL));
	apply(st, ev_new(EV_RUN_COMPLETED, "r2", 50, 0, NULL));
	apply(st, ev_new(EV_RUN_COMPLETED, "r3", 40, 0, NULL));
	apply(st, ev_new(EV_RUN_STARTED, "r4", 5, 0, NULL));
	is_int(store_nruns(st), 4, "at the cap");
	apply(st, ev_new(EV_RUN_STARTED, "r5", 60, 0, NULL));
	ok(store_nruns(st) == 4 && store_find(st, "r3") == NULL,
	    "over the cap: the earliest finished goes");
	apply(st, ev_new(EV_RUN_STARTED, "r6", 70, 0, NULL));
	ok(store_nruns(st) == 4 && store_find(st, "r2") == NULL,
	    "then the next finished");
	apply(st, ev_new(EV_RUN_STARTED, "r7", 80, 0, NULL));
	ok(store_nruns(st) == 4 && store_find(st, "r4") == NULL &&
	    store_find(st, "r1") != NULL, "none finished: the earliest seen");
	ok(strcmp(store_run_at(st, 0)->id, "r1") == 0 &&
	    strcmp(store_run_at(st, 3)->id, "r7") == 0,
	    "order kept under the cap");
	is_int(store_evicted(st), 3, "three evicted by the cap");
	apply(st, ev_new(EV_LOG, "r1", 90, 0, NULL));
	is_int(store_evicted(st), 3, "an event for a held run evicts nothing");
	store_free(st);

	/* A larger cap evicts in batches and never exceeds the bound. */
	st = store_create();
	store_set_max_runs(st, 256);
	v = 0;
	for (i = 0; i < 2000; i++) {
		snprintf(id, sizeof id, "x%zu", i);
		apply(st, ev_new(i % 2 ? EV_RUN_COMPLETED : EV_RUN_STARTED, id,
		    (int64_t)i, 0, NULL));
		if (store_nruns(st) > 256)
			v++;
	}
	is_int(v, 0, "never above the cap");
	is_int(store_nruns(st) + store_evicted(st), 2000,
	    "every run held or evicted");
	ok(store_find(st, "x1999") != NULL, "the newest run is held");
	store_free(st);

	/* Letting go by a rule, and runs that come back. */
	st = store_create();
	apply(st, ev_new(EV_RUN_COMPLETED, "a", 10, 0, NULL));
	apply(st, ev_new(EV_RUN_COMPLETED, "b", 20, 0, NULL));
	apply(st, ev_new(EV_RUN_STARTED, "c", 30, 0, NULL));
	apply(st, ev_new(EV_RUN_COMPLETED, "d", 40, 0, NULL));
	is_int(store_evict_where(st, not_b, NULL), 2,
	    "the rule lets the finished runs it names go (a, d)");
	ok(store_find(st, "a") == NULL && store_find(st, "d") == NULL &&
	    store_find(st, "b") != NULL && store_find(st, "c") != NULL,
	    "b (kept by the rule) and c (unfinished) stay");
	is_int(store_revived(st), 0, "none came back yet");
	apply(st, ev_new(EV_LOG, "z", 50, 0, NULL));
	apply(st, ev_new(EV_LOG, "b", 60, 0, NULL));
	is_int(store_revived(st), 0, "a new id and a held one are not a return");
	apply(st, ev_new(EV_LOG, "a", 70, 0, NULL));
	is_int(store_revived(st), 1, "an event for a run let go is counted");
	for (i = 0; i < 3000; i++) {
		snprintf(id, sizeof id, "y%zu", i);
		apply(st, ev_new(EV_RUN_COMPLETED, id, 100 + (int64_t)i, 0, NULL));
	}
	is_int(store_evict_where(st, not_b, NULL), 3000,
	    "3000 more let go (the set grows)");
	apply(st, ev_new(EV_LOG, "y1234", 5000, 0, NULL));
	apply(st, ev_new(EV_LOG, "d", 5000, 0, NULL));
	apply(st, ev_new(EV_LOG, "y999999", 5000, 0, NULL));
	is_int(store_revived(st), 3, "returns are found after it grew: y1234, d");
	store_free(st);
}

static void
test_other(void)
{
	struct store *st = store_create();
	struct event ev;
	struct run *r;

	ev = ev_new(EV_OTHER, "r", 10, 0, "1-0");
	free(ev.type_name);
	ev.type_name = xstrdup("vendor.custom");
	is_int(apply(st, ev), 1, "unknown type with a run applies");
	r = store_find(st, "r");
	ok(r != NULL && r->nlog == 1, "and is logged");
	is_str(log_type(r, 0), "vendor.custom", "with its type as sent");
	is_int(r->status, RUN_UNKNOWN, "status unknown");
	is_int(store_type_count(st, EV_OTHER), 0, "not counted as run-less");
	apply(st, ev_new(EV_OTHER, NULL, 10, 0, NULL));
	is_int(store_type_count(st, EV_OTHER), 1, "a run-less one is counted");
	is_int(store_nruns(st), 1, "and makes no run");
	store_free(st);
}

/* Every field of an event reads back from the packed log exactly. */
static void
test_log_pack(void)
{
	struct store *st = store_create();
	struct event ev, back, c;
	struct run *r;
	json_t *want, *got;
	char *a, *b;
	size_t i;

	ev = ev_new(EV_LLM_CALL, "p", 1000, 2, "1000-7");
	ev.agent_id = xstrdup("agt_b");
	ev.agent_name = xstrdup("coder");
	ev.agent_version = xstrdup("1.2");
	ev.trace_id = xstrdup("t9");
	ev.span_id = xstrdup("s1");
	ev.parent_run_id = xstrdup("pp");
	ev.root_run_id = xstrdup("rr");
	ev.request_id = xstrdup("req");
	ev.user_id = xstrdup("u");
	ev.workspace_id = xstrdup("ws");
	ev.origin = xstrdup("api");
	ev.queue = xstrdup("q");
	ev.message = xstrdup("caf\xc3\xa9 \xe2\x80\xae");
	ev.model_id = xstrdup("gpt");
	ev.finish_reason = xstrdup("stop");
	ev.fallback_reason = xstrdup("fb");
	ev.error_class = xstrdup("E");
	ev.error_message = xstrdup("boom");
	ev.tool_id = xstrdup("tool");
	ev.outcome = xstrdup("error");
	ev.error_kind = xstrdup("k");
	ev.has |= EF_PRIORITY | EF_ESTIMATED_MS | EF_PROGRESS |
	    EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD | EF_DURATION_MS |
	    EF_TTFT_MS | EF_STREAMING | EF_CACHE_HIT | EF_ATTEMPT |
	    EF_RETRYABLE | EF_RATE_LIMITED | EF_EXIT_CODE | EF_OUTPUT_BYTES |
	    EF_DEPTH | EF_WORKERS_TOTAL | EF_WORKERS_BUSY | EF_CPU |
	    EF_MEMORY | EF_PAUSED;
	ev.priority = -3;
	ev.estimated_ms = INT64_MAX;
	ev.progress = 0.125;
	ev.input_tokens = 123456789012;
	ev.output_tokens = 0;
	ev.cost_usd = 0.1 + 0.2;
	ev.duration_ms = 1;
	ev.ttft_ms = 127;
	ev.streaming = 1;
	ev.cache_hit = 0;
	ev.attempt = 128;
	ev.retryable = 1;
	ev.rate_limited = 1;
	ev.exit_code = INT64_MIN;
	ev.output_bytes = 1 << 20;
	ev.depth = 7;
	ev.workers_total = 8;
	ev.workers_busy = 3;
	ev.cpu = 99.5;
	ev.memory = 1e-300;
	ev.paused = 1;
	ev.extra = json_pack("{s:i,s:f,s:[s,n,b],s:{s:s#}}", "x", 1,
	    "y", 2.5, "z", "a", 1, "o", "k", "a\0b", (int)3);
	event_copy(&c, &ev);
	want = event_to_json(&c);
	is_int(apply(st, ev), 1, "an event with every field applies");
	r = store_find(st, "p");
	run_log_get(r, 0, &back);
	got = event_to_json(&back);
	a = json_dumps(want, JSON_COMPACT);
	b = json_dumps(got, JSON_COMPACT);
	is_str(b, a, "every field reads back");
	is_str(back.entry_id, "1000-7", "entry ID reads back");
	is_int(back.source, 2, "source reads back");
	is_int(back.has, c.has, "has bits read back");
	ok(back.cost_usd == c.cost_usd && back.memory == c.memory,
	    "doubles read back bit for bit");
	{
		struct log_figures f;

		run_log_figures(r, 0, &f);
		ok(f.has == c.has && f.input_tokens == c.input_tokens &&
		    f.output_tokens == c.output_tokens &&
		    f.duration_ms == c.duration_ms && f.cost_usd == c.cost_usd,
		    "the metrics' figures read back");
		ok(strcmp(f.model_id, "gpt") == 0 &&
		    strcmp(f.finish_reason, "stop") == 0 &&
		    strcmp(f.tool_id, "tool") == 0 &&
		    strcmp(f.outcome, "error") == 0 &&
		    strcmp(f.error_kind, "k") == 0, "and their strings");
	}
	free(a);
	free(b);
	json_decref(want);
	json_decref(got);
	event_done(&back);
	event_done(&c);

	/* An event holding a larger identity than the run keeps its own. */
	ev = ev_new(EV_LOG, "p", 2000, 2, "2000-0");
	ev.agent_id = xstrdup("agt_c");
	apply(st, ev);
	run_log_peek(r, 1, &back);
	is_str(back.agent_id, "agt_c", "a larger agent is kept with the event");
	is_str(r->agent_id, "agt_b", "the run keeps the smaller");

	/* When the run's identity changes, held events keep theirs. */
	for (i = 0; i < 12; i++) {
		char id[32], agent[32];

		snprintf(id, sizeof id, "%zu-1", 3000 + i);
		snprintf(agent, sizeof agent, "agt_a%02zu", 20 - i);
		ev = ev_new(EV_LOG, "p", 3000 + (int64_t)i, 2, id);
		ev.agent_id = xstrdup(agent);
		ev.trace_id = xstrdup(i % 2 ? "t0" : "t9");
		apply(st, ev);
	}
	is_str(r->agent_id, "agt_a09", "the run's agent is the smallest");
	is_int(r->nlog, 14, "all held");
	run_log_peek(r, 0, &back);
	is_str(back.agent_id, "agt_b", "the first event still says agt_b");
	is_str(back.trace_id, "t9", "and its trace");
	run_log_peek(r, 2, &back);
	is_str(back.agent_id, "agt_a20", "a later one says its own");
	run_log_peek(r, 13, &back);
	is_str(back.agent_id, "agt_a09", "the last one too");
	is_str(back.trace_id, "t0", "with its trace");
	ok(r->pk_plain, "after many identity changes, packs hold copies");
	run_log_peek(r, 3, &back);
	is_str(back.trace_id, "t0", "and still read back");
	store_free(st);

	/* The byte bound: a run holds at most 16 MiB of packed events. */
	st = store_create();
	{
		size_t big = 1 << 20;
		char *msg = xmalloc(big + 1);

		memset(msg, 'm', big);
		msg[big] = '\0';
		for (i = 0; i < 20; i++) {
			char id[32];

			snprintf(id, sizeof id, "%zu-0", i);
			ev = ev_new(EV_LOG, "fat", 100 + (int64_t)i, 0, id);
			ev.message = xstrdup(msg);
			apply(st, ev);
		}
		free(msg);
	}
	r = store_find(st, "fat");
	ok(r->nlog < 20 && r->nlog >= 15, "1 MiB events: %zu of 20 held",
	    (size_t)r->nlog);
	is_int(r->log_dropped, 20 - (int64_t)r->nlog, "the rest counted dropped");
	is_int(r->log[0].ts_ms, 100 + 20 - (int64_t)r->nlog, "the oldest went");
	store_free(st);
}

int
main(void)
{
	test_status_names();
	test_duplicates();
	test_order_independence();
	test_terminals();
	test_tokens();
	test_log_bound();
	test_log_pack();
	test_traces();
	test_queues();
	test_workers();
	test_evict();
	test_other();
	return tap_done();
}
