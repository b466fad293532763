/* execmon-gen - internal interfaces of the workload generator. */
#ifndef EXECMON_GEN_H
#define EXECMON_GEN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define GEN_STREAMS_MAX 64
#define GEN_INJECT_MAX 32

enum gen_encoding { GEN_ENC_MIXED = 0, GEN_ENC_FLAT, GEN_ENC_JSON };

enum gen_inject_kind { GEN_BURST = 0, GEN_DROP, GEN_SURGE };

/* One --inject: a window of simulated time where the workload changes. */
struct gen_inject {
	enum gen_inject_kind kind;
	int64_t from_ms; /* simulated ms after start */
	int64_t len_ms;
};

/* Everything the command line decides. */
struct gen_opts {
	const char *redis_url;
	const char *streams[GEN_STREAMS_MAX];
	int nstreams;
	double rate;          /* runs started per second; 0 = no pacing */
	uint64_t runs;        /* total runs, children included; 0 = no limit */
	int64_t duration_ms;  /* stop starting runs after this; 0 = never */
	uint64_t seed;
	int64_t start_ts;     /* epoch ms of simulated time 0; -1 = real time */
	double time_scale;    /* multiplies every duration of the workload */
	enum gen_encoding encoding;
	double malformed;     /* extra malformed entries per event, 0..1 */
	double hostile;       /* fraction of runs with hostile strings, 0..1 */
	struct gen_inject injects[GEN_INJECT_MAX];
	int ninjects;
	long long maxlen;     /* XADD MAXLEN ~ N; 0 = none */
	int pipeline;         /* commands per round trip */
	int ts_id;            /* 1 = no ts field: the entry ID is the time */
	int out_of_order;     /* shuffle window, entries; 0 = in order */
	int print;            /* echo every entry written on stdout */
	int workers;          /* worker pool size */
	const char *ws_listen; /* --ws-listen [HOST:]PORT, or NULL */
	int use_redis;        /* write to Redis (not with only --ws-listen) */
	int celery;           /* --celery: publish as a Celery cluster instead */
	int shannon;          /* --format shannon */
	int short_runs;       /* --short-runs: one LLM call a run, 4 events */
};

/* A small deterministic PRNG (splitmix64). */
struct gen_rng {
	uint64_t s;
};

void gen_rng_seed(struct gen_rng *, uint64_t seed, uint64_t stream);
uint64_t gen_rng_next(struct gen_rng *);
/* Uniform in [0, 1). */
double gen_rng_unit(struct gen_rng *);
/* Uniform integer in [0, n); 0 when n is 0. */
uint64_t gen_rng_below(struct gen_rng *, uint64_t n);
/* Uniform integer in [lo, hi]. */
int64_t gen_rng_range(struct gen_rng *, int64_t lo, int64_t hi);
int gen_rng_chance(struct gen_rng *, double p);
double gen_rng_normal(struct gen_rng *);
/* Log-normal with the given median; sigma is the spread of its logarithm. */
double gen_rng_lognormal(struct gen_rng *, double median, double sigma);
/* Exponential with the given mean. */
double gen_rng_exp(struct gen_rng *, double mean);
/* Pick an index by weight. */
size_t gen_rng_pick(struct gen_rng *, const double *weights, size_t n);
/* Write n lowercase hex digits and a NUL to out. */
void gen_rng_hex(struct gen_rng *, char *out, size_t n);

/* A growable byte buffer. */
struct gen_buf {
	char *p;
	size_t len;
	size_t cap;
};

void gen_buf_add(struct gen_buf *, const void *, size_t);
void gen_buf_str(struct gen_buf *, const char *);
/* Append s as a quoted JSON string (s is valid UTF-8). */
void gen_buf_json_str(struct gen_buf *, const char *s);
void gen_buf_free(struct gen_buf *);

/* One event field, typed so each encoding can write it its own way. */
enum gen_value { GEN_STR = 0, GEN_INT, GEN_REAL, GEN_BOOL };

struct gen_field {
	const char *name;     /* static storage */
	enum gen_value kind;
	const char *str;      /* GEN_STR: in the event's text */
	int64_t i;            /* GEN_INT, GEN_BOOL */
	double d;             /* GEN_REAL, already rounded */
	int decimals;         /* GEN_REAL */
};

#define GEN_FIELDS_MAX 40
#define GEN_EVENT_TEXT 8192

/*
 * One well-formed event as the workload produced it. Its string values live
 * in its own text, so an event is never copied or moved, only pointed to.
 */
