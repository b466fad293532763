/* execmon - the latency pane: distribution bars and percentiles of the three latencies. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "ui.h"

/* Column width of the percentiles: 7, or 6 when the pane is narrow (80 columns). */
static int
colw(int w)
{
	return w >= 6 + 5 * 8 ? 7 : 5;
}

static void
row_in(struct dash *d, int y, int x, int w, const char *name, const struct lat_stats *s,
    enum theme_role role)
{
	char p[5][16];
	const double *q[5] = { &s->p50, &s->p75, &s->p90, &s->p95, &s->p99 };
	int cw = colw(w);

	if (s->n == 0) {
		ui_textf(d, y, x, w, TH_DIM, "%-6s -", name);
		return;
	}
	for (int i = 0; i < 5; i++)
		format_dur((int64_t)(*q[i] + 0.5), p[i], sizeof p[i]);
	x += ui_textf(d, y, x, w, TH_DIM, "%-6s", name);
	ui_textf(d, y, x, w - 6, role, "%*s %*s %*s %*s %*s", cw, p[0], cw, p[1], cw, p[2],
	    cw, p[3], cw, p[4]);
}

static void
row(struct dash *d, int y, int x, int w, const char *name, const struct lat_stats *s)
{
	row_in(d, y, x, w, name, s, TH_ACCENT);
}

/*
 * Compare: the mean execution latency against the previous window's
 * (snapshot's latencyChange), then the previous window's percentiles, dim,
 * under this window's exec row. Returns the rows used.
 */
static int
compare_rows(struct dash *d, int y, int x, int w, int rows)
{
	const struct lat_stats *e = &d->m->exec, *p = &d->mprev->exec;
	char a[32], b[32], c[32];
	int used = 0, cx;

	if (rows <= 0)
		return 0;
	cx = x + ui_text(d, y, x, w, TH_DIM, "avg   ");
	cx += ui_text(d, y, cx, w - (cx - x), TH_ACCENT,
	    e->n ? format_dur((int64_t)(e->avg + 0.5), a, sizeof a) : "-");
	cx += ui_textf(d, y, cx, w - (cx - x), TH_DIM, "  prev %s ",
	    p->n ? format_dur((int64_t)(p->avg + 0.5), b, sizeof b) : "-");
	ui_text(d, y, cx, w - (cx - x), TH_ACCENT, e->n && p->n ? format_change(e->avg,
	    p->avg, c, sizeof c) : "-");
	used++;
	if (rows > 1)
		row(d, y + used++, x, w, "exec", e);
	if (rows > 2)
		row_in(d, y + used++, x, w, "prev", p, TH_DIM);
	return used;
}

/*
 * Too few rows for a bar a bucket: every bucket as "0-1s 72%", as many
 * a row as fit, so no bucket is hidden (a "+N" says so if rows run out).
 */
static void
compact_dist(struct dash *d, int y, int x, int w, int rows, uint64_t total)
{
	const struct metrics *m = d->m;
	int per = w / 10 > 0 ? w / 10 : 1, i = 0;

	for (int row = 0; row < rows && i < DIST__COUNT; row++) {
		int cx = x;

		for (int k = 0; k < per && i < DIST__COUNT; k++, i++) {
			if (row == rows - 1 && k == per - 1 && i < DIST__COUNT - 1) {
				ui_textf(d, y + row, cx, 14, TH_DIM, "+%d more", DIST__COUNT - i);
				i = DIST__COUNT;
				break;
			}
			cx += ui_textf(d, y + row, cx, 10, TH_DIM, "%s ", metrics_dist_names[i]);
			cx += ui_textf(d, y + row, cx, 10, TH_NORMAL, "%.0f%%  ",
			    total ? 100.0 * (double)m->dist[i] / (double)total : 0.0);
		}
	}
}

static void
draw(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	uint64_t total = 0, max = 0;
	int y = r.y, x = r.x + 1, w = r.w - 1, avail, nlat = 3;

	(void)focused;
	ui_textf(d, y++, x, w, TH_DIM, "%-6s%*s %*s %*s %*s %*s", "", colw(w), "p50", colw(w), "p75",
	    colw(w), "p90", colw(w), "p95", colw(w), "p99");
	/*
	 * Short of rows for a bar a bucket, the distribution goes compact
	 * (two rows) and the e2e row, then the queue row, give way to it:
	 * every bucket stays on screen.
	 */
	if (d->mprev != NULL) {
		/* compare: the averages, exec and the previous exec; then the rest */
		avail = r.y + r.h - y - 2;
		y += compare_rows(d, y, x, w, avail > 3 ? 3 : avail);
		avail = r.y + r.h - y;
		nlat = avail - DIST__COUNT >= 2 ? 2 : 0;
		if (nlat >= 2) {
			row(d, y++, x, w, "queue", &m->queue);
			row(d, y++, x, w, "e2e", &m->e2e);
		}
		nlat = 0;
	}
	avail = r.y + r.h - y;
	if (avail < 3 + DIST__COUNT && d->mprev == NULL) {
		nlat = avail - 2 < 0 ? 0 : avail - 2 > 3 ? 3 : avail - 2;
	}
	if (nlat >= 2 && y < r.y + r.h)
		row(d, y++, x, w, "queue", &m->queue);
	if (nlat >= 1 && y < r.y + r.h)
		row(d, y++, x, w, "exec", &m->exec);
	if (nlat >= 3 && y < r.y + r.h)
		row(d, y++, x, w, "e2e", &m->e2e);
	for (int i = 0; i < DIST__COUNT; i++) {
		total += m->dist[i];
		max = m->dist[i] > max ? m->dist[i] : max;
	}
	if (r.y + r.h - y < DIST__COUNT) {
		compact_dist(d, y, x, w, r.y + r.h - y, total);
		return;
	}
	for (int i = 0; i < DIST__COUNT && y < r.y + r.h; i++, y++) {
		int bw = w - 22;
		char ch[32];

		ui_textf(d, y, x, 7, TH_DIM, "%-6s", metrics_dist_names[i]);
		if (bw > 3)
			ui_bar(d, y, x + 7, bw, max ? (double)m->dist[i] / (double)max : 0, TH_BAR);
		if (d->mprev != NULL) /* compare: the count's change */
			ui_textf(d, y, x + 7 + (bw > 3 ? bw : 0) + 1, 14, TH_NORMAL, "%6llu %6s",
			    (unsigned long long)m->dist[i], format_change((double)m->dist[i],
			    (double)d->mprev->dist[i], ch, sizeof ch));
		else
			ui_textf(d, y, x + 7 + (bw > 3 ? bw : 0) + 1, 14, TH_NORMAL, "%6llu %5.1f%%",
			    (unsigned long long)m->dist[i], total ? 100.0 * (double)m->dist[i] / (double)total : 0.0);
	}
}

const struct pane_kind pane_latency = {
	.name = "latency",
	.title = "Latency (finished in window)",
	.draw = draw,
};
