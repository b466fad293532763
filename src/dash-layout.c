/* execmon - the dashboard's layout: the pane and view tables, where the panes go, the picker. */
#include "config.h"

#include <stdio.h>

#include <curses.h>

#include "source.h"
#include "ui.h"

/* The pane table: adding a pane is one file and one line here. */
static const struct pane_kind *const pane_table[] = {
	&pane_runs, &pane_throughput, &pane_latency, &pane_queues,
	&pane_anomalies, &pane_agents, &pane_models, &pane_tools,
	&pane_budgets,
};
#define NPANES ((int)(sizeof pane_table / sizeof pane_table[0]))

/* Pane rectangles for this size; returns how many. */
static int
layout(int H, int W, struct rect *r, int budgets)
{
	int ch = H - 3, y = 2, n = 0;

	if (W >= 160) {
		int h1 = ch * 2 / 5, h2 = ch * 3 / 10;
		int wr = W * 62 / 100, w3 = (W - 2) / 3;

		r[n++] = (struct rect){ y, 0, h1, wr };                 /* runs */
		r[n++] = (struct rect){ y + h1, 0, h2, w3 };            /* throughput */
		r[n++] = (struct rect){ y + h1, w3 + 1, h2, w3 };       /* latency */
		r[n++] = (struct rect){ y, wr + 1, h1, W - wr - 1 };    /* queues */
		if (budgets > 0) { /* the budgets under the queues, on wide screens */
			int hb = budgets + 1 < h1 / 2 ? budgets + 1 : h1 / 2;

			r[n - 1].h = h1 - hb;
			r[8] = (struct rect){ y + h1 - hb, wr + 1, hb, W - wr - 1 };
		}
		r[n++] = (struct rect){ y + h1, 2 * w3 + 2, h2, W - 2 * w3 - 2 }; /* anomalies */
		y += h1 + h2;
	} else {
		int h4 = ch * 22 / 100 < 4 ? 4 : ch * 22 / 100;
		int h3 = ch * 18 / 100 < 5 ? 5 : ch * 18 / 100;
		int h2 = ch / 4 < 6 ? 6 : ch / 4;
		int h1 = ch - h2 - h3 - h4;
		int half = (W - 1) / 2, q = W * 35 / 100;

		r[n++] = (struct rect){ y, 0, h1, W };
		r[n++] = (struct rect){ y + h1, 0, h2, half };
		r[n++] = (struct rect){ y + h1, half + 1, h2, W - half - 1 };
		r[n++] = (struct rect){ y + h1 + h2, 0, h3, q };
		r[n++] = (struct rect){ y + h1 + h2, q + 1, h3, W - q - 1 };
		y += h1 + h2 + h3;
	}
	{
		int w3 = (W - 2) / 3, h = H - 1 - y;

		r[n++] = (struct rect){ y, 0, h, w3 };
		r[n++] = (struct rect){ y, w3 + 1, h, w3 };
		r[n++] = (struct rect){ y, 2 * w3 + 2, h, W - 2 * w3 - 2 };
	}
	return W >= 160 && budgets > 0 ? n + 1 : n;
}

/* The dashboard pane under the screen cell (y, x): its index, or -1. */
int
layout_pane_at(struct dash *d, int y, int x, struct rect *out)
{
	struct rect r[PANES_MAX];
	int n = layout(LINES, COLS, r, dash_budgets_count(d));

	for (int i = 0; i < n && i < NPANES; i++) {
		if (y >= r[i].y && y < r[i].y + r[i].h && x >= r[i].x && x < r[i].x + r[i].w) {
			*out = r[i];
			return i;
		}
	}
	return -1;
}

static void
draw_dash(struct dash *d, int H, int W)
{
	struct rect r[PANES_MAX];
	int n = layout(H, W, r, dash_budgets_count(d)), tw, down = dash_sources_down(NULL, 0) > 0;

	d->npanes_shown = n < NPANES ? n : NPANES;

	for (int i = 0; i < n && i < NPANES; i++) {
		const struct pane_kind *pk = pane_table[i];
		int focused = d->focus == i && d->overlay == OV_NONE;
		struct rect c = { r[i].y + 1, r[i].x, r[i].h - 1, r[i].w };

		d->pane[i].lead = pk->lead;
		ui_blank(r[i].y, r[i].x, r[i].w);
		tw = ui_textf(d, r[i].y, r[i].x, r[i].w, focused ? TH_FOCUS : TH_TITLE, " %s ",
		    pk->title);
		if (down)
			ui_text(d, r[i].y, r[i].x + tw, r[i].w - tw, TH_WARN, " stale ");
		if (c.h > 0)
			pk->draw(d, c, focused);
	}
}

/* The dashboard as a view: the panes; keys move in the focused pane. */
static void
dashboard_draw(struct dash *d, struct rect body)
{
	draw_dash(d, body.y + body.h + 1, body.w);
}

struct ui_rows
layout_pane_rows(struct dash *d, int i)
{
	if (i < 0 || i >= NPANES || pane_table[i]->rows == NULL || d->m == NULL)
		return (struct ui_rows){ 0, NULL, NULL };
	return pane_table[i]->rows(d);
}

static void
dashboard_move(struct dash *d, int delta)
{
	struct ui_rows rows = layout_pane_rows(d, d->focus);

	if (d->focus >= 0 && d->focus < PANES_MAX)
		ui_list_move(&d->pane[d->focus], &rows, delta);
}

static struct reaction
dashboard_enter(struct dash *d)
{
	struct reaction re = react(0);
	struct run *r;

	if (d->focus != 0)
		return enter_row(d);
	if ((r = dash_selected_run(d)) == NULL)
		react_say(&re, "no run selected");
	else
		react_open(&re, RE_OPEN_LOG, r->id);
	return re;
}

const struct view_kind view_dashboard = {
	.name = "dashboard",
	.draw = dashboard_draw,
	.step = dashboard_move,
	.enter = dashboard_enter,
	.selected = dash_selected_run,
};

/* The view table: adding a view is one file with its kind and one line here. */
const struct view_kind *const view_kinds[VIEW__COUNT] = {
	[VIEW_DASH] = &view_dashboard,
	[VIEW_LOG] = &view_runlog,
	[VIEW_TRACE] = &view_trace,
	[VIEW_RECENT] = &view_recent,
	[VIEW_ERRORS] = &view_errors,
	[VIEW_ALERTS] = &view_alerts,
};

void
dash_draw_pick(struct dash *d, int H, int W)
{
	int w = W / 2 < 46 ? 46 : W / 2, h = d->pick_n + 2, shown;
	struct ui_rows rows = keys_pick_rows(d);
	struct ui_list *l = &d->pick;
	struct rect in;
	char title[80];

	if (w > W - 2)
		w = W - 2;
	if (h > H - 5)
		h = H - 5;
	snprintf(title, sizeof title, " pick %s (Enter choose, Esc cancel) ",
	    d->pick_kind == 'a' ? "an agent" : d->pick_kind == 'U' ? "a user" : d->pick_kind == 'W' ? "a workspace" :
	    d->pick_kind == 'V' ? "a saved view" : "a model");
	in = ui_box(d, (struct rect){ 3, (W - w) / 2, h, w }, title);
	shown = ui_list_show(l, &rows, in.h, 0);
	for (int i = 0; i < shown; i++)
		ui_text(d, in.y + i, in.x, in.w, l->top + i == l->sel ? TH_SELECT : TH_NORMAL,
		    d->pick_items[l->top + i]);
	/* in the bottom border */
	ui_more(d, in.y + in.h, in.x, in.w, ui_list_more(l));
}

