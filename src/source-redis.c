/* execmon - follow Redis streams: the connection (connect, setup, retry, watchdog); the rules are in source-redis-int.h. */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "rconn.h"
#include "redis-err.h"
#include "reply-arena.h"
#include "source-redis-int.h"
#include "xmalloc.h"

static void send_idle(struct redis_conn *);
static void conn_free(struct redis_conn *);
static void conn_fail_fatal(struct redis_conn *, int fatal, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conn_fail_v(struct redis_conn *, int fatal, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

void
source_redis_opts_default(struct source_redis_opts *o)
{
	memset(o, 0, sizeof *o);
	o->to_ms = -1;
	o->follow = 1;
	o->block_ms = 5000;
	o->chunk = 1000;
	o->connect_timeout_ms = 5000;
	o->watchdog_ms = 2000;
	o->backoff_min_ms = 500;
	o->backoff_max_ms = 10000;
}

/* The registry index that connection-wide notices name (-1: no stream yet). */
int
rsrc_first_source(const struct redis_conn *c)
{
	return c->nstreams > 0 ? c->streams[0]->source : -1;
}

static void
set_state(struct redis_conn *c, enum source_state st)
{
	int64_t now = loop_now_ms();

	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];

		if (!rread_active(s))
			continue;
		if (st == SRC_LIVE && !s->backfilled)
			continue;
		if (st == SRC_BACKFILLING && s->backfilled)
			continue;
		source_set_state(s->source, st, now);
	}
}

static void
timer_arm(struct redis_conn *c, int64_t ms, uv_timer_cb cb)
{
	/*
	 * From the real now: a callback that blocked (on a stalled output)
	 * leaves the loop's time behind, and a rsrc_watchdog armed from it would
	 * blame the server for our own stall.
	 */
	uv_update_time(c->timer.loop);
	uv_timer_stop(&c->timer);
	uv_timer_start(&c->timer, cb, (uint64_t)(ms < 0 ? 0 : ms), 0);
}

void
rsrc_timer_disarm(struct redis_conn *c)
{
	uv_timer_stop(&c->timer);
}

static void
retry_due(uv_timer_t *t)
{
	struct redis_conn *c = t->data;

	rsrc_connect(c);
}

void
rsrc_retry_in(struct redis_conn *c, int64_t ms)
{
	timer_arm(c, ms, retry_due);
}

void
rsrc_drop(struct redis_conn *c)
{
	struct rconn *ac = c->ac;

	if (ac == NULL)
		return;
	c->ac = NULL;
	rconn_set_data(ac, NULL);
	rconn_free(ac);
}

/* Give up on this connection and schedule the next attempt. */
static void
conn_fail_v(struct redis_conn *c, int fatal, const char *fmt, va_list ap)
{
	char why[256];

	vsnprintf(why, sizeof why, fmt, ap);
	rsrc_drop(c);
	if (c->stopping || c->phase == P_DONE)
		return;
	rroute_failed(c); /* a failover, perhaps: a cluster's map is read again */
	c->phase = P_RETRY;
	c->verifying = 0;
	c->server_id[0] = '\0';
	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];
		struct source_info *si = sources_get(s->source);

		si->fatal = fatal;
		if (s->dup)
			continue;
		s->broken = 0; /* looked at afresh on the next connection */
		source_set_error(s->source, "%s", why);
		si->retry_at_ms = loop_now_ms() + c->backoff_ms;
		si->reconnects++;
		source_set_state(s->source, SRC_RETRYING, loop_now_ms());
	}
	if (c->hooks.down != NULL)
		c->hooks.down(c->hooks.arg, why, loop_now_ms() + c->backoff_ms);
	if (fatal)
		sink_notice(&c->sink, rsrc_first_source(c), "redis %s: %s", c->display, why);
	else
		sink_notice(&c->sink, rsrc_first_source(c), "redis %s: %s (retrying in %.1f s)",
		    c->display, why, (double)c->backoff_ms / 1000.0);
	timer_arm(c, c->backoff_ms, retry_due);
	c->backoff_ms *= 2;
	if (c->backoff_ms > c->opts.backoff_max_ms)
		c->backoff_ms = c->opts.backoff_max_ms;
}

