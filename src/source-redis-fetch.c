/* execmon - read entries of a followed stream back by their IDs (XRANGE), on the loop. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "evmap.h"
#include "loop.h"
#include "reply-arena.h"
#include "source-redis-fetch.h"
#include "source-redis-int.h"
#include "stream-pos.h"
#include "xmalloc.h"

/*
 * A fetch opens a connection of its own to the server the stream is read
 * from now (the follower's may be blocked in XREAD for seconds), with the
 * follower's address, TLS, user, password and database, and pipelines one
 * XRANGE id id per entry. An entry Redis no longer holds (trimmed, deleted)
 * answers with nothing: it is gone. An ID tagged "#N" belongs to the Nth
 * stream found new under that key; if the key now holds another one, the
 * entry is gone without asking. Each entry is decoded as the follower
 * decodes it (the stream's map, or execmon's own format). The whole fetch
 * answers once (results in the order asked) or fails as one, with a reason;
 * a watchdog of FETCH_TIMEOUT_MS covers it. Nothing blocks.
 */

#define FETCH_TIMEOUT_MS 10000

struct source_fetch {
	struct rconn *ac;
	struct reply_arena *arena;
	uv_timer_t timer;
	char *key;
	const struct evmap *map;
	int source;
	unsigned gen;
	size_t left;             /* replies still to come */
	struct source_fetch_result res;
	source_fetch_cb *cb;
	void *arg;
	int finished;
	struct source_fetch *prev, *next; /* every fetch in flight */
};

static struct source_fetch *in_flight;

static void
on_timer_closed(uv_handle_t *h)
{
	struct source_fetch *f = h->data;
	struct source_fetch_result *res = &f->res;

	for (size_t i = 0; i < res->n; i++) {
		free(res->ids[i]);
		if (res->state[i] == FETCH_OK)
			event_done(&res->evs[i]);
	}
	free(res->ids);
	free(res->evs);
	free(res->state);
	free(f->key);
	reply_arena_free(f->arena);
	free(f);
}

/* Answer (once), close the connection and free everything. */
static void
finish(struct source_fetch *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
finish(struct source_fetch *f, const char *fmt, ...)
{
	struct rconn *ac = f->ac;
	va_list ap;

	if (f->finished)
		return;
	f->finished = 1;
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		in_flight = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(f->res.error, sizeof f->res.error, fmt, ap);
		va_end(ap);
	}
	if (f->cb != NULL)
		f->cb(f->arg, &f->res);
	f->ac = NULL;
	if (ac != NULL) {
		rconn_set_data(ac, NULL);
		rconn_free(ac);
	}
	uv_timer_stop(&f->timer);
	uv_close((uv_handle_t *)&f->timer, on_timer_closed);
}

static void
on_timeout(uv_timer_t *t)
{
	finish(t->data, "no answer from Redis in %d s", FETCH_TIMEOUT_MS / 1000);
}

/* Decode one [id, [field, value, ...]] entry into result i. */
static void
decode(struct source_fetch *f, size_t i, const redisReply *e)
{
	struct event_field_kv kv[64], *kvp = kv;
	const redisReply *fields;
	struct event *ev = &f->res.evs[i];
	struct sid sid;
	char text[256];
	size_t n = 0;

	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    sid_parse(e->element[0]->str, e->element[0]->len, &sid) != 0) {
		f->res.state[i] = FETCH_BAD;
		return;
	}
	fields = e->element[1];
	if (fields->type == REDIS_REPLY_ARRAY)
		n = fields->elements / 2;
	if (n > sizeof kv / sizeof kv[0])
		kvp = xreallocarray(NULL, n, sizeof *kvp);
	for (size_t k = 0; k < n; k++) {
		const redisReply *a = fields->element[2 * k], *v = fields->element[2 * k + 1];

		kvp[k].name = a->type == REDIS_REPLY_STRING ? a->str : "";
		kvp[k].name_len = a->type == REDIS_REPLY_STRING ? a->len : 0;
		kvp[k].value = v->type == REDIS_REPLY_STRING ? v->str : "";
		kvp[k].value_len = v->type == REDIS_REPLY_STRING ? v->len : 0;
	}
	event_init(ev);
	if (evmap_decode_fields(f->map, ev, kvp, n, (int64_t)sid.ms, text,
	    sizeof text) != MAL_NONE) {
		f->res.state[i] = FETCH_BAD;
	} else {
		ev->source = f->source;
		ev->entry_id = xstrdup(f->res.ids[i]);
		f->res.state[i] = FETCH_OK;
	}
	if (kvp != kv)
		free(kvp);
}

