/* execmon - everything derived from the model over a window: the numbers. */
#ifndef EXECMON_METRICS_H
#define EXECMON_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "hist.h"
#include "store.h"

/*
 * metrics_compute() is a pure function of (store, filter, now, window): the
 * same events and the same now give the same numbers, whatever the order the
 * events came in. Times are epoch ms, durations ms. "In the window" means
 * finished_ms in (now - window, now]; the previous window is the one just
 * before it. Nothing here sorts all samples: latencies go through hist.
 * The full definitions are the prose contract at the top of metrics.c.
 *
 * Lifetime: the result borrows from the store (run pointers, names, worker
 * samples); it is valid until the store next changes (store_apply,
 * store_evict) or is freed. A NULL filter matches every run.
 */

/*
 * Bound on agent, model and tool groups: each holds a histogram (~18 KB), so
 * a feed with a million names must not get a million of them. Names beyond the
 * bound, in the store's order, are counted together under METRICS_OTHER.
 */
#define METRICS_GROUPS_MAX 1000
#define METRICS_OTHER "(other)"

/* The latencyDistribution buckets (execution latency), exact counts. */
enum { DIST_0_1, DIST_1_5, DIST_5_10, DIST_10_30, DIST_30_60, DIST_60_UP, DIST__COUNT };

struct lat_stats {
	uint64_t n;            /* samples; 0 = every figure unknown (null) */
	double avg, p50, p75, p90, p95, p99; /* ms */
};

struct agent_stats {
	const char *agent_id, *agent_name; /* borrowed from the store */
	uint64_t executions, completed, failed, cancelled; /* finished in window */
	double avg_runtime_ms; /* execution latency mean; <0 = unknown */
	struct hist exec;      /* execution latency of this agent's finished runs (in the window and the one before, for ETAs) */
	int64_t input_tokens, output_tokens, cost_nusd; /* runs finished in window */
	uint64_t running, queued;
};

struct model_stats {
	const char *model_id;
	uint64_t calls;        /* llm.call events in the window */
	int64_t input_tokens, output_tokens, cost_nusd;
	double avg_latency_ms; /* mean duration_ms; <0 = none sent */
	uint64_t errors;       /* calls with finish_reason "error" */
};

#define METRICS_ERROR_KINDS 8
struct tool_stats {
	const char *tool_id;
	uint64_t calls, errors, timeouts;
	struct hist dur;       /* duration_ms */
	double p95_ms;         /* <0 = unknown */
	struct { const char *kind; uint64_t count; } kinds[METRICS_ERROR_KINDS];
	int nkinds;            /* the top kinds, count desc then name */
	uint64_t kinds_other;  /* calls with any further kind ("other") */
};

struct queue_stats {
	const char *name;
	int64_t depth;         /* gauge if one was sent, else runs queued now */
	int from_gauge;
	int paused;            /* from the gauge: 1 paused, 0 not, -1 unknown */
	uint64_t queued;       /* runs now in RUN_QUEUED */
	int64_t oldest_wait_ms;/* of the runs queued now; -1 = none */
	double avg_wait_ms;    /* queue latency of runs that started in the window; <0 = unknown */
};

struct minute {            /* one minute of the window, in event time */
	int64_t t0;            /* start, epoch ms, a multiple of 60 000 */
	uint64_t finished, completed, failed, cancelled, started;
	int64_t exec_sum_ms;   /* of finished runs with a start */
	uint64_t exec_n;
	int64_t exec_max_ms;   /* the longest of them; 0 when exec_n is 0 */
	int64_t exec_sumsq;    /* sum of their squares, ms^2 (saturating) */
};

struct hour_of_day {
	uint64_t executions, completed;
	int64_t exec_sum_ms;
	uint64_t exec_n;
};

enum anomaly_type { ANOM_SPIKE, ANOM_DROP, ANOM_FAILURE_SURGE, ANOM_LATENCY_SPIKE };
enum severity { SEV_LOW, SEV_MEDIUM, SEV_HIGH };

struct anomaly {
	int64_t ts_ms;         /* start of the minute it fired on */
	int64_t end_ms;        /* end of the last minute it held (exclusive) */
	enum anomaly_type type;
	enum severity severity;
	double observed, baseline;
	char description[200];
};

struct burst {
	int64_t start_ms, end_ms; /* end exclusive */
	uint64_t peak;         /* busiest minute */
	uint64_t total;
	enum severity impact;
};

enum flag_reason { FLAG_PAST_ESTIMATE, FLAG_PAST_P99, FLAG_RUNAWAY_TOKENS };

