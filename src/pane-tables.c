/* execmon - per-agent, per-model and per-tool tables. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "textwidth.h"
#include "ui.h"

static void
scroll_fix(struct dash *d, int idx, int n, int h)
{
	if (d->sel[idx] >= n)
		d->sel[idx] = n > 0 ? n - 1 : 0;
	if (d->sel[idx] < d->top[idx])
		d->top[idx] = d->sel[idx];
	if (d->sel[idx] >= d->top[idx] + h)
		d->top[idx] = d->sel[idx] - h + 1;
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

/* Width of the name column: what the number columns (total) leave, at least 8. */
static int
name_width(struct rect r, int total)
{
	return r.w - 1 - total > 8 ? r.w - 1 - total : 8;
}

static void
draw_agents(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int nw = name_width(r, 6 + 7 + 8 + 5);
	struct cells h = { d, r.y, r.x + 1, r.x + r.w };

	cell(&h, nw, TH_DIM, "%-*s", nw, "agent");
	cell(&h, 6, TH_DIM, " %5s", "runs");
	cell(&h, 7, TH_DIM, " %6s", "ok%");
	cell(&h, 8, TH_DIM, " %7s", "avg");
	cell(&h, 5, TH_DIM, " %4s", "live");
	scroll_fix(d, 5, (int)m->nagents, r.h - 1);
	for (int i = 0; i < r.h - 1 && d->top[5] + i < (int)m->nagents; i++) {
		const struct agent_stats *a = &m->agents[d->top[5] + i];
		char t[32];
		double ok = a->executions ? 100.0 * (double)a->completed / (double)a->executions : -1;
		int sel = focused && d->top[5] + i == d->sel[5];
		struct cells c = { d, r.y + 1 + i, r.x + 1, r.x + r.w };

		name_cell(&c, nw, sel ? TH_SELECT : TH_ACCENT,
		    a->agent_name ? a->agent_name : a->agent_id ? a->agent_id : "(none)");
		cell(&c, 6, TH_NORMAL, " %5llu", (unsigned long long)a->executions);
		if (ok >= 0)
			cell(&c, 7, ok >= 95 ? TH_OK : ok >= 80 ? TH_WARN : TH_ERR, " %5.1f%%", ok);
		else
			cell(&c, 7, TH_DIM, " %6s", "-");
		cell(&c, 8, TH_NORMAL, " %7s",
		    fmt_dur(a->avg_runtime_ms >= 0 ? (int64_t)a->avg_runtime_ms : -1, t, sizeof t));
		cell(&c, 5, TH_DIM, " %4llu", (unsigned long long)(a->running + a->queued));
	}
}

static void
draw_models(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int nw = name_width(r, 6 + 8 + 9 + 8);
	struct cells h = { d, r.y, r.x + 1, r.x + r.w };

	cell(&h, nw, TH_DIM, "%-*s", nw, "model");
	cell(&h, 6, TH_DIM, " %5s", "calls");
	cell(&h, 8, TH_DIM, " %7s", "tokens");
	cell(&h, 9, TH_DIM, " %8s", "cost");
	cell(&h, 8, TH_DIM, " %7s", "avg");
	scroll_fix(d, 6, (int)m->nmodels, r.h - 1);
	for (int i = 0; i < r.h - 1 && d->top[6] + i < (int)m->nmodels; i++) {
		const struct model_stats *s = &m->models[d->top[6] + i];
		char a[32], b[32], t[32];
		int sel = focused && d->top[6] + i == d->sel[6];
		enum theme_role role = sel ? TH_SELECT : TH_NORMAL;
		struct cells c = { d, r.y + 1 + i, r.x + 1, r.x + r.w };

		name_cell(&c, nw, role, s->model_id ? s->model_id : "(none)");
		cell(&c, 6, role, " %5llu", (unsigned long long)s->calls);
		cell(&c, 8, role, " %7s",
		    fmt_count((double)(s->input_tokens + s->output_tokens), a, sizeof a));
		cell(&c, 9, role, " %8s", fmt_cost(s->cost_nusd, b, sizeof b));
		cell(&c, 8, role, " %7s",
		    fmt_dur(s->avg_latency_ms >= 0 ? (int64_t)s->avg_latency_ms : -1, t, sizeof t));
	}
	if (m->nmodels == 0)
		ui_text(d, r.y + 1, r.x + 1, r.w - 1, TH_DIM, "no llm.call events in the window");
}

static void
draw_tools(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int nw = name_width(r, 6 + 7 + 6 + 6);
	struct cells h = { d, r.y, r.x + 1, r.x + r.w };

	cell(&h, nw, TH_DIM, "%-*s", nw, "tool");
	cell(&h, 6, TH_DIM, " %5s", "calls");
	cell(&h, 7, TH_DIM, " %6s", "p95");
	cell(&h, 6, TH_DIM, " %5s", "err");
	cell(&h, 6, TH_DIM, " %5s", "t/out");
	scroll_fix(d, 7, (int)m->ntools, r.h - 1);
	for (int i = 0; i < r.h - 1 && d->top[7] + i < (int)m->ntools; i++) {
		const struct tool_stats *s = &m->tools[d->top[7] + i];
		char a[32];
		int sel = focused && d->top[7] + i == d->sel[7];
		enum theme_role role = sel ? TH_SELECT : TH_NORMAL;
		struct cells c = { d, r.y + 1 + i, r.x + 1, r.x + r.w };

		name_cell(&c, nw, role, s->tool_id ? s->tool_id : "(none)");
		cell(&c, 6, role, " %5llu", (unsigned long long)s->calls);
		cell(&c, 7, role, " %6s", fmt_dur(s->p95_ms >= 0 ? (int64_t)s->p95_ms : -1, a, sizeof a));
		cell(&c, 6, s->errors ? TH_ERR : TH_DIM, " %5llu", (unsigned long long)s->errors);
		cell(&c, 6, s->timeouts ? TH_WARN : TH_DIM, " %5llu", (unsigned long long)s->timeouts);
	}
	if (m->ntools == 0)
		ui_text(d, r.y + 1, r.x + 1, r.w - 1, TH_DIM, "no tool.call events in the window");
}

const struct pane_kind pane_agents = { .name = "agents", .title = "Agents", .draw = draw_agents };
const struct pane_kind pane_models = { .name = "models", .title = "Models (tokens, cost)", .draw = draw_models };
const struct pane_kind pane_tools = { .name = "tools", .title = "Tools", .draw = draw_tools };
