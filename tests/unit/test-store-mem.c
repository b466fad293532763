/* execmon - unit tests for how the store holds its runs: dedup through the logs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "rng.h"
#include "source.h"
#include "store-util.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

/* Repeats are told by the log (and, past its bound, by the gone keys). */
static void
test_dedup_log(void)
{
	enum { N = 2 * STORE_LOG_MAX + 300, RUNS = 7 };
	struct store *st = store_create();
	struct event *set = xcalloc(N, sizeof *set);
	size_t order[N], i, applied = 0, dups = 0;
	struct run *r, before;
	char id[32], run[16];

	for (i = 0; i < N; i++) {
		snprintf(id, sizeof id, "%zu-%zu", 1000 + i / 3, i % 3);
		snprintf(run, sizeof run, "r%zu", i % RUNS == 0 ? 0 : i % RUNS);
		/* run r0 gets most events: it outgrows its log */
		set[i] = ev_new(i % 5 == 0 ? EV_LLM_CALL : EV_LOG,
		    i % 2 ? "r0" : run, 5000 + (int64_t)(i % 97) * 10, 0, id);
		order[i] = i;
	}
	shuffle(order, N);
	for (i = 0; i < N; i++)
		applied += (size_t)apply_copy(st, &set[order[i]]);
	is_int(applied, N, "every distinct event applies once");
	r = store_find(st, "r0");
	ok(r != NULL && r->log_dropped > 0, "r0 outgrew its log (%llu dropped)",
	    r != NULL ? (unsigned long long)r->log_dropped : 0ULL);
	before = *r;

	/* The whole set again, in another order: every one a repeat. */
	shuffle(order, N);
	for (i = 0; i < N; i++)
		dups += apply_copy(st, &set[order[i]]) == 0;
	is_int(dups, N, "a replay of all of them: every event a duplicate");
	is_int(store_duplicates(st), N, "counted as duplicates");
	is_int(r->nevents, before.nevents, "r0 counts each event once");
	is_int(r->llm_calls, before.llm_calls, "and each llm.call once");
	is_int(r->log_dropped, before.log_dropped, "nothing more dropped");
	is_int(r->nlog, before.nlog, "the log unchanged");

	/* The same entry IDs from another source are other events. */
	set[0].source = 1;
	is_int(apply_copy(st, &set[0]), 1, "same ID, another source: new");
	is_int(apply_copy(st, &set[0]), 0, "and then a repeat");
	/* An event without an entry ID is never a repeat. */
	free(set[1].entry_id);
	set[1].entry_id = NULL;
	is_int(apply_copy(st, &set[1]) + apply_copy(st, &set[1]), 2,
	    "without an entry ID: applied each time");
	/* An event older than the whole full log is dropped at once, and known. */
	{
		struct event old = ev_new(EV_LOG, "r0", 1, 0, "1-0");

		is_int(apply_copy(st, &old), 1, "an ancient event applies");
		is_int(apply_copy(st, &old), 0, "its repeat is known though it was never logged");
		event_done(&old);
	}
	for (i = 0; i < N; i++)
		event_done(&set[i]);
	free(set);
	store_free(st);
}