struct flagged {
	const struct run *run;
	enum flag_reason reason;
	int64_t elapsed_ms;
	int64_t expected_ms;   /* the estimate or the agent p99 it passed;
	                          runaway: the run's expected time or -1 */
	int64_t cost_nusd;     /* so far */
	int64_t projected_nusd;/* at the expected end rate; -1 = unknown */
	/* what metrics_flag_why() says: the text is made only when shown, as
	   half a million runs can be flagged at once */
	double ratio;          /* elapsed / the estimate or the p99 */
	uint64_t samples;      /* past_p99: the agent's runs measured */
	int64_t since_llm_ms;  /* runaway: since its latest llm.call */
	int64_t quiet_ms;      /* runaway: without progress */
};

struct live_run {
	const struct run *run;
	int64_t elapsed_ms;    /* now - started (running) or now - queued (queued) */
	int64_t expected_ms;   /* estimated_ms, else the agent's p50; -1 = unknown */
	int64_t eta_ms;        /* epoch ms of the expected end/start; -1 = unknown */
	int flagged;           /* index into flags + 1, 0 = not flagged */
};

struct metrics {
	int64_t now_ms, window_ms, from_ms;

	/* performance: runs finished in the window */
	uint64_t total, completed, failed, cancelled;
	struct lat_stats queue, exec, e2e;
	uint64_t dist[DIST__COUNT];
	struct {
		uint64_t total, completed;
		struct lat_stats exec;
	} prev;

	/* realtime (now) */
	struct live_run *running;  /* newest start first */
	size_t nrunning;
	struct live_run *queued;   /* priority desc, then oldest first */
	size_t nqueued;
	int64_t queue_depth;       /* sum over queues of depth */
	double avg_queue_wait_ms;  /* mean wait of runs queued now; <0 = none */
	int have_workers;          /* a worker.status was seen */
	const struct worker_sample *worker; /* latest, or NULL */
	const struct worker_sample *samples; size_t nsamples; /* in the window */

	/*
	 * throughput: the window's minutes are minute0_ms + i x 60 s for
	 * i < nminutes; only those in which a run started or finished are
	 * held, in active (oldest first), so the cost follows the data and not
	 * the window's length. metrics_minute() gives any of them.
	 */
	int64_t minute0_ms;
	size_t nminutes;
	struct minute *active;
	size_t nactive;
	uint64_t peak_per_minute;
	int64_t peak_ms;           /* its minute; 0 = none */

	/* aggregates, each sorted by count desc then name */
	struct agent_stats *agents; size_t nagents;
	struct model_stats *models; size_t nmodels;
	struct tool_stats *tools; size_t ntools;
	struct queue_stats *queues; size_t nqueues;
	struct hour_of_day hours[24]; /* UTC hour of finish */

	/* patterns */
	struct anomaly *anomalies; size_t nanomalies; /* newest first */
	struct burst *bursts; size_t nbursts;     /* oldest first */
	struct flagged *flags; size_t nflags;     /* in the order of running */
	int anomaly_history;       /* complete minutes of history in the window */
	int anomaly_judged;        /* of those, minutes the anomaly rules judged */

	/* totals over runs finished in the window */
	int64_t input_tokens, output_tokens, cost_nusd;
	uint64_t runs_seen;        /* runs in the store that passed the filter */
};

/*
 * The figures at now over (now - window, now]. When the store has a rollup
 * (rollup.h) and the rollup can answer (no filter, groups within
 * METRICS_GROUPS_MAX, minutes held back to now - 2 window), from the rollup:
 * O(minutes in the two windows + runs of their boundary minutes + live runs);
 * else metrics_compute_full(). Both give the same struct, field for field.
 * (Defined in rollup-query.c, beside the rollup it asks first.)
 */
struct metrics *metrics_compute(const struct store *, const struct filter *,
    int64_t now_ms, int64_t window_ms);
/* The reference engine: one pass over every run held (the contract above). */
struct metrics *metrics_compute_full(const struct store *, const struct filter *,
    int64_t now_ms, int64_t window_ms);
void metrics_free(struct metrics *);
/* Minute i (< nminutes) of the window: the one held, else an empty one. */
struct minute metrics_minute(const struct metrics *, size_t i);
/* The index in active of the first minute at or after minute i. */
size_t metrics_minute_seek(const struct metrics *, size_t i);
/*
 * The window's series in steps of step_ms (a multiple of a minute that
 * divides a day): each step's minutes summed, the step's start as t0, from
 * the step holding the first minute to the one holding now. Returns the
 * count; *out is the caller's to free.
 */
size_t metrics_series(const struct metrics *, int64_t step_ms,
    struct minute **out);

const char *anomaly_type_name(enum anomaly_type);   /* spike, drop, failure_surge, latency_spike */
const char *severity_name(enum severity);           /* low, medium, high */
const char *flag_reason_name(enum flag_reason);     /* past_estimate, past_p99, runaway_tokens */
/* One line for people on why the run was flagged, into buf (160 bytes do). */
const char *metrics_flag_why(const struct flagged *, char *buf, size_t size);
extern const char *const metrics_dist_names[DIST__COUNT]; /* "0-1s" ... "60s+" */

#endif
