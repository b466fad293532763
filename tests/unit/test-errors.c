/* execmon - unit tests for top errors: the normaliser, grouping, bounds, matching. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "event.h"
#include "filter.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

#define NOW 1700000000000LL
#define HOUR 3600000LL

static int seq;

/* An event of type on run, at ts, with string fields as name/value pairs. */
static void
put(struct store *st, enum event_type type, const char *run, int64_t ts, ...)
{
	struct event ev;
	va_list ap;
	const char *k, *v;
	char id[32];

	event_init(&ev);
	ev.type = type;
	ev.type_name = xstrdup(event_type_name(type));
	ev.ts_ms = ts;
	ev.has = EF_TS;
	ev.source = 0;
	snprintf(id, sizeof id, "%d-0", ++seq);
	ev.entry_id = xstrdup(id);
	ev.run_id = xstrdup(run);
	va_start(ap, ts);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL)
			continue; /* a field left out */
#define F(name) if (strcmp(k, #name) == 0) ev.name = xstrdup(v); else
		F(agent_name) F(agent_id) F(model_id) F(tool_id) F(outcome)
		F(error_kind) F(error_class) F(error_message) F(message)
		F(finish_reason) F(workspace_id) F(user_id)
		    fprintf(stderr, "unknown field %s\n", k);
#undef F
	}
	va_end(ap);
	store_apply(st, &ev);
	event_done(&ev);
}

static const char *
norm(const char *s)
{
	static char buf[ERRORS_MESSAGE_MAX];

	errors_normalise(s, buf, sizeof buf);
	return buf;
}

static void
test_normalise(void)
{
	char a[ERRORS_MESSAGE_MAX], b[ERRORS_MESSAGE_MAX], small[12];

	errors_normalise("timeout after 30s on run 123", a, sizeof a);
	errors_normalise("timeout after 31s on run 456", b, sizeof b);
	is_str(a, b, "30s/123 and 31s/456 group together");
	is_str(a, "timeout after <dur> on run <n>", "the folded text");
	is_str(norm("waited 1500ms then 2.5s"), "waited <dur> then <dur>",
	    "ms and fractional seconds are durations");
	is_str(norm("job 550e8400-e29b-41d4-a716-446655440000 lost"),
	    "job <id> lost", "a uuid is an id");
	is_str(norm("commit deadbeef12 missing"), "commit <id> missing",
	    "a hex id is an id");
	errors_normalise("request req_1b58 failed", a, sizeof a);
	errors_normalise("request req_1bcf failed", b, sizeof b);
	is_str(a, b, "short hex ids group whether they end in digits or letters");
	is_str(norm("a 12kb body, the 3rd try"), "a <n>kb body, the <n>rd try",
	    "a number with a short unit keeps the unit");
	is_str(norm("run-42 and r7 failed."), "run-<n> and r<n> failed.",
	    "ids with a prefix keep the prefix; the final dot stays");
	is_str(norm("at 10.0.0.1:6379"), "at <n>:<n>", "an address");
	is_str(norm("buffer of 10KB full"), "buffer of <n>KB full",
	    "a short unit is kept");
	is_str(norm("token a1b2 bad"), "token <id> bad", "a mixed token");
	is_str(norm("missing 'summary' in \"out\" or `x y`"),
	    "missing '?' in \"?\" or `?`", "quoted values fold");
	is_str(norm("exceeds the model's context window"),
	    "exceeds the model's context window", "an apostrophe is no quote");
	is_str(norm("  many   spaces\there \x1b[31m "), "many spaces here [<dur>",
	    "spaces collapse, controls are spaces");
	is_str(norm("\n\nfirst line\nsecond 123"), "first line",
	    "only the first non-blank line");
	is_str(norm("429 Too Many Requests"), "<n> Too Many Requests",
	    "a status code is a number");
	is_str(norm(NULL), "", "no message");
	is_str(norm("gpt-4o said no"), "gpt-<n>o said no", "a model name");
	is_str(norm("<n> <dur> <id> '?'"), "<n> <dur> <id> '?'",
	    "a normalised text is a fixed point");

	/* bounds: the cut falls between placeholders, the NUL always fits */
	is_int(errors_normalise("abc 12345 def", small, 10), 7,
	    "cut to fit");
	is_str(small, "abc <n>", "never inside a placeholder");
	is_int(errors_normalise("x", small, 1), 0, "size 1: empty");
	{
		char *big = xmalloc(3 * ERRORS_SCAN_MAX);

		memset(big, 'a', 3 * ERRORS_SCAN_MAX - 1);
		big[3 * ERRORS_SCAN_MAX - 1] = '\0';
		ok(errors_normalise(big, a, sizeof a) == 0,
		    "a word longer than the buffer is left out (%zu)", strlen(a));
		memset(big, ' ', 3 * ERRORS_SCAN_MAX - 1);
		big[0] = 'a';
		memcpy(big + 2 * ERRORS_SCAN_MAX, "late", 4);
		is_str(norm(big), "a", "text past the scan bound is not read");
		free(big);
	}
	/* UTF-8 is kept whole */
	is_str(norm("délai dépassé après 30s"), "délai dépassé après <dur>",
	    "UTF-8 text is kept");
}

