/* execmon - a Redis pub/sub subscriber on the loop (Celery's event channels). */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include "celery-sub.h"
#include "loop.h"
#include "redis-uv.h"
#include "xmalloc.h"

#define SUB_TIMEOUT_MS 5000    /* connect, AUTH and the subscription's confirmation */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 10000

enum sub_state { SUB_DOWN, SUB_CONNECTING, SUB_LIVE };

struct celery_sub {
	struct url url;
	char *pattern;
	struct celery_sub_cb cb;
	redisAsyncContext *ac;
	uv_timer_t timer;      /* the attempt's timeout, or the retry */
	uv_getaddrinfo_t gai;
	int gai_busy;
	enum sub_state state;
	int waiting;           /* the timer is a retry */
	int64_t backoff_ms;
	int freeing, closed;
	char addr[INET6_ADDRSTRLEN];
};

static void sub_connect(struct celery_sub *);

/* Free the context (its callbacks run with no reply, or later if inside one). */
static void
drop_context(struct celery_sub *s)
{
	redisAsyncContext *ac = s->ac;

	s->state = SUB_DOWN;
	if (ac == NULL)
		return;
	s->ac = NULL;
	ac->data = NULL;
	redisAsyncFree(ac);
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
on_message(redisAsyncContext *ac, void *r_, void *priv)
{
	struct celery_sub *s = priv;
	redisReply *r = r_, *kind;

	if (r == NULL || ac->data == NULL || s->freeing)
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

static void
on_auth(redisAsyncContext *ac, void *r_, void *priv)
{
	struct celery_sub *s = priv;
	redisReply *r = r_;

	if (r == NULL || ac->data == NULL || s->freeing)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		char why[200];

		snprintf(why, sizeof why, "AUTH: %.*s", (int)r->len, r->str);
		sub_fail(s, why);
		return;
	}
	/* Only now: once subscribed, hiredis takes every reply for a message. */
	redisAsyncCommand(ac, on_message, s, "PSUBSCRIBE %s", s->pattern);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct celery_sub *s = ac->data;

	if (s == NULL)
		return;
	if (status != REDIS_OK) {
		char why[200];

		snprintf(why, sizeof why, "%s", ac->errstr[0] ? ac->errstr : "connect failed");
		s->ac = NULL; /* hiredis frees it after this callback */
		sub_fail(s, why);
		return;
	}
	/* A subscriber only listens: keepalive notices a peer gone silently. */
	if (s->url.scheme != URL_UNIX)
		redisEnableKeepAlive(&s->ac->c);
	if (s->url.password != NULL) {
		if (s->url.user != NULL)
			redisAsyncCommand(s->ac, on_auth, s, "AUTH %s %s", s->url.user,
			    s->url.password);
		else
			redisAsyncCommand(s->ac, on_auth, s, "AUTH %s", s->url.password);
	} else
		redisAsyncCommand(s->ac, on_message, s, "PSUBSCRIBE %s", s->pattern);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct celery_sub *s = ac->data;
	char why[200];

	if (s == NULL)
		return;
	s->ac = NULL;
	snprintf(why, sizeof why, "%s", status == REDIS_OK ? "connection closed" :
	    ac->errstr[0] ? ac->errstr : "connection lost");
	sub_fail(s, why);
}

static void
attempt_timeout(uv_timer_t *t)
{
	sub_fail(t->data, "no subscription within 5 s");
}

static void
connect_addr(struct celery_sub *s, const char *ip)
{
	redisAsyncContext *ac;

	if (s->url.scheme == URL_UNIX)
		ac = redisAsyncConnectUnix(s->url.path);
	else
		ac = redisAsyncConnect(ip, s->url.port);
	if (ac == NULL) {
		sub_fail(s, "out of memory");
		return;
	}
	if (ac->err) {
		char why[200];

		snprintf(why, sizeof why, "%s", ac->errstr);
		redisAsyncFree(ac);
		sub_fail(s, why);
		return;
	}
	ac->data = s;
	if (redis_uv_attach(ac, loop_uv()) != REDIS_OK) {
		redisAsyncFree(ac);
		sub_fail(s, "cannot watch socket");
		return;
	}
	s->ac = ac;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	uv_timer_stop(&s->timer);
	uv_timer_start(&s->timer, attempt_timeout, SUB_TIMEOUT_MS, 0);
}

static void
sub_free_now(struct celery_sub *s)
{
	url_done(&s->url);
	free(s->pattern);
	free(s);
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct celery_sub *s = req->data;

	s->gai_busy = 0;
	if (s->freeing || s->state != SUB_CONNECTING) {
		uv_freeaddrinfo(res);
		if (s->closed)
			sub_free_now(s);
		return;
	}
	if (status != 0 || res == NULL) {
		char why[200];

		uv_freeaddrinfo(res);
		snprintf(why, sizeof why, "cannot resolve %s: %s", s->url.host,
		    uv_strerror(status));
		sub_fail(s, why);
		return;
	}
	if (res->ai_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, s->addr, sizeof s->addr);
	else
		uv_ip4_name((struct sockaddr_in *)res->ai_addr, s->addr, sizeof s->addr);
	uv_freeaddrinfo(res);
	connect_addr(s, s->addr);
}

static void
sub_connect(struct celery_sub *s)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct addrinfo hints;

	if (s->freeing || s->state != SUB_DOWN || s->gai_busy || s->waiting)
		return;
	s->state = SUB_CONNECTING;
	if (s->url.scheme == URL_UNIX || inet_pton(AF_INET, s->url.host, &a4) == 1 ||
	    inet_pton(AF_INET6, s->url.host, &a6) == 1) {
		connect_addr(s, s->url.host);
		return;
	}
	/* Resolve off the loop thread: getaddrinfo blocks. */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	s->gai.data = s;
	s->gai_busy = 1;
	if (uv_getaddrinfo(loop_uv(), &s->gai, on_resolved, s->url.host, NULL,
	    &hints) != 0) {
		s->gai_busy = 0;
		sub_fail(s, "cannot resolve host");
	}
}

struct celery_sub *
celery_sub_create(const struct url *url, const char *pattern,
    const struct celery_sub_cb *cb)
{
	struct celery_sub *s = xcalloc(1, sizeof *s);

	s->url = *url;
	s->url.host = url->host ? xstrdup(url->host) : NULL;
	s->url.path = url->path ? xstrdup(url->path) : NULL;
	s->url.password = url->password ? xstrdup(url->password) : NULL;
	s->url.user = url->user ? xstrdup(url->user) : NULL;
	s->pattern = xstrdup(pattern);
	s->cb = *cb;
	s->backoff_ms = BACKOFF_MIN_MS;
	uv_timer_init(loop_uv(), &s->timer);
	s->timer.data = s;
	return s;
}

void
celery_sub_start(struct celery_sub *s)
{
	sub_connect(s);
}

void
celery_sub_drop(struct celery_sub *s)
{
	drop_context(s);
	uv_timer_stop(&s->timer);
	s->waiting = 0;
	/* A resolver still running finds the state changed and stops there. */
}

static void
timer_closed(uv_handle_t *h)
{
	struct celery_sub *s = h->data;

	s->closed = 1;
	if (!s->gai_busy)
		sub_free_now(s);
}

void
celery_sub_free(struct celery_sub *s)
{
	if (s == NULL)
		return;
	s->freeing = 1;
	drop_context(s);
	if (s->gai_busy)
		uv_cancel((uv_req_t *)&s->gai);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, timer_closed);
}
