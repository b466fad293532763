/* execmon - unit tests for the event wire format (event.c). */
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "xmalloc.h"
#include "tap.h"

#define MAXKV 64

/* Decode a flat entry given as name, value, ..., NULL. */
static enum event_malformed
flat(struct event *ev, int64_t id_ms, ...)
{
	struct event_field_kv kv[MAXKV];
	const char *name;
	size_t n = 0;
	va_list ap;

	va_start(ap, id_ms);
	while (n < MAXKV && (name = va_arg(ap, const char *)) != NULL) {
		kv[n].name = name;
		kv[n].name_len = strlen(name);
		kv[n].value = va_arg(ap, const char *);
		kv[n].value_len = strlen(kv[n].value);
		n++;
	}
	va_end(ap);
	return event_decode_fields(ev, kv, n, id_ms);
}

/* Decode an entry whose one field is named name and holds text. */
static enum event_malformed
one_field(struct event *ev, const char *name, const char *text, size_t len,
    int64_t id_ms)
{
	struct event_field_kv kv = { name, strlen(name), text, len };

	return event_decode_fields(ev, &kv, 1, id_ms);
}

static enum event_malformed
jfield(struct event *ev, const char *json, int64_t id_ms)
{
	return one_field(ev, "json", json, strlen(json), id_ms);
}

/* Parse JSON text and decode it as a WebSocket message would be. */
static enum event_malformed
jobj(struct event *ev, const char *json, int64_t recv_ms)
{
	enum event_malformed r;
	json_t *o;

	r = event_json_parse(json, strlen(json), &o);
	if (r != MAL_NONE) {
		event_init(ev);
		return r;
	}
	r = event_decode_json(ev, o, recv_ms);
	json_decref(o);
	return r;
}

