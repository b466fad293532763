/* execmon - unit tests for how the store holds its runs: dedup through the logs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void
shuffle(size_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng() % i, t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static struct event
ev_new(enum event_type type, const char *run, int64_t ts, int source,
    const char *id)
{
	struct event ev;

	event_init(&ev);
	ev.type = type;
	ev.type_name = xstrdup(event_type_name(type));
	ev.ts_ms = ts;
	ev.has = EF_TS;
	ev.source = source;
	ev.entry_id = id != NULL ? xstrdup(id) : NULL;
	ev.run_id = run != NULL ? xstrdup(run) : NULL;
	return ev;
}

static int
apply_copy(struct store *st, const struct event *ev)
{
	struct event c;
	int r;

	event_copy(&c, ev);
	r = store_apply(st, &c);
	event_done(&c);
	return r;
}

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

int
main(void)
{
	test_dedup_log();
	return tap_done();
}
