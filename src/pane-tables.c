/* execmon - per-agent, per-model and per-tool tables. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textwidth.h"
#include "savedview.h"
#include "ui.h"
#include "xmalloc.h"

/* The panes of tables 0, 1, 2 (agents, models, tools) in the pane table. */
#define TABLE_PANE 5
/* At most this many rows: "+N more" goes in the title row, not over a row. */
#define TIGHT 3

static void
more(struct dash *d, struct rect r, const struct ui_list *l, const char *title)
{
	int n = ui_list_more(l), room = r.w - ui_width(title) - 2;
	char buf[32];

	if (n <= 0)
		return;
	if (r.h - 1 > TIGHT) {
		ui_more(d, r.y + 1 + l->shown, r.x, r.w, n);
		return;
	}
	/* beside the title, as much of it as there is room for */
	snprintf(buf, sizeof buf, " +%d more", n);
	if (ui_width(buf) > room)
		snprintf(buf, sizeof buf, " +%d", n);
	if (ui_width(buf) <= room)
		ui_text(d, r.y - 1, r.x + r.w - ui_width(buf), ui_width(buf), TH_DIM, buf);
}

/*
 * Table rows are drawn cell by cell from x; a cell that would not fit whole
 * before the pane's right edge is left out, with every cell after it: a cut
 * number ("352m" for 352ms) would be a wrong number, and text past the edge
 * would spill into the next pane or wrap onto the next line.
 */
struct cells {
	struct dash *d;
	int y, x, end;
};

