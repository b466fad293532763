/* execmon - Celery's event messages (kombu envelopes) mapped onto the event model. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "celery-decode.h"
#include "map.h"
#include "xmalloc.h"

/*
 * The mapping (Celery 5 event names and fields):
 *
 *   task-sent, task-received   run.queued (queue from task-sent); with an
 *                              ETA or countdown still ahead, celery.scheduled
 *                              instead: the task is not waiting in a queue yet
 *   task-started               run.started
 *   task-succeeded             run.completed (duration_ms from runtime)
 *   task-failed                run.failed (exception -> error class and
 *                              message; the traceback is the log message)
 *   task-retried               run.retry (attempt = the one about to start,
 *                              2 at the first retry)
 *   task-revoked               run.cancelled
 *   task-rejected              run.failed, or run.retry when requeued
 *   other task-*               celery.<type> in the task's log
 *   worker-online, -offline    the workers table; celery.worker-* events
 *   worker-heartbeat           the workers table
 *
 * Each event's entry id is "<hostname>:<pid>:<clock>:<type>": a Celery
 * process forwards its Lamport clock for every event it sends, so the same
 * message received twice is the same event to the store.
 */

#define STATUS_REFRESH_MS 30000
#define HEARTBEAT_EXPIRE 2       /* Celery: lost after 200 % of freq */

struct task {
	char *queue;           /* from task-sent, or NULL */
	int64_t retries;       /* the latest retries field seen */
	int64_t started_retries; /* retries of the attempt last started, -1 = none seen */
	int64_t retried;       /* task-retried events seen */
	int64_t started_ms;    /* latest task-started, 0 = none */
};

struct celery_dec {
	int source;
	celery_emit_fn *emit;
	void *arg;
	struct map *tasks;     /* uuid -> struct task */
	struct map *by_host;   /* hostname -> struct celery_worker */
	struct celery_worker **workers;
	size_t nworkers, cap;
	int64_t st_total, st_busy, st_active; /* the last worker.status handed on */
	int64_t st_lost;
	int64_t st_ms;         /* when, 0 = never */
};

static void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	free(t->queue);
	free(t);
}

static void
tasks_clear(struct celery_dec *d)
{
	size_t i = 0;
	void *v;

	while (map_next(d->tasks, &i, NULL, &v))
		task_free(v);
	map_free(d->tasks);
	d->tasks = map_create();
}

struct celery_dec *
celery_dec_create(int source, celery_emit_fn *emit, void *arg)
{
	struct celery_dec *d = xcalloc(1, sizeof *d);

	d->source = source;
	d->emit = emit;
	d->arg = arg;
	d->tasks = map_create();
	d->by_host = map_create();
	return d;
}

void
celery_dec_free(struct celery_dec *d)
{
	size_t i = 0;
	void *v;

	if (d == NULL)
		return;
	while (map_next(d->tasks, &i, NULL, &v))
		task_free(v);
	map_free(d->tasks);
	map_free(d->by_host);
	for (i = 0; i < d->nworkers; i++) {
		free(d->workers[i]->hostname);
		free(d->workers[i]->sw);
		free(d->workers[i]);
	}
	free(d->workers);
	free(d);
}

size_t
celery_dec_workers(const struct celery_dec *d, struct celery_worker *const **out)
{
	*out = d->workers;
	return d->nworkers;
}

/*
 * The attempt a retry announces: the one about to start, 2 at the first
 * retry. Counting the task-retried events seen is exact when the task was
 * followed from its start. The retries count of the attempt last started is
 * a floor that holds also for a task first seen mid-life: a worker may
 * report the next attempt's start before the retry of the one before it, so
 * that count is this retry's or one more.
 */
static int64_t
next_attempt(const struct task *t)
{
	int64_t floor = t->started_retries >= 0 ? t->started_retries + 1 :
	    t->retries + 1;

	return t->retried + 1 > floor ? t->retried + 1 : floor;
}

