/* execmon - unit tests for event maps: the map file parser and the applier. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evmap.h"
#include "tap.h"

#ifndef SRCDIR_MAPS
#define SRCDIR_MAPS "maps"
#endif

static struct evmap *
parse(const char *text, char *err, size_t errlen)
{
	return evmap_parse(text, strlen(text), "t", "t.map", err, errlen);
}

/* Parse text expecting an error that contains want. */
static void
bad(const char *text, const char *want, const char *what)
{
	char err[512];
	struct evmap *m = parse(text, err, sizeof err);

	ok(m == NULL && strstr(err, want) != NULL, "%s: '%s'", what, err);
	evmap_free(m);
}

static void
test_parse_errors(void)
{
	bad("run_id = a\nbogus = b\n", "t.map:2: unknown setting 'bogus'", "unknown key");
	bad("run_id = a\nrun_id = b\n", "t.map:2: run_id set twice", "twice");
	bad("time = ts lightyears\n", "t.map:1: time: unknown time unit 'lightyears'",
	    "unit");
	bad("time = ts\n", "t.map:1: time: 'ts' has no unit", "no unit");
	bad("type.A = run.begun\n", "t.map:1: type.A: unknown execmon type 'run.begun'",
	    "exec type");
	bad("message = \"abc\n", "t.map:1: message: a string without its closing",
	    "open string");
	bad("\n\nrun_id = a..b\n", "t.map:3: run_id: an empty part in the path 'a..b'",
	    "empty part");
	bad("run_id = a b\n", "t.map:1: run_id: '+' or '|' expected", "two words");
	bad("run_id = a |\n", "t.map:1: run_id: a field, a path", "dangling |");
	bad("@x.run_id = a\n", "t.map:1: scope @x is given to no type", "unused scope");
	bad("type.A = log-only @\n", "t.map:1: type.A: a scope name expected", "empty scope");
	bad("type.* = run.started\n", "t.map:1: type.* is log-only or as-sent", "type.*");
	bad("type.A = log\ntype.A = log\n", "t.map:2: type.A set twice", "type twice");
	bad("agent-from =\n", "t.map:1: agent-from: a list", "empty agent-from");
	bad("ts = x\n", "t.map:1: unknown setting 'ts'", "ts is not a field rule");
	bad("cost_usd = 1e\n", "t.map:1: cost_usd: '1e' is not a number", "bad number");
	bad("run_id = a\x01\n", "t.map:1:", "control byte");
	bad("run_id = a.b.c.d.e.f.g.h.i\n", "more than 8 parts", "deep path");
}

/* Decode a flat entry of name/value pairs (NULL-terminated) through m. */
static enum event_malformed
flat(const struct evmap *m, struct event *ev, const char *const *nv,
    int64_t id_ms, char *why, size_t whylen)
{
	struct event_field_kv kv[32];
	size_t n = 0;

	for (; nv[0] != NULL; nv += 2, n++) {
		kv[n].name = nv[0];
		kv[n].name_len = strlen(nv[0]);
		kv[n].value = nv[1];
		kv[n].value_len = strlen(nv[1]);
	}
	event_init(ev);
	return evmap_decode_fields(m, ev, kv, n, id_ms, why, whylen);
}

static const char made_up[] =
    "# a made-up producer\n"
    "description = test producer\n"
    "type = kind\n"
    "time = at ns | when rfc3339 | sec s\n"
    "run_id = job.id | \"job-\" + job.num\n"
    "agent_id = who | \"orchestrator\"\n"
    "model_id = body.llm.model\n"
    "input_tokens = body.llm.in\n"
    "cost_usd = body.llm.cost\n"
    "message = \"[\" + kind + \"] \" + text\n"
    "type.begin = run.started\n"
    "type.end = run.completed\n"
    "type.gen = llm.call @call\n"
    "type.chatter = log-only\n"
    "@call.run_id = job.id + \"/\" + who | job.id\n"
    "@call.parent_run_id = job.id + ?who\n";

