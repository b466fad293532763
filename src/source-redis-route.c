/* execmon - follow Redis streams: where to read them (sentinels, Redis Cluster slots, MOVED and ASK). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "keyslot.h"
#include "loop.h"
#include "rcluster.h"
#include "rsentinel.h"
#include "slotmap.h"
#include "source-redis-int.h"
#include "xmalloc.h"

/* Say in the registry where the streams are read from, and how. */
void
rroute_mark(struct redis_conn *c)
{
	for (int i = 0; i < c->nstreams; i++) {
		struct source_info *si = sources_get(c->streams[i]->source);

		snprintf(si->node, sizeof si->node, "%s", c->node);
		if (c->sentinel != NULL)
			snprintf(si->via, sizeof si->via, "sentinel %s", c->url.master);
		else if (c->cluster != NULL && c->slot >= 0)
			snprintf(si->via, sizeof si->via, "cluster slot %d", c->slot);
		si->tls = c->url.tls;
		si->insecure = c->url.tls && rconn_tls_insecure(c->opts.tls);
	}
}

/* A stream added to a connection that was up already. */
void
rroute_stream_added(struct redis_conn *c)
{
	if (c->connected_once)
		rroute_mark(c);
}

/* A sentinel may name a master that has just become a replica. */
static void
on_role(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;

	(void)priv;
	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		rsrc_refused(c, "ROLE", r, 0);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "master") != 0) {
		rsrc_fail(c, "%s:%d is not the master of %s (yet)", c->addr, c->mport,
		    c->url.master);
		return;
	}
	rsrc_setup_done(c);
}

/*
 * Redis Cluster. The first connection asks CLUSTER SLOTS (an error there:
 * not a cluster, nothing changes). On a cluster every stream is read on a
 * connection of its own (XREAD's keys must share a slot), from the node that
 * serves its slot; a connection whose owner sets route_key (BullMQ's
 * hash-tagged prefix) keeps its streams together, on the node of that key.
 * A MOVED or ASK reply sends the connection to the node named (ASK: sending
 * ASKING before each command); any failure reads the map again. Reads
 * resume from the last entry ID as after any reconnect, so a stream that
 * moves loses and repeats nothing.
 */
static int
cluster_route_key(const struct redis_conn *c, const char **key)
{
	if (c->hooks.route_key != NULL)
		*key = c->hooks.route_key;
	else if (c->nstreams > 0)
		*key = c->streams[0]->key;
	else
		return -1;
	return (int)redis_keyslot(*key, strlen(*key));
}

/* Leave this node for another (a redirection, not a failure). */
static void
conn_redirect(struct redis_conn *c, const char *why)
{
	int64_t now = loop_now_ms();

	rsrc_drop(c);
	if (c->stopping)
		return;
	c->phase = P_RETRY;
	c->verifying = 0;
	c->server_id[0] = '\0';
	sink_notice(&c->sink, rsrc_first_source(c), "redis %s: %s", c->display, why);
	/* Back and forth during a reshard: no faster than twice a second. */
	rsrc_retry_in(c, now - c->redirect_ms < 1000 ? c->opts.backoff_min_ms : 0);
	c->redirect_ms = now;
}

/* A MOVED or ASK error reply: follow it (1), or it is some other error (0). */
int
rroute_redirect(struct redis_conn *c, const redisReply *r)
{
	char ip[INET6_ADDRSTRLEN], why[160];
	unsigned slot;
	int ask, port;

	if (c->cluster == NULL || r == NULL || r->type != REDIS_REPLY_ERROR ||
	    redis_parse_redirect(r->str, r->len, &ask, &slot, ip, sizeof ip, &port) != 0)
		return 0;
	if (ask) {
		snprintf(c->ask_ip, sizeof c->ask_ip, "%s", ip);
		c->ask_port = port;
	} else
		rcluster_moved(c->cluster, slot, ip, port);
	snprintf(why, sizeof why, "%s %u: reading from %s:%d", ask ? "ASK" : "MOVED",
	    slot, ip, port);
	conn_redirect(c, why);
	return 1;
}

/* Each stream but the first to a connection of its own. */
static void
cluster_split(struct redis_conn *c)
{
	for (int i = 1; i < c->nstreams; i++) {
		struct redis_conn *k = rsrc_new(&c->url, &c->opts, NULL, &c->sink);
		const char *key;

		k->streams = xcalloc(1, sizeof *k->streams);
		k->streams[0] = c->streams[i];
		k->streams[0]->conn = k;
		k->nstreams = k->streams_cap = 1;
		k->cluster = rcluster_ref(c->cluster);
		k->cluster_checked = 1;
		k->slot = cluster_route_key(k, &key);
		c->kids = xreallocarray(c->kids, (size_t)c->nkids + 1, sizeof *c->kids);
		c->kids[c->nkids++] = k;
		rsrc_connect(k);
	}
	c->nstreams = 1;
}

/*
 * On a cluster, a stream added after the first connect is read on a
 * connection of its own too: its registry index, or -1 when this connection
 * is not split that way (the caller adds the stream to it).
 */
int
rroute_add(struct redis_conn *c, const char *key, const struct evmap *map)
{
	struct redis_conn *k;
	const char *rkey;
	int idx;

	if (c->cluster == NULL || c->hooks.entry != NULL || c->stopping)
		return -1;
	k = rsrc_new(&c->url, &c->opts, NULL, &c->sink);
	idx = source_redis_add_stream_map(k, key, map);
	k->cluster = rcluster_ref(c->cluster);
	k->cluster_checked = 1;
	k->slot = cluster_route_key(k, &rkey);
	c->kids = xreallocarray(c->kids, (size_t)c->nkids + 1, sizeof *c->kids);
	c->kids[c->nkids++] = k;
	rsrc_connect(k);
	return idx;
}

