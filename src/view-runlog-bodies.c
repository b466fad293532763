/* execmon - the bodies of a run's events for its log view: held, or read back from Redis. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "source-redis-fetch.h"
#include "source.h"
#include "store.h"
#include "ui.h"
#include "view-runlog-bodies.h"
#include "xmalloc.h"

/*
 * The store keeps only what the figures need of an event read from a Redis
 * stream (LOGENT_SLIM); the run log view shows whole events. This keeps, for
 * the one run the view shows, the events read back by ID, keyed by
 * "source/entry ID", each fetched once: an event arriving later is asked for
 * at the first frame after the source's fetch in flight has answered (one
 * connection at a time per source). Nothing waits: the view draws "loading" rows until the
 * fetch answers and marks the dashboard dirty. Bounded by the run's log
 * (STORE_LOG_MAX events).
 */

struct rl_item {
	enum rl_body state;
	struct event ev;       /* RLB_FETCHED */
};

struct rl_fetch {
	struct source_fetch *f; /* NULL once answered */
	int source;
	uint64_t gen;
};

static struct {
	char *run_id;          /* the run read back for */
	uint64_t serial;       /* the store's (store_serial) */
	struct map *items;     /* "source/entry ID" -> struct rl_item */
	struct rl_fetch **fetches;
	size_t nfetches;
	uint64_t gen;          /* bumped by each forgetting */
	struct dash *d;
	size_t loading, gone;
	char error[256];
	int atexit_set;
} rl;

/* source_redis_can_fetch, asked once per source and frame (rl_bodies_prepare forgets). */
static int memo_source = -2, memo_can;

static int
can_fetch(int source)
{
	if (source != memo_source) {
		memo_source = source;
		memo_can = source_redis_can_fetch(source);
	}
	return memo_can;
}

static void
item_key(int source, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%d/%s", source, id != NULL ? id : "");
}

/* Forget the run read back for. */
static void
forget(void)
{
	const char *k;
	void *v;
	size_t i = 0;

	for (size_t j = 0; j < rl.nfetches; j++) {
		if (rl.fetches[j]->f != NULL)
			source_fetch_cancel(rl.fetches[j]->f);
		free(rl.fetches[j]);
	}
	free(rl.fetches);
	rl.fetches = NULL;
	rl.nfetches = 0;
	if (rl.items != NULL) {
		while (map_next(rl.items, &i, &k, &v)) {
			struct rl_item *it = v;

			if (it->state == RLB_FETCHED)
				event_done(&it->ev);
			free(it);
		}
		map_free(rl.items);
		rl.items = NULL;
	}
	free(rl.run_id);
	rl.run_id = NULL;
	rl.loading = rl.gone = 0;
	rl.error[0] = '\0';
	rl.gen++;
}

void
rl_bodies_clear(void)
{
	forget();
}

static void
on_fetched(void *arg, struct source_fetch_result *res)
{
	struct rl_fetch *fe = arg;
	char key[160];

	fe->f = NULL;
	if (fe->gen != rl.gen || rl.items == NULL)
		return;
	if (res->error[0] != '\0')
		snprintf(rl.error, sizeof rl.error, "%s", res->error);
	for (size_t i = 0; i < res->n; i++) {
		struct rl_item *it;

		item_key(fe->source, res->ids[i], key, sizeof key);
		it = map_get(rl.items, key);
		if (it == NULL || it->state != RLB_LOADING)
			continue;
		rl.loading--;
		switch (res->state[i]) {
		case FETCH_OK:
			it->state = RLB_FETCHED;
			it->ev = res->evs[i];
			event_init(&res->evs[i]);
			res->state[i] = FETCH_PENDING;
			break;
		case FETCH_GONE:
			it->state = RLB_GONE;
			rl.gone++;
			break;
		case FETCH_BAD:
			it->state = RLB_BAD;
			break;
		default:
			it->state = RLB_ERROR;
			break;
		}
	}
	if (rl.d != NULL)
		rl.d->dirty = 1;
}