static const struct error_group *
find(const struct errors *e, enum errors_where w, const char *class)
{
	for (size_t i = 0; i < e->ngroups; i++) {
		if (e->groups[i].where == w && strcmp(e->groups[i].class, class) == 0)
			return &e->groups[i];
	}
	return NULL;
}

static void
test_groups(void)
{
	struct store *st = store_create();
	struct errors *e;
	const struct error_group *g;
	struct filter f;
	char err[128];

	/* three failures of one kind, two agents, two models */
	put(st, EV_RUN_STARTED, "r1", NOW - 50000, "agent_name", "planner", NULL);
	put(st, EV_TOOL_CALL, "r1", NOW - 45000, "tool_id", "web_search",
	    "outcome", "timeout", "error_kind", "timeout",
	    "message", "no answer in 30s", NULL);
	put(st, EV_RUN_FAILED, "r1", NOW - 40000, "error_class", "TimeoutError",
	    "error_message", "timeout after 30s on run 123", "model_id", "gpt-4o",
	    NULL);
	put(st, EV_RUN_STARTED, "r2", NOW - 30000, "agent_name", "coder", NULL);
	put(st, EV_RUN_FAILED, "r2", NOW - 20000, "error_class", "TimeoutError",
	    "error_message", "timeout after 31s on run 456", "model_id",
	    "claude", NULL);
	put(st, EV_RUN_STARTED, "r3", NOW - 30000, "agent_name", "coder", NULL);
	put(st, EV_RUN_FAILED, "r3", NOW - 10000, "error_class", "TimeoutError",
	    "error_message", "timeout after 29s on run 789\ntraceback...",
	    "model_id", "claude", NULL);
	/* one of another class, one outside the window, one completed */
	put(st, EV_RUN_FAILED, "r4", NOW - 5000, "agent_name", "coder",
	    "error_class", "RateLimitError", "error_message", "429", NULL);
	put(st, EV_RUN_FAILED, "old", NOW - 2 * HOUR, "agent_name", "coder",
	    "error_class", "TimeoutError", "error_message", "timeout", NULL);
	put(st, EV_RUN_COMPLETED, "ok1", NOW - 5000, "agent_name", "coder", NULL);
	/* an llm.call error whose cause is only in its message */
	put(st, EV_LLM_CALL, "ok1", NOW - 6000, "model_id", "gpt-4o",
	    "finish_reason", "error", "message", "provider overloaded (id 77)",
	    NULL);
	put(st, EV_LLM_CALL, "ok1", NOW - 7000, "model_id", "gpt-4o",
	    "finish_reason", "stop", "message", "fine", NULL);
	/* a tool error later than now does not count */
	put(st, EV_TOOL_CALL, "ok1", NOW + 5000, "tool_id", "shell",
	    "outcome", "error", NULL);

	e = errors_compute(st, NULL, NOW, HOUR);
	is_int(e->ngroups, 4, "four groups");
	is_int(e->total, 6, "six occurrences");
	is_int(e->by_where[ERRW_RUN], 4, "four failed runs in the window");
	is_int(e->other, 0, "nothing beyond the bound");
	g = &e->groups[0];
	is_str(g->class, "TimeoutError", "the largest group first");
	is_int(g->where, ERRW_RUN, "it is a run failure");
	is_str(g->message, "timeout after <dur> on run <n>", "its message");
	is_str(g->example, "timeout after 30s on run 123",
	    "the example is the earliest, first line");
	is_int(g->count, 3, "counted three times");
	is_int(g->runs, 3, "in three runs");
	is_int(g->first_ms, NOW - 40000, "first seen");
	is_int(g->last_ms, NOW - 10000, "last seen");
	is_str(g->first_run, "r1", "first run");
	is_int(g->agents.n, 2, "two agents");
	is_str(g->agents.name[0], "coder", "agents sorted");
	is_str(g->agents.name[1], "planner", "agents sorted (2)");
	is_int(g->models.n, 2, "two models");
	is_int(g->tools.n, 1, "the failed run's failed tool");
	is_str(g->tools.name[0], "web_search", "its name");
	ok(!g->agents.more, "no more agents");

	g = find(e, ERRW_LLM, "(none)");
	ok(g != NULL, "the llm.call error is a group");
	if (g != NULL) {
		is_str(g->message, "provider overloaded (id <n>)", "its message");
		is_str(g->models.name[0], "gpt-4o", "its model");
		is_int(g->count, 1, "once");
	}
	g = find(e, ERRW_TOOL, "timeout");
	ok(g != NULL && g->count == 1 && g->tools.n == 1 &&
	    strcmp(g->tools.name[0], "web_search") == 0,
	    "the tool timeout is a group with its tool");
	ok(find(e, ERRW_TOOL, "error") == NULL, "an error after now is left out");
	g = find(e, ERRW_TOOL, "timeout");
	ok(g != NULL && errors_run_matches(store_find(st, "r1"), g),
	    "r1 matches its tool timeout");
	ok(g != NULL && !errors_run_matches(store_find(st, "r2"), g),
	    "r2 does not");

	/* matching runs to a group */
	g = &e->groups[0];
	ok(errors_run_matches(store_find(st, "r2"), g), "r2 matches the timeout");
	ok(!errors_run_matches(store_find(st, "r4"), g), "r4 does not");
	ok(!errors_run_matches(store_find(st, "ok1"), g), "ok1 does not");
	ok(!errors_run_matches(store_find(st, "old"), g),
	    "a different message does not");
	g = find(e, ERRW_LLM, "(none)");
	ok(g != NULL && errors_run_matches(store_find(st, "ok1"), g),
	    "a completed run matches its llm.call error");
	ok(g != NULL && !errors_run_matches(store_find(st, "r1"), g),
	    "r1 does not");
	ok(!errors_run_matches(NULL, g), "no run matches nothing");
	ok(errors_run_has(store_find(st, "r2"), "TimeoutError"),
	    "error=CLASS: a failed run");
	ok(errors_run_has(store_find(st, "r2"),
	    "TimeoutError: timeout after <dur> on run <n>"),
	    "error=CLASS: MESSAGE with the folded message");
	ok(!errors_run_has(store_find(st, "r2"), "TimeoutError: timeout"),
	    "another message does not match");
	ok(!errors_run_has(store_find(st, "r2"), "Timeout"),
	    "a class is exact");
	ok(errors_run_has(store_find(st, "ok1"),
	    "(none): provider overloaded (id <n>)"),
	    "a completed run has its llm.call error");
	ok(errors_run_has(store_find(st, "r1"), "timeout"),
	    "a tool timeout's kind is its class");
	ok(!errors_run_has(store_find(st, "r4"), "TimeoutError"),
	    "another run does not have it");
	errors_free(e);

	/* a filter */
	filter_init(&f);
	is_int(filter_parse(&f, "agent=planner", err, sizeof err), 0, "filter");
	e = errors_compute(st, &f, NOW, HOUR);
	is_int(e->total, 2, "the planner's two occurrences");
	is_int(e->ngroups, 2, "in two groups");
	errors_free(e);
	filter_done(&f);

	filter_init(&f);
	is_int(filter_parse(&f, "error=TimeoutError", err, sizeof err), 0,
	    "filter error=");
	e = errors_compute(st, &f, NOW, HOUR);
	is_int(e->by_where[ERRW_RUN], 3, "error=: the three timeouts' runs");
	is_int(e->total, 4, "and their other errors (r1's tool timeout)");
	errors_free(e);
	filter_done(&f);

	/* json */
	e = errors_compute(st, NULL, NOW, HOUR);
	{
		json_t *j = errors_json(e, 2), *o;

		is_int(json_array_size(j), 2, "json: at most max groups");
		o = json_array_get(j, 0);
		is_int(json_integer_value(json_object_get(o, "count")), 3,
		    "json: count");
		is_str(json_string_value(json_object_get(o, "firstSeen")),
		    "2023-11-14T22:12:40.000Z", "json: first seen");
		is_str(json_string_value(json_object_get(o, "where")), "run",
		    "json: where");
		is_int(json_array_size(json_object_get(o, "agents")), 2,
		    "json: agents");
		json_decref(j);
	}
	errors_free(e);
	store_free(st);
}