/* Stop reading key on a connection of its own: 1 if one read it. */
int
rroute_drop(struct redis_conn *c, const char *key)
{
	for (int i = 0; i < c->nkids; i++) {
		struct redis_conn *k = c->kids[i];

		if (k->nstreams != 1 || strcmp(k->streams[0]->key, key) != 0)
			continue;
		source_set_state(k->streams[0]->source, SRC_GONE, loop_now_ms());
		source_redis_stop(k);
		memmove(c->kids + i, c->kids + i + 1,
		    (size_t)(c->nkids - i - 1) * sizeof *c->kids);
		c->nkids--;
		return 1;
	}
	return 0;
}

/* CLUSTER SLOTS at the first connect: a cluster, or not. */
static void
on_slots(struct rconn *ac, void *r_, void *priv)
{
	struct redis_conn *c = rconn_data(ac);
	redisReply *r = r_;
	const char *ip, *key = NULL;
	int port;

	(void)priv;
	if (c == NULL || c->ac == NULL || r == NULL)
		return;
	c->cluster_checked = 1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
		c->cluster = rcluster_create(&c->url, c->opts.tls,
		    c->opts.connect_timeout_ms);
		rcluster_load(c->cluster, r, c->addr);
		sink_notice(&c->sink, rsrc_first_source(c), "redis %s: a cluster of %d masters",
		    c->display, rcluster_masters(c->cluster));
		if (c->hooks.entry == NULL && c->nstreams > 1)
			cluster_split(c);
		c->slot = cluster_route_key(c, &key);
		if (c->hooks.route_key != NULL && strchr(key, '{') == NULL)
			sink_notice(&c->sink, rsrc_first_source(c), "redis %s: on a cluster the "
			    "prefix %s needs a {hash tag}, e.g. {%s}", c->display, key, key);
		rroute_mark(c);
		if (c->slot >= 0 &&
		    (ip = rcluster_owner(c->cluster, (unsigned)c->slot, &port)) != NULL &&
		    (strcmp(ip, c->addr) != 0 || port != c->mport)) {
			char why[128];

			snprintf(why, sizeof why, "slot %d is served by %s:%d", c->slot,
			    ip, port);
			conn_redirect(c, why);
			return;
		}
	}
	rsrc_setup_done(c);
}

/* Pipelined with AUTH and SELECT at every connect: ROLE or CLUSTER SLOTS. */
void
rroute_setup(struct redis_conn *c)
{
	rroute_mark(c);
	if (c->sentinel == NULL && !c->cluster_checked &&
	    c->url.scheme != URL_UNIX) {
		c->setup_pending++;
		rconn_command(c->ac, on_slots, NULL, "CLUSTER SLOTS");
	}
	if (c->sentinel != NULL) {
		c->setup_pending++;
		rconn_command(c->ac, on_role, NULL, "ROLE");
	}
}

/* The connection failed: a cluster's map may be out of date (a failover). */
void
rroute_failed(struct redis_conn *c)
{
	if (c->cluster != NULL)
		rcluster_stale(c->cluster);
}

/* The sentinels' or the cluster's answer: the address, or why there is none. */
static void
on_master(void *arg, const char *ip, int port, const char *err)
{
	struct redis_conn *c = arg;

	if (err != NULL) {
		rsrc_fail(c, "%s", err);
		return;
	}
	snprintf(c->addr, sizeof c->addr, "%s", ip);
	c->mport = port;
	rsrc_connect_addr(c, c->addr);
}

/* A sentinel announced a failover: leave the old master now. */
static void
on_switch(void *arg, const char *ip, int port)
{
	struct redis_conn *c = arg;

	sink_notice(&c->sink, rsrc_first_source(c), "redis %s: master %s switched to %s:%d",
	    c->display, c->url.master, ip, port);
	c->backoff_ms = c->opts.backoff_min_ms;
	if (c->ac == NULL) {
		/* Waiting to retry (the old master is gone): go now. */
		if (c->phase == P_RETRY)
			rsrc_retry_in(c, 0);
		return;
	}
	if (strcmp(ip, c->addr) != 0 || port != c->mport)
		rsrc_fail(c, "master %s switched to %s:%d", c->url.master, ip, port);
}

/* Where to connect, when it is not the URL's host: 1 = under way here. */
int
rroute_connect(struct redis_conn *c)
{
	if (c->sentinel != NULL) {
		c->phase = P_RESOLVING;
		rsentinel_ask(c->sentinel, on_master, c);
		return 1;
	}
	if (c->ask_port > 0) {
		c->mport = c->ask_port;
		rsrc_connect_addr(c, c->ask_ip);
		return 1;
	}
	if (c->cluster != NULL && c->slot >= 0) {
		c->phase = P_RESOLVING;
		rcluster_ask(c->cluster, (unsigned)c->slot, on_master, c);
		return 1;
	}
	return 0;
}

void
rroute_start(struct redis_conn *c, const struct url *url)
{
	if (url->master != NULL)
		c->sentinel = rsentinel_create(url, c->opts.tls,
		    c->opts.connect_timeout_ms, on_switch, c);
}

struct rcluster *
source_redis_cluster(const struct redis_conn *c)
{
	return c->cluster;
}

void
rroute_stop(struct redis_conn *c)
{
	rsentinel_free(c->sentinel);
	c->sentinel = NULL;
	for (int i = 0; i < c->nkids; i++)
		source_redis_stop(c->kids[i]);
	if (c->cluster != NULL) {
		rcluster_cancel(c->cluster, c);
		rcluster_unref(c->cluster);
		c->cluster = NULL;
	}
}
