/* execmon - find a Redis master through its sentinels and hear of failovers. */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "loop.h"
#include "rconn.h"
#include "reply-arena.h"
#include "rsentinel.h"
#include "xmalloc.h"

/*
 * A question goes to one sentinel at a time, starting with the one that
 * answered last: connect (TLS if asked), AUTH with the sentinels' password
 * if there is one, SENTINEL get-master-addr-by-name. A sentinel that does
 * not answer within the timeout, refuses, or does not know the master is
 * passed over for the next; when every one was tried the question fails
 * with the last reason, and the owner retries with its backoff.
 *
 * The watch. Once a sentinel has answered, a second connection to it
 * subscribes to +switch-master; a message for our master is handed on at
 * once, so a failover is followed without waiting for the old master's
 * connection to time out. A watch that fails is made again after a pause,
 * and at the next answer.
 */

#define WATCH_RETRY_MS 2000

struct rsentinel {
	struct url_host *hosts; /* copies */
	int n;
	int tls_on;
	struct rconn_tls *tls;
	char *master;
	char *password;        /* $EXECMON_SENTINEL_PASSWORD, or NULL */
	int timeout_ms;
	struct reply_arena *arena, *warena; /* the question's, the watch's */

	rsentinel_cb *cb;      /* the question pending, NULL = none */
	void *arg;
	int at, tried;         /* sentinel asked now; how many so far */
	int good;              /* the last one that answered */
	struct rconn *q;
	uv_timer_t qtimer;
	uv_getaddrinfo_t gai;
	int gai_busy;
	char ip[INET6_ADDRSTRLEN]; /* address of hosts[at] */
	char why[256];         /* the last sentinel's failure */

	rsentinel_switch_cb *on_switch;
	void *sarg;
	struct rconn *w;       /* the watch */
	char wip[INET6_ADDRSTRLEN];
	int wport, whost;      /* hosts[whost] is the one watched */
	uv_timer_t wtimer;

	int freeing, open_handles;
};

static void try_one(struct rsentinel *);
static void watch_start(struct rsentinel *);

static void
maybe_free(struct rsentinel *s)
{
	if (!s->freeing || s->open_handles > 0 || s->gai_busy)
		return;
	for (int i = 0; i < s->n; i++)
		free(s->hosts[i].host);
	free(s->hosts);
	free(s->master);
	if (s->password != NULL) {
		memset(s->password, 0, strlen(s->password));
		free(s->password);
	}
	reply_arena_free(s->arena);
	reply_arena_free(s->warena);
	free(s);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct rsentinel *s = h->data;

	s->open_handles--;
	maybe_free(s);
}

struct rsentinel *
rsentinel_create(const struct url *u, struct rconn_tls *tls, int timeout_ms,
    rsentinel_switch_cb *on_switch, void *arg)
{
	struct rsentinel *s = xcalloc(1, sizeof *s);
	const char *pw = getenv("EXECMON_SENTINEL_PASSWORD");

	s->n = u->nsentinels;
	s->hosts = xcalloc((size_t)s->n, sizeof *s->hosts);
	for (int i = 0; i < s->n; i++) {
		s->hosts[i].host = xstrdup(u->sentinels[i].host);
		s->hosts[i].port = u->sentinels[i].port;
	}
	s->tls_on = u->tls;
	s->tls = tls;
	s->master = xstrdup(u->master);
	s->password = pw != NULL && *pw != '\0' ? xstrdup(pw) : NULL;
	s->timeout_ms = timeout_ms;
	s->arena = reply_arena_create();
	s->warena = reply_arena_create();
	s->on_switch = on_switch;
	s->sarg = arg;
	uv_timer_init(loop_uv(), &s->qtimer);
	uv_timer_init(loop_uv(), &s->wtimer);
	s->qtimer.data = s->wtimer.data = s;
	s->open_handles = 2;
	return s;
}

static void
drop_q(struct rsentinel *s)
{
	if (s->q != NULL) {
		rconn_set_data(s->q, NULL);
		rconn_free(s->q);
		s->q = NULL;
	}
	uv_timer_stop(&s->qtimer);
}

/* The question is answered (ip) or failed (err): hand it on. */
static void
finish(struct rsentinel *s, const char *ip, int port, const char *err)
{
	rsentinel_cb *cb = s->cb;

	drop_q(s);
	s->cb = NULL;
	if (cb != NULL)
		cb(s->arg, ip, port, err);
}

