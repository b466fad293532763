/* execmon - per-agent, per-model and per-tool tables. */
#include "config.h"

#include <stdio.h>

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

static void
draw_agents(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int nw = r.w - 28 > 8 ? r.w - 28 : 8;

	ui_textf(d, r.y, r.x + 1, r.w - 1, TH_DIM, "%-*s %5s %6s %7s %4s", nw, "agent", "runs",
	    "ok%", "avg", "live");
	scroll_fix(d, 5, (int)m->nagents, r.h - 1);
	for (int i = 0; i < r.h - 1 && d->top[5] + i < (int)m->nagents; i++) {
		const struct agent_stats *a = &m->agents[d->top[5] + i];
		char t[32];
		double ok = a->executions ? 100.0 * (double)a->completed / (double)a->executions : -1;
		int sel = focused && d->top[5] + i == d->sel[5];
		int x = r.x + 1, y = r.y + 1 + i;

		x += ui_textf(d, y, x, nw + 1, sel ? TH_SELECT : TH_ACCENT, "%-*.*s ", nw, nw,
		    a->agent_name ? a->agent_name : a->agent_id ? a->agent_id : "(none)");
		x += ui_textf(d, y, x, 6, TH_NORMAL, "%5llu ", (unsigned long long)a->executions);
		if (ok >= 0)
			x += ui_textf(d, y, x, 7, ok >= 95 ? TH_OK : ok >= 80 ? TH_WARN : TH_ERR,
			    "%5.1f%% ", ok);
		else
			x += ui_textf(d, y, x, 7, TH_DIM, "%6s ", "-");
		x += ui_textf(d, y, x, 8, TH_NORMAL, "%7s ",
		    fmt_dur(a->avg_runtime_ms >= 0 ? (int64_t)a->avg_runtime_ms : -1, t, sizeof t));
		ui_textf(d, y, x, 5, TH_DIM, "%4llu", (unsigned long long)(a->running + a->queued));
	}
}

static void
draw_models(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int nw = r.w - 31 > 8 ? r.w - 31 : 8;

	ui_textf(d, r.y, r.x + 1, r.w - 1, TH_DIM, "%-*s %5s %7s %8s %7s", nw, "model", "calls",
	    "tokens", "cost", "avg");
	scroll_fix(d, 6, (int)m->nmodels, r.h - 1);
	for (int i = 0; i < r.h - 1 && d->top[6] + i < (int)m->nmodels; i++) {
		const struct model_stats *s = &m->models[d->top[6] + i];
		char a[32], b[32], c[32];
		int sel = focused && d->top[6] + i == d->sel[6];

		ui_textf(d, r.y + 1 + i, r.x + 1, r.w - 1, sel ? TH_SELECT : TH_NORMAL,
		    "%-*.*s %5llu %7s %8s %7s", nw, nw, s->model_id, (unsigned long long)s->calls,
		    fmt_count((double)(s->input_tokens + s->output_tokens), a, sizeof a),
		    fmt_cost(s->cost_nusd, b, sizeof b),
		    fmt_dur(s->avg_latency_ms >= 0 ? (int64_t)s->avg_latency_ms : -1, c, sizeof c));
	}
	if (m->nmodels == 0)
		ui_text(d, r.y + 1, r.x + 1, r.w - 1, TH_DIM, "no llm.call events in the window");
}

static void
draw_tools(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int nw = r.w - 28 > 8 ? r.w - 28 : 8;

	ui_textf(d, r.y, r.x + 1, r.w - 1, TH_DIM, "%-*s %5s %6s %5s %6s", nw, "tool", "calls",
	    "p95", "err", "t/out");
	scroll_fix(d, 7, (int)m->ntools, r.h - 1);
	for (int i = 0; i < r.h - 1 && d->top[7] + i < (int)m->ntools; i++) {
		const struct tool_stats *s = &m->tools[d->top[7] + i];
		char a[32];
		int sel = focused && d->top[7] + i == d->sel[7];
		int x = r.x + 1, y = r.y + 1 + i;

		x += ui_textf(d, y, x, nw + 13, sel ? TH_SELECT : TH_NORMAL, "%-*.*s %5llu %6s ", nw, nw,
		    s->tool_id, (unsigned long long)s->calls,
		    fmt_dur(s->p95_ms >= 0 ? (int64_t)s->p95_ms : -1, a, sizeof a));
		x += ui_textf(d, y, x, 6, s->errors ? TH_ERR : TH_DIM, "%5llu ",
		    (unsigned long long)s->errors);
		ui_textf(d, y, x, 6, s->timeouts ? TH_WARN : TH_DIM, "%5llu",
		    (unsigned long long)s->timeouts);
	}
	if (m->ntools == 0)
		ui_text(d, r.y + 1, r.x + 1, r.w - 1, TH_DIM, "no tool.call events in the window");
}

const struct pane_kind pane_agents = { .name = "agents", .title = "Agents", .draw = draw_agents };
const struct pane_kind pane_models = { .name = "models", .title = "Models (tokens, cost)", .draw = draw_models };
const struct pane_kind pane_tools = { .name = "tools", .title = "Tools", .draw = draw_tools };
