/* execmon - Redis Cluster: one SCAN pass over every master of the slot map. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "loop.h"
#include "rcluster-scan.h"
#include "reply-arena.h"
#include "slotmap.h"
#include "xmalloc.h"

/*
 * A pass. The map is read again first (rcluster_reload), so a master added
 * or promoted since the last pass is asked in this one; the masters are
 * those that serve a slot by that map. Each is read on a connection of its
 * own: AUTH when the URL has a password, then SCAN for each glob in turn,
 * each from cursor 0 to the cursor 0 that ends it. Only a master read to the
 * end covers its slots: the owner drops nothing a pass did not cover. A
 * master that fails over or loses slots while it is read is seen by the next
 * pass's map.
 */

#define SCAN_COUNT "1000"
#define TICK_MS 200

enum node_state { N_WAIT, N_DONE, N_FAILED };

struct scan_node {
	struct rcluster_scan *s;
	char ip[46];
	int port;
	struct rconn *rc;
	struct reply_arena *arena; /* this connection's replies */
	int glob;              /* the glob being read */
	enum node_state state;
	int64_t since_ms;      /* monotonic, the connect or command waited on began */
};

enum scan_phase { S_START, S_MAP, S_NODES, S_OVER };

struct rcluster_scan {
	struct rcluster *cluster; /* a reference */
	char **globs;
	int nglobs;
	char *type;            /* NULL = any type */
	struct rcluster_scan_cbs cbs;
	void *arg;
	enum scan_phase phase;
	struct scan_node *nodes;
	int nnodes;
	int pending;           /* nodes neither done nor failed */
	int failed;
	char why[256];
	uint16_t slot_node[RCLUSTER_SLOTS]; /* index into nodes, 0xffff = none */
	unsigned char covered[RCLUSTER_SLOTS];
	uv_timer_t timer;      /* the start, then the timeouts */
};

static void
scan_free(uv_handle_t *h)
{
	struct rcluster_scan *s = h->data;

	for (int i = 0; i < s->nnodes; i++)
		reply_arena_free(s->nodes[i].arena);
	for (int i = 0; i < s->nglobs; i++)
		free(s->globs[i]);
	free(s->globs);
	free(s->type);
	free(s->nodes);
	free(s);
}

static void
node_close(struct scan_node *n)
{
	if (n->rc != NULL) {
		rconn_set_data(n->rc, NULL);
		rconn_free(n->rc);
		n->rc = NULL;
	}
}

/* Let go of everything; the memory goes once the timer is closed. */
static void
scan_end(struct rcluster_scan *s)
{
	s->phase = S_OVER;
	for (int i = 0; i < s->nnodes; i++)
		node_close(&s->nodes[i]);
	rcluster_cancel(s->cluster, s);
	rcluster_unref(s->cluster);
	s->cluster = NULL;
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, scan_free);
}

/* Every master is done or failed: tell the owner. */
static void
scan_finish(struct rcluster_scan *s)
{
	struct rcluster_scan_result res;

	for (unsigned i = 0; i < RCLUSTER_SLOTS; i++)
		s->covered[i] = s->slot_node[i] < s->nnodes &&
		    s->nodes[s->slot_node[i]].state == N_DONE;
	res.masters = s->nnodes;
	res.failed = s->failed;
	res.covered = s->covered;
	snprintf(res.why, sizeof res.why, "%s", s->why);
	s->phase = S_OVER;
	s->cbs.done(s->arg, &res);
	scan_end(s);
}

static void
node_settle(struct scan_node *n, enum node_state st)
{
	struct rcluster_scan *s = n->s;

	if (n->state != N_WAIT)
		return;
	n->state = st;
	node_close(n);
	if (--s->pending == 0)
		scan_finish(s);
}

static void
node_fail(struct scan_node *n, const char *why)
{
	struct rcluster_scan *s = n->s;

	if (n->state != N_WAIT)
		return;
	s->failed++;
	if (s->why[0] == '\0')
		snprintf(s->why, sizeof s->why, "%s:%d: %s", n->ip, n->port, why);
	node_settle(n, N_FAILED);
}

static void send_scan(struct scan_node *, const char *cursor);

static void
on_scan(struct rconn *rc, void *r_, void *priv)
{
	struct scan_node *n = rconn_data(rc);
	struct rcluster_scan *s;
	redisReply *r = r_, *keys;
	char cursor[32], why[200];

	(void)priv;
	if (n == NULL || r == NULL)
		return;
	s = n->s;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof why, "SCAN: %.*s", (int)(r->len > 160 ? 160 : r->len),
		    r->str);
		node_fail(n, why);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len == 0 || r->element[0]->len >= sizeof cursor ||
	    r->element[1]->type != REDIS_REPLY_ARRAY) {
		node_fail(n, "SCAN: a reply of the wrong shape");
		return;
	}
	snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
	keys = r->element[1];
	for (size_t i = 0; i < keys->elements && s->phase == S_NODES; i++) {
		if (keys->element[i]->type == REDIS_REPLY_STRING)
			s->cbs.key(s->arg, n->glob, keys->element[i]->str,
			    keys->element[i]->len);
	}
	if (s->phase != S_NODES) /* cancelled from the key callback */
		return;
	if (strcmp(cursor, "0") != 0)
		send_scan(n, cursor);
	else if (++n->glob < s->nglobs)
		send_scan(n, "0");
	else
		node_settle(n, N_DONE);
}

