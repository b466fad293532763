/* execmon-gen - the workload as a Celery cluster: events on pub/sub, queue lists. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "map.h"
#include "xmalloc.h"

/*
 * What a Celery 5 cluster with the Redis broker writes, as far as execmon
 * reads it: each event a kombu envelope (JSON, the body base64 JSON) on
 * PUBLISH /<db>.celeryev/<routing key>; the worker's task events batched
 * as task.multi; a message per waiting task in the queue's list (LPUSH,
 * taken from the other end when it starts); kombu's binding sets, so the
 * queues are found. Runs become tasks (the agent name the task name), the
 * simulated worker pool becomes workers gen-w<N>@execmon-gen that send
 * heartbeats every two simulated seconds. LLM, tool and log events have no
 * Celery counterpart and are left out.
 */

struct gc_task {
	int64_t start_ms;      /* 0 = not started */
	char queue[32];        /* its list, "" = none */
};

struct gen_celery {
	redisContext *c;
	int db, workers, pipeline;
	int pending;           /* replies to read */
	uint64_t clock;        /* the Lamport clock every event carries */
	uint64_t runs, events, ticks;
	int64_t last_ts;
	struct map *tasks;     /* run id -> struct gc_task, while it lives */
	int online;
	char err[256];
};

struct gen_celery *
gen_celery_create(redisContext *c, int db, int workers, int pipeline)
{
	struct gen_celery *g = xcalloc(1, sizeof *g);

	g->c = c;
	g->db = db;
	g->workers = workers;
	g->pipeline = pipeline;
	g->tasks = map_create();
	for (int i = 0; i < GEN_QUEUES; i++) {
		redisAppendCommand(c, "SADD _kombu.binding.%s %s\x06\x16\x06\x16%s",
		    gen_queue_names[i], gen_queue_names[i], gen_queue_names[i]);
		g->pending++;
	}
	return g;
}

static int
read_replies(struct gen_celery *g)
{
	while (g->pending > 0) {
		redisReply *r;

		if (redisGetReply(g->c, (void **)&r) != REDIS_OK) {
			snprintf(g->err, sizeof g->err, "%s", g->c->errstr);
			return -1;
		}
		g->pending--;
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(g->err, sizeof g->err, "%s", r->str);
			freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	return 0;
}

int
gen_celery_flush(struct gen_celery *g)
{
	return g->err[0] != '\0' ? -1 : read_replies(g);
}

static void
b64(const char *in, size_t n, struct gen_buf *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		gen_buf_add(out, q, 4);
	}
}

/* Publish body (JSON text) on the event exchange with this routing key. */
static void
publish(struct gen_celery *g, const char *rkey, const char *host,
    const struct gen_buf *body)
{
	struct gen_buf env = { 0 };
	char num[32];

	gen_buf_str(&env, "{\"body\": \"");
	b64(body->p, body->len, &env);
	gen_buf_str(&env, "\", \"content-encoding\": \"utf-8\", \"content-type\":"
	    " \"application/json\", \"headers\": {\"hostname\": ");
	gen_buf_json_str(&env, host);
	gen_buf_str(&env, "}, \"properties\": {\"delivery_mode\": 1,"
	    " \"delivery_info\": {\"exchange\": \"celeryev\", \"routing_key\": ");
	gen_buf_json_str(&env, rkey);
	snprintf(num, sizeof num, "%" PRIu64, g->events);
	gen_buf_str(&env, "}, \"priority\": 0, \"body_encoding\": \"base64\","
	    " \"delivery_tag\": \"gen-");
	gen_buf_str(&env, num);
	gen_buf_str(&env, "\"}}");
	redisAppendCommand(g->c, "PUBLISH /%d.celeryev/%s %b", g->db, rkey, env.p,
	    env.len);
	g->pending++;
	gen_buf_free(&env);
}

/* Start one event object: type, hostname, timestamp, clock. */
static void
ev_begin(struct gen_celery *g, struct gen_buf *b, const char *type,
    const char *host, int64_t ts_ms)
{
	char num[160];

	gen_buf_str(b, "{\"type\": ");
	gen_buf_json_str(b, type);
	gen_buf_str(b, ", \"hostname\": ");
	gen_buf_json_str(b, host);
	snprintf(num, sizeof num, ", \"utcoffset\": 0, \"pid\": 4242, \"clock\": %"
	    PRIu64 ", \"timestamp\": %.6f", ++g->clock, (double)ts_ms / 1000.0);
	gen_buf_str(b, num);
	g->events++;
}