/* Whether a fetch from source is in flight (new IDs wait for its answer). */
static int
busy(int source)
{
	for (size_t j = 0; j < rl.nfetches; j++) {
		if (rl.fetches[j]->f != NULL && rl.fetches[j]->source == source)
			return 1;
	}
	return 0;
}

/* Ask source for ids (the items are already loading). */
static void
start(int source, const char **ids, size_t n)
{
	struct rl_fetch *fe = xcalloc(1, sizeof *fe);
	char err[256], key[160];

	fe->gen = rl.gen;
	fe->source = source;
	fe->f = source_redis_fetch(source, ids, n, on_fetched, fe, err, sizeof err);
	if (fe->f == NULL) {
		snprintf(rl.error, sizeof rl.error, "%s", err);
		for (size_t i = 0; i < n; i++) {
			struct rl_item *it;

			item_key(source, ids[i], key, sizeof key);
			if ((it = map_get(rl.items, key)) != NULL &&
			    it->state == RLB_LOADING) {
				it->state = RLB_ERROR;
				rl.loading--;
			}
		}
		free(fe);
		return;
	}
	rl.fetches = xreallocarray(rl.fetches, rl.nfetches + 1, sizeof *rl.fetches);
	rl.fetches[rl.nfetches++] = fe;
}

void
rl_bodies_prepare(struct dash *d, const struct run *r)
{
	const char **ids = NULL;
	size_t nids = 0;
	int src = -1;
	char key[160];

	if (!rl.atexit_set) {
		atexit(rl_bodies_clear);
		rl.atexit_set = 1;
	}
	rl.d = d;
	memo_source = -2;
	if (rl.run_id == NULL || rl.serial != store_serial(d->store) ||
	    strcmp(rl.run_id, r->id) != 0) {
		forget();
		rl.run_id = xstrdup(r->id);
		rl.serial = store_serial(d->store);
	}
	if (rl.items == NULL)
		rl.items = map_create();
	ids = xreallocarray(NULL, r->nlog ? r->nlog : 1, sizeof *ids);
	/* one fetch per source: gather each source's new IDs in turn */
	for (;;) {
		for (size_t i = 0; i < r->nlog; i++) {
			struct event ev;
			struct rl_item *it;

			if (run_log_held(r, i))
				continue;
			run_log_peek(r, i, &ev);
			if (ev.entry_id == NULL || (src != -1 && ev.source != src) ||
			    !can_fetch(ev.source) || busy(ev.source))
				continue;
			item_key(ev.source, ev.entry_id, key, sizeof key);
			if (map_get(rl.items, key) != NULL)
				continue;
			src = ev.source;
			it = xcalloc(1, sizeof *it);
			it->state = RLB_LOADING;
			map_put(rl.items, key, it);
			rl.loading++;
			ids[nids++] = xstrdup(ev.entry_id);
		}
		if (nids == 0)
			break;
		start(src, ids, nids);
		for (size_t i = 0; i < nids; i++)
			free((char *)(uintptr_t)ids[i]);
		nids = 0;
		src = -1;
	}
	free(ids);
}

enum rl_body
rl_bodies_get(const struct run *r, size_t i, const struct event **ev)
{
	struct event e;
	struct rl_item *it;
	char key[160];

	*ev = NULL;
	if (run_log_held(r, i))
		return RLB_HELD;
	run_log_peek(r, i, &e);
	if (e.entry_id == NULL || !can_fetch(e.source))
		return RLB_NOT_KEPT;
	item_key(e.source, e.entry_id, key, sizeof key);
	it = rl.items != NULL ? map_get(rl.items, key) : NULL;
	if (it == NULL)
		return RLB_LOADING;
	if (it->state == RLB_FETCHED)
		*ev = &it->ev;
	return it->state;
}

void
rl_bodies_counts(size_t *loading, size_t *gone)
{
	*loading = rl.loading;
	*gone = rl.gone;
}

const char *
rl_bodies_error(void)
{
	return rl.error;
}
