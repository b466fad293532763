/* execmon - the store's indexes: what dedup needs beyond the logs, worker samples, queues. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "xmalloc.h"

/* The identity of an event, or 0 when it has no entry ID. */
uint64_t
store_event_key(const struct event *ev)
{
	return store_key_of(ev->entry_id, ev->source);
}

/* The identity of (source, entry ID), or 0 when there is no entry ID. */
uint64_t
store_key_of(const char *entry_id, int source)
{
	uint64_t pair[2];

	if (entry_id == NULL)
		return 0;
	pair[0] = map_hash(entry_id, strlen(entry_id));
	pair[1] = (uint64_t)(int64_t)source;
	pair[0] = map_hash(pair, sizeof pair);
	return pair[0] == 0 ? 1 : pair[0];
}

/* Add key to an open-addressing set of nonzero keys; 1 if it was there. */
int
store_keyset_add(uint64_t *tab, size_t cap, uint64_t key)
{
	size_t mask = cap - 1, i = key & mask;

	while (tab[i] != 0) {
		if (tab[i] == key)
			return 1;
		i = (i + 1) & mask;
	}
	tab[i] = key;
	return 0;
}

int
store_keyset_has(const uint64_t *tab, size_t cap, uint64_t key)
{
	size_t mask = cap - 1, i = key & mask;

	while (tab[i] != 0) {
		if (tab[i] == key)
			return 1;
		i = (i + 1) & mask;
	}
	return 0;
}

/* Remove key from an open-addressing set, shifting its cluster back. */
void
store_keyset_del(uint64_t *tab, size_t cap, uint64_t key)
{
	size_t mask = cap - 1, i = key & mask, j, home;

	while (tab[i] != key) {
		if (tab[i] == 0)
			return;
		i = (i + 1) & mask;
	}
	tab[i] = 0;
	for (j = (i + 1) & mask; tab[j] != 0; j = (j + 1) & mask) {
		home = tab[j] & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			tab[i] = tab[j];
			tab[j] = 0;
			i = j;
		}
	}
}

/* Where key stands, or would, in r's sorted gone keys. */
static size_t
gone_at(const struct run *r, uint64_t key)
{
	size_t lo = 0, hi = r->ngone, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->gone[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Remember the key of an event that is not (or no longer) in r's log, so a
 * repeat of it is still known: a sorted array, made only for runs that
 * outgrow their log.
 */
void
store_run_gone_add(struct run *r, uint64_t key)
{
	size_t lo;

	if (key == 0)
		return;
	lo = gone_at(r, key);
	if (lo < r->ngone && r->gone[lo] == key)
		return;
	if (r->ngone == r->gone_cap) {
		r->gone_cap = r->gone_cap == 0 ? 8 : r->gone_cap * 2;
		r->gone = xreallocarray(r->gone, r->gone_cap, sizeof *r->gone);
	}
	memmove(r->gone + lo + 1, r->gone + lo, (r->ngone - lo) * sizeof *r->gone);
	r->gone[lo] = key;
	r->ngone++;
}

/* Whether r applied the event with this key and then let it go from its log. */
int
store_run_gone_has(const struct run *r, uint64_t key)
{
	size_t lo = gone_at(r, key);

	return lo < r->ngone && r->gone[lo] == key;
}

/* Record key in the bounded global set; 1 if it was already there. */
int
store_global_seen_add(struct store *st, uint64_t key)
{
	if (st->gtab == NULL) {
		st->gtab = xcalloc(2 * STORE_GLOBAL_SEEN, sizeof *st->gtab);
		st->gring = xcalloc(STORE_GLOBAL_SEEN, sizeof *st->gring);
	}
	if (store_keyset_has(st->gtab, 2 * STORE_GLOBAL_SEEN, key))
		return 1;
	if (st->gn == STORE_GLOBAL_SEEN) {
		store_keyset_del(st->gtab, 2 * STORE_GLOBAL_SEEN,
		    st->gring[st->ghead]);
		st->gring[st->ghead] = key;
		st->ghead = (st->ghead + 1) % STORE_GLOBAL_SEEN;
	} else
		st->gring[st->gn++] = key;
	store_keyset_add(st->gtab, 2 * STORE_GLOBAL_SEEN, key);
	return 0;
}

/* Add a worker sample in time order; 0 if it is one already held. */
int
store_worker_add(struct store *st, const struct event *ev, uint64_t key)
{
	struct worker_sample *w, s;
	size_t lo = 0, hi = st->nw, mid, i;

	if (st->wbuf == NULL)
		st->wbuf = xcalloc(2 * STORE_WORKER_SAMPLES, sizeof *st->wbuf);
	w = st->wbuf + st->wstart;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w[mid].ts_ms <= ev->ts_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; key != 0 && i > 0 && w[i - 1].ts_ms == ev->ts_ms; i--) {
		if (w[i - 1].key == key)
			return 0;
	}

	memset(&s, 0, sizeof s);
	s.ts_ms = ev->ts_ms;
	s.has = ev->has & (EF_WORKERS_TOTAL | EF_WORKERS_BUSY | EF_CPU |
	    EF_MEMORY);
	s.total = ev->workers_total;
	s.busy = ev->workers_busy;
	s.cpu = ev->cpu;
	s.memory = ev->memory;
	s.key = key;

	if (st->nw == STORE_WORKER_SAMPLES) {
		if (lo == 0)
			return 1;
		st->wstart++;
		st->nw--;
		w++;
		lo--;
	}
	if (st->wstart + st->nw == 2 * STORE_WORKER_SAMPLES) {
		memmove(st->wbuf, w, st->nw * sizeof *w);
		st->wstart = 0;
		w = st->wbuf;
	}
	memmove(w + lo + 1, w + lo, (st->nw - lo) * sizeof *w);
	w[lo] = s;
	st->nw++;
	return 1;
}

/* Find or create the queue named name. */
struct queue_state *
store_queue_get(struct store *st, const char *name)
{
	struct queue_state *q = map_get(st->by_queue, name);

	if (q != NULL)
		return q;
	q = xcalloc(1, sizeof *q);
	q->name = xstrdup(name);
	q->gauge = -1;
	q->paused = -1;
	if (st->nqueues == st->queues_cap) {
		st->queues_cap = st->queues_cap == 0 ? 8 : st->queues_cap * 2;
		st->queues = xreallocarray(st->queues, st->queues_cap,
		    sizeof *st->queues);
	}
	st->queues[st->nqueues++] = q;
	map_put(st->by_queue, name, q);
	return q;
}

void
store_set_watch(struct store *st, store_watch_fn *fn, void *arg,
    void (*free_arg)(void *))
{
	if (st->watch_free != NULL)
		st->watch_free(st->watch_arg);
	st->watch = fn;
	st->watch_arg = arg;
	st->watch_free = free_arg;
}

void *
store_watch_arg(const struct store *st, store_watch_fn *fn)
{
	return st->watch == fn ? st->watch_arg : NULL;
}
