/* execmon - unit tests for the BullMQ decoder, on a real BullMQ 6.7.0 capture. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bullmq-decode.h"
#include "event.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

/* What the decoder emitted, in order. */
static struct {
	struct event ev[1024];
	int need_name[1024];
	char *job[1024];
	size_t n;
} out;

static void
collect(void *arg, struct event *ev, const char *job_id, int need_name)
{
	(void)arg;
	if (out.n == sizeof out.ev / sizeof out.ev[0])
		return;
	out.ev[out.n] = *ev;
	event_init(ev);
	out.need_name[out.n] = need_name;
	out.job[out.n] = job_id != NULL ? xstrdup(job_id) : NULL;
	out.n++;
}

static void
out_clear(void)
{
	for (size_t i = 0; i < out.n; i++) {
		event_done(&out.ev[i]);
		free(out.job[i]);
	}
	out.n = 0;
}

/* One entry of the capture: ID, then key="value" pairs (\" and \\ escaped). */
struct entry {
	char id[48];
	char *buf;
	struct event_field_kv kv[16];
	size_t n;
};

static int
parse_line(const char *line, struct entry *e)
{
	const char *p = line;
	char *w;
	size_t k = 0;

	memset(e, 0, sizeof *e);
	while (*p != '\0' && *p != ' ' && k + 1 < sizeof e->id)
		e->id[k++] = *p++;
	e->id[k] = '\0';
	e->buf = w = xmalloc(strlen(line) + 1);
	while (*p != '\0' && *p != '\n') {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n' || e->n == 16)
			break;
		e->kv[e->n].name = w;
		while (*p != '=' && *p != '\0')
			*w++ = *p++;
		e->kv[e->n].name_len = (size_t)(w - e->kv[e->n].name);
		if (p[0] != '=' || p[1] != '"')
			return -1;
		p += 2;
		e->kv[e->n].value = w;
		while (*p != '"' && *p != '\0') {
			if (*p == '\\' && p[1] != '\0')
				p++;
			*w++ = *p++;
		}
		e->kv[e->n].value_len = (size_t)(w - e->kv[e->n].value);
		if (*p == '"')
			p++;
		e->n++;
	}
	return 0;
}

static struct event *
find(const char *type, const char *run_id)
{
	for (size_t i = 0; i < out.n; i++) {
		if (strcmp(out.ev[i].type_name, type) == 0 &&
		    ((run_id == NULL && out.ev[i].run_id == NULL) ||
		    (run_id != NULL && out.ev[i].run_id != NULL &&
		    strcmp(out.ev[i].run_id, run_id) == 0)))
			return &out.ev[i];
	}
	return NULL;
}

static size_t
count(const char *type)
{
	size_t c = 0;

	for (size_t i = 0; i < out.n; i++)
		c += strcmp(out.ev[i].type_name, type) == 0;
	return c;
}

