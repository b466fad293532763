/* execmon - unit tests for run filters: parse, match, format, errors. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "filter.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

static int seq;

/* Apply one event built from the given strings (NULL = absent). */
static void
apply(struct store *st, enum event_type type, const char *run,
    const char *agent_name, const char *agent_id, const char *trace,
    const char *user, const char *queue, const char *model)
{
	struct event ev;
	char id[32];

	event_init(&ev);
	ev.type = type;
	ev.type_name = xstrdup(event_type_name(type));
	ev.ts_ms = 1700000000000LL + seq;
	ev.has = EF_TS;
	ev.source = 0;
	snprintf(id, sizeof id, "%d-0", ++seq);
	ev.entry_id = xstrdup(id);
	ev.run_id = xstrdup(run);
#define DUP(f, v) ev.f = (v) != NULL ? xstrdup(v) : NULL
	DUP(agent_name, agent_name);
	DUP(agent_id, agent_id);
	DUP(trace_id, trace);
	DUP(user_id, user);
	DUP(queue, queue);
	DUP(model_id, model);
#undef DUP
	if (type == EV_RUN_FAILED)
		ev.error_message = xstrdup("Rate LIMIT hit");
	store_apply(st, &ev);
	event_done(&ev);
}

/* Give run its workspace through a log event. */
static void
apply_ws(struct store *st, const char *run, const char *ws)
{
	struct event ev;
	char id[32];

	event_init(&ev);
	ev.type = EV_LOG;
	ev.type_name = xstrdup("log");
	ev.ts_ms = 1700000000000LL + seq;
	ev.has = EF_TS;
	ev.source = 0;
	snprintf(id, sizeof id, "%d-0", ++seq);
	ev.entry_id = xstrdup(id);
	ev.run_id = xstrdup(run);
	ev.workspace_id = xstrdup(ws);
	store_apply(st, &ev);
	event_done(&ev);
}

static void
test_parse(void)
{
	struct filter f;
	char err[256], buf[256];

	filter_init(&f);
	ok(!filter_active(&f), "a new filter is not active");
	is_int(f.status, -1, "a new filter has any status");

	is_int(filter_parse(&f, "agent=planner,status=failed,trace=4bf9",
	    err, sizeof err), 0, "parse agent, status, trace");
	is_str(f.agent, "planner", "agent value");
	is_int(f.status, RUN_FAILED, "status value");
	is_str(f.trace, "4bf9", "trace value");
	ok(f.model == NULL && f.user == NULL && f.queue == NULL &&
	    f.text == NULL, "unset keys stay unset");
	ok(filter_active(&f), "a parsed filter is active");
	filter_format(&f, buf, sizeof buf);
	is_str(buf, "agent=planner,status=failed,trace=4bf9", "format");

	is_int(filter_parse(&f, " text = a=b c , queue=q1,user=u7,"
	    "model=gpt-4o,", err, sizeof err), 0,
	    "spaces, '=' in a value and a trailing comma");
	is_str(f.text, "a=b c", "value keeps inner '=' and spaces");
	ok(f.agent == NULL && f.status == -1,
	    "a new parse replaces the old filter");
	filter_format(&f, buf, sizeof buf);
	is_str(buf, "model=gpt-4o,user=u7,queue=q1,text=a=b c",
	    "format in key order");

	is_int(filter_parse(&f, "", err, sizeof err), 0, "empty expression");
	ok(!filter_active(&f), "empty expression clears the filter");
	filter_format(&f, buf, sizeof buf);
	is_str(buf, "", "format of no filter is empty");
	filter_done(&f);
}

static void
test_round_trip(void)
{
	static const char *const exprs[] = {
		"agent=planner",
		"status=queued",
		"status=running,queue=default",
		"agent=a,status=cancelled,trace=t,model=m,user=u,queue=q,"
		    "text=x y",
		"agent=a,status=failed,trace=t,model=m,user=u,workspace=w,"
		    "queue=q,text=x y",
		"workspace=ws-acme",
		"workspace=ws-acme,error=TimeoutError: timeout after <dur>",
		"text=ERR",
	};
	struct filter f, g;
	char err[256], a[256], b[256];
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
		filter_init(&f);
		filter_init(&g);
		if (filter_parse(&f, exprs[i], err, sizeof err) != 0)
			bad++;
		filter_format(&f, a, sizeof a);
		if (strcmp(a, exprs[i]) != 0)
			bad++;
		if (filter_parse(&g, a, err, sizeof err) != 0)
			bad++;
		filter_format(&g, b, sizeof b);
		if (strcmp(a, b) != 0)
			bad++;
		filter_done(&f);
		filter_done(&g);
	}
	is_int(bad, 0, "parse(format(parse(e))) == e for canonical forms");

	filter_init(&f);
	filter_parse(&f, "agent=abcdefgh,user=u", err, sizeof err);
	filter_format(&f, a, 10);
	is_str(a, "agent=abc", "format truncates and terminates");
	filter_format(&f, a, 1);
	is_str(a, "", "format into one byte");
	filter_done(&f);
}

