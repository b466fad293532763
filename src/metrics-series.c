/* execmon - the per-minute series of a window, held only where there is data. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics-int.h"
#include "xmalloc.h"

/*
 * A window of ten years is five million minutes, and a snapshot or a frame
 * of the dashboard must not pay for each of them when a handful of runs
 * fell in it. While the runs are folded, the minutes live in chunks of
 * MINUTE_CHUNK, a chunk allocated when a run first lands in it (the table
 * of chunk pointers is one pointer per 256 minutes: 160 KB for ten years).
 * At the end the minutes in which anything happened are copied out, oldest
 * first, into metrics.active; every other minute is empty by definition.
 */

void
metrics_series_start(struct ctx *c)
{
	struct metrics *m = c->m;

	m->minute0_ms = c->m0;
	c->nchunks = (m->nminutes + MINUTE_CHUNK - 1) / MINUTE_CHUNK;
	c->chunks = xcalloc(c->nchunks > 0 ? c->nchunks : 1, sizeof *c->chunks);
}

/* The minute holding t (epoch ms, at or after the window's first minute). */
struct minute *
metrics_minute_at(struct ctx *c, int64_t t)
{
	size_t i = (size_t)((t - c->m0) / MINUTE_MS), k;
	struct minute *ch;

	k = i / MINUTE_CHUNK;
	if ((ch = c->chunks[k]) == NULL) {
		ch = c->chunks[k] = xcalloc(MINUTE_CHUNK, sizeof *ch);
		for (size_t j = 0; j < MINUTE_CHUNK; j++)
			ch[j].t0 = c->m0 + (int64_t)(k * MINUTE_CHUNK + j) *
			    MINUTE_MS;
	}
	return &ch[i % MINUTE_CHUNK];
}

static int
minute_used(const struct minute *mn)
{
	return mn->finished > 0 || mn->started > 0;
}

/* Copy the minutes with data out of the chunks and free them. */
void
metrics_series_finish(struct ctx *c)
{
	struct metrics *m = c->m;
	size_t k, j, n = 0;

	for (k = 0; k < c->nchunks; k++) {
		if (c->chunks[k] == NULL)
			continue;
		for (j = 0; j < MINUTE_CHUNK; j++)
			n += minute_used(&c->chunks[k][j]);
	}
	m->active = xcalloc(n > 0 ? n : 1, sizeof *m->active);
	for (k = 0; k < c->nchunks; k++) {
		if (c->chunks[k] == NULL)
			continue;
		for (j = 0; j < MINUTE_CHUNK; j++) {
			if (minute_used(&c->chunks[k][j]))
				m->active[m->nactive++] = c->chunks[k][j];
		}
		free(c->chunks[k]);
	}
	free(c->chunks);
	c->chunks = NULL;
	c->nchunks = 0;
}

size_t
metrics_minute_seek(const struct metrics *m, size_t i)
{
	int64_t t = m->minute0_ms + (int64_t)i * MINUTE_MS;
	size_t lo = 0, hi = m->nactive;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->active[mid].t0 < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct minute
metrics_minute(const struct metrics *m, size_t i)
{
	struct minute mn;
	size_t k = metrics_minute_seek(m, i);

	memset(&mn, 0, sizeof mn);
	mn.t0 = m->minute0_ms + (int64_t)i * MINUTE_MS;
	if (k < m->nactive && m->active[k].t0 == mn.t0)
		mn = m->active[k];
	return mn;
}

/* Round down to a multiple of d (d > 0), also for negative values. */
static int64_t
floor_step(int64_t v, int64_t d)
{
	int64_t q = v / d;

	if (v % d != 0 && v < 0)
		q--;
	return q * d;
}

size_t
metrics_series(const struct metrics *m, int64_t step_ms, struct minute **out)
{
	int64_t b0, last;
	size_t n, k, i;
	struct minute *v;

	if (step_ms < MINUTE_MS)
		step_ms = MINUTE_MS;
	if (m->nminutes == 0) {
		*out = xcalloc(1, sizeof **out);
		return 0;
	}
	b0 = floor_step(m->minute0_ms, step_ms);
	last = floor_step(m->minute0_ms + (int64_t)(m->nminutes - 1) * MINUTE_MS,
	    step_ms);
	n = (size_t)((last - b0) / step_ms) + 1;
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++)
		v[i].t0 = b0 + (int64_t)i * step_ms;
	for (k = 0; k < m->nactive; k++) {
		const struct minute *a = &m->active[k];
		struct minute *b = &v[(floor_step(a->t0, step_ms) - b0) / step_ms];

		b->finished += a->finished;
		b->completed += a->completed;
		b->failed += a->failed;
		b->cancelled += a->cancelled;
		b->started += a->started;
		b->exec_sum_ms = store_add_sat(b->exec_sum_ms, a->exec_sum_ms);
		b->exec_n += a->exec_n;
		if (a->exec_max_ms > b->exec_max_ms)
			b->exec_max_ms = a->exec_max_ms;
		b->exec_sumsq = store_add_sat(b->exec_sumsq, a->exec_sumsq);
	}
	*out = v;
	return n;
}