/* Feed the whole capture: every entry decodes, one event each. */
static void
test_capture(const char *path)
{
	struct bullmq_dec *d = bullmq_dec_create("agentq", 3, collect, NULL);
	char line[8192];
	struct entry e;
	size_t entries = 0, bad = 0;
	struct store *st;
	struct run *r;
	struct event *ev;
	FILE *f = fopen(path, "r");

	ok(f != NULL, "capture %s opens", path);
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (parse_line(line, &e) != 0) {
			bad++;
			free(e.buf);
			continue;
		}
		if (bullmq_dec_entry(d, e.id, strlen(e.id), e.kv, e.n) != MAL_NONE)
			bad++;
		entries++;
		free(e.buf);
	}
	fclose(f);
	bullmq_dec_flush(d);
	is_int(entries, 252, "the capture holds 252 entries");
	is_int(bad, 0, "every entry decodes");
	is_int(out.n, 252, "one event per entry");

	/* The names of every job added in the capture are known. */
	for (size_t i = 0, missing = 0; i <= out.n; i++) {
		if (i == out.n) {
			is_int(missing, 0, "no job event asks for a name");
			break;
		}
		missing += out.need_name[i];
	}
	ev = find("run.queued", "agentq:1");
	ok(ev != NULL && ev->ts_ms == INT64_C(1795300255143) &&
	    ev->entry_id != NULL && strcmp(ev->entry_id, "1795300255143-0") == 0,
	    "added: run.queued at the entry's time, with its ID");
	is_str(ev != NULL ? ev->agent_name : NULL, "llm-call", "the job name is the agent");
	is_str(ev != NULL ? ev->queue : NULL, "agentq", "the queue is the queue");
	ok(ev != NULL && ev->source == 3, "the source is the decoder's");

	/* Delayed jobs are not queued until due. */
	ev = find("run.queued", "agentq:19");
	ok(ev != NULL && ev->ts_ms == INT64_C(1795300256682),
	    "a delayed job is queued when it becomes due, not when added");
	ok(find("bullmq.added", "agentq:19") != NULL &&
	    find("bullmq.delayed", "agentq:19") != NULL,
	    "its added and delayed entries are kept in its log");
	ev = find("bullmq.delayed", "agentq:20");
	ok(ev != NULL && ev->message != NULL &&
	    strstr(ev->message, "2026-11-21T") != NULL,
	    "the delayed entry says when it is due (%s)",
	    ev != NULL && ev->message ? ev->message : "none");

	/* A flow parent waits for its children before it is queued. */
	ev = find("run.queued", "agentq:76c043a9-1a13-4d2f-aaff-da360c5210b3");
	ok(ev != NULL && ev->ts_ms == INT64_C(1795300259123),
	    "a flow parent is queued when its children are done");
	ok(find("bullmq.waiting-children",
	    "agentq:76c043a9-1a13-4d2f-aaff-da360c5210b3") != NULL,
	    "waiting-children is in the parent's log");

	/* Retries and stalls. */
	is_int(count("run.retry"), 4, "four retries (two plain, one backoff, one stall)");
	ev = find("run.retry", "agentq:16");
	is_str(ev != NULL ? ev->fallback_reason : NULL, "retry", "job 16: a retry without backoff");
	ev = find("run.retry", "agentq:18");
	is_str(ev != NULL ? ev->fallback_reason : NULL, "backoff", "job 18: a retry after backoff");
	ev = find("run.retry", "agentq:28");
	is_str(ev != NULL ? ev->fallback_reason : NULL, "stalled", "job 28: a stall");
	ok(ev != NULL && ev->ts_ms == INT64_C(1795300288606),
	    "the stall is dated by its entry");
	ok(find("bullmq.stalled", "agentq:28") != NULL,
	    "the stalled entry itself is in the log, not counted twice");

	/* Progress. */
	ev = find("run.progress", "agentq:1");
	ok(ev != NULL && (ev->has & EF_PROGRESS) && fabs(ev->progress - 0.25) < 1e-9,
	    "progress 25 is 0.25");
	for (size_t i = 0; i < out.n; i++) {
		ev = &out.ev[i];
		if (strcmp(ev->type_name, "run.progress") == 0 &&
		    strcmp(ev->run_id, "agentq:4") == 0 && !(ev->has & EF_PROGRESS))
			break;
		ev = NULL;
	}
	ok(ev != NULL && ev->message != NULL &&
	    strstr(ev->message, "\"stage\":\"tokens\"") != NULL,
	    "an object progress is shown in the log");

	/* Endings. */
	is_int(count("run.completed"), 24, "24 completions");
	is_int(count("run.failed"), 4, "4 final failures");
	ev = find("run.failed", "agentq:13");
	is_str(ev != NULL ? ev->error_message : NULL, "tool crashed on step 100",
	    "failedReason is the error message");
	ev = find("run.cancelled", "agentq:29");
	ok(ev != NULL && ev->message != NULL && strcmp(ev->message,
	    "removed from delayed") == 0, "a removed job is cancelled");
	ev = find("bullmq.retries-exhausted", "agentq:18");
	ok(ev != NULL && (ev->has & EF_ATTEMPT) && ev->attempt == 2,
	    "retries-exhausted keeps attemptsMade");
	ok(find("bullmq.paused", NULL) != NULL && find("bullmq.resumed", NULL) != NULL &&
	    count("bullmq.drained") == 2, "queue-wide events have no run");
	ev = find("run.completed", "agentq:1");
	ok(ev != NULL && ev->message != NULL &&
	    strncmp(ev->message, "returned {\"ok\":true", 19) == 0,
	    "the return value is in the log");

	/* Through the model. */
	st = store_create();
	for (size_t i = 0; i < out.n; i++) {
		struct event copy;

		event_copy(&copy, &out.ev[i]);
		store_apply(st, &copy);
	}
	{
		size_t status[RUN__COUNT] = { 0 };
		int64_t retries = 0;

		for (size_t i = 0; i < store_nruns(st); i++) {
			status[store_run_at(st, i)->status]++;
			retries += store_run_at(st, i)->retries;
		}
		is_int(store_nruns(st), 29, "29 jobs, 29 runs");
		is_int(status[RUN_COMPLETED], 24, "completed runs");
		is_int(status[RUN_FAILED], 4, "failed runs");
		is_int(status[RUN_CANCELLED], 1, "cancelled runs");
		is_int(status[RUN_QUEUED] + status[RUN_RUNNING] + status[RUN_UNKNOWN], 0,
		    "every job of the capture finished");
		is_int(retries, 4, "retries on the runs");
	}
	r = store_find(st, "agentq:16");
	ok(r != NULL && r->status == RUN_COMPLETED && r->retries == 1 &&
	    r->started_ms == INT64_C(1795300258738) &&
	    r->finished_ms == INT64_C(1795300259507),
	    "job 16: retried once, then completed");
	r = store_find(st, "agentq:run-abc-123");
	is_str(r != NULL ? r->agent_name : NULL, "tool-exec", "custom job ids work");
	r = store_find(st, "agentq:4");
	ok(r != NULL && r->progress == 1.0, "the latest progress wins");
	store_free(st);
	out_clear();
	bullmq_dec_free(d);
}

