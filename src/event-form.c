/* execmon - events in JSON text: feed text parsed, an event's json form built and written. */
#include "config.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "event-fields.h"
#include "event-text.h"
#include "xmalloc.h"

enum event_malformed
event_json_parse(const char *buf, size_t len, json_t **out)
{
	return event_json_parse_max(buf, len, EVENT_JSON_MAX, out);
}

enum event_malformed
event_json_parse_max(const char *buf, size_t len, size_t max, json_t **out)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, k, skip;
	int depth = 0, instr = 0, esc = 0, bad = 0;
	json_error_t err;
	uint32_t cp;
	char *fixed = NULL;

	*out = NULL;
	if (len > max)
		return MAL_TOO_LARGE;
	while (i < len) {
		if (s[i] >= 0x80) {
			if ((k = utf8_next(s + i, len - i, &cp, &skip)) == 0) {
				bad = 1;
				k = skip;
			}
			i += k;
			continue;
		}
		if (instr) {
			if (esc)
				esc = 0;
			else if (s[i] == '\\')
				esc = 1;
			else if (s[i] == '"')
				instr = 0;
		} else if (s[i] == '"')
			instr = 1;
		else if (s[i] == '[' || s[i] == '{') {
			if (++depth > EVENT_JSON_DEPTH)
				return MAL_TOO_LARGE;
		} else if (s[i] == ']' || s[i] == '}')
			depth--;
		i++;
	}
	if (bad) {
		fixed = utf8_dup(buf, len, &len);
		buf = fixed;
	}
	*out = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	free(fixed);
	return *out == NULL ? MAL_BAD_JSON : MAL_NONE;
}

/* A JSON string of s, repairing it if it is not valid UTF-8. */
static json_t *
string_to_json(const char *s)
{
	json_t *v;
	char *fixed;
	size_t len;

	if ((v = json_string(s)) != NULL)
		return v;
	fixed = utf8_dup(s, strlen(s), &len);
	v = json_stringn_nocheck(fixed, len);
	free(fixed);
	return v;
}

json_t *
event_to_json(const struct event *ev)
{
	const struct field_def *f;
	const char *key, *s;
	json_t *out, *v;
	size_t i;

	out = json_object();
	for (i = 1; i < FD__COUNT; i++) {
		f = &event_fields[i];
		v = NULL;
		switch (f->kind) {
		case FK_TYPE:
			s = ev->type_name != NULL ? ev->type_name :
			    event_type_name(ev->type);
			v = string_to_json(s);
			break;
		case FK_TS:
			v = json_integer(ev->ts_ms);
			break;
		case FK_STR:
			if ((s = *CMEMBER(ev, f, char *)) != NULL)
				v = string_to_json(s);
			break;
		case FK_INT:
			if (ev->has & f->bit)
				v = json_integer(*CMEMBER(ev, f, int64_t));
			break;
		case FK_DBL:
			if (ev->has & f->bit)
				v = json_real(*CMEMBER(ev, f, double));
			break;
		case FK_BOOL:
			if (ev->has & f->bit)
				v = json_boolean(*CMEMBER(ev, f, int));
			break;
		}
		if (v != NULL)
			json_object_set_new_nocheck(out, f->name, v);
	}
	if (ev->extra != NULL) {
		json_object_foreach(ev->extra, key, v) {
			if (key[0] != '_' && json_object_get(out, key) == NULL)
				json_object_set(out, key, v);
		}
	}
	return out;
}

/* True when key is a known field that ev holds (event_to_json put it first). */
static int
field_present(const struct event *ev, const char *key)
{
	const struct field_def *fd;

	for (size_t i = 1; i < FD__COUNT; i++) {
		fd = &event_fields[i];
		if (strcmp(fd->name, key) != 0)
			continue;
		switch (fd->kind) {
		case FK_TYPE:
		case FK_TS:
			return 1;
		case FK_STR:
			return *CMEMBER(ev, fd, char *) != NULL;
		default:
			return (ev->has & fd->bit) != 0;
		}
	}
	return 0;
}

/*
 * The json form as text without a jansson tree, for record's output: the
 * same bytes json_dumps gives for event_to_json() with the record's keys
 * (JSON_COMPACT | JSON_REAL_PRECISION(15)), which test-event-json and the
 * decoder fuzzer check. Unknown fields (extra) still go through jansson.
 */