static int
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Compare two events field by field; names the first difference in why. */
static int
events_equal(const struct event *a, const struct event *b, uint32_t ignore,
    const char **why)
{
#define STR(m) if (!str_eq(a->m, b->m)) { *why = #m; return 0; }
#define NUM(m, bit) \
	if ((a->has & (bit)) && a->m != b->m) { *why = #m; return 0; }
	if (a->type != b->type) {
		*why = "type";
		return 0;
	}
	if ((a->has & ~ignore) != (b->has & ~ignore)) {
		*why = "has";
		return 0;
	}
	if (a->ts_ms != b->ts_ms) {
		*why = "ts_ms";
		return 0;
	}
	STR(type_name) STR(run_id) STR(agent_id) STR(agent_name)
	STR(agent_version) STR(trace_id) STR(span_id) STR(parent_run_id)
	STR(root_run_id) STR(request_id) STR(user_id) STR(workspace_id)
	STR(origin) STR(queue) STR(message) STR(model_id) STR(finish_reason)
	STR(fallback_reason) STR(error_class) STR(error_message) STR(tool_id)
	STR(outcome) STR(error_kind)
	NUM(priority, EF_PRIORITY) NUM(estimated_ms, EF_ESTIMATED_MS)
	NUM(progress, EF_PROGRESS) NUM(input_tokens, EF_INPUT_TOKENS)
	NUM(output_tokens, EF_OUTPUT_TOKENS) NUM(cost_usd, EF_COST_USD)
	NUM(duration_ms, EF_DURATION_MS) NUM(ttft_ms, EF_TTFT_MS)
	NUM(streaming, EF_STREAMING) NUM(cache_hit, EF_CACHE_HIT)
	NUM(attempt, EF_ATTEMPT) NUM(retryable, EF_RETRYABLE)
	NUM(rate_limited, EF_RATE_LIMITED) NUM(exit_code, EF_EXIT_CODE)
	NUM(output_bytes, EF_OUTPUT_BYTES) NUM(depth, EF_DEPTH)
	NUM(workers_total, EF_WORKERS_TOTAL) NUM(workers_busy, EF_WORKERS_BUSY)
	NUM(cpu, EF_CPU) NUM(memory, EF_MEMORY)
	if ((a->extra == NULL) != (b->extra == NULL) ||
	    (a->extra != NULL && !json_equal(a->extra, b->extra))) {
		*why = "extra";
		return 0;
	}
	*why = "";
	return 1;
#undef STR
#undef NUM
}

/* Epoch ms of a UTC civil time, computed by the C library. */
static int64_t
utc_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static const char *const all_flat[] = {
	"type", "run.failed", "ts", "1700000000123", "run_id", "r1",
	"agent_id", "a1", "agent_name", "Planner", "agent_version", "1.2.3",
	"trace_id", "t1", "span_id", "s1", "parent_run_id", "p1",
	"root_run_id", "root1", "request_id", "req1", "user_id", "u1",
	"workspace_id", "w1", "source", "web", "queue", "q1",
	"priority", "-5", "estimated_ms", "30000", "progress", "0.25",
	"message", "hello", "model_id", "gpt-x", "input_tokens", "100",
	"output_tokens", "200", "cost_usd", "0.0125", "duration_ms", "1500",
	"ttft_ms", "120", "streaming", "true", "cache_hit", "0",
	"finish_reason", "stop", "attempt", "2", "fallback_reason", "rate_limit",
	"retryable", "1", "rate_limited", "false", "error_class", "TimeoutError",
	"error_message", "timed out", "tool_id", "search", "outcome", "error",
	"error_kind", "timeout", "exit_code", "-9", "output_bytes", "4096",
	"depth", "7", "workers_total", "8", "workers_busy", "9", "cpu", "55.5",
	"memory", "12.25", NULL
};

static const char all_json[] =
    "{\"memory\":12.25,\"cpu\":55.5,\"workers_busy\":9,\"workers_total\":8,"
    "\"depth\":7,\"output_bytes\":4096,\"exit_code\":-9,"
    "\"error_kind\":\"timeout\",\"outcome\":\"error\",\"tool_id\":\"search\","
    "\"error_message\":\"timed out\",\"error_class\":\"TimeoutError\","
    "\"rate_limited\":false,\"retryable\":true,"
    "\"fallback_reason\":\"rate_limit\",\"attempt\":2,"
    "\"finish_reason\":\"stop\",\"cache_hit\":false,\"streaming\":true,"
    "\"ttft_ms\":120,\"duration_ms\":1500,\"cost_usd\":0.0125,"
    "\"output_tokens\":200,\"input_tokens\":100,\"model_id\":\"gpt-x\","
    "\"message\":\"hello\",\"progress\":0.25,\"estimated_ms\":30000,"
    "\"priority\":-5,\"queue\":\"q1\",\"source\":\"web\","
    "\"workspace_id\":\"w1\",\"user_id\":\"u1\",\"request_id\":\"req1\","
    "\"root_run_id\":\"root1\",\"parent_run_id\":\"p1\",\"span_id\":\"s1\","
    "\"trace_id\":\"t1\",\"agent_version\":\"1.2.3\","
    "\"agent_name\":\"Planner\",\"agent_id\":\"a1\",\"run_id\":\"r1\","
    "\"ts\":1700000000123,\"type\":\"run.failed\"}";

static enum event_malformed
decode_all_flat(struct event *ev)
{
	struct event_field_kv kv[MAXKV];
	size_t n;

	for (n = 0; all_flat[2 * n] != NULL; n++) {
		kv[n].name = all_flat[2 * n];
		kv[n].name_len = strlen(kv[n].name);
		kv[n].value = all_flat[2 * n + 1];
		kv[n].value_len = strlen(kv[n].value);
	}
	return event_decode_fields(ev, kv, n, 5);
}

static void
test_names(void)
{
	static const char *const mal[MAL__COUNT] = {
		"none", "no_type", "bad_json", "bad_number", "bad_bool", "bad_ts",
		"no_run_id", "bad_type", "bad_value", "too_large", "binary",
		"empty", "unsupported_encoding"
	};
	int i, bad = 0, needs = 0;

	for (i = 0; i < MAL__COUNT; i++) {
		if (!str_eq(event_malformed_name((enum event_malformed)i), mal[i]))
			bad++;
	}
	is_int(bad, 0, "every malformed reason has its snake_case name");
	is_str(event_malformed_name(MAL__COUNT), "unknown", "out-of-range reason");

	bad = 0;
	for (i = 0; i < EV__COUNT; i++) {
		if (event_type_from_name(event_type_name((enum event_type)i)) !=
		    (enum event_type)i)
			bad++;
		needs += event_type_needs_run((enum event_type)i);
	}
	is_int(bad, 0, "type names map back to their types");
	is_int(needs, 11, "eleven types need a run_id");
	ok(!event_type_needs_run(EV_QUEUE_DEPTH) &&
	    !event_type_needs_run(EV_WORKER_STATUS) &&
	    !event_type_needs_run(EV_OTHER), "gauges and unknown types do not");
	is_int(event_type_from_name("run.Started"), EV_OTHER,
	    "type names are case-sensitive");
	is_int(event_type_from_name(NULL), EV_OTHER, "NULL type name");
	is_str(event_type_name(EV_LLM_CALL), "llm.call", "llm.call name");
}

static void
test_all_fields(void)
{
	struct event a, b, c;
	const char *why;

	is_int(decode_all_flat(&a), MAL_NONE, "flat: every field decodes");
	is_int(a.type, EV_RUN_FAILED, "flat: type");
	is_str(a.type_name, "run.failed", "flat: type_name");
	is_int(a.ts_ms, 1700000000123LL, "flat: ts");
	ok(a.has & EF_TS, "flat: ts came from the event");
	is_str(a.run_id, "r1", "flat: run_id");
	ok(str_eq(a.agent_id, "a1") && str_eq(a.agent_name, "Planner") &&
	    str_eq(a.agent_version, "1.2.3"), "flat: agent fields");
	ok(str_eq(a.trace_id, "t1") && str_eq(a.span_id, "s1") &&
	    str_eq(a.parent_run_id, "p1") && str_eq(a.root_run_id, "root1") &&
	    str_eq(a.request_id, "req1"), "flat: tracing fields");
	ok(str_eq(a.user_id, "u1") && str_eq(a.workspace_id, "w1"),
	    "flat: context fields");
	is_str(a.origin, "web", "flat: source maps to origin");
	is_str(a.queue, "q1", "flat: queue");
	is_int(a.priority, -5, "flat: negative priority allowed");
	is_int(a.estimated_ms, 30000, "flat: estimated_ms");
	ok(a.progress == 0.25, "flat: progress");
	is_str(a.message, "hello", "flat: message");
	is_str(a.model_id, "gpt-x", "flat: model_id");
	ok(a.input_tokens == 100 && a.output_tokens == 200, "flat: tokens");
	ok(a.cost_usd == 0.0125, "flat: cost_usd");
	ok(a.duration_ms == 1500 && a.ttft_ms == 120, "flat: durations");
	ok(a.streaming == 1 && a.cache_hit == 0 && a.retryable == 1 &&
	    a.rate_limited == 0, "flat: booleans");
	is_str(a.finish_reason, "stop", "flat: finish_reason");
	is_int(a.attempt, 2, "flat: attempt");
	is_str(a.fallback_reason, "rate_limit", "flat: fallback_reason");
	ok(str_eq(a.error_class, "TimeoutError") &&
	    str_eq(a.error_message, "timed out"), "flat: error fields");
	ok(str_eq(a.tool_id, "search") && str_eq(a.outcome, "error") &&
	    str_eq(a.error_kind, "timeout"), "flat: tool fields");
	ok(a.exit_code == -9 && a.output_bytes == 4096, "flat: exit and bytes");
	is_int(a.depth, 7, "flat: depth");
	ok(a.workers_total == 8 && a.workers_busy == 9,
	    "flat: busy above total is not policed");
	ok(a.cpu == 55.5 && a.memory == 12.25, "flat: cpu and memory");
	is_int(a.has, 0x1fffff, "flat: every has bit is set");
	ok(a.extra == NULL, "flat: no extra");
	is_int(a.source, -1, "decoder leaves source unset");
	ok(a.entry_id == NULL, "decoder leaves entry_id unset");

	is_int(jfield(&b, all_json, 5), MAL_NONE, "json field: every field decodes");
	ok(events_equal(&a, &b, 0, &why), "json field equals flat (%s)", why);
	is_int(jobj(&c, all_json, 5), MAL_NONE, "json object: every field decodes");
	ok(events_equal(&a, &c, 0, &why), "json object equals flat (%s)", why);
	event_done(&a);
	event_done(&b);
	event_done(&c);
	ok(a.run_id == NULL && a.type_name == NULL && a.source == -1 &&
	    a.has == 0, "event_done leaves an empty event");
}

static void
test_lookup(void)
{
	static const char *const names[] = {
		"type", "ts", "run_id", "agent_id", "agent_name",
		"agent_version", "trace_id", "span_id", "parent_run_id",
		"root_run_id", "request_id", "user_id", "workspace_id", "source",
		"queue", "priority", "estimated_ms", "progress", "message",
		"model_id", "input_tokens", "output_tokens", "cost_usd",
		"duration_ms", "ttft_ms", "streaming", "cache_hit",
		"finish_reason", "attempt", "fallback_reason", "retryable",
		"rate_limited", "error_class", "error_message", "tool_id",
		"outcome", "error_kind", "exit_code", "output_bytes", "depth",
		"workers_total", "workers_busy", "cpu", "memory", NULL
	};
	struct event ev;
	size_t i;
	int r;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], "type") == 0)
			r = flat(&ev, 1, "type", "1", NULL);
		else
			r = flat(&ev, 1, "type", "log", "run_id", "r",
			    names[i], "1", NULL);
		ok(r == MAL_NONE && ev.extra == NULL,
		    "field %s is known in flat form", names[i]);
		event_done(&ev);
	}
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "Run_id", "x",
	    "typ", "y", "tss", "z", NULL), MAL_NONE, "near-miss names decode");
	ok(ev.extra != NULL && json_object_size(ev.extra) == 3,
	    "near-miss names are extra, not fields");
	event_done(&ev);
}

