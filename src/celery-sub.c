/* execmon - a Redis pub/sub subscriber on the loop (Celery's event channels). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "celery-sub.h"
#include "loop.h"
#include "rconn.h"
#include "reply-arena.h"
#include "xmalloc.h"

#define SUB_TIMEOUT_MS 5000    /* connect, AUTH and the subscription's confirmation */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 10000

enum sub_state { SUB_DOWN, SUB_CONNECTING, SUB_LIVE };

struct celery_sub {
	struct url url;
	char *pattern;
	struct celery_sub_cb cb;
	struct rconn_tls *tls; /* the caller's, for rediss:// */
	struct rconn *ac;
	struct reply_arena *arena; /* every connection's replies; outlives them */
	uv_timer_t timer;      /* the attempt's timeout, or the retry */
	enum sub_state state;
	int waiting;           /* the timer is a retry */
	int64_t backoff_ms;
	int freeing;
	char *host;            /* the name the certificate must carry */
	char *addr;            /* where the owner's connection went; NULL = unix */
	int port;
};

static void sub_connect(struct celery_sub *);

/* Free the context (its callbacks run with no reply, or later if inside one). */
static void
drop_context(struct celery_sub *s)
{
	struct rconn *ac = s->ac;

	s->state = SUB_DOWN;
	if (ac == NULL)
		return;
	s->ac = NULL;
	rconn_set_data(ac, NULL);
	rconn_free(ac);
}

static void
retry_due(uv_timer_t *t)
{
	struct celery_sub *s = t->data;

	s->waiting = 0;
	sub_connect(s);
}

static void
sub_fail(struct celery_sub *s, const char *why)
{
	int64_t in = s->backoff_ms;

	drop_context(s);
	if (s->freeing)
		return;
	uv_timer_stop(&s->timer);
	uv_timer_start(&s->timer, retry_due, (uint64_t)in, 0);
	s->waiting = 1;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    s->backoff_ms * 2;
	if (s->cb.failed != NULL)
		s->cb.failed(s->cb.arg, why, in);
}

static void
on_message(struct rconn *ac, void *r_, void *priv)
{
	struct celery_sub *s = priv;
	redisReply *r = r_, *kind;

	if (r == NULL || rconn_data(ac) == NULL || s->freeing)
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	kind = r->element[0];
	if (strcmp(kind->str, "psubscribe") == 0) {
		uv_timer_stop(&s->timer);
		s->state = SUB_LIVE;
		s->backoff_ms = BACKOFF_MIN_MS;
		if (s->cb.subscribed != NULL)
			s->cb.subscribed(s->cb.arg);
		return;
	}
	/* ["pmessage", pattern, channel, payload] */
	if (strcmp(kind->str, "pmessage") != 0 || r->elements < 4 ||
	    r->element[3]->type != REDIS_REPLY_STRING)
		return;
	s->cb.message(s->cb.arg, r->element[2]->type == REDIS_REPLY_STRING ?
	    r->element[2]->str : "?", r->element[3]->str, r->element[3]->len);
}

/* Messages answer no command: they come to on_message as pushes. */
static void
subscribe(struct celery_sub *s)
{
	rconn_set_push(s->ac, on_message, s);
	rconn_command(s->ac, on_message, s, "PSUBSCRIBE %s", s->pattern);
}

static void
on_auth(struct rconn *ac, void *r_, void *priv)
{
	struct celery_sub *s = priv;
	redisReply *r = r_;

	if (r == NULL || rconn_data(ac) == NULL || s->freeing)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		char why[200];

		snprintf(why, sizeof why, "AUTH: %.*s", (int)r->len, r->str);
		sub_fail(s, why);
		return;
	}
	subscribe(s);
}

