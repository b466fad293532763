/* execmon - top errors: failures grouped by class and normalised message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "event.h"
#include "filter.h"
#include "map.h"
#include "store.h"
#include "xmalloc.h"

/* The contract (what counts, bounds, order, lifetime) is in errors.h. */

#define NONE_CLASS "(none)"

static const char *const where_names[ERRW__COUNT] = { "run", "llm", "tool" };

const char *
errors_where_name(enum errors_where w)
{
	return (unsigned)w < ERRW__COUNT ? where_names[w] : "?";
}

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

/* One error seen: where, class and text borrow from the store. */
struct occ {
	enum errors_where where;
	const char *class;
	const char *text;      /* raw message, NULL = none */
	int64_t ts_ms;
	const char *model, *tool;
};

/* The raw first line of text (like the normaliser reads it), into buf. */
static void
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
static int
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
static void
run_occ(const struct run *r, struct occ *o)
{
	memset(o, 0, sizeof *o);
	o->where = ERRW_RUN;
	o->class = r->error_class != NULL ? r->error_class : NONE_CLASS;
	o->text = r->error_message;
	o->ts_ms = r->finished_ms;
	o->model = r->model_id;
}

static void
names_add(struct errors_names *s, const char *name)
{
	int i, c;

	if (name == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		if ((c = strcmp(name, s->name[i])) == 0)
			return;
		if (c < 0)
			break;
	}
	if (s->n == ERRORS_NAMES_MAX) {
		s->more = 1;
		if (i == s->n)
			return;
		s->n--;
	}
	memmove(&s->name[i + 1], &s->name[i], (size_t)(s->n - i) *
	    sizeof s->name[0]);
	s->name[i] = name;
	s->n++;
}

struct ctx {
	struct errors *e;
	struct map *index;     /* key -> group index + 1 */
	const struct run **last_run; /* per group: the run last counted */
	size_t cap;
	char norm[ERRORS_MESSAGE_MAX];
};

static void
key_of(const struct occ *o, const char *norm, char **key)
{
	xasprintf(key, "%d:%zu:%s\x1f%s", (int)o->where, strlen(o->class),
	    o->class, norm);
}

/* Count one occurrence of r; returns its group or NULL (beyond the bound). */
static struct error_group *
add(struct ctx *c, const struct run *r, const struct occ *o)
{
	struct errors *e = c->e;
	struct error_group *g;
	char *key, line[ERRORS_MESSAGE_MAX];
	void *v;
	size_t i;
	int newer;

	e->total++;
	e->by_where[o->where]++;
	errors_normalise(o->text, c->norm, sizeof c->norm);
	key_of(o, c->norm, &key);
	v = map_get(c->index, key);
	if (v == NULL) {
		if (e->ngroups == ERRORS_GROUPS_MAX) {
			e->other++;
			free(key);
			return NULL;
		}
		if (e->ngroups == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 16;
			e->groups = xrealloc(e->groups, c->cap * sizeof *e->groups);
			c->last_run = xrealloc(c->last_run, c->cap *
			    sizeof *c->last_run);
		}
		i = e->ngroups++;
		g = &e->groups[i];
		memset(g, 0, sizeof *g);
		g->where = o->where;
		g->class = xstrdup(o->class);
		g->message = xstrdup(c->norm);
		c->last_run[i] = NULL;
		map_put(c->index, key, (void *)(uintptr_t)(i + 1));
	} else
		i = (size_t)(uintptr_t)v - 1;
	free(key);
	g = &e->groups[i];
	g->count++;
	if (c->last_run[i] != r) {
		c->last_run[i] = r;
		g->runs++;
	}
	if (o->ts_ms > g->last_ms)
		g->last_ms = o->ts_ms;
	/* the example: the earliest (time, run id, text) */
	if (g->example == NULL || o->ts_ms <= g->first_ms) {
		first_line(o->text, line, sizeof line);
		newer = g->example == NULL || o->ts_ms < g->first_ms;
		if (!newer) {
			int cmp = strcmp(r->id, g->first_run);

			newer = cmp < 0 || (cmp == 0 && strcmp(line, g->example) < 0);
		}
		if (newer) {
			free(g->example);
			g->example = xstrdup(line);
			g->first_ms = o->ts_ms;
			g->first_run = r->id;
		}
	}
	names_add(&g->agents, r->agent_name != NULL ? r->agent_name :
	    r->agent_id);
	names_add(&g->models, o->model);
	names_add(&g->tools, o->tool);
	return g;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct error_group *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->last_ms != y->last_ms)
		return x->last_ms > y->last_ms ? -1 : 1;
	if (x->where != y->where)
		return x->where < y->where ? -1 : 1;
	if ((c = strcmp(x->class, y->class)) != 0)
		return c;
	return strcmp(x->message, y->message);
}

