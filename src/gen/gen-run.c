/* execmon-gen - what one agent run does: the catalogue, plan and events. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "xmalloc.h"

#define GEN_MODELS 4
#define GEN_TOOLS 4
#define GEN_AGENTS 5
#define GEN_USERS 40

struct gen_model {
	const char *id;
	double in_per_1k;     /* USD per 1000 input tokens */
	double out_per_1k;    /* USD per 1000 output tokens */
	double speed;         /* latency relative to the agent's median */
};

static const struct gen_model gen_models[GEN_MODELS] = {
	{ "gpt-4o", 0.0025, 0.010, 1.0 },
	{ "gpt-4o-mini", 0.00015, 0.0006, 0.6 },
	{ "claude-3-5-sonnet", 0.003, 0.015, 1.1 },
	{ "llama-3-70b", 0.00059, 0.00079, 0.8 },
};

struct gen_tool {
	const char *id;
	double median_ms;
	double error_p;
	double timeout_p;
	const char *errors[3]; /* error_kind of an outcome "error" */
	int has_exit_code;
};

static const struct gen_tool gen_tools[GEN_TOOLS] = {
	{ "web_search", 500, 0.06, 0.02,
	    { "http_5xx", "rate_limited", "no_results" }, 0 },
	{ "python_exec", 850, 0.10, 0.03,
	    { "syntax_error", "runtime_error", "oom_killed" }, 1 },
	{ "sql_query", 180, 0.05, 0.01,
	    { "syntax_error", "permission_denied", "deadlock" }, 0 },
	{ "file_read", 25, 0.04, 0.005,
	    { "not_found", "permission_denied", "too_large" }, 0 },
};

struct gen_agent {
	const char *name;
	const char *id;
	const char *version;
	double weight;        /* share of top-level runs */
	double llm_ms;        /* median LLM call, ms */
	double sigma;         /* spread of a run's difficulty (log scale) */
	int llm_min, llm_max; /* LLM calls per run */
	double tool_p;        /* chance of a tool call after each LLM call */
	unsigned tools;       /* bit i: may call gen_tools[i] */
	double spawn_p;       /* chance of spawning 1-3 child runs */
	unsigned children;    /* bit i: may spawn gen_agents[i] */
	double fail_p;
	double models[GEN_MODELS];
	double in_tokens;     /* median input tokens per call */
	double out_tokens;    /* median output tokens per call */
};

/*
 * Durations are kept short enough that the default pool (8 workers, 5 runs a
 * second) is about two thirds busy; --time-scale stretches them.
 */
static const struct gen_agent gen_agents[GEN_AGENTS] = {
	{ "planner", "agt_3f9a21", "2.3.1", 0.20, 180, 0.60, 1, 3, 0.30,
	    0x1, 0.30, 0x1e, 0.04, { 0.5, 0.1, 0.4, 0.0 }, 2400, 350 },
	{ "researcher", "agt_7c04e8", "1.8.0", 0.15, 160, 0.80, 2, 4, 0.90,
	    0x9, 0.10, 0x10, 0.08, { 0.3, 0.2, 0.3, 0.2 }, 5200, 600 },
	{ "coder", "agt_b51d7f", "3.0.2", 0.15, 230, 1.00, 2, 4, 0.80,
	    0xe, 0.05, 0x08, 0.12, { 0.3, 0.0, 0.6, 0.1 }, 6400, 900 },
	{ "reviewer", "agt_e2a649", "1.2.5", 0.20, 210, 0.55, 1, 2, 0.40,
	    0x8, 0.00, 0x00, 0.05, { 0.4, 0.1, 0.5, 0.0 }, 4100, 420 },
	{ "summarizer", "agt_09cd33", "0.9.7", 0.30, 170, 0.45, 1, 1, 0.10,
	    0x8, 0.00, 0x00, 0.02, { 0.1, 0.6, 0.0, 0.3 }, 3000, 250 },
};

const char *const gen_queue_names[GEN_QUEUES] = {
	"priority", "default", "batch"
};
static const double gen_queue_weights[GEN_QUEUES] = { 0.15, 0.60, 0.25 };