static struct task *
task_get(struct celery_dec *d, const char *uuid, int create)
{
	struct task *t = map_get(d->tasks, uuid);

	if (t != NULL || !create)
		return t;
	if (map_count(d->tasks) >= CELERY_TASKS_MAX)
		tasks_clear(d);
	t = xcalloc(1, sizeof *t);
	t->started_retries = -1;
	map_put(d->tasks, uuid, t);
	return t;
}

static void
task_forget(struct celery_dec *d, const char *uuid)
{
	task_free(map_del(d->tasks, uuid));
}

/* Standard base64 (kombu's body_encoding), padding optional; NULL if invalid. */
static char *
base64_decode(const char *in, size_t len, size_t *outlen)
{
	static signed char val[256];
	static int ready;
	char *out = xmalloc(len / 4 * 3 + 4);
	uint32_t acc = 0;
	size_t n = 0, bits = 0, pad = 0;

	if (!ready) {
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

		memset(val, -1, sizeof val);
		for (int i = 0; i < 64; i++)
			val[(unsigned char)a[i]] = (signed char)i;
		ready = 1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '=') {
			pad++;
			continue;
		}
		if (c == '\n' || c == '\r')
			continue;
		if (val[c] < 0 || pad > 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)val[c];
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

static const char *
get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A number field; 0 when absent or not a number. */
static int
get_num(const json_t *o, const char *key, double *v)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_number(j))
		return 0;
	*v = json_number_value(j);
	return isfinite(*v);
}

static void
set_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, key, json_string(v));
}

/* Hand on the json-form event o (consumed). */
static enum event_malformed
emit_json(struct celery_dec *d, json_t *o, const char *entry_id, int64_t recv_ms)
{
	struct event ev;
	enum event_malformed why;

	event_init(&ev);
	why = event_decode_json(&ev, o, recv_ms);
	json_decref(o);
	if (why != MAL_NONE)
		return why;
	ev.source = d->source;
	if (entry_id != NULL)
		ev.entry_id = xstrdup(entry_id);
	d->emit(d->arg, &ev);
	event_done(&ev);
	return MAL_NONE;
}

/* The ETA of a task as epoch ms, or 0 when it has none (or it is not a time). */
static int64_t
eta_ms(const json_t *e)
{
	const char *eta = get_str(e, "eta");
	int64_t ms;

	if (eta == NULL || event_parse_time(eta, strlen(eta), &ms) != 0)
		return 0;
	return ms;
}

