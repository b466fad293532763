/* execmon - unit tests for the Celery decoder, on a real Celery 5.2.6 capture. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celery-decode.h"
#include "event.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

static struct store *st;
static size_t nemitted, nstatus;
static int64_t last_total = -1, last_busy = -1;
static char last_type[64];
static int64_t last_attempt = -1;
static char last_message[256];
static int64_t last_duration = -1;

static void
on_event(void *arg, struct event *ev)
{
	(void)arg;
	nemitted++;
	snprintf(last_type, sizeof last_type, "%s", ev->type_name);
	if (ev->type == EV_RUN_RETRY)
		last_attempt = ev->attempt;
	snprintf(last_message, sizeof last_message, "%s",
	    ev->message != NULL ? ev->message : "");
	last_duration = (ev->has & EF_DURATION_MS) ? ev->duration_ms : -1;
	if (ev->type == EV_WORKER_STATUS) {
		nstatus++;
		last_total = ev->workers_total;
		last_busy = ev->workers_busy;
	}
	store_apply(st, ev);
}

/* Final states the capture's result backend published, by task uuid. */
static json_t *backend;

/* Feed every event message of the capture; count malformed ones. */
static int
feed_capture(struct celery_dec *d, const char *path, int64_t *last_recv)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int bad = 0, n = 0;
	int64_t recv = INT64_C(1796234719000);

	if (f == NULL)
		return -1;
	backend = json_object();
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		const char *ch = json_string_value(json_object_get(o, "channel"));
		const char *msg = json_string_value(json_object_get(o, "message"));

		if (ch != NULL && msg != NULL && strncmp(ch, "/0.celeryev/", 12) == 0) {
			recv += 500;
			if (celery_dec_message(d, msg, strlen(msg), recv) != MAL_NONE)
				bad++;
			n++;
		} else if (ch != NULL && msg != NULL &&
		    strncmp(ch, "celery-task-meta-", 17) == 0) {
			json_t *m = json_loads(msg, 0, NULL);
			const char *s = json_string_value(json_object_get(m, "status"));

			if (s != NULL && strcmp(s, "STARTED") != 0 && strcmp(s, "RETRY") != 0)
				json_object_set_new(backend, ch + 17, json_string(s));
			json_decref(m);
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	*last_recv = recv;
	diag("%d event messages", n);
	return bad;
}

static const char *
celery_state(enum run_status s)
{
	switch (s) {
	case RUN_COMPLETED:
		return "SUCCESS";
	case RUN_FAILED:
		return "FAILURE";
	case RUN_CANCELLED:
		return "REVOKED";
	default:
		return "PENDING";
	}
}

static void
test_capture(const char *srcdir)
{
	char path[1024];
	struct celery_dec *d;
	const char *uuid;
	json_t *state;
	int64_t last = 0;
	int agree = 0, n = 0;
	struct run *r;
	struct celery_worker *const *w;
	size_t nw;

	snprintf(path, sizeof path, "%s/tests/data/celery-5.2.6-pubsub.jsonl", srcdir);
	st = store_create();
	d = celery_dec_create(0, on_event, NULL);
	is_int(feed_capture(d, path, &last), 0, "every event message of the capture decodes");
	ok(json_object_size(backend) >= 8, "the capture holds final states (%zu)",
	    json_object_size(backend));

	json_object_foreach(backend, uuid, state) {
		n++;
		r = store_find(st, uuid);
		if (r != NULL && strcmp(celery_state(r->status),
		    json_string_value(state)) == 0)
			agree++;
		else
			diag("%s: backend %s, execmon %s", uuid, json_string_value(state),
			    r != NULL ? celery_state(r->status) : "no run");
	}
	is_int(agree, n, "every task's final state is the result backend's");

	r = store_find(st, "62039453-c5f9-49ec-807f-2036295f55e1");
	ok(r != NULL && r->agent_name != NULL && strcmp(r->agent_name, "tasks.add") == 0,
	    "task name is the agent");
	ok(r != NULL && r->queue != NULL && strcmp(r->queue, "celery") == 0,
	    "task-sent's queue is the run's queue");
	ok(r != NULL && r->trace_id != NULL &&
	    strcmp(r->trace_id, "62039453-c5f9-49ec-807f-2036295f55e1") == 0,
	    "root_id is the trace");
	ok(r != NULL && r->queued_ms > 0 && r->started_ms >= r->queued_ms &&
	    r->finished_ms >= r->started_ms, "queued, started and finished times in order");

	r = store_find(st, "6a6af44f-2454-4ae4-902e-46ca49888247");
	ok(r != NULL && r->status == RUN_COMPLETED && r->retries == 1,
	    "retried then succeeded: completed with one retry");
	is_int(last_attempt, 2, "the first retry announces attempt 2");
	ok(r != NULL && r->parent_run_id == NULL,
	    "a retry's parent (itself) is not a parent run");

	r = store_find(st, "c912f80a-8efa-4bbc-86b5-8d7ad39563e4");
	ok(r != NULL && r->status == RUN_FAILED, "failed task");
	is_str(r != NULL ? r->error_class : NULL, "ValueError",
	    "error class from the traceback when the exception is a wrapper");
	is_str(r != NULL ? r->error_message : NULL, "boom!", "error message");

	r = store_find(st, "71f3d6e1-2b2d-4611-ae13-ac3494edd892");
	ok(r != NULL && r->status == RUN_CANCELLED, "revoked task with an ETA is cancelled");
	ok(r != NULL && r->queued_ms == 0, "a task waiting for its ETA was never queued");

	nw = celery_dec_workers(d, &w);
	is_int(nw, 2, "two workers seen");
	celery_dec_tick(d, last);
	ok(nstatus >= 1, "worker.status handed on");
	is_int(last_total, 0, "both workers went offline at the end of the capture");
	celery_dec_free(d);
	store_free(st);
	json_decref(backend);
}

