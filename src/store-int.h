/* execmon - what store.c and store-index.c share: the store itself, its indexes. */
#ifndef EXECMON_STORE_INT_H
#define EXECMON_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "map.h"
#include "store.h"
#include "strpool.h"

#define STORE_GLOBAL_SEEN 65536
#define TOTALS_MASK (EF_INPUT_TOKENS | EF_OUTPUT_TOKENS | EF_COST_USD)
#define TYPE_BIT(t) (1u << (t))

struct store {
	struct strpool *strings; /* the runs' interned strings */
	struct run **runs;     /* dense, first-seen order */
	size_t nruns, runs_cap;
	size_t max_runs;

	/* store-runs.c: the runs' slabs and indexes */
	struct run **slabs;    /* RUN_SLAB runs each, never moved */
	size_t nslabs, slabs_cap;
	struct run *free_runs; /* free slots, linked by trace_next */
	struct run **idtab;    /* id index: open addressing by id_hash */
	uint32_t *idtag;       /* beside each entry, the low bits of its key */
	size_t idcap, nid;
	struct run **trtab;    /* trace index: each trace's first run */
	uint32_t *trtag;
	size_t trcap, ntr;
	struct run **trace_out; /* store_trace's answer */
	size_t trace_out_cap;

	struct queue_state **queues;
	size_t nqueues, queues_cap;
	struct map *by_queue;  /* name -> struct queue_state */

	struct worker_sample *wbuf; /* 2 * STORE_WORKER_SAMPLES, lazily */
	size_t wstart, nw;     /* samples are wbuf[wstart .. wstart + nw) */

	uint64_t *gring;       /* global seen keys, oldest at ghead when full */
	size_t gn, ghead;
	uint64_t *gtab;        /* open-addressing set, 2 * STORE_GLOBAL_SEEN */

	uint64_t serial;       /* store_serial */
	enum store_bodies bodies;
	size_t log_budget;     /* bound on body bytes held, 0 = none */
	size_t body_bytes;     /* sum of the runs' pk_held */
	uint64_t bodies_dropped; /* bodies let go by the budget */
	store_watch_fn *watch; /* store_set_watch(), NULL = none */
	void *watch_arg;
	void (*watch_free)(void *);

	uint64_t version;
	uint64_t duplicates;
	uint64_t evicted;
	uint64_t *let_go;      /* store_evict_where's ids (id_hash, 0 as 1) */
	size_t let_go_n, let_go_cap;
	uint64_t *let_go_bits; /* a filter of them: let_go_cap / 4 words */
	uint64_t revived;      /* runs made again for those ids */
	uint64_t type_count[EV__COUNT];
};


/* Remove every run whose index is SIZE_MAX (store.c). */
void store_remove_marked(struct store *);

/* store-runs.c: slabs, the id index, the trace index. */
/* The run with that id, or NULL. */
struct run *store_run_lookup(const struct store *, const char *id);
/* A new, zeroed run in a slab, with its id set and indexed. */
struct run *store_run_new(struct store *, const char *id);
/* Unindex r, drop its id and give its slot back (its other fields are freed by the caller). */
void store_run_release(struct store *, struct run *r);
/* The runs, their slabs and indexes, at the store's end (the pool is freed after). */
void store_runs_done(struct store *);
/* Let bodies go, runs seen first first, until 7/8 of the log budget is held. */
void store_bodies_trim(struct store *);
void store_trace_add(struct store *st, struct run *r);
void store_trace_remove(struct store *st, struct run *r);

/* store-index.c: dedup by source and entry ID beyond the logs, worker samples. */
uint64_t store_event_key(const struct event *ev);
uint64_t store_key_of(const char *entry_id, int source);
int store_keyset_add(uint64_t *tab, size_t cap, uint64_t key);
int store_keyset_has(const uint64_t *tab, size_t cap, uint64_t key);
void store_keyset_del(uint64_t *tab, size_t cap, uint64_t key);
void store_run_gone_add(struct run *r, uint64_t key);
int store_run_gone_has(const struct run *r, uint64_t key);
int store_global_seen_add(struct store *st, uint64_t key);
int store_worker_add(struct store *st, const struct event *ev, uint64_t key);
/* The queue of that name, made on first use. */
struct queue_state *store_queue_get(struct store *, const char *name);

#endif
