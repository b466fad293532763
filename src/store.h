/* execmon - the model: runs, their event logs, traces, queues, workers. */
#ifndef EXECMON_STORE_H
#define EXECMON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum run_status {
	RUN_UNKNOWN = 0, /* only seen through llm/tool/log events */
	RUN_QUEUED,
	RUN_RUNNING,
	RUN_COMPLETED,
	RUN_FAILED,
	RUN_CANCELLED,
	RUN__COUNT
};

/* Bound on one run's event log; older events (by event time) are dropped. */
#define STORE_LOG_MAX 1000
/* Bound on runs held; beyond it the oldest finished runs are evicted. */
#define STORE_RUNS_MAX 2000000
/* Bound on worker.status samples kept for the resource series. */
#define STORE_WORKER_SAMPLES 4096

/*
 * One event of a run's log (16 bytes). The event itself is packed in the run's private
 * buffer (fields the run holds too are referred to, not copied): read it with
 * run_log_get() or run_log_peek().
 */
struct logent {
	int64_t ts_ms;         /* event time, epoch ms */
	uint32_t off;          /* the packed event, private to the store */
	signed int source : 24; /* index in the source table, -1 = none (LOGENT_SOURCES) */
	unsigned type : 6;     /* enum event_type */
	unsigned flags : 2;    /* LOGENT_* */
};
/* Source indexes a log entry holds; events of later ones are held as from none. */
#define LOGENT_SOURCES (1 << 23)

/*
 * The event's body is not held: the log keeps its time, type, source, entry
 * ID and what the metrics, the errors table, the filters and search read of
 * it (see store_set_bodies); run_log_get gives that much.
 */
#define LOGENT_SLIM 0x01

/*
 * One run. Derived only from the set of its events, never from their order:
 * the same events in any order, any number of times, give the same run.
 * Times are event times in epoch ms; 0 = unknown.
 */
struct run {
	const char *id;        /* interned in the store's pool (strpool.h) */
	enum run_status status;
	int cost_estimated;    /* that cost holds estimates from model prices (prices.c) */
	int64_t queued_ms;     /* earliest run.queued */
	int64_t started_ms;    /* earliest run.started */
	int64_t finished_ms;   /* the deciding terminal event's time */
	int64_t first_ms, last_ms; /* earliest and latest event time */

	/*
	 * Identity: the first value seen wins; on conflict the smallest string.
	 * Names many runs share (agent, version, user, workspace, origin,
	 * queue, model, fallback reason, error class) and the ids that name
	 * other runs (trace, parent, root) are interned in the store
	 * (strpool.h): equal ones are the same pointer while the store is
	 * unchanged. The others are the run's own copies.
	 */
	const char *agent_id, *agent_name, *agent_version;
	const char *trace_id, *span_id, *parent_run_id, *root_run_id, *request_id;
	const char *user_id, *workspace_id, *origin;
	const char *queue;     /* from run.queued; NULL = "default" */
	const char *model_id;  /* terminal event's, else the most recent llm.call's */
	const char *error_class, *error_message; /* from the deciding run.failed */
	const char *fallback_reason;

	int64_t priority;
	int64_t estimated_ms;  /* 0 = none */
	double progress;       /* latest run.progress by event time; <0 = none */
	int64_t progress_ms;   /* its event time */

	int64_t llm_calls, tool_calls, tool_errors, retries;
	int64_t input_tokens, output_tokens; /* totals (see store.c) */
	int64_t cost_nusd;     /* cost in nano-USD, exact integer sums */
	int64_t last_llm_ms;   /* latest llm.call event time */

	struct logent *log;    /* sorted by (ts, source, entry id, arrival) */
	uint32_t nlog, log_cap; /* nlog <= STORE_LOG_MAX */
	uint64_t log_dropped;  /* events beyond STORE_LOG_MAX */

