/* execmon - unit tests for the json form's fast path (event-json.c). */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-json.h"
#include "event.h"
#include "rng.h"
#include "tap.h"
#include "xmalloc.h"

/* What decoding one json-form entry gave: the reason and the event's JSON. */
static char *
decode(const char *text, int fast, enum event_malformed *r)
{
	struct event_field_kv kv = { "json", 4, text, strlen(text) };
	struct event ev;
	json_t *o;
	char *out;

	event_json_fast = fast;
	*r = event_decode_fields(&ev, &kv, 1, INT64_C(1700000000000));
	event_json_fast = 1;
	if (*r != MAL_NONE)
		return xstrdup("");
	o = event_to_json(&ev);
	json_object_set_new(o, "_has", json_integer(ev.has));
	json_object_set_new(o, "_type", json_integer(ev.type));
	out = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(o);
	event_done(&ev);
	return out;
}

static int
same_both_ways(const char *text)
{
	enum event_malformed a, b;
	char *x = decode(text, 1, &a), *y = decode(text, 0, &b);
	int same = a == b && strcmp(x, y) == 0;

	if (!same)
		diag("differs: %s\n  fast %s %s\n  tree %s %s", text,
		    event_malformed_name(a), x, event_malformed_name(b), y);
	free(x);
	free(y);
	return same;
}

static int
scan(const char *text, struct json_scalar *sc, size_t max)
{
	return event_json_scan(text, strlen(text), sc, max);
}

/* event_json_line against jansson's text for the same event. */
static int
line_matches(const struct event *ev, const char *source)
{
	json_t *o = event_to_json(ev);
	char *want, *got = NULL, *text;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	int same;

	if (source != NULL)
		json_object_set_new(o, "_source", json_string(source));
	if (ev->entry_id != NULL)
		json_object_set_new(o, "_id", json_string(ev->entry_id));
	text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(o);
	want = xmalloc(strlen(text) + 2);
	sprintf(want, "%s\n", text);
	free(text);
	event_json_line(ev, source, f);
	fclose(f);
	same = strcmp(want, got) == 0;
	if (!same)
		diag("line differs:\n  want %s  got  %s", want, got);
	free(want);
	free(got);
	return same;
}

static void
test_scan(void)
{
	struct json_scalar sc[8];

	is_int(scan("{}", sc, 8), 0, "an empty object");
	is_int(scan(" {\"a\" : 1 ,\"b\":\"x\"}\n", sc, 8), 2,
	    "two members with blanks");
	is_int(sc[0].kind, JS_INT, "an integer");
	is_int(sc[0].iv, 1, "its value");
	ok(sc[1].kind == JS_STR && sc[1].len == 1 && sc[1].s[0] == 'x',
	    "a string");
	is_int(scan("{\"a\":-1.5e2}", sc, 8), 1, "a real");
	ok(sc[0].kind == JS_REAL && sc[0].dv == -150.0, "its value");
	is_int(scan("{\"a\":true,\"b\":false,\"c\":null}", sc, 8),
	    3, "literals");
	ok(sc[0].kind == JS_TRUE && sc[1].kind == JS_FALSE &&
	    sc[2].kind == JS_NULL, "their kinds");
	is_int(scan("{\"a\":\"\\n\"}", sc, 8), -1,
	    "an escape goes to jansson");
	is_int(scan("{\"a\":\"\xc3\xa9\"}", sc, 8), -1,
	    "non-ASCII goes to jansson");
	is_int(scan("{\"a\":{}}", sc, 8), -1,
	    "a nested object goes to jansson");
	is_int(scan("{\"a\":[1]}", sc, 8), -1,
	    "an array goes to jansson");
	is_int(scan("{\"a\":01}", sc, 8), -1, "a leading zero");
	is_int(scan("{\"a\":1.}", sc, 8), -1, "a bare point");
	is_int(scan("{\"a\":.5}", sc, 8), -1, "no integer part");
	is_int(scan("{\"a\":+5}", sc, 8), -1, "a plus sign");
	is_int(scan("{\"a\":9223372036854775808}", sc, 8), -1,
	    "an integer past int64");
	is_int(scan("{\"a\":-9223372036854775808}", sc, 8), 1,
	    "the smallest int64");
	is_int(scan("{\"a\":1e999}", sc, 8), -1,
	    "a real past double");
	is_int(scan("{\"a\":1}x", sc, 8), -1, "trailing bytes");
	is_int(scan("{\"a\":1,}", sc, 8), -1, "a trailing comma");
	is_int(scan("{\"a\":tru}", sc, 8), -1, "a cut literal");
	is_int(scan("{\"a\":truex}", sc, 8), -1, "a long literal");
	is_int(scan("{\"a\":1", sc, 8), -1, "unclosed");
	is_int(scan("[1]", sc, 8), -1, "not an object");
	is_int(scan("{\"a\":1,\"b\":2,\"c\":3}", sc, 2), -1,
	    "more members than room");
	is_int(event_json_scan("{\"a\":\"x\0\"}", 10, sc, 8), -1,
	    "a NUL byte");
}

