/* execmon - what the fuzz harnesses share: the entry point and property checks. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Event times the decoder accepts: [1970, 2201). */
#define FUZZ_TIME_MAX INT64_C(7289654400000)
/* The longest duration an event may carry: 366 days. */
#define FUZZ_DURATION_MAX (INT64_C(366) * 86400 * 1000)

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: property broken: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Decode one UTF-8 sequence strictly; its length, or 0 if invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t need, i;
	uint32_t v, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		need = 1;
		v = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 2;
		v = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 3;
		v = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need + 1;
}

int
fuzz_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		if ((k = utf8_decode(u + i, len - i, &cp)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/*
 * The list is written from the Unicode tables, not from event.c, so that
 * the two are checked against each other.
 */
static int
is_forbidden(uint32_t cp, int keep_newlines)
{
	if (cp == '\n')
		return !keep_newlines;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return 1;               /* C0, DEL, C1 (ESC is C0) */
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 1;               /* bidirectional marks and overrides */
	if ((cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff)
		return 1;               /* zero-width space, joiners, BOM */
	if (cp == 0x2028 || cp == 0x2029)
		return 1;               /* line and paragraph separators */
	return 0;
}

long
fuzz_forbidden(const char *s, size_t len, int keep_newlines)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		if ((k = utf8_decode(u + i, len - i, &cp)) == 0)
			return u[i]; /* not UTF-8: caught by fuzz_utf8_valid */
		if (is_forbidden(cp, keep_newlines))
			return (long)cp;
		i += k;
	}
	return -1;
}

int
fuzz_json_depth(const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;
	int d, max = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item) {
			if ((d = fuzz_json_depth(item)) > max)
				max = d;
		}
		return max + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if ((d = fuzz_json_depth(item)) > max)
				max = d;
		}
		return max + 1;
	}
	return 0;
}

/* Every string in a json value, keys included, is valid UTF-8. */
static void
check_strings(const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_string(v)) {
		FUZZ_CHECK(fuzz_utf8_valid(json_string_value(v),
		    json_string_length(v)), "string not UTF-8");
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item) {
			FUZZ_CHECK(fuzz_utf8_valid(key, strlen(key)),
			    "key not UTF-8");
			check_strings(item);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			check_strings(item);
	}
}

void
fuzz_check_event(const struct event *ev)
{
	enum event_malformed r;
	struct event again;
	json_t *j, *j2, *parsed;
	char *text, *text2;

	FUZZ_CHECK(ev->type_name != NULL && ev->type_name[0] != '\0',
	    "decoded event without a type");
	FUZZ_CHECK(ev->type == event_type_from_name(ev->type_name),
	    "type %d does not match its name", (int)ev->type);
	FUZZ_CHECK(ev->ts_ms >= 0 && ev->ts_ms < FUZZ_TIME_MAX,
	    "time %lld out of range", (long long)ev->ts_ms);
	FUZZ_CHECK(!event_type_needs_run(ev->type) || ev->run_id != NULL,
	    "%s without a run_id", ev->type_name);
	if (ev->has & EF_PROGRESS)
		FUZZ_CHECK(ev->progress >= 0 && ev->progress <= 1,
		    "progress %g", ev->progress);
	if (ev->has & EF_COST_USD)
		FUZZ_CHECK(ev->cost_usd >= 0 && ev->cost_usd <= 1e6, "cost %g",
		    ev->cost_usd);
	if (ev->has & EF_CPU)
		FUZZ_CHECK(ev->cpu >= 0 && ev->cpu <= 100, "cpu %g", ev->cpu);
	if (ev->has & EF_MEMORY)
		FUZZ_CHECK(ev->memory >= 0 && ev->memory <= 100,
		    "memory %g", ev->memory);
	if (ev->has & EF_DURATION_MS)
		FUZZ_CHECK(ev->duration_ms >= 0 &&
		    ev->duration_ms <= FUZZ_DURATION_MAX, "duration %lld",
		    (long long)ev->duration_ms);
	if (ev->has & EF_INPUT_TOKENS)
		FUZZ_CHECK(ev->input_tokens >= 0 && ev->input_tokens <= 1e12,
		    "input tokens %lld", (long long)ev->input_tokens);
	if (ev->has & EF_OUTPUT_TOKENS)
		FUZZ_CHECK(ev->output_tokens >= 0 && ev->output_tokens <= 1e12,
		    "output tokens %lld", (long long)ev->output_tokens);

	/* The json form: valid UTF-8, and it decodes to the same event. */
	j = event_to_json(ev);
	FUZZ_CHECK(j != NULL && json_is_object(j), "event_to_json failed");
	check_strings(j);
	text = json_dumps(j, JSON_COMPACT);
	FUZZ_CHECK(text != NULL, "json form cannot be written");
	r = event_json_parse(text, strlen(text), &parsed);
	FUZZ_CHECK(r == MAL_NONE, "own json form unreadable: %s",
	    event_malformed_name(r));
	r = event_decode_json(&again, parsed, -1);
	FUZZ_CHECK(r == MAL_NONE, "own json form rejected: %s: %s",
	    event_malformed_name(r), text);
	j2 = event_to_json(&again);
	text2 = json_dumps(j2, JSON_COMPACT);
	FUZZ_CHECK(json_equal(j, j2), "round trip changed the event:\n"
	    "  %s\n  %s", text, text2 != NULL ? text2 : "(null)");
	FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0,
	    "round trip changed the text:\n  %s\n  %s", text,
	    text2 != NULL ? text2 : "(null)");
	free(text2);
	json_decref(j2);
	event_done(&again);
	json_decref(parsed);
	free(text);
	json_decref(j);
}