static void
cell(struct cells *c, int width, enum theme_role role, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (c->x + width > c->end) {
		c->x = c->end;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_text(c->d, c->y, c->x, width, role, buf);
	c->x += width;
}

/* A name padded or cut (with an ellipsis) to the column's cells. */
static void
name_cell(struct cells *c, int width, enum theme_role role, const char *name)
{
	char buf[1024];

	if (c->x + width > c->end) {
		c->x = c->end;
		return;
	}
	tw_fit(name, width, c->d->utf8 ? 0 : TW_ASCII, buf, sizeof buf);
	ui_text(c->d, c->y, c->x, width, role, buf);
	c->x += width;
}

/*
 * Columns. The name column takes the width its names need (at most 40
 * cells), the number columns are kept in the order of what matters most
 * (pri 1 first) while they fit beside a name of at least 8 cells, and
 * the name then takes what is left up to its need: names are not cut
 * while there is room, and a narrow pane drops its least useful numbers
 * instead of cutting them.
 */
struct col {
	const char *head;
	int w;       /* cells, with the leading space */
	int pri;     /* 1 = kept longest */
};

/*
 * The Δ column, the change against the previous window: the last of each
 * table (its head "" marks it), shown while compare is on.
 */
#define DELTA_COL { "", 7, 1 }

/* Which columns fit (a bit each) and the name column's width in *nw. */
static unsigned
fit_cols(const struct col *cols, int ncols, struct rect r, int need, int *nw, unsigned allow)
{
	int avail = r.w - 1, used = 0, minw;
	unsigned show = 0;

	if (need > 40)
		need = 40;
	minw = need < 8 ? need : 8;
	for (int pri = 1; pri <= ncols; pri++) {
		for (int i = 0; i < ncols; i++) {
			/* the two that matter most beside a short name; the rest
			 * only while the whole name still fits */
			int namew = pri <= 2 ? minw : need;

			if ((allow & (1u << i)) == 0)
				continue; /* not among the config's columns */
			if (cols[i].pri == pri && used + cols[i].w + namew <= avail) {
				show |= 1u << i;
				used += cols[i].w;
			}
		}
	}
	*nw = avail - used < need ? avail - used : need;
	if (*nw < 4)
		*nw = 4;
	return show;
}

/*
 * Sorting: per table, tsort 0 is the figures' own order (by count), 1 the
 * name, k >= 2 the column k - 2; tdesc flips it (O cycles, I inverts, as
 * htop's sort and invert). The header marks the column.
 */
/* Where each header cell was drawn, for a mouse click to sort by it. */
static struct {
	int x0[10], x1[10], code[10], n;
} hdr[3];

static const char *arrow(const struct dash *d, int t)
{
	return d->tdesc[t] ? (d->utf8 ? "▼" : "v") : (d->utf8 ? "▲" : "^");
}

static void
header(struct dash *d, struct rect r, const char *name, int nw,
    const struct col *cols, int ncols, unsigned show, int t)
{
	struct cells h = { d, r.y, r.x + 1, r.x + r.w };
	char head[64];

	hdr[t].n = 0;
	hdr[t].x0[hdr[t].n] = h.x;
	hdr[t].code[hdr[t].n] = 1;
	snprintf(head, sizeof head, "%s%s", d->tsort[t] == 1 ? arrow(d, t) : "", name);
	cell(&h, nw, d->tsort[t] == 1 ? TH_ACCENT : TH_DIM, "%-*s", nw, head);
	hdr[t].x1[hdr[t].n++] = h.x;
	for (int i = 0; i < ncols; i++) {
		if (!(show & (1u << i)))
			continue;
		if (cols[i].head[0] == '\0') { /* not a sort column */
			cell(&h, cols[i].w, TH_DIM, " %*s", cols[i].w - 1 + (d->utf8 ? 1 : 0),
			    d->utf8 ? "Δ" : "chg");
			continue;
		}
		hdr[t].x0[hdr[t].n] = h.x;
		hdr[t].x1[hdr[t].n] = h.x + cols[i].w;
		hdr[t].code[hdr[t].n++] = i + 2;
		snprintf(head, sizeof head, "%s%s", d->tsort[t] == i + 2 ? arrow(d, t) : "",
		    cols[i].head);
		cell(&h, cols[i].w, d->tsort[t] == i + 2 ? TH_ACCENT : TH_DIM, " %*s",
		    cols[i].w - 1 + (d->tsort[t] == i + 2 && d->utf8 ? 2 : 0), head);
	}
}

int
pane_table_header_at(int t, int x)
{
	for (int k = 0; t >= 0 && t < 3 && k < hdr[t].n; k++) {
		if (x >= hdr[t].x0[k] && x < hdr[t].x1[k])
			return hdr[t].code[k];
	}
	return -1;
}

/* The value a table row sorts by in column c (c >= 0; names apart). */
static double
row_value(const struct metrics *m, int t, size_t i, int c)
{
	if (t == 0) {
		const struct agent_stats *a = &m->agents[i];
		double runs = (double)a->executions;

		switch (c) {
		case 0: return runs;
		case 1: return runs > 0 ? (double)a->completed / runs : -1;
		case 2: return a->avg_runtime_ms;
		case 3: return (double)(a->running + a->queued);
		case 4: return (double)a->cost_nusd;
		default: return runs > 0 ? (double)a->cost_nusd / runs : -1;
		}
	}
	if (t == 1) {
		const struct model_stats *s = &m->models[i];

		switch (c) {
		case 0: return (double)s->calls;
		case 1: return (double)(s->input_tokens + s->output_tokens);
		case 2: return (double)s->cost_nusd;
		case 3: return s->avg_latency_ms;
		default: return (double)s->errors;
		}
	} else {
		const struct tool_stats *s = &m->tools[i];

		switch (c) {
		case 0: return (double)s->calls;
		case 1: return s->p95_ms;
		case 2: return (double)s->errors;
		default: return (double)s->timeouts;
		}
	}
}

static const char *agent_name(const struct metrics *, size_t);
static const char *model_name(const struct metrics *, size_t);
static const char *tool_name(const struct metrics *, size_t);

struct sort_ctx {
	const struct metrics *m;
	int t, col, desc;
};

static int
cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *c = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const char *(*name)(const struct metrics *, size_t) = c->t == 0 ? agent_name :
	    c->t == 1 ? model_name : tool_name;
	int r;

	if (c->col == 1)
		r = strcmp(name(c->m, a), name(c->m, b));
	else {
		double x = row_value(c->m, c->t, a, c->col - 2);
		double y = row_value(c->m, c->t, b, c->col - 2);

		r = x < y ? -1 : x > y ? 1 : 0;
	}
	if (c->desc)
		r = -r;
	return r != 0 ? r : a < b ? -1 : a > b; /* ties: the figures' own order */
}

