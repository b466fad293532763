/* execmon-gen - write a simulated AI-agent workload to Redis streams and WebSockets. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "xmalloc.h"

/*
 * Two modes. Real time (the default): the simulated clock follows the wall
 * clock, the generator sleeps until the next thing happens and every event's
 * ts is the wall clock when it is written. Batch (--start-ts MS): simulated
 * time 0 is epoch MS, nothing sleeps, entries go out as fast as Redis takes
 * them and every ts is exact. --rate 0 does not pace either: the simulation
 * runs as fast as it can and keeps the worker pool saturated.
 */

static volatile sig_atomic_t gen_stop;

struct gen_main {
	const struct gen_opts *o;
	struct gen_out *out;  /* Redis, or NULL */
	struct gen_ws *ws;    /* --ws-listen, or NULL */
	struct gen_celery *celery; /* --celery, or NULL */
	int failed;           /* Redis failed: stop */
};

/* In batch mode, a WebSocket client may be this far behind (bytes). */
#define GEN_WS_AHEAD (4u << 20)

static void
gen_usage(FILE *f)
{
	fputs(
"usage: execmon-gen [OPTIONS]\n"
"       execmon-gen otlp [OPTIONS]   (OpenTelemetry spans over OTLP/HTTP; otlp --help)\n"
"Publish a simulated AI-agent workload to Redis streams in execmon's event\n"
"format: runs of several agents through queues and a worker pool, with LLM\n"
"and tool calls, retries, failures, child runs, queue and worker gauges.\n"
"\n"
"  --redis URL         redis://[[user]:password@]host[:port][/db] or\n"
"                      unix:///path[?db=N] (default redis://127.0.0.1:6379)\n"
"  --stream KEY        a stream to write; repeatable; each run stays on one\n"
"                      stream, chosen by a hash of its id; gauges go to the\n"
"                      first (default execmon:events)\n"
"  --rate N            runs started per second, Poisson arrivals (default 5);\n"
"                      0 = no pacing: as fast as possible, keeping the worker\n"
"                      pool busy and one pool's worth of runs queued\n"
"  --runs N            start N runs in all (child runs count), then exit once\n"
"                      they have finished (default 0 = no limit)\n"
"  --duration DUR      start no runs after DUR (90s, 15m, 1h), then exit once\n"
"                      the runs started have finished\n"
"  --workers N         worker pool size: runs wait in their queue while every\n"
"                      worker is busy (default 8)\n"
"  --seed N            the same seed gives the same events (default 1)\n"
"  --start-ts MS       batch mode: simulated time starts at epoch MS, nothing\n"
"                      sleeps, every ts is exact\n"
"  --short-runs        every run is one LLM call and its end: run.queued,\n"
"                      run.started, llm.call, then run.completed or\n"
"                      run.failed (4 events; no thinking, tool calls, logs,\n"
"                      progress, retries or child runs)\n"
"  --time-scale X      multiply every duration in the workload (runs, calls,\n"
"                      waits) by X; the start rate is unchanged (default 1)\n"
"  --encoding E        flat, json, or mixed: each run one or the other\n"
"                      (default mixed)\n"
"  --ts-mode M         field: every event has a ts (default); id: no ts, the\n"
"                      entry ID is the time (explicit IDs in batch mode)\n"
"  --malformed RATE    after this fraction of events (0..1), an extra\n"
"                      malformed entry: no type, bad JSON, a bad number, a\n"
"                      bad ts, or no run_id (default 0)\n"
"  --hostile RATE      this fraction of runs (0..1) carry escape sequences,\n"
"                      OSC 52, bidi overrides in agent names and messages;\n"
"                      they are well-formed events (default 0)\n"
"  --inject K[@S[+L]]  K is burst (start rate x8), drop (x1/10) or surge\n"
"                      (about 70% of runs fail), for L (default 60s) from S\n"
"                      after the start (default half of --duration, or 300s);\n"
"                      repeatable\n"
"  --out-of-order[=N]  batch mode: shuffle entries within windows of N per\n"
"                      stream (default 8)\n"
"  --maxlen N          XADD MAXLEN ~ N (default none)\n"
"  --pipeline N        commands per round trip (default 64)\n"
"  --print             print every entry written on stdout as one JSON line:\n"
"                      {\"stream\":..,\"id\":..,\"fields\":{..}}, and\n"
"                      \"malformed\":\"<reason>\" for a malformed one\n"
"  --ws-listen [HOST:]PORT\n"
"                      also serve the workload as a WebSocket feed (HOST an\n"
"                      IPv4 address, default 127.0.0.1): events as JSON\n"
"                      objects or arrays, the worker pool as\n"
"                      execution_update messages. Live in real time; in batch\n"
"                      mode it waits for a client, sends everything, closes\n"
"                      with 1000 and exits. Without --redis, nothing is\n"
"                      written to Redis. --malformed, --maxlen,\n"
"                      --out-of-order and --print apply to Redis only\n"
"  --celery            publish the workload as a Celery 5 cluster with the\n"
"                      Redis broker does, for execmon --celery: task events\n"
"                      (kombu envelopes) on /<db>.celeryev/*, worker\n"
"                      heartbeats, a message per waiting task in each\n"
"                      queue's list; LLM and tool calls are left out\n"
"  --format F          native (default), or shannon: the event streams of\n"
"                      Kocoro-lab/Shannon, one per workflow\n"
"                      (shannon:workflow:events:<id>, fields workflow_id type\n"
"                      agent_id message payload ts_nano seq), their :seq\n"
"                      counters and shannon:notifications:global; --runs\n"
"                      and --rate count workflows. Read them with\n"
"                      execmon --stream 'shannon:workflow:events:*' --map shannon\n"
"  -h, --help          this text\n"
"\n"
"At exit: \"execmon-gen: N runs, N events, N malformed\" on stderr.\n"
"Exit status: 0 done or stopped by SIGINT/SIGTERM; 1 Redis failed (or the\n"
"WebSocket port cannot be had); 2 usage error.\n", f);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
gen_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("execmon-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t
gen_parse_uint(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < lo || v > hi)
		gen_usage_error("%s: expected a whole number from %" PRIu64
		    " to %" PRIu64 ", not '%s'", opt, lo, hi, s);
	return v;
}

static double
gen_parse_real(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < lo || v > hi)
		gen_usage_error("%s: expected a number from %g to %g, not '%s'",
		    opt, lo, hi, s);
	return v;
}

