/* execmon - the live runs list of the dashboard, in the order chosen. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dash-runs.h"
#include "ui.h"
#include "xmalloc.h"

/* Bumped by every recompute: the list built from older figures is stale. */
static uint64_t generation = 1;

void
dash_runs_invalidate(void)
{
	generation++;
}

static const char *
agent_of(const struct run *r)
{
	return r->agent_name ? r->agent_name : r->agent_id ? r->agent_id : "";
}

/*
 * The orders other than newest, from the list newest first (the metrics'
 * order: latest start, then run ID), in time linear in the runs: each is a
 * key with the newest-first position as the tie-break, so a stable
 * distribution by key gives it without comparing runs. With half a million
 * runs a comparison sort took a few hundred ms, too slow for a key.
 */
struct agent_rank {
	const char *name;
	size_t rank;
};

static int
cmp_agent_rank(const void *a, const void *b)
{
	const struct agent_rank *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Stable: t gets v ordered by key[] (0..nkeys-1), then position. */
static void
distribute(const struct live_run **v, const size_t *key, size_t n,
    size_t nkeys, const struct live_run **t)
{
	size_t *at = xcalloc(nkeys + 1, sizeof *at), i;

	for (i = 0; i < n; i++)
		at[key[i] + 1]++;
	for (i = 1; i <= nkeys; i++)
		at[i] += at[i - 1];
	for (i = 0; i < n; i++)
		t[at[key[i]]++] = v[i];
	free(at);
}

/* key[i]: the rank of run i's agent name; returns how many ranks. */
static size_t
agent_ranks(const struct live_run **v, size_t n, size_t *key)
{
	size_t cap = 64, mask, i, j, nd = 0;
	const char **slot;
	size_t *id;
	struct agent_rank *d;

	while (cap < 2 * n)
		cap *= 2;
	mask = cap - 1;
	slot = xcalloc(cap, sizeof *slot);
	id = xcalloc(cap, sizeof *id);
	d = xcalloc(n > 0 ? n : 1, sizeof *d);
	/* distinct name pointers (names are interned: mostly a few) */
	for (i = 0; i < n; i++) {
		const char *a = agent_of(v[i]->run);

		j = (size_t)(((uint64_t)(uintptr_t)a >> 3) *
		    UINT64_C(0x9e3779b97f4a7c15) >> 20) & mask;
		while (slot[j] != NULL && slot[j] != a)
			j = (j + 1) & mask;
		if (slot[j] == NULL) {
			slot[j] = a;
			id[j] = nd;
			d[nd].name = a;
			d[nd].rank = nd;
			nd++;
		}
		key[i] = id[j];
	}
	/* rank by name; equal names (were they ever not one pointer) share one */
	{
		struct agent_rank *s = xcalloc(nd > 0 ? nd : 1, sizeof *s);
		size_t *rank = xcalloc(nd > 0 ? nd : 1, sizeof *rank), r = 0;

		memcpy(s, d, nd * sizeof *s);
		qsort(s, nd, sizeof *s, cmp_agent_rank);
		for (i = 0; i < nd; i++) {
			if (i > 0 && strcmp(s[i].name, s[i - 1].name) != 0)
				r++;
			rank[s[i].rank] = r;
		}
		for (i = 0; i < n; i++)
			key[i] = rank[key[i]];
		nd = nd > 0 ? r + 1 : 0;
		free(rank);
		free(s);
	}
	free(d);
	free(id);
	free(slot);
	return nd;
}

/* Put the n running runs of v (newest first) in order sort (1..3). */
static void
sort_runs(const struct live_run **v, size_t n, int sort)
{
	const struct live_run **t = xcalloc(n, sizeof *t);
	size_t *key, i, j, k, nkeys;

	if (sort == 1) {
		/* longest: groups of equal elapsed reversed, each kept in order */
		for (j = n, k = 0; j > 0; j = i) {
			for (i = j - 1; i > 0 &&
			    v[i - 1]->elapsed_ms == v[j - 1]->elapsed_ms; i--)
				;
			memcpy(t + k, v + i, (j - i) * sizeof *t);
			k += j - i;
		}
	} else {
		key = xcalloc(n, sizeof *key);
		if (sort == 2)
			nkeys = agent_ranks(v, n, key);
		else {  /* flagged first, then the higher status */
			nkeys = 2 * RUN__COUNT;
			for (i = 0; i < n; i++)
				key[i] = (v[i]->flagged ? 0 : RUN__COUNT) +
				    (size_t)(RUN__COUNT - 1 - (int)v[i]->run->status);
		}
		distribute(v, key, n, nkeys, t);
		free(key);
	}
	memcpy(v, t, n * sizeof *v);
	free(t);
}

static const char *
run_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct live_run *const *v = ctx;

	(void)buf;
	(void)size;
	return v[i]->run->id;
}

struct ui_rows
dash_runs_rows(struct dash *d)
{
	const struct live_run **v;
	int n = dash_runs(d, &v);

	return (struct ui_rows){ n, run_key, v };
}

/*
 * Running runs then queued ones, in the chosen order. The list is built once
 * per recompute and order, not per call: the runs pane, its row count and
 * the selected run each ask for it on every key and frame, and with half a
 * million live runs a sort per call is what made keys slow. The metrics
 * already hold the running runs newest first, the default order.
 */
int
dash_runs(struct dash *d, const struct live_run ***out)
{
	static const struct live_run **v;
	static size_t cap, n;
	static uint64_t gen;
	static int sort = -1;

	if (d->m == NULL) {
		*out = NULL;
		return 0;
	}
	if (gen == generation && sort == d->sort % SORT_COUNT) {
		*out = v;
		return (int)n;
	}
	gen = generation;
	sort = d->sort % SORT_COUNT;
	n = 0;
	if (cap < d->m->nrunning + d->m->nqueued) {
		cap = d->m->nrunning + d->m->nqueued + 64;
		v = xreallocarray(v, cap, sizeof *v);
	}
	for (size_t i = 0; i < d->m->nrunning; i++)
		v[n++] = &d->m->running[i];
	if (n > 1 && sort != 0)
		sort_runs(v, n, sort);
	for (size_t i = 0; i < d->m->nqueued; i++)
		v[n++] = &d->m->queued[i];
	*out = v;
	return (int)n;
}