/* This sentinel failed (why): on to the next, or give up. */
static void
next(struct rsentinel *s)
{
	drop_q(s);
	s->at = (s->at + 1) % s->n;
	if (++s->tried >= s->n) {
		char err[300];

		snprintf(err, sizeof err, "no sentinel gave master %s (last: %s)",
		    s->master, s->why);
		finish(s, NULL, 0, err);
		return;
	}
	try_one(s);
}

static void
on_q_reply(struct rconn *rc, void *r_, void *priv)
{
	struct rsentinel *s = rconn_data(rc);
	redisReply *r = r_;
	const struct url_host *h;

	if (s == NULL || r == NULL)
		return;
	h = &s->hosts[s->at];
	if (priv != NULL) { /* AUTH */
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(s->why, sizeof s->why, "sentinel %s:%d: AUTH: %.*s",
			    h->host, h->port, (int)r->len, r->str);
			next(s);
		}
		return;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING) {
		char ip[INET6_ADDRSTRLEN];
		unsigned char a[16];
		int port = atoi(r->element[1]->str);

		snprintf(ip, sizeof ip, "%.*s", (int)r->element[0]->len,
		    r->element[0]->str);
		if ((inet_pton(AF_INET, ip, a) == 1 || inet_pton(AF_INET6, ip, a) == 1) &&
		    port > 0 && port < 65536) {
			s->good = s->at;
			snprintf(s->wip, sizeof s->wip, "%s", s->ip);
			s->wport = h->port;
			s->whost = s->at;
			finish(s, ip, port, NULL);
			if (!s->freeing)
				watch_start(s);
			return;
		}
		snprintf(s->why, sizeof s->why, "sentinel %s:%d named master %s at "
		    "%.40s, not an IP address and port", h->host, h->port, s->master, ip);
	} else if (r->type == REDIS_REPLY_ERROR)
		snprintf(s->why, sizeof s->why, "sentinel %s:%d: %.*s", h->host, h->port,
		    (int)(r->len > 120 ? 120 : r->len), r->str);
	else
		snprintf(s->why, sizeof s->why, "sentinel %s:%d does not know master %s",
		    h->host, h->port, s->master);
	next(s);
}

static void
on_q_connect(struct rconn *rc, const char *err)
{
	struct rsentinel *s = rconn_data(rc);

	if (s == NULL)
		return;
	if (err != NULL) {
		s->q = NULL; /* freed after this callback */
		snprintf(s->why, sizeof s->why, "sentinel %s:%d: %s",
		    s->hosts[s->at].host, s->hosts[s->at].port, err);
		next(s);
		return;
	}
	if (s->password != NULL)
		rconn_command(rc, on_q_reply, (void *)"AUTH", "AUTH %s", s->password);
	rconn_command(rc, on_q_reply, NULL, "SENTINEL get-master-addr-by-name %s",
	    s->master);
}

static void
on_q_close(struct rconn *rc, const char *why)
{
	struct rsentinel *s = rconn_data(rc);

	if (s == NULL)
		return;
	s->q = NULL;
	snprintf(s->why, sizeof s->why, "sentinel %s:%d: %s", s->hosts[s->at].host,
	    s->hosts[s->at].port, why);
	next(s);
}

static void
q_timeout(uv_timer_t *t)
{
	struct rsentinel *s = t->data;

	snprintf(s->why, sizeof s->why, "sentinel %s:%d: no answer in %d ms",
	    s->hosts[s->at].host, s->hosts[s->at].port, s->timeout_ms);
	next(s);
}

static void
connect_one(struct rsentinel *s)
{
	const struct url_host *h = &s->hosts[s->at];
	struct rconn_opts o = {
		.host = h->host, .addr = s->ip, .port = h->port,
		.tls = s->tls_on ? s->tls : NULL, .arena = s->arena,
	};
	char err[128];

	uv_timer_start(&s->qtimer, q_timeout, (uint64_t)s->timeout_ms, 0);
	s->q = rconn_connect(loop_uv(), &o, on_q_connect, on_q_close, s, err,
	    sizeof err);
	if (s->q == NULL) {
		snprintf(s->why, sizeof s->why, "sentinel %s:%d: %s", h->host,
		    h->port, err);
		next(s);
	}
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct rsentinel *s = req->data;

	s->gai_busy = 0;
	if (s->freeing) {
		uv_freeaddrinfo(res);
		maybe_free(s);
		return;
	}
	if (status != 0 || res == NULL) {
		uv_freeaddrinfo(res);
		snprintf(s->why, sizeof s->why, "cannot resolve sentinel %s: %s",
		    s->hosts[s->at].host, uv_strerror(status));
		next(s);
		return;
	}
	if (res->ai_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, s->ip, sizeof s->ip);
	else
		uv_ip4_name((struct sockaddr_in *)res->ai_addr, s->ip, sizeof s->ip);
	uv_freeaddrinfo(res);
	if (s->cb != NULL)
		connect_one(s);
}