void
rsrc_fail(struct redis_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_fail_v(c, 0, fmt, ap);
	va_end(ap);
}

static void
conn_fail_fatal(struct redis_conn *c, int fatal, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_fail_v(c, fatal, fmt, ap);
	va_end(ap);
}

/* Fail the connection on a refusal, in Redis's words (what: the command). */
void
rsrc_refused(struct redis_conn *c, const char *what, const redisReply *r,
    int fatal)
{
	char words[256];

	if (rroute_redirect(c, r))
		return; /* MOVED or ASK on a cluster: read from the node named */
	redis_err_words(r->str, r->len, c->url.password != NULL, words, sizeof words);
	/* The server's own refusals speak for themselves; a command's carry its name. */
	if (fatal)
		conn_fail_fatal(c, 1, "%s: %s", what, words);
	else
		conn_fail_fatal(c, redis_err_kind(r->str, r->len) == RERR_AUTH, "%s", words);
}

static void
watchdog_fired(uv_timer_t *t)
{
	struct redis_conn *c = t->data;

	if (c->phase == P_CONNECTING)
		rsrc_fail(c, "connect timed out");
	else
		rsrc_fail(c, "server stopped answering (no reply in %d ms)",
		    c->phase == P_LIVE && c->nstreams > 0 ?
		    c->opts.block_ms + c->opts.watchdog_ms : c->opts.watchdog_ms);
}

void
rsrc_watchdog(struct redis_conn *c, int64_t ms)
{
	timer_arm(c, ms, watchdog_fired);
}

/* A reply that is an error (or missing) fails the connection. */
static int
reply_bad(struct redis_conn *c, redisReply *r, const char *what)
{
	if (r == NULL)
		return 1; /* context going away; the disconnect path handles it */
	if (r->type == REDIS_REPLY_ERROR) {
		rsrc_refused(c, what, r, 0);
		return 1;
	}
	return 0;
}

/* The XINFO at connect, for every stream. */
static void
on_xinfo(struct rconn *ac, void *r_, void *priv)
{
	struct rstream *s = priv;
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		if (rread_info_refused(c, s, r))
			return;
	} else
		rread_info(c, s, r);
	s->restarted = 0;
	if (--c->setup_pending == 0) {
		rsrc_timer_disarm(c);
		rsrc_next(c);
	}
}

static void
send_infos(struct redis_conn *c)
{
	sink_notice(&c->sink, rsrc_first_source(c), "redis %s: %s", c->display,
	    c->connected_once ? "reconnected" : "connected");
	c->connected_once = 1;
	for (int i = 0; i < c->nstreams; i++)
		sources_get(c->streams[i]->source)->fatal = 0;
	for (int i = 0; i < c->nstreams; i++)
		rread_find_duplicates(c, c->streams[i]);
	/* A duplicate may have been the last source to catch up: all stop. */
	if (c->stopping || c->ac == NULL)
		return;
	if (c->hooks.connected != NULL)
		c->hooks.connected(c->hooks.arg, c->ac);
	if (c->ac == NULL)
		return;
	for (int i = 0; i < c->nstreams; i++) {
		if (!rread_active(c->streams[i]))
			continue;
		c->setup_pending++;
		rconn_command(c->ac, on_xinfo, c->streams[i], "XINFO STREAM %s",
		    c->streams[i]->key);
	}
	if (c->setup_pending == 0) {
		rsrc_next(c);
		return;
	}
	rsrc_watchdog(c, c->opts.watchdog_ms);
}

void
rsrc_setup_done(struct redis_conn *c)
{
	if (--c->setup_pending == 0)
		send_infos(c);
}