/* A duration: a number and ms, s, m, h or d (no unit: seconds). -1 if bad. */
static int64_t
gen_parse_dur(const char *s)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	char *end;
	double v;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || !isfinite(v))
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) == 0) {
			v *= units[i].ms;
			if (v > 1e15)
				return -1;
			return (int64_t)llround(v);
		}
	}
	return -1;
}

/* --inject burst|drop|surge[@START[+LEN]]; START -1 = the default. */
static void
gen_parse_inject(struct gen_opts *o, const char *arg)
{
	static const char *const kinds[] = { "burst", "drop", "surge" };
	struct gen_inject *in;
	char *copy, *at, *plus;
	size_t i;

	if (o->ninjects == GEN_INJECT_MAX)
		gen_usage_error("--inject: at most %d", GEN_INJECT_MAX);
	in = &o->injects[o->ninjects];
	copy = xstrdup(arg);
	if ((at = strchr(copy, '@')) != NULL)
		*at++ = '\0';
	for (i = 0; i < 3; i++) {
		if (strcmp(copy, kinds[i]) == 0)
			break;
	}
	if (i == 3) {
		free(copy);
		gen_usage_error("--inject: expected burst, drop or surge"
		    "[@START[+LEN]], not '%s'", arg);
	}
	in->kind = (enum gen_inject_kind)i;
	in->from_ms = -1;
	in->len_ms = 60000;
	if (at != NULL) {
		if ((plus = strchr(at, '+')) != NULL) {
			*plus++ = '\0';
			in->len_ms = gen_parse_dur(plus);
		}
		in->from_ms = gen_parse_dur(at);
		if (in->from_ms < 0 || in->len_ms <= 0) {
			free(copy);
			gen_usage_error("--inject: bad time in '%s' (seconds, "
			    "or 90s, 15m, 1h)", arg);
		}
	}
	free(copy);
	o->ninjects++;
}

