/* execmon - error messages folded, and a run's error occurrences: what the filter's error= key needs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors-int.h"
#include "errors-match.h"
#include "event.h"
#include "store.h"

/* ---- the normaliser ---- */

struct nbuf {
	char *out;
	size_t size, n;
	int full;              /* something did not fit: stop */
	int space;             /* a space is due before the next text */
};

/* Append len bytes whole, or nothing (and stop) when they do not fit. */
static void
nput(struct nbuf *b, const char *s, size_t len)
{
	size_t need = len + (b->space && b->n > 0);

	if (b->full || len == 0)
		return;
	if (b->n + need >= b->size) {
		b->full = 1;
		return;
	}
	if (b->space && b->n > 0)
		b->out[b->n++] = ' ';
	b->space = 0;
	memcpy(b->out + b->n, s, len);
	b->n += len;
	b->out[b->n] = '\0';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static int
is_sep(char c)
{
	return c == '_' || c == '-' || c == '.';
}

static int
is_word(char c)
{
	return is_alnum(c) || is_sep(c);
}

static int
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_time_unit(const char *p, size_t len)
{
	static const char *const units[] = {
		"ns", "us", "ms", "s", "sec", "secs", "m", "min", "mins", "h",
		"hr", "hrs", "d", "day", "days"
	};

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strlen(units[i]) == len && memcmp(units[i], p, len) == 0)
			return 1;
	}
	return 0;
}

/* Length of a leading [0-9]+(.[0-9]+)* of p[0..len), 0 if none. */
static size_t
number_len(const char *p, size_t len)
{
	size_t i = 0, end;

	while (i < len && is_digit(p[i]))
		i++;
	end = i;
	while (end > 0 && i + 1 < len && p[i] == '.' && is_digit(p[i + 1])) {
		i++;
		while (i < len && is_digit(p[i]))
			i++;
		end = i;
	}
	return end;
}

/* Fold one word (see errors.h): p[0..len) of word characters. */
static void
fold_word(struct nbuf *b, const char *p, size_t len)
{
	size_t i, num, start;
	int digit = 0, hex = 1, seps = 0, letters, hexsuf;

	for (i = 0; i < len; i++) {
		digit |= is_digit(p[i]);
		hex &= is_hex(p[i]) || p[i] == '-';
		seps |= is_sep(p[i]);
	}
	if (!digit) {
		nput(b, p, len);
		return;
	}
	num = number_len(p, len);
	if (num == len) {
		nput(b, "<n>", 3);
		return;
	}
	if (num > 0) {
		for (letters = 1, i = num; i < len; i++)
			letters &= is_alpha(p[i]);
		if (letters && is_time_unit(p + num, len - num)) {
			nput(b, "<dur>", 5);
			return;
		}
		/* a number with a short unit ("12kb", "3rd"); letters that are
		   all hex digits ("1bcf") are an id's, not a unit */
		for (hexsuf = 1, i = num; i < len; i++)
			hexsuf &= is_hex(p[i]);
		if (letters && len - num <= 3 && !(hexsuf && len - num >= 2)) {
			char tmp[8];

			memcpy(tmp, "<n>", 3);
			memcpy(tmp + 3, p + num, len - num);
			nput(b, tmp, 3 + len - num);
			return;
		}
	}
	if (hex && len >= 6) {
		nput(b, "<id>", 4);
		return;
	}
	if (seps) {
		for (start = i = 0; i <= len; i++) {
			if (i < len && !is_sep(p[i]))
				continue;
			if (i > start)
				fold_word(b, p + start, i - start);
			if (i < len)
				nput(b, p + i, 1);
			start = i + 1;
		}
		return;
	}
	for (i = 0; i < len && is_alpha(p[i]); i++)
		;
	if (i > 0 && number_len(p + i, len - i) == len - i &&
	    memchr(p + i, '.', len - i) == NULL) {
		nput(b, p, i);
		nput(b, "<n>", 3);
		return;
	}
	nput(b, "<id>", 4);
}

