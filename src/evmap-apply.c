/* execmon - event maps: one producer entry through a map into an event. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evmap-int.h"
#include "map.h"
#include "xmalloc.h"

/*
 * How an entry goes through a map. Every value the map asks for is looked
 * up in the entry (a flat field, then JSON object members along the path; a
 * field or member that holds JSON text is parsed once, when a path goes
 * into it), turned into text, and the texts are handed to the native
 * decoder as a flat entry, so a mapped event is held to exactly the rules
 * of a native one. A value that is absent, null or the empty string does
 * not count as present: the next alternative is tried.
 */

/* Event times outside [1970-01-01, 2201-01-01) are not times (as event.c). */
#define TIME_MAX_MS INT64_C(7289654400000)
/* JSON texts parsed per entry (one per field a path goes into). */
#define PARSED_MAX 8

enum val_kind { V_ABSENT, V_TEXT, V_JSON };

struct val {
	enum val_kind kind;
	const char *s;         /* V_TEXT: bytes, not NUL-terminated */
	size_t len;
	const json_t *j;       /* V_JSON */
};

struct actx {
	const struct evmap *m;
	const struct event_field_kv *kv; /* flat entry, or NULL */
	size_t n;
	const json_t *obj;     /* JSON entry, or NULL */
	struct parsed {
		const void *key;   /* the text parsed */
		json_t *j;         /* NULL: not a JSON object */
	} parsed[PARSED_MAX], *more; /* more: past PARSED_MAX, on the heap */
	int nparsed, nmore;
	char *why;
	size_t whylen;
	const char *field;     /* the execmon field being filled, for messages */
	/* the texts handed to the decoder, as offsets into out */
	char *out;
	size_t outlen, outcap;
};