/* A task event: o already holds type-independent fields. */
static enum event_malformed
task_event(struct celery_dec *d, const json_t *e, const char *ctype, json_t *o,
    int64_t ts)
{
	const char *uuid = get_str(e, "uuid");
	const char *root = get_str(e, "root_id"), *parent = get_str(e, "parent_id");
	const char *host = get_str(e, "hostname");
	struct task *t;
	double v;
	char buf[128];

	if (uuid == NULL || *uuid == '\0')
		return MAL_NO_RUN_ID;
	json_object_set_new(o, "run_id", json_string(uuid));
	set_str(o, "agent_name", get_str(e, "name"));
	if (root != NULL && *root != '\0') {
		json_object_set_new(o, "trace_id", json_string(root));
		json_object_set_new(o, "root_run_id", json_string(root));
	}
	/* A retried task is sent again with itself as its parent. */
	if (parent != NULL && *parent != '\0' && strcmp(parent, uuid) != 0)
		json_object_set_new(o, "parent_run_id", json_string(parent));
	t = task_get(d, uuid, 1);
	if (get_num(e, "retries", &v) && v >= 0 && v < 1e9)
		t->retries = (int64_t)v;

	if (strcmp(ctype, "task-sent") == 0 || strcmp(ctype, "task-received") == 0) {
		const char *q = get_str(e, "queue");
		int64_t eta = eta_ms(e);

		if (q != NULL && *q != '\0' && strcmp(ctype, "task-sent") == 0) {
			free(t->queue);
			t->queue = xstrdup(q);
		}
		if (eta > ts + 1000) {
			char when[40];

			event_format_time(eta, when, sizeof when);
			json_object_set_new(o, "type", json_string("celery.scheduled"));
			snprintf(buf, sizeof buf, "%s: eta %s", ctype, when);
			json_object_set_new(o, "message", json_string(buf));
		} else
			json_object_set_new(o, "type", json_string("run.queued"));
		set_str(o, "queue", t->queue);
		if (host != NULL && strcmp(ctype, "task-received") == 0) {
			json_object_set_new(o, "worker", json_string(host));
			if (json_object_get(o, "message") == NULL) {
				snprintf(buf, sizeof buf, "received by %.100s", host);
				json_object_set_new(o, "message", json_string(buf));
			}
		}
	} else if (strcmp(ctype, "task-started") == 0) {
		json_object_set_new(o, "type", json_string("run.started"));
		set_str(o, "worker", host);
		t->started_retries = t->retries;
		if (host != NULL) {
			snprintf(buf, sizeof buf, "started on %.100s", host);
			json_object_set_new(o, "message", json_string(buf));
		}
		t->started_ms = ts;
	} else if (strcmp(ctype, "task-succeeded") == 0) {
		json_object_set_new(o, "type", json_string("run.completed"));
		/* runtime is the worker's own measure: kept when the event times agree. */
		if (get_num(e, "runtime", &v) && v >= 0 && v < 1e9) {
			int64_t rt = (int64_t)llround(v * 1000.0);
			int64_t span = t->started_ms > 0 ? ts - t->started_ms : -1;

			json_object_set_new(o, "duration_ms", json_integer(rt));
			if (span >= 0 && llabs(span - rt) > 1000 + rt / 10) {
				snprintf(buf, sizeof buf, "runtime %.3f s, but started %.3f s"
				    " before it ended", v, (double)span / 1000.0);
				json_object_set_new(o, "message", json_string(buf));
			}
		}
		if (json_object_get(o, "message") == NULL) {
			const char *res = get_str(e, "result");

			if (res != NULL) {
				char *m;

				xasprintf(&m, "result %.*s", 512, res);
				json_object_set_new(o, "message", json_string(m));
				free(m);
			}
		}
		task_forget(d, uuid);
	} else if (strcmp(ctype, "task-failed") == 0 ||
	    strcmp(ctype, "task-retried") == 0) {
		const char *exc = get_str(e, "exception"), *tb = get_str(e, "traceback");
		char *cls, *msg;
		int retried = ctype[5] == 'r';

		celery_parse_exception(exc, tb, &cls, &msg);
		json_object_set_new(o, "type", json_string(retried ? "run.retry" :
		    "run.failed"));
		set_str(o, "error_class", cls);
		set_str(o, "error_message", msg);
		free(cls);
		free(msg);
		if (tb != NULL) {
			size_t n = strlen(tb);
			const char *p = n > CELERY_TRACEBACK_MAX ?
			    tb + n - CELERY_TRACEBACK_MAX : tb;

			json_object_set_new(o, "message", json_string(p));
		} else
			set_str(o, "message", exc);
		if (retried) {
			t->retried++;
			json_object_set_new(o, "attempt", json_integer(next_attempt(t)));
			json_object_set_new(o, "fallback_reason", json_string("retry"));
			json_object_set_new(o, "retryable", json_true());
		} else
			task_forget(d, uuid);
	} else if (strcmp(ctype, "task-revoked") == 0) {
		json_t *sig = json_object_get(e, "signum");
		size_t n;

		json_object_set_new(o, "type", json_string("run.cancelled"));
		n = (size_t)snprintf(buf, sizeof buf, "revoked");
		if (json_is_true(json_object_get(e, "expired")))
			n += (size_t)snprintf(buf + n, sizeof buf - n, ": expired");
		if (json_is_true(json_object_get(e, "terminated"))) {
			if (json_is_integer(sig))
				snprintf(buf + n, sizeof buf - n, ": terminated by signal %lld",
				    (long long)json_integer_value(sig));
			else
				snprintf(buf + n, sizeof buf - n, ": terminated");
		}
		json_object_set_new(o, "message", json_string(buf));
		task_forget(d, uuid);
	} else if (strcmp(ctype, "task-rejected") == 0) {
		int requeue = json_is_true(json_object_get(e, "requeue"));

		json_object_set_new(o, "type", json_string(requeue ? "run.retry" :
		    "run.failed"));
		if (requeue) {
			json_object_set_new(o, "attempt", json_integer(next_attempt(t)));
			json_object_set_new(o, "fallback_reason", json_string("rejected"));
		} else {
			json_object_set_new(o, "error_class", json_string("Rejected"));
			json_object_set_new(o, "error_message",
			    json_string("the worker rejected the message"));
			task_forget(d, uuid);
		}
		set_str(o, "worker", host);
	} else {
		snprintf(buf, sizeof buf, "celery.%s", ctype);
		json_object_set_new(o, "type", json_string(buf));
	}
	return MAL_NONE;
}