static enum event_malformed
feed(struct bullmq_dec *d, const char *line)
{
	struct entry e;
	enum event_malformed why;

	if (parse_line(line, &e) != 0) {
		free(e.buf);
		return MAL__COUNT;
	}
	why = bullmq_dec_entry(d, e.id, strlen(e.id), e.kv, e.n);
	free(e.buf);
	return why;
}

/* The look-ahead: what is held, when it is let go. */
static void
test_holding(void)
{
	struct bullmq_dec *d = bullmq_dec_create("q", 0, collect, NULL);

	feed(d, "100-0 event=\"added\" jobId=\"7\" name=\"n\"");
	ok(bullmq_dec_holding(d) && out.n == 0, "an added entry waits for the next");
	feed(d, "100-1 event=\"waiting\" jobId=\"7\"");
	ok(out.n == 2 && out.ev[0].type == EV_RUN_QUEUED &&
	    out.ev[1].type == EV_RUN_QUEUED, "added then waiting: queued");
	out_clear();

	feed(d, "200-0 event=\"added\" jobId=\"8\" name=\"n\"");
	feed(d, "200-1 event=\"added\" jobId=\"9\" name=\"n\"");
	ok(out.n == 1 && strcmp(out.ev[0].run_id, "q:8") == 0 &&
	    out.ev[0].type == EV_RUN_QUEUED, "another job's entry lets it go");
	bullmq_dec_flush(d);
	ok(out.n == 2 && !bullmq_dec_holding(d), "a flush lets it go");
	out_clear();

	feed(d, "300-0 event=\"waiting\" jobId=\"9\" prev=\"active\"");
	feed(d, "300-1 event=\"stalled\" jobId=\"9\"");
	ok(out.n == 2 && out.ev[0].type == EV_RUN_RETRY &&
	    strcmp(out.ev[0].fallback_reason, "stalled") == 0 &&
	    strcmp(out.ev[1].type_name, "bullmq.stalled") == 0,
	    "waiting from active, then stalled: one stall");
	out_clear();

	feed(d, "400-0 event=\"stalled\" jobId=\"10\"");
	ok(out.n == 1 && out.ev[0].type == EV_RUN_RETRY && out.need_name[0],
	    "a lone stall is a retry; the unknown job's name is asked for");
	out_clear();

	bullmq_dec_set_name(d, "10", "planner", 400);
	ok(out.n == 1 && strcmp(out.ev[0].type_name, "bullmq.job") == 0 &&
	    strcmp(out.ev[0].agent_name, "planner") == 0 &&
	    strcmp(out.ev[0].entry_id, "job:10") == 0 && !out.need_name[0],
	    "a name from the hash reaches the run");
	is_str(bullmq_dec_name(d, "10"), "planner", "and is remembered");
	out_clear();
	feed(d, "401-0 event=\"active\" jobId=\"10\" prev=\"waiting\"");
	is_str(out.n == 1 ? out.ev[0].agent_name : NULL, "planner",
	    "later events carry it");
	out_clear();

	bullmq_dec_active(d, "11", "coder", 12345);
	ok(out.n == 1 && out.ev[0].type == EV_RUN_STARTED &&
	    out.ev[0].ts_ms == 12345 && strcmp(out.ev[0].agent_name, "coder") == 0 &&
	    strcmp(out.ev[0].entry_id, "active:11:12345") == 0,
	    "an active job at start-up starts at its processedOn");
	out_clear();

	/* Malformed entries. */
	is_int(feed(d, "500-0 jobId=\"1\""), MAL_NO_TYPE, "no event field: no_type");
	is_int(feed(d, "500-1 event=\"active\""), MAL_NO_RUN_ID, "a job event without jobId");
	is_int(feed(d, "500-2 event=\"active\" jobId=\"\""), MAL_NO_RUN_ID, "an empty jobId");
	is_int(feed(d, "500-3 event=\"future-thing\" x=\"1\""), MAL_NONE,
	    "an unknown event is kept");
	ok(out.n == 1 && strcmp(out.ev[0].type_name, "bullmq.future-thing") == 0,
	    "as bullmq.<event>");
	out_clear();
	is_int(feed(d, "600-0 event=\"removed\" jobId=\"12\" prev=\"completed\""),
	    MAL_NONE, "removing a finished job");
	ok(out.n == 1 && out.ev[0].type == EV_OTHER,
	    "does not cancel it");
	out_clear();
	is_int(feed(d, "700-0 event=\"progress\" jobId=\"13\" data=\"250\""), MAL_NONE,
	    "progress over 100");
	ok(out.n == 1 && out.ev[0].progress == 1.0, "is clamped to 1");
	out_clear();
	is_int(feed(d, "800-0 event=\"failed\" jobId=\"\xff\x1b[2J\" failedReason=\"x\""),
	    MAL_NONE, "bytes that are not UTF-8 in a job id");
	ok(out.n == 1 && strstr(out.ev[0].run_id, "\xef\xbf\xbd") != NULL,
	    "become U+FFFD (escapes are left to the display)");
	out_clear();
	bullmq_dec_free(d);
}

