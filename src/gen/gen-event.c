/* execmon-gen - events built field by field; values as text and JSON. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "xmalloc.h"

void
gen_buf_add(struct gen_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap == 0 ? 256 : b->cap;
		while (b->len + n + 1 > b->cap)
			b->cap *= 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
gen_buf_str(struct gen_buf *b, const char *s)
{
	gen_buf_add(b, s, strlen(s));
}

void
gen_buf_json_str(struct gen_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char esc[8];
	unsigned char ch;

	gen_buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		gen_buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			gen_buf_add(b, esc, 2);
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			gen_buf_add(b, esc, 6);
		}
	}
	gen_buf_add(b, run, (size_t)(s - run));
	gen_buf_add(b, "\"", 1);
}

void
gen_buf_free(struct gen_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void
gen_event_init(struct gen_event *ev, int stream, int json, int64_t sim_ms)
{
	ev->stream = stream;
	ev->json = json;
	ev->run_start = 0;
	ev->sim_ms = sim_ms;
	ev->ts_ms = 0;
	ev->nfields = 0;
	ev->textlen = 0;
}

static struct gen_field *
gen_event_add(struct gen_event *ev, const char *name, enum gen_value kind)
{
	struct gen_field *f;

	if (ev->nfields == GEN_FIELDS_MAX) {
		fprintf(stderr, "execmon-gen: too many fields in one event\n");
		abort();
	}
	f = &ev->fields[ev->nfields++];
	memset(f, 0, sizeof *f);
	f->name = name;
	f->kind = kind;
	return f;
}

void
gen_event_str(struct gen_event *ev, const char *name, const char *value)
{
	size_t n = strlen(value) + 1;
	char *p;

	if (n > sizeof ev->text - ev->textlen) {
		fprintf(stderr, "execmon-gen: event text too long\n");
		abort();
	}
	p = ev->text + ev->textlen;
	memcpy(p, value, n);
	ev->textlen += n;
	gen_event_add(ev, name, GEN_STR)->str = p;
}

void
gen_event_int(struct gen_event *ev, const char *name, int64_t value)
{
	gen_event_add(ev, name, GEN_INT)->i = value;
}

void
gen_event_real(struct gen_event *ev, const char *name, double value,
    int decimals)
{
	struct gen_field *f = gen_event_add(ev, name, GEN_REAL);

	f->d = value;
	f->decimals = decimals;
}

void
gen_event_bool(struct gen_event *ev, const char *name, int value)
{
	gen_event_add(ev, name, GEN_BOOL)->i = value != 0;
}

const struct gen_field *
gen_event_find(const struct gen_event *ev, const char *name)
{
	size_t i;

	for (i = 0; i < ev->nfields; i++) {
		if (strcmp(ev->fields[i].name, name) == 0)
			return &ev->fields[i];
	}
	return NULL;
}

/* Reals are written with their decimals, trailing zeros dropped: "0.25". */
const char *
gen_field_text(const struct gen_field *f, char *buf, size_t size)
{
	size_t len;

	switch (f->kind) {
	case GEN_STR:
		return f->str;
	case GEN_INT:
		snprintf(buf, size, "%" PRId64, f->i);
		break;
	case GEN_BOOL:
		snprintf(buf, size, "%s", f->i ? "true" : "false");
		break;
	case GEN_REAL:
		snprintf(buf, size, "%.*f", f->decimals, f->d);
		len = strlen(buf);
		if (strchr(buf, '.') != NULL) {
			while (len > 1 && buf[len - 1] == '0')
				buf[--len] = '\0';
			if (buf[len - 1] == '.')
				buf[--len] = '\0';
		}
		if (strcmp(buf, "-0") == 0)
			snprintf(buf, size, "0");
		break;
	}
	return buf;
}

/* In JSON a real keeps a fraction ("43.0") so it reads back as a real. */
void
gen_field_json(const struct gen_field *f, struct gen_buf *b)
{
	char buf[64];

	if (f->kind == GEN_STR) {
		gen_buf_json_str(b, f->str);
		return;
	}
	gen_buf_str(b, gen_field_text(f, buf, sizeof buf));
	if (f->kind == GEN_REAL && strchr(buf, '.') == NULL)
		gen_buf_add(b, ".0", 2);
}