static const char *const gen_sources[] = { "web", "api", "job", "cli" };
static const double gen_source_weights[] = { 0.35, 0.35, 0.20, 0.10 };

static const char *const gen_workspaces[] = {
	"ws-acme", "ws-globex", "ws-initech", "ws-umbrella", "ws-hooli",
	"ws-stark"
};
#define GEN_WORKSPACES (sizeof gen_workspaces / sizeof gen_workspaces[0])

struct gen_error {
	const char *class;
	const char *message;
	int retryable;
	int rate_limited;
	double weight;        /* normally */
	double surge_weight;  /* during a failure surge */
};

static const struct gen_error gen_errors[] = {
	{ "RateLimitError", "429 Too Many Requests from the model provider",
	    1, 1, 0.20, 0.60 },
	{ "TimeoutError", "LLM call exceeded the 30s deadline", 1, 0,
	    0.15, 0.10 },
	{ "ToolExecutionError", "tool exited with a non-zero status", 0, 0,
	    0.20, 0.02 },
	{ "ContextLengthExceeded",
	    "prompt of 131072 tokens exceeds the model's context window", 0, 0,
	    0.10, 0.01 },
	{ "InvalidResponseError",
	    "model returned malformed JSON for a tool call", 1, 0, 0.15, 0.02 },
	{ "ProviderError", "upstream returned 503 Service Unavailable", 1, 0,
	    0.10, 0.25 },
	{ "ValidationError",
	    "output failed schema validation: missing 'summary'", 0, 0,
	    0.10, 0.00 },
};
#define GEN_ERRORS (sizeof gen_errors / sizeof gen_errors[0])

static const char *const gen_fallbacks[] = {
	"rate_limit", "timeout", "quality_fail", "price_limit", "safety",
	"other"
};
static const double gen_fallback_weights[] = { 0.40, 0.25, 0.15, 0.10, 0.05,
	0.05 };

static const char *const gen_thoughts[] = {
	"breaking the task into steps",
	"deciding which tool to call next",
	"re-reading the previous tool output",
	"drafting an answer",
	"checking the plan against the request",
};

/* A log line: prefix, a number, suffix. */
struct gen_logline {
	const char *level;
	const char *pre;
	int lo, hi;
	const char *post;
};

static const struct gen_logline gen_loglines[] = {
	{ "info", "loaded ", 3, 40, " documents from the knowledge base" },
	{ "info", "retrieved ", 4, 32, " chunks from the vector store" },
	{ "info", "plan has ", 2, 9, " steps" },
	{ "warn", "context window ", 70, 98, "% full, truncating history" },
	{ "debug", "cache lookup returned ", 0, 12, " hits" },
	{ "info", "tests: ", 10, 240, " passed" },
	{ "warn", "slow tool response: ", 2, 14, " s" },
	{ "info", "wrote ", 20, 900, " lines to the scratch file" },
};
#define GEN_LOGLINES (sizeof gen_loglines / sizeof gen_loglines[0])

static const char *const gen_cancels[] = {
	"cancelled by user",
	"superseded by a newer request",
	"client disconnected",
};

/*
 * Strings a hostile feed might carry: escape sequences, OSC 52 (clipboard),
 * title changes, bidi overrides, zero-width and C1 characters. All valid UTF-8.
 */
static const char *const gen_hostile[] = {
	"\033[2J\033[H",                        /* clear the screen, home */
	"\033]52;c;cm0gLXJmIH4vKg==\007",       /* OSC 52: set the clipboard */
	"\033]0;pwned\007",                     /* OSC 0: window title */
	"\342\200\256",                         /* U+202E RTL override */
	"\342\201\246\342\200\256gnp.exe\342\201\251", /* isolate, override */
	"\342\200\213",                         /* U+200B zero width space */
	("\302\233" "31m"),                     /* U+009B: C1 CSI */
	"\033[31;1;5m!!\033[0m",                /* colour and blink */
	"\033P+q544e\033\\",                    /* DCS: terminal answers */
	"\r\n[ok] all systems normal",          /* a forged line */
	"\010\010\010\177",                     /* backspaces and DEL */
};
#define GEN_HOSTILE (sizeof gen_hostile / sizeof gen_hostile[0])