static void
on_setup(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		/* A refused AUTH or SELECT does not mend by retrying. */
		rsrc_refused(c, (const char *)priv, r, 1);
		return;
	}
	rsrc_setup_done(c);
}

/* INFO server: the server's run_id names it, whatever address reached it. */
static void
on_info(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;
	const char *p;

	(void)priv;
	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		enum redis_err k = redis_err_kind(r->str, r->len);

		if (k == RERR_AUTH || k == RERR_SERVER) {
			rsrc_refused(c, "INFO", r, 0);
			return;
		}
	} else if (r->type == REDIS_REPLY_STRING &&
	    (p = strstr(r->str, "run_id:")) != NULL) {
		size_t n = strcspn(p + 7, "\r\n");

		if (n > 0 && n < sizeof c->server_id)
			snprintf(c->server_id, sizeof c->server_id, "%.*s", (int)n, p + 7);
	}
	if (c->server_id[0] == '\0') /* INFO refused: the address is the best name */
		snprintf(c->server_id, sizeof c->server_id, "%s", c->node);
	if (ROUTED(c) && c->read_from[0] != '\0' &&
	    strcmp(c->read_from, c->server_id) != 0) {
		/* A failover or a moved slot: the same streams, on another server. */
		for (int i = 0; i < c->nstreams; i++)
			spos_rebase(&c->streams[i]->pos);
	}
	snprintf(c->read_from, sizeof c->read_from, "%s", c->server_id);
	rsrc_setup_done(c);
}

static void
on_dbsize(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	(void)priv;
	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		enum redis_err k = redis_err_kind(r->str, r->len);

		if (k == RERR_AUTH || k == RERR_SERVER) {
			rsrc_refused(c, "DBSIZE", r, 0);
			return;
		}
	} else if (r->type == REDIS_REPLY_INTEGER)
		c->dbsize = r->integer;
	rsrc_setup_done(c);
}

/* Let the owner pipeline its commands ahead of the next read. */
void
rsrc_pre_read(struct redis_conn *c)
{
	if (c->hooks.before_read != NULL)
		c->hooks.before_read(c->hooks.arg, c->ac);
}

static void
idle_over(uv_timer_t *t)
{
	struct redis_conn *c = t->data;

	c->phase = P_LIVE;
	rsrc_next(c);
}

static void
on_idle_ping(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = priv;

	(void)ac;
	if (c->ac == NULL || reply_bad(c, r_, "PING"))
		return;
	c->backoff_ms = c->opts.backoff_min_ms;
	c->phase = P_IDLE_WAIT;
	timer_arm(c, c->opts.block_ms, idle_over);
}

/*
 * No stream to follow yet (an owner that finds its streams later): give the
 * owner its turn, make sure the server still answers, wait block_ms, repeat.
 */
static void
send_idle(struct redis_conn *c)
{
	rsrc_pre_read(c);
	rconn_command(c->ac, on_idle_ping, c, "PING");
	rsrc_watchdog(c, c->opts.watchdog_ms);
}

/* Decide what the connection does next: backfill a stream, or read live. */
void
rsrc_next(struct redis_conn *c)
{
	if (c->ac == NULL)
		return;
	if (c->hooks.hold != NULL && c->hooks.hold(c->hooks.arg)) {
		c->phase = P_HOLD;
		rsrc_watchdog(c, c->opts.watchdog_ms);
		return;
	}
	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];

		/* A refused stream is tried again once its time comes. */
		if (s->broken && !s->dup && loop_now_ms() >= s->recheck_ms) {
			s->broken = 0;
			s->verify = 1;
		}
	}
	for (int i = 0; i < c->nstreams; i++) {
		struct rstream *s = c->streams[i];

		if (!rread_active(s) || (s->backfilled && !s->verify))
			continue;
		if (c->phase != P_BACKFILL || c->bf != i) {
			c->phase = P_BACKFILL;
			c->bf = i;
			if (!s->backfilled)
				source_set_state(s->source, SRC_BACKFILLING, loop_now_ms());
		}
		rread_send_xrange(c, s);
		return;
	}
	if (!c->opts.follow) {
		c->phase = P_DONE;
		rsrc_timer_disarm(c);
		rsrc_drop(c);
		return;
	}
	if (c->phase != P_LIVE) {
		c->phase = P_LIVE;
		set_state(c, SRC_LIVE);
	}
	for (int i = 0; i < c->nstreams; i++) {
		if (rread_active(c->streams[i])) {
			rread_send_xread(c);
			return;
		}
	}
	send_idle(c);
}

