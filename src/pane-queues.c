/* execmon - the queues pane: depth, oldest wait, average wait, a depth sparkline. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "textwidth.h"
#include "ui.h"

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
	}
	*n = hist[free_slot].n;
	return hist[free_slot].v;
}

static void
draw(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int namew = r.w >= 50 ? 14 : 9;

	(void)focused;
	if (m->nqueues == 0) {
		ui_text(d, r.y, r.x + 1, r.w - 1, TH_DIM, "no queues seen");
		return;
	}
	for (size_t i = 0; i < m->nqueues && (int)i < r.h; i++) {
		const struct queue_stats *q = &m->queues[i];
		char a[32], name[80];
		int x = r.x + 1, n = 0;
		double *v = history(q->name, q->depth, d->now_ms, &n);

		tw_fit(q->name, namew, d->utf8 ? 0 : TW_ASCII, name, sizeof name);
		x += ui_textf(d, r.y + (int)i, x, namew + 1, TH_NORMAL, "%s ", name);
		x += ui_textf(d, r.y + (int)i, x, 6, q->depth > 0 ? TH_ACCENT : TH_DIM, "%5lld ",
		    (long long)q->depth);
		x += ui_textf(d, r.y + (int)i, x, 8, q->oldest_wait_ms > 60000 ? TH_WARN : TH_DIM,
		    "%7s ", fmt_dur(q->oldest_wait_ms, a, sizeof a));
		if (q->paused == 1 && r.w - (x - r.x) > 8)
			x += ui_textf(d, r.y + (int)i, x, 7, TH_WARN, "paused ");
		if (v != NULL && r.w - (x - r.x) > 4)
			ui_spark(d, r.y + (int)i, x, r.w - (x - r.x) - 1, v, n, TH_SPARK);
	}
}

const struct pane_kind pane_queues = {
	.name = "queues",
	.title = "Queues (depth, oldest wait)",
	.draw = draw,
};
