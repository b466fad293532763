/* execmon - Redis Cluster: key slots, the slot map, and which node owns a key. */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "loop.h"
#include "rcluster.h"
#include "rconn.h"
#include "slotmap.h"
#include "reply-arena.h"
#include "xmalloc.h"

/*
 * The map. Every slot names the node (an index into nodes) that serves it,
 * as the last CLUSTER SLOTS said, corrected by the MOVED redirections seen
 * since. A connection that fails marks the map stale: the next question
 * reads it again, from the nodes it names (masters first, then replicas,
 * which become masters on failover) and last from the seed the URL gave.
 * So a killed master is replaced by its promoted replica as soon as any node
 * says so.
 */

struct question {
	unsigned slot;
	rcluster_cb *cb;
	void *arg;
};

struct rcluster {
	int refs;
	struct url seed;       /* host, port, password, user, tls */
	struct rconn_tls *tls;
	int timeout_ms;
	struct reply_arena *arena;
	struct slotmap map;
	int loaded, stale;

	struct question *qs;   /* waiting for the map */
	int nqs, qcap;
	struct slotnode *cand;    /* nodes to ask, in order; the seed last */
	int ncand, at;
	struct rconn *rc;
	uv_timer_t timer;
	uv_getaddrinfo_t gai;
	int gai_busy, refreshing;
	char why[256];
	int freeing, timer_open;
};

static void try_node(struct rcluster *);

struct rcluster *
rcluster_create(const struct url *u, struct rconn_tls *tls, int timeout_ms)
{
	struct rcluster *c = xcalloc(1, sizeof *c);

	c->refs = 1;
	c->seed.host = xstrdup(u->host);
	c->seed.port = u->port;
	c->seed.password = u->password ? xstrdup(u->password) : NULL;
	c->seed.user = u->user ? xstrdup(u->user) : NULL;
	c->seed.tls = u->tls;
	c->tls = tls;
	c->timeout_ms = timeout_ms;
	c->arena = reply_arena_create();
	slotmap_init(&c->map);
	uv_timer_init(loop_uv(), &c->timer);
	c->timer.data = c;
	c->timer_open = 1;
	return c;
}

struct rcluster *
rcluster_ref(struct rcluster *c)
{
	c->refs++;
	return c;
}

static void
maybe_free(struct rcluster *c)
{
	if (!c->freeing || c->timer_open || c->gai_busy)
		return;
	url_done(&c->seed);
	reply_arena_free(c->arena);
	slotmap_done(&c->map);
	free(c->qs);
	free(c->cand);
	free(c);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct rcluster *c = h->data;

	c->timer_open = 0;
	maybe_free(c);
}

static void
drop_rc(struct rcluster *c)
{
	if (c->rc != NULL) {
		rconn_set_data(c->rc, NULL);
		rconn_free(c->rc);
		c->rc = NULL;
	}
	uv_timer_stop(&c->timer);
}