static void
test_bounds(void)
{
	struct store *st = store_create();
	struct errors *e;
	char run[32], cls[32], agent[32];
	int i;

	for (i = 0; i < ERRORS_GROUPS_MAX + 10; i++) {
		snprintf(run, sizeof run, "b%d", i);
		snprintf(cls, sizeof cls, "Class%c%d", 'A' + i % 26, i / 26);
		put(st, EV_RUN_FAILED, run, NOW - 1000 - i, "error_class", cls,
		    NULL);
	}
	e = errors_compute(st, NULL, NOW, HOUR);
	is_int(e->ngroups, ERRORS_GROUPS_MAX, "groups are bounded");
	is_int(e->other, 10, "the rest are counted in other");
	is_int(e->total, ERRORS_GROUPS_MAX + 10, "and in the total");
	errors_free(e);
	store_free(st);

	st = store_create();
	for (i = ERRORS_NAMES_MAX + 4; i > 0; i--) {
		snprintf(run, sizeof run, "n%d", i);
		snprintf(agent, sizeof agent, "agent%02d", i);
		put(st, EV_RUN_FAILED, run, NOW - 1000, "agent_name", agent,
		    "error_class", "E", NULL);
	}
	e = errors_compute(st, NULL, NOW, HOUR);
	is_int(e->ngroups, 1, "one group");
	is_int(e->groups[0].agents.n, ERRORS_NAMES_MAX, "names are bounded");
	ok(e->groups[0].agents.more, "and say there were more");
	is_str(e->groups[0].agents.name[0], "agent01", "the smallest are kept");
	is_str(e->groups[0].example, "", "no text: an empty example");
	is_str(e->groups[0].first_run, "n1",
	    "on a tie in time the smallest run id is first");
	errors_free(e);
	store_free(st);
}