static void
test_types(void)
{
	struct event ev;
	char json[256];
	int t, bad_flat = 0, bad_json = 0, bad_norun = 0;
	enum event_malformed want;

	for (t = 1; t < EV__COUNT; t++) {
		const char *name = event_type_name((enum event_type)t);

		if (flat(&ev, 1, "type", name, "run_id", "r", NULL) != MAL_NONE ||
		    ev.type != (enum event_type)t)
			bad_flat++;
		event_done(&ev);
		snprintf(json, sizeof json, "{\"type\":\"%s\",\"run_id\":\"r\"}", name);
		if (jfield(&ev, json, 1) != MAL_NONE || ev.type != (enum event_type)t)
			bad_json++;
		event_done(&ev);
		want = event_type_needs_run((enum event_type)t) ? MAL_NO_RUN_ID :
		    MAL_NONE;
		if (flat(&ev, 1, "type", name, NULL) != want)
			bad_norun++;
		event_done(&ev);
		snprintf(json, sizeof json, "{\"type\":\"%s\"}", name);
		if (jobj(&ev, json, 1) != want)
			bad_norun++;
		event_done(&ev);
	}
	is_int(bad_flat, 0, "every type decodes in flat form");
	is_int(bad_json, 0, "every type decodes in json form");
	is_int(bad_norun, 0, "run_id required exactly where it must be");

	is_int(flat(&ev, 1, "type", "deploy.finished", NULL), MAL_NONE,
	    "unknown type is not an error");
	is_int(ev.type, EV_OTHER, "unknown type is EV_OTHER");
	is_str(ev.type_name, "deploy.finished", "unknown type name kept");
	event_done(&ev);
	is_int(flat(&ev, 1, "type", "queue.depth", "queue", "q", "depth", "3",
	    NULL), MAL_NONE, "queue.depth without run_id");
	ok(ev.depth == 3 && (ev.has & EF_DEPTH) && str_eq(ev.queue, "q"),
	    "queue.depth gauge");
	event_done(&ev);
	is_int(flat(&ev, 1, "type", "run.started", "run_id", "", NULL),
	    MAL_NO_RUN_ID, "empty run_id is no run_id");
	event_done(&ev);
}

struct mal_case {
	const char *json;
	enum event_malformed want;
	const char *what;
};

static void
test_malformed(void)
{
	static const struct mal_case cases[] = {
		{ "{\"run_id\":\"r\"}", MAL_NO_TYPE, "json without type" },
		{ "{\"type\":\"\",\"run_id\":\"r\"}", MAL_NO_TYPE, "empty type" },
		{ "{\"type\":null}", MAL_NO_TYPE, "null type" },
		{ "{\"type\":\"log\"", MAL_BAD_JSON, "truncated json" },
		{ "not json", MAL_BAD_JSON, "not json" },
		{ "[{\"type\":\"log\"}]", MAL_BAD_JSON, "an array is not an object" },
		{ "\"log\"", MAL_BAD_JSON, "a string is not an object" },
		{ "", MAL_BAD_JSON, "empty json value" },
		{ "{\"type\":\"log\",\"run_id\":\"r\"} x", MAL_BAD_JSON,
		  "trailing garbage" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"priority\":\"abc\"}",
		  MAL_BAD_NUMBER, "text in a number" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"input_tokens\":5.5}",
		  MAL_BAD_NUMBER, "fraction in an integer" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"depth\":1e30}",
		  MAL_BAD_NUMBER, "integer overflow" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"cost_usd\":\"nan\"}",
		  MAL_BAD_NUMBER, "nan" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"cpu\":\"inf\"}",
		  MAL_BAD_NUMBER, "inf" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"streaming\":2}",
		  MAL_BAD_BOOL, "2 is not a boolean" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"cache_hit\":\"yes\"}",
		  MAL_BAD_BOOL, "yes is not a boolean" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"retryable\":0.5}",
		  MAL_BAD_BOOL, "0.5 is not a boolean" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":\"yesterday\"}",
		  MAL_BAD_TS, "ts text" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":-1}", MAL_BAD_TS,
		  "negative ts" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":1e300}", MAL_BAD_TS,
		  "huge real ts" },
		{ "{\"type\":\"run.started\"}", MAL_NO_RUN_ID, "run without id" },
		{ "{\"type\":\"llm.call\",\"run_id\":null}", MAL_NO_RUN_ID,
		  "null run_id" },
		{ "{\"type\":\"log\",\"run_id\":{\"a\":1}}", MAL_BAD_TYPE,
		  "object for a string" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"message\":[1]}",
		  MAL_BAD_TYPE, "array for a string" },
		{ "{\"type\":5,\"run_id\":\"r\"}", MAL_BAD_TYPE, "number for type" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"priority\":true}",
		  MAL_BAD_TYPE, "boolean for a number" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"cpu\":{}}", MAL_BAD_TYPE,
		  "object for a number" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"streaming\":[]}",
		  MAL_BAD_TYPE, "array for a boolean" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":true}", MAL_BAD_TYPE,
		  "boolean for ts" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"input_tokens\":-1}",
		  MAL_BAD_VALUE, "negative tokens" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"output_tokens\":-1}",
		  MAL_BAD_VALUE, "negative output tokens" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"duration_ms\":-1}",
		  MAL_BAD_VALUE, "negative duration" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"ttft_ms\":-1}",
		  MAL_BAD_VALUE, "negative ttft" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"cost_usd\":-0.01}",
		  MAL_BAD_VALUE, "negative cost" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"depth\":-1}",
		  MAL_BAD_VALUE, "negative depth" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"estimated_ms\":-1}",
		  MAL_BAD_VALUE, "negative estimate" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"output_bytes\":-1}",
		  MAL_BAD_VALUE, "negative output bytes" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"workers_total\":-1}",
		  MAL_BAD_VALUE, "negative workers" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"workers_busy\":-1}",
		  MAL_BAD_VALUE, "negative busy workers" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"attempt\":-1}",
		  MAL_BAD_VALUE, "negative attempt" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"progress\":1.5}",
		  MAL_BAD_VALUE, "progress above 1" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"progress\":50}",
		  MAL_BAD_VALUE, "progress as a percentage" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"progress\":-0.1}",
		  MAL_BAD_VALUE, "negative progress" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"cpu\":100.5}",
		  MAL_BAD_VALUE, "cpu above 100" },
		{ "{\"type\":\"log\",\"run_id\":\"r\",\"memory\":-1}",
		  MAL_BAD_VALUE, "negative memory" },
		{ "{\"priority\":\"abc\"}", MAL_NO_TYPE,
		  "no type wins over a field error" },
		{ "{\"type\":\"run.started\",\"priority\":\"x\"}", MAL_BAD_NUMBER,
		  "a field error wins over no run_id" },
	};
	struct event ev;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		is_int(jfield(&ev, cases[i].json, 1), cases[i].want, "%s: %s",
		    event_malformed_name(cases[i].want), cases[i].what);
		ok(ev.type_name == NULL && ev.run_id == NULL && ev.extra == NULL,
		    "rejected entry leaves the event empty (%s)", cases[i].what);
		event_done(&ev);
	}

	is_int(event_decode_fields(&ev, NULL, 0, 1), MAL_EMPTY,
	    "empty: an entry with no fields");
	is_int(flat(&ev, 1, "run_id", "r", "message", "hi", NULL), MAL_NO_TYPE,
	    "no_type: flat entry without type");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "priority", "12abc",
	    NULL), MAL_BAD_NUMBER, "bad_number: flat text");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "retryable", "maybe",
	    NULL), MAL_BAD_BOOL, "bad_bool: flat");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "ts", "noon", NULL),
	    MAL_BAD_TS, "bad_ts: flat");
	is_int(flat(&ev, 1, "type", "tool.call", NULL), MAL_NO_RUN_ID,
	    "no_run_id: flat");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "progress", "2",
	    NULL), MAL_BAD_VALUE, "bad_value: flat");
	is_int(one_field(&ev, "data", "{oops", 5, 1), MAL_BAD_JSON,
	    "bad_json: data field");
	is_int(event_decode_json(&ev, NULL, 1), MAL_BAD_JSON, "NULL object");
	is_str(event_malformed_name(MAL_BINARY), "binary",
	    "binary is named (only WebSocket frames produce it)");
}