static struct celery_worker *
worker_get(struct celery_dec *d, const char *host)
{
	struct celery_worker *w = map_get(d->by_host, host);

	if (w != NULL || d->nworkers >= CELERY_WORKERS_MAX)
		return w;
	w = xcalloc(1, sizeof *w);
	w->hostname = xstrdup(host);
	w->freq_ms = 2000;
	w->load1 = -1;
	w->state = CELERY_WORKER_OFFLINE;
	if (d->nworkers == d->cap) {
		d->cap = d->cap == 0 ? 8 : d->cap * 2;
		d->workers = xreallocarray(d->workers, d->cap, sizeof *d->workers);
	}
	d->workers[d->nworkers++] = w;
	map_put(d->by_host, host, w);
	return w;
}

/* A worker event: update the table; online and offline also become events. */
static enum event_malformed
worker_event(struct celery_dec *d, const json_t *e, const char *ctype, json_t *o,
    int64_t recv_ms)
{
	const char *host = get_str(e, "hostname");
	const char *ident = get_str(e, "sw_ident"), *ver = get_str(e, "sw_ver");
	struct celery_worker *w;
	json_t *load = json_object_get(e, "loadavg");
	double v;
	int hb = strcmp(ctype, "worker-heartbeat") == 0;
	int on = hb || strcmp(ctype, "worker-online") == 0;
	char type[64];

	if (host == NULL || *host == '\0') {
		json_decref(o);
		return MAL_BAD_VALUE;
	}
	if ((w = worker_get(d, host)) != NULL) {
		if (get_num(e, "freq", &v) && v > 0 && v < 86400)
			w->freq_ms = (int64_t)llround(v * 1000.0);
		if (get_num(e, "active", &v) && v >= 0 && v < 1e12)
			w->active = (int64_t)v;
		if (get_num(e, "processed", &v) && v >= 0 && v < 1e15)
			w->processed = (int64_t)v;
		if (json_is_array(load) && json_is_number(json_array_get(load, 0)))
			w->load1 = json_number_value(json_array_get(load, 0));
		if (ident != NULL && w->sw == NULL)
			xasprintf(&w->sw, "%s%s%s", ident, ver != NULL ? " " : "",
			    ver != NULL ? ver : "");
		if (on) {
			w->state = CELERY_WORKER_ONLINE;
			w->seen_ms = recv_ms;
		} else if (strcmp(ctype, "worker-offline") == 0) {
			w->state = CELERY_WORKER_OFFLINE;
			w->active = 0;
		}
	}
	if (hb) {
		json_decref(o);
		return MAL_NONE;
	}
	snprintf(type, sizeof type, "celery.%s", ctype);
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "worker", json_string(host));
	set_str(o, "message", ctype);
	return emit_json(d, o, NULL, recv_ms);
}