/* Scale a duration in ms, at least 1 ms when it was not 0. */
static int64_t
gen_scale(double ms, double scale)
{
	double v = ms * scale;

	if (ms <= 0)
		return 0;
	if (v < 1)
		return 1;
	return (int64_t)llround(v);
}

/* Set step i of the run to a fresh step. */
static struct gen_step *
gen_run_add_at(struct gen_run *run, size_t i, enum gen_step_kind kind,
    int64_t dur)
{
	struct gen_step *s = &run->steps[i];

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->dur = dur;
	return s;
}

static struct gen_step *
gen_run_add(struct gen_run *run, enum gen_step_kind kind, int64_t dur)
{
	return gen_run_add_at(run, run->nsteps++, kind, dur);
}

/* Pick an agent among those in mask (all when mask is 0), by weight. */
static int
gen_pick_agent(struct gen_rng *rng, unsigned mask)
{
	double w[GEN_AGENTS];
	int i;

	for (i = 0; i < GEN_AGENTS; i++)
		w[i] = (mask == 0 || (mask & (1u << i))) ?
		    gen_agents[i].weight : 0;
	return (int)gen_rng_pick(rng, w, GEN_AGENTS);
}

static int
gen_pick_tool(struct gen_rng *rng, unsigned mask)
{
	double w[GEN_TOOLS];
	int i;

	for (i = 0; i < GEN_TOOLS; i++)
		w[i] = (mask & (1u << i)) ? 1 : 0;
	return (int)gen_rng_pick(rng, w, GEN_TOOLS);
}

/* Fill in who, where and why of a new run (or copy it from its parent). */
static void
gen_run_identity(struct gen_run *run, struct gen_rng *rng, uint64_t seed,
    const struct gen_run *parent)
{
	const struct gen_agent *a;
	double u;

	snprintf(run->id, sizeof run->id, "run-%" PRIx64 "-%06" PRIx64, seed,
	    run->n);
	gen_rng_hex(rng, run->span_id, 16);
	if (parent != NULL) {
		run->agent = gen_pick_agent(rng,
		    gen_agents[parent->agent].children);
		run->depth = parent->depth + 1;
		memcpy(run->trace_id, parent->trace_id, sizeof run->trace_id);
		memcpy(run->request_id, parent->request_id,
		    sizeof run->request_id);
		snprintf(run->parent_id, sizeof run->parent_id, "%s",
		    parent->id);
		snprintf(run->root_id, sizeof run->root_id, "%s",
		    parent->root_id[0] != '\0' ? parent->root_id : parent->id);
		run->queue = parent->queue;
		run->source = parent->source;
		run->user = parent->user;
	} else {
		run->agent = gen_pick_agent(rng, 0);
		gen_rng_hex(rng, run->trace_id, 32);
		run->queue = (int)gen_rng_pick(rng, gen_queue_weights,
		    GEN_QUEUES);
		run->source = (int)gen_rng_pick(rng, gen_source_weights, 4);
		u = gen_rng_unit(rng);
		run->user = (int)(GEN_USERS * u * u); /* a few busy users */
		if (run->source <= 1) {
			memcpy(run->request_id, "req-", 4);
			gen_rng_hex(rng, run->request_id + 4, 12);
		}
	}
	a = &gen_agents[run->agent];
	run->model = (int)gen_rng_pick(rng, a->models, GEN_MODELS);
	switch (run->queue) {
	case 0:
		run->priority = gen_rng_range(rng, 1, 2);
		break;
	case 1:
		run->priority = 5;
		break;
	default:
		run->priority = gen_rng_range(rng, 8, 10);
		break;
	}
}