/* Events of a source that can re-read them keep their figures, not their bodies. */
static void
test_slim(void)
{
	struct store *full = store_create(), *slim = store_create();
	struct event set[5], got;
	struct log_figures fa, fb;
	struct run *a, *b;
	int src = sources_add("redis", "redis://x/s"), same = 1;
	size_t i;

	sources_get(src)->rereadable = 1;
	store_set_bodies(slim, STORE_BODIES_REREAD);
	set[0] = ev_new(EV_RUN_STARTED, "r", 1000, src, "1000-0");
	set[0].agent_id = xstrdup("planner");
	set[1] = ev_new(EV_LLM_CALL, "r", 1100, src, "1100-0");
	set[1].model_id = xstrdup("gpt-x");
	set[1].finish_reason = xstrdup("error");
	set[1].message = xstrdup("the model said no");
	set[1].input_tokens = 12;
	set[1].cost_usd = 0.25;
	set[1].has |= EF_INPUT_TOKENS | EF_COST_USD;
	set[2] = ev_new(EV_LOG, "r", 1200, src, "1200-0");
	set[2].message = xstrdup("a long log line the store need not hold");
	set[2].extra = json_pack("{s:s}", "payload", "big");
	set[3] = ev_new(EV_TOOL_CALL, "r", 1300, src, "1300-0");
	set[3].tool_id = xstrdup("search");
	set[3].outcome = xstrdup("timeout");
	set[3].error_kind = xstrdup("deadline");
	set[3].duration_ms = 40;
	set[3].has |= EF_DURATION_MS;
	set[4] = ev_new(EV_RUN_FAILED, "r", 1400, src, "1400-0");
	set[4].error_class = xstrdup("Timeout");
	set[4].error_message = xstrdup("took too long");
	for (i = 0; i < 5; i++) {
		apply_copy(full, &set[i]);
		apply_copy(slim, &set[i]);
	}
	a = store_find(full, "r");
	b = store_find(slim, "r");
	ok(a != NULL && b != NULL && a->nlog == 5 && b->nlog == 5, "both logs hold five events");
	ok(run_log_held(a, 2) && !run_log_held(b, 2), "bodies held in one, not in the other");
	for (i = 0; i < 5; i++) {
		run_log_figures(a, i, &fa);
		run_log_figures(b, i, &fb);
		same &= fa.has == fb.has && fa.input_tokens == fb.input_tokens &&
		    fa.cost_usd == fb.cost_usd && fa.duration_ms == fb.duration_ms &&
		    (fa.model_id == NULL) == (fb.model_id == NULL) &&
		    (fa.tool_id == NULL) == (fb.tool_id == NULL) &&
		    (fa.outcome == NULL) == (fb.outcome == NULL) &&
		    (fa.error_kind == NULL) == (fb.error_kind == NULL);
	}
	ok(same, "every event's figures are the same");
	ok(b->cost_nusd == a->cost_nusd && b->input_tokens == a->input_tokens &&
	    b->status == RUN_FAILED && strcmp(b->error_message, "took too long") == 0,
	    "and so is the run");
	run_log_get(b, 2, &got);
	ok(got.extra == NULL && got.entry_id != NULL &&
	    strcmp(got.entry_id, "1200-0") == 0 && got.ts_ms == 1200,
	    "a log line keeps its time and entry ID, not its payload");
	event_done(&got);
	run_log_get(b, 1, &got);
	ok(got.message != NULL && strcmp(got.message, "the model said no") == 0 &&
	    strcmp(got.model_id, "gpt-x") == 0,
	    "a failed llm.call keeps its message (the errors table's)");
	event_done(&got);
	run_log_get(b, 3, &got);
	ok(got.tool_id != NULL && strcmp(got.error_kind, "deadline") == 0,
	    "a failed tool.call keeps its tool and error kind");
	event_done(&got);
	ok(run_log_has_text(b, "search") && run_log_has_text(b, "NEED NOT HOLD") &&
	    run_log_has_text(b, "payload") && run_log_has_text(b, "BIG") &&
	    !run_log_has_text(b, "absent"),
	    "search finds the texts of a slim event: its message, the payload's keys and strings");
	ok(run_log_event_has_text(b, 2, "big") == run_log_event_has_text(a, 2, "big") &&
	    run_log_event_has_text(b, 0, "big") == run_log_event_has_text(a, 0, "big"),
	    "event by event, as with the body held");
	is_int(apply_copy(slim, &set[2]), 0, "a slim event's repeat is still known");
	/* another source's events keep their bodies */
	set[2].source = src + 1;
	apply_copy(slim, &set[2]);
	ok(run_log_held(b, 3), "an event of a source that cannot re-read it is held");
	for (i = 0; i < 5; i++)
		event_done(&set[i]);
	store_free(full);
	store_free(slim);
	sources_clear();
}

