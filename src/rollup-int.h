/* execmon - what rollup.c and rollup-query.c share: the minutes and their groups. */
#ifndef EXECMON_ROLLUP_INT_H
#define EXECMON_ROLLUP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"
#include "metrics.h"
#include "rollup.h"
#include "store.h"

#define RU_MINUTE 60000

/* Exact sums, clamped to int64 only when read (rollup.c says why). */
typedef __int128 rwide;

/* A set of runs with a count each (open addressing on the address). */
struct pset {
	const struct run **k;  /* NULL = free slot */
	uint32_t *v;
	size_t n, cap;         /* cap: 0 or a power of two */
};

/* A sparse histogram: hist's buckets, only those with counts. */
struct shist_ent {
	uint16_t idx;
	uint32_t c;
};

struct shist {
	uint64_t count;
	uint64_t sum;          /* wraps as hist's sum would */
	int64_t min, max;      /* exact when ext (see rbucket.stale) */
	int ext;               /* min and max hold something */
	uint64_t gn;           /* values of evicted runs still counted */
	int64_t gmin, gmax;    /* their extremes */
	struct shist_ent *e;   /* sorted by idx */
	uint32_t n, cap;
};

struct rcount {
	uint32_t id;           /* a group id */
	uint32_t n;
};

/* Names: interned once, numbered in order of first sight. */
#define RU_CACHE 16

struct rgroups {
	struct map *map;       /* name -> id + 1 */
	char **name;
	size_t n, cap;
	/*
	 * The names asked for come mostly from the store's interned strings: the
	 * last id found for a pointer, checked against the name (a pointer
	 * freed and reused for another string is then just a miss).
	 */
	struct { const char *ptr; uint32_t id; } cache[RU_CACHE];
};

struct ragent {            /* runs of one agent finished in a minute */
	uint32_t gid;
	uint64_t executions, completed, failed, cancelled;
	rwide exec_sum, in, out, cost;
	struct shist exec;
	struct rcount *ids;    /* agent ids, runs with each */
	uint32_t nids, capids;
};

struct rmodel {            /* llm.call events of one model in a minute */
	uint32_t gid;
	uint64_t calls, errors, dur_n;
	rwide in, out, cost, dur_sum;
};

struct rtool {             /* tool.call events of one tool in a minute */
	uint32_t gid;
	uint64_t calls, errors, timeouts;
	struct shist dur;
	struct rcount *kinds;  /* error kinds counted, calls with each */
	uint32_t nkinds, capkinds;
};

struct rqueue {            /* runs of one queue that started in a minute */
	uint32_t gid;
	uint64_t wait_n;
	rwide wait_sum;
};

/*
 * One minute [t0, t0 + 60 s) in event time: every figure of the runs that
 * finished in it (by finished_ms), started in it (by started_ms) and of the
 * llm.call and tool.call events in it (by ts), and the runs held that
 * contributed each, so that the minute can be split exactly at a window's
 * edge and its extremes found again.
 */
struct rbucket {
	int64_t t0;
	int64_t tmin, tmax;    /* every time counted lies in [tmin, tmax] */
	int64_t gtmin, gtmax;  /* the times evicted runs gave, while still
	                          counted, and not kept below; gtmin > gtmax = none */
	struct rfin *kfin;     /* what evicted runs gave, kept (rollup_keep) */
	struct rstart *kstart;
	struct rcall *kcall;
	uint32_t nkfin, capkfin, nkstart, capkstart, nkcall, capkcall;
	uint64_t total, completed, failed, cancelled, started;
	uint64_t dist[DIST__COUNT];
	rwide exec_sum, exec_sumsq, in, out, cost;
	struct shist queue, exec, e2e;
	struct ragent *ag;
	struct rmodel *mo;
	struct rtool *to;
	struct rqueue *qu;
	uint32_t nag, capag, nmo, capmo, nto, capto, nqu, capqu;
	struct pset fins, starts, calls; /* runs held, by what they gave */
	int stale;             /* an extreme was taken out: find them again */
};

