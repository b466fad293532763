/* execmon - unit tests for the json form's fast path (event-json.c). */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-json.h"
#include "event.h"
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

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

#define NKEYS (sizeof keys / sizeof keys[0])
#define NVALUES (sizeof values / sizeof values[0])

/* The fast path and jansson agree on thousands of generated objects. */
static void
test_differential(void)
{
	static const char *const blanks[] = { "", " ", "\n", "\t ", "\r\n" };
	char text[4096];
	size_t i, len, k, members, failures = 0, fast_taken = 0;
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
	}
	is_int(failures, 0, "20000 generated objects read the same both ways");
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

int
main(void)
{
	test_scan();
	test_differential();
	test_duplicates();
	test_locale();
	return tap_done();
}