struct gen_event {
	int stream;           /* index in gen_opts.streams */
	int json;             /* 1 = one "json" field, 0 = flat fields */
	int run_start;        /* a run.queued: the first event of a run */
	int64_t sim_ms;       /* simulated time */
	int64_t ts_ms;        /* event time, epoch ms (set by the caller) */
	size_t nfields;
	struct gen_field fields[GEN_FIELDS_MAX];
	size_t textlen;
	char text[GEN_EVENT_TEXT];
};

void gen_event_init(struct gen_event *, int stream, int json, int64_t sim_ms);
void gen_event_str(struct gen_event *, const char *name, const char *value);
void gen_event_int(struct gen_event *, const char *name, int64_t value);
void gen_event_real(struct gen_event *, const char *name, double value,
    int decimals);
void gen_event_bool(struct gen_event *, const char *name, int value);
/* The field of that name, or NULL. */
const struct gen_field *gen_event_find(const struct gen_event *,
    const char *name);
/* A field's value as text, as the flat encoding writes it; returns buf. */
const char *gen_field_text(const struct gen_field *, char *buf, size_t size);
/* Append a field's value as JSON. */
void gen_field_json(const struct gen_field *, struct gen_buf *);

/* The simulation: runs, queues and workers on a timer heap. */
struct gen_sim;
typedef void (*gen_emit_fn)(void *arg, struct gen_event *ev);

struct gen_sim *gen_sim_create(const struct gen_opts *, gen_emit_fn, void *);
void gen_sim_free(struct gen_sim *);
/* Simulated ms of the next thing to happen, or -1 when all is done. */
int64_t gen_sim_next(const struct gen_sim *);
/* Do the next thing; events go to the emit function (which owns them). */
void gen_sim_step(struct gen_sim *);
/* Start no more runs; those already started finish. */
void gen_sim_stop_arrivals(struct gen_sim *);

/* One run of an agent, as the simulation schedules it. */
enum gen_step_kind {
	GEN_STEP_THINK = 0,
	GEN_STEP_LLM,
	GEN_STEP_TOOL,
	GEN_STEP_PROGRESS,
	GEN_STEP_LOG,
	GEN_STEP_RETRY,
	GEN_STEP_SPAWN,
	GEN_STEP_COMPLETE,   /* the last three finish the run */
	GEN_STEP_FAIL,
	GEN_STEP_CANCEL
};

struct gen_step {
	enum gen_step_kind kind;
	int64_t at;           /* ms after run.started, scaled */
	int64_t dur;          /* ms the step took, scaled (llm, tool, retry) */
	double progress;      /* GEN_STEP_PROGRESS: 0..1 */
	int arg;              /* tool index, or children to spawn */
	int outcome;          /* GEN_STEP_TOOL: 0 success, 1 error, 2 timeout */
};

enum gen_run_state { GEN_QUEUED = 0, GEN_STARTING, GEN_RUNNING, GEN_DONE };

struct gen_run {
	uint64_t n;           /* serial number, from 0 */
	char id[48];
	char trace_id[33];
	char span_id[17];
	char request_id[24];  /* "" = none */
	char parent_id[48];   /* "" = top-level run */
	char root_id[48];     /* "" = top-level run */
	int depth;            /* 0 = top-level */
	int agent, model, queue, source, user;
	int64_t priority;
	int64_t estimated_ms; /* 0 = no estimate sent */
	int stream;
	int json;
	int hostile;
	int short_run;        /* one LLM call and the end (--short-runs) */
	int surge;            /* started during a failure surge */
	enum gen_run_state state;
	int64_t queued_at;    /* simulated ms */
	int64_t started_at;   /* simulated ms; valid once running */

	struct gen_step *steps;
	size_t nsteps;
	size_t next;          /* index of the next step to happen */

	int attempt;          /* 1, more after run.retry */
	int llm_calls;
	int64_t in_tokens, out_tokens;
	double cost_usd;

	struct gen_run *qnext; /* queue link */
};

/* Queue names, also the order in which workers serve them. */
#define GEN_QUEUES 3
extern const char *const gen_queue_names[GEN_QUEUES];

/*
 * Create a run and plan its work. parent is NULL for a top-level run.
 * Durations are multiplied by scale. A short run (--short-runs) is one LLM
 * call and its end: queued, started, llm.call and the end, 4 events.
 */
struct gen_run *gen_run_create(struct gen_rng *, uint64_t seed, uint64_t n,
    const struct gen_run *parent, double scale, int short_run);
/*
 * The run gets a worker: decide retries and the outcome (a surge makes
 * failure likely) and time every step.
 */
void gen_run_begin(struct gen_run *, struct gen_rng *, int surge,
    double scale);