/* What a run gives to the minute it finished in. */
struct rfin {
	int on;                /* finished */
	int64_t t;
	int status;
	int64_t q, x, e;       /* latencies, -1 = none */
	uint32_t agent;        /* agents group */
	int32_t id;            /* ids group, -1 = none */
	int64_t in, out, cost;
};

/* What a run gives to the minute it started in. */
struct rstart {
	int on;
	int64_t t;
	int32_t queue;         /* queues group of a counted wait, -1 = none */
	int64_t wait;
};

/* What an llm.call or tool.call event gives to its minute. */
struct rcall {
	int64_t t;
	int type;              /* EV_LLM_CALL or EV_TOOL_CALL */
	uint32_t has;
	uint32_t group;        /* models or tools group */
	int32_t kind;          /* kinds group of a counted error kind, -1 = none */
	int err, timeout;
	int64_t in, out, cost, dur;
};

struct rollup {
	struct rbucket **b;    /* by t0 */
	size_t nb, capb;
	int64_t horizon;       /* minutes before it are gone; INT64_MIN = none */
	struct rgroups agents, ids, models, tools, kinds, queues;
	struct pset live;      /* runs not finished */
	uint64_t inexact;      /* rollup_inexact() */
	int64_t (*keep)[2];    /* rollup_keep(): what evicted runs gave in these */
	size_t nkeep;

	/* the change in progress, between STORE_RUN_BEFORE and _AFTER */
	struct rfin fin;
	struct rstart start;
	int full_log;          /* the log's calls are taken out and put back */
	int ev_call;           /* the event is a call: only its time changes */
	int64_t ev_ts;
	struct rcall *pc;      /* calls before the change */
	size_t npc, cappc;
	struct rcall *nc;      /* scratch */
	size_t nnc, capnc;
};

enum { RU_ADD, RU_SUB, RU_GONE, RU_EXT };

int64_t ru_clamp(rwide v);
uint32_t ru_intern(struct rgroups *g, const char *name);
/* The group of name, or -1 when it was never interned. */
int32_t ru_lookup(const struct rgroups *g, const char *name);
void ru_fin_of(struct rollup *, const struct run *, struct rfin *);
void ru_start_of(struct rollup *, const struct run *, struct rstart *);
/* The calls of r's log with ts in [lo, hi], into *out (grown). */
size_t ru_calls_of(struct rollup *, const struct run *, int64_t lo, int64_t hi,
    struct rcall **out, size_t *cap);
/* The minute holding t, or NULL; index of the first at or after t. */
struct rbucket *ru_bucket(const struct rollup *, int64_t t);
size_t ru_bucket_seek(const struct rollup *, int64_t t);
/* Find a stale minute's extremes again. */
void ru_refresh(struct rollup *, struct rbucket *);
/*
 * d more (or, d < 0, fewer) of group id in the list v[0..*n); a group is
 * added on first use and dropped when it comes to 0 by a decrease.
 */
void ru_count_add(struct rcount **v, uint32_t *n, uint32_t *cap, uint32_t id,
    int64_t d);
/* rollup-sets.c. A set of runs: add n to r's count; take n off (all when
   0), r leaving at 0; iterate with i from 0 while pset_next gives a run. */
void pset_add(struct pset *, const struct run *r, uint32_t n);
void pset_sub(struct pset *, const struct run *r, uint32_t n);
int pset_has(const struct pset *, const struct run *r);
const struct run *pset_next(const struct pset *, size_t *i);
void pset_done(struct pset *);
/* A sparse histogram: add a value, take one out (1 when it was an extreme),
   note an evicted run's value, and find the extremes again (reset, then
   shist_ext of every value held). Negative values count as 0. */
void shist_add(struct shist *, int64_t v);
int shist_sub(struct shist *, int64_t v);
void shist_gone(struct shist *, int64_t v);
void shist_ext_reset(struct shist *);
void shist_ext(struct shist *, int64_t v);

#endif