static void
test_numbers(void)
{
	struct event ev;

	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "priority", " 42 ",
	    NULL), MAL_NONE, "blanks around a number");
	is_int(ev.priority, 42, "number trimmed");
	event_done(&ev);
	flat(&ev, 1, "type", "log", "run_id", "r", "priority", "5.0", NULL);
	ok((ev.has & EF_PRIORITY) && ev.priority == 5, "5.0 is an integer");
	event_done(&ev);
	flat(&ev, 1, "type", "log", "run_id", "r", "duration_ms", "1e3", NULL);
	ok((ev.has & EF_DURATION_MS) && ev.duration_ms == 1000,
	    "1e3 is an integer");
	event_done(&ev);
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "priority", "4.5",
	    NULL), MAL_BAD_NUMBER, "4.5 is not an integer");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "priority", "0x10",
	    NULL), MAL_BAD_NUMBER, "hex is not a number");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "priority",
	    "99999999999999999999", NULL), MAL_BAD_NUMBER, "overflow");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "priority",
	    "9223372036854775808", NULL), MAL_BAD_NUMBER, "2^63 overflows");
	flat(&ev, 1, "type", "log", "run_id", "r", "priority",
	    "-9223372036854775808", "exit_code", "9223372036854775807", NULL);
	ok(ev.priority == INT64_MIN && ev.exit_code == INT64_MAX,
	    "int64 limits are accepted");
	event_done(&ev);
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "cost_usd", "1e999",
	    NULL), MAL_BAD_NUMBER, "1e999 is not finite");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "cost_usd", "NaN",
	    NULL), MAL_BAD_NUMBER, "NaN text");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "cost_usd",
	    "Infinity", NULL), MAL_BAD_NUMBER, "Infinity text");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "cost_usd", "1.5.2",
	    NULL), MAL_BAD_NUMBER, "two decimal points");
	is_int(flat(&ev, 1, "type", "log", "run_id", "r", "cost_usd", "-",
	    NULL), MAL_BAD_NUMBER, "a lone sign");
	flat(&ev, 1, "type", "log", "run_id", "r", "priority", "", NULL);
	ok(ev.type == EV_LOG && !(ev.has & EF_PRIORITY),
	    "an empty value is an absent field");
	event_done(&ev);
	flat(&ev, 1, "type", "run.progress", "run_id", "r", "progress", "1",
	    "cpu", "100", "memory", "0", NULL);
	ok(ev.progress == 1.0 && ev.cpu == 100.0 && ev.memory == 0.0,
	    "range bounds are inclusive");
	event_done(&ev);

	jfield(&ev, "{\"type\":\"log\",\"run_id\":\"r\",\"input_tokens\":5.0,"
	    "\"output_tokens\":\"12\",\"cost_usd\":3,\"priority\":null}", 1);
	ok(ev.input_tokens == 5 && ev.output_tokens == 12 &&
	    ev.cost_usd == 3.0 && !(ev.has & EF_PRIORITY),
	    "json: 5.0, numeric strings, integer cost, null");
	event_done(&ev);
	jfield(&ev, "{\"type\":\"log\",\"run_id\":12345,\"message\":1.5,"
	    "\"tool_id\":true}", 1);
	ok(str_eq(ev.run_id, "12345") && str_eq(ev.message, "1.5") &&
	    str_eq(ev.tool_id, "true"), "json: scalars where text is expected");
	event_done(&ev);
	jfield(&ev, "{\"type\":\"log\",\"run_id\":\"r\",\"depth\":4,"
	    "\"depth\":9}", 1);
	is_int(ev.depth, 9, "json: duplicate key, last wins");
	event_done(&ev);
	flat(&ev, 1, "type", "log", "run_id", "a", "run_id", "b", NULL);
	is_str(ev.run_id, "b", "flat: duplicate field, last wins");
	event_done(&ev);
}

static void
test_bools(void)
{
	static const char *const yes[] = { "true", "TRUE", "True", "1", " true " };
	static const char *const no[] = { "false", "FALSE", "0" };
	static const char *const jyes[] = { "true", "1", "\"true\"", "\"1\"" };
	static const char *const jno[] = { "false", "0", "\"false\"", "\"0\"" };
	struct event ev;
	char json[128];
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		flat(&ev, 1, "type", "log", "run_id", "r", "streaming", yes[i],
		    NULL);
		ok((ev.has & EF_STREAMING) && ev.streaming == 1,
		    "flat '%s' is true", yes[i]);
		event_done(&ev);
	}
	for (i = 0; i < sizeof no / sizeof no[0]; i++) {
		flat(&ev, 1, "type", "log", "run_id", "r", "cache_hit", no[i],
		    NULL);
		ok((ev.has & EF_CACHE_HIT) && ev.cache_hit == 0,
		    "flat '%s' is false", no[i]);
		event_done(&ev);
	}
	for (i = 0; i < sizeof jyes / sizeof jyes[0]; i++) {
		snprintf(json, sizeof json, "{\"type\":\"log\",\"run_id\":\"r\","
		    "\"rate_limited\":%s}", jyes[i]);
		jfield(&ev, json, 1);
		ok((ev.has & EF_RATE_LIMITED) && ev.rate_limited == 1,
		    "json %s is true", jyes[i]);
		event_done(&ev);
		snprintf(json, sizeof json, "{\"type\":\"log\",\"run_id\":\"r\","
		    "\"rate_limited\":%s}", jno[i]);
		jfield(&ev, json, 1);
		ok((ev.has & EF_RATE_LIMITED) && ev.rate_limited == 0,
		    "json %s is false", jno[i]);
		event_done(&ev);
	}
}

struct ts_case {
	const char *text;
	int64_t want;    /* -1: must be rejected */
};

