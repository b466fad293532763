/* execmon - the throughput pane: finished runs per minute, rate, peak, success. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "event.h"
#include "ui.h"
#include "xmalloc.h"

static void
draw(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	double *v;
	char a[32], b[32];
	int n, x;
	double rate = m->total ? 100.0 * (double)m->completed / (double)m->total : -1;
	uint64_t last = m->nminutes > 1 ?
	    metrics_minute(m, m->nminutes - 2).finished : 0;
	size_t first, k;

	(void)focused;
	/* The chart shows the newest minutes, one a column: only those. */
	n = m->nminutes < (size_t)(r.w > 2 ? r.w - 2 : 1) ? (int)m->nminutes :
	    (r.w > 2 ? r.w - 2 : 1);
	first = m->nminutes - (size_t)n;
	v = xcalloc((size_t)(n > 0 ? n : 1), sizeof *v);
	for (k = metrics_minute_seek(m, first); k < m->nactive; k++)
		v[(m->active[k].t0 - m->minute0_ms) / 60000 - (int64_t)first] =
		    (double)m->active[k].finished;
	x = r.x + 1;
	x += ui_text(d, r.y, x, r.w - 1, TH_DIM, "last min ");
	x += ui_textf(d, r.y, x, r.w - (x - r.x), TH_ACCENT, "%llu", (unsigned long long)last);
	x += ui_text(d, r.y, x, r.w - (x - r.x), TH_DIM, "  avg ");
	x += ui_textf(d, r.y, x, r.w - (x - r.x), TH_ACCENT, "%s/min",
	    fmt_count(m->window_ms ? (double)m->total * 60000.0 / (double)m->window_ms : 0, a, sizeof a));
	x += ui_text(d, r.y, x, r.w - (x - r.x), TH_DIM, "  ok ");
	if (rate >= 0)
		ui_textf(d, r.y, x, r.w - (x - r.x), rate >= 95 ? TH_OK : rate >= 80 ? TH_WARN : TH_ERR,
		    "%.1f%%", rate);
	else
		ui_text(d, r.y, x, r.w - (x - r.x), TH_DIM, "-");
	if (r.h >= 3) {
		struct rect c = { r.y + 1, r.x + 1, r.h - 2, r.w - 2 };

		ui_chart(d, c, v, n, TH_SPARK);
	}
	if (r.h >= 2)
		ui_textf(d, r.y + r.h - 1, r.x + 1, r.w - 1, TH_DIM, "peak %llu/min at %s",
		    (unsigned long long)m->peak_per_minute,
		    m->peak_ms ? (event_format_time(m->peak_ms, b, sizeof b), b + 11) : "-");
	free(v);
}

const struct pane_kind pane_throughput = {
	.name = "throughput",
	.title = "Throughput (finished / min)",
	.draw = draw,
};