static void
kv_str(struct gen_buf *b, const char *k, const char *v)
{
	gen_buf_str(b, ", \"");
	gen_buf_str(b, k);
	gen_buf_str(b, "\": ");
	if (v == NULL)
		gen_buf_str(b, "null");
	else
		gen_buf_json_str(b, v);
}

static const char *
fstr(const struct gen_event *ev, const char *name)
{
	const struct gen_field *f = gen_event_find(ev, name);

	return f != NULL && f->kind == GEN_STR ? f->str : NULL;
}

static int64_t
fint(const struct gen_event *ev, const char *name, int64_t dflt)
{
	const struct gen_field *f = gen_event_find(ev, name);

	return f != NULL && f->kind != GEN_STR && f->kind != GEN_REAL ? f->i : dflt;
}

static void
worker_name(const struct gen_celery *g, const char *run, char *buf, size_t size)
{
	uint64_t h = map_hash(run, strlen(run));

	snprintf(buf, size, "gen-w%d@execmon-gen", (int)(h % (uint64_t)g->workers));
}

static void
heartbeats(struct gen_celery *g, const char *type, int64_t ts_ms, int busy)
{
	for (int i = 0; i < g->workers; i++) {
		struct gen_buf b = { 0 };
		char host[64], num[128];

		snprintf(host, sizeof host, "gen-w%d@execmon-gen", i);
		ev_begin(g, &b, type, host, ts_ms);
		snprintf(num, sizeof num, ", \"freq\": 2.0, \"active\": %d,"
		    " \"processed\": 0, \"loadavg\": [0.5, 0.4, 0.3]", i < busy);
		gen_buf_str(&b, num);
		gen_buf_str(&b, ", \"sw_ident\": \"execmon-gen\", \"sw_ver\": \"5.2.6\"}");
		publish(g, strcmp(type, "worker-online") == 0 ? "worker.online" :
		    strcmp(type, "worker-offline") == 0 ? "worker.offline" :
		    "worker.heartbeat", host, &b);
		gen_buf_free(&b);
	}
}

/* The message a waiting task leaves in its queue's list. */
static void
queue_message(const char *run, const char *name, struct gen_buf *b)
{
	gen_buf_str(b, "{\"headers\": {\"id\": ");
	gen_buf_json_str(b, run);
	gen_buf_str(b, ", \"task\": ");
	gen_buf_json_str(b, name != NULL ? name : "task");
	gen_buf_str(b, "}}");
}