void
rcluster_unref(struct rcluster *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	c->freeing = 1;
	c->nqs = 0;
	drop_rc(c);
	if (c->gai_busy)
		uv_cancel((uv_req_t *)&c->gai);
	uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

int
rcluster_load(struct rcluster *c, const redisReply *r, const char *from_ip)
{
	if (slotmap_load(&c->map, r, from_ip) != 0)
		return -1;
	c->loaded = 1;
	c->stale = 0;
	return 0;
}

const char *
rcluster_owner(const struct rcluster *c, unsigned slot, int *port)
{
	return slotmap_owner(&c->map, slot, port);
}

void
rcluster_moved(struct rcluster *c, unsigned slot, const char *ip, int port)
{
	slotmap_moved(&c->map, slot, ip, port);
}

void
rcluster_stale(struct rcluster *c)
{
	c->stale = 1;
}

int
rcluster_masters(const struct rcluster *c)
{
	return slotmap_masters(&c->map);
}

/* Answer every question from the map (err: with that error). */
static void
answer_all(struct rcluster *c, const char *err)
{
	while (c->nqs > 0 && !c->freeing) {
		struct question q = c->qs[0];
		const char *ip = NULL;
		char why[64];
		int port = 0;

		memmove(c->qs, c->qs + 1, (size_t)--c->nqs * sizeof *c->qs);
		if (q.slot >= RCLUSTER_SLOTS) /* rcluster_reload: the map itself */
			q.cb(q.arg, NULL, 0, err);
		else if (err == NULL && (ip = rcluster_owner(c, q.slot, &port)) == NULL) {
			snprintf(why, sizeof why, "no cluster node serves slot %u", q.slot);
			q.cb(q.arg, NULL, 0, why);
		} else
			q.cb(q.arg, ip, port, err);
	}
}

static void
next_node(struct rcluster *c)
{
	drop_rc(c);
	if (++c->at >= c->ncand) {
		char err[300];

		c->refreshing = 0;
		snprintf(err, sizeof err, "no cluster node gave the slot map (last: %s)",
		    c->why);
		answer_all(c, err);
		return;
	}
	try_node(c);
}

static void
on_reply(struct rconn *rc, void *r_, void *priv)
{
	struct rcluster *c = rconn_data(rc);
	redisReply *r = r_;
	const struct slotnode *n;

	if (c == NULL || r == NULL)
		return;
	n = &c->cand[c->at];
	if (priv != NULL) { /* AUTH */
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(c->why, sizeof c->why, "%s:%d: AUTH: %.*s", n->ip, n->port,
			    (int)(r->len > 120 ? 120 : r->len), r->str);
			next_node(c);
		}
		return;
	}
	if (rcluster_load(c, r, n->ip) != 0) {
		snprintf(c->why, sizeof c->why, "%s:%d: no slot map", n->ip, n->port);
		next_node(c);
		return;
	}
	drop_rc(c);
	c->refreshing = 0;
	answer_all(c, NULL);
}

static void
on_connect(struct rconn *rc, const char *err)
{
	struct rcluster *c = rconn_data(rc);

	if (c == NULL)
		return;
	if (err != NULL) {
		c->rc = NULL;
		snprintf(c->why, sizeof c->why, "%s:%d: %s", c->cand[c->at].ip,
		    c->cand[c->at].port, err);
		next_node(c);
		return;
	}
	if (c->seed.password != NULL) {
		if (c->seed.user != NULL)
			rconn_command(rc, on_reply, (void *)"AUTH", "AUTH %s %s",
			    c->seed.user, c->seed.password);
		else
			rconn_command(rc, on_reply, (void *)"AUTH", "AUTH %s",
			    c->seed.password);
	}
	rconn_command(rc, on_reply, NULL, "CLUSTER SLOTS");
}

static void
on_close(struct rconn *rc, const char *why)
{
	struct rcluster *c = rconn_data(rc);

	if (c == NULL)
		return;
	c->rc = NULL;
	snprintf(c->why, sizeof c->why, "%s:%d: %s", c->cand[c->at].ip,
	    c->cand[c->at].port, why);
	next_node(c);
}

static void
on_timeout(uv_timer_t *t)
{
	struct rcluster *c = t->data;

	snprintf(c->why, sizeof c->why, "%s:%d: no answer in %d ms",
	    c->cand[c->at].ip, c->cand[c->at].port, c->timeout_ms);
	next_node(c);
}

static void
try_node(struct rcluster *c)
{
	const struct slotnode *n = &c->cand[c->at];
	struct rconn_opts o = {
		.host = n->ip, .addr = n->ip, .port = n->port,
		.tls = c->seed.tls ? c->tls : NULL, .arena = c->arena,
	};
	char err[128];

	if (n->ip[0] == '\0') { /* the seed, not resolved */
		snprintf(c->why, sizeof c->why, "cannot resolve %s", c->seed.host);
		next_node(c);
		return;
	}
	if (c->at == c->ncand - 1)
		o.host = c->seed.host; /* the seed: its name for TLS */
	uv_timer_start(&c->timer, on_timeout, (uint64_t)c->timeout_ms, 0);
	c->rc = rconn_connect(loop_uv(), &o, on_connect, on_close, c, err, sizeof err);
	if (c->rc == NULL) {
		snprintf(c->why, sizeof c->why, "%s:%d: %s", n->ip, n->port, err);
		next_node(c);
	}
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct rcluster *c = req->data;
	struct slotnode *seed = &c->cand[c->ncand - 1];

	c->gai_busy = 0;
	if (c->freeing) {
		uv_freeaddrinfo(res);
		maybe_free(c);
		return;
	}
	if (status == 0 && res != NULL) {
		if (res->ai_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, seed->ip,
			    sizeof seed->ip);
		else
			uv_ip4_name((struct sockaddr_in *)res->ai_addr, seed->ip,
			    sizeof seed->ip);
	}
	uv_freeaddrinfo(res);
	try_node(c);
}