static enum event_malformed
fail(struct actx *a, enum event_malformed mal, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Say why the entry cannot be mapped: "map NAME: ..." into why. */
static enum event_malformed
fail(struct actx *a, enum event_malformed mal, const char *fmt, ...)
{
	char msg[300], safe[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	event_sanitize(msg, safe, sizeof safe, 0);
	if (a->whylen > 0)
		snprintf(a->why, a->whylen, "map %s: %s", a->m->name, safe);
	return mal;
}

/* The JSON object in text (parsed once per entry), or NULL. */
static json_t *
parse_text(struct actx *a, const void *key, const char *s, size_t len)
{
	json_t *j = NULL;

	for (int i = 0; i < a->nparsed; i++)
		if (a->parsed[i].key == key)
			return a->parsed[i].j;
	for (int i = 0; i < a->nmore; i++)
		if (a->more[i].key == key)
			return a->more[i].j;
	if (event_json_parse(s, len, &j) != MAL_NONE || !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	/* Kept until the entry is done: values found in it point into it. */
	if (a->nparsed < PARSED_MAX) {
		a->parsed[a->nparsed].key = key;
		a->parsed[a->nparsed++].j = j;
	} else {
		a->more = xreallocarray(a->more, (size_t)a->nmore + 1, sizeof *a->more);
		a->more[a->nmore].key = key;
		a->more[a->nmore++].j = j;
	}
	return j;
}

/* Find the value a path names. Returns MAL_NONE (the value may be absent). */
static enum event_malformed
lookup(struct actx *a, const struct evmap_term *t, struct val *v)
{
	const json_t *cur = NULL, *next;
	size_t seglen = strlen(t->segs[0]);

	v->kind = V_ABSENT;
	if (a->kv != NULL) {
		for (size_t i = 0; i < a->n; i++) {
			if (a->kv[i].name_len == seglen &&
			    memcmp(a->kv[i].name, t->segs[0], seglen) == 0) {
				if (a->kv[i].value_len == 0)
					return MAL_NONE;
				if (t->nsegs == 1) {
					v->kind = V_TEXT;
					v->s = a->kv[i].value;
					v->len = a->kv[i].value_len;
					return MAL_NONE;
				}
				cur = parse_text(a, &a->kv[i], a->kv[i].value,
				    a->kv[i].value_len);
				if (cur == NULL)
					return fail(a, MAL_BAD_JSON, "%s: %s: '%s' is not"
					    " a JSON object", a->field, t->text, t->segs[0]);
				break;
			}
		}
		if (cur == NULL)
			return MAL_NONE;
	} else {
		cur = json_object_get(a->obj, t->segs[0]);
		if (t->nsegs > 1 && json_is_string(cur) &&
		    json_string_length(cur) > 0) {
			next = parse_text(a, cur, json_string_value(cur),
			    json_string_length(cur));
			if (next == NULL)
				return fail(a, MAL_BAD_JSON, "%s: %s: '%s' is not a"
				    " JSON object", a->field, t->text, t->segs[0]);
			cur = next;
		}
	}
	for (int i = 1; i < t->nsegs && cur != NULL; i++) {
		if (json_is_null(cur) || (json_is_string(cur) &&
		    json_string_length(cur) == 0))
			return MAL_NONE;
		if (!json_is_object(cur))
			return fail(a, MAL_BAD_TYPE, "%s: %s: '%s' is not an object",
			    a->field, t->text, t->segs[i - 1]);
		cur = json_object_get(cur, t->segs[i]);
	}
	if (cur == NULL || json_is_null(cur) ||
	    (json_is_string(cur) && json_string_length(cur) == 0))
		return MAL_NONE;
	v->kind = V_JSON;
	v->j = cur;
	return MAL_NONE;
}

/* Append n bytes to the output texts. */
static void
out_add(struct actx *a, const char *s, size_t n)
{
	if (a->outcap - a->outlen < n + 1) {
		while (a->outcap - a->outlen < n + 1)
			a->outcap = a->outcap != 0 ? a->outcap * 2 : 1024;
		a->out = xrealloc(a->out, a->outcap);
	}
	memcpy(a->out + a->outlen, s, n);
	a->outlen += n;
}

/* Append the text of a value; what names it is for the message. */
static enum event_malformed
out_val(struct actx *a, const struct val *v, const char *what)
{
	char num[64];
	int n;

	if (v->kind == V_TEXT) {
		out_add(a, v->s, v->len);
		return MAL_NONE;
	}
	switch (json_typeof(v->j)) {
	case JSON_STRING:
		out_add(a, json_string_value(v->j), json_string_length(v->j));
		return MAL_NONE;
	case JSON_INTEGER:
		n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v->j));
		break;
	case JSON_REAL:
		n = snprintf(num, sizeof num, "%.17g", json_real_value(v->j));
		break;
	case JSON_TRUE:
		n = snprintf(num, sizeof num, "true");
		break;
	case JSON_FALSE:
		n = snprintf(num, sizeof num, "false");
		break;
	default:
		return fail(a, MAL_BAD_TYPE, "%s: %s: an object or array, not a value",
		    a->field, what);
	}
	out_add(a, num, (size_t)n);
	return MAL_NONE;
}

/*
 * Evaluate an expression into the output texts: *present is set when one
 * alternative had every term. The text starts at *off and is *len long.
 */
static enum event_malformed
eval(struct actx *a, const struct evmap_expr *e, int *present, size_t *off,
    size_t *len)
{
	struct val vals[EVMAP_TERMS_MAX];
	enum event_malformed mal;
	int all;

	*present = 0;
	for (int i = 0; i < e->nalts; i++) {
		const struct evmap_alt *alt = &e->alts[i];

		all = 1;
		for (int k = 0; k < alt->nterms && all; k++) {
			if (alt->terms[k].kind == TERM_CONST)
				continue;
			if ((mal = lookup(a, &alt->terms[k], &vals[k])) != MAL_NONE)
				return mal;
			all = vals[k].kind != V_ABSENT;
		}
		if (!all)
			continue;
		*off = a->outlen;
		for (int k = 0; k < alt->nterms; k++) {
			if (alt->terms[k].kind == TERM_CONST)
				out_add(a, alt->terms[k].text, strlen(alt->terms[k].text));
			else if (alt->terms[k].kind == TERM_GUARD)
				continue;
			else if ((mal = out_val(a, &vals[k], alt->terms[k].text)) != MAL_NONE)
				return mal;
		}
		*len = a->outlen - *off;
		out_add(a, "", 0);
		a->out[a->outlen] = '\0';
		a->outlen++;
		*present = 1;
		return MAL_NONE;
	}
	return MAL_NONE;
}

/* A time value in unit u as epoch ms. */
static enum event_malformed
time_of(struct actx *a, const struct evmap_term *path, enum evmap_unit u,
    const struct val *v, int64_t *ms)
{
	char buf[64], *end;
	const char *s;
	size_t len;
	long long iv;
	double dv;

	if (v->kind == V_JSON && (json_is_integer(v->j) || json_is_real(v->j))) {
		if (u == UNIT_RFC3339)
			return fail(a, MAL_BAD_TS, "time: %s: a number, not an RFC 3339"
			    " time", path->text);
		len = (size_t)snprintf(buf, sizeof buf, json_is_integer(v->j) ?
		    "%.0f" : "%.17g", json_number_value(v->j));
		if (json_is_integer(v->j))
			len = (size_t)snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v->j));
		s = buf;
	} else if (v->kind == V_JSON && json_is_string(v->j)) {
		s = json_string_value(v->j);
		len = json_string_length(v->j);
	} else if (v->kind == V_TEXT) {
		s = v->s;
		len = v->len;
	} else
		return fail(a, MAL_BAD_TS, "time: %s: not a time", path->text);
	if (u == UNIT_RFC3339) {
		if (event_parse_time(s, len, ms) != 0 || memchr(s, 'T', len) == NULL)
			return fail(a, MAL_BAD_TS, "time: %s: not an RFC 3339 time",
			    path->text);
		return MAL_NONE;
	}
	if (len == 0 || len >= sizeof buf || s[0] == '-' || s[0] == '+' ||
	    s[0] == ' ')
		return fail(a, MAL_BAD_TS, "time: %s: not a number", path->text);
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	iv = strtoll(buf, &end, 10);
	if (*end == '\0' && errno == 0) {
		switch (u) {
		case UNIT_S:
			if (iv > TIME_MAX_MS / 1000)
				return fail(a, MAL_BAD_TS, "time: %s: out of range", path->text);
			*ms = iv * 1000;
			break;
		case UNIT_MS:
			*ms = iv;
			break;
		case UNIT_US:
			*ms = iv / 1000;
			break;
		default:
			*ms = iv / 1000000;
			break;
		}
	} else {
		errno = 0;
		dv = strtod(buf, &end);
		if (*end != '\0' || errno != 0 || !isfinite(dv) || dv < 0)
			return fail(a, MAL_BAD_TS, "time: %s: not a number", path->text);
		dv *= u == UNIT_S ? 1000.0 : u == UNIT_MS ? 1.0 : u == UNIT_US ? 1e-3 : 1e-6;
		if (dv >= (double)TIME_MAX_MS)
			return fail(a, MAL_BAD_TS, "time: %s: out of range", path->text);
		*ms = (int64_t)dv;
	}
	if (*ms < 0 || *ms >= TIME_MAX_MS)
		return fail(a, MAL_BAD_TS, "time: %s: out of range", path->text);
	return MAL_NONE;
}