/* Held bodies stay within the log budget; the runs seen first lose theirs first. */
static void
test_budget(void)
{
	enum { RUNS = 300, PER = 6, BUDGET = 256 * 1024 };
	struct store *all = store_create(), *bounded = store_create();
	char run[32], id[32], msg[1100];
	size_t i, k, over = 0, same = 1;
	struct event ev;

	store_set_log_budget(bounded, BUDGET);
	memset(msg, 'x', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	for (i = 0; i < RUNS; i++) {
		snprintf(run, sizeof run, "w%03zu", i);
		for (k = 0; k < PER; k++) {
			snprintf(id, sizeof id, "%zu-%zu", i, k);
			ev = ev_new(k == 1 ? EV_LLM_CALL : EV_LOG, run,
			    100000 + (int64_t)(i * PER + k), 7, id);
			ev.message = xstrdup(msg);
			ev.input_tokens = (int64_t)k;
			ev.has |= EF_INPUT_TOKENS;
			apply_copy(all, &ev);
			apply_copy(bounded, &ev);
			event_done(&ev);
			over += store_body_bytes(bounded) > BUDGET;
		}
	}
	is_int(over, 0, "the bodies held never pass the budget");
	ok(store_body_bytes(all) > 4 * BUDGET, "unbounded, they would (%zu bytes)",
	    store_body_bytes(all));
	ok(store_bodies_dropped(bounded) > 0, "%llu bodies let go",
	    (unsigned long long)store_bodies_dropped(bounded));
	ok(!run_log_held(store_find(bounded, "w000"), 0) &&
	    run_log_held(store_find(bounded, "w299"), PER - 1),
	    "the first run's bodies went, the last run's are held");
	for (i = 0; i < RUNS; i++) {
		const struct run *a = store_run_at(all, i), *b = store_run_at(bounded, i);

		same &= a->nlog == b->nlog && a->input_tokens == b->input_tokens &&
		    a->llm_calls == b->llm_calls && a->first_ms == b->first_ms &&
		    a->last_ms == b->last_ms;
	}
	ok(same, "every run's figures and log length are the same as unbounded");
	is_int(apply(bounded, ev_new(EV_LOG, "w000", 100000, 7, "0-0")), 0,
	    "a repeat of a slimmed event is still known");
	store_set_log_budget(all, BUDGET);
	ok(store_body_bytes(all) <= BUDGET, "setting a budget trims at once");
	store_free(all);
	store_free(bounded);
}

/* Entry IDs read back exactly, whether packed as numbers or as text. */
static void
test_entry_ids(void)
{
	static const char *const ids[] = {
		"1700000000000-0", "1-2#3", "007-1", "abc", "",
		"18446744073709551615-18446744073709551615", "18446744073709551616-0",
		"1-1#0", "5-5#", "5--5", "12:send", "1700000000000-12#4294967296",
	};
	size_t n = sizeof ids / sizeof ids[0], i, back = 0, peeked = 0, dups = 0;
	struct store *st = store_create();
	struct run *r;
	struct event ev;

	for (i = 0; i < n; i++)
		apply(st, ev_new(EV_LOG, "ids", 50 + (int64_t)i, 0, ids[i]));
	r = store_find(st, "ids");
	for (i = 0; i < n; i++) {
		run_log_get(r, i, &ev);
		back += ev.entry_id != NULL && strcmp(ev.entry_id, ids[i]) == 0;
		event_done(&ev);
		run_log_peek(r, i, &ev);
		peeked += ev.entry_id != NULL && strcmp(ev.entry_id, ids[i]) == 0;
	}
	is_int(back, n, "every entry ID reads back the same");
	is_int(peeked, n, "and peeks the same");
	for (i = 0; i < n; i++)
		dups += apply(st, ev_new(EV_LOG, "ids", 50 + (int64_t)i, 0, ids[i])) == 0;
	is_int(dups, n, "and each one's repeat is known");
	store_free(st);
}

/* Slabs, the id index and the trace rings through many runs coming and going. */
static void
test_runs_churn(void)
{
	enum { N = 6000, TRACES = 37 };
	struct store *st = store_create();
	size_t i, found = 0, gone = 0, intrace = 0, ordered = 1;
	char run[32], trace[32];
	struct run *const *tr;

	for (int round = 0; round < 3; round++) {
		for (i = 0; i < N; i++) {
			struct event ev;

			snprintf(run, sizeof run, "c%d-%05zu", round, i);
			snprintf(trace, sizeof trace, "t%02zu", i % TRACES);
			ev = ev_new(EV_RUN_STARTED, run, 1000 * round + (int64_t)i, 0, NULL);
			ev.trace_id = xstrdup(trace);
			apply(st, ev);
			if (i % 3 != 0)
				apply(st, ev_new(EV_RUN_COMPLETED, run, 1000 * round + (int64_t)i + 1,
				    0, NULL));
		}
		/* the finished runs of this round go */
		store_evict(st, 1000 * round + N + 10);
	}
	for (int round = 0; round < 3; round++) {
		for (i = 0; i < N; i++) {
			struct run *r;

			snprintf(run, sizeof run, "c%d-%05zu", round, i);
			r = store_find(st, run);
			if (i % 3 == 0)
				found += r != NULL && strcmp(r->id, run) == 0;
			else
				gone += r == NULL;
		}
	}
	is_int(found, 3 * ((N + 2) / 3), "every unfinished run is found by its id");
	is_int(gone, 3 * N - 3 * ((N + 2) / 3), "no evicted run is");
	is_int(store_nruns(st), 3 * ((N + 2) / 3), "and only they are held");
	for (i = 0; i < TRACES; i++) {
		size_t n;

		snprintf(trace, sizeof trace, "t%02zu", i);
		n = store_trace(st, trace, &tr);
		intrace += n;
		for (size_t k = 1; k < n; k++)
			ordered &= tr[k - 1]->index < tr[k]->index;
	}
	is_int(intrace, store_nruns(st), "each held run is in its trace once");
	ok(ordered, "each trace lists its runs in first-seen order");
	store_free(st);
}

int
main(void)
{
	rng_seed(0x9e3779b97f4a7c15ULL);
	test_dedup_log();
	test_slim();
	test_budget();
	test_entry_ids();
	test_runs_churn();
	return tap_done();
}
