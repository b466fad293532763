/* execmon - where the store keeps its runs: slabs, the id index, the trace index. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "store-int.h"
#include "store-log-int.h"
#include "strpool.h"
#include "xmalloc.h"

/*
 * Runs live in slabs of RUN_SLAB, never moved, so a struct run * stays valid
 * until its run is evicted; a freed run's slot goes on a free list (linked
 * through trace_next) and is reused first. No run costs an allocation of its
 * own.
 *
 * The id index is an open-addressing table of run pointers (linear probing,
 * at most half full) keyed by the run's id_hash; the id itself is the run's
 * interned string, so it is held once. The trace index is the same kind of
 * table holding the first run of each trace: a trace's runs form a ring
 * through trace_prev and trace_next in first-seen order (the first's
 * trace_prev is the last), so adding and removing a run costs O(1), and
 * the table keys by the interned trace id's address.
 */

#define RUN_SLAB 256
#define TAB_MIN 64

static uint64_t
ptr_hash(const void *p)
{
	uintptr_t v = (uintptr_t)p;

	return map_hash(&v, sizeof v);
}

/*
 * Slot of the entry matching (h, match) or the empty slot where it would go.
 * Beside each entry its tag, the key's low 32 bits, is held: a probe reads a
 * run only when its tag matches, and a deletion finds each entry's home slot
 * from its tag, so neither touches the runs of the cluster it walks.
 */
static size_t
tab_slot(struct run **tab, const uint32_t *tags, size_t cap, uint64_t h,
    int (*match)(const struct run *, const void *), const void *arg)
{
	size_t mask = cap - 1, i = (size_t)h & mask;

	while (tab[i] != NULL && !(tags[i] == (uint32_t)h && match(tab[i], arg)))
		i = (i + 1) & mask;
	return i;
}

/* Double the table (or make it), putting every entry again. */
static void
tab_grow(struct run ***tabp, uint32_t **tagsp, size_t *capp)
{
	struct run **old = *tabp, **tab;
	uint32_t *oldtags = *tagsp, *tags;
	size_t oldcap = *capp, cap = oldcap == 0 ? TAB_MIN : oldcap * 2, i, j;

	tab = xcalloc(cap, sizeof *tab);
	tags = xcalloc(cap, sizeof *tags);
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		for (j = oldtags[i] & (cap - 1); tab[j] != NULL; j = (j + 1) & (cap - 1))
			;
		tab[j] = old[i];
		tags[j] = oldtags[i];
	}
	free(old);
	free(oldtags);
	*tabp = tab;
	*tagsp = tags;
	*capp = cap;
}

/* Empty slot i, shifting the rest of its cluster back over it. */
static void
tab_del(struct run **tab, uint32_t *tags, size_t cap, size_t i)
{
	size_t mask = cap - 1, j, home;

	tab[i] = NULL;
	for (j = (i + 1) & mask; tab[j] != NULL; j = (j + 1) & mask) {
		home = tags[j] & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			tab[i] = tab[j];
			tags[i] = tags[j];
			tab[j] = NULL;
			i = j;
		}
	}
}

static int
id_match(const struct run *r, const void *id)
{
	return strcmp(r->id, id) == 0;
}

static int
trace_match(const struct run *r, const void *trace_id)
{
	return r->trace_id == trace_id;
}

struct run *
store_run_lookup(const struct store *st, const char *id)
{
	size_t i;

	if (st->idcap == 0 || id == NULL)
		return NULL;
	i = tab_slot(st->idtab, st->idtag, st->idcap, map_hash(id, strlen(id)),
	    id_match, id);
	return st->idtab[i];
}

/*
 * The ids store_evict_where() let go: a set of their hashes (open
 * addressing, at most half full). Two ids of one hash only make a revival
 * seen where there was none, which costs the caller a second look, never a
 * wrong figure. Every new run asks it, so a filter small enough to stay in
 * the cache (two bits of 16 a hash, in one word) answers most of them.
 */
static uint64_t
let_go_key(uint64_t h)
{
	return h != 0 ? h : 1;
}

static uint64_t
let_go_mask(uint64_t h)
{
	return (1ULL << (h & 63)) | (1ULL << ((h >> 6) & 63));
}

