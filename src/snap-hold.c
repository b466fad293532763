/* execmon - what a snapshot holds as it reads: the runs it can still show. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert-rule.h"
#include "alert.h"
#include "errors.h"
#include "rollup.h"
#include "snap-hold.h"
#include "source.h"
#include "store.h"
#include "xmalloc.h"

/*
 * A run is let go only when every source still reading has read an event
 * this much later than its last one.
 */
#define HOLD_SETTLE_MS (2 * 60000LL)
/* Without --now, the bands assume the reading ends within this. */
#define HOLD_SLACK_MS (10 * 60000LL)
/* A minute either side of an edge holds the minute it cuts. */
#define HOLD_EDGE_MS 60000LL
/* Passes come when the runs held have grown by this much at least. */
#define HOLD_GROWTH 16384
#define HOLD_WINDOWS_MAX 16

struct snap_hold {
	int64_t window_ms, now_lo, back_ms;
	int fixed;
	size_t keep;
	int64_t windows[HOLD_WINDOWS_MAX]; /* the snapshot's and the rules' */
	size_t nwindows;
	int64_t promise;       /* the latest now the passes allowed for */
	size_t next;           /* pass when this many runs are held */
	size_t every;          /* growth between passes, at least */
	uint64_t evicted, finished;
	char *ws;
	int ws_several;
	struct errors_acc *errs; /* the top errors of runs let go (--now) */

	/* one pass */
	int64_t bands[1 + 2 * HOLD_WINDOWS_MAX][2]; /* kept by the rollup */
	size_t nbands;
	int64_t settle, fin_lo;
	const struct run *cut; /* the keep-th newest finished, NULL = fewer */
};

static void
add_window(struct snap_hold *h, int64_t w)
{
	for (size_t i = 0; i < h->nwindows; i++)
		if (h->windows[i] == w)
			return;
	if (h->nwindows < HOLD_WINDOWS_MAX)
		h->windows[h->nwindows++] = w;
	else
		h->next = SIZE_MAX; /* too many to band: hold everything */
}

struct snap_hold *
snap_hold_create(const struct alert_config *alerts, int64_t window_ms,
    int64_t now_ms, int fixed, size_t keep, size_t every)
{
	struct snap_hold *h = xcalloc(1, sizeof *h);

	h->window_ms = window_ms;
	h->now_lo = now_ms;
	h->fixed = fixed;
	h->keep = keep;
	h->promise = INT64_MAX;
	h->every = every > 0 ? every : HOLD_GROWTH;
	h->next = h->every;
	add_window(h, window_ms);
	if (fixed)
		h->errs = errors_acc_create(now_ms, window_ms);
	if (alerts != NULL) {
		h->back_ms = alert_replay_back_ms(alerts);
		for (size_t i = 0; i < alerts->nrules; i++)
			if (!alerts->rules[i].off)
				add_window(h, alerts->rules[i].over_ms);
	}
	return h;
}

void
snap_hold_free(struct snap_hold *h)
{
	if (h == NULL)
		return;
	free(h->ws);
	errors_acc_free(h->errs);
	free(h);
}

/* Newest first, as the snapshot lists finished runs. */
static int
newer(const struct run *x, const struct run *y)
{
	if (x->finished_ms != y->finished_ms)
		return x->finished_ms > y->finished_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * Keep, in heap (a max-heap by newer(): its root the oldest kept), the k
 * newest of the runs offered.
 */
static void
heap_offer(const struct run **heap, size_t *n, size_t k, const struct run *r)
{
	size_t i, c;

	if (*n < k) {
		for (i = (*n)++; i > 0 && newer(heap[(i - 1) / 2], r) < 0;
		    i = (i - 1) / 2)
			heap[i] = heap[(i - 1) / 2];
		heap[i] = r;
		return;
	}
	if (k == 0 || newer(r, heap[0]) >= 0)
		return;
	for (i = 0; (c = 2 * i + 1) < *n; i = c) {
		if (c + 1 < *n && newer(heap[c + 1], heap[c]) > 0)
			c++;
		if (newer(heap[c], r) <= 0)
			break;
		heap[i] = heap[c];
	}
	heap[i] = r;
}

static int
let_go(const struct run *r, void *arg)
{
	struct snap_hold *h = arg;
	int in_window;

	if (r->first_ms <= 0 || r->finished_ms <= 0 || r->last_ms >= h->settle ||
	    r->cost_estimated || r->finished_ms > h->now_lo)
		return 0;       /* may change, or be live at now */
	/* without --now, whether a run near the window's start is in it waits for now */
	if (!h->fixed && r->finished_ms > h->now_lo - h->window_ms -
	    HOLD_EDGE_MS && r->finished_ms <= h->fin_lo + HOLD_EDGE_MS)
		return 0;
	in_window = r->finished_ms > h->fin_lo;
	if (in_window && (h->cut == NULL || newer(r, h->cut) <= 0))
		return 0;
	if (errors_run_gives(r)) {
		/* counted now, when now is known and no event of it can be after */
		if (h->errs == NULL || r->last_ms > h->now_lo)
			return 0;
		errors_acc_add(h->errs, r);
	}
	h->finished += in_window;
	if (r->workspace_id != NULL) {
		if (h->ws == NULL)
			h->ws = xstrdup(r->workspace_id);
		else if (strcmp(h->ws, r->workspace_id) != 0)
			h->ws_several = 1;
	}
	return 1;
}

/*
 * How far in event time every source still reading has read (newest when
 * none is): one that has read nothing yet holds everything back.
 */
static int64_t
read_to(int64_t newest)
{
	int64_t to = INT64_MAX;

	for (size_t i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);
		int64_t at = si->last_event_ms > si->read_event_ms ?
		    si->last_event_ms : si->read_event_ms;

		/* done, or named by a replay's lines (which the file reads) */
		if (si->state == SRC_DONE || si->state == SRC_GONE ||
		    si->state == SRC_ERROR || si->state == SRC_DUPLICATE ||
		    si->state == SRC_IDLE)
			continue;
		if (at <= 0)
			return INT64_MIN + HOLD_SETTLE_MS;
		if (at < to)
			to = at;
	}
	return to != INT64_MAX ? to : newest;
}