/* A kombu envelope around body (JSON text), base64 encoded. */
static char *
envelope(const char *ctype, const char *body, int b64)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(body), k = 0;
	char *enc = xmalloc(n * 4 / 3 + 8), *out;
	json_t *o;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)body[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)body[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)body[i + 2];
		enc[k++] = tab[(v >> 18) & 63];
		enc[k++] = tab[(v >> 12) & 63];
		enc[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		enc[k++] = i + 2 < n ? tab[v & 63] : '=';
	}
	enc[k] = '\0';
	o = json_pack("{s:s, s:s, s:s, s:{s:s}}", "body", b64 ? enc : body,
	    "content-encoding", "utf-8", "content-type", ctype, "properties",
	    "body_encoding", b64 ? "base64" : "none");
	if (!b64)
		json_object_del(json_object_get(o, "properties"), "body_encoding");
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(enc);
	return out;
}

static enum event_malformed
feed(struct celery_dec *d, const char *ctype, const char *body, int b64)
{
	char *m = envelope(ctype, body, b64);
	enum event_malformed why = celery_dec_message(d, m, strlen(m), 1796234719000);

	free(m);
	return why;
}

static void
test_envelopes(void)
{
	struct celery_dec *d;
	const char *ev = "{\"type\":\"task-started\",\"uuid\":\"u1\",\"hostname\":\"w@h\","
	    "\"timestamp\":1796234719.5,\"pid\":1,\"clock\":3}";
	const char *bad64 = "{\"body\":\"***\",\"content-type\":\"application/json\","
	    "\"properties\":{\"body_encoding\":\"base64\"}}";
	size_t before;

	st = store_create();
	d = celery_dec_create(0, on_event, NULL);
	is_int(feed(d, "application/x-python-serialize", "\x80\x04garbage", 1),
	    MAL_UNSUPPORTED_ENCODING, "a pickle body is unsupported_encoding");
	is_int(feed(d, "application/x-yaml", "type: task-started", 1),
	    MAL_UNSUPPORTED_ENCODING, "a YAML body is unsupported_encoding");
	is_int(feed(d, "application/x-msgpack", "\x81\xa4type", 1),
	    MAL_UNSUPPORTED_ENCODING, "a msgpack body is unsupported_encoding");
	is_str(event_malformed_name(MAL_UNSUPPORTED_ENCODING), "unsupported_encoding",
	    "the reason's name");
	is_int(celery_dec_message(d, bad64, strlen(bad64), 1), MAL_BAD_VALUE,
	    "bad base64 is bad_value");
	is_int(celery_dec_message(d, "not json", 8, 1), MAL_BAD_JSON, "not JSON");
	is_int(feed(d, "application/json", "[]", 1), MAL_EMPTY, "an empty batch");
	is_int(feed(d, "application/json", "{\"uuid\":\"x\"}", 1), MAL_NO_TYPE,
	    "an event without a type");
	is_int(feed(d, "application/json", "{\"type\":\"task-started\"}", 1),
	    MAL_NO_RUN_ID, "a task event without a uuid");
	is_int(feed(d, "application/json", "{\"type\":\"task-started\",\"uuid\":\"u\","
	    "\"timestamp\":\"soon\"}", 1), MAL_BAD_TS, "a timestamp that is not a number");
	before = nemitted;
	is_int(feed(d, "application/json", ev, 0), MAL_NONE, "a plain (not base64) JSON body");
	is_int(feed(d, "application/json", ev, 1), MAL_NONE, "the same event again");
	is_int(nemitted, before + 2, "both handed on");
	ok(store_find(st, "u1") != NULL && store_find(st, "u1")->nevents == 1,
	    "the same message twice is one event (hostname, pid and clock)");
	is_str(last_type, "run.started", "task-started is run.started");

	is_int(feed(d, "application/json", "[{\"type\":\"task-rejected\",\"uuid\":\"u2\","
	    "\"requeue\":false,\"timestamp\":1796234719.0}]", 1), MAL_NONE, "task-rejected");
	ok(store_find(st, "u2") != NULL && store_find(st, "u2")->status == RUN_FAILED,
	    "rejected without requeue is failed");
	is_int(feed(d, "application/json", "[{\"type\":\"task-revoked\",\"uuid\":\"u3\","
	    "\"terminated\":true,\"signum\":15,\"timestamp\":1796234719.0},"
	    "{\"type\":\"task-bogus\"}]", 1), MAL_NO_RUN_ID,
	    "a batch with one bad event reports it");
	ok(store_find(st, "u3") != NULL && store_find(st, "u3")->status == RUN_CANCELLED,
	    "... and hands on the good ones");

	/* A worker may report the next attempt's start before the retry. */
	feed(d, "application/json", "[{\"type\":\"task-received\",\"uuid\":\"re\","
	    "\"retries\":0,\"timestamp\":1796234700.0},{\"type\":\"task-started\","
	    "\"uuid\":\"re\",\"timestamp\":1796234700.1},{\"type\":\"task-received\","
	    "\"uuid\":\"re\",\"retries\":1,\"timestamp\":1796234700.2},"
	    "{\"type\":\"task-started\",\"uuid\":\"re\",\"timestamp\":1796234700.4}]", 1);
	feed(d, "application/json", "{\"type\":\"task-retried\",\"uuid\":\"re\","
	    "\"exception\":\"E('x')\",\"timestamp\":1796234700.3}", 1);
	is_int(last_attempt, 2, "a retry reported after the next start still announces attempt 2");
	feed(d, "application/json", "{\"type\":\"task-retried\",\"uuid\":\"re\","
	    "\"exception\":\"E('x')\",\"timestamp\":1796234700.5}", 1);
	is_int(last_attempt, 3, "... and the next one 3");

	/* runtime against the event times */
	feed(d, "application/json", "{\"type\":\"task-started\",\"uuid\":\"rt\","
	    "\"timestamp\":1796234700.0}", 1);
	feed(d, "application/json", "{\"type\":\"task-succeeded\",\"uuid\":\"rt\","
	    "\"runtime\":0.5,\"result\":\"1\",\"timestamp\":1796234710.0}", 1);
	is_int(last_duration, 500, "runtime becomes duration_ms");
	ok(strstr(last_message, "runtime 0.500 s, but started 10.000 s") != NULL,
	    "a runtime the event times disagree with is said so (%s)", last_message);
	feed(d, "application/json", "{\"type\":\"task-started\",\"uuid\":\"rt2\","
	    "\"timestamp\":1796234700.0}", 1);
	feed(d, "application/json", "{\"type\":\"task-succeeded\",\"uuid\":\"rt2\","
	    "\"runtime\":0.5,\"result\":\"42\",\"timestamp\":1796234700.6}", 1);
	is_str(last_message, "result 42", "an agreeing runtime: the result is the message");

	/* Heartbeats: lost after twice the period without one. */
	is_int(feed(d, "application/json", "{\"type\":\"worker-heartbeat\",\"hostname\":"
	    "\"w1@h\",\"freq\":2.0,\"active\":1,\"timestamp\":1796234719.0}", 1), MAL_NONE,
	    "a heartbeat");
	celery_dec_tick(d, 1796234719000 + 3000);
	is_int(last_total, 1, "one worker online");
	is_int(last_busy, 1, "busy: it runs a task");
	celery_dec_tick(d, 1796234719000 + 4100);
	is_int(last_total, 0, "lost after 2 x freq without a heartbeat");
	is_str(last_type, "worker.status", "worker.status after the loss");
	celery_dec_free(d);
	store_free(st);
}

static void
exc(const char *e, const char *tb, const char *cls, const char *msg)
{
	char *c, *m;

	celery_parse_exception(e, tb, &c, &m);
	is_str(c, cls, "class of %s", e ? e : "(none)");
	is_str(m, msg, "message of %s", e ? e : "(none)");
	free(c);
	free(m);
}

int
main(void)
{
	const char *srcdir = getenv("SRCDIR");

	test_capture(srcdir != NULL ? srcdir : ".");
	test_envelopes();
	exc("ValueError('boom')", NULL, "ValueError", "boom");
	exc("KeyError(\"it's\")", NULL, "KeyError", "it's");
	exc("TypeError()", NULL, "TypeError", NULL);
	exc("MyErr(1, 2)", NULL, "MyErr", "1, 2");
	exc("ExceptionWithTraceback()", "Traceback...\n  x\nmod.Err: bad thing\n",
	    "mod.Err", "bad thing");
	exc("Retry(Retry(...), RuntimeError('flaky'), 1)",
	    "Traceback\n  x\ncelery.exceptions.Retry: Retry in 1s: RuntimeError('flaky')\n",
	    "RuntimeError", "flaky");
	exc("something odd", NULL, NULL, "something odd");
	return tap_done();
}