static uint64_t *
let_go_word(const struct store *st, uint64_t h)
{
	return &st->let_go_bits[(h >> 32) & (st->let_go_cap / 4 - 1)];
}

static int
let_go_has(const struct store *st, uint64_t h)
{
	if (st->let_go_n == 0)
		return 0;
	h = let_go_key(h);
	return (*let_go_word(st, h) & let_go_mask(h)) == let_go_mask(h) &&
	    store_keyset_has(st->let_go, st->let_go_cap, h);
}

static void
let_go_add(struct store *st, uint64_t h)
{
	size_t i;

	if ((st->let_go_n + 1) * 2 > st->let_go_cap) {
		uint64_t *old = st->let_go;
		size_t oldcap = st->let_go_cap;

		st->let_go_cap = oldcap == 0 ? 1024 : oldcap * 2;
		st->let_go = xcalloc(st->let_go_cap, sizeof *st->let_go);
		free(st->let_go_bits);
		st->let_go_bits = xcalloc(st->let_go_cap / 4,
		    sizeof *st->let_go_bits);
		st->let_go_n = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i] != 0)
				let_go_add(st, old[i]);
		free(old);
	}
	h = let_go_key(h);
	if (store_keyset_add(st->let_go, st->let_go_cap, h))
		return;
	*let_go_word(st, h) |= let_go_mask(h);
	st->let_go_n++;
}

struct run *
store_run_new(struct store *st, const char *id)
{
	struct run *r;
	size_t i;

	if (st->free_runs == NULL) {
		struct run *slab = xcalloc(RUN_SLAB, sizeof *slab);

		if (st->nslabs == st->slabs_cap) {
			st->slabs_cap = st->slabs_cap == 0 ? 16 : st->slabs_cap * 2;
			st->slabs = xreallocarray(st->slabs, st->slabs_cap,
			    sizeof *st->slabs);
		}
		st->slabs[st->nslabs++] = slab;
		for (i = RUN_SLAB; i > 0; i--) {
			slab[i - 1].trace_next = st->free_runs;
			st->free_runs = &slab[i - 1];
		}
	}
	r = st->free_runs;
	st->free_runs = r->trace_next;
	memset(r, 0, sizeof *r);
	r->id = strpool_get(st->strings, id);
	r->id_hash = map_hash(id, strlen(id));
	if (let_go_has(st, r->id_hash))
		st->revived++;
	if ((st->nid + 1) * 2 > st->idcap)
		tab_grow(&st->idtab, &st->idtag, &st->idcap);
	i = tab_slot(st->idtab, st->idtag, st->idcap, r->id_hash, id_match, id);
	st->idtab[i] = r;
	st->idtag[i] = (uint32_t)r->id_hash;
	st->nid++;
	return r;
}

void
store_run_release(struct store *st, struct run *r)
{
	size_t i = tab_slot(st->idtab, st->idtag, st->idcap, r->id_hash, id_match,
	    r->id);

	if (st->idtab[i] == r) {
		tab_del(st->idtab, st->idtag, st->idcap, i);
		st->nid--;
	}
	strpool_put(st->strings, r->id);
	memset(r, 0, sizeof *r);
	r->trace_next = st->free_runs;
	st->free_runs = r;
}

/*
 * Every run goes, and with them the string pool and the indexes, whole (the
 * caller frees the pool): only what each run holds apart from them is freed
 * one by one.
 */
void
store_runs_done(struct store *st)
{
	for (size_t i = 0; i < st->nruns; i++) {
		struct run *r = st->runs[i];

		log_free(r);
		free(r->gone);
		free((char *)(uintptr_t)r->span_id);
		free((char *)(uintptr_t)r->request_id);
		free((char *)(uintptr_t)r->error_message);
	}
	free(st->runs);
	for (size_t i = 0; i < st->nslabs; i++)
		free(st->slabs[i]);
	free(st->slabs);
	free(st->idtab);
	free(st->idtag);
	free(st->trtab);
	free(st->trtag);
	free(st->trace_out);
	free(st->let_go);
	free(st->let_go_bits);
}

size_t
store_evict_where(struct store *st, int (*evict)(const struct run *, void *),
    void *arg)
{
	size_t i, n = 0;

	for (i = 0; i < st->nruns; i++) {
		struct run *r = st->runs[i];

		if (run_is_finished(r) && evict(r, arg)) {
			let_go_add(st, r->id_hash);
			r->index = SIZE_MAX;
			n++;
		}
	}
	if (n > 0)
		store_remove_marked(st);
	return n;
}