/* Values and keys the generated objects are made of. */
static const char *const keys[] = {
	"type", "ts", "run_id", "agent_id", "progress", "priority", "cost_usd",
	"streaming", "cache_hit", "model_id", "input_tokens", "duration_ms",
	"message", "x_custom", "_id", "", "depth", "cpu", "paused", "queue",
};
static const char *const values[] = {
	"\"run.started\"", "\"llm.call\"", "\"vendor.x\"", "\"\"", "\"r1\"",
	"1700000000000", "1700000000000.7", "-1", "0", "1", "2", "-0", "0.5",
	"1.0", "1e3", "1E-3", "-0.0", "9223372036854775807",
	"-9223372036854775808", "1e308", "100.5", "true", "false", "null",
	"\"true\"", "\"12\"", "\" 7 \"", "\"2026-11-21T10:00:00Z\"", "{}",
	"[1,2]", "\"caf\xc3\xa9\"", "\"a\\\"b\"", "\"\\u0000\"", "1.5e-320",
	"123456789012345678", "0.1", "3.14159265358979", "\"NaN\"",
};

#define NKEYS (sizeof keys / sizeof keys[0])
#define NVALUES (sizeof values / sizeof values[0])

/* The fast path and jansson agree on thousands of generated objects. */
static void
test_differential(void)
{
	static const char *const blanks[] = { "", " ", "\n", "\t ", "\r\n" };
	char text[4096];
	size_t i, len, k, members, failures = 0, fast_taken = 0;
	size_t decoded = 0, line_failures = 0;
	struct json_scalar sc[EVENT_JSON_SCAN_MAX];

	for (i = 0; i < 20000; i++) {
		members = rng() % 7;
		len = (size_t)snprintf(text, sizeof text, "%s{",
		    blanks[rng() % 5]);
		/* most objects are plausible events; some are anything */
		if (rng() % 4 != 0)
			len += (size_t)snprintf(text + len, sizeof text - len,
			    "\"type\":\"run.progress\",\"run_id\":\"r\"%s",
			    members ? "," : "");
		for (k = 0; k < members; k++)
			len += (size_t)snprintf(text + len, sizeof text - len,
			    "%s\"%s\"%s:%s%s%s", blanks[rng() % 5],
			    keys[rng() % NKEYS], blanks[rng() % 5],
			    blanks[rng() % 5], values[rng() % NVALUES],
			    k + 1 < members ? "," : "");
		snprintf(text + len, sizeof text - len, "}%s",
		    blanks[rng() % 5]);
		if (event_json_scan(text, strlen(text), sc,
		    EVENT_JSON_SCAN_MAX) >= 0)
			fast_taken++;
		if (!same_both_ways(text) && ++failures > 5)
			break;
		{
			struct event_field_kv kv = { "json", 4, text, strlen(text) };
			struct event ev;

			if (event_decode_fields(&ev, &kv, 1, 1700000000000) ==
			    MAL_NONE) {
				ev.entry_id = xstrdup("1700000000000-3");
				decoded++;
				if (!line_matches(&ev, i % 2 ? "redis" : NULL))
					line_failures++;
				event_done(&ev);
			}
		}
	}
	is_int(failures, 0, "20000 generated objects read the same both ways");
	is_int(line_failures, 0, "their %zu events written as lines match jansson's text",
	    decoded);
	ok(fast_taken > 5000, "the fast path took %zu of them", fast_taken);
}