static void
test_apply(void)
{
	char err[512], why[512];
	struct evmap *m = parse(made_up, err, sizeof err);
	struct event ev;
	json_t *obj;

	ok(m != NULL, "the made-up map parses (%s)", m ? "" : err);
	if (m == NULL)
		return;
	is_str(evmap_description(m), "test producer", "description");

	{
		const char *nv[] = { "kind", "begin", "at", "1700000000123456789",
		    "job", "{\"id\":\"j1\"}", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_NONE, "begin decodes");
		is_int(ev.type, EV_RUN_STARTED, "renamed type");
		is_int(ev.ts_ms, 1700000000123, "ns time");
		is_str(ev.run_id, "j1", "run_id from JSON text in a flat field");
		is_str(ev.agent_id, "orchestrator", "fallback constant");
		event_done(&ev);
	}
	{
		const char *nv[] = { "kind", "gen", "when", "2023-11-14T22:13:20.5Z",
		    "job", "{\"id\":\"j1\"}", "who", "planner",
		    "body", "{\"llm\":{\"model\":\"m1\",\"in\":42,\"cost\":0.25}}", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_NONE, "gen decodes");
		is_int(ev.type, EV_LLM_CALL, "scoped type");
		is_int(ev.ts_ms, 1700000000500, "RFC 3339 time");
		is_str(ev.run_id, "j1/planner", "scope's run_id joins terms");
		is_str(ev.parent_run_id, "j1", "guarded parent");
		is_str(ev.model_id, "m1", "nested path");
		is_int(ev.input_tokens, 42, "nested number");
		ok(ev.cost_usd > 0.2499 && ev.cost_usd < 0.2501, "nested real");
		is_str(ev.agent_id, "planner", "agent_id from the field");
		event_done(&ev);
	}
	{
		const char *nv[] = { "kind", "gen", "sec", "1700000001.25",
		    "job", "{\"id\":\"j1\"}", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_NONE,
		    "gen without who decodes");
		is_str(ev.run_id, "j1", "second alternative");
		ok(ev.parent_run_id == NULL, "guard absent: no parent");
		is_int(ev.ts_ms, 1700000001250, "fractional seconds");
		event_done(&ev);
	}
	{
		const char *nv[] = { "kind", "chatter", "job", "{\"num\":7}",
		    "text", "hi", NULL };

		is_int(flat(m, &ev, nv, 1700000000000, why, sizeof why), MAL_NONE,
		    "log-only decodes");
		is_int(ev.type, EV_OTHER, "log-only is an other type");
		is_str(ev.type_name, "chatter", "keeps its own name");
		is_str(ev.run_id, "job-7", "constant + number");
		is_str(ev.message, "[chatter] hi", "message built of parts");
		is_int(ev.ts_ms, 1700000000000, "no time: the entry ID's");
		event_done(&ev);
	}
	{
		const char *nv[] = { "kind", "unlisted", "job", "{\"id\":\"j2\"}", NULL };

		is_int(flat(m, &ev, nv, 1700000000000, why, sizeof why), MAL_NONE,
		    "an unlisted type is log-only by default");
		is_str(ev.type_name, "unlisted", "unlisted keeps its name");
		event_done(&ev);
	}
	/* Malformed entries: the reason names the map and the field. */
	{
		const char *nv[] = { "kind", "gen", "at", "soon", "job", "{\"id\":\"j\"}", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_BAD_TS, "bad ns time");
		ok(strstr(why, "map t: time: at: not a number") != NULL, "why: %s", why);
	}
	{
		const char *nv[] = { "at", "1", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_NO_TYPE, "no type");
		ok(strstr(why, "map t: no type (type = kind)") != NULL, "why: %s", why);
	}
	{
		const char *nv[] = { "kind", "gen", "job", "not json", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_BAD_JSON, "bad JSON text");
		ok(strstr(why, "map t: run_id: job.id: 'job' is not a JSON object") != NULL, "why: %s", why);
	}
	{
		const char *nv[] = { "kind", "gen", "job", "{\"id\":\"j\"}",
		    "body", "{\"llm\":{\"in\":\"many\"}}", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_BAD_NUMBER, "bad number");
		ok(strstr(why, "input_tokens (= body.llm.in): bad_number") != NULL,
		    "why: %s", why);
	}
	{
		const char *nv[] = { "kind", "end", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_NO_RUN_ID, "no run id");
		ok(strstr(why, "no run_id for end (run_id = job.id | \"job-\" + job.num)")
		    != NULL, "why: %s", why);
	}
	{
		const char *nv[] = { "kind", "gen", "job", "{\"id\":{\"x\":1}}", NULL };

		is_int(flat(m, &ev, nv, 5, why, sizeof why), MAL_BAD_TYPE,
		    "object for a string");
		ok(strstr(why, "map t: run_id: job.id: an object or array") != NULL, "why: %s", why);
	}
	/* JSON input: a nested object and a JSON-text member. */
	obj = json_pack("{s:s, s:s, s:{s:s}, s:s, s:s}", "kind", "gen", "when",
	    "2023-11-14T22:13:20.123456789Z", "job", "id", "w9", "who", "a1",
	    "body", "{\"llm\":{\"model\":\"m2\",\"in\":3}}");
	event_init(&ev);
	is_int(evmap_decode_json(m, &ev, obj, 9, why, sizeof why), MAL_NONE,
	    "JSON object decodes (%s)", why);
	is_str(ev.run_id, "w9/a1", "JSON run id");
	is_str(ev.model_id, "m2", "path into a member holding JSON text");
	is_int(ev.ts_ms, 1700000000123, "nanosecond RFC 3339 fraction");
	event_done(&ev);
	json_decref(obj);
	/* The native decoder is the NULL map. */
	{
		const char *nv[] = { "type", "run.started", "run_id", "r", NULL };

		is_int(flat(NULL, &ev, nv, 5, why, sizeof why), MAL_NONE, "NULL = native");
		is_str(ev.run_id, "r", "native run_id");
		event_done(&ev);
	}
	evmap_free(m);
}