/* The same events in two orders give the same groups, byte for byte. */
static void
test_order(void)
{
	struct store *a = store_create(), *b = store_create();
	struct errors *ea, *eb;
	char *ja, *jb, run[32], msg[64], agent[32];
	json_t *x;
	int i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 60; i++) {
			int j = k == 0 ? i : 59 - i;

			snprintf(run, sizeof run, "o%02d", j % 20);
			snprintf(msg, sizeof msg, "lost worker %d after %dms", j, j * 7);
			snprintf(agent, sizeof agent, "ag%d", j % 23);
			put(k == 0 ? a : b, j % 3 == 0 ? EV_RUN_FAILED : EV_TOOL_CALL,
			    run, NOW - 1000 * (j % 7), "agent_name", agent,
			    "tool_id", j % 2 ? "t1" : "t2", "outcome", "error",
			    "error_class", j % 2 ? "E1" : "E2", "error_message", msg,
			    NULL);
		}
	}
	ea = errors_compute(a, NULL, NOW, HOUR);
	eb = errors_compute(b, NULL, NOW, HOUR);
	x = errors_json(ea, 0);
	ja = json_dumps(x, JSON_COMPACT);
	json_decref(x);
	x = errors_json(eb, 0);
	jb = json_dumps(x, JSON_COMPACT);
	json_decref(x);
	ok(ea->ngroups > 1, "several groups (%zu)", ea->ngroups);
	is_str(ja, jb, "the order the events came in changes nothing");
	free(ja);
	free(jb);
	errors_free(ea);
	errors_free(eb);
	store_free(a);
	store_free(b);
}

/* Runs of every kind of error, some of them outside the window. */
static void
acc_runs(struct store *st, int from, int to)
{
	char run[32], msg[64], agent[32], cls[16];

	for (int i = from; i < to; i++) {
		int64_t t = NOW - 60000 * (i % 90); /* a third before the window */

		snprintf(run, sizeof run, "a%03d", i);
		snprintf(msg, sizeof msg, "timed out after %d ms on shard %d", i * 3, i % 5);
		snprintf(agent, sizeof agent, "ag%d", i % 7);
		snprintf(cls, sizeof cls, "E%d", i % 4);
		put(st, EV_TOOL_CALL, run, t - 3000, "agent_name", agent,
		    "tool_id", i % 2 ? "search" : "fetch", "outcome",
		    i % 3 ? "ok" : i % 2 ? "error" : "timeout", "error_class",
		    i % 3 ? NULL : cls, "error_message", msg, NULL);
		put(st, EV_LLM_CALL, run, t - 2000, "agent_name", agent,
		    "model_id", i % 2 ? "m-large" : "m-small", "finish_reason",
		    i % 5 ? "stop" : "error", "error_class", i % 5 ? NULL : cls,
		    "message", msg, NULL);
		put(st, i % 4 == 0 ? EV_RUN_FAILED : EV_RUN_COMPLETED, run, t,
		    "agent_name", agent, "error_class", i % 4 ? NULL : cls,
		    "error_message", i % 4 ? NULL : msg, NULL);
	}
}