void gen_run_free(struct gen_run *);
/* Fill ev with the run's run.queued / run.started. */
void gen_run_queued(struct gen_run *, struct gen_event *);
void gen_run_started(struct gen_run *, struct gen_event *);
/* Fill ev with the event of one step (not for GEN_STEP_SPAWN). */
void gen_run_step(struct gen_run *, const struct gen_step *, struct gen_rng *,
    struct gen_event *);
/* Fill ev with a run.cancelled for a run that waited too long in its queue. */
void gen_run_queue_timeout(struct gen_run *, int64_t waited_ms,
    struct gen_event *);

/* Redis: address and connection. */
struct gen_redis_addr {
	char *host;           /* NULL for a unix socket */
	int port;
	char *path;           /* unix socket path, or NULL */
	char *user;           /* ACL user, or NULL */
	char *password;       /* or NULL */
	int db;
	char name[300];       /* "host:port" or the socket path, for messages */
};

int gen_redis_parse(const char *url, struct gen_redis_addr *, char *err,
    size_t errlen);
void gen_redis_addr_done(struct gen_redis_addr *);
/* Connect, AUTH and SELECT. NULL and a reason in err on failure. */
redisContext *gen_redis_connect(const struct gen_redis_addr *, char *err,
    size_t errlen);

/* The output: encoding, malformed entries, shuffling, pipelining, --print. */
struct gen_out;

struct gen_out *gen_out_create(redisContext *, const struct gen_opts *);
void gen_out_free(struct gen_out *);
/* Write one event (taking it); -1 once Redis has failed (see gen_out_error). */
int gen_out_event(struct gen_out *, struct gen_event *);
/*
 * Send what is buffered and read every reply; final also empties the
 * --out-of-order windows. -1 on a Redis failure.
 */
int gen_out_flush(struct gen_out *, int final);
const char *gen_out_error(const struct gen_out *);
/* "N runs, N events, N malformed" and per stream when there are several. */
void gen_out_summary(const struct gen_out *, char *buf, size_t size);

/*
 * --format shannon (gen-shannon.c): write Shannon's per-workflow streams
 * until --runs workflows, --duration, or *stop. Puts "N workflows, N events"
 * (or the Redis error) in summary; -1 when Redis failed.
 */
int gen_shannon_run(redisContext *, const struct gen_opts *,
    volatile sig_atomic_t *stop, char *summary, size_t size);

/* WebSocket: the workload as a feed (gen-ws.c). */
struct gen_ws;

/* Listen on [HOST:]PORT (host 127.0.0.1 by default). NULL and err on failure. */
struct gen_ws *gen_ws_create(const char *listen, char *err, size_t errlen);
/* Send what is queued, wait up to drain_ms for clients to read it, close. */
void gen_ws_free(struct gen_ws *, int drain_ms);
/* Queue one event for every client; worker.status becomes execution_update. */
void gen_ws_event(struct gen_ws *, const struct gen_event *);
/* Send the events queued as one message (an object, or an array). */
void gen_ws_flush(struct gen_ws *);
/* Serve clients until the monotonic clock reads mono_ms. */
void gen_ws_serve_until(struct gen_ws *, int64_t mono_ms);
/* Serve whatever is ready, without waiting. */
void gen_ws_poll(struct gen_ws *);
/* Bytes not yet sent to the slowest client. */
size_t gen_ws_backlog(const struct gen_ws *);
int gen_ws_clients(const struct gen_ws *);
/* "N runs, N events, 0 malformed (ws ...)" when it is the only output. */
void gen_ws_summary(const struct gen_ws *, char *buf, size_t size);
/* "ws HOST:PORT: N messages, N clients". */
void gen_ws_stats(const struct gen_ws *, char *buf, size_t size);
const char *gen_ws_name(const struct gen_ws *);

/* Celery: the workload as a Celery cluster's events and queues (gen-celery.c). */
struct gen_celery;

/* Publish on db's event channels; workers is the pool, pipeline the batch. */
struct gen_celery *gen_celery_create(redisContext *, int db, int workers,
    int pipeline);
/* Publish one event's Celery counterpart (taking ev); -1 once Redis failed. */
int gen_celery_event(struct gen_celery *, struct gen_event *ev);
/* Read every reply outstanding; -1 on a Redis failure. */
int gen_celery_flush(struct gen_celery *);
const char *gen_celery_error(const struct gen_celery *);
/* "N tasks, N Celery events". */
void gen_celery_summary(const struct gen_celery *, char *buf, size_t size);
/* The workers go offline; free. */
void gen_celery_free(struct gen_celery *);

/* execmon-gen otlp: agent runs as GenAI spans over OTLP/HTTP (gen-otlp.c). */
int gen_otlp_main(int argc, char **argv);

#endif