/* True when the producer's type may carry the agent in this scope. */
static int
gives_agent(const struct evmap_scope *sc, const char *type)
{
	if (sc->agent_from == NULL)
		return 1;
	for (int i = 0; i < sc->nagent_from; i++)
		if (strcmp(sc->agent_from[i], type) == 0)
			return 1;
	return 0;
}

/* The output field's name and where its text lies. */
struct outf {
	int field;
	size_t off, len;
};

/* Which output field the decoder refused, for the message: each one alone. */
static void
blame(struct actx *a, const struct outf *of, int nof, enum event_malformed mal,
    const struct evmap_scope *sc)
{
	struct event_field_kv kv[2];
	struct event probe;
	const struct evmap_scope *base = &a->m->scopes[0];

	kv[0] = (struct event_field_kv){ "type", 4, "x.probe", 7 };
	for (int i = 0; i < nof; i++) {
		const struct evmap_expr *e;
		int f = of[i].field;

		kv[1].name = event_fields[f].name;
		kv[1].name_len = event_fields[f].len;
		kv[1].value = a->out + of[i].off;
		kv[1].value_len = of[i].len;
		event_init(&probe);
		if (event_decode_fields(&probe, kv, 2, INT64_C(1700000000000)) ==
		    MAL_NONE) {
			event_done(&probe);
			continue;
		}
		e = sc->fields[f].alts != NULL ? &sc->fields[f] : &base->fields[f];
		fail(a, mal, "%s (= %s): %s", event_fields[f].name, e->src,
		    event_malformed_name(mal));
		return;
	}
	fail(a, mal, "%s", event_malformed_name(mal));
}