/* Lay out the work of a run: its steps and how long each takes. */
static void
gen_run_plan(struct gen_run *run, struct gen_rng *rng, double scale)
{
	const struct gen_agent *a = &gen_agents[run->agent];
	const struct gen_model *m = &gen_models[run->model];
	struct gen_step *s;
	double difficulty;
	int k, i, spawn, tool;
	size_t j;
	int64_t total;

	difficulty = gen_rng_lognormal(rng, 1.0, a->sigma);
	k = (int)gen_rng_range(rng, a->llm_min, a->llm_max);
	spawn = (run->depth < 2 && gen_rng_chance(rng, a->spawn_p)) ?
	    (int)gen_rng_range(rng, 1, 3) : 0;
	if (run->short_run) {
		k = 1;
		spawn = 0;
	}

	/* At most 5 steps per LLM call, think, the end, and a retry's two. */
	run->steps = xreallocarray(NULL, (size_t)k * 5 + 4,
	    sizeof *run->steps);
	run->nsteps = 0;
	if (!run->short_run)
		gen_run_add(run, GEN_STEP_THINK, gen_scale(gen_rng_lognormal(
		    rng, 90, 0.5) * difficulty, scale));
	for (i = 0; i < k; i++) {
		gen_run_add(run, GEN_STEP_LLM, gen_scale(gen_rng_lognormal(rng,
		    a->llm_ms * m->speed, 0.45) * difficulty, scale));
		if (i == 0 && spawn > 0)
			gen_run_add(run, GEN_STEP_SPAWN, 0)->arg = spawn;
		if (!run->short_run && a->tools != 0 &&
		    gen_rng_chance(rng, a->tool_p)) {
			tool = gen_pick_tool(rng, a->tools);
			s = gen_run_add(run, GEN_STEP_TOOL, 0);
			s->arg = tool;
			if (gen_rng_chance(rng, gen_tools[tool].timeout_p))
				s->outcome = 2;
			else if (gen_rng_chance(rng, gen_tools[tool].error_p))
				s->outcome = 1;
			s->dur = gen_scale(gen_rng_lognormal(rng,
			    gen_tools[tool].median_ms, 0.6) *
			    (s->outcome == 2 ? 5 : 1), scale);
		}
		if (!run->short_run && gen_rng_chance(rng, 0.3))
			gen_run_add(run, GEN_STEP_LOG, 0)->arg =
			    (int)gen_rng_below(rng, GEN_LOGLINES);
		if (i + 1 < k)
			gen_run_add(run, GEN_STEP_PROGRESS, 0)->progress =
			    round(100.0 * (i + 1) / k) / 100.0;
	}
	gen_run_add(run, GEN_STEP_COMPLETE,
	    gen_scale(gen_rng_lognormal(rng, 25, 0.5), scale));

	/* The estimate knows the whole plan, give or take. */
	total = 0;
	for (j = 0; j < run->nsteps; j++)
		total += run->steps[j].dur;
	if (gen_rng_chance(rng, 0.6)) {
		run->estimated_ms = (int64_t)llround(total *
		    gen_rng_lognormal(rng, 1.0, 0.25));
		if (run->estimated_ms < 1)
			run->estimated_ms = 1;
	}
}

struct gen_run *
gen_run_create(struct gen_rng *rng, uint64_t seed, uint64_t n,
    const struct gen_run *parent, double scale, int short_run)
{
	struct gen_run *run = xcalloc(1, sizeof *run);

	run->n = n;
	run->attempt = 1;
	run->short_run = short_run;
	gen_run_identity(run, rng, seed, parent);
	gen_run_plan(run, rng, scale);
	return run;
}

/*
 * The run gets a worker: decide how it goes, which depends on the moment
 * (a surge), then fix each step's time after run.started.
 */