/* Read the map again: the nodes it names (masters first), then the seed. */
static void
refresh(struct rcluster *c)
{
	unsigned char a[16];
	struct slotnode *seed;
	struct addrinfo hints;

	c->refreshing = 1;
	c->ncand = 0;
	c->at = 0;
	c->why[0] = '\0';
	c->cand = xreallocarray(c->cand, (size_t)c->map.nnodes + 1, sizeof *c->cand);
	for (int pass = 1; pass >= 0; pass--) {
		for (int i = 0; i < c->map.nnodes; i++) {
			if (c->map.nodes[i].master == pass)
				c->cand[c->ncand++] = c->map.nodes[i];
		}
	}
	seed = &c->cand[c->ncand++];
	memset(seed, 0, sizeof *seed);
	seed->port = c->seed.port;
	if (inet_pton(AF_INET, c->seed.host, a) == 1 ||
	    inet_pton(AF_INET6, c->seed.host, a) == 1)
		snprintf(seed->ip, sizeof seed->ip, "%s", c->seed.host);
	else if (c->ncand == 1 && !c->gai_busy) {
		/* Only the seed to ask, by name: resolve it off the loop thread. */
		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		c->gai.data = c;
		c->gai_busy = 1;
		if (uv_getaddrinfo(loop_uv(), &c->gai, on_resolved, c->seed.host, NULL,
		    &hints) == 0)
			return;
		c->gai_busy = 0;
	}
	try_node(c);
}

/* Queue a question for the next reading of the map; start one if none runs. */
static void
enqueue(struct rcluster *c, unsigned slot, rcluster_cb *cb, void *arg)
{
	rcluster_cancel(c, arg);
	if (c->nqs == c->qcap) {
		c->qcap = c->qcap ? c->qcap * 2 : 8;
		c->qs = xreallocarray(c->qs, (size_t)c->qcap, sizeof *c->qs);
	}
	c->qs[c->nqs++] = (struct question){ slot, cb, arg };
	if (!c->refreshing)
		refresh(c);
}

void
rcluster_ask(struct rcluster *c, unsigned slot, rcluster_cb *cb, void *arg)
{
	const char *ip;
	int port;

	if (slot >= RCLUSTER_SLOTS) {
		cb(arg, NULL, 0, "no such slot");
		return;
	}
	if (c->loaded && !c->stale && (ip = rcluster_owner(c, slot, &port)) != NULL) {
		cb(arg, ip, port, NULL);
		return;
	}
	enqueue(c, slot, cb, arg);
}

void
rcluster_reload(struct rcluster *c, rcluster_cb *cb, void *arg)
{
	c->stale = 1;
	enqueue(c, RCLUSTER_SLOTS, cb, arg);
}

int
rcluster_serving(const struct rcluster *c, struct slotnode **nodes,
    uint16_t *slot_node)
{
	return slotmap_serving(&c->map, nodes, slot_node);
}

struct rconn *
rcluster_connect(struct rcluster *c, const char *ip, int port,
    struct reply_arena *arena, rconn_connect_cb *connected,
    rconn_close_cb *closed, void *data, char *err, size_t errlen)
{
	struct rconn_opts o = {
		.host = ip, .addr = ip, .port = port,
		.tls = c->seed.tls ? c->tls : NULL, .arena = arena,
	};

	return rconn_connect(loop_uv(), &o, connected, closed, data, err, errlen);
}

int
rcluster_auth(struct rcluster *c, struct rconn *rc, rconn_reply_cb *cb, void *priv)
{
	if (c->seed.password == NULL)
		return 0;
	if (c->seed.user != NULL)
		rconn_command(rc, cb, priv, "AUTH %s %s", c->seed.user, c->seed.password);
	else
		rconn_command(rc, cb, priv, "AUTH %s", c->seed.password);
	return 1;
}

int
rcluster_timeout_ms(const struct rcluster *c)
{
	return c->timeout_ms;
}

void
rcluster_cancel(struct rcluster *c, void *arg)
{
	for (int i = 0; i < c->nqs; i++) {
		if (c->qs[i].arg == arg) {
			memmove(c->qs + i, c->qs + i + 1,
			    (size_t)(c->nqs - i - 1) * sizeof *c->qs);
			c->nqs--;
			i--;
		}
	}
}