static void
test_times(void)
{
	struct ts_case cases[] = {
		{ "1700000000123", 1700000000123LL },
		{ "0", 0 },
		{ "2026-11-21T10:00:00Z", utc_ms(2026, 11, 21, 10, 0, 0, 0) },
		{ "2026-11-21T10:00:00.123+02:00",
		  utc_ms(2026, 11, 21, 8, 0, 0, 123) },
		{ "2026-11-21T10:00:00-05:30", utc_ms(2026, 11, 21, 15, 30, 0, 0) },
		{ "2026-11-21t10:00:00.5z", utc_ms(2026, 11, 21, 10, 0, 0, 500) },
		{ "2026-11-21T10:00:00.123456789Z",
		  utc_ms(2026, 11, 21, 10, 0, 0, 123) },
		{ "2026-11-21T10:00:00.1Z", utc_ms(2026, 11, 21, 10, 0, 0, 100) },
		{ "2026-11-21 10:00:00Z", utc_ms(2026, 11, 21, 10, 0, 0, 0) },
		{ "2024-02-29T23:59:59Z", utc_ms(2024, 2, 29, 23, 59, 59, 0) },
		{ "2000-02-29T00:00:00Z", utc_ms(2000, 2, 29, 0, 0, 0, 0) },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2200-12-31T23:59:59.999Z", utc_ms(2200, 12, 31, 23, 59, 59, 999) },
		{ "2016-12-31T23:59:60Z", utc_ms(2017, 1, 1, 0, 0, 0, 0) },
		{ "2026-01-01T00:30:00+01:00", utc_ms(2025, 12, 31, 23, 30, 0, 0) },
		{ "2026-02-29T00:00:00Z", -1 },
		{ "1900-02-29T00:00:00Z", -1 },
		{ "2026-13-01T00:00:00Z", -1 },
		{ "2026-00-10T00:00:00Z", -1 },
		{ "2026-04-31T00:00:00Z", -1 },
		{ "2026-11-21T24:00:00Z", -1 },
		{ "2026-11-21T10:60:00Z", -1 },
		{ "2026-11-21", -1 },
		{ "2026-11-21T10:00:00", -1 },
		{ "2026-11-21T10:00:00.Z", -1 },
		{ "2026-11-21T10:00:00+0200", -1 },
		{ "2026-11-21T10:00:00+24:00", -1 },
		{ "2026-11-21T10:00:00Zjunk", -1 },
		{ "2026-11-21X10:00:00Z", -1 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "1970-01-01T00:30:00+01:00", -1 },
		{ "2201-01-01T00:00:00Z", -1 },
		{ "99999999999999", -1 },
		{ "-1", -1 },
		{ "1e12", -1 },
		{ "12.5", -1 },
		{ "", -1 },
		{ "abc", -1 },
	};
	struct event ev;
	char buf[64], text[64];
	size_t i;
	int64_t ms, x;
	uint64_t seed = 88172645463325252ULL;
	int bad = 0, badfmt = 0;
	struct tm tm;
	time_t secs;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = event_parse_time(cases[i].text, strlen(cases[i].text), &ms);

		if (cases[i].want < 0)
			ok(r == -1, "time '%s' is rejected", cases[i].text);
		else
			ok(r == 0 && ms == cases[i].want, "time '%s' = %lld",
			    cases[i].text, (long long)cases[i].want);
	}
	is_int(event_parse_time("1700000000123xyz", 13, &ms), 0,
	    "parse_time honours its length");
	is_int(ms, 1700000000123LL, "parse_time length value");

	is_int(flat(&ev, 1700000000999LL, "type", "log", "run_id", "r", NULL),
	    MAL_NONE, "absent ts is fine");
	ok(ev.ts_ms == 1700000000999LL && !(ev.has & EF_TS),
	    "absent ts: entry ID time, EF_TS clear");
	event_done(&ev);
	flat(&ev, 1700000000999LL, "type", "log", "run_id", "r", "ts",
	    "2026-11-21T10:00:00Z", NULL);
	ok(ev.ts_ms == utc_ms(2026, 11, 21, 10, 0, 0, 0) && (ev.has & EF_TS),
	    "flat RFC 3339 ts wins over the entry ID");
	event_done(&ev);
	is_int(flat(&ev, -1, "type", "log", "run_id", "r", NULL), MAL_BAD_TS,
	    "absent ts and no entry time");
	is_int(jobj(&ev, "{\"type\":\"log\",\"run_id\":\"r\"}", 1234), MAL_NONE,
	    "websocket event without ts");
	ok(ev.ts_ms == 1234 && !(ev.has & EF_TS), "absent ts: receive time");
	event_done(&ev);
	is_int(jobj(&ev, "{\"type\":\"log\",\"run_id\":\"r\"}", -1), MAL_BAD_TS,
	    "websocket event without ts nor receive time");
	jobj(&ev, "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":1700000000123.7}", 1);
	is_int(ev.ts_ms, 1700000000123LL, "json real ts rounds down to the ms");
	event_done(&ev);
	jobj(&ev, "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":\"1700000000123\"}", 1);
	is_int(ev.ts_ms, 1700000000123LL, "json ts as a numeric string");
	event_done(&ev);
	jobj(&ev, "{\"type\":\"log\",\"run_id\":\"r\","
	    "\"ts\":\"2026-11-21T10:00:00.250Z\"}", 1);
	is_int(ev.ts_ms, utc_ms(2026, 11, 21, 10, 0, 0, 250),
	    "json ts as RFC 3339");
	event_done(&ev);

	event_format_time(1700000000123LL, buf, sizeof buf);
	is_str(buf, "2023-11-14T22:13:20.123Z", "format_time");
	event_format_time(0, buf, sizeof buf);
	is_str(buf, "-", "format_time of 0");
	event_format_time(-5, buf, sizeof buf);
	is_str(buf, "-", "format_time of a negative time");
	event_format_time(1700000000123LL, buf, 5);
	is_str(buf, "2023", "format_time truncates");

	for (i = 0; i < 2000; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		x = (int64_t)(seed % 7289654399999ULL) + 1;
		event_format_time(x, buf, sizeof buf);
		if (event_parse_time(buf, strlen(buf), &ms) != 0 || ms != x)
			bad++;
		secs = (time_t)(x / 1000);
		gmtime_r(&secs, &tm);
		strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    ".%03dZ", (int)(x % 1000));
		if (strcmp(text, buf) != 0)
			badfmt++;
	}
	is_int(bad, 0, "format then parse gives the same ms (2000 times)");
	is_int(badfmt, 0, "format_time agrees with gmtime (2000 times)");

	is_int(event_id_ms("1700000000000-5"), 1700000000000LL, "id ms");
	is_int(event_id_ms("1700000000000"), 1700000000000LL, "id without seq");
	is_int(event_id_ms("0-0"), 0, "id 0-0");
	is_int(event_id_ms(""), -1, "empty id");
	is_int(event_id_ms("abc"), -1, "text id");
	is_int(event_id_ms("-5"), -1, "negative id");
	is_int(event_id_ms("17-x"), -1, "bad seq");
	is_int(event_id_ms("17-"), -1, "missing seq");
	is_int(event_id_ms("17-5-1"), -1, "two dashes");
	is_int(event_id_ms(NULL), -1, "NULL id");
	is_int(event_id_ms("99999999999999999999-0"), -1, "id overflow");
	is_int(event_id_ms("17-5#2"), 17, "id of a recreated stream");
	is_int(event_id_ms("17-5#"), -1, "a tag without its number");
	is_int(event_id_ms("17-5#2x"), -1, "a tag with more after it");
}