enum {
	OPT_REDIS = 256, OPT_STREAM, OPT_RATE, OPT_RUNS, OPT_DURATION,
	OPT_SEED, OPT_START_TS, OPT_TIME_SCALE, OPT_ENCODING, OPT_MALFORMED,
	OPT_HOSTILE, OPT_INJECT, OPT_MAXLEN, OPT_PIPELINE, OPT_TS_MODE,
	OPT_OUT_OF_ORDER, OPT_PRINT, OPT_WORKERS, OPT_WS_LISTEN, OPT_CELERY, OPT_FORMAT,
	OPT_SHORT_RUNS
};

static const struct option gen_longopts[] = {
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "start-ts", required_argument, NULL, OPT_START_TS },
	{ "time-scale", required_argument, NULL, OPT_TIME_SCALE },
	{ "encoding", required_argument, NULL, OPT_ENCODING },
	{ "malformed", required_argument, NULL, OPT_MALFORMED },
	{ "hostile", required_argument, NULL, OPT_HOSTILE },
	{ "inject", required_argument, NULL, OPT_INJECT },
	{ "maxlen", required_argument, NULL, OPT_MAXLEN },
	{ "pipeline", required_argument, NULL, OPT_PIPELINE },
	{ "ts-mode", required_argument, NULL, OPT_TS_MODE },
	{ "out-of-order", optional_argument, NULL, OPT_OUT_OF_ORDER },
	{ "print", no_argument, NULL, OPT_PRINT },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "ws-listen", required_argument, NULL, OPT_WS_LISTEN },
	{ "celery", no_argument, NULL, OPT_CELERY },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "short-runs", no_argument, NULL, OPT_SHORT_RUNS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