struct errors *
errors_compute(const struct store *st, const struct filter *f, int64_t now_ms,
    int64_t window_ms)
{
	struct ctx c;
	struct errors *e = xcalloc(1, sizeof *e);
	struct error_group *g;
	struct occ o;
	int64_t from = now_ms - window_ms;
	uint32_t logged = (1u << EV_LLM_CALL) | (1u << EV_TOOL_CALL);
	size_t i, n = store_nruns(st), lo, hi, mid, at;

	memset(&c, 0, sizeof c);
	c.e = e;
	c.index = map_create();
	e->now_ms = now_ms;
	e->window_ms = window_ms;
	for (i = 0; i < n; i++) {
		const struct run *r = store_run_at(st, i);

		if (r->first_ms > now_ms || r->last_ms <= from ||
		    (f != NULL && !filter_match(f, r)))
			continue;
		if (r->status == RUN_FAILED && r->finished_ms > from &&
		    r->finished_ms <= now_ms) {
			run_occ(r, &o);
			g = add(&c, r, &o);
			for (at = 0; g != NULL && at < r->nlog; at++) {
				struct occ t;

				if (r->log[at].type == EV_TOOL_CALL &&
				    log_occ(r, at, &t))
					names_add(&g->tools, t.tool);
			}
		}
		if (!(r->types & logged))
			continue;
		lo = 0;
		hi = r->first_ms > from ? 0 : r->nlog;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (r->log[mid].ts_ms <= from)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (at = lo; at < r->nlog && r->log[at].ts_ms <= now_ms; at++) {
			if (log_occ(r, at, &o))
				add(&c, r, &o);
		}
	}
	if (e->ngroups > 1)
		qsort(e->groups, e->ngroups, sizeof *e->groups, group_cmp);
	map_free(c.index);
	free(c.last_run);
	return e;
}

void
errors_free(struct errors *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->ngroups; i++) {
		free(e->groups[i].class);
		free(e->groups[i].message);
		free(e->groups[i].example);
	}
	free(e->groups);
	free(e);
}

/* Whether o is an occurrence of g. */
static int
occ_is(const struct occ *o, const struct error_group *g)
{
	char norm[ERRORS_MESSAGE_MAX];

	if (o->where != g->where || strcmp(o->class, g->class) != 0)
		return 0;
	errors_normalise(o->text, norm, sizeof norm);
	return strcmp(norm, g->message) == 0;
}

int
errors_run_matches(const struct run *r, const struct error_group *g)
{
	struct occ o;
	size_t i;

	if (r == NULL || g == NULL)
		return 0;
	if (g->where == ERRW_RUN) {
		if (r->status != RUN_FAILED)
			return 0;
		run_occ(r, &o);
		return occ_is(&o, g);
	}
	for (i = 0; i < r->nlog; i++) {
		if (r->log[i].type != (g->where == ERRW_LLM ? EV_LLM_CALL :
		    EV_TOOL_CALL))
			continue;
		if (log_occ(r, i, &o) && occ_is(&o, g))
			return 1;
	}
	return 0;
}

/* Whether o's class (and message, when spec has one) are spec's. */
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

/* ---- JSON ---- */

static json_t *
jstr(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

static json_t *
jtime(int64_t ms)
{
	char buf[64];

	if (ms <= 0)
		return json_null();
	event_format_time(ms, buf, sizeof buf);
	return json_string(buf);
}

static json_t *
jcount(uint64_t n)
{
	return json_integer(n > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)n);
}

static void
jnames(json_t *o, const char *key, const char *more_key,
    const struct errors_names *s)
{
	json_t *a = json_array();

	for (int i = 0; i < s->n; i++)
		json_array_append_new(a, jstr(s->name[i]));
	json_object_set_new(o, key, a);
	json_object_set_new(o, more_key, json_boolean(s->more));
}

json_t *
errors_json(const struct errors *e, size_t max)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < e->ngroups && (max == 0 || i < max); i++) {
		const struct error_group *g = &e->groups[i];

		o = json_object();
		json_object_set_new(o, "where", json_string(errors_where_name(g->where)));
		json_object_set_new(o, "errorClass", jstr(g->class));
		json_object_set_new(o, "message", jstr(g->message));
		json_object_set_new(o, "example", jstr(g->example));
		json_object_set_new(o, "count", jcount(g->count));
		json_object_set_new(o, "runs", jcount(g->runs));
		json_object_set_new(o, "firstSeen", jtime(g->first_ms));
		json_object_set_new(o, "lastSeen", jtime(g->last_ms));
		json_object_set_new(o, "firstRunId", jstr(g->first_run));
		jnames(o, "agents", "moreAgents", &g->agents);
		jnames(o, "models", "moreModels", &g->models);
		jnames(o, "tools", "moreTools", &g->tools);
		json_array_append_new(arr, o);
	}
	return arr;
}
