/* execmon - the queues pane: depth, oldest wait, average wait, a depth sparkline. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textwidth.h"
#include "ui.h"
#include "xmalloc.h"

#define DEPTH_HISTORY 120

/* Depth samples per queue, one each time the metrics are recomputed a second apart. */
static struct {
	char name[64];
	double v[DEPTH_HISTORY];
	int n;
	int64_t last_s;
} hist[32];

static double *
history(const char *name, int64_t depth, int64_t now_ms, int *n)
{
	int free_slot = -1;

	for (int i = 0; i < 32; i++) {
		if (hist[i].name[0] == '\0') {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (strcmp(hist[i].name, name) == 0) {
			free_slot = i;
			break;
		}
	}
	if (free_slot < 0)
		return NULL;
	if (hist[free_slot].name[0] == '\0')
		snprintf(hist[free_slot].name, sizeof hist[free_slot].name, "%s", name);
	if (hist[free_slot].last_s != now_ms / 1000) {
		hist[free_slot].last_s = now_ms / 1000;
		if (hist[free_slot].n == DEPTH_HISTORY) {
			memmove(hist[free_slot].v, hist[free_slot].v + 1,
			    (DEPTH_HISTORY - 1) * sizeof hist[free_slot].v[0]);
			hist[free_slot].n--;
		}
		hist[free_slot].v[hist[free_slot].n++] = (double)depth;
	} else if (hist[free_slot].n > 0) {
		/* the same second: its sample is the depth shown now */
		hist[free_slot].v[hist[free_slot].n - 1] = (double)depth;
	}
	*n = hist[free_slot].n;
	return hist[free_slot].v;
}

/* Rows in a stable order, by name: a row does not jump as depths change. */
static int
cmp_name(const void *a, const void *b)
{
	const struct queue_stats *x = *(const struct queue_stats *const *)a;
	const struct queue_stats *y = *(const struct queue_stats *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * How a queue stands: a backlog (the oldest run has waited over a minute)
 * is amber, over five minutes red; an empty queue is dim.
 */
static enum theme_role
queue_role(const struct queue_stats *q)
{
	if (q->depth <= 0)
		return TH_DIM;
	if (q->oldest_wait_ms > 5 * 60000)
		return TH_ERR;
	if (q->oldest_wait_ms > 60000)
		return TH_WARN;
	return TH_SPARK;
}

/* The queues in name order (a few: sorted on every use). */
static struct {
	const struct queue_stats **v;
	size_t cap;
} sorted;

static const struct queue_stats **
by_name(const struct metrics *m)
{
	if (sorted.cap < m->nqueues + 1) {
		sorted.cap = m->nqueues + 1;
		sorted.v = xreallocarray(sorted.v, sorted.cap, sizeof *sorted.v);
	}
	for (size_t i = 0; i < m->nqueues; i++)
		sorted.v[i] = &m->queues[i];
	qsort(sorted.v, m->nqueues, sizeof *sorted.v, cmp_name);
	return sorted.v;
}

static const char *
queue_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct queue_stats *const *qs = ctx;

	(void)buf;
	(void)size;
	return qs[i]->name;
}

/* The rows, in name order, known by name. */
static struct ui_rows
rows_of(struct dash *d)
{
	return (struct ui_rows){ (int)d->m->nqueues, queue_key, by_name(d->m) };
}

void
pane_queues_done(void)
{
	free(sorted.v);
	memset(&sorted, 0, sizeof sorted);
}

static void
draw(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int namew = r.w >= 50 ? 14 : 9, shown;
	const struct queue_stats *const *qs;
	struct ui_rows rows;
	struct ui_list *l = &d->pane[3];
	double scale = 0;
	char a[32], name[80];

	/* The workers that serve the queues, on the last row when there is room. */
	if (m->have_workers && m->worker != NULL &&
	    (m->worker->has & EF_WORKERS_TOTAL) && (int)m->nqueues < r.h) {
		const struct worker_sample *w = m->worker;

		r.h--;
		if (w->has & EF_WORKERS_BUSY)
			ui_textf(d, r.y + r.h, r.x + 1, r.w - 1, TH_DIM,
			    "workers: %lld online, %lld busy", (long long)w->total,
			    (long long)w->busy);
		else
			ui_textf(d, r.y + r.h, r.x + 1, r.w - 1, TH_DIM,
			    "workers: %lld online", (long long)w->total);
	}
	if (m->nqueues == 0) {
		ui_text(d, r.y, r.x + 1, r.w - 1, TH_DIM, "no queues seen");
		return;
	}
	rows = rows_of(d);
	qs = rows.ctx;
	/* one scale for every row's sparkline: the deepest sample shown */
	for (size_t i = 0; i < m->nqueues; i++) {
		int n = 0;
		double *v = history(qs[i]->name, qs[i]->depth, d->now_ms, &n);

		for (int k = 0; v != NULL && k < n; k++)
			scale = v[k] > scale ? v[k] : scale;
	}
	shown = ui_list_show(l, &rows, r.h, 1);
	for (int i = 0; i < shown; i++) {
		const struct queue_stats *q = qs[l->top + i];
		int x = r.x + 1, n = 0, y = r.y + i, sel = focused && l->top + i == l->sel;
		double *v = history(q->name, q->depth, d->now_ms, &n);
		enum theme_role role = queue_role(q);

		tw_fit(q->name, namew, d->utf8 ? 0 : TW_ASCII, name, sizeof name);
		if (sel)
			ui_blank(y, r.x, r.w);
		x += ui_textf(d, y, x, namew + 1, sel ? TH_SELECT : TH_NORMAL, "%s ", name);
		x += ui_textf(d, y, x, 6, q->depth > 0 ? TH_ACCENT : TH_DIM, "%5lld ",
		    (long long)q->depth);
		/* an empty queue has no oldest wait, whatever runs were seen */
		x += ui_textf(d, y, x, 8, role == TH_SPARK ? TH_DIM : role, "%7s ",
		    q->depth > 0 ? format_dur(q->oldest_wait_ms, a, sizeof a) : "-");
		if (q->paused == 1 && r.w - (x - r.x) > 8)
			x += ui_textf(d, y, x, 7, TH_WARN, "paused ");
		if (v != NULL && r.w - (x - r.x) > 4)
			ui_spark_scaled(d, y, x, r.w - (x - r.x) - 1, v, n, scale,
			    role == TH_DIM ? TH_SPARK : role);
	}
	if (ui_list_more(l) > 0)
		ui_textf(d, r.y + shown, r.x + 1, r.w - 1, TH_DIM, "+%d more", ui_list_more(l));
	/* the scale, in the title row */
	if (scale > 0 && r.w > 40) {
		snprintf(a, sizeof a, " scale 0-%.0f ", scale);
		ui_text(d, r.y - 1, r.x + r.w - ui_width(a) - 1, ui_width(a), TH_DIM, a);
	}
}

const struct pane_kind pane_queues = {
	.name = "queues",
	.title = "Queues (depth, oldest wait)",
	.draw = draw,
	.rows = rows_of,
};
