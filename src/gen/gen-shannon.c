/* execmon-gen - a Shannon-shaped workload: per-workflow event streams. */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"

/*
 * What Kocoro-lab/Shannon writes to Redis, as far as a monitor sees it: for
 * each workflow a stream shannon:workflow:events:<workflow_id> whose entries
 * have the fields workflow_id, type, agent_id, message, payload (JSON text,
 * "" when there is none), ts_nano and seq; a counter key <stream>:seq that
 * INCR numbers the events; both given a TTL; and the terminal events of
 * every workflow copied to shannon:notifications:global. Here each workflow
 * runs one to three agents, each with model calls and maybe tool calls.
 */

#define SH_EVENTS_MAX 64       /* events of one workflow */
#define SH_PENDING_MAX 65536   /* events scheduled and not yet written */

struct sh_event {
	int64_t ts_ms;             /* event time, epoch ms */
	int64_t ns;                /* nanoseconds within the ms */
	uint64_t order;            /* tie-break: the order they were made */
	char wf[48];
	char type[24];
	char agent[24];
	char message[96];
	char payload[256];
};

struct sh_state {
	const struct gen_opts *o;
	redisContext *c;
	struct gen_rng rng;
	struct sh_event **heap;    /* by (ts_ms, order) */
	size_t nheap;
	uint64_t made, written, workflows;
	int failed;
	char err[256];
};

static const char *const sh_agents[] = {
	"planner", "researcher", "writer", "critic", "coder", "analyst"
};
static const char *const sh_models[] = {
	"gpt-5-mini", "claude-sonnet-4-5", "gemini-2.5-flash"
};
static const char *const sh_providers[] = { "openai", "anthropic", "google" };
static const double sh_price[] = { 0.25, 3.0, 0.30 }; /* $ per 1M input tokens */
static const char *const sh_tools[] = { "web_search", "calculator", "python_executor" };

static int
sh_before(const struct sh_event *a, const struct sh_event *b)
{
	return a->ts_ms < b->ts_ms || (a->ts_ms == b->ts_ms && a->order < b->order);
}

static void
sh_push(struct sh_state *s, struct sh_event *e)
{
	size_t i = s->nheap++, p;

	e->order = s->made++;
	while (i > 0 && sh_before(e, s->heap[p = (i - 1) / 2])) {
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = e;
}

static struct sh_event *
sh_pop(struct sh_state *s)
{
	struct sh_event *top = s->heap[0], *last = s->heap[--s->nheap];
	size_t i = 0, k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= s->nheap)
			break;
		if (k + 1 < s->nheap && sh_before(s->heap[k + 1], s->heap[k]))
			k++;
		if (!sh_before(s->heap[k], last))
			break;
		s->heap[i] = s->heap[k];
		i = k;
	}
	if (s->nheap > 0)
		s->heap[i] = last;
	return top;
}

static struct sh_event *
sh_new(struct sh_state *s, const char *wf, int64_t ts, const char *type,
    const char *agent)
{
	struct sh_event *e = calloc(1, sizeof *e);

	if (e == NULL)
		abort();
	e->ts_ms = ts;
	e->ns = (int64_t)gen_rng_below(&s->rng, 1000000);
	snprintf(e->wf, sizeof e->wf, "%s", wf);
	snprintf(e->type, sizeof e->type, "%s", type);
	snprintf(e->agent, sizeof e->agent, "%s", agent);
	return e;
}