static void
band(struct snap_hold *h, int64_t lo, int64_t hi)
{
	h->bands[h->nbands][0] = lo;
	h->bands[h->nbands][1] = hi;
	h->nbands++;
}

int
snap_hold_due(const struct snap_hold *h, const struct store *st)
{
	return store_nruns(st) >= h->next;
}

void
snap_hold_pass(struct snap_hold *h, struct store *st, int64_t wall_ms)
{
	size_t i, n = store_nruns(st), ncand = 0;
	const struct run **cand;
	int64_t newest = INT64_MIN, now_hi;

	cand = xcalloc(h->keep + 1, sizeof *cand);
	now_hi = h->fixed ? h->now_lo : wall_ms + HOLD_SLACK_MS;
	if (now_hi < h->now_lo)
		now_hi = h->now_lo;
	if (now_hi < h->promise)
		h->promise = now_hi;
	now_hi = h->promise;
	h->fin_lo = now_hi - h->window_ms;
	for (i = 0; i < n; i++) {
		const struct run *r = store_run_at(st, i);

		if (r->last_ms > newest)
			newest = r->last_ms;
		if (run_is_finished(r) && r->finished_ms > h->fin_lo &&
		    r->finished_ms <= h->now_lo)
			heap_offer(cand, &ncand, h->keep, r);
	}
	h->cut = ncand == h->keep && h->keep > 0 ? cand[0] : NULL;
	h->settle = read_to(newest) - HOLD_SETTLE_MS;
	/* the edges any figure asked for at the end can cut a minute at */
	h->nbands = 0;
	band(h, h->now_lo - h->back_ms - HOLD_EDGE_MS, INT64_MAX);
	for (i = 0; i < h->nwindows; i++) {
		int64_t w = h->windows[i];

		band(h, h->now_lo - h->back_ms - w - HOLD_EDGE_MS,
		    now_hi - w + HOLD_EDGE_MS);
		band(h, h->now_lo - h->back_ms - 2 * w - HOLD_EDGE_MS,
		    now_hi - 2 * w + HOLD_EDGE_MS);
	}
	/* what the runs let go gave there stays, as records beside the minutes */
	rollup_keep(rollup_of(st), (const int64_t (*)[2])h->bands, h->nbands);
	h->evicted += store_evict_where(st, let_go, h);
	free(cand);
	n = store_nruns(st);
	h->next = n + (n > h->every ? n : h->every);
}

uint64_t
snap_hold_evicted(const struct snap_hold *h)
{
	return h != NULL ? h->evicted : 0;
}

int
snap_hold_exact(const struct snap_hold *h, const struct store *st,
    int64_t now_ms, char *buf, size_t size)
{
	if (h == NULL || h->evicted == 0)
		return 1;
	if (store_revived(st) == 1)
		snprintf(buf, size, "a run let go had another event");
	else if (store_revived(st) != 0)
		snprintf(buf, size, "%llu runs let go had more events",
		    (unsigned long long)store_revived(st));
	else if (rollup_inexact(rollup_of(st)) != 0)
		snprintf(buf, size, "a figure needed runs let go");
	else if (!errors_acc_exact(h->errs))
		snprintf(buf, size, "the top errors needed runs let go");
	else if (now_ms > h->promise || now_ms < h->now_lo)
		snprintf(buf, size, "the reading ended later than allowed for");
	else
		return 1;
	return 0;
}

uint64_t
snap_hold_finished(const struct snap_hold *h)
{
	return h != NULL ? h->finished : 0;
}

const char *
snap_hold_workspace(const struct snap_hold *h, int *several)
{
	*several = h != NULL && h->ws_several;
	return h != NULL ? h->ws : NULL;
}

struct errors_acc *
snap_hold_errors(const struct snap_hold *h)
{
	return h != NULL ? h->errs : NULL;
}
