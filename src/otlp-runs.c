/* execmon - OTLP spans assembled into runs, LLM calls and tool calls, in any order. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp-runs.h"
#include "xmalloc.h"

/*
 * The mapping (doc/otel.md):
 *  - a run span is an agent invocation: gen_ai.operation.name invoke_agent
 *    or invoke_workflow, or an AI SDK ai.generateText / ai.streamText /
 *    ai.generateObject / ai.streamObject span; a root span with LLM or tool
 *    spans beneath it (and no run span between) is a run too;
 *  - an LLM span has a request model or a chat-like operation; a tool span
 *    is execute_tool or ai.toolCall;
 *  - a span's run is its nearest run ancestor (an LLM or tool span with
 *    none above it, up to the root, makes the root a run).
 *
 * Order. Exporters send spans when they end, children before their parent,
 * in batches and requests of their own choosing. A span's events are made
 * once what they say is known: its ancestors up to a run span or the root
 * are all here. Until then it waits. Each event's entry ID is the span id
 * and a suffix, so a span sent twice, or settled twice, is the same event to
 * the store. So the events of a trace are the same whatever order its spans
 * came in, as long as no parent is later than the grace time. A span whose
 * parent never comes (it lives in a service that does not export here) is
 * settled after the grace time as if its topmost known ancestor were the
 * root.
 *
 * Failures. A run span with status error fails its run (error.type, the
 * status message or the exception event). An LLM or tool span with status
 * error fails the run it belongs to, at the later of the two end times, so
 * that failure outranks the run's own completion (store.c: the latest
 * terminal event wins, failed over completed at equal times).
 *
 * Memory. Spans are remembered per trace (the few fields the mapping needs),
 * at most max_trace_spans per trace and max_spans in all; a trace quiet for
 * keep_ms is forgotten, and beyond max_spans the quietest traces go first
 * (their waiting spans settled first).
 */

enum role { ROLE_OTHER, ROLE_RUN, ROLE_LLM, ROLE_TOOL };

struct aspan {
	struct otlp_span sp;
	enum role role;
	char blocked_on[17];   /* waiting: the missing ancestor's span id */
	int settled;           /* its own events are made */
	int run_made;          /* its run events are made (a run, or a root made one) */
	int64_t arrived_ms;
};

struct trace {
	char id[33];
	struct aspan **spans;
	size_t n, cap;
	struct aspan **index;  /* by span id: open addressing, index_cap slots */
	size_t index_cap;      /* a power of two, at least twice n */
	size_t waiting;        /* GenAI spans not settled yet */
	int64_t last_ms;       /* arrival of the newest span */
	int64_t oldest_wait_ms; /* arrival of the oldest waiting span (approx.) */
	struct trace *hnext;   /* hash chain */
	struct trace *prev, *next; /* by last activity, oldest first */
};

#define OTLP_BUCKETS 4096

struct otlp_runs {
	struct otlp_runs_opts o;
	otlp_event_fn fn;
	void *ctx;
	struct trace *buckets[OTLP_BUCKETS];
	struct trace *head, *tail;
	size_t nspans;
	size_t waiting;
	uint64_t dropped;
};

void
otlp_runs_opts_default(struct otlp_runs_opts *o)
{
	o->grace_ms = 60 * 1000;
	o->keep_ms = 10 * 60 * 1000;
	o->max_spans = 200000;
	o->max_trace_spans = 5000;
}

struct otlp_runs *
otlp_runs_create(const struct otlp_runs_opts *o, otlp_event_fn fn, void *ctx)
{
	struct otlp_runs *r = xcalloc(1, sizeof *r);

	if (o != NULL)
		r->o = *o;
	else
		otlp_runs_opts_default(&r->o);
	r->fn = fn;
	r->ctx = ctx;
	return r;
}

static unsigned
trace_hash(const char *id)
{
	unsigned h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % OTLP_BUCKETS;
}