struct acc_arg {
	struct errors_acc *acc;
	int n;
};

/* Let every other finished run go, counting it first. */
static int
acc_let_go(const struct run *r, void *arg)
{
	struct acc_arg *a = arg;

	if (a->n++ % 2)
		return 0;
	errors_acc_add(a->acc, r);
	return 1;
}

static char *
errors_text(struct errors *e)
{
	json_t *x = errors_json(e, 0);
	char *s = json_dumps(x, JSON_COMPACT);

	json_decref(x);
	errors_free(e);
	return s;
}

/* Counting runs as they go, then the rest: what holding them all gives. */
static void
test_acc(void)
{
	struct store *a = store_create(), *b = store_create();
	struct acc_arg arg = { NULL, 0 };
	struct filter f;
	char *ja, *jb, err[64];
	size_t n;
	int i;

	acc_runs(a, 0, 300);
	acc_runs(b, 0, 200);
	arg.acc = errors_acc_create(NOW, HOUR);
	n = store_evict_where(b, acc_let_go, &arg);
	acc_runs(b, 200, 300); /* new runs in the slots of those let go */
	ja = errors_text(errors_compute(a, NULL, NOW, HOUR));
	jb = errors_text(errors_compute_from(b, NULL, NOW, HOUR, arg.acc));
	ok(n == 100 && store_nruns(b) == 200, "100 runs let go, 200 held");
	ok(strlen(ja) > 100, "errors of every kind: %.60s...", ja);
	is_str(jb, ja, "counted as they went, then over the held: the same groups");
	ok(errors_acc_exact(arg.acc), "and said to be exact");
	free(ja);
	free(jb);
	errors_acc_free(arg.acc);

	/* another window, or a filter: not the same count */
	arg.acc = errors_acc_create(NOW, HOUR);
	arg.n = 0;
	store_evict_where(b, acc_let_go, &arg);
	errors_free(errors_compute_from(b, NULL, NOW, 2 * HOUR, arg.acc));
	ok(!errors_acc_exact(arg.acc), "asked for another window: not exact");
	errors_acc_free(arg.acc);
	arg.acc = errors_acc_create(NOW, HOUR);
	arg.n = 0;
	store_evict_where(b, acc_let_go, &arg);
	ok(filter_parse(&f, "status=failed", err, sizeof err) == 0, "a filter");
	errors_free(errors_compute_from(b, &f, NOW, HOUR, arg.acc));
	ok(!errors_acc_exact(arg.acc), "with a filter: not exact");
	filter_done(&f);
	errors_acc_free(arg.acc);
	store_free(a);
	store_free(b);

	/* a run let go, and a new run of the same error in its slot: two runs */
	a = store_create();
	put(a, EV_RUN_FAILED, "x1", NOW - 5000, "error_class", "Q", NULL);
	arg.acc = errors_acc_create(NOW, HOUR);
	arg.n = 0;
	store_evict_where(a, acc_let_go, &arg);
	put(a, EV_RUN_FAILED, "x2", NOW - 4000, "error_class", "Q", NULL);
	{
		struct errors *e = errors_compute_from(a, NULL, NOW, HOUR, arg.acc);

		ok(e->ngroups == 1 && e->groups[0].count == 2 &&
		    e->groups[0].runs == 2, "a run let go and one held: 2 occurrences in 2 runs");
		errors_free(e);
	}
	errors_acc_free(arg.acc);
	store_free(a);

	/* beyond the bound on groups, which were made follows the order */
	a = store_create();
	for (i = 0; i < ERRORS_GROUPS_MAX + 10; i++) {
		char run[32], cls[32];

		snprintf(run, sizeof run, "b%d", i);
		snprintf(cls, sizeof cls, "Class%d", i);
		put(a, EV_RUN_FAILED, run, NOW - 1000 - i, "error_class", cls, NULL);
	}
	arg.acc = errors_acc_create(NOW, HOUR);
	arg.n = 0;
	store_evict_where(a, acc_let_go, &arg);
	errors_free(errors_compute_from(a, NULL, NOW, HOUR, arg.acc));
	ok(!errors_acc_exact(arg.acc), "more groups than the bound: not exact");
	errors_acc_free(arg.acc);
	store_free(a);
}

int
main(void)
{
	test_normalise();
	test_groups();
	test_bounds();
	test_order();
	test_acc();
	return tap_done();
}