gen_parse_args(struct gen_opts *o, int argc, char **argv)
{
	const char *opt;
	int c, i, redis_given = 0;

	memset(o, 0, sizeof *o);
	o->redis_url = "redis://127.0.0.1:6379";
	o->rate = 5;
	o->seed = 1;
	o->start_ts = -1;
	o->time_scale = 1;
	o->pipeline = 64;
	o->workers = 8;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", gen_longopts, NULL)) != -1) {
		opt = argv[optind - 1];
		switch (c) {
		case OPT_REDIS:
			o->redis_url = optarg;
			redis_given = 1;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "native") == 0)
				o->shannon = 0;
			else if (strcmp(optarg, "shannon") == 0)
				o->shannon = 1;
			else
				gen_usage_error("--format: expected native or shannon,"
				    " not '%s'", optarg);
			break;
		case OPT_WS_LISTEN: {
			const char *port = strrchr(optarg, ':');

			port = port != NULL ? port + 1 : optarg;
			if (port == optarg + 1 || strspn(port, "0123456789") !=
			    strlen(port) || *port == '\0' || strlen(port) > 5 ||
			    atoi(port) < 1 || atoi(port) > 65535)
				gen_usage_error("--ws-listen: expected [HOST:]PORT,"
				    " not '%s'", optarg);
			o->ws_listen = optarg;
			break;
		}
		case OPT_STREAM:
			if (*optarg == '\0')
				gen_usage_error("--stream: empty key");
			if (o->nstreams == GEN_STREAMS_MAX)
				gen_usage_error("--stream: at most %d",
				    GEN_STREAMS_MAX);
			o->streams[o->nstreams++] = optarg;
			break;
		case OPT_RATE:
			o->rate = gen_parse_real("--rate", optarg, 0, 1e6);
			break;
		case OPT_RUNS:
			o->runs = gen_parse_uint("--runs", optarg, 0,
			    UINT64_MAX);
			break;
		case OPT_DURATION:
			o->duration_ms = gen_parse_dur(optarg);
			if (o->duration_ms <= 0)
				gen_usage_error("--duration: expected 90s, "
				    "15m, 1h and the like, not '%s'", optarg);
			break;
		case OPT_SEED:
			o->seed = gen_parse_uint("--seed", optarg, 0,
			    UINT64_MAX);
			break;
		case OPT_START_TS:
			o->start_ts = (int64_t)gen_parse_uint("--start-ts",
			    optarg, 0, 7258118400000ULL);
			break;
		case OPT_TIME_SCALE:
			o->time_scale = gen_parse_real("--time-scale", optarg,
			    1e-6, 1e6);
			break;
		case OPT_ENCODING:
			if (strcmp(optarg, "flat") == 0)
				o->encoding = GEN_ENC_FLAT;
			else if (strcmp(optarg, "json") == 0)
				o->encoding = GEN_ENC_JSON;
			else if (strcmp(optarg, "mixed") == 0)
				o->encoding = GEN_ENC_MIXED;
			else
				gen_usage_error("--encoding: expected flat, "
				    "json or mixed, not '%s'", optarg);
			break;
		case OPT_MALFORMED:
			o->malformed = gen_parse_real("--malformed", optarg, 0,
			    1);
			break;
		case OPT_HOSTILE:
			o->hostile = gen_parse_real("--hostile", optarg, 0, 1);
			break;
		case OPT_INJECT:
			gen_parse_inject(o, optarg);
			break;
		case OPT_MAXLEN:
			o->maxlen = (long long)gen_parse_uint("--maxlen",
			    optarg, 1, INT64_MAX);
			break;
		case OPT_PIPELINE:
			o->pipeline = (int)gen_parse_uint("--pipeline", optarg,
			    1, 100000);
			break;
		case OPT_TS_MODE:
			if (strcmp(optarg, "field") == 0)
				o->ts_id = 0;
			else if (strcmp(optarg, "id") == 0)
				o->ts_id = 1;
			else
				gen_usage_error("--ts-mode: expected field or "
				    "id, not '%s'", optarg);
			break;
		case OPT_OUT_OF_ORDER:
			o->out_of_order = optarg == NULL ? 8 :
			    (int)gen_parse_uint("--out-of-order", optarg, 2,
			    100000);
			break;
		case OPT_PRINT:
			o->print = 1;
			break;
		case OPT_CELERY:
			o->celery = 1;
			break;
		case OPT_SHORT_RUNS:
			o->short_runs = 1;
			break;
		case OPT_WORKERS:
			o->workers = (int)gen_parse_uint("--workers", optarg, 1,
			    100000);
			break;
		case 'h':
			gen_usage(stdout);
			exit(0);
		case ':':
			gen_usage_error("option '%s' needs a value", opt);
		default:
			if (optopt != 0 && strncmp(opt, "--", 2) == 0)
				gen_usage_error("option '%.*s' takes no value",
				    (int)strcspn(opt, "="), opt);
			gen_usage_error("unknown option '%s' (see --help)",
			    opt);
		}
	}
	if (optind < argc)
		gen_usage_error("unexpected argument '%s' (see --help)",
		    argv[optind]);

	if (o->nstreams == 0)
		o->streams[o->nstreams++] = "execmon:events";
	o->use_redis = o->ws_listen == NULL || redis_given;
	if (o->celery && (o->ws_listen != NULL || o->print || o->malformed > 0 ||
	    o->out_of_order > 0 || o->maxlen > 0))
		gen_usage_error("--celery publishes only Celery's events: not with"
		    " --ws-listen, --print, --malformed, --out-of-order or --maxlen");
	if (o->shannon && (o->celery || o->ws_listen != NULL || o->out_of_order > 0 ||
	    o->malformed > 0 || o->hostile > 0 || o->ninjects > 0 || o->ts_id))
		gen_usage_error("--format shannon: not with --celery; only --redis, --rate, --runs,"
		    " --duration, --seed, --start-ts, --time-scale, --maxlen and --print");
	if (o->out_of_order > 0 && o->start_ts < 0)
		gen_usage_error("--out-of-order needs batch mode (--start-ts)");
	if (o->out_of_order > 0 && o->ts_id)
		gen_usage_error("--out-of-order needs --ts-mode field: entry "
		    "IDs only increase");
	for (i = 0; i < o->ninjects; i++) {
		if (o->injects[i].from_ms < 0)
			o->injects[i].from_ms = o->duration_ms > 0 ?
			    o->duration_ms / 2 : 300000;
	}
}