	/* private to the store (widest first: no padding) */
	uint64_t *gone;        /* keys of (source, entry ID) of events applied but
	                          not in the log (dropped by its bounds), sorted */
	int64_t llm_in, llm_out, llm_nusd;   /* sums over llm.call */
	int64_t tot_in, tot_out, tot_nusd;   /* totals from the terminal event */
	int64_t term_key_ms;   /* the deciding terminal's time */
	uint64_t term_key_id;  /* its (source, entry id) hash, 0 = none */
	const char *term_model; /* its model_id */
	const char *llm_model; /* model_id of the latest llm.call */
	int64_t llm_model_ms;  /* that llm.call's event time */
	uint64_t nevents;      /* distinct events applied */
	struct logent *log_base; /* the log's allocation (log points into it) */
	unsigned char *pk;     /* packed events of the log */
	size_t index;          /* position in the store's run vector */
	struct run *trace_prev, *trace_next; /* the trace's runs, a ring in
	                          first-seen order; trace_next links free slots */
	uint64_t id_hash;      /* map_hash of id */
	uint32_t ngone, gone_cap;
	uint32_t tot_has;      /* EF_INPUT_TOKENS|EF_OUTPUT_TOKENS|EF_COST_USD on it */
	uint32_t types;        /* bit (1 << type) per event type seen */
	uint32_t pk_len, pk_cap, pk_dead; /* bytes used, allocated, unused */
	uint32_t pk_held;      /* packed bytes of entries with their body (not slim) */
	int has_totals;        /* terminal event carried token/cost totals */
	uint8_t term_key_type; /* the deciding terminal's type, 0 = none */
	uint8_t has_priority;
	uint8_t pk_plain;      /* identity changed too often: packs hold copies */
	uint8_t pk_fixups;     /* identity changes that repacked the log */
	uint8_t llm_estimated; /* an llm.call's cost was estimated */
};

struct queue_state {
	char *name;
	int64_t gauge;         /* latest queue.depth, -1 = never sent */
	int64_t gauge_ms;      /* its event time */
	int paused;            /* 1/0 as that queue.depth said; -1 = not said */
	int64_t queued;        /* runs of this queue now in RUN_QUEUED */
	int64_t oldest_queued_ms; /* 0 when none (recomputed by store_queues_refresh) */
};

struct worker_sample {
	int64_t ts_ms;
	uint32_t has;          /* EF_WORKERS_TOTAL ... EF_MEMORY */
	int64_t total, busy;
	double cpu, memory;
	uint64_t key;          /* private: (source, entry id) hash, 0 = none */
};

struct store;

struct store *store_create(void);
void store_free(struct store *);

/*
 * Apply one event. The store takes ownership of ev's contents (ev is left
 * empty). Returns 1 when it changed the model, 0 when it was a duplicate of an
 * event already held (same source and entry ID).
 */
int store_apply(struct store *, struct event *ev);

/*
 * Which event bodies the store holds. STORE_BODIES_ALL (the default): every
 * one. STORE_BODIES_REREAD: not those of sources that can read an entry
 * back by its ID (source_info.rereadable: Redis streams), whose log entries
 * are slim (LOGENT_SLIM): their time, type, entry ID, numbers and strings
 * (model, tool, outcome, errors, message...), identity only where it is the
 * run's, and of the payload (unknown fields) only its keys and strings, for
 * search. The drill-down reads the rest back from the source.
 */
enum store_bodies { STORE_BODIES_ALL, STORE_BODIES_REREAD };
void store_set_bodies(struct store *, enum store_bodies);
/*
 * Bound the bytes of event bodies held (0, the default: no bound). Beyond
 * it, the bodies of the runs seen first are let go, whole runs at a time,
 * until 7/8 of the bound is held: their entries become slim (LOGENT_SLIM),
 * keeping every figure; the drill-down says their bodies were not kept
 * (those of a source that can re-read them are read back as before).
 */
void store_set_log_budget(struct store *, size_t bytes);
/* Bytes of event bodies held now, and bodies let go by the budget so far. */
size_t store_body_bytes(const struct store *);
uint64_t store_bodies_dropped(const struct store *);

/* A number no other store of this process has had (to tell a new store from an old one at the same address). */
uint64_t store_serial(const struct store *);

/* Counter that changes whenever the model does (for redraw decisions). */
uint64_t store_version(const struct store *);

size_t store_nruns(const struct store *);
struct run *store_run_at(const struct store *, size_t i);
struct run *store_find(const struct store *, const char *run_id);

/* Whether the body of event i of r's log is held (not LOGENT_SLIM). */
int run_log_held(const struct run *r, size_t i);
/*
 * Event i of r's log as a copy the caller owns (event_done it). Copies are
 * made for the drill-down and reports, never on the ingest path.
 */
