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

struct trace {
	struct run **runs;     /* first-seen order */
	size_t n, cap;
	uint64_t gen;          /* last eviction pass that compacted it */
};

struct store {
	struct strpool *strings; /* the runs' strings but their ids */
	struct run **runs;     /* dense, first-seen order */
	size_t nruns, runs_cap;
	size_t max_runs;
	struct map *by_id;     /* run id -> struct run */
	struct map *traces;    /* trace id -> struct trace */
	uint64_t evict_gen;

	struct queue_state **queues;
	size_t nqueues, queues_cap;
	struct map *by_queue;  /* name -> struct queue_state */

	struct worker_sample *wbuf; /* 2 * STORE_WORKER_SAMPLES, lazily */
	size_t wstart, nw;     /* samples are wbuf[wstart .. wstart + nw) */

	uint64_t *gring;       /* global seen keys, oldest at ghead when full */
	size_t gn, ghead;
	uint64_t *gtab;        /* open-addressing set, 2 * STORE_GLOBAL_SEEN */

	store_watch_fn *watch; /* store_set_watch(), NULL = none */
	void *watch_arg;
	void (*watch_free)(void *);

	uint64_t version;
	uint64_t duplicates;
	uint64_t evicted;
	uint64_t type_count[EV__COUNT];
};


/* store-index.c: the seen sets (dedup by source and entry ID), the trace index, worker samples. */
uint64_t store_event_key(const struct event *ev);
int store_keyset_add(uint64_t *tab, size_t cap, uint64_t key);
int store_keyset_has(const uint64_t *tab, size_t cap, uint64_t key);
void store_keyset_del(uint64_t *tab, size_t cap, uint64_t key);
int store_run_seen_add(struct run *r, uint64_t key);
int store_global_seen_add(struct store *st, uint64_t key);
void store_trace_add(struct store *st, struct run *r);
void store_trace_drop(struct store *st, const char *id, struct trace *t);
void store_trace_remove(struct store *st, struct run *r);
int store_worker_add(struct store *st, const struct event *ev, uint64_t key);
/* The queue of that name, made on first use. */
struct queue_state *store_queue_get(struct store *, const char *name);

#endif