/* Row i of table t as shown: the index into the figures' array. */
size_t
pane_table_row(struct dash *d, int t, size_t i)
{
	static size_t *order;
	static size_t cap;
	const struct metrics *m = d->m;
	size_t n = t == 0 ? m->nagents : t == 1 ? m->nmodels : m->ntools;
	struct sort_ctx c = { m, t, d->tsort[t], d->tdesc[t] };

	if (i >= n)
		return i;
	if (d->tsort[t] == 0) /* the figures' own order, or its reverse */
		return d->tdesc[t] ? n - 1 - i : i;
	if (n > cap) {
		cap = n;
		order = xrealloc(order, cap * sizeof *order);
	}
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	qsort_r(order, n, sizeof *order, cmp_rows, &c);
	return order[i];
}

/* The widest of n names, in cells (at least the header's). */
static int
names_need(const char *head, const char *(*name)(const struct metrics *, size_t),
    const struct metrics *m, size_t n)
{
	int need = tw_width(head, 0);

	for (size_t i = 0; i < n; i++) {
		int w = tw_width(name(m, i), 0);

		if (w > need)
			need = w;
	}
	return need;
}

static const char *
agent_name(const struct metrics *m, size_t i)
{
	const struct agent_stats *a = &m->agents[i];

	return a->agent_name ? a->agent_name : a->agent_id ? a->agent_id : "(none)";
}

static const char *
model_name(const struct metrics *m, size_t i)
{
	return m->models[i].model_id ? m->models[i].model_id : "(none)";
}

static const char *
tool_name(const struct metrics *m, size_t i)
{
	return m->tools[i].tool_id ? m->tools[i].tool_id : "(none)";
}

#define SHOWN(k) (show & (1u << (k)))

/* Table t's rows as shown (sorted), known by their name. */
struct table_ctx {
	struct dash *d;
	int t;
};

static const char *
table_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct table_ctx *c = ctx;
	size_t row = pane_table_row(c->d, c->t, (size_t)i);
	const char *name = c->t == 0 ? agent_name(c->d->m, row) : c->t == 1 ?
	    model_name(c->d->m, row) : tool_name(c->d->m, row);

	(void)buf;
	(void)size;
	return name;
}

static struct ui_rows
table_rows(struct dash *d, int t)
{
	static struct table_ctx ctx[3];
	const struct metrics *m = d->m;

	ctx[t] = (struct table_ctx){ d, t };
	return (struct ui_rows){ (int)(t == 0 ? m->nagents : t == 1 ? m->nmodels : m->ntools),
	    table_key, &ctx[t] };
}

/*
 * The columns the config allows table t to show (all when it names none);
 * the last one, Δ, only while compare is on.
 */
static unsigned
allowed(const struct dash *d, int t, int ncols)
{
	unsigned a = d->views != NULL && d->views->columns[t] != 0 ? d->views->columns[t] : ~0u;

	a &= ~(1u << (ncols - 1));
	return d->mprev != NULL ? a | 1u << (ncols - 1) : a;
}

/* The index of the row called name in the previous window's table t, or -1. */
static long
prev_row(const struct dash *d, int t, const char *name)
{
	const struct metrics *p = d->mprev;
	const char *(*nm)(const struct metrics *, size_t) = t == 0 ? agent_name :
	    t == 1 ? model_name : tool_name;
	size_t n = p == NULL ? 0 : t == 0 ? p->nagents : t == 1 ? p->nmodels : p->ntools;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(nm(p, i), name) == 0)
			return (long)i;
	}
	return -1;
}

/* The Δ cell: cur against the previous window's figure of the same row. */
static void
delta_cell(struct cells *c, double cur, double prev)
{
	char buf[32];

	format_change(cur, prev, buf, sizeof buf);
	cell(c, 7, buf[0] == '+' || strcmp(buf, "new") == 0 ? TH_ACCENT :
	    buf[0] == '-' && buf[1] != '\0' ? TH_WARN : TH_DIM, " %6s", buf);
}