static void
try_one(struct rsentinel *s)
{
	const char *host = s->hosts[s->at].host;
	unsigned char a[16];
	struct addrinfo hints;

	if (inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1) {
		snprintf(s->ip, sizeof s->ip, "%s", host);
		connect_one(s);
		return;
	}
	if (s->gai_busy)
		return; /* its answer goes on with this question */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	s->gai.data = s;
	s->gai_busy = 1;
	if (uv_getaddrinfo(loop_uv(), &s->gai, on_resolved, host, NULL, &hints) != 0) {
		s->gai_busy = 0;
		snprintf(s->why, sizeof s->why, "cannot resolve sentinel %s", host);
		next(s);
	}
}

void
rsentinel_ask(struct rsentinel *s, rsentinel_cb *cb, void *arg)
{
	drop_q(s);
	s->cb = cb;
	s->arg = arg;
	s->at = s->good;
	s->tried = 0;
	s->why[0] = '\0';
	try_one(s);
}

/* "+switch-master" messages: "name old-ip old-port new-ip new-port". */
static void
on_w_push(struct rconn *rc, void *r_, void *priv)
{
	struct rsentinel *s = rconn_data(rc);
	redisReply *r = r_, *m;
	char name[256], oip[64], nip[64];
	int oport, nport;

	(void)priv;
	if (s == NULL || r == NULL || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 3 || r->element[2]->type != REDIS_REPLY_STRING)
		return;
	m = r->element[2];
	if (m->len > 400 || sscanf(m->str, "%255s %63s %d %63s %d", name, oip,
	    &oport, nip, &nport) != 5)
		return;
	(void)oport;
	if (strcmp(name, s->master) == 0 && nport > 0 && nport < 65536 &&
	    s->on_switch != NULL)
		s->on_switch(s->sarg, nip, nport);
}

static void
watch_due(uv_timer_t *t)
{
	watch_start(t->data);
}

static void
watch_later(struct rsentinel *s)
{
	if (!s->freeing)
		uv_timer_start(&s->wtimer, watch_due, WATCH_RETRY_MS, 0);
}

static void
on_w_reply(struct rconn *rc, void *r_, void *priv)
{
	struct rsentinel *s = rconn_data(rc);
	redisReply *r = r_;

	(void)priv;
	if (s == NULL || r == NULL || r->type != REDIS_REPLY_ERROR)
		return;
	/* Refused (AUTH, SUBSCRIBE): try again later. */
	rconn_set_data(rc, NULL);
	rconn_free(rc);
	s->w = NULL;
	watch_later(s);
}

static void
on_w_connect(struct rconn *rc, const char *err)
{
	struct rsentinel *s = rconn_data(rc);

	if (s == NULL)
		return;
	if (err != NULL) {
		s->w = NULL;
		watch_later(s);
		return;
	}
	rconn_set_push(rc, on_w_push, NULL);
	if (s->password != NULL)
		rconn_command(rc, on_w_reply, NULL, "AUTH %s", s->password);
	rconn_command(rc, on_w_reply, NULL, "SUBSCRIBE +switch-master");
}

static void
on_w_close(struct rconn *rc, const char *why)
{
	struct rsentinel *s = rconn_data(rc);

	(void)why;
	if (s == NULL)
		return;
	s->w = NULL;
	watch_later(s);
}

static void
watch_start(struct rsentinel *s)
{
	struct rconn_opts o = {
		.host = s->hosts[s->whost].host, .addr = s->wip, .port = s->wport,
		.tls = s->tls_on ? s->tls : NULL, .arena = s->warena,
	};
	char err[128];

	if (s->w != NULL || s->wip[0] == '\0' || s->freeing)
		return;
	uv_timer_stop(&s->wtimer);
	s->w = rconn_connect(loop_uv(), &o, on_w_connect, on_w_close, s, err,
	    sizeof err);
	if (s->w == NULL)
		watch_later(s);
}

void
rsentinel_free(struct rsentinel *s)
{
	if (s == NULL)
		return;
	s->freeing = 1;
	s->cb = NULL;
	drop_q(s);
	if (s->w != NULL) {
		rconn_set_data(s->w, NULL);
		rconn_free(s->w);
		s->w = NULL;
	}
	if (s->gai_busy)
		uv_cancel((uv_req_t *)&s->gai);
	uv_timer_stop(&s->wtimer);
	uv_close((uv_handle_t *)&s->qtimer, on_timer_closed);
	uv_close((uv_handle_t *)&s->wtimer, on_timer_closed);
}