static void
test_errors(void)
{
	static const struct {
		const char *expr, *needle;
	} cases[] = {
		{ "agnt=planner", "unknown filter key 'agnt'" },
		{ "status=done", "unknown status 'done'" },
		{ "status=Failed", "unknown status 'Failed'" },
		{ "agent", "is not key=value" },
		{ "agent=", "empty value" },
		{ "agent=a,agent=b", "given twice" },
		{ "=x", "unknown filter key ''" },
		{ "workspace=", "empty value" },
		{ "workspace=a,workspace=b", "'workspace' given twice" },
		{ "wrkspace=a", "expected agent, status, trace, model, user, "
		    "workspace, queue, error, text or tool" },
		{ "error=", "empty value" },
	};
	struct filter f;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		filter_init(&f);
		filter_parse(&f, "agent=keep", err, sizeof err);
		err[0] = '\0';
		is_int(filter_parse(&f, cases[i].expr, err, sizeof err), -1,
		    "'%s' is an error", cases[i].expr);
		ok(strstr(err, cases[i].needle) != NULL &&
		    strchr(err, '\n') == NULL,
		    "one-line reason for '%s': %s", cases[i].expr, err);
		is_str(f.agent, "keep", "'%s' leaves the filter as it was",
		    cases[i].expr);
		filter_done(&f);
	}
}

/* Which of the runs r1..r5 match expr, as a string of their digits. */
static void
matches(const struct store *st, const char *expr, char *out)
{
	struct filter f;
	char err[256], id[8];
	size_t n = 0;
	int i;

	filter_init(&f);
	if (filter_parse(&f, expr, err, sizeof err) != 0) {
		strcpy(out, "error");
		return;
	}
	for (i = 1; i <= 5; i++) {
		snprintf(id, sizeof id, "r%d", i);
		if (filter_match(&f, store_find(st, id)))
			out[n++] = (char)('0' + i);
	}
	out[n] = '\0';
	filter_done(&f);
}

static void
test_match(void)
{
	struct store *st = store_create();
	char got[16];

	/* r1 planner, failed, trace 4bf9aa, user alice, queue fast, gpt-4o */
	apply(st, EV_RUN_QUEUED, "r1", "planner", "ag-1", "4bf9aa", "alice",
	    "fast", NULL);
	apply(st, EV_RUN_STARTED, "r1", NULL, NULL, NULL, NULL, NULL, NULL);
	apply(st, EV_LLM_CALL, "r1", NULL, NULL, NULL, NULL, NULL, "gpt-4o");
	apply(st, EV_RUN_FAILED, "r1", NULL, NULL, NULL, NULL, NULL, NULL);
	/* r2 coder (id only), running, trace 4bf9bb, no queue event */
	apply(st, EV_RUN_STARTED, "r2", NULL, "coder", "4bf9bb", "bob",
	    NULL, NULL);
	/* r3 planner, completed, trace ffff, queue default (explicit) */
	apply(st, EV_RUN_QUEUED, "r3", "planner", NULL, "ffff", "alice",
	    "default", NULL);
	apply(st, EV_RUN_STARTED, "r3", NULL, NULL, NULL, NULL, NULL, NULL);
	apply(st, EV_LLM_CALL, "r3", NULL, NULL, NULL, NULL, NULL, "claude");
	apply(st, EV_RUN_COMPLETED, "r3", NULL, NULL, NULL, NULL, NULL, NULL);
	/* r4 queued, nothing else */
	apply(st, EV_RUN_QUEUED, "r4", NULL, NULL, NULL, NULL, "slow", NULL);
	/* r5 only an llm call: status unknown */
	apply(st, EV_LLM_CALL, "r5", "Planner", NULL, NULL, NULL, NULL,
	    "gpt-4o");

	matches(st, "", got);
	is_str(got, "12345", "no filter matches all");
	matches(st, "agent=planner", got);
	is_str(got, "13", "agent by name, exact and case-sensitive");
	matches(st, "agent=coder", got);
	is_str(got, "2", "agent by id");
	matches(st, "agent=ag-1", got);
	is_str(got, "1", "agent id of a named run");
	matches(st, "status=failed", got);
	is_str(got, "1", "status failed");
	matches(st, "status=running", got);
	is_str(got, "2", "status running");
	matches(st, "status=queued", got);
	is_str(got, "4", "status queued");
	matches(st, "status=unknown", got);
	is_str(got, "5", "status unknown");
	matches(st, "trace=4bf9", got);
	is_str(got, "12", "trace prefix");
	matches(st, "trace=4bf9aa", got);
	is_str(got, "1", "whole trace");
	matches(st, "trace=bf9", got);
	is_str(got, "", "trace is a prefix, not a substring");
	matches(st, "model=gpt-4o", got);
	is_str(got, "15", "model");
	matches(st, "user=alice", got);
	is_str(got, "13", "user");
	apply_ws(st, "r1", "ws-acme");
	apply_ws(st, "r3", "ws-globex");
	apply_ws(st, "r4", "ws-acme");
	matches(st, "workspace=ws-acme", got);
	is_str(got, "14", "workspace");
	matches(st, "workspace=ws-acme,user=alice", got);
	is_str(got, "1", "workspace and user");
	matches(st, "workspace=ws", got);
	is_str(got, "", "workspace is exact");
	matches(st, "queue=default", got);
	is_str(got, "235", "queue default includes runs without a queue");
	matches(st, "queue=fast", got);
	is_str(got, "1", "named queue");
	matches(st, "text=PLAN", got);
	is_str(got, "135", "text is a case-insensitive substring of agent");
	matches(st, "text=rate limit", got);
	is_str(got, "1", "text searches the error");
	matches(st, "text=r4", got);
	is_str(got, "4", "text searches the id");
	matches(st, "text=BF9B", got);
	is_str(got, "2", "text searches the trace");
	matches(st, "agent=planner,user=alice,status=completed", got);
	is_str(got, "3", "keys combine with AND");
	matches(st, "agent=planner,status=queued", got);
	is_str(got, "", "an impossible combination matches nothing");
	ok(filter_match(NULL, store_find(st, "r1")), "a NULL filter matches");
	store_free(st);
}

int
main(void)
{
	test_parse();
	test_round_trip();
	test_errors();
	test_match();
	return tap_done();
}
