/* execmon - text and time for events: UTF-8, RFC 3339, display sanitizing. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-text.h"
#include "xmalloc.h"

/* Event times outside [1970-01-01, 2201-01-01) are not times. */
#define TIME_MAX_MS INT64_C(7289654400000)

/*
 * Length of the valid UTF-8 sequence at s (n bytes available) with its code
 * point in *cp, or 0 when the bytes there are not one; then *skip is the
 * length of the invalid part (its longest valid-looking prefix, at least 1).
 */
size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *skip)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t v;

	*skip = 1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		need = 1;
		v = c & 0x1f;
	} else if (c < 0xf0) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*skip = i;
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return need + 1;
}

/*
 * Copy len bytes into a new NUL-terminated string, replacing invalid UTF-8
 * and NUL bytes with U+FFFD. The result's length goes to *outlen if not NULL.
 */
char *
utf8_dup(const char *in, size_t len, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o, k, skip;
	uint32_t cp;
	char *out;

	while (i < len && s[i] != 0) {
		if (s[i] < 0x80)
			i++;
		else if ((k = utf8_next(s + i, len - i, &cp, &skip)) != 0)
			i += k;
		else
			break;
	}
	if (i == len) {
		if (outlen != NULL)
			*outlen = len;
		return xstrndup(in, len);
	}

	out = xmalloc(len * 3 + 1);
	memcpy(out, in, i);
	o = i;
	while (i < len) {
		if (s[i] == 0) {
			k = 0;
			skip = 1;
		} else
			k = utf8_next(s + i, len - i, &cp, &skip);
		if (k != 0) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += skip;
		}
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return xrealloc(out, o + 1);
}

void
utf8_trim_cut(char *s)
{
	size_t len = strlen(s), k = len, skip;
	uint32_t cp;

	while (k > 0 && len - k < 3 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
		k--;
	if (k > 0 && (unsigned char)s[k - 1] >= 0xc2 && (unsigned char)s[k - 1] <= 0xf4 &&
	    utf8_next((const unsigned char *)s + k - 1, len - k + 1, &cp, &skip) == 0 &&
	    skip == len - k + 1)
		s[k - 1] = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of a day number (the inverse of days_from_civil). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, int m)
{
	static const int dm[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Read exactly n ASCII digits as a number, or -1. */
static int
read_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parse an RFC 3339 date-time into epoch ms (no range check). */
static int
parse_rfc3339(const char *s, size_t len, int64_t *ms)
{
	int year, mon, day, hour, min, sec, frac = 0, oh, om, scale = 100;
	int64_t v, off = 0;
	size_t i;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
	    s[16] != ':' || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -1;
	year = read_digits(s, 4);
	mon = read_digits(s + 5, 2);
	day = read_digits(s + 8, 2);
	hour = read_digits(s + 11, 2);
	min = read_digits(s + 14, 2);
	sec = read_digits(s + 17, 2);
	if (year < 0 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return -1;
	i = 19;
	if (s[i] == '.') {
		if (++i >= len || s[i] < '0' || s[i] > '9')
			return -1;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i < len && (s[i] == '+' || s[i] == '-')) {
		if (len - i < 6 || s[i + 3] != ':')
			return -1;
		oh = read_digits(s + i + 1, 2);
		om = read_digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = (int64_t)oh * 60 + om;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else
		return -1;
	if (i != len)
		return -1;

	v = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 +
	    sec - off * 60;
	*ms = v * 1000 + frac;
	return 0;
}

int
event_parse_time(const char *s, size_t len, int64_t *ms)
{
	int64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > TIME_MAX_MS)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i != len && parse_rfc3339(s, len, &v) != 0)
		return -1;
	if (v < 0 || v >= TIME_MAX_MS)
		return -1;
	*ms = v;
	return 0;
}

int64_t
event_id_ms(const char *id)
{
	int64_t v = 0;
	const char *p;

	if (id == NULL || *id < '0' || *id > '9')
		return -1;
	for (p = id; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p == '\0')
		return v;
	if (*p++ != '-' || *p == '\0')
		return -1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '#' && p[1] >= '0' && p[1] <= '9') /* "#N": of a recreated stream */
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	return *p == '\0' ? v : -1;
}

void
event_format_time(int64_t ms, char *buf, size_t size)
{
	int64_t days, rem, y;
	int m, d;

	if (size == 0)
		return;
	if (ms <= 0) {
		snprintf(buf, size, "-");
		return;
	}
	days = ms / 86400000;
	rem = ms % 86400000;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    (long long)y, m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000));
}


/* Characters that change text direction or are invisible on a terminal. */
static int
is_invisible(uint32_t cp)
{
	return cp == 0x061c || cp == 0x180e ||
	    (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) ||
	    cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
	    (cp >= 0xe0000 && cp <= 0xe007f);
}

/* Write a character's escape (\x1b, \u202e, \U000e0041); returns its length. */
static size_t
escape_char(char *buf, char kind, uint32_t cp)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = kind == 'x' ? 2 : kind == 'u' ? 4 : 8, i;

	buf[0] = '\\';
	buf[1] = kind;
	for (i = 0; i < n; i++)
		buf[2 + i] = hex[(cp >> (4 * (n - 1 - i))) & 0xf];
	return n + 2;
}

size_t
sanitize_next(const unsigned char *s, size_t n, int keep_newlines, char esc[12],
    const char **piece, size_t *plen, uint32_t *cp)
{
	size_t k, skip;

	k = utf8_next(s, n, cp, &skip);
	*piece = (const char *)s;
	*plen = k;
	if (k == 0) {
		*plen = escape_char(esc, 'x', s[0]);
		*piece = esc;
		*cp = SANITIZE_ESCAPE;
		return 1;
	}
	if (*cp == '\t' || (*cp == '\n' && !keep_newlines)) {
		*piece = " ";
		*cp = ' ';
	} else if (*cp == '\n') {
		/* kept as it is */
	} else if (*cp < 0x20 || *cp == 0x7f) {
		*plen = escape_char(esc, 'x', *cp);
		*piece = esc;
		*cp = SANITIZE_ESCAPE;
	} else if ((*cp >= 0x80 && *cp <= 0x9f) || is_invisible(*cp)) {
		*plen = escape_char(esc, *cp > 0xffff ? 'U' : 'u', *cp);
		*piece = esc;
		*cp = SANITIZE_ESCAPE;
	}
	return k;
}

size_t
event_sanitize(const char *in, char *out, size_t size, int keep_newlines)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n, i = 0, o = 0, k, plen;
	const char *piece;
	char esc[12];
	uint32_t cp;

	if (size == 0)
		return 0;
	n = in == NULL ? 0 : strlen(in);
	while (i < n) {
		k = sanitize_next(s + i, n - i, keep_newlines, esc, &piece, &plen, &cp);
		if (o + plen > size - 1)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += k;
	}
	out[o] = '\0';
	return o;
}