void
gen_run_begin(struct gen_run *run, struct gen_rng *rng, int surge,
    double scale)
{
	const struct gen_agent *a = &gen_agents[run->agent];
	struct gen_step *s;
	double fail_p, u;
	size_t j, cut, nllm = 0, pick;
	int64_t at;

	run->surge = surge;
	for (j = 0; j < run->nsteps; j++)
		nllm += run->steps[j].kind == GEN_STEP_LLM;

	/* A failed LLM call and a retry, perhaps on another model. */
	if (!run->short_run && gen_rng_chance(rng, surge ? 0.30 : 0.08)) {
		pick = (size_t)gen_rng_below(rng, nllm);
		for (j = 0; j < run->nsteps; j++) {
			if (run->steps[j].kind == GEN_STEP_LLM && pick-- == 0)
				break;
		}
		memmove(&run->steps[j + 2], &run->steps[j],
		    (run->nsteps - j) * sizeof *run->steps);
		run->nsteps += 2;
		s = gen_run_add_at(run, j, GEN_STEP_LOG, 0);
		s->arg = -1;
		gen_run_add_at(run, j + 1, GEN_STEP_RETRY,
		    gen_scale(gen_rng_lognormal(rng, 400, 0.5), scale));
	}

	/* A failed or cancelled run ends after a random step. */
	fail_p = surge ? 0.70 : a->fail_p;
	u = gen_rng_unit(rng);
	if (u < fail_p + 0.02) {
		cut = 1 + (size_t)gen_rng_below(rng, run->nsteps - 1);
		gen_run_add_at(run, cut, u < fail_p ? GEN_STEP_FAIL :
		    GEN_STEP_CANCEL, gen_scale(gen_rng_lognormal(rng, 30, 0.5),
		    scale));
		run->nsteps = cut + 1;
	}

	at = 0;
	for (j = 0; j < run->nsteps; j++) {
		at += run->steps[j].dur;
		run->steps[j].at = at;
	}
}

void
gen_run_free(struct gen_run *run)
{
	if (run == NULL)
		return;
	free(run->steps);
	free(run);
}

/* Append a hostile string to text when the run is hostile. */
static void
gen_run_text(const struct gen_run *run, struct gen_event *ev,
    const char *name, const char *text, uint64_t salt)
{
	char buf[512];

	if (!run->hostile) {
		gen_event_str(ev, name, text);
		return;
	}
	snprintf(buf, sizeof buf, "%s %s", text,
	    gen_hostile[(run->n + salt) % GEN_HOSTILE]);
	gen_event_str(ev, name, buf);
}

/* The fields every event of a run carries. */
static void
gen_run_common(const struct gen_run *run, struct gen_event *ev,
    const char *type)
{
	const struct gen_agent *a = &gen_agents[run->agent];
	char buf[256];

	gen_event_str(ev, "type", type);
	gen_event_str(ev, "run_id", run->id);
	gen_event_str(ev, "agent_id", a->id);
	if (run->hostile) {
		snprintf(buf, sizeof buf, "%s%s",
		    gen_hostile[run->n % GEN_HOSTILE], a->name);
		gen_event_str(ev, "agent_name", buf);
	} else
		gen_event_str(ev, "agent_name", a->name);
	gen_event_str(ev, "trace_id", run->trace_id);
	gen_event_str(ev, "span_id", run->span_id);
}

/* Who asked and where: on the first, the starting and the last event. */
static void
gen_run_context(const struct gen_run *run, struct gen_event *ev)
{
	char buf[32];

	gen_event_str(ev, "agent_version", gen_agents[run->agent].version);
	if (run->parent_id[0] != '\0') {
		gen_event_str(ev, "parent_run_id", run->parent_id);
		gen_event_str(ev, "root_run_id", run->root_id);
	}
	if (run->request_id[0] != '\0')
		gen_event_str(ev, "request_id", run->request_id);
	snprintf(buf, sizeof buf, "u-%04d", 1000 + run->user);
	gen_event_str(ev, "user_id", buf);
	gen_event_str(ev, "workspace_id",
	    gen_workspaces[(size_t)run->user % GEN_WORKSPACES]);
	gen_event_str(ev, "source", gen_sources[run->source]);
	gen_event_str(ev, "queue", gen_queue_names[run->queue]);
}

void
gen_run_queued(struct gen_run *run, struct gen_event *ev)
{
	gen_run_common(run, ev, "run.queued");
	gen_run_context(run, ev);
	gen_event_int(ev, "priority", run->priority);
	if (run->estimated_ms > 0)
		gen_event_int(ev, "estimated_ms", run->estimated_ms);
}

void
gen_run_started(struct gen_run *run, struct gen_event *ev)
{
	gen_run_common(run, ev, "run.started");
	gen_run_context(run, ev);
}