static void
test_depth(void)
{
	struct bullmq_counts c = { 3, 1, 2, 4, 5, 6, 1 };
	struct event ev;
	struct store *st;
	struct queue_state *q;
	json_t *v;

	bullmq_depth_event(&ev, "agentq", 2, &c, 1000);
	ok(ev.type == EV_QUEUE_DEPTH && ev.depth == 8 && ev.ts_ms == 1000 &&
	    strcmp(ev.queue, "agentq") == 0 && ev.source == 2,
	    "depth = wait + paused + prioritized");
	ok((ev.has & EF_PAUSED) && ev.paused == 1, "the paused flag is on the event");
	v = ev.extra != NULL ? json_object_get(ev.extra, "delayed") : NULL;
	ok(json_is_integer(v) && json_integer_value(v) == 5, "every count is too");
	st = store_create();
	store_apply(st, &ev);
	q = store_queue_at(st, 0);
	ok(q != NULL && q->gauge == 8 && q->paused == 1, "the model keeps depth and flag");
	c.queue_paused = 0;
	bullmq_depth_event(&ev, "agentq", 2, &c, 2000);
	store_apply(st, &ev);
	ok(q != NULL && q->paused == 0, "a resumed queue is no longer paused");
	store_free(st);
	event_done(&ev);
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("SRCDIR");
	char path[4096];

	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "%s/tests/data/bullmq-6.7.0-events.txt",
	    srcdir != NULL ? srcdir : ".");
	test_capture(path);
	test_holding();
	test_depth();
	return tap_done();
}