static void
test_extra(void)
{
	struct event ev;
	json_t *v;

	flat(&ev, 1, "type", "log", "run_id", "r", "region", "eu", "count", "5",
	    "_source", "x", NULL);
	v = ev.extra != NULL ? json_object_get(ev.extra, "region") : NULL;
	ok(v != NULL && str_eq(json_string_value(v), "eu"),
	    "flat unknown field kept as a string");
	v = ev.extra != NULL ? json_object_get(ev.extra, "count") : NULL;
	ok(json_is_string(v), "flat numbers in extra stay strings");
	ok(ev.extra != NULL && json_object_get(ev.extra, "_source") == NULL,
	    "flat keys starting with _ are ignored");
	event_done(&ev);

	jfield(&ev, "{\"type\":\"log\",\"run_id\":\"r\",\"meta\":{\"a\":[1,2]},"
	    "\"n\":3,\"_id\":\"1-0\",\"_source\":\"s\"}", 1);
	v = ev.extra != NULL ? json_object_get(ev.extra, "meta") : NULL;
	ok(json_is_object(v) && json_is_array(json_object_get(v, "a")),
	    "json unknown object kept as JSON");
	v = ev.extra != NULL ? json_object_get(ev.extra, "n") : NULL;
	ok(json_is_integer(v) && json_integer_value(v) == 3,
	    "json unknown number kept as a number");
	is_int(ev.extra != NULL ? json_object_size(ev.extra) : 0, 2,
	    "json _id and _source are ignored");
	event_done(&ev);

	flat(&ev, 1, "type", "log", "run_id", "r", "data", "{\"type\":\"x\"}",
	    NULL);
	ok(ev.type == EV_LOG && ev.extra != NULL &&
	    json_is_string(json_object_get(ev.extra, "data")),
	    "type and data: flat, data is extra");
	event_done(&ev);

	{
		struct event_field_kv kv[3] = {
			{ "json", 4, "{\"type\":\"log\",\"run_id\":\"r\",\"queue\":\"a\"}", 40 },
			{ "ts", 2, "1700000000000", 13 },
			{ "queue", 5, "b", 1 },
		};

		kv[0].value_len = strlen(kv[0].value);
		is_int(event_decode_fields(&ev, kv, 3, 7), MAL_NONE,
		    "json field with flat companions");
		ok(ev.ts_ms == 1700000000000LL && (ev.has & EF_TS),
		    "companion field fills what the json lacks");
		is_str(ev.queue, "a", "json wins over a companion field");
		event_done(&ev);
	}
	{
		struct event_field_kv kv[2] = {
			{ "data", 4, "{\"type\":\"log\",\"run_id\":\"d\"}", 0 },
			{ "json", 4, "{\"type\":\"log\",\"run_id\":\"j\"}", 0 },
		};

		kv[0].value_len = strlen(kv[0].value);
		kv[1].value_len = strlen(kv[1].value);
		event_decode_fields(&ev, kv, 2, 7);
		ok(str_eq(ev.run_id, "j") && ev.extra != NULL &&
		    json_is_string(json_object_get(ev.extra, "data")),
		    "json is preferred to data");
		event_done(&ev);
	}
	jfield(&ev, "{\"type\":\"log\",\"run_id\":\"r\","
	    "\"message\":\"a\\u001b[2Jb\"}", 1);
	is_str(ev.message, "a\x1b[2Jb", "control characters are kept in the model");
	event_done(&ev);
}

static void
test_utf8(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
		const char *what;
	} cases[] = {
		{ "a\xff" "b", 3, "a\xef\xbf\xbd" "b", "lone 0xff" },
		{ "a\0b", 3, "a\xef\xbf\xbd" "b", "NUL byte" },
		{ "\xe2\x82", 2, "\xef\xbf\xbd", "truncated sequence" },
		{ "\xe2\x82" "x", 3, "\xef\xbf\xbd" "x", "cut sequence" },
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", "overlong" },
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "surrogate" },
		{ "\xf4\x90\x80\x80", 4,
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "above U+10FFFF" },
		{ "\xf0\x9f\x98", 3, "\xef\xbf\xbd", "cut 4-byte sequence" },
		{ "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", 15,
		  "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", "valid UTF-8 kept" },
	};
	struct event ev;
	struct event_field_kv kv[3] = {
		{ "type", 4, "log", 3 }, { "run_id", 6, "r", 1 },
		{ "message", 7, NULL, 0 },
	};
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kv[2].value = cases[i].in;
		kv[2].value_len = cases[i].len;
		event_decode_fields(&ev, kv, 3, 1);
		is_str(ev.message, cases[i].want, "utf-8: %s", cases[i].what);
		event_done(&ev);
	}
	kv[2].name = "w\xff";
	kv[2].name_len = 2;
	kv[2].value = "v\xfe";
	kv[2].value_len = 2;
	is_int(event_decode_fields(&ev, kv, 3, 1), MAL_NONE,
	    "invalid bytes in an unknown field");
	v = ev.extra != NULL ? json_object_get(ev.extra, "w\xef\xbf\xbd") : NULL;
	is_str(json_string_value(v), "v\xef\xbf\xbd",
	    "unknown field name and value repaired");
	event_done(&ev);

	jfield(&ev, "{\"type\":\"log\",\"run_id\":\"r\",\"message\":\"x\xffy\"}", 1);
	is_str(ev.message, "x\xef\xbf\xbdy", "invalid bytes inside json text");
	event_done(&ev);
	jfield(&ev, "{\"type\":\"log\",\"run_id\":\"r\",\"message\":\"x\\u0000y\"}",
	    1);
	is_str(ev.message, "x\xef\xbf\xbdy", "json \\u0000 becomes U+FFFD");
	event_done(&ev);
}