static int64_t
gen_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until the monotonic clock reads ms; a signal cuts it short. */
static void
gen_sleep_until(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void
gen_on_signal(int sig)
{
	(void)sig;
	gen_stop = 1;
}

/* Every event the simulation makes: give it its time and write it. */
static void
gen_emit(void *arg, struct gen_event *ev)
{
	struct gen_main *m = arg;

	if (m->o->start_ts >= 0)
		ev->ts_ms = m->o->start_ts + ev->sim_ms;
	else
		ev->ts_ms = gen_clock_ms(CLOCK_REALTIME);
	if (m->ws != NULL)
		gen_ws_event(m->ws, ev);
	if (m->celery != NULL) {
		if (gen_celery_event(m->celery, ev) != 0)
			m->failed = 1;
	} else if (m->out == NULL)
		free(ev);
	else if (gen_out_event(m->out, ev) != 0)
		m->failed = 1;
	if (m->o->print && ferror(stdout))
		gen_stop = 1; /* the reader went away (--print | head) */
}

/* Flush stdout; a reader that went away (--print | head) stops us. */
static void
gen_flush_stdout(void)
{
	if (fflush(stdout) == EOF && errno == EPIPE)
		gen_stop = 1;
}

static void gen_ws_keep_up(struct gen_ws *);

/* Run the simulation until it is done, stopped, or Redis fails. */
static void
gen_run(const struct gen_opts *o, struct gen_sim *sim, struct gen_main *m)
{
	int paced = o->start_ts < 0 && o->rate > 0;
	int wall_duration = o->start_ts < 0 && o->rate <= 0 &&
	    o->duration_ms > 0;
	int64_t origin, next, now;

	origin = gen_clock_ms(CLOCK_MONOTONIC);
	while (!gen_stop && !m->failed) {
		if ((next = gen_sim_next(sim)) < 0)
			break;
		if (wall_duration &&
		    gen_clock_ms(CLOCK_MONOTONIC) - origin >= o->duration_ms)
			gen_sim_stop_arrivals(sim);
		if (paced && (now = gen_clock_ms(CLOCK_MONOTONIC)) <
		    origin + next) {
			if ((m->out != NULL && gen_out_flush(m->out, 0) != 0) ||
			    (m->celery != NULL && gen_celery_flush(m->celery) != 0)) {
				m->failed = 1;
				break;
			}
			if (o->print)
				gen_flush_stdout();
			/* In slices, so a signal that just missed is seen. */
			if (gen_stop)
				continue;
			if (m->ws != NULL)
				gen_ws_serve_until(m->ws, origin + next < now + 250 ?
				    origin + next : now + 250);
			else
				gen_sleep_until(origin + next < now + 250 ?
				    origin + next : now + 250);
			continue;
		}
		gen_sim_step(sim);
		if (m->ws != NULL && !paced)
			gen_ws_keep_up(m->ws);
	}
}

/* Unpaced: serve the feed as we go, waiting for a client far behind. */
static void
gen_ws_keep_up(struct gen_ws *ws)
{
	static unsigned steps;

	if (++steps % 64 == 0)
		gen_ws_poll(ws);
	while (!gen_stop && gen_ws_clients(ws) > 0 &&
	    gen_ws_backlog(ws) > GEN_WS_AHEAD)
		gen_ws_serve_until(ws, gen_clock_ms(CLOCK_MONOTONIC) + 20);
}

int
main(int argc, char **argv)
{
	struct gen_opts o, sim_opts;
	struct gen_redis_addr addr;
	struct gen_main m;
	struct gen_sim *sim;
	struct sigaction sa;
	redisContext *c = NULL;
	char err[512], summary[4096], stats[256];

	if (argc > 1 && strcmp(argv[1], "otlp") == 0)
		return gen_otlp_main(argc - 1, argv + 1);
	gen_parse_args(&o, argc, argv);
	if (gen_redis_parse(o.redis_url, &addr, err, sizeof err) != 0)
		gen_usage_error("--redis: %s", err);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = gen_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&m, 0, sizeof m);
	m.o = &o;
	if (o.use_redis &&
	    (c = gen_redis_connect(&addr, err, sizeof err)) == NULL) {
		fprintf(stderr, "execmon-gen: redis %s: %s\n", addr.name, err);
		gen_redis_addr_done(&addr);
		return 1;
	}
	if (o.ws_listen != NULL &&
	    (m.ws = gen_ws_create(o.ws_listen, err, sizeof err)) == NULL) {
		fprintf(stderr, "execmon-gen: ws: %s\n", err);
		if (c != NULL)
			redisFree(c);
		gen_redis_addr_done(&addr);
		return 1;
	}
	if (m.ws != NULL) {
		fprintf(stderr, "execmon-gen: serving ws://%s/\n", gen_ws_name(m.ws));
		/* Batch mode: nothing is sent before a client is there to read it. */
		while (o.start_ts >= 0 && !gen_stop && gen_ws_clients(m.ws) == 0)
			gen_ws_serve_until(m.ws, gen_clock_ms(CLOCK_MONOTONIC) + 250);
	}
	if (o.shannon) {
		int rc = gen_shannon_run(c, &o, &gen_stop, summary, sizeof summary);

		fprintf(stderr, "execmon-gen: %s%s\n", rc != 0 ? "redis: " : "", summary);
		redisFree(c);
		gen_redis_addr_done(&addr);
		return rc != 0 ? 1 : 0;
	}
	if (c != NULL && o.celery)
		m.celery = gen_celery_create(c, addr.db, o.workers, o.pipeline);
	else if (c != NULL)
		m.out = gen_out_create(c, &o);
	/* Unpaced in real time, --duration is wall time (see gen_run). */
	sim_opts = o;
	if (o.start_ts < 0 && o.rate <= 0)
		sim_opts.duration_ms = 0;
	sim = gen_sim_create(&sim_opts, gen_emit, &m);
	gen_run(&o, sim, &m);
	if (!m.failed && m.out != NULL && gen_out_flush(m.out, 1) != 0)
		m.failed = 1;
	if (!m.failed && m.celery != NULL && gen_celery_flush(m.celery) != 0)
		m.failed = 1;
	fflush(stdout);

	if (m.failed)
		fprintf(stderr, "execmon-gen: redis %s: %s\n", addr.name,
		    m.celery != NULL ? gen_celery_error(m.celery) : gen_out_error(m.out));
	if (m.celery != NULL) {
		gen_celery_summary(m.celery, summary, sizeof summary);
		fprintf(stderr, "execmon-gen: %s\n", summary);
	} else if (m.out != NULL) {
		gen_out_summary(m.out, summary, sizeof summary);
		if (m.ws != NULL) {
			gen_ws_stats(m.ws, stats, sizeof stats);
			fprintf(stderr, "execmon-gen: %s; %s\n", summary, stats);
		} else
			fprintf(stderr, "execmon-gen: %s\n", summary);
	} else {
		gen_ws_summary(m.ws, summary, sizeof summary);
		fprintf(stderr, "execmon-gen: %s\n", summary);
	}
	/* Clients get what is queued (a while, unless we were told to stop). */
	gen_ws_free(m.ws, gen_stop ? 1000 : 10000);

	gen_sim_free(sim);
	gen_out_free(m.out);
	gen_celery_free(m.celery);
	if (c != NULL)
		redisFree(c);
	gen_redis_addr_done(&addr);
	return m.failed ? 1 : 0;
}