uint64_t
store_revived(const struct store *st)
{
	return st->revived;
}

/* The first run of the trace whose interned id is trace_id, or NULL. */
static struct run *
trace_first(const struct store *st, const char *trace_id, size_t *slot)
{
	size_t i;

	if (st->trcap == 0) {
		*slot = 0;
		return NULL;
	}
	i = tab_slot(st->trtab, st->trtag, st->trcap, ptr_hash(trace_id),
	    trace_match, trace_id);
	*slot = i;
	return st->trtab[i];
}

/* Trace index: append r (its trace_id set, interned) to its trace's ring. */
void
store_trace_add(struct store *st, struct run *r)
{
	struct run *head;
	size_t i;

	if (st->trcap == 0 || (st->ntr + 1) * 2 > st->trcap)
		tab_grow(&st->trtab, &st->trtag, &st->trcap);
	head = trace_first(st, r->trace_id, &i);
	if (head == NULL) {
		r->trace_prev = r->trace_next = r;
		st->trtab[i] = r;
		st->trtag[i] = (uint32_t)ptr_hash(r->trace_id);
		st->ntr++;
		return;
	}
	r->trace_prev = head->trace_prev;
	r->trace_next = head;
	head->trace_prev->trace_next = r;
	head->trace_prev = r;
}

/* Trace index: take r out of its trace's ring. */
void
store_trace_remove(struct store *st, struct run *r)
{
	struct run *head;
	size_t i;

	if (r->trace_id == NULL || r->trace_next == NULL)
		return;
	head = trace_first(st, r->trace_id, &i);
	if (r->trace_next == r) {
		if (head == r) {
			tab_del(st->trtab, st->trtag, st->trcap, i);
			st->ntr--;
		}
	} else {
		r->trace_prev->trace_next = r->trace_next;
		r->trace_next->trace_prev = r->trace_prev;
		if (head == r)
			st->trtab[i] = r->trace_next; /* same trace id: same slot */
	}
	r->trace_prev = r->trace_next = NULL;
}

size_t
store_trace(const struct store *cst, const char *trace_id,
    struct run *const **out)
{
	struct store *st = (struct store *)(uintptr_t)cst;
	const char *key;
	struct run *head, *r;
	size_t i, n = 0;

	*out = NULL;
	if (trace_id == NULL || st->trcap == 0)
		return 0;
	/* the index keys by the interned string: find it by any equal one */
	key = strpool_find(st->strings, trace_id);
	if (key == NULL || (head = trace_first(st, key, &i)) == NULL)
		return 0;
	r = head;
	do {
		if (n == st->trace_out_cap) {
			st->trace_out_cap = st->trace_out_cap == 0 ? 16 :
			    st->trace_out_cap * 2;
			st->trace_out = xreallocarray(st->trace_out,
			    st->trace_out_cap, sizeof *st->trace_out);
		}
		st->trace_out[n++] = r;
		r = r->trace_next;
	} while (r != head);
	*out = st->trace_out;
	return n;
}

void
store_set_log_budget(struct store *st, size_t bytes)
{
	st->log_budget = bytes;
	if (bytes > 0 && st->body_bytes > bytes)
		store_bodies_trim(st);
}

size_t
store_body_bytes(const struct store *st)
{
	return st->body_bytes;
}

uint64_t
store_bodies_dropped(const struct store *st)
{
	return st->bodies_dropped;
}

/*
 * The log budget. Bodies go by run in first-seen order (the run vector's),
 * so the oldest runs lose theirs first; each run's whole log at once, so a
 * run shows all its events or none in full. Trimming to 7/8 of the bound
 * leaves room for the next events before the next pass.
 */
void
store_bodies_trim(struct store *st)
{
	size_t goal = st->log_budget - st->log_budget / 8;

	for (size_t i = 0; i < st->nruns && st->body_bytes > goal; i++) {
		struct run *r = st->runs[i];
		uint32_t held = r->pk_held;

		if (held == 0)
			continue;
		st->bodies_dropped += log_slim_all(r);
		st->body_bytes -= held;
		st->body_bytes += r->pk_held;
	}
	st->version++;
}