/* Decode one event object of a body. */
static enum event_malformed
one_event(struct celery_dec *d, const json_t *e, int64_t recv_ms)
{
	const char *ctype = get_str(e, "type"), *host = get_str(e, "hostname");
	json_t *ts_j = json_object_get(e, "timestamp"), *clock = json_object_get(e, "clock");
	json_t *pid = json_object_get(e, "pid");
	int64_t ts = recv_ms;
	enum event_malformed why;
	json_t *o;
	char id[320];

	if (!json_is_object(e))
		return MAL_BAD_TYPE;
	if (ctype == NULL || *ctype == '\0')
		return MAL_NO_TYPE;
	if (ts_j != NULL && !json_is_null(ts_j)) {
		double s = json_number_value(ts_j);

		if (!json_is_number(ts_j))
			return MAL_BAD_TS;
		/* 1970 .. 2200, as every other time. */
		if (!isfinite(s) || s < 0 || s > 7258118400.0)
			return MAL_BAD_TS;
		ts = (int64_t)llround(s * 1000.0);
	}
	if (ts < 0)
		return MAL_BAD_TS;
	o = json_object();
	json_object_set_new(o, "ts", json_integer(ts));
	json_object_set_new(o, "celery_type", json_string(ctype));
	if (strncmp(ctype, "worker-", 7) == 0)
		return worker_event(d, e, ctype, o, recv_ms);
	if (strncmp(ctype, "task-", 5) != 0) {
		char type[80];

		snprintf(type, sizeof type, "celery.%.60s", ctype);
		json_object_set_new(o, "type", json_string(type));
		set_str(o, "worker", host);
		return emit_json(d, o, NULL, recv_ms);
	}
	if ((why = task_event(d, e, ctype, o, ts)) != MAL_NONE) {
		json_decref(o);
		return why;
	}
	id[0] = '\0';
	if (host != NULL && json_is_integer(clock))
		snprintf(id, sizeof id, "%.200s:%lld:%lld:%.40s", host,
		    json_is_integer(pid) ? (long long)json_integer_value(pid) : 0LL,
		    (long long)json_integer_value(clock), ctype);
	return emit_json(d, o, id[0] != '\0' ? id : NULL, recv_ms);
}

enum event_malformed
celery_dec_message(struct celery_dec *d, const char *msg, size_t len,
    int64_t recv_ms)
{
	json_t *env = NULL, *body = NULL, *props;
	const char *ctype, *benc, *text;
	char *raw = NULL;
	size_t rawlen = 0;
	enum event_malformed why, first = MAL_NONE;

	if ((why = event_json_parse(msg, len, &env)) != MAL_NONE)
		return why;
	if (!json_is_object(env)) {
		json_decref(env);
		return MAL_BAD_TYPE;
	}
	ctype = get_str(env, "content-type");
	/* Only JSON is read: pickle, YAML and msgpack are never deserialised. */
	if (ctype != NULL && strcmp(ctype, "application/json") != 0) {
		json_decref(env);
		return MAL_UNSUPPORTED_ENCODING;
	}
	if ((text = get_str(env, "body")) == NULL) {
		json_decref(env);
		return json_object_get(env, "body") == NULL ? MAL_EMPTY : MAL_BAD_TYPE;
	}
	props = json_object_get(env, "properties");
	benc = get_str(props, "body_encoding");
	if (benc != NULL && strcmp(benc, "base64") == 0) {
		raw = base64_decode(text, json_string_length(json_object_get(env, "body")),
		    &rawlen);
		if (raw == NULL) {
			json_decref(env);
			return MAL_BAD_VALUE;
		}
		why = event_json_parse(raw, rawlen, &body);
		free(raw);
	} else if (benc != NULL) {
		json_decref(env);
		return MAL_UNSUPPORTED_ENCODING;
	} else
		why = event_json_parse(text, json_string_length(json_object_get(env,
		    "body")), &body);
	json_decref(env);
	if (why != MAL_NONE)
		return why;
	if (json_is_array(body)) {
		size_t i;
		json_t *e;

		if (json_array_size(body) == 0)
			first = MAL_EMPTY;
		json_array_foreach(body, i, e) {
			why = one_event(d, e, recv_ms);
			if (why != MAL_NONE && first == MAL_NONE)
				first = why;
		}
	} else if (json_is_object(body))
		first = one_event(d, body, recv_ms);
	else
		first = MAL_BAD_TYPE;
	json_decref(body);
	return first;
}