static void
draw_agents(struct dash *d, struct rect r, int focused)
{
	static const struct col cols[] = {
		{ "runs", 6, 1 }, { "ok%", 7, 2 }, { "avg", 8, 4 }, { "live", 5, 5 },
		{ "cost", 9, 3 }, { "$/run", 9, 6 }, DELTA_COL,
	};
	const struct metrics *m = d->m;
	int nw, nc = (int)(sizeof cols / sizeof cols[0]);
	unsigned show = fit_cols(cols, nc, r,
	    names_need("agent", agent_name, m, m->nagents), &nw, allowed(d, 0, nc));
	struct ui_list *l = &d->pane[TABLE_PANE + 0];
	struct ui_rows rows;
	int shown;

	header(d, r, "agent", nw, cols, nc, show, 0);
	rows = table_rows(d, 0);
	shown = ui_list_show(l, &rows, r.h - 1, r.h - 1 > TIGHT);
	for (int i = 0; i < shown; i++) {
		size_t row = pane_table_row(d, 0, (size_t)(l->top + i));
		const struct agent_stats *a = &m->agents[row];
		char t[32];
		double ok = a->executions ? 100.0 * (double)a->completed / (double)a->executions : -1;
		int sel = focused && l->top + i == l->sel;
		struct cells c = { d, r.y + 1 + i, r.x + 1, r.x + r.w };

		name_cell(&c, nw, sel ? TH_SELECT : TH_ACCENT, agent_name(m, row));
		if (SHOWN(0))
			cell(&c, 6, TH_NORMAL, " %5llu", (unsigned long long)a->executions);
		if (SHOWN(1) && ok >= 0)
			cell(&c, 7, ok >= 95 ? TH_OK : ok >= 80 ? TH_WARN : TH_ERR, " %5.1f%%", ok);
		else if (SHOWN(1))
			cell(&c, 7, TH_DIM, " %6s", "-");
		if (SHOWN(2))
			cell(&c, 8, TH_NORMAL, " %7s", format_dur(a->avg_runtime_ms >= 0 ?
			    (int64_t)a->avg_runtime_ms : -1, t, sizeof t));
		if (SHOWN(3))
			cell(&c, 5, TH_DIM, " %4llu", (unsigned long long)(a->running + a->queued));
		if (SHOWN(4))
			cell(&c, 9, TH_NORMAL, " %8s", format_cost(a->cost_nusd, t, sizeof t));
		if (SHOWN(5))
			cell(&c, 9, TH_DIM, " %8s", a->executions ? format_cost(a->cost_nusd /
			    (int64_t)a->executions, t, sizeof t) : "-");
		if (SHOWN(6)) {
			long p = prev_row(d, 0, agent_name(m, row));

			delta_cell(&c, (double)a->executions,
			    p < 0 ? 0 : (double)d->mprev->agents[p].executions);
		}
	}
	more(d, r, l, pane_agents.title);
}

static void
draw_models(struct dash *d, struct rect r, int focused)
{
	static const struct col cols[] = {
		{ "calls", 6, 1 }, { "tokens", 8, 3 }, { "cost", 9, 2 }, { "avg", 8, 5 },
		{ "err", 6, 4 }, DELTA_COL,
	};
	const struct metrics *m = d->m;
	int nw, nc = (int)(sizeof cols / sizeof cols[0]);
	unsigned show = fit_cols(cols, nc, r,
	    names_need("model", model_name, m, m->nmodels), &nw, allowed(d, 1, nc));
	struct ui_list *l = &d->pane[TABLE_PANE + 1];
	struct ui_rows rows;
	int shown;

	header(d, r, "model", nw, cols, nc, show, 1);
	rows = table_rows(d, 1);
	shown = ui_list_show(l, &rows, r.h - 1, r.h - 1 > TIGHT);
	for (int i = 0; i < shown; i++) {
		size_t row = pane_table_row(d, 1, (size_t)(l->top + i));
		const struct model_stats *s = &m->models[row];
		char a[32];
		int sel = focused && l->top + i == l->sel;
		enum theme_role role = sel ? TH_SELECT : TH_NORMAL;
		struct cells c = { d, r.y + 1 + i, r.x + 1, r.x + r.w };

		name_cell(&c, nw, role, model_name(m, row));
		if (SHOWN(0))
			cell(&c, 6, role, " %5llu", (unsigned long long)s->calls);
		if (SHOWN(1))
			cell(&c, 8, role, " %7s", format_count((double)(s->input_tokens +
			    s->output_tokens), a, sizeof a));
		if (SHOWN(2))
			cell(&c, 9, role, " %8s", format_cost(s->cost_nusd, a, sizeof a));
		if (SHOWN(3))
			cell(&c, 8, role, " %7s", format_dur(s->avg_latency_ms >= 0 ?
			    (int64_t)s->avg_latency_ms : -1, a, sizeof a));
		if (SHOWN(4))
			cell(&c, 6, s->errors ? TH_ERR : TH_DIM, " %5llu", (unsigned long long)s->errors);
		if (SHOWN(5)) {
			long p = prev_row(d, 1, model_name(m, row));

			delta_cell(&c, (double)s->calls, p < 0 ? 0 : (double)d->mprev->models[p].calls);
		}
	}
	more(d, r, l, pane_models.title);
	if (m->nmodels == 0)
		ui_text(d, r.y + 1, r.x + 1, r.w - 1, TH_DIM, "no llm.call events in the window");
}