static void
on_connect(struct rconn *ac, const char *err)
{
	struct redis_conn *c = rconn_data(ac);

	if (c == NULL)
		return;
	if (err != NULL) {
		/* The connection is freed after this callback. */
		c->ac = NULL;
		rsrc_fail(c, "%s", err);
		return;
	}
	rsrc_timer_disarm(c);
	c->phase = P_SETUP;
	c->pf = c->pf_drop = 0; /* what was read ahead went with the old connection */
	c->setup_pending = 0;
	c->server_id[0] = '\0';
	c->dbsize = -1;
	if (c->url.password != NULL) {
		c->setup_pending++;
		if (c->url.user != NULL)
			rconn_command(c->ac, on_setup, (void *)"AUTH", "AUTH %s %s",
			    c->url.user, c->url.password);
		else
			rconn_command(c->ac, on_setup, (void *)"AUTH", "AUTH %s",
			    c->url.password);
	}
	if (c->url.db != 0) {
		c->setup_pending++;
		rconn_command(c->ac, on_setup, (void *)"SELECT", "SELECT %d",
		    c->url.db);
	}
	c->setup_pending += 2;
	rconn_command(c->ac, on_info, NULL, "INFO server");
	rconn_command(c->ac, on_dbsize, NULL, "DBSIZE");
	rroute_setup(c);
	rsrc_watchdog(c, c->opts.watchdog_ms);
}

static void
on_disconnect(struct rconn *ac, const char *why)
{
	struct redis_conn *c = rconn_data(ac);

	if (c == NULL)
		return;
	c->ac = NULL;
	rsrc_timer_disarm(c);
	rsrc_fail(c, "%s", why);
}

void
rsrc_connect_addr(struct redis_conn *c, const char *ip)
{
	/*
	 * Its replies go to this file's callbacks and to those of the owner's
	 * commands (source-bullmq.c): none keeps a reply past its callback.
	 */
	struct rconn_opts ro = {
		.host = ROUTED(c) ? ip : c->url.host, .addr = ip,
		.port = ROUTED(c) ? c->mport : c->url.port,
		.path = c->url.scheme == URL_UNIX ? c->url.path : NULL,
		.tls = c->url.tls ? c->opts.tls : NULL, .arena = c->arena,
	};
	char err[128];

	c->phase = P_CONNECTING;
	if (ro.path != NULL)
		snprintf(c->node, sizeof c->node, "%s", ro.path);
	else
		snprintf(c->node, sizeof c->node, strchr(ip, ':') ? "[%s]:%d" :
		    "%s:%d", ip, ro.port);
	if (ip != c->addr)
		snprintf(c->addr, sizeof c->addr, "%s", ip);
	c->mport = ro.port;
	c->ac = rconn_connect(loop_uv(), &ro, on_connect, on_disconnect, c, err,
	    sizeof err);
	if (c->ac == NULL) {
		rsrc_fail(c, "%s", err);
		return;
	}
	if (c->ask_port > 0) {
		rconn_set_asking(c->ac, 1); /* the slot is moving to this node */
		c->ask_port = 0;
	}
	rsrc_watchdog(c, c->opts.connect_timeout_ms);
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct redis_conn *c = req->data;

	c->gai_busy = 0;
	if (c->stopping) {
		uv_freeaddrinfo(res);
		if (c->closed)
			conn_free(c);
		return;
	}
	if (status != 0 || res == NULL) {
		uv_freeaddrinfo(res);
		rsrc_fail(c, "cannot resolve %s: %s", c->url.host, uv_strerror(status));
		return;
	}
	if (res->ai_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, c->addr, sizeof c->addr);
	else
		uv_ip4_name((struct sockaddr_in *)res->ai_addr, c->addr, sizeof c->addr);
	uv_freeaddrinfo(res);
	rsrc_connect_addr(c, c->addr);
}