void
celery_dec_tick(struct celery_dec *d, int64_t now_ms)
{
	int64_t total = 0, busy = 0, active = 0, lost = 0;
	struct event ev;
	json_t *o;

	if (d->nworkers == 0)
		return;
	for (size_t i = 0; i < d->nworkers; i++) {
		struct celery_worker *w = d->workers[i];

		if (w->state == CELERY_WORKER_ONLINE &&
		    now_ms > w->seen_ms + HEARTBEAT_EXPIRE * w->freq_ms) {
			char buf[64];

			w->state = CELERY_WORKER_LOST;
			o = json_object();
			json_object_set_new(o, "ts", json_integer(now_ms));
			json_object_set_new(o, "type", json_string("celery.worker-lost"));
			json_object_set_new(o, "worker", json_string(w->hostname));
			snprintf(buf, sizeof buf, "no heartbeat for %.1f s",
			    (double)(now_ms - w->seen_ms) / 1000.0);
			json_object_set_new(o, "message", json_string(buf));
			emit_json(d, o, NULL, now_ms);
		}
		if (w->state == CELERY_WORKER_ONLINE) {
			total++;
			busy += w->active > 0;
			active += w->active;
		} else if (w->state == CELERY_WORKER_LOST)
			lost++;
	}
	if (d->st_ms != 0 && total == d->st_total && busy == d->st_busy &&
	    active == d->st_active && lost == d->st_lost &&
	    now_ms - d->st_ms < STATUS_REFRESH_MS)
		return;
	d->st_total = total;
	d->st_busy = busy;
	d->st_active = active;
	d->st_lost = lost;
	d->st_ms = now_ms;
	o = json_object();
	json_object_set_new(o, "ts", json_integer(now_ms));
	json_object_set_new(o, "type", json_string("worker.status"));
	json_object_set_new(o, "workers_total", json_integer(total));
	json_object_set_new(o, "workers_busy", json_integer(busy));
	json_object_set_new(o, "workers_lost", json_integer(lost));
	json_object_set_new(o, "tasks_active", json_integer(active));
	event_init(&ev);
	if (event_decode_json(&ev, o, now_ms) == MAL_NONE) {
		ev.source = d->source;
		d->emit(d->arg, &ev);
	}
	event_done(&ev);
	json_decref(o);
}

void
celery_depth_event(struct event *ev, const char *queue, int source,
    const int64_t *lists, int nlists, int64_t unacked, int64_t now_ms)
{
	json_t *o = json_object();
	int64_t depth = 0;

	for (int i = 0; i < nlists; i++)
		depth += lists[i] > 0 ? lists[i] : 0;
	event_init(ev);
	if (json_object_set_new(o, "queue", json_string(queue)) != 0) {
		json_decref(o); /* not UTF-8: no gauge */
		return;
	}
	json_object_set_new(o, "type", json_string("queue.depth"));
	json_object_set_new(o, "ts", json_integer(now_ms));
	json_object_set_new(o, "depth", json_integer(depth));
	if (nlists > 1)
		json_object_set_new(o, "priority_lists", json_integer(depth -
		    (lists[0] > 0 ? lists[0] : 0)));
	if (unacked >= 0)
		json_object_set_new(o, "unacked", json_integer(unacked));
	if (event_decode_json(ev, o, now_ms) != MAL_NONE) {
		event_done(ev);
		event_init(ev);
	} else
		ev->source = source;
	json_decref(o);
}

/* Base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes), as kombu's bodies are. */
void
celery_b64_encode(const char *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[k++] = tab[(v >> 18) & 63];
		out[k++] = tab[(v >> 12) & 63];
		out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[k++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[k] = '\0';
}