/* One LLM call: tokens, cost, latency; adds to the run's totals. */
static void
gen_run_llm(struct gen_run *run, const struct gen_step *s,
    struct gen_rng *rng, struct gen_event *ev)
{
	const struct gen_agent *a = &gen_agents[run->agent];
	const struct gen_model *m = &gen_models[run->model];
	const char *finish;
	int64_t in, out;
	int cache, streaming;
	double cost, u;

	in = (int64_t)llround(gen_rng_lognormal(rng, a->in_tokens, 0.6));
	out = (int64_t)llround(gen_rng_lognormal(rng, a->out_tokens, 0.7));
	if (in < 1)
		in = 1;
	if (out < 1)
		out = 1;
	cache = gen_rng_chance(rng, 0.15);
	streaming = gen_rng_chance(rng, 0.6);
	u = gen_rng_unit(rng);
	if (s + 1 < run->steps + run->nsteps && s[1].kind == GEN_STEP_TOOL)
		finish = "tool_calls";
	else if (u < 0.93)
		finish = "stop";
	else if (u < 0.98) {
		finish = "length";
		out = 4096;
	} else
		finish = "content_filter";
	cost = in / 1000.0 * m->in_per_1k * (cache ? 0.5 : 1.0) +
	    out / 1000.0 * m->out_per_1k;
	cost = round(cost * 1e6) / 1e6;

	run->llm_calls++;
	run->in_tokens += in;
	run->out_tokens += out;
	run->cost_usd += cost;

	gen_run_common(run, ev, "llm.call");
	gen_event_str(ev, "model_id", m->id);
	gen_event_int(ev, "input_tokens", in);
	gen_event_int(ev, "output_tokens", out);
	gen_event_real(ev, "cost_usd", cost, 6);
	gen_event_int(ev, "duration_ms", s->dur);
	if (streaming) {
		int64_t ttft = (int64_t)llround(s->dur *
		    (0.1 + 0.25 * gen_rng_unit(rng)));
		gen_event_int(ev, "ttft_ms", ttft < 1 ? 1 : ttft);
	}
	gen_event_bool(ev, "streaming", streaming);
	gen_event_bool(ev, "cache_hit", cache);
	gen_event_str(ev, "finish_reason", finish);
}

static void
gen_run_tool(struct gen_run *run, const struct gen_step *s,
    struct gen_rng *rng, struct gen_event *ev)
{
	const struct gen_tool *t = &gen_tools[s->arg];
	static const char *const outcomes[] = { "success", "error", "timeout" };

	gen_run_common(run, ev, "tool.call");
	gen_event_str(ev, "tool_id", t->id);
	gen_event_int(ev, "duration_ms", s->dur);
	gen_event_str(ev, "outcome", outcomes[s->outcome]);
	if (s->outcome == 1)
		gen_event_str(ev, "error_kind",
		    t->errors[gen_rng_below(rng, 3)]);
	else if (s->outcome == 2)
		gen_event_str(ev, "error_kind", "timeout");
	if (t->has_exit_code)
		gen_event_int(ev, "exit_code",
		    s->outcome == 0 ? 0 : (s->outcome == 1 ? 1 : 137));
	if (s->outcome == 0)
		gen_event_int(ev, "output_bytes", (int64_t)llround(
		    gen_rng_lognormal(rng, 2048, 1.2)));
}

/* Totals on the last event, as some emitters send them. */
static void
gen_run_totals(const struct gen_run *run, struct gen_event *ev,
    int64_t now)
{
	gen_event_str(ev, "model_id", gen_models[run->model].id);
	gen_event_int(ev, "input_tokens", run->in_tokens);
	gen_event_int(ev, "output_tokens", run->out_tokens);
	gen_event_real(ev, "cost_usd", round(run->cost_usd * 1e6) / 1e6, 6);
	gen_event_int(ev, "duration_ms", now - run->started_at);
}

static void
gen_run_failed(struct gen_run *run, struct gen_rng *rng,
    struct gen_event *ev)
{
	double w[GEN_ERRORS];
	const struct gen_error *e;
	size_t i;

