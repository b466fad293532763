/* execmon - top errors: failures grouped by class and normalised message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "errors-int.h"
#include "event.h"
#include "filter.h"
#include "map.h"
#include "store.h"
#include "xmalloc.h"

/* The contract (what counts, bounds, order, lifetime) is in errors.h. */

static const char *const where_names[ERRW__COUNT] = { "run", "llm", "tool" };

const char *
errors_where_name(enum errors_where w)
{
	return (unsigned)w < ERRW__COUNT ? where_names[w] : "?";
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
	struct map *own;       /* errors_acc: copies of what is borrowed */
	size_t *touched;       /* errors_acc: groups the run counted in */
	size_t ntouched, captouched;
};

/* What a group borrows from r: with c->own, a copy that outlives r. */
static const char *
keep(struct ctx *c, const char *s)
{
	char *copy;

	if (c->own == NULL || s == NULL)
		return s;
	if ((copy = map_get(c->own, s)) != NULL)
		return copy;
	copy = xstrdup(s);
	map_put(c->own, copy, copy);
	return copy;
}

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
		if (c->own != NULL) {
			if (c->ntouched == c->captouched) {
				c->captouched = c->captouched ? 2 * c->captouched : 8;
				c->touched = xreallocarray(c->touched,
				    c->captouched, sizeof *c->touched);
			}
			c->touched[c->ntouched++] = i;
		}
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
			g->first_run = keep(c, r->id);
		}
	}
	names_add(&g->agents, keep(c, r->agent_name != NULL ? r->agent_name :
	    r->agent_id));
	names_add(&g->models, keep(c, o->model));
	names_add(&g->tools, keep(c, o->tool));
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

/* Count what r shows in (from, now] when it passes f. */
static void
visit(struct ctx *c, const struct run *r, const struct filter *f)
{
	struct error_group *g;
	struct occ o;
	int64_t now_ms = c->e->now_ms, from = now_ms - c->e->window_ms;
	uint32_t logged = (1u << EV_LLM_CALL) | (1u << EV_TOOL_CALL);
	size_t lo, hi, mid, at;

	if (r->first_ms > now_ms || r->last_ms <= from ||
	    (f != NULL && !filter_match(f, r)))
		return;
	if (r->status == RUN_FAILED && r->finished_ms > from &&
	    r->finished_ms <= now_ms) {
		run_occ(r, &o);
		g = add(c, r, &o);
		for (at = 0; g != NULL && at < r->nlog; at++) {
			struct occ t;

			if (r->log[at].type == EV_TOOL_CALL &&
			    log_occ(r, at, &t))
				names_add(&g->tools, keep(c, t.tool));
		}
	}
	if (!(r->types & logged))
		return;
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
			add(c, r, &o);
	}
}

static void
ctx_init(struct ctx *c, int64_t now_ms, int64_t window_ms)
{
	memset(c, 0, sizeof *c);
	c->e = xcalloc(1, sizeof *c->e);
	c->index = map_create();
	c->e->now_ms = now_ms;
	c->e->window_ms = window_ms;
}

/* The groups in order; the context is done with. */
static struct errors *
ctx_finish(struct ctx *c)
{
	struct errors *e = c->e;

	if (e->ngroups > 1)
		qsort(e->groups, e->ngroups, sizeof *e->groups, group_cmp);
	map_free(c->index);
	free(c->last_run);
	c->e = NULL;
	c->index = NULL;
	c->last_run = NULL;
	return e;
}

struct errors *
errors_compute(const struct store *st, const struct filter *f, int64_t now_ms,
    int64_t window_ms)
{
	return errors_compute_from(st, f, now_ms, window_ms, NULL);
}

struct errors_acc {
	struct ctx c;
	struct map *copies;    /* c.own while runs are added: freed last */
	int bad;               /* the answer may differ from every run held */
};

struct errors_acc *
errors_acc_create(int64_t now_ms, int64_t window_ms)
{
	struct errors_acc *a = xcalloc(1, sizeof *a);

	ctx_init(&a->c, now_ms, window_ms);
	a->c.own = a->copies = map_create();
	return a;
}

void
errors_acc_add(struct errors_acc *a, const struct run *r)
{
	if (a->c.e == NULL) {
		a->bad = 1;
		return;
	}
	a->c.ntouched = 0;
	visit(&a->c, r, NULL);
	/* r goes: a run at its address later is another run */
	for (size_t i = 0; i < a->c.ntouched; i++)
		a->c.last_run[a->c.touched[i]] = NULL;
	a->c.ntouched = 0;
}

int
errors_acc_exact(const struct errors_acc *a)
{
	return a == NULL || !a->bad;
}

void
errors_acc_free(struct errors_acc *a)
{
	size_t i = 0;
	const char *k;
	void *v;

	if (a == NULL)
		return;
	if (a->c.e != NULL)
		errors_free(ctx_finish(&a->c));
	while (map_next(a->copies, &i, &k, &v))
		free(v);
	map_free(a->copies);
	free(a->c.touched);
	free(a);
}

struct errors *
errors_compute_from(const struct store *st, const struct filter *f,
    int64_t now_ms, int64_t window_ms, struct errors_acc *acc)
{
	struct ctx fresh, *c = &fresh;
	size_t i, n = store_nruns(st);
	uint64_t before = 0;

	if (acc != NULL && acc->c.e != NULL && acc->c.e->now_ms == now_ms &&
	    acc->c.e->window_ms == window_ms && !filter_active(f)) {
		c = &acc->c;
		before = c->e->total;
		c->own = NULL;  /* the held runs outlive the answer */
	} else {
		if (acc != NULL && (acc->c.e == NULL || acc->c.e->total > 0))
			acc->bad = 1;
		ctx_init(c, now_ms, window_ms);
	}
	for (i = 0; i < n; i++)
		visit(c, store_run_at(st, i), f);
	/* beyond the bound, which groups were made follows the visiting order */
	if (c != &fresh && before > 0 && c->e->other > 0)
		acc->bad = 1;
	return ctx_finish(c);
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

int
errors_run_gives(const struct run *r)
{
	struct occ o;

	if (r->status == RUN_FAILED)
		return 1;
	if (!(r->types & ((1u << EV_LLM_CALL) | (1u << EV_TOOL_CALL))))
		return 0;
	for (size_t i = 0; i < r->nlog; i++) {
		if ((r->log[i].type == EV_LLM_CALL ||
		    r->log[i].type == EV_TOOL_CALL) && log_occ(r, i, &o))
			return 1;
	}
	return 0;
}