/* Duplicate keys: jansson keeps the last value in the first place. */
static void
test_duplicates(void)
{
	ok(same_both_ways("{\"type\":\"log\",\"type\":\"run.started\","
	    "\"run_id\":\"r\"}"), "a type given twice");
	ok(same_both_ways("{\"type\":\"log\",\"z\":1,\"a\":2,\"z\":3}"),
	    "an unknown key given twice");
	ok(same_both_ways("{\"type\":\"log\",\"progress\":5,\"progress\":0.5}"),
	    "a bad value then a good one");
}

/* Numbers read the same in a locale whose decimal point is a comma. */
static void
test_locale(void)
{
	if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL &&
	    setlocale(LC_ALL, "fr_FR.UTF-8") == NULL) {
		skip(1, "no locale with a decimal comma installed");
		return;
	}
	ok(same_both_ways("{\"type\":\"run.progress\",\"run_id\":\"r\","
	    "\"progress\":0.25,\"cost_usd\":1.5e-3}"),
	    "reals in a decimal-comma locale");
	setlocale(LC_ALL, "C");
}

/* Strings and numbers that need care in JSON text. */
static void
test_lines(void)
{
	static const char *const strs[] = {
		"plain", "quote \" and \\ backslash", "tab\tnl\ncr\rbs\bff\f",
		"\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x98\x80",
		"bad \xff\xfe utf-8 \xc3", "/slash/", "\xe2\x80\xa8 line sep", "",
	};
	static const double reals[] = {
		0.0, -0.0, 1.0, -1.0, 0.1, 0.1 + 0.2, 1e15, 1e16, 1e17, 123456789012345.0,
		1e-5, 1.5e-7, 1e21, 1e300, -1e-300, 4.9e-324, 1.7976931348623157e308,
		0.333333333333333, 2.5, 100.0, 99.999999999999999,
	};
	struct event ev;
	json_t *nested;
	size_t i, bad = 0, n = 0;

	for (i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		event_init(&ev);
		ev.type = EV_LOG;
		ev.type_name = xstrdup(i % 2 ? "log" : strs[i]);
		ev.ts_ms = 1700000000000 + (int64_t)i;
		ev.run_id = xstrdup(strs[i]);
		ev.message = xstrdup(strs[(i + 1) % 9]);
		ev.entry_id = xstrdup("1-0");
		/* source names are valid UTF-8 (jansson would drop the key) */
		bad += !line_matches(&ev, (i + 2) % 9 == 5 ? "s" : strs[(i + 2) % 9]);
		n++;
		event_done(&ev);
	}
	for (i = 0; i < sizeof reals / sizeof reals[0]; i++) {
		event_init(&ev);
		ev.type = EV_WORKER_STATUS;
		ev.type_name = xstrdup("worker.status");
		ev.ts_ms = -5;
		ev.has = EF_CPU | EF_COST_USD | EF_PROGRESS | EF_DEPTH |
		    EF_PAUSED | EF_STREAMING;
		ev.cpu = reals[i];
		ev.cost_usd = -reals[i];
		ev.progress = reals[i] / 3;
		ev.depth = INT64_MIN + (int64_t)i;
		ev.paused = (int)(i % 2);
		ev.streaming = 1;
		nested = json_pack("{s:[f,i,s,n,b],s:{s:f}}", "list", reals[i],
		    (int)i, strs[i % 9], 1, "obj", "x", reals[i] * 7);
		ev.extra = nested;
		json_object_set_new(ev.extra, "_hidden", json_true());
		json_object_set_new(ev.extra, "quote\"key", json_string(strs[i % 9]));
		bad += !line_matches(&ev, NULL);
		n++;
		event_done(&ev);
	}
	is_int(bad, 0, "%zu hand-made events written as lines match jansson's text", n);
	if (setlocale(LC_ALL, "de_DE.UTF-8") != NULL) {
		event_init(&ev);
		ev.type = EV_RUN_PROGRESS;
		ev.type_name = xstrdup("run.progress");
		ev.has = EF_PROGRESS | EF_COST_USD;
		ev.progress = 0.25;
		ev.cost_usd = 1.5e-3;
		ok(line_matches(&ev, NULL), "reals are written with a point in a decimal-comma locale");
		event_done(&ev);
		setlocale(LC_ALL, "C");
	} else
		skip(1, "no locale with a decimal comma installed");
}

int
main(void)
{
	rng_seed(0x9e3779b97f4a7c15ULL);
	test_scan();
	test_differential();
	test_duplicates();
	test_locale();
	test_lines();
	return tap_done();
}