	for (i = 0; i < GEN_ERRORS; i++)
		w[i] = run->surge ? gen_errors[i].surge_weight :
		    gen_errors[i].weight;
	e = &gen_errors[gen_rng_pick(rng, w, GEN_ERRORS)];
	gen_run_common(run, ev, "run.failed");
	gen_run_context(run, ev);
	gen_event_str(ev, "error_class", e->class);
	gen_run_text(run, ev, "error_message", e->message, 3);
	gen_event_bool(ev, "retryable", e->retryable);
	gen_event_bool(ev, "rate_limited", e->rate_limited);
	gen_event_int(ev, "attempt", run->attempt);
	if (run->llm_calls > 0 && gen_rng_chance(rng, 0.4))
		gen_run_totals(run, ev, ev->sim_ms);
}

void
gen_run_step(struct gen_run *run, const struct gen_step *s,
    struct gen_rng *rng, struct gen_event *ev)
{
	const struct gen_logline *l;
	char buf[160];
	size_t i;

	switch (s->kind) {
	case GEN_STEP_THINK:
		gen_run_common(run, ev, "agent.thinking");
		gen_run_text(run, ev, "message",
		    gen_thoughts[gen_rng_below(rng,
		    sizeof gen_thoughts / sizeof gen_thoughts[0])], 1);
		break;
	case GEN_STEP_LLM:
		gen_run_llm(run, s, rng, ev);
		break;
	case GEN_STEP_TOOL:
		gen_run_tool(run, s, rng, ev);
		break;
	case GEN_STEP_PROGRESS:
		gen_run_common(run, ev, "run.progress");
		gen_event_real(ev, "progress", s->progress, 2);
		break;
	case GEN_STEP_LOG:
		gen_run_common(run, ev, "log");
		if (s->arg < 0) {
			gen_event_str(ev, "level", "warn");
			snprintf(buf, sizeof buf, "%s call failed, retrying",
			    gen_models[run->model].id);
		} else {
			l = &gen_loglines[s->arg];
			gen_event_str(ev, "level", l->level);
			snprintf(buf, sizeof buf, "%s%d%s", l->pre,
			    (int)gen_rng_range(rng, l->lo, l->hi), l->post);
		}
		gen_run_text(run, ev, "message", buf, 2);
		break;
	case GEN_STEP_RETRY:
		i = gen_rng_pick(rng, gen_fallback_weights, 6);
		run->attempt++;
		gen_run_common(run, ev, "run.retry");
		gen_event_int(ev, "attempt", run->attempt);
		gen_event_str(ev, "fallback_reason", gen_fallbacks[i]);
		if (i <= 3) { /* fall back to another model */
			run->model = (run->model + 1 + (int)gen_rng_below(rng,
			    GEN_MODELS - 1)) % GEN_MODELS;
			snprintf(buf, sizeof buf, "falling back to %s",
			    gen_models[run->model].id);
			gen_event_str(ev, "message", buf);
		}
		break;
	case GEN_STEP_COMPLETE:
		gen_run_common(run, ev, "run.completed");
		gen_run_context(run, ev);
		if (run->attempt > 1)
			gen_event_int(ev, "attempt", run->attempt);
		if (gen_rng_chance(rng, 0.6))
			gen_run_totals(run, ev, ev->sim_ms);
		break;
	case GEN_STEP_FAIL:
		gen_run_failed(run, rng, ev);
		break;
	case GEN_STEP_CANCEL:
		gen_run_common(run, ev, "run.cancelled");
		gen_run_context(run, ev);
		gen_run_text(run, ev, "message",
		    gen_cancels[gen_rng_below(rng,
		    sizeof gen_cancels / sizeof gen_cancels[0])], 4);
		break;
	case GEN_STEP_SPAWN:
		break;
	}
}

void
gen_run_queue_timeout(struct gen_run *run, int64_t waited_ms,
    struct gen_event *ev)
{
	char buf[96];

	gen_run_common(run, ev, "run.cancelled");
	gen_run_context(run, ev);
	snprintf(buf, sizeof buf, "queue timeout: waited %" PRId64 " ms",
	    waited_ms);
	gen_event_str(ev, "message", buf);
}