static void
jb_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* A JSON string: escapes as jansson writes them; invalid UTF-8 as U+FFFD. */
static void
jb_quoted(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, run = 0, k, skip;
	char *fixed = NULL, esc[8];
	uint32_t cp;

	for (i = 0; i < n; i++) {
		if (p[i] >= 0x80 && utf8_next(p + i, n - i, &cp, &skip) == 0) {
			fixed = utf8_dup(s, n, &n);
			p = (const unsigned char *)fixed;
			break;
		}
	}
	buf_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\') {
			run++;
			continue;
		}
		buf_put(b, (const char *)p + i - run, run);
		run = 0;
		switch (p[i]) {
		case '"': buf_put(b, "\\\"", 2); break;
		case '\\': buf_put(b, "\\\\", 2); break;
		case '\b': buf_put(b, "\\b", 2); break;
		case '\f': buf_put(b, "\\f", 2); break;
		case '\n': buf_put(b, "\\n", 2); break;
		case '\r': buf_put(b, "\\r", 2); break;
		case '\t': buf_put(b, "\\t", 2); break;
		default:
			k = (size_t)snprintf(esc, sizeof esc, "\\u%04X", p[i]);
			buf_put(b, esc, k);
			break;
		}
	}
	buf_put(b, (const char *)p + n - run, run);
	buf_put(b, "\"", 1);
	free(fixed);
}

/* A real as jansson writes it with 15 significant digits. */
static void
jb_real(struct buf *b, double v)
{
	char buf[64], *e, *d;
	const char *point = localeconv()->decimal_point;
	int n = snprintf(buf, sizeof buf - 2, "%.15g", v);

	if (n < 0 || (size_t)n >= sizeof buf - 2) {
		jb_str(b, "0.0");
		return;
	}
	if (point[0] != '.' && (d = strchr(buf, point[0])) != NULL)
		*d = '.';
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL)
		strcat(buf, ".0");
	if ((e = strchr(buf, 'e')) != NULL) {
		/* no '+' and no leading zeros in the exponent */
		char *from = e + 1, *to = e + 1;

		if (*from == '-')
			from = ++to;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1] != '\0')
			from++;
		memmove(to, from, strlen(from) + 1);
	}
	jb_str(b, buf);
}

static void
jb_key(struct buf *b, const char *key, int *first)
{
	if (!*first)
		buf_put(b, ",", 1);
	*first = 0;
	jb_quoted(b, key);
	buf_put(b, ":", 1);
}

void
event_json_line_buf(const struct event *ev, const char *source, struct buf *b)
{
	const struct field_def *fd;
	char num[32];
	const char *s, *key;
	int first = 1;
	size_t i, k;
	json_t *v;
	char *text;

	buf_put(b, "{", 1);
	for (i = 1; i < FD__COUNT; i++) {
		fd = &event_fields[i];
		switch (fd->kind) {
		case FK_TYPE:
			jb_key(b, fd->name, &first);
			jb_quoted(b, ev->type_name != NULL ? ev->type_name :
			    event_type_name(ev->type));
			break;
		case FK_TS:
			jb_key(b, fd->name, &first);
			k = (size_t)snprintf(num, sizeof num, "%" PRId64, ev->ts_ms);
			buf_put(b, num, k);
			break;
		case FK_STR:
			if ((s = *CMEMBER(ev, fd, char *)) == NULL)
				break;
			jb_key(b, fd->name, &first);
			jb_quoted(b, s);
			break;
		case FK_INT:
			if (!(ev->has & fd->bit))
				break;
			jb_key(b, fd->name, &first);
			k = (size_t)snprintf(num, sizeof num, "%" PRId64,
			    *CMEMBER(ev, fd, int64_t));
			buf_put(b, num, k);
			break;
		case FK_DBL:
			if (!(ev->has & fd->bit))
				break;
			jb_key(b, fd->name, &first);
			jb_real(b, *CMEMBER(ev, fd, double));
			break;
		case FK_BOOL:
			if (!(ev->has & fd->bit))
				break;
			jb_key(b, fd->name, &first);
			jb_str(b, *CMEMBER(ev, fd, int) ? "true" : "false");
			break;
		}
	}
	if (ev->extra != NULL) {
		json_object_foreach(ev->extra, key, v) {
			if (key[0] == '_' || field_present(ev, key))
				continue;
			text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
			    JSON_REAL_PRECISION(15));
			if (text == NULL)
				continue;
			jb_key(b, key, &first);
			jb_str(b, text);
			free(text);
		}
	}
	if (source != NULL) {
		jb_key(b, "_source", &first);
		jb_quoted(b, source);
	}
	if (ev->entry_id != NULL) {
		jb_key(b, "_id", &first);
		jb_quoted(b, ev->entry_id);
	}
	buf_put(b, "}\n", 2);
}

int
event_json_line(const struct event *ev, const char *source, FILE *f)
{
	struct buf b;
	int rc;

	buf_init(&b);
	event_json_line_buf(ev, source, &b);
	rc = fwrite(b.p, 1, b.len, f) == b.len ? 0 : -1;
	buf_done(&b);
	return rc;
}
