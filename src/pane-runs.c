/* execmon - the live runs pane: progress, elapsed, ETA, agent, trace, status. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "textwidth.h"
#include "ui.h"

/*
 * Ticking times in whole seconds: a value that changes every frame costs
 * bytes over SSH on every frame for nothing anyone can read.
 */
static char *
fmt_tick(int64_t ms, char *buf, size_t size)
{
	if (ms >= 0 && ms < 60000) {
		snprintf(buf, size, "%llds", (long long)(ms / 1000));
		return buf;
	}
	return format_dur(ms, buf, size);
}

/*
 * A live run's status on screen: its own, or, looking back, what it was
 * then (the list it is in), not how it ended later.
 */
static enum run_status
shown_status(const struct dash *d, const struct live_run *lr)
{
	const struct run *r = lr->run;

	if (d->asof_ms == 0)
		return r->status;
	/* live then: started by then (running), else queued */
	return r->started_ms > 0 && r->started_ms <= d->m->now_ms ? RUN_RUNNING : RUN_QUEUED;
}

static void
draw(struct dash *d, struct rect r, int focused)
{
	struct ui_rows rows = dash_runs_rows(d);
	const struct live_run *const *v = rows.ctx;
	struct ui_list *l = &d->pane[0];
	int n = rows.n, shown;
	int wide = r.w >= 110, stale = dash_sources_down(NULL, 0) > 0;
	int idw = wide ? 16 : 12, agw = wide ? 14 : 10, barw = wide ? 16 : 10;

	if (n == 0) {
		ui_text(d, r.y, r.x + 1, r.w - 1, TH_DIM, filter_active(&d->filter) ?
		    "no running or queued runs match the filter" : "no running or queued runs");
		return;
	}
	/* the same run stays selected as runs come and go */
	shown = ui_list_show(l, &rows, r.h, 1);
	for (int i = 0; i < shown; i++) {
		const struct live_run *lr = v[l->top + i];
		const struct run *run = lr->run;
		int y = r.y + i, x = r.x, selected = focused && l->top + i == l->sel;
		enum theme_role base = selected ? TH_SELECT : TH_NORMAL;
		char id[128], agent[128], trace[64], a[32], b[32];
		int ascii = d->utf8 ? 0 : TW_ASCII;
		double frac = -1;

		if (selected)
			ui_blank(y, r.x, r.w), attrset(ui_attr(d, TH_SELECT)), mvhline(y, r.x, ' ', r.w);
		enum run_status st = shown_status(d, lr);

		x += ui_textf(d, y, x, 2, selected ? TH_SELECT : status_role(st), "%s ",
		    status_glyph(d, st));
		/* a long run id keeps its tail: that is what tells runs apart */
		tw_fit(run->id, idw, TW_TAIL | ascii, id, sizeof id);
		x += ui_textf(d, y, x, idw + 1, base, "%s ", id);
		tw_fit(run->agent_name ? run->agent_name : run->agent_id ? run->agent_id : "-", agw,
		    ascii, agent, sizeof agent);
		x += ui_textf(d, y, x, agw + 1, selected ? TH_SELECT : TH_ACCENT, "%s ", agent);
		if (st == RUN_QUEUED) {
			x += ui_textf(d, y, x, r.w - (x - r.x), base, "queued %-8s in %s",
			    fmt_tick(lr->elapsed_ms, a, sizeof a), run->queue ? run->queue : "default");
			if (run->priority)
				x += ui_textf(d, y, x, r.w - (x - r.x), TH_DIM, " prio %lld",
				    (long long)run->priority);
			continue;
		}
		if (run->progress >= 0)
			frac = run->progress;
		else if (lr->expected_ms > 0)
			frac = (double)lr->elapsed_ms / (double)lr->expected_ms;
		if (frac > 1 && run->progress < 0) {
			/* past its estimate: how far over, never a percentage over 100 */
			ui_bar(d, y, x, barw, 1, TH_ERR);
			x += barw;
			x += ui_textf(d, y, x, 6, TH_WARN, "%5s ", frac >= 10 ? ">10x" : "over");
		} else if (frac >= 0) {
			ui_bar(d, y, x, barw, frac > 1 ? 1 : frac, lr->flagged ? TH_ERR : TH_BAR);
			x += barw;
			x += ui_textf(d, y, x, 6, base, "%4.0f%% ", (frac > 1 ? 1 : frac) * 100);
		} else {
			x += ui_textf(d, y, x, barw + 6, TH_DIM, "%-*s", barw + 6, "  (no estimate)");
		}
		/* a source that is down stops the clock we can trust: mark the timer */
		x += ui_textf(d, y, x, 9, stale ? TH_WARN : base, "%7s%s ",
		    fmt_tick(lr->elapsed_ms, a, sizeof a), stale ? "?" : " ");
		if (lr->eta_ms > 0 && lr->eta_ms > d->now_ms)
			x += ui_textf(d, y, x, 12, TH_DIM, "eta %-7s ",
			    fmt_tick(lr->eta_ms - d->now_ms + 999, b, sizeof b));
		else if (lr->eta_ms > 0)
			x += ui_textf(d, y, x, 12, TH_WARN, "late %-6s ",
			    fmt_tick(d->now_ms - lr->eta_ms, b, sizeof b));
		else
			x += ui_textf(d, y, x, 12, TH_DIM, "%-11s ", "eta -");
		if (run->trace_id && r.w - (x - r.x) > 16) {
			tw_fit(run->trace_id, 8, TW_CLIP | ascii, trace, sizeof trace);
			x += ui_textf(d, y, x, 9, TH_DIM, "%s ", trace);
		}
		if (lr->flagged)
			ui_text(d, y, x, r.w - (x - r.x), TH_ERR,
			    d->m->flags[lr->flagged - 1].reason == FLAG_RUNAWAY_TOKENS ? "RUNAWAY" : "STUCK");
	}
	ui_more(d, r.y + shown, r.x, r.w, ui_list_more(l));
	if (n > r.h) { /* "201500/201500" needs more than 12 columns */
		char pos[32];
		int len = snprintf(pos, sizeof pos, "%d/%d", l->sel + 1, n);

		ui_text(d, r.y - 1, r.x + r.w - (len < 12 ? 12 : len + 1),
		    len < 12 ? 12 : len + 1, TH_DIM, pos);
	}
}

static struct ui_rows
rows(struct dash *d)
{
	return dash_runs_rows(d);
}

const struct pane_kind pane_runs = {
	.name = "runs",
	.title = "Live runs",
	.draw = draw,
	.rows = rows,
};