void
rsrc_connect(struct redis_conn *c)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct addrinfo hints;

	if (c->stopping)
		return;
	for (int i = 0; i < c->nstreams; i++) {
		if (!c->streams[i]->dup)
			source_set_state(c->streams[i]->source, SRC_CONNECTING, loop_now_ms());
	}
	if (rroute_connect(c))
		return;
	if (c->url.scheme == URL_UNIX ||
	    inet_pton(AF_INET, c->url.host, &a4) == 1 ||
	    inet_pton(AF_INET6, c->url.host, &a6) == 1) {
		rsrc_connect_addr(c, c->url.host);
		return;
	}
	/* Resolve off the loop thread: getaddrinfo blocks. */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	c->phase = P_RESOLVING;
	c->gai.data = c;
	c->gai_busy = 1;
	if (uv_getaddrinfo(loop_uv(), &c->gai, on_resolved, c->url.host, NULL,
	    &hints) != 0) {
		c->gai_busy = 0;
		rsrc_fail(c, "cannot resolve %s", c->url.host);
	}
}

/* Register one more stream; its registry index. */
static int
stream_add(struct redis_conn *c, const char *key)
{
	struct rstream *s;
	char name[512];

	if (c->nstreams == c->streams_cap) {
		c->streams_cap = c->streams_cap == 0 ? 4 : c->streams_cap * 2;
		c->streams = xreallocarray(c->streams, (size_t)c->streams_cap,
		    sizeof *c->streams);
	}
	s = xcalloc(1, sizeof *s);
	s->key = xstrdup(key);
	s->conn = c;
	spos_init(&s->pos, (struct sid){ (uint64_t)(c->opts.from_ms > 0 ? c->opts.from_ms : 0), 0 });
	snprintf(name, sizeof name, "%s/%s", c->display, key);
	s->source = sources_add(c->hooks.kind != NULL ? c->hooks.kind : "redis",
	    name);
	/* entries decoded by a hook (Celery, BullMQ) cannot be read back alone */
	sources_get(s->source)->rereadable = c->hooks.entry == NULL;
	c->streams[c->nstreams++] = s;
	rroute_stream_added(c);
	return s->source;
}

/* A connection with no stream yet, not started; url, opts and sink are copied. */
struct redis_conn *
rsrc_new(const struct url *url, const struct source_redis_opts *opts,
    const struct source_redis_hooks *hooks, const struct sink *sink)
{
	struct redis_conn *c = xcalloc(1, sizeof *c);

	c->url = *url;
	c->url.host = url->host ? xstrdup(url->host) : NULL;
	c->url.path = url->path ? xstrdup(url->path) : NULL;
	c->url.password = url->password ? xstrdup(url->password) : NULL;
	c->url.user = url->user ? xstrdup(url->user) : NULL;
	c->url.master = url->master ? xstrdup(url->master) : NULL;
	c->url.sentinels = NULL; /* the sentinel module keeps its own copy */
	c->url.nsentinels = 0;
	url_display(url, c->display, sizeof c->display);
	c->opts = *opts;
	c->opts.hooks = NULL;
	if (hooks != NULL)
		c->hooks = *hooks;
	c->sink = *sink;
	c->arena = reply_arena_create();
	c->backoff_ms = opts->backoff_min_ms;
	c->dbsize = -1;
	c->slot = -1;
	rread_register(c);
	c->opts.maps = NULL;
	uv_timer_init(loop_uv(), &c->timer);
	c->timer.data = c;
	return c;
}