void run_log_get(const struct run *r, size_t i, struct event *ev);
/*
 * Event i of r's log without copies, for reading many: strings point into the
 * store and stay valid until it next changes (but entry_id, which may be
 * formatted for the call: valid until the next run_log_peek), extra is NULL
 * (unknown fields are only in run_log_get), and ev must not be passed to
 * event_done.
 */
void run_log_peek(const struct run *r, size_t i, struct event *ev);
/*
 * Whether event i of the run holds needle (case-insensitive) in any of its
 * text: type, message, model, tool, outcome, error kind, class and message,
 * queue, finish and fallback reasons, and every string of its payload
 * (fields execmon does not know, nested ones included).
 */
int run_log_event_has_text(const struct run *r, size_t i, const char *needle);
/* Whether any event the run holds has it (bounded by the log kept). */
int run_log_has_text(const struct run *r, const char *needle);

/* What the metrics read of one event of a run's log. */
struct log_figures {
	uint32_t has;          /* enum event_field bits */
	const char *model_id, *finish_reason; /* NULL = absent */
	const char *tool_id, *outcome, *error_kind;
	int64_t input_tokens, output_tokens, duration_ms; /* when has says */
	double cost_usd;
};
/*
 * The figures of event i of r's log, decoding nothing else: strings point
 * into the store and stay valid until it next changes.
 */
void run_log_figures(const struct run *r, size_t i, struct log_figures *f);

/* Runs sharing trace_id (in first-seen order); *out is owned by the store. */
size_t store_trace(const struct store *, const char *trace_id, struct run *const **out);

size_t store_nqueues(const struct store *);
struct queue_state *store_queue_at(const struct store *, size_t i);
/* Recompute per-queue queued counts and oldest waits. */
void store_queues_refresh(struct store *);

/* worker.status samples, oldest first (at most STORE_WORKER_SAMPLES). */
size_t store_workers(const struct store *, const struct worker_sample **out);

/* Runs whose cost holds estimates (cost_estimated), among those held. */
size_t store_estimated_runs(const struct store *);

/* Events without a run that we still count, by type. */
uint64_t store_type_count(const struct store *, enum event_type);
uint64_t store_duplicates(const struct store *);
uint64_t store_evicted(const struct store *);

/*
 * A watcher of run changes (one per store), for figures kept up to date as
 * runs change (rollup.c). fn(arg, r, STORE_RUN_BEFORE, ev) is called before
 * ev changes r (r as it was; a new run is empty), fn(arg, r, STORE_RUN_AFTER,
 * NULL) once it has, and fn(arg, r, STORE_RUN_GONE, NULL) before an evicted
 * run is freed. Duplicates call nothing. free_arg(arg), if not NULL, when the
 * store is freed. The watcher must not change the store. The watcher may keep
 * r's address: a run stays where it is from its creation to STORE_RUN_GONE.
 */
enum store_change { STORE_RUN_BEFORE, STORE_RUN_AFTER, STORE_RUN_GONE };
typedef void store_watch_fn(void *arg, const struct run *r,
    enum store_change what, const struct event *ev);
void store_set_watch(struct store *, store_watch_fn *fn, void *arg,
    void (*free_arg)(void *));
/* The watcher's arg when fn is the watcher, else NULL. */
void *store_watch_arg(const struct store *, store_watch_fn *fn);

/* Evict finished runs whose last_ms < horizon_ms, with their logs. */
void store_evict(struct store *, int64_t horizon_ms);
/*
 * Evict the finished runs for which evict(r, arg) says 1 (it may note what
 * it lets go) and remember their ids: an event for one of them afterwards
 * makes a new run, and counts in store_revived(). Returns how many went.
 */
size_t store_evict_where(struct store *,
    int (*evict)(const struct run *r, void *arg), void *arg);
/* New runs made for ids store_evict_where() had let go. */
uint64_t store_revived(const struct store *);

/*
 * Set the bound on runs held (default STORE_RUNS_MAX, at least 1); it is
 * enforced when the next new run is created.
 */
void store_set_max_runs(struct store *, size_t max);

/* Saturating signed add, so hostile totals cannot overflow. */
int64_t store_add_sat(int64_t a, int64_t b);
/* US dollars to nano-dollars, rounded to the nearest, clamped; 0 if not finite. */
int64_t store_usd_to_nusd(double usd);

const char *run_status_name(enum run_status);
int run_status_from_name(const char *); /* -1 if unknown */
int run_is_finished(const struct run *);

#endif