static void
list_unlink(struct otlp_runs *r, struct trace *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		r->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		r->tail = t->prev;
	t->prev = t->next = NULL;
}

static void
list_append(struct otlp_runs *r, struct trace *t)
{
	t->prev = r->tail;
	t->next = NULL;
	if (r->tail != NULL)
		r->tail->next = t;
	else
		r->head = t;
	r->tail = t;
}

static struct trace *
trace_get(struct otlp_runs *r, const char *id, int create)
{
	unsigned h = trace_hash(id);
	struct trace *t;

	for (t = r->buckets[h]; t != NULL; t = t->hnext) {
		if (strcmp(t->id, id) == 0)
			return t;
	}
	if (!create)
		return NULL;
	t = xcalloc(1, sizeof *t);
	memcpy(t->id, id, sizeof t->id);
	t->hnext = r->buckets[h];
	r->buckets[h] = t;
	list_append(r, t);
	return t;
}

static void
trace_free(struct otlp_runs *r, struct trace *t)
{
	struct trace **pp = &r->buckets[trace_hash(t->id)];

	while (*pp != t)
		pp = &(*pp)->hnext;
	*pp = t->hnext;
	list_unlink(r, t);
	for (size_t i = 0; i < t->n; i++) {
		otlp_span_done(&t->spans[i]->sp);
		free(t->spans[i]);
	}
	r->nspans -= t->n;
	r->waiting -= t->waiting;
	free(t->spans);
	free(t->index);
	free(t);
}

void
otlp_runs_free(struct otlp_runs *r)
{
	if (r == NULL)
		return;
	while (r->head != NULL)
		trace_free(r, r->head);
	free(r);
}

static size_t
id_hash(const char *id)
{
	size_t h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

static struct aspan *
span_find(const struct trace *t, const char *span_id)
{
	size_t mask = t->index_cap - 1, i;

	if (t->index_cap == 0)
		return NULL;
	for (i = id_hash(span_id) & mask; t->index[i] != NULL; i = (i + 1) & mask) {
		if (strcmp(t->index[i]->sp.span_id, span_id) == 0)
			return t->index[i];
	}
	return NULL;
}

static void
index_put(struct aspan **index, size_t cap, struct aspan *a)
{
	size_t i;

	for (i = id_hash(a->sp.span_id) & (cap - 1); index[i] != NULL;
	    i = (i + 1) & (cap - 1))
		;
	index[i] = a;
}

/* Append a span, keeping the index at most half full. */
static void
span_insert(struct trace *t, struct aspan *a)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->spans = xreallocarray(t->spans, t->cap, sizeof *t->spans);
	}
	t->spans[t->n++] = a;
	if (2 * t->n > t->index_cap) {
		size_t cap = t->index_cap ? t->index_cap * 2 : 16;

		free(t->index);
		t->index = xcalloc(cap, sizeof *t->index);
		t->index_cap = cap;
		for (size_t i = 0; i < t->n; i++)
			index_put(t->index, cap, t->spans[i]);
		return;
	}
	index_put(t->index, t->index_cap, a);
}

static int
is_one_of(const char *s, const char *const *list)
{
	if (s == NULL)
		return 0;
	for (; *list != NULL; list++) {
		if (strcmp(s, *list) == 0)
			return 1;
	}
	return 0;
}

static enum role
classify(const struct otlp_span *sp)
{
	static const char *const run_ops[] = {
		"invoke_agent", "invoke_workflow", NULL
	};
	static const char *const ai_runs[] = {
		"ai.generateText", "ai.streamText", "ai.generateObject",
		"ai.streamObject", NULL
	};
	static const char *const llm_ops[] = {
		"chat", "text_completion", "generate_content", "completion", NULL
	};

	if (is_one_of(sp->op, run_ops) || (sp->op == NULL &&
	    is_one_of(sp->ai_op, ai_runs)))
		return ROLE_RUN;
	if ((sp->op != NULL && strcmp(sp->op, "execute_tool") == 0) ||
	    (sp->ai_op != NULL && strcmp(sp->ai_op, "ai.toolCall") == 0))
		return ROLE_TOOL;
	if (sp->model != NULL || is_one_of(sp->op, llm_ops))
		return ROLE_LLM;
	return ROLE_OTHER;
}