int
gen_celery_event(struct gen_celery *g, struct gen_event *ev)
{
	const char *type = fstr(ev, "type"), *run = fstr(ev, "run_id");
	const char *name = fstr(ev, "agent_name"), *queue = fstr(ev, "queue");
	struct gen_buf b = { 0 }, m = { 0 };
	char host[64], num[160];
	struct gc_task *t;

	g->last_ts = ev->ts_ms;
	if (!g->online) {
		g->online = 1;
		heartbeats(g, "worker-online", ev->ts_ms, 0);
	}
	if (type == NULL)
		goto out;
	if (strcmp(type, "worker.status") == 0) {
		if (g->ticks++ % 2 == 0)
			heartbeats(g, "worker-heartbeat", ev->ts_ms,
			    (int)fint(ev, "workers_busy", 0));
		goto out;
	}
	if (run == NULL || strncmp(type, "run.", 4) != 0)
		goto out;
	worker_name(g, run, host, sizeof host);
	if (strcmp(type, "run.queued") == 0) {
		const char *parent = fstr(ev, "parent_run_id");
		const char *root = fstr(ev, "root_run_id");

		g->runs++;
		ev_begin(g, &b, "task-sent", "gen@execmon-gen", ev->ts_ms);
		kv_str(&b, "uuid", run);
		kv_str(&b, "name", name);
		kv_str(&b, "root_id", root != NULL ? root : run);
		kv_str(&b, "parent_id", parent);
		kv_str(&b, "queue", queue);
		gen_buf_str(&b, ", \"args\": \"()\", \"kwargs\": \"{}\", \"retries\": 0,"
		    " \"eta\": null, \"expires\": null}");
		publish(g, "task.sent", "gen@execmon-gen", &b);
		t = xcalloc(1, sizeof *t);
		free(map_put(g->tasks, run, t));
		if (queue != NULL) {
			snprintf(t->queue, sizeof t->queue, "%s", queue);
			queue_message(run, name, &m);
			redisAppendCommand(g->c, "LPUSH %s %b", queue, m.p, m.len);
			g->pending++;
		}
	} else if (strcmp(type, "run.started") == 0) {
		gen_buf_str(&b, "[");
		ev_begin(g, &b, "task-received", host, ev->ts_ms);
		kv_str(&b, "uuid", run);
		kv_str(&b, "name", name);
		gen_buf_str(&b, ", \"retries\": 0}, ");
		ev_begin(g, &b, "task-started", host, ev->ts_ms);
		kv_str(&b, "uuid", run);
		gen_buf_str(&b, "}]");
		publish(g, "task.multi", host, &b);
		if ((t = map_get(g->tasks, run)) == NULL)
			map_put(g->tasks, run, t = xcalloc(1, sizeof *t));
		if (t->start_ms == 0 && t->queue[0] != '\0') {
			queue_message(run, name, &m);
			redisAppendCommand(g->c, "LREM %s 1 %b", t->queue, m.p, m.len);
			g->pending++;
		}
		t->start_ms = ev->ts_ms;
	} else {
		const char *cls = fstr(ev, "error_class"), *msg = fstr(ev, "error_message");
		const char *ctype = strcmp(type, "run.completed") == 0 ? "task-succeeded" :
		    strcmp(type, "run.failed") == 0 ? "task-failed" :
		    strcmp(type, "run.cancelled") == 0 ? "task-revoked" :
		    strcmp(type, "run.retry") == 0 ? "task-retried" : NULL;

		if (ctype == NULL)
			goto out;
		t = map_get(g->tasks, run);
		gen_buf_str(&b, "[");
		ev_begin(g, &b, ctype, host, ev->ts_ms);
		kv_str(&b, "uuid", run);
		if (strcmp(ctype, "task-succeeded") == 0) {
			snprintf(num, sizeof num, ", \"result\": \"'done'\", \"runtime\": %.3f",
			    t != NULL && t->start_ms > 0 ?
			    (double)(ev->ts_ms - t->start_ms) / 1000.0 : 0.0);
			gen_buf_str(&b, num);
		} else if (strcmp(ctype, "task-revoked") == 0) {
			gen_buf_str(&b, ", \"terminated\": false, \"signum\": null,"
			    " \"expired\": false");
			if (t != NULL && t->start_ms == 0 && t->queue[0] != '\0') {
				queue_message(run, name, &m);
				redisAppendCommand(g->c, "LREM %s 1 %b", t->queue, m.p, m.len);
				g->pending++;
			}
		} else {
			struct gen_buf e = { 0 };

			gen_buf_str(&e, cls != NULL ? cls : "Exception");
			gen_buf_str(&e, "(");
			gen_buf_json_str(&e, msg != NULL ? msg : "");
			gen_buf_str(&e, ")");
			gen_buf_add(&e, "", 1);
			kv_str(&b, "exception", e.p);
			gen_buf_free(&e);
			gen_buf_str(&b, ", \"traceback\": \"Traceback (most recent call"
			    " last):\\n  File \\\"tasks.py\\\", line 7, in run\\n\"");
		}
		gen_buf_str(&b, "}]");
		publish(g, "task.multi", host, &b);
		if (strcmp(ctype, "task-retried") != 0)
			free(map_del(g->tasks, run));
	}
out:
	gen_buf_free(&b);
	gen_buf_free(&m);
	free(ev);
	if (g->pending >= g->pipeline)
		return read_replies(g);
	return 0;
}

void
gen_celery_summary(const struct gen_celery *g, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 " tasks, %" PRIu64 " Celery events",
	    g->runs, g->events);
}

const char *
gen_celery_error(const struct gen_celery *g)
{
	return g->err;
}

void
gen_celery_free(struct gen_celery *g)
{
	size_t i = 0;
	void *v;

	if (g == NULL)
		return;
	if (g->online && g->err[0] == '\0') {
		heartbeats(g, "worker-offline", g->last_ts, 0);
		read_replies(g);
	}
	while (map_next(g->tasks, &i, NULL, &v))
		free(v);
	map_free(g->tasks);
	free(g);
}