static void
draw_tools(struct dash *d, struct rect r, int focused)
{
	static const struct col cols[] = {
		{ "calls", 6, 1 }, { "p95", 7, 3 }, { "err", 6, 2 }, { "t/out", 6, 4 }, DELTA_COL,
	};
	const struct metrics *m = d->m;
	int nw, nc = (int)(sizeof cols / sizeof cols[0]);
	unsigned show = fit_cols(cols, nc, r,
	    names_need("tool", tool_name, m, m->ntools), &nw, allowed(d, 2, nc));
	struct ui_list *l = &d->pane[TABLE_PANE + 2];
	struct ui_rows rows;
	int shown;

	header(d, r, "tool", nw, cols, nc, show, 2);
	rows = table_rows(d, 2);
	shown = ui_list_show(l, &rows, r.h - 1, r.h - 1 > TIGHT);
	for (int i = 0; i < shown; i++) {
		size_t row = pane_table_row(d, 2, (size_t)(l->top + i));
		const struct tool_stats *s = &m->tools[row];
		char a[32];
		int sel = focused && l->top + i == l->sel;
		enum theme_role role = sel ? TH_SELECT : TH_NORMAL;
		struct cells c = { d, r.y + 1 + i, r.x + 1, r.x + r.w };

		name_cell(&c, nw, role, tool_name(m, row));
		if (SHOWN(0))
			cell(&c, 6, role, " %5llu", (unsigned long long)s->calls);
		if (SHOWN(1))
			cell(&c, 7, role, " %6s", format_dur(s->p95_ms >= 0 ?
			    (int64_t)s->p95_ms : -1, a, sizeof a));
		if (SHOWN(2))
			cell(&c, 6, s->errors ? TH_ERR : TH_DIM, " %5llu", (unsigned long long)s->errors);
		if (SHOWN(3))
			cell(&c, 6, s->timeouts ? TH_WARN : TH_DIM, " %5llu", (unsigned long long)s->timeouts);
		if (SHOWN(4)) {
			long p = prev_row(d, 2, tool_name(m, row));

			delta_cell(&c, (double)s->calls, p < 0 ? 0 : (double)d->mprev->tools[p].calls);
		}
	}
	more(d, r, l, pane_tools.title);
	if (m->ntools == 0)
		ui_text(d, r.y + 1, r.x + 1, r.w - 1, TH_DIM, "no tool.call events in the window");
}

static struct ui_rows
rows_agents(struct dash *d)
{
	return table_rows(d, 0);
}

static struct ui_rows
rows_models(struct dash *d)
{
	return table_rows(d, 1);
}

static struct ui_rows
rows_tools(struct dash *d)
{
	return table_rows(d, 2);
}

const struct pane_kind pane_agents = {
	.name = "agents", .title = "Agents", .draw = draw_agents, .rows = rows_agents,
	.lead = 1,
};
const struct pane_kind pane_models = {
	.name = "models", .title = "Models (tokens, cost)", .draw = draw_models, .rows = rows_models,
	.lead = 1,
};
const struct pane_kind pane_tools = {
	.name = "tools", .title = "Tools", .draw = draw_tools, .rows = rows_tools,
	.lead = 1,
};
