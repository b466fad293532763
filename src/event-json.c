/* execmon - JSON text: the flat-object fast path (a scanner), numbers, safe output. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-json.h"
#include "event-text.h"
#include "xmalloc.h"

double
event_json_strtod(const char *s)
{
	static locale_t c_locale;

	if (c_locale == (locale_t)0)
		c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (c_locale == (locale_t)0)
		return strtod(s, NULL);
	return strtod_l(s, NULL, c_locale);
}

/*
 * The fast path. Most json-form entries are one flat object of plain values;
 * building a jansson tree for each costs more than everything else the
 * decoder does. This scanner accepts only text whose meaning is beyond doubt
 * (no escapes, no bytes jansson would check or repair, no numbers it would
 * refuse) and leaves everything else to jansson, so both read the same
 * values: tests/unit/test-event.c and the decoder fuzzer compare the two.
 */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Bytes a plain string holds as they are: printable ASCII but '"' and '\\'. */
static const unsigned char plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
};

/* A string at p (its opening quote); NULL when it is not a plain one. */
static const char *
scan_string(const char *p, const char *end, const char **s, size_t *len)
{
	const char *q = ++p;

	while (q < end && plain[(unsigned char)*q])
		q++;
	if (q >= end || *q != '"')
		return NULL;
	*s = p;
	*len = (size_t)(q - p);
	return q + 1;
}

static int
is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* A number at p, in JSON's grammar and in range; NULL otherwise. */
static const char *
scan_number(const char *p, const char *end, struct json_scalar *v)
{
	const char *start = p;
	char buf[64];
	long long ll;
	int real = 0;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (is_digit(p, end)) {
		while (is_digit(p, end))
			p++;
	} else
		return NULL;
	if (p < end && *p == '.') {
		real = 1;
		if (!is_digit(++p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = 1;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
	}
	if ((size_t)(p - start) >= sizeof buf)
		return NULL;
	memcpy(buf, start, (size_t)(p - start));
	buf[p - start] = '\0';
	if (!real) {
		errno = 0;
		ll = strtoll(buf, NULL, 10);
		if (errno == ERANGE)
			return NULL; /* jansson refuses it: let it say so */
		v->kind = JS_INT;
		v->iv = ll;
		v->dv = (double)ll;
	} else {
		v->kind = JS_REAL;
		v->dv = event_json_strtod(buf);
		if (!isfinite(v->dv))
			return NULL;
	}
	return p;
}

static const char *
scan_word(const char *p, const char *end, const char *word,
    enum json_scalar_kind kind, struct json_scalar *v)
{
	size_t n = strlen(word);

	if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
		return NULL;
	v->kind = kind;
	return p + n;
}

int
event_json_scan(const char *buf, size_t len, struct json_scalar *out,
    size_t max)
{
	const char *p = buf, *end = buf + len;
	struct json_scalar *v;
	size_t n = 0;

	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		p++;
	else {
		for (;;) {
			if (n == max || p >= end || *p != '"')
				return -1;
			v = &out[n];
			memset(v, 0, sizeof *v);
			if ((p = scan_string(p, end, &v->key, &v->key_len)) == NULL)
				return -1;
			p = skip_ws(p, end);
			if (p >= end || *p != ':')
				return -1;
			p = skip_ws(p + 1, end);
			if (p >= end)
				return -1;
			switch (*p) {
			case '"':
				v->kind = JS_STR;
				p = scan_string(p, end, &v->s, &v->len);
				break;
			case 't':
				p = scan_word(p, end, "true", JS_TRUE, v);
				break;
			case 'f':
				p = scan_word(p, end, "false", JS_FALSE, v);
				break;
			case 'n':
				p = scan_word(p, end, "null", JS_NULL, v);
				break;
			default:
				p = scan_number(p, end, v);
				break;
			}
			if (p == NULL)
				return -1;
			n++;
			p = skip_ws(p, end);
			if (p < end && *p == ',') {
				p = skip_ws(p + 1, end);
				continue;
			}
			if (p < end && *p == '}') {
				p++;
				break;
			}
			return -1;
		}
	}
	if (skip_ws(p, end) != end)
		return -1;
	return (int)n;
}

int
event_json_write(const json_t *j, FILE *f, size_t flags, int tty)
{
	char *text;
	size_t i, start;
	int rc = 0;

	if (!tty) {
		/* one write: json_dumpf writes token by token */
		if ((text = json_dumps(j, flags)) == NULL)
			return -1;
		i = strlen(text);
		rc = fwrite(text, 1, i, f) == i ? 0 : -1;
		free(text);
		return rc;
	}
	/* ENSURE_ASCII escapes all but ASCII; DEL, which it leaves, we do. */
	if ((text = json_dumps(j, flags | JSON_ENSURE_ASCII)) == NULL)
		return -1;
	for (i = start = 0; text[i] != '\0'; i++) {
		if (text[i] != 0x7f)
			continue;
		if (fwrite(text + start, 1, i - start, f) != i - start ||
		    fputs("\\u007f", f) == EOF)
			rc = -1;
		start = i + 1;
	}
	if (fwrite(text + start, 1, i - start, f) != i - start)
		rc = -1;
	free(text);
	return rc;
}