/* Epoch ms of a span time, or fallback when it is not a sane time. */
static int64_t
ns_to_ms(int64_t ns, int64_t fallback)
{
	int64_t ms = ns / 1000000;

	/* The range event.c accepts for ts: 1970 .. 2200. */
	if (ns <= 0 || ms > INT64_C(7258118400000))
		return fallback;
	return ms;
}

static void
event_new(struct event *ev, enum event_type type, const struct aspan *a,
    const char *suffix, int64_t ts)
{
	char id[40];

	event_init(ev);
	ev->type = type;
	ev->type_name = xstrdup(event_type_name(type));
	ev->ts_ms = ts;
	ev->has |= EF_TS;
	snprintf(id, sizeof id, "%s:%s", a->sp.span_id, suffix);
	ev->entry_id = xstrdup(id);
	ev->trace_id = xstrdup(a->sp.trace_id);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* The agent a run span names: gen_ai.agent.name, functionId, the service. */
static const char *
run_agent(const struct otlp_span *sp)
{
	if (sp->agent_name != NULL)
		return sp->agent_name;
	if (sp->function_id != NULL)
		return sp->function_id;
	if (sp->service != NULL)
		return sp->service;
	return "unknown";
}

static void
emit(struct otlp_runs *r, struct event *ev)
{
	r->fn(r->ctx, ev);
}

/* run.started and, when it ended, run.completed or run.failed. */
static void
make_run(struct otlp_runs *r, struct aspan *a, const char *parent_run,
    int64_t now_ms)
{
	const struct otlp_span *sp = &a->sp;
	int64_t start = ns_to_ms(sp->start_ns, ns_to_ms(sp->end_ns, now_ms));
	struct event ev;

	if (a->run_made)
		return;
	a->run_made = 1;
	event_new(&ev, EV_RUN_STARTED, a, "start", start);
	ev.run_id = xstrdup(sp->span_id);
	ev.span_id = xstrdup(sp->span_id);
	ev.parent_run_id = dup_or_null(parent_run);
	ev.agent_name = xstrdup(run_agent(sp));
	ev.agent_id = dup_or_null(sp->agent_id);
	ev.user_id = dup_or_null(sp->user_id);
	ev.message = dup_or_null(sp->name);
	emit(r, &ev);
	if (sp->end_ns == 0)
		return;
	event_new(&ev, sp->status == 2 ? EV_RUN_FAILED : EV_RUN_COMPLETED, a,
	    "end", ns_to_ms(sp->end_ns, start));
	ev.run_id = xstrdup(sp->span_id);
	ev.agent_name = xstrdup(run_agent(sp));
	if (sp->status == 2) {
		ev.error_class = xstrdup(sp->error_type != NULL ?
		    sp->error_type : "error");
		ev.error_message = dup_or_null(sp->status_message != NULL ?
		    sp->status_message : sp->error_message);
	}
	emit(r, &ev);
}

/* The events of an LLM or tool span a in run (a run span or a root). */
static void
make_call(struct otlp_runs *r, struct aspan *a, struct aspan *run,
    int64_t now_ms)
{
	const struct otlp_span *sp = &a->sp;
	int64_t end = ns_to_ms(sp->end_ns, ns_to_ms(sp->start_ns, now_ms));
	int64_t start = ns_to_ms(sp->start_ns, end);
	struct event ev;

	event_new(&ev, a->role == ROLE_LLM ? EV_LLM_CALL : EV_TOOL_CALL, a,
	    a->role == ROLE_LLM ? "llm" : "tool", end);
	ev.run_id = xstrdup(run->sp.span_id);
	if (end - start <= INT64_C(366) * 86400 * 1000) { /* event.c's bound */
		ev.duration_ms = end - start;
		ev.has |= EF_DURATION_MS;
	}
	if (a->role == ROLE_LLM) {
		ev.model_id = dup_or_null(sp->model);
		ev.finish_reason = dup_or_null(sp->finish_reason);
		ev.message = dup_or_null(sp->name);
		if (sp->has & OTLP_IN_TOKENS) {
			ev.input_tokens = sp->input_tokens;
			ev.has |= EF_INPUT_TOKENS;
		}
		if (sp->has & OTLP_OUT_TOKENS) {
			ev.output_tokens = sp->output_tokens;
			ev.has |= EF_OUTPUT_TOKENS;
		}
		if (sp->has & OTLP_COST) {
			ev.cost_usd = sp->cost_usd;
			ev.has |= EF_COST_USD;
		}
		if (sp->has & OTLP_TTFT) {
			ev.ttft_ms = sp->ttft_ms;
			ev.has |= EF_TTFT_MS;
		}
		if (sp->has & OTLP_STREAMING) {
			ev.streaming = sp->streaming;
			ev.has |= EF_STREAMING;
		} else if (sp->ai_op != NULL && strstr(sp->ai_op, "doStream") != NULL) {
			ev.streaming = 1;
			ev.has |= EF_STREAMING;
		}
	} else {
		ev.tool_id = xstrdup(sp->tool != NULL ? sp->tool :
		    sp->name != NULL ? sp->name : "unknown");
		ev.outcome = xstrdup(sp->status == 2 ? "error" : "success");
		if (sp->status == 2) {
			ev.error_kind = xstrdup(sp->error_type != NULL ?
			    sp->error_type : "error");
			ev.message = dup_or_null(sp->status_message != NULL ?
			    sp->status_message : sp->error_message);
		}
	}
	emit(r, &ev);
	if (sp->status != 2 || run->sp.status == 2)
		return;
	/* The call failed: so did its run, unless the run says why itself. */
	end = ns_to_ms(run->sp.end_ns, end) > end ? ns_to_ms(run->sp.end_ns, end) :
	    end;
	event_new(&ev, EV_RUN_FAILED, a, "fail", end);
	ev.run_id = xstrdup(run->sp.span_id);
	ev.agent_name = xstrdup(run_agent(&run->sp));
	ev.error_class = xstrdup(sp->error_type != NULL ? sp->error_type :
	    a->role == ROLE_TOOL ? "tool_error" : "llm_error");
	if (sp->status_message != NULL || sp->error_message != NULL)
		ev.error_message = xstrdup(sp->status_message != NULL ?
		    sp->status_message : sp->error_message);
	else
		xasprintf(&ev.error_message, "%s failed", a->role == ROLE_TOOL ?
		    (sp->tool != NULL ? sp->tool : "a tool") : "an LLM call");
	emit(r, &ev);
}

/* Deepest chain of ancestors walked; deeper ones wait for the grace time. */
#define OTLP_DEPTH_MAX 128

/*
 * Walk up from a's parent. Returns the nearest run span above a (or, when
 * there is none up to the root, the root itself in *root), or sets *missing
 * (and a->blocked_on) when the chain breaks at a span not here yet, or is
 * too deep or a cycle; *top is the topmost span reached.
 */
static struct aspan *
run_above(const struct trace *t, struct aspan *a, struct aspan **root,
    struct aspan **top, int *missing)
{
	const struct aspan *cur = a;
	size_t steps = 0;

	*root = NULL;
	*missing = 0;
	*top = a;
	while (cur->sp.parent_id[0] != '\0') {
		struct aspan *p = span_find(t, cur->sp.parent_id);

		if (p == NULL || ++steps > OTLP_DEPTH_MAX) {
			*missing = 1;
			snprintf(a->blocked_on, sizeof a->blocked_on, "%s",
			    p == NULL ? cur->sp.parent_id : "");
			return NULL;
		}
		if (p->role == ROLE_RUN)
			return p;
		*top = p;
		cur = p;
	}
	*root = (struct aspan *)cur;
	return NULL;
}

/* Make a's events if what they need is here (or force); 1 if it settled. */
static int
try_settle(struct otlp_runs *r, struct trace *t, struct aspan *a, int force,
    int64_t now_ms)
{
	struct aspan *run, *root, *top;
	int missing;

	if (a->settled || a->role == ROLE_OTHER)
		return 0;
	run = run_above(t, a, &root, &top, &missing);
	if (missing && !force)
		return 0;
	if (a->role == ROLE_RUN) {
		make_run(r, a, run != NULL ? run->sp.span_id : NULL, now_ms);
	} else {
		if (run == NULL)
			run = root != NULL ? root : top;
		if (run->role != ROLE_RUN)
			make_run(r, run, NULL, now_ms);
		make_call(r, a, run, now_ms);
	}
	a->settled = 1;
	t->waiting--;
	r->waiting--;
	return 1;
}

/*
 * Settle what the span just added (id) lets settle: itself, and the spans
 * that waited for it; with force (id NULL), every span waiting.
 */
static void
trace_settle(struct otlp_runs *r, struct trace *t, const char *id,
    int64_t now_ms)
{
	for (size_t i = 0; i < t->n && t->waiting > 0; i++) {
		struct aspan *a = t->spans[i];

		if (a->settled || a->role == ROLE_OTHER)
			continue;
		if (id != NULL && strcmp(a->sp.span_id, id) != 0 &&
		    strcmp(a->blocked_on, id) != 0)
			continue;
		try_settle(r, t, a, id == NULL, now_ms);
	}
}

void
otlp_runs_add(struct otlp_runs *r, struct otlp_span *sp, int64_t now_ms)
{
	struct trace *t = trace_get(r, sp->trace_id, 1);
	struct aspan *a;

	list_unlink(r, t);
	list_append(r, t);
	t->last_ms = now_ms;
	if (span_find(t, sp->span_id) != NULL || t->n >= r->o.max_trace_spans) {
		if (span_find(t, sp->span_id) == NULL)
			r->dropped++;
		otlp_span_done(sp);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->sp = *sp;
	memset(sp, 0, sizeof *sp);
	a->role = classify(&a->sp);
	a->arrived_ms = now_ms;
	span_insert(t, a);
	r->nspans++;
	if (a->role != ROLE_OTHER) {
		if (t->waiting == 0)
			t->oldest_wait_ms = now_ms;
		t->waiting++;
		r->waiting++;
	}
	trace_settle(r, t, a->sp.span_id, now_ms);
	while (r->nspans > r->o.max_spans && r->head != NULL && r->head != t) {
		trace_settle(r, r->head, NULL, now_ms);
		trace_free(r, r->head);
	}
}

void
otlp_runs_tick(struct otlp_runs *r, int64_t now_ms)
{
	struct trace *t, *next;

	for (t = r->head; t != NULL; t = next) {
		next = t->next;
		if (t->waiting > 0 && now_ms - t->oldest_wait_ms >= r->o.grace_ms)
			trace_settle(r, t, NULL, now_ms);
		if (t->waiting == 0 && now_ms - t->last_ms >= r->o.keep_ms)
			trace_free(r, t);
	}
}

void
otlp_runs_flush(struct otlp_runs *r, int64_t now_ms)
{
	for (struct trace *t = r->head; t != NULL; t = t->next)
		trace_settle(r, t, NULL, now_ms);
}

size_t
otlp_runs_waiting(const struct otlp_runs *r)
{
	return r->waiting;
}

uint64_t
otlp_runs_dropped(const struct otlp_runs *r)
{
	return r->dropped;
}
