/* execmon - what metrics.c and metrics-live.c share (private to them). */
#ifndef EXECMON_METRICS_INT_H
#define EXECMON_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "map.h"
#include "metrics.h"
#include "store.h"

/* Fill m->anomalies and m->bursts from m->minutes (anomaly.c has the rules). */
void anomaly_detect(struct metrics *m);

#define MINUTE_MS 60000
#define MINUTE_CHUNK 256      /* minutes per lazily allocated chunk */
#define HOUR_MS 3600000

#define ETA_MIN_SAMPLES 5     /* agent samples for a p50-based ETA */
#define P99_MIN_SAMPLES 20    /* agent samples for the p99 rule */
#define FLAG_MIN_MS 30000     /* nothing is flagged before 30 s */
#define RUNAWAY_LLM_MS 60000  /* an llm.call within the last minute */
#define RUNAWAY_CALLS 5
#define RUNAWAY_QUIET_MS 300000 /* no progress for 5 minutes */

#define NONE_NAME "(none)"

/* Private per-group accumulators, parallel to the public arrays. */
struct agent_acc {
	int64_t exec_sum;      /* execution latency of runs finished in W */
	uint64_t exec_n;
	double p50, p99;       /* of exec (W and P); -1 unknown */
};

struct model_acc {
	int64_t dur_sum;
	uint64_t dur_n;
};

struct kind_count {
	const char *kind;
	uint64_t count;
};

struct tool_acc {
	struct map *kinds;     /* kind -> index + 1 in k */
	struct kind_count *k;
	size_t nk, capk;
};

struct queue_acc {
	int64_t wait_sum;      /* queue latency of runs started in W */
	uint64_t wait_n;
	int64_t oldest_ms;     /* earliest queued_ms of runs queued now */
};

/*
 * A direct-mapped cache of map hits keyed by the key's address. The store
 * interns its runs' strings, so every run of an agent or queue holds the same
 * pointer: most look-ups then cost a multiply instead of hashing the name.
 * Only hits are cached (a key's entry never changes during a compute).
 */
#define PCACHE_SIZE 1024

struct pcache {
	const char *key[PCACHE_SIZE];
	void *value[PCACHE_SIZE];
};

struct ctx {
	struct metrics *m;
	const struct store *st;
	int64_t now, from, pfrom; /* W = (from, now], P = (pfrom, from] */
	int64_t m0;            /* first minute's start */
	struct minute **chunks; /* the window's minutes, MINUTE_CHUNK a chunk,
	                           each allocated when first touched */
	size_t nchunks;

	struct hist queue, exec, e2e, pexec;

	struct map *agent_map;
	struct agent_acc *aacc;
	size_t acap;
	struct map *model_map;
	struct model_acc *macc;
	size_t mcap;
	struct map *tool_map;
	struct tool_acc *tacc;
	size_t tcap;
	struct map *queue_map; /* name -> index + 1 in m->queues */
	struct queue_acc *qacc;
	struct pcache agent_cache, queue_cache;

	size_t rcap, qcap;     /* of m->running, m->queued */
	int64_t wait_sum;      /* of the runs queued now */

	size_t other_agent, other_model, other_tool; /* "(other)" groups + 1, 0 = none yet */

	const char *last_model; /* one-entry caches for log scans */
	size_t last_model_i;
	const char *last_tool;
	size_t last_tool_i;
};

/* metrics.c: the computation's two ends, which both engines share. */
void metrics_ctx_start(struct ctx *c, const struct store *st, int64_t now_ms,
    int64_t window_ms);
struct metrics *metrics_ctx_finish(struct ctx *c);
int64_t metrics_floor_to(int64_t v, int64_t d);
int metrics_dist_bucket(int64_t ms);
void metrics_run_latencies(const struct run *r, int64_t *q, int64_t *x,
    int64_t *e);
size_t metrics_agent_named(struct ctx *c, const char *name, const char *id);
struct live_run *metrics_live_push(struct live_run **v, size_t *n,
    size_t *cap, const struct run *r, int64_t elapsed);
/* metrics-log.c: the model and tool groups, and the log pass of one run. */
size_t metrics_model_index(struct ctx *c, const char *key);
size_t metrics_tool_index(struct ctx *c, const char *key);
void metrics_tool_kind(struct tool_acc *ta, const char *kind, uint64_t n);
void metrics_scan_log(struct ctx *c, const struct run *r);

/* Grow *p (of *cap items of size sz) to hold at least n. */
void *metrics_grow(void *p, size_t *cap, size_t n, size_t sz);
/* The queue a run waits in ("default" when it named none). */
const char *metrics_run_queue(const struct run *r);
/* The index of the group of a run agent_index() has seen. */
size_t metrics_agent_find(struct ctx *c, const struct run *r);
/* The queue stats entry named name, or NULL. */
struct queue_stats *metrics_queue_find(struct ctx *c, const char *name,
    struct queue_acc **acc);
/* The per-minute series (metrics-series.c): set up, the minute holding t,
 * and the minutes with data copied out to m->active. */
void metrics_series_start(struct ctx *c);
struct minute *metrics_minute_at(struct ctx *c, int64_t t);
void metrics_series_finish(struct ctx *c);
/* Expected times and ETAs of the live runs; flags on the running ones. */
void metrics_live_finish(struct ctx *c);


/* metrics-tables.c: each table finished (rates, percentiles) and sorted. */
void metrics_sort(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *));
void metrics_agents_finish(struct ctx *);
void metrics_models_finish(struct ctx *);
void metrics_tools_finish(struct ctx *);
void metrics_queues_start(struct ctx *);
void metrics_queues_finish(struct ctx *);
void metrics_queues_sort(struct ctx *);
/* The latest worker sample at or before now, and the samples in the window. */
void metrics_workers(struct ctx *);

#endif