size_t
errors_normalise(const char *msg, char *out, size_t size)
{
	struct nbuf b = { out, size, 0, 0, 0 };
	const char *s;
	size_t i, j, k, m, end, n;
	unsigned char c;

	if (size == 0)
		return 0;
	out[0] = '\0';
	if (msg == NULL)
		return 0;
	while (*msg == ' ' || *msg == '\t' || *msg == '\n' || *msg == '\r')
		msg++;
	s = msg;
	for (end = 0; end < ERRORS_SCAN_MAX && s[end] != '\0' &&
	    s[end] != '\n' && s[end] != '\r'; end++)
		;
	for (i = 0; i < end && !b.full;) {
		c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f) {
			b.space = 1;
			i++;
			continue;
		}
		if (is_word((char)c)) {
			for (j = i; j < end && is_word(s[j]); j++)
				;
			for (k = j; k > i && is_sep(s[k - 1]); k--)
				;
			for (; i < k && is_sep(s[i]); i++)
				nput(&b, s + i, 1);
			if (k > i)
				fold_word(&b, s + i, k - i);
			for (m = k; m < j; m++)
				nput(&b, s + m, 1);
			i = j;
			continue;
		}
		/* '<' and '>' count as letters: they begin and end placeholders */
		if ((c == '\'' || c == '"' || c == '`') &&
		    (i == 0 || (!is_alnum(s[i - 1]) && s[i - 1] != '>'))) {
			for (m = i + 1; m < end; m++) {
				if ((unsigned char)s[m] == c && (m + 1 == end ||
				    (!is_alnum(s[m + 1]) && s[m + 1] != '<')))
					break;
			}
			if (m < end) {
				char q[3] = { (char)c, '?', (char)c };

				nput(&b, q, 3);
				i = m + 1;
				continue;
			}
		}
		n = 1;
		if (c >= 0x80) {
			while (i + n < end && n < 4 &&
			    ((unsigned char)s[i + n] & 0xc0) == 0x80)
				n++;
		}
		nput(&b, s + i, n);
		i += n;
	}
	while (b.n > 0 && out[b.n - 1] == ' ')
		b.n--;
	out[b.n] = '\0';
	return b.n;
}

/* ---- occurrences and groups ---- */


/* The raw first line of text (like the normaliser reads it), into buf. */
void
first_line(const char *text, char *buf, size_t size)
{
	size_t n = 0, len;

	buf[0] = '\0';
	if (text == NULL)
		return;
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	while (text[n] != '\0' && text[n] != '\n' && text[n] != '\r') {
		len = 1;
		while (((unsigned char)text[n + len] & 0xc0) == 0x80)
			len++;
		if (n + len >= size)
			break;
		n += len;
	}
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

/*
 * Whether event i of r's log is an error occurrence; if so fill o (strings
 * borrowed from the store until it next changes).
 */
int
log_occ(const struct run *r, size_t i, struct occ *o)
{
	struct log_figures fig;
	struct event ev;
	int type = r->log[i].type;

	if (type != EV_LLM_CALL && type != EV_TOOL_CALL)
		return 0;
	run_log_figures(r, i, &fig);
	if (type == EV_LLM_CALL && (fig.finish_reason == NULL ||
	    strcmp(fig.finish_reason, "error") != 0))
		return 0;
	if (type == EV_TOOL_CALL && (fig.outcome == NULL ||
	    (strcmp(fig.outcome, "error") != 0 &&
	    strcmp(fig.outcome, "timeout") != 0)))
		return 0;
	run_log_peek(r, i, &ev);
	memset(o, 0, sizeof *o);
	o->ts_ms = r->log[i].ts_ms;
	o->text = ev.error_message != NULL ? ev.error_message : ev.message;
	if (type == EV_LLM_CALL) {
		o->where = ERRW_LLM;
		o->class = ev.error_class;
		o->model = ev.model_id != NULL ? ev.model_id : r->model_id;
	} else {
		o->where = ERRW_TOOL;
		o->class = ev.error_class != NULL ? ev.error_class :
		    ev.error_kind != NULL ? ev.error_kind : ev.outcome;
		o->tool = ev.tool_id;
	}
	if (o->class == NULL)
		o->class = NONE_CLASS;
	return 1;
}

/* The occurrence of r's failure (where run). */
void
run_occ(const struct run *r, struct occ *o)
{
	memset(o, 0, sizeof *o);
	o->where = ERRW_RUN;
	o->class = r->error_class != NULL ? r->error_class : NONE_CLASS;
	o->text = r->error_message;
	o->ts_ms = r->finished_ms;
	o->model = r->model_id;
}

static int
occ_named(const struct occ *o, const char *spec)
{
	char norm[ERRORS_MESSAGE_MAX];
	size_t n = strlen(o->class);

	if (strcmp(o->class, spec) == 0)
		return 1;
	if (strncmp(o->class, spec, n) != 0 || spec[n] != ':' ||
	    spec[n + 1] != ' ')
		return 0;
	errors_normalise(o->text, norm, sizeof norm);
	return strcmp(norm, spec + n + 2) == 0;
}

int
errors_run_has(const struct run *r, const char *spec)
{
	struct occ o;
	size_t i;

	if (r == NULL || spec == NULL)
		return 0;
	if (r->status == RUN_FAILED) {
		run_occ(r, &o);
		if (occ_named(&o, spec))
			return 1;
	}
	if (!(r->types & ((1u << EV_LLM_CALL) | (1u << EV_TOOL_CALL))))
		return 0;
	for (i = 0; i < r->nlog; i++) {
		if (log_occ(r, i, &o) && occ_named(&o, spec))
			return 1;
	}
	return 0;
}