static void
on_connect(struct rconn *ac, const char *err)
{
	struct celery_sub *s = rconn_data(ac);

	if (s == NULL)
		return;
	if (err != NULL) {
		s->ac = NULL; /* freed after this callback */
		sub_fail(s, err);
		return;
	}
	if (s->url.password != NULL) {
		if (s->url.user != NULL)
			rconn_command(s->ac, on_auth, s, "AUTH %s %s", s->url.user,
			    s->url.password);
		else
			rconn_command(s->ac, on_auth, s, "AUTH %s", s->url.password);
	} else
		subscribe(s);
}

static void
on_disconnect(struct rconn *ac, const char *why)
{
	struct celery_sub *s = rconn_data(ac);

	if (s == NULL)
		return;
	s->ac = NULL;
	sub_fail(s, why);
}

static void
attempt_timeout(uv_timer_t *t)
{
	sub_fail(t->data, "no subscription within 5 s");
}

static void
sub_free_now(struct celery_sub *s)
{
	url_done(&s->url);
	free(s->pattern);
	free(s->host);
	free(s->addr);
	reply_arena_free(s->arena);
	free(s);
}

/*
 * To the server the owner's connection reached (a sentinel's master, the
 * cluster node it reads, the address it resolved): pub/sub messages reach
 * every client of that server, and of every node of a cluster.
 */
static void
sub_connect(struct celery_sub *s)
{
	struct rconn_opts ro = {
		.host = s->host, .addr = s->addr, .port = s->port,
		.path = s->url.scheme == URL_UNIX ? s->url.path : NULL,
		.tls = s->url.tls ? s->tls : NULL, .arena = s->arena,
		.keepalive = 1, /* a subscriber only listens: notice a peer gone silent */
	};
	char err[160];

	if (s->freeing || s->state != SUB_DOWN || s->waiting)
		return;
	if (ro.path == NULL && s->addr == NULL)
		return; /* the owner has not connected yet */
	s->state = SUB_CONNECTING;
	s->ac = rconn_connect(loop_uv(), &ro, on_connect, on_disconnect, s, err,
	    sizeof err);
	if (s->ac == NULL) {
		sub_fail(s, err);
		return;
	}
	uv_timer_stop(&s->timer);
	uv_timer_start(&s->timer, attempt_timeout, SUB_TIMEOUT_MS, 0);
}

struct celery_sub *
celery_sub_create(const struct url *url, const char *pattern,
    struct rconn_tls *tls, const struct celery_sub_cb *cb)
{
	struct celery_sub *s = xcalloc(1, sizeof *s);

	s->url = *url;
	s->url.host = url->host ? xstrdup(url->host) : NULL;
	s->url.path = url->path ? xstrdup(url->path) : NULL;
	s->url.password = url->password ? xstrdup(url->password) : NULL;
	s->url.user = url->user ? xstrdup(url->user) : NULL;
	s->url.master = NULL;
	s->url.sentinels = NULL;
	s->url.nsentinels = 0;
	s->tls = tls;
	s->arena = reply_arena_create();
	s->pattern = xstrdup(pattern);
	s->cb = *cb;
	s->backoff_ms = BACKOFF_MIN_MS;
	uv_timer_init(loop_uv(), &s->timer);
	s->timer.data = s;
	return s;
}

void
celery_sub_start(struct celery_sub *s, const char *host, const char *addr, int port)
{
	if (addr != NULL && (s->addr == NULL || strcmp(addr, s->addr) != 0 ||
	    port != s->port)) {
		free(s->host);
		free(s->addr);
		s->host = xstrdup(host != NULL ? host : addr);
		s->addr = xstrdup(addr);
		s->port = port;
	}
	sub_connect(s);
}

void
celery_sub_drop(struct celery_sub *s)
{
	drop_context(s);
	uv_timer_stop(&s->timer);
	s->waiting = 0;
}

static void
timer_closed(uv_handle_t *h)
{
	sub_free_now(h->data);
}

void
celery_sub_free(struct celery_sub *s)
{
	if (s == NULL)
		return;
	s->freeing = 1;
	drop_context(s);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, timer_closed);
}