static void
test_limits(void)
{
	struct event ev;
	size_t big = 10 * 1024 * 1024, i, n;
	char *buf, *deep;
	json_t *j;
	struct event_field_kv kv[3] = {
		{ "type", 4, "log", 3 }, { "run_id", 6, "r", 1 },
		{ "message", 7, NULL, 0 },
	};

	buf = xmalloc(big + 64);
	memset(buf, 'a', big);
	kv[2].value = buf;
	kv[2].value_len = big;
	is_int(event_decode_fields(&ev, kv, 3, 1), MAL_TOO_LARGE,
	    "too_large: a 10 MB flat value");
	kv[2].value_len = EVENT_FIELD_MAX;
	is_int(event_decode_fields(&ev, kv, 3, 1), MAL_NONE,
	    "a value of exactly EVENT_FIELD_MAX bytes");
	is_int(strlen(ev.message), EVENT_FIELD_MAX, "its length");
	event_done(&ev);
	kv[2].value_len = EVENT_FIELD_MAX + 1;
	is_int(event_decode_fields(&ev, kv, 3, 1), MAL_TOO_LARGE,
	    "one byte more is too large");
	kv[2].name = "blob";
	kv[2].name_len = 4;
	is_int(event_decode_fields(&ev, kv, 3, 1), MAL_TOO_LARGE,
	    "an unknown field is bounded too");

	memcpy(buf, "{\"type\":\"log\",\"run_id\":\"r\",\"message\":\"", 38);
	memcpy(buf + big - 2, "\"}", 2);
	is_int(one_field(&ev, "json", buf, big, 1), MAL_TOO_LARGE,
	    "too_large: a 10 MB json value");
	memcpy(buf + EVENT_FIELD_MAX + 100, "\"}", 2);
	is_int(one_field(&ev, "json", buf, EVENT_FIELD_MAX + 102, 1),
	    MAL_TOO_LARGE, "a json string over EVENT_FIELD_MAX");
	memcpy(buf + 1000, "\"}", 2);
	is_int(one_field(&ev, "json", buf, 1002, 1), MAL_NONE,
	    "a json string under the bound");
	is_int(strlen(ev.message), 1000 - 38, "its length");
	event_done(&ev);

	deep = xmalloc(20000 + 64);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	is_int(one_field(&ev, "json", deep, 20000, 1), MAL_TOO_LARGE,
	    "10000-deep arrays are refused");
	is_int(event_json_parse(deep + 10000 - EVENT_JSON_DEPTH,
	    2 * EVENT_JSON_DEPTH, &j), MAL_NONE,
	    "EVENT_JSON_DEPTH levels are fine");
	ok(json_is_array(j), "any JSON value parses");
	json_decref(j);
	is_int(event_json_parse(deep + 10000 - EVENT_JSON_DEPTH - 1,
	    2 * EVENT_JSON_DEPTH + 2, &j), MAL_TOO_LARGE,
	    "one level more is too deep");
	ok(j == NULL, "no value on failure");
	is_int(event_json_parse(deep, 3, &j), MAL_BAD_JSON,
	    "unbalanced but shallow text is bad json");

	n = (size_t)snprintf(buf, big, "{\"type\":\"log\",\"run_id\":\"r\",\"x\":");
	for (i = 0; i < 10000; i++, n += 5)
		memcpy(buf + n, "{\"a\":", 5);
	is_int(one_field(&ev, "json", buf, n, 1), MAL_TOO_LARGE,
	    "10000-deep objects in an extra key are refused");
	n = (size_t)snprintf(buf, big,
	    "{\"type\":\"log\",\"run_id\":\"r\",\"message\":\"");
	memset(buf + n, '[', 10000);
	strcpy(buf + n + 10000, "\"}");
	is_int(jfield(&ev, buf, 1), MAL_NONE, "brackets inside strings are text");
	is_int(ev.message != NULL ? strlen(ev.message) : 0, 10000,
	    "brackets kept");
	event_done(&ev);
	free(deep);
	free(buf);
}

static void
test_roundtrip(void)
{
	static const char head[] = "{\"type\":\"run.failed\","
	    "\"ts\":1700000000123,\"run_id\":\"r1\",\"agent_id\":\"a1\",";
	struct event a, b, c;
	json_t *j, *j2;
	char *s, *s2;
	const char *why;
	enum event_malformed r;

	decode_all_flat(&a);
	j = event_to_json(&a);
	ok(json_is_integer(json_object_get(j, "ts")) &&
	    json_is_integer(json_object_get(j, "priority")) &&
	    json_is_integer(json_object_get(j, "input_tokens")),
	    "to_json: integers are integers");
	ok(json_is_real(json_object_get(j, "cost_usd")) &&
	    json_is_real(json_object_get(j, "progress")) &&
	    json_is_real(json_object_get(j, "cpu")) &&
	    json_is_real(json_object_get(j, "memory")),
	    "to_json: cost, progress, cpu, memory are reals");
	ok(json_is_true(json_object_get(j, "streaming")) &&
	    json_is_false(json_object_get(j, "cache_hit")),
	    "to_json: booleans are booleans");
	is_str(json_string_value(json_object_get(j, "source")), "web",
	    "to_json: origin is written as source");
	ok(json_object_get(j, "entry_id") == NULL &&
	    json_object_get(j, "_source") == NULL &&
	    json_object_get(j, "_id") == NULL,
	    "to_json: no entry id nor source index");
	is_int(json_object_size(j), 44, "to_json: 44 keys for a full event");
	s = json_dumps(j, JSON_COMPACT);
	ok(s != NULL && strncmp(s, head, strlen(head)) == 0,
	    "to_json: fixed key order");
	r = jobj(&b, s, 1);
	is_int(r, MAL_NONE, "round trip decodes");
	ok(events_equal(&a, &b, 0, &why), "round trip: equal field by field (%s)",
	    why);
	json_decref(j);

	jfield(&c, all_json, 5);
	j2 = event_to_json(&c);
	s2 = json_dumps(j2, JSON_COMPACT);
	ok(s2 != NULL && strcmp(s, s2) == 0,
	    "to_json: same text whatever the input key order");
	free(s);
	free(s2);
	json_decref(j2);
	event_done(&a);
	event_done(&b);
	event_done(&c);

	flat(&a, 1700000000555LL, "type", "deploy.finished", "region", "eu",
	    "message", "line1\nline2\x1b[0m", NULL);
	j = event_to_json(&a);
	s = json_dumps(j, JSON_COMPACT);
	ok(s != NULL && strcasestr(s, "\\u001b") != NULL && strchr(s, 0x1b) == NULL,
	    "to_json escapes control characters");
	ok(s != NULL && strstr(s, "\"region\":\"eu\"") != NULL &&
	    strstr(s, "\"type\":\"deploy.finished\"") != NULL,
	    "to_json: unknown type and extra keys");
	r = jobj(&b, s, 1);
	ok(r == MAL_NONE && events_equal(&a, &b, EF_TS, &why),
	    "round trip of an unknown type with extras (%s)", why);
	ok((b.has & EF_TS) && b.ts_ms == 1700000000555LL,
	    "the json form always carries ts");
	free(s);
	json_decref(j);
	event_done(&a);
	event_done(&b);

	jfield(&a, "{\"type\":\"llm.call\",\"run_id\":\"r\",\"progress\":1,"
	    "\"cost_usd\":0.1,\"meta\":{\"k\":[1,2.5,null,true]},"
	    "\"message\":\"\xe2\x80\xae x\"}", 9);
	j = event_to_json(&a);
	s = json_dumps(j, JSON_COMPACT);
	r = jobj(&b, s, 1);
	ok(r == MAL_NONE && events_equal(&a, &b, EF_TS, &why),
	    "round trip with nested extra and exact reals (%s)", why);
	free(s);
	json_decref(j);
	event_done(&b);

	event_copy(&b, &a);
	ok(b.message != a.message && str_eq(b.message, a.message),
	    "copy duplicates strings");
	ok(b.extra != a.extra && json_equal(b.extra, a.extra),
	    "copy deep-copies extra");
	json_object_set_new(json_object_get(a.extra, "meta"), "k", json_null());
	ok(json_is_array(json_object_get(json_object_get(b.extra, "meta"), "k")),
	    "copy is independent of the original");
	a.entry_id = xstrdup("1-1");
	a.source = 3;
	event_done(&b);
	event_copy(&b, &a);
	ok(str_eq(b.entry_id, "1-1") && b.entry_id != a.entry_id &&
	    b.source == 3, "copy keeps entry id and source");
	event_done(&a);
	ok(str_eq(b.message, "\xe2\x80\xae x"), "copy outlives the original");
	event_done(&b);
}