struct redis_conn *
source_redis_start(const struct url *url, char *const *streams, int nstreams,
    const struct source_redis_opts *opts, const struct sink *sink)
{
	struct redis_conn *c = rsrc_new(url, opts, opts->hooks, sink);

	for (int i = 0; i < nstreams; i++) {
		stream_add(c, streams[i]);
		c->streams[i]->map = opts->maps != NULL ? opts->maps[i] : NULL;
	}
	rroute_start(c, url);
	rsrc_connect(c);
	return c;
}

static void
conn_free(struct redis_conn *c)
{
	for (int i = 0; i < c->nstreams; i++) {
		rread_forget(c->streams[i]);
		free(c->streams[i]->key);
		free(c->streams[i]);
	}
	free(c->streams);
	free(c->kids);
	rread_unregister(c);
	url_done(&c->url);
	reply_arena_free(c->arena);
	free(c);
}

static void
timer_closed(uv_handle_t *h)
{
	struct redis_conn *c = h->data;

	c->closed = 1;
	if (!c->gai_busy)
		conn_free(c);
}

void
source_redis_stop(struct redis_conn *c)
{
	if (c == NULL)
		return;
	c->stopping = 1;
	rfetch_stop_all(); /* read-backs end with their sources */
	rsrc_drop(c);
	rroute_stop(c);
	if (c->gai_busy)
		uv_cancel((uv_req_t *)&c->gai);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, timer_closed);
}

int
source_redis_add_stream(struct redis_conn *c, const char *key)
{
	return source_redis_add_stream_map(c, key, NULL);
}

int
source_redis_add_stream_map(struct redis_conn *c, const char *key,
    const struct evmap *map)
{
	int idx = rroute_add(c, key, map);

	if (idx >= 0)
		return idx; /* on a cluster: on a connection of its own */
	idx = stream_add(c, key);

	c->streams[c->nstreams - 1]->map = map;

	rread_find_duplicates(c, c->streams[c->nstreams - 1]);
	if (c->streams[c->nstreams - 1]->dup)
		return idx;

	/* A connection that is up picks it up at its next read. */
	source_set_state(idx, c->phase == P_RETRY ? SRC_RETRYING :
	    c->phase > P_CONNECTING && c->phase < P_RETRY ? SRC_BACKFILLING :
	    SRC_CONNECTING, loop_now_ms());
	if (c->ac != NULL && c->phase == P_IDLE_WAIT) {
		rsrc_timer_disarm(c);
		c->phase = P_LIVE;
		rsrc_next(c);
	}
	return idx;
}

void
source_redis_drop_stream(struct redis_conn *c, const char *key)
{
	int i;

	if (rroute_drop(c, key))
		return;
	for (i = 0; i < c->nstreams; i++)
		if (strcmp(c->streams[i]->key, key) == 0)
			break;
	if (i == c->nstreams)
		return;
	source_set_state(c->streams[i]->source, SRC_GONE, loop_now_ms());
	rread_forget(c->streams[i]);
	free(c->streams[i]->key);
	free(c->streams[i]);
	memmove(c->streams + i, c->streams + i + 1,
	    (size_t)(c->nstreams - i - 1) * sizeof *c->streams);
	c->nstreams--;
	if (c->bf > i)
		c->bf--;
	else if (c->bf == i)
		c->bf = -1;
}

void
source_redis_resume(struct redis_conn *c)
{
	if (c->ac != NULL && c->phase == P_HOLD)
		rsrc_next(c);
}

const char *
source_redis_display(const struct redis_conn *c)
{
	return c->display;
}

const char *
source_redis_server(const struct redis_conn *c, const char **host, int *port)
{
	*host = ROUTED(c) ? c->addr : c->url.host;
	*port = c->mport;
	if (c->url.scheme == URL_UNIX || c->addr[0] == '\0')
		return NULL;
	return c->addr;
}