static void
test_as_sent_and_agent_from(void)
{
	char err[512], why[512];
	struct evmap *m = parse("type.* = as-sent\n"
	    "run_id = rid\n"
	    "agent_id = who | \"main\"\n"
	    "agent-from = start\n"
	    "type.start = run.started\n"
	    "type.call = llm.call @c\n"
	    "@c.agent-from = nothing\n"
	    "@c.input_tokens = 12\n", err, sizeof err);
	struct event ev;

	ok(m != NULL, "as-sent map parses (%s)", m ? "" : err);
	if (m == NULL)
		return;
	{
		const char *nv[] = { "type", "run.completed", "rid", "r1", "who", "x", NULL };

		is_int(flat(m, &ev, nv, 1700000000000, why, sizeof why), MAL_NONE,
		    "an unlisted execmon type passes as sent");
		is_int(ev.type, EV_RUN_COMPLETED, "as an execmon type");
		ok(ev.agent_id == NULL, "agent-from: a completion names no agent");
		event_done(&ev);
	}
	{
		const char *nv[] = { "type", "start", "rid", "r1", NULL };

		is_int(flat(m, &ev, nv, 1700000000000, why, sizeof why), MAL_NONE,
		    "start decodes");
		is_str(ev.agent_id, "main", "agent-from: the start names the agent (fallback)");
		event_done(&ev);
	}
	{
		const char *nv[] = { "type", "call", "rid", "r1", "who", "w", NULL };

		is_int(flat(m, &ev, nv, 1700000000000, why, sizeof why), MAL_NONE,
		    "a scoped call decodes");
		ok(ev.agent_id == NULL, "the scope's own agent-from leaves it out");
		is_int(ev.input_tokens, 12, "a numeric constant");
		event_done(&ev);
	}
	evmap_free(m);
}

/* More fields holding JSON text than the applier keeps inline. */
static void
test_many_json_fields(void)
{
	static const char *const fields[] = { "run_id", "agent_id", "agent_name",
	    "trace_id", "span_id", "user_id", "workspace_id", "queue", "model_id",
	    "tool_id", "message", "request_id" };
	char text[2048], err[512], why[512], names[12][8], values[12][32];
	const char *nv[2 * 13 + 1];
	size_t n = 0;
	struct evmap *m;
	struct event ev;

	text[0] = '\0';
	for (int i = 0; i < 12; i++) {
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    "%s = j%d.v\n", fields[i], i);
		snprintf(names[i], sizeof names[i], "j%d", i);
		snprintf(values[i], sizeof values[i], "{\"v\":\"x%d\"}", i);
	}
	m = parse(text, err, sizeof err);
	ok(m != NULL, "a map of 12 JSON-text fields parses (%s)", m ? "" : err);
	if (m == NULL)
		return;
	nv[n++] = "type";
	nv[n++] = "log";
	for (int i = 0; i < 12; i++) {
		nv[n++] = names[i];
		nv[n++] = values[i];
	}
	nv[n] = NULL;
	is_int(flat(m, &ev, nv, 1700000000000, why, sizeof why), MAL_NONE,
	    "an entry of 12 JSON-text fields decodes (%s)", why);
	is_str(ev.run_id, "x0", "the first");
	is_str(ev.request_id, "x11", "the last, past the inline cache");
	event_done(&ev);
	evmap_free(m);
}

static void
test_load(void)
{
	char err[512];
	struct evmap *m;

	m = evmap_load("native", err, sizeof err);
	ok(m == NULL && err[0] == '\0', "native is no map");
	m = evmap_load("no-such-preset", err, sizeof err);
	ok(m == NULL && strstr(err, "no map 'no-such-preset'") != NULL, "missing: %s", err);
	m = evmap_load("bad name!", err, sizeof err);
	ok(m == NULL && strstr(err, "bad map name") != NULL, "bad name: %s", err);
	m = evmap_load("./nowhere/x.map", err, sizeof err);
	ok(m == NULL && strstr(err, "map ./nowhere/x.map:") != NULL, "missing file: %s",
	    err);
	m = evmap_load(SRCDIR_MAPS "/shannon.map", err, sizeof err);
	ok(m != NULL, "the shannon preset parses (%s)", m ? "" : err);
	evmap_free(m);
}

int
main(void)
{
	test_parse_errors();
	test_apply();
	test_as_sent_and_agent_from();
	test_many_json_fields();
	test_load();
	return tap_done();
}