static void
on_xrange(struct rconn *ac, void *r_, void *priv)
{
	struct source_fetch *f = rconn_data(ac);
	const redisReply *r = r_;
	size_t i = (size_t)(uintptr_t)priv;

	if (f == NULL || f->finished)
		return;
	if (r == NULL) {
		finish(f, "the connection to Redis was lost");
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		finish(f, "Redis refused XRANGE: %.*s", (int)(r->len < 160 ? r->len : 160),
		    r->str);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
		f->res.state[i] = FETCH_GONE;
	else
		decode(f, i, r->element[0]);
	if (--f->left == 0)
		finish(f, NULL);
}

static void
on_setup(struct rconn *ac, void *r_, void *priv)
{
	struct source_fetch *f = rconn_data(ac);
	const redisReply *r = r_;

	if (f == NULL || f->finished)
		return;
	if (r == NULL)
		finish(f, "the connection to Redis was lost");
	else if (r->type == REDIS_REPLY_ERROR)
		finish(f, "Redis refused %s: %.*s", (const char *)priv,
		    (int)(r->len < 160 ? r->len : 160), r->str);
}

/* The ID without its "#N" tag in buf; the tag's N (0 = none), or -1 if malformed. */
static long
untag(const char *id, char *buf, size_t size)
{
	const char *hash = strchr(id, '#');
	size_t n = hash != NULL ? (size_t)(hash - id) : strlen(id);
	char *end;
	long gen = 0;

	if (n >= size)
		return -1;
	memcpy(buf, id, n);
	buf[n] = '\0';
	if (hash != NULL) {
		gen = strtol(hash + 1, &end, 10);
		if (*end != '\0' || gen <= 0)
			return -1;
	}
	return gen;
}

static void
on_connect(struct rconn *ac, const char *err)
{
	struct source_fetch *f = rconn_data(ac);
	const struct url *u;
	struct redis_conn *c;
	struct rstream *s;
	char id[96];

	if (f == NULL || f->finished)
		return;
	if (err != NULL) {
		f->ac = NULL; /* freed by rconn when this returns */
		finish(f, "%s", err);
		return;
	}
	if (rread_find(f->source, &c, &s) != 0) {
		finish(f, "the stream is no longer followed");
		return;
	}
	u = &c->url;
	if (u->password != NULL && u->user != NULL)
		rconn_command(ac, on_setup, (void *)"AUTH", "AUTH %s %s", u->user,
		    u->password);
	else if (u->password != NULL)
		rconn_command(ac, on_setup, (void *)"AUTH", "AUTH %s", u->password);
	if (u->db != 0)
		rconn_command(ac, on_setup, (void *)"SELECT", "SELECT %d", u->db);
	for (size_t i = 0; i < f->res.n; i++) {
		long gen = untag(f->res.ids[i], id, sizeof id);
		struct sid sid;

		if (gen < 0 || sid_parse(id, strlen(id), &sid) != 0) {
			f->res.state[i] = FETCH_BAD;
			continue;
		}
		if ((unsigned long)gen != f->gen) {
			f->res.state[i] = FETCH_GONE; /* its stream was replaced */
			continue;
		}
		if (rconn_command(ac, on_xrange, (void *)(uintptr_t)i,
		    "XRANGE %s %s %s", f->key, id, id) != 0) {
			finish(f, "cannot send XRANGE");
			return;
		}
		f->left++;
	}
	if (f->left == 0)
		finish(f, NULL);
}

static void
on_close(struct rconn *ac, const char *why)
{
	struct source_fetch *f = rconn_data(ac);

	if (f == NULL || f->finished)
		return;
	f->ac = NULL; /* freed by rconn when this returns */
	finish(f, "the connection to Redis was lost: %s", why != NULL ? why : "closed");
}

int
source_redis_can_fetch(int source)
{
	struct redis_conn *c;
	struct rstream *s;

	return rread_find(source, &c, &s) == 0;
}

struct source_fetch *
source_redis_fetch(int source, const char *const *ids, size_t n,
    source_fetch_cb *cb, void *arg, char *err, size_t errlen)
{
	struct source_fetch *f;
	struct redis_conn *c;
	struct rstream *s;
	const char *host, *addr;
	int port;

	if (rread_find(source, &c, &s) != 0) {
		snprintf(err, errlen, "source %d is not a followed Redis stream", source);
		return NULL;
	}
	addr = source_redis_server(c, &host, &port);
	if (addr == NULL && c->url.scheme != URL_UNIX) {
		snprintf(err, errlen, "%s: not connected yet", c->display);
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->arena = reply_arena_create();
	f->key = xstrdup(s->key);
	f->map = s->map;
	f->source = source;
	f->gen = s->gen;
	f->cb = cb;
	f->arg = arg;
	f->res.n = n;
	f->res.ids = xcalloc(n ? n : 1, sizeof *f->res.ids);
	f->res.evs = xcalloc(n ? n : 1, sizeof *f->res.evs);
	f->res.state = xcalloc(n ? n : 1, sizeof *f->res.state);
	for (size_t i = 0; i < n; i++)
		f->res.ids[i] = xstrdup(ids[i]);
	uv_timer_init(loop_uv(), &f->timer);
	f->timer.data = f;
	{
		struct rconn_opts ro = {
			.host = host, .addr = addr, .port = port,
			.path = c->url.scheme == URL_UNIX ? c->url.path : NULL,
			.tls = c->url.tls ? c->opts.tls : NULL, .arena = f->arena,
		};

		f->ac = rconn_connect(loop_uv(), &ro, on_connect, on_close, f,
		    err, errlen);
	}
	if (f->ac == NULL) {
		f->cb = NULL;
		f->finished = 1;
		uv_close((uv_handle_t *)&f->timer, on_timer_closed);
		return NULL;
	}
	uv_timer_start(&f->timer, on_timeout, FETCH_TIMEOUT_MS, 0);
	f->next = in_flight;
	if (in_flight != NULL)
		in_flight->prev = f;
	in_flight = f;
	return f;
}

void
rfetch_stop_all(void)
{
	while (in_flight != NULL)
		finish(in_flight, "execmon stopped reading the stream");
}

void
source_fetch_cancel(struct source_fetch *f)
{
	if (f == NULL)
		return;
	f->cb = NULL;
	finish(f, NULL);
}