/* Offsets where a unit of sanitized output (char or escape) starts. */
static size_t
unit_bounds(const char *s, size_t *b, size_t max)
{
	size_t i = 0, n = 0, len = strlen(s);
	unsigned char c;

	while (i <= len && n < max) {
		b[n++] = i;
		if (i == len)
			break;
		c = (unsigned char)s[i];
		if (c == '\\')
			i += s[i + 1] == 'x' ? 4 : s[i + 1] == 'u' ? 6 : 10;
		else if (c < 0x80)
			i += 1;
		else if (c < 0xe0)
			i += 2;
		else if (c < 0xf0)
			i += 3;
		else
			i += 4;
	}
	return n;
}

/* True if s is valid UTF-8 with no terminal control bytes. */
static int
display_safe(const char *str, int keep_newlines)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, j;

	while (s[i] != 0) {
		if (s[i] < 0x80) {
			if ((s[i] < 0x20 && !(keep_newlines && s[i] == '\n')) ||
			    s[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		k = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc2 ? 2 : 0;
		if (k == 0 || s[i] > 0xf4)
			return 0;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		}
		if (s[i] == 0xc2 && s[i + 1] < 0xa0)
			return 0; /* C1 control */
		i += k;
	}
	return 1;
}

static void
test_sanitize(void)
{
	static const struct {
		const char *in, *want;
		int keep;
		const char *what;
	} cases[] = {
		{ "a\x1b[2Jb", "a\\x1b[2Jb", 0, "clear screen" },
		{ "\x1b]52;c;SGVsbG8=\x07", "\\x1b]52;c;SGVsbG8=\\x07", 0,
		  "OSC 52 clipboard" },
		{ "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07", 0, "OSC 0 title" },
		{ "x\x9b" "31m", "x\\x9b31m", 0, "raw C1 CSI byte" },
		{ "x\xc2\x9b" "31m", "x\\u009b31m", 0, "C1 CSI as UTF-8" },
		{ "a\xc2\x85" "b", "a\\u0085b", 0, "C1 NEL" },
		{ "a\x7f", "a\\x7f", 0, "DEL" },
		{ "user\xe2\x80\xaetxt.exe", "user\\u202etxt.exe", 0, "RLO" },
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069", 0, "isolates" },
		{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c", 0,
		  "direction marks" },
		{ "a\xe2\x80\x8b" "b\xe2\x80\x8d", "a\\u200bb\\u200d", 0,
		  "zero width" },
		{ "\xef\xbb\xbfx\xe2\x81\xa0", "\\ufeffx\\u2060", 0,
		  "BOM and word joiner" },
		{ "\xf3\xa0\x81\x81", "\\U000e0041", 0, "tag character" },
		{ "a\xff" "b", "a\\xffb", 0, "invalid byte" },
		{ "\xe2\x82", "\\xe2\\x82", 0, "cut sequence" },
		{ "\xc0\xaf", "\\xc0\\xaf", 0, "overlong" },
		{ "a\tb\nc", "a b c", 0, "tab and newline become spaces" },
		{ "a\tb\nc", "a b\nc", 1, "newline kept on request" },
		{ "a\r\nb", "a\\x0d\nb", 1, "carriage return shown" },
		{ "\x01\x08\x1f", "\\x01\\x08\\x1f", 0, "other C0 controls" },
		{ "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80 \xef\xbf\xbd",
		  "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80 \xef\xbf\xbd", 0,
		  "printable UTF-8 as is" },
		{ "", "", 0, "empty" },
	};
	static const char *const hostile[] = {
		"ok \x1b[2J \xc3\xa9\xe2\x80\xae\xf0\x9f\x98\x80\x9b\x7f\n\xc2\x85"
		"z\xf3\xa0\x81\x81\x1b]52;c;QQ==\x07!",
		"\xe2\x82\xff\xf0\x9f\x98\xc2\x9b\x1b[31m\xe2\x80\x8b\xef\xbb\xbf"
		"\x1b]0;t\x07\xd8\x9c\t\r\n",
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
	};
	char out[256], full[256];
	size_t i, size, n, nb, want, j, bounds[256];
	int keep, bad;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = event_sanitize(cases[i].in, out, sizeof out, cases[i].keep);
		ok(str_eq(out, cases[i].want) && n == strlen(out),
		    "sanitize: %s", cases[i].what);
		if (!str_eq(out, cases[i].want))
			printf("#   got '%s'\n", out);
	}
	n = event_sanitize("abc", out, 1, 0);
	ok(n == 0 && out[0] == '\0', "size 1 gives an empty string");
	out[0] = 'x';
	n = event_sanitize("abc", out, 0, 0);
	ok(n == 0 && out[0] == 'x', "size 0 writes nothing");

	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		for (keep = 0; keep <= 1; keep++) {
			event_sanitize(hostile[i], full, sizeof full, keep);
			ok(display_safe(full, keep), "hostile %zu (keep %d) is safe",
			    i, keep);
			nb = unit_bounds(full, bounds, 256);
			for (size = 1; size <= 40; size++) {
				memset(out, 0x55, sizeof out);
				n = event_sanitize(hostile[i], out, size, keep);
				want = 0;
				for (j = 0; j < nb; j++) {
					if (bounds[j] <= size - 1)
						want = bounds[j];
				}
				bad = n != strlen(out) || n > size - 1 ||
				    !display_safe(out, keep) ||
				    strncmp(out, full, n) != 0 || n != want;
				if (i == 0 && keep == 0)
					ok(!bad, "hostile 0 truncated to %zu: %zu bytes,"
					    " whole units", size, n);
				else if (bad)
					break;
			}
			if (i != 0 || keep != 0)
				ok(size == 41, "hostile %zu (keep %d) truncates cleanly"
				    " at every size 1..40", i, keep);
		}
	}
}

/* Numbers must not depend on the locale's decimal point. */
static void
test_locale(void)
{
	static const char *const names[] = {
		"de_DE.UTF-8", "fr_FR.UTF-8", "ru_RU.UTF-8", "nl_NL.UTF-8"
	};
	struct event ev;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (setlocale(LC_NUMERIC, names[i]) != NULL)
			break;
	}
	if (i == sizeof names / sizeof names[0]) {
		printf("# no comma-decimal locale installed: locale check skipped\n");
		return;
	}
	flat(&ev, 1, "type", "run.progress", "run_id", "r", "progress", "0.25",
	    NULL);
	ok((ev.has & EF_PROGRESS) && ev.progress == 0.25,
	    "0.25 is a quarter under %s", names[i]);
	event_done(&ev);
	setlocale(LC_NUMERIC, "C");
}

int
main(void)
{
	test_names();
	test_all_fields();
	test_lookup();
	test_types();
	test_malformed();
	test_numbers();
	test_bools();
	test_times();
	test_extra();
	test_utf8();
	test_limits();
	test_roundtrip();
	test_sanitize();
	test_locale();
	return tap_done();
}