/* Plan every event of one workflow starting at t0 and schedule them. */
static void
sh_workflow(struct sh_state *s, uint64_t n, int64_t t0)
{
	struct sh_event *e;
	char wf[48], hex[9];
	int64_t t = t0, end = t0;
	int nagents = 1 + (int)gen_rng_below(&s->rng, 3);
	int failed = gen_rng_chance(&s->rng, 0.1);
	double sc = s->o->time_scale;

	gen_rng_hex(&s->rng, hex, 8);
	snprintf(wf, sizeof wf, "task-%06" PRIu64 "-%s", n, hex);
	e = sh_new(s, wf, t, "WORKFLOW_STARTED", "orchestrator");
	snprintf(e->message, sizeof e->message, "Starting workflow");
	sh_push(s, e);
	for (int a = 0; a < nagents; a++) {
		const char *agent = sh_agents[(n + (uint64_t)a) % 6];
		int calls = 1 + (int)gen_rng_below(&s->rng, 3);
		int64_t at = t0 + (int64_t)(sc * (double)(50 + a * 20));

		e = sh_new(s, wf, at, "AGENT_STARTED", agent);
		snprintf(e->message, sizeof e->message, "%s started", agent);
		sh_push(s, e);
		e = sh_new(s, wf, at + 1, "AGENT_THINKING", agent);
		snprintf(e->message, sizeof e->message, "Planning the next step");
		sh_push(s, e);
		for (int k = 0; k < calls; k++) {
			int mdl = (int)gen_rng_below(&s->rng, 3);
			int64_t in = gen_rng_range(&s->rng, 100, 4000);
			int64_t out = gen_rng_range(&s->rng, 20, 1500);
			int64_t dur = (int64_t)(sc * (double)gen_rng_range(&s->rng, 200, 3000));
			double cost = (double)(in * 4 + out * 12) * sh_price[mdl] / 4e6;

			at += 5;
			e = sh_new(s, wf, at, "LLM_PROMPT", agent);
			snprintf(e->message, sizeof e->message, "Prompt %d", k + 1);
			sh_push(s, e);
			at += dur;
			e = sh_new(s, wf, at, "LLM_OUTPUT", agent);
			snprintf(e->message, sizeof e->message, "Model answered");
			snprintf(e->payload, sizeof e->payload, "{\"tokens_used\":%" PRId64
			    ",\"model_used\":\"%s\",\"provider\":\"%s\",\"input_tokens\":%"
			    PRId64 ",\"output_tokens\":%" PRId64 ",\"cost_usd\":%.6f,"
			    "\"duration_ms\":%" PRId64 "}", in + out, sh_models[mdl],
			    sh_providers[mdl], in, out, cost, dur);
			sh_push(s, e);
			if (gen_rng_chance(&s->rng, 0.5)) {
				const char *tool = sh_tools[gen_rng_below(&s->rng, 3)];

				at += 3;
				e = sh_new(s, wf, at, "TOOL_INVOKED", agent);
				snprintf(e->message, sizeof e->message, "Using %s", tool);
				snprintf(e->payload, sizeof e->payload,
				    "{\"tool\":\"%s\",\"params\":{\"query\":\"q%d\"}}", tool, k);
				sh_push(s, e);
				at += (int64_t)(sc * (double)gen_rng_range(&s->rng, 50, 800));
				e = sh_new(s, wf, at, "TOOL_OBSERVATION", agent);
				snprintf(e->message, sizeof e->message, "%s returned", tool);
				snprintf(e->payload, sizeof e->payload, "{\"tool\":\"%s\","
				    "\"success\":true}", tool);
				sh_push(s, e);
			}
		}
		at += 2;
		e = sh_new(s, wf, at, "AGENT_COMPLETED", agent);
		snprintf(e->message, sizeof e->message, "%s done", agent);
		sh_push(s, e);
		if (at > end)
			end = at;
	}
	t = end + 10;
	e = sh_new(s, wf, t, "PROGRESS", "orchestrator");
	snprintf(e->message, sizeof e->message, "Synthesizing");
	sh_push(s, e);
	if (failed) {
		e = sh_new(s, wf, t + 5, "ERROR_OCCURRED", "orchestrator");
		snprintf(e->message, sizeof e->message, "Synthesis failed");
		sh_push(s, e);
	}
	e = sh_new(s, wf, t + 10, failed ? "WORKFLOW_FAILED" : "WORKFLOW_COMPLETED",
	    "orchestrator");
	snprintf(e->message, sizeof e->message, failed ? "Workflow failed" :
	    "All done");
	sh_push(s, e);
	e = sh_new(s, wf, t + 11, "STREAM_END", "");
	sh_push(s, e);
	s->workflows++;
}

/* Check a reply; a failure stops the run with its reason. */
static void
sh_reply(struct sh_state *s, redisReply *r, char *id, size_t idlen)
{
	if (r == NULL) {
		snprintf(s->err, sizeof s->err, "%s", s->c->errstr);
		s->failed = 1;
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(s->err, sizeof s->err, "%s", r->str);
		s->failed = 1;
	} else if (id != NULL && r->type == REDIS_REPLY_STRING)
		snprintf(id, idlen, "%s", r->str);
	else if (id != NULL && r->type == REDIS_REPLY_INTEGER)
		snprintf(id, idlen, "%lld", r->integer);
	freeReplyObject(r);
}

static int
sh_notifiable(const char *type)
{
	return strcmp(type, "WORKFLOW_COMPLETED") == 0 ||
	    strcmp(type, "WORKFLOW_FAILED") == 0 ||
	    strcmp(type, "WORKFLOW_CANCELLED") == 0;
}

