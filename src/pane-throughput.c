/* execmon - the throughput pane: finished runs per minute, rate, peak, success. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <curses.h>

#include "event.h"
#include "ui.h"
#include "xmalloc.h"

/*
 * The time axis under a chart of n minutes, the first starting at t0_ms,
 * drawn right-aligned in w columns: the first minute shown at its column,
 * the newest at the right edge, and one in the middle when there is room.
 */
static void
draw_axis(struct dash *d, int y, int x, int w, int64_t t0_ms, int n)
{
	int start = n > w ? n - w : 0, off = w - (n - start), shown = n - start;
	char t[16];

	if (n <= 0 || w < 14)
		return;
	format_hm(t0_ms + (int64_t)(n - 1) * 60000, t, sizeof t);
	ui_text(d, y, x + w - 6, 6, TH_DIM, t);
	if (shown >= 14) {
		format_hm(t0_ms + (int64_t)start * 60000, t, sizeof t);
		ui_text(d, y, x + off, 6, TH_DIM, t);
	}
	if (shown >= 28) {
		int mid = start + shown / 2;

		format_hm(t0_ms + (int64_t)mid * 60000, t, sizeof t);
		ui_text(d, y, x + off + (mid - start) - 3, 6, TH_DIM, t);
	}
}

/* The newest n minutes of m as one value a column (finished runs). */
static double *
minutes(const struct metrics *m, int n)
{
	double *v = xcalloc((size_t)(n > 0 ? n : 1), sizeof *v);
	size_t first = m->nminutes > (size_t)n ? m->nminutes - (size_t)n : 0;
	int off = n - (int)(m->nminutes - first);

	for (size_t k = metrics_minute_seek(m, first); k < m->nactive; k++)
		v[off + (m->active[k].t0 - m->minute0_ms) / 60000 - (int64_t)first] =
		    (double)m->active[k].finished;
	return v;
}

/* Compare: the previous window's runs and success, and the change. */
static void
prev_line(struct dash *d, int y, int x, int w)
{
	const struct metrics *m = d->m, *p = d->mprev;
	char a[32];
	int used;

	used = ui_textf(d, y, x, w, TH_DIM, "prev %llu runs ", (unsigned long long)p->total);
	used += ui_textf(d, y, x + used, w - used, TH_ACCENT, "%s",
	    format_change((double)m->total, (double)p->total, a, sizeof a));
	if (p->total > 0) {
		double rate = 100.0 * (double)p->completed / (double)p->total;

		used += ui_textf(d, y, x + used, w - used, TH_DIM, "  ok %.1f%%", rate);
		if (m->total > 0)
			ui_textf(d, y, x + used, w - used, TH_DIM, " %+.1fpt",
			    100.0 * (double)m->completed / (double)m->total - rate);
	}
}

static void
draw(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	double *v, *pv;
	char a[32], b[32];
	int n, x;
	double rate = m->total ? 100.0 * (double)m->completed / (double)m->total : -1;
	uint64_t last = m->nminutes > 1 ?
	    metrics_minute(m, m->nminutes - 2).finished : 0;
	size_t first;

	(void)focused;
	/* The chart shows the newest minutes, one a column: only those. */
	n = m->nminutes < (size_t)(r.w > 2 ? r.w - 2 : 1) ? (int)m->nminutes :
	    (r.w > 2 ? r.w - 2 : 1);
	first = m->nminutes - (size_t)n;
	v = minutes(m, n);
	pv = d->mprev != NULL ? minutes(d->mprev, n) : NULL;
	x = r.x + 1;
	x += ui_text(d, r.y, x, r.w - 1, TH_DIM, "last min ");
	x += ui_textf(d, r.y, x, r.w - (x - r.x), TH_ACCENT, "%llu", (unsigned long long)last);
	x += ui_text(d, r.y, x, r.w - (x - r.x), TH_DIM, "  avg ");
	x += ui_textf(d, r.y, x, r.w - (x - r.x), TH_ACCENT, "%s/min",
	    format_count(m->window_ms ? (double)m->total * 60000.0 / (double)m->window_ms : 0, a, sizeof a));
	x += ui_text(d, r.y, x, r.w - (x - r.x), TH_DIM, "  ok ");
	if (rate >= 0)
		ui_textf(d, r.y, x, r.w - (x - r.x), rate >= 95 ? TH_OK : rate >= 80 ? TH_WARN : TH_ERR,
		    "%.1f%%", rate);
	else
		ui_text(d, r.y, x, r.w - (x - r.x), TH_DIM, "-");
	if (r.h >= 4) {
		/* the chart, a time axis under it, and the peak */
		struct rect c = { r.y + 1, r.x + 1, r.h - 3, r.w - 2 };

		ui_chart_vs(d, c, v, pv, n, TH_SPARK);
		draw_axis(d, r.y + r.h - 2, c.x, c.w,
		    m->minute0_ms + (int64_t)first * 60000, n);
	} else if (r.h >= 3) {
		struct rect c = { r.y + 1, r.x + 1, r.h - 2, r.w - 2 };

		ui_chart_vs(d, c, v, pv, n, TH_SPARK);
	}
	if (r.h >= 2 && pv != NULL)
		prev_line(d, r.y + r.h - 1, r.x + 1, r.w - 1);
	else if (r.h >= 2)
		ui_textf(d, r.y + r.h - 1, r.x + 1, r.w - 1, TH_DIM, "peak %llu/min at %s",
		    (unsigned long long)m->peak_per_minute,
		    m->peak_ms ? format_hm(m->peak_ms, b, sizeof b) : "-");
	free(v);
	free(pv);
}

const struct pane_kind pane_throughput = {
	.name = "throughput",
	.title = "Throughput (finished / min)",
	.draw = draw,
};