static void
send_scan(struct scan_node *n, const char *cursor)
{
	struct rcluster_scan *s = n->s;

	n->since_ms = loop_now_ms();
	if (s->type != NULL)
		rconn_command(n->rc, on_scan, NULL, "SCAN %s MATCH %s TYPE %s COUNT "
		    SCAN_COUNT, cursor, s->globs[n->glob], s->type);
	else
		rconn_command(n->rc, on_scan, NULL, "SCAN %s MATCH %s COUNT "
		    SCAN_COUNT, cursor, s->globs[n->glob]);
}

static void
on_auth(struct rconn *rc, void *r_, void *priv)
{
	struct scan_node *n = rconn_data(rc);
	redisReply *r = r_;
	char why[200];

	(void)priv;
	if (n == NULL || r == NULL || r->type != REDIS_REPLY_ERROR)
		return;
	snprintf(why, sizeof why, "AUTH: %.*s", (int)(r->len > 160 ? 160 : r->len),
	    r->str);
	node_fail(n, why);
}

static void
on_connect(struct rconn *rc, const char *err)
{
	struct scan_node *n = rconn_data(rc);

	if (n == NULL)
		return;
	if (err != NULL) {
		n->rc = NULL; /* freed when this returns */
		node_fail(n, err);
		return;
	}
	rcluster_auth(n->s->cluster, rc, on_auth, NULL);
	send_scan(n, "0");
}

static void
on_close(struct rconn *rc, const char *why)
{
	struct scan_node *n = rconn_data(rc);

	if (n == NULL)
		return;
	n->rc = NULL; /* freed when this returns */
	node_fail(n, why);
}

/* The map is read: connect to every master it names. */
static void
on_map(void *arg, const char *ip, int port, const char *err)
{
	struct rcluster_scan *s = arg;
	struct slotnode *masters = NULL;
	char why[128];

	(void)ip;
	(void)port;
	if (err != NULL) {
		snprintf(s->why, sizeof s->why, "%s", err);
		scan_finish(s);
		return;
	}
	s->nnodes = rcluster_serving(s->cluster, &masters, s->slot_node);
	if (s->nnodes == 0) {
		snprintf(s->why, sizeof s->why, "no node serves a slot");
		scan_finish(s);
		return;
	}
	s->nodes = xcalloc((size_t)s->nnodes, sizeof *s->nodes);
	s->pending = s->nnodes;
	s->phase = S_NODES;
	for (int i = 0; i < s->nnodes; i++) {
		struct scan_node *n = &s->nodes[i];

		n->s = s;
		snprintf(n->ip, sizeof n->ip, "%s", masters[i].ip);
		n->port = masters[i].port;
		n->arena = reply_arena_create();
		n->since_ms = loop_now_ms();
	}
	free(masters);
	for (int i = 0; i < s->nnodes && s->phase == S_NODES; i++) {
		struct scan_node *n = &s->nodes[i];

		n->rc = rcluster_connect(s->cluster, n->ip, n->port, n->arena,
		    on_connect, on_close, n, why, sizeof why);
		if (n->rc == NULL)
			node_fail(n, why);
	}
}

/* The first tick asks for the map; the others give up on silent masters. */
static void
on_tick(uv_timer_t *t)
{
	struct rcluster_scan *s = t->data;
	int64_t limit = rcluster_timeout_ms(s->cluster);
	char why[64];

	if (s->phase == S_START) {
		s->phase = S_MAP;
		rcluster_reload(s->cluster, on_map, s);
		return;
	}
	snprintf(why, sizeof why, "no answer in %d ms", (int)limit);
	for (int i = 0; i < s->nnodes && s->phase == S_NODES; i++) {
		if (s->nodes[i].state == N_WAIT &&
		    loop_now_ms() - s->nodes[i].since_ms > limit)
			node_fail(&s->nodes[i], why);
	}
}

struct rcluster_scan *
rcluster_scan_start(struct rcluster *c, char *const *globs, int nglobs,
    const char *type, const struct rcluster_scan_cbs *cbs, void *arg)
{
	struct rcluster_scan *s = xcalloc(1, sizeof *s);

	s->cluster = rcluster_ref(c);
	s->globs = xcalloc((size_t)nglobs, sizeof *s->globs);
	for (int i = 0; i < nglobs; i++)
		s->globs[i] = xstrdup(globs[i]);
	s->nglobs = nglobs;
	s->type = type != NULL ? xstrdup(type) : NULL;
	s->cbs = *cbs;
	s->arg = arg;
	memset(s->slot_node, 0xff, sizeof s->slot_node);
	uv_timer_init(loop_uv(), &s->timer);
	s->timer.data = s;
	/* Not from here: the owner hears of the pass only after this returns. */
	uv_timer_start(&s->timer, on_tick, 0, TICK_MS);
	return s;
}

void
rcluster_scan_cancel(struct rcluster_scan *s)
{
	if (s == NULL || s->phase == S_OVER)
		return;
	scan_end(s);
}