/* Write one event as Shannon does: INCR seq, XADD, EXPIRE both. */
static void
sh_write(struct sh_state *s, const struct sh_event *e)
{
	char key[96], seqkey[112], seq[32], id[64], nano[32], maxlen[32], xid[32];
	const char *argv[24];
	size_t n = 0;
	struct gen_buf line = { 0 };

	snprintf(key, sizeof key, "shannon:workflow:events:%s", e->wf);
	snprintf(seqkey, sizeof seqkey, "%s:seq", key);
	snprintf(nano, sizeof nano, "%" PRId64, e->ts_ms * 1000000 + e->ns);
	seq[0] = '\0';
	sh_reply(s, redisCommand(s->c, "INCR %s", seqkey), seq, sizeof seq);
	argv[n++] = "XADD";
	argv[n++] = key;
	if (s->o->maxlen > 0) {
		snprintf(maxlen, sizeof maxlen, "%lld", s->o->maxlen);
		argv[n++] = "MAXLEN";
		argv[n++] = "~";
		argv[n++] = maxlen;
	}
	/* Batch mode: the entry IDs carry the event time, as they would live. */
	snprintf(xid, sizeof xid, "%" PRId64 "-*", e->ts_ms);
	argv[n++] = s->o->start_ts >= 0 ? xid : "*";
	argv[n++] = "workflow_id";
	argv[n++] = e->wf;
	argv[n++] = "type";
	argv[n++] = e->type;
	argv[n++] = "agent_id";
	argv[n++] = e->agent;
	argv[n++] = "message";
	argv[n++] = e->message;
	argv[n++] = "payload";
	argv[n++] = e->payload;
	argv[n++] = "ts_nano";
	argv[n++] = nano;
	argv[n++] = "seq";
	argv[n++] = seq;
	id[0] = '\0';
	sh_reply(s, redisCommandArgv(s->c, (int)n, argv, NULL), id, sizeof id);
	sh_reply(s, redisCommand(s->c, "EXPIRE %s 86400", key), NULL, 0);
	sh_reply(s, redisCommand(s->c, "EXPIRE %s 172800", seqkey), NULL, 0);
	if (sh_notifiable(e->type)) {
		sh_reply(s, redisCommand(s->c, "XADD shannon:notifications:global MAXLEN ~"
		    " 10000 %s workflow_id %s type %s agent_id %s message %s ts_nano %s",
		    s->o->start_ts >= 0 ? xid : "*", e->wf, e->type, e->agent, e->message,
		    nano), NULL, 0);
		sh_reply(s, redisCommand(s->c, "EXPIRE shannon:notifications:global 172800"),
		    NULL, 0);
	}
	s->written++;
	if (!s->o->print)
		return;
	gen_buf_str(&line, "{\"stream\":");
	gen_buf_json_str(&line, key);
	gen_buf_str(&line, ",\"id\":");
	gen_buf_json_str(&line, id);
	gen_buf_str(&line, ",\"fields\":{\"workflow_id\":");
	gen_buf_json_str(&line, e->wf);
	gen_buf_str(&line, ",\"type\":");
	gen_buf_json_str(&line, e->type);
	gen_buf_str(&line, ",\"agent_id\":");
	gen_buf_json_str(&line, e->agent);
	gen_buf_str(&line, ",\"message\":");
	gen_buf_json_str(&line, e->message);
	gen_buf_str(&line, ",\"payload\":");
	gen_buf_json_str(&line, e->payload);
	gen_buf_str(&line, ",\"ts_nano\":");
	gen_buf_json_str(&line, nano);
	gen_buf_str(&line, ",\"seq\":");
	gen_buf_json_str(&line, seq);
	gen_buf_str(&line, "}}\n");
	fwrite(line.p, 1, line.len, stdout);
	gen_buf_free(&line);
}

static int64_t
sh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
gen_shannon_run(redisContext *c, const struct gen_opts *o,
    volatile sig_atomic_t *stop, char *summary, size_t size)
{
	struct sh_state s;
	int batch = o->start_ts >= 0;
	int64_t origin = batch ? o->start_ts : sh_now_ms();
	int64_t next_start = origin, gap;
	uint64_t n = 0;
	struct timespec nap;

	memset(&s, 0, sizeof s);
	s.o = o;
	s.c = c;
	gen_rng_seed(&s.rng, o->seed, 77);
	s.heap = calloc(SH_PENDING_MAX, sizeof *s.heap);
	if (s.heap == NULL)
		abort();
	gap = o->rate > 0 ? (int64_t)(1000.0 / o->rate) : 0;
	while (!*stop && !s.failed) {
		int more = (o->runs == 0 || n < o->runs) &&
		    (o->duration_ms == 0 || next_start - origin < o->duration_ms);
		int64_t now;

		if (!more && s.nheap == 0)
			break;
		/* Start the next workflow once nothing pending comes before it. */
		if (more && s.nheap + SH_EVENTS_MAX < SH_PENDING_MAX &&
		    (s.nheap == 0 || next_start <= s.heap[0]->ts_ms)) {
			sh_workflow(&s, n++, next_start);
			next_start += gap > 0 ? (int64_t)gen_rng_exp(&s.rng,
			    (double)gap) + 1 : 1;
			continue;
		}
		if (!batch && (now = sh_now_ms()) < s.heap[0]->ts_ms) {
			int64_t wait = s.heap[0]->ts_ms - now;

			if (wait > 200)
				wait = 200;
			nap.tv_sec = 0;
			nap.tv_nsec = (long)wait * 1000000;
			fflush(stdout);
			nanosleep(&nap, NULL);
			continue;
		}
		{
			struct sh_event *e = sh_pop(&s);

			sh_write(&s, e);
			free(e);
		}
	}
	while (s.nheap > 0)
		free(sh_pop(&s));
	free(s.heap);
	fflush(stdout);
	if (s.failed)
		snprintf(summary, size, "%s", s.err);
	else
		snprintf(summary, size, "%" PRIu64 " workflows, %" PRIu64 " events",
		    s.workflows, s.written);
	return s.failed ? -1 : 0;
}
