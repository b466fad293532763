/* execmon - JSON text: the flat-object fast path (a scanner), numbers, safe output. */
#ifndef EXECMON_EVENT_JSON_H
#define EXECMON_EVENT_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

enum json_scalar_kind { JS_NULL, JS_FALSE, JS_TRUE, JS_INT, JS_REAL, JS_STR };

/* One member of a flat JSON object, or one scalar value of a jansson tree. */
struct json_scalar {
	const char *key;        /* not NUL-terminated (event_json_scan) */
	size_t key_len;
	enum json_scalar_kind kind;
	const char *s;          /* JS_STR: the text, not NUL-terminated */
	size_t len;
	int64_t iv;             /* JS_INT */
	double dv;              /* JS_INT (as a double) and JS_REAL */
};

/* Most members event_json_scan takes (more: the caller uses jansson). */
#define EVENT_JSON_SCAN_MAX 64

/*
 * Scan JSON text that is one object of at most max members whose values are
 * all scalars, whose keys and strings are printable ASCII without escapes,
 * and whose numbers jansson reads without error. Returns the number of
 * members (in *out, pointing into buf), or -1 for any other text: the caller
 * then parses it with jansson, which gives the same values for what this
 * accepts, and decides what is wrong with the rest.
 */
int event_json_scan(const char *buf, size_t len, struct json_scalar *out,
    size_t max);

/* strtod that reads '.' as the decimal point whatever the locale, as JSON does. */
double event_json_strtod(const char *s);

/*
 * Write j as JSON text (json_dumpf flags) to f. With tty set (f is a
 * terminal: isatty) every character but printable ASCII is written as a \u
 * escape, so no string from a feed can act on the terminal; the JSON means
 * the same. Returns 0, or -1 on a write error.
 */
int event_json_write(const json_t *j, FILE *f, size_t flags, int tty);

#endif