/* Map the entry held in a (flat or JSON) into ev. */
static enum event_malformed
apply(struct actx *a, struct event *ev, int64_t id_ms)
{
	const struct evmap *m = a->m;
	const struct evmap_scope *sc, *base = &m->scopes[0];
	struct event_field_kv kv[FD__COUNT];
	struct outf of[FD__COUNT];
	enum event_malformed mal;
	const struct evmap_type *t;
	size_t off, len, toff, tlen;
	int present, nof = 0, to = m->other_to, agent_ok;
	char tsbuf[32];
	int64_t ms = 0;
	intptr_t ti;

	a->field = "type";
	if ((mal = eval(a, &m->type_field, &present, &toff, &tlen)) != MAL_NONE)
		return mal;
	if (!present)
		return fail(a, MAL_NO_TYPE, "no type (type = %s)", m->type_field.src);
	sc = base;
	ti = (intptr_t)map_get(m->type_index, a->out + toff);
	if (ti > 0) {
		t = &m->types[ti - 1];
		to = t->to;
		sc = &m->scopes[t->scope];
	}
	agent_ok = gives_agent(sc, a->out + toff);
	of[nof++] = (struct outf){ FD_TYPE, toff, tlen };
	if (to >= 0) {
		const char *name = event_type_name((enum event_type)to);

		of[0].off = a->outlen;
		of[0].len = strlen(name);
		out_add(a, name, strlen(name) + 1);
	}
	a->field = "time";
	for (int i = 0; i < m->time.nalts; i++) {
		struct val v;

		if ((mal = lookup(a, &m->time.path[i], &v)) != MAL_NONE)
			return mal;
		if (v.kind == V_ABSENT)
			continue;
		if ((mal = time_of(a, &m->time.path[i], m->time.unit[i], &v, &ms)) !=
		    MAL_NONE)
			return mal;
		len = (size_t)snprintf(tsbuf, sizeof tsbuf, "%" PRId64, ms);
		of[nof++] = (struct outf){ FD_TS, a->outlen, len };
		out_add(a, tsbuf, len + 1);
		break;
	}
	for (int f = FD_TS + 1; f < FD__COUNT; f++) {
		const struct evmap_expr *e = sc->fields[f].alts != NULL ?
		    &sc->fields[f] : &base->fields[f];

		if (e->alts == NULL)
			continue;
		if (!agent_ok && (f == FD_AGENT_ID || f == FD_AGENT_NAME ||
		    f == FD_AGENT_VERSION))
			continue;
		a->field = event_fields[f].name;
		if ((mal = eval(a, e, &present, &off, &len)) != MAL_NONE)
			return mal;
		if (present)
			of[nof++] = (struct outf){ f, off, len };
	}
	if (a->outlen > EVENT_JSON_MAX)
		return fail(a, MAL_TOO_LARGE, "the event is over %d bytes", EVENT_JSON_MAX);
	for (int i = 0; i < nof; i++) {
		kv[i].name = event_fields[of[i].field].name;
		kv[i].name_len = event_fields[of[i].field].len;
		kv[i].value = a->out + of[i].off;
		kv[i].value_len = of[i].len;
	}
	mal = event_decode_fields(ev, kv, (size_t)nof, id_ms);
	if (mal == MAL_NO_RUN_ID) {
		const struct evmap_expr *e = sc->fields[FD_RUN_ID].alts != NULL ?
		    &sc->fields[FD_RUN_ID] : &base->fields[FD_RUN_ID];

		return fail(a, mal, "no run_id for %s (run_id = %s)", a->out + toff,
		    e->src != NULL ? e->src : "not mapped");
	}
	if (mal != MAL_NONE)
		blame(a, of + 1, nof - 1, mal, sc);
	return mal;
}

static void
actx_done(struct actx *a)
{
	for (int i = 0; i < a->nparsed; i++)
		json_decref(a->parsed[i].j);
	for (int i = 0; i < a->nmore; i++)
		json_decref(a->more[i].j);
	free(a->more);
	free(a->out);
}

enum event_malformed
evmap_decode_fields(const struct evmap *m, struct event *ev,
    const struct event_field_kv *kv, size_t n, int64_t id_ms, char *why,
    size_t whylen)
{
	struct actx a;
	enum event_malformed mal;

	if (whylen > 0)
		why[0] = '\0';
	if (m == NULL)
		return event_decode_fields(ev, kv, n, id_ms);
	if (n == 0)
		return MAL_EMPTY;
	memset(&a, 0, sizeof a);
	a.m = m;
	a.kv = kv;
	a.n = n;
	a.why = why;
	a.whylen = whylen;
	mal = apply(&a, ev, id_ms);
	actx_done(&a);
	return mal;
}

enum event_malformed
evmap_decode_json(const struct evmap *m, struct event *ev, const json_t *obj,
    int64_t recv_ms, char *why, size_t whylen)
{
	struct actx a;
	enum event_malformed mal;

	if (whylen > 0)
		why[0] = '\0';
	if (m == NULL)
		return event_decode_json(ev, obj, recv_ms);
	if (!json_is_object(obj))
		return MAL_BAD_JSON;
	memset(&a, 0, sizeof a);
	a.m = m;
	a.obj = obj;
	a.why = why;
	a.whylen = whylen;
	mal = apply(&a, ev, recv_ms);
	actx_done(&a);
	return mal;
}
