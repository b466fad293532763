/* execmon - a Redis Cluster slot map, read from CLUSTER SLOTS and redirections. */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "slotmap.h"
#include "xmalloc.h"

#define NO_NODE 0xffff

void
slotmap_init(struct slotmap *c)
{
	memset(c, 0, sizeof *c);
	memset(c->owner, 0xff, sizeof c->owner);
}

void
slotmap_done(struct slotmap *c)
{
	free(c->nodes);
	slotmap_init(c);
}

/* The index of node ip:port, added if new; NO_NODE when the list is full. */
static unsigned
node_index(struct slotmap *c, const char *ip, int port, int master)
{
	int i;

	for (i = 0; i < c->nnodes; i++) {
		if (c->nodes[i].port == port && strcmp(c->nodes[i].ip, ip) == 0) {
			if (master)
				c->nodes[i].master = 1;
			return (unsigned)i;
		}
	}
	if (c->nnodes == MAX_NODES)
		return NO_NODE;
	c->nodes = xreallocarray(c->nodes, (size_t)c->nnodes + 1, sizeof *c->nodes);
	snprintf(c->nodes[i].ip, sizeof c->nodes[i].ip, "%s", ip);
	c->nodes[i].port = port;
	c->nodes[i].master = master;
	return (unsigned)c->nnodes++;
}

/* A node entry [ip, port, id, ...] of CLUSTER SLOTS; 0 when well formed. */
static int
node_of(const redisReply *n, const char *from_ip, char *ip, size_t iplen, int *port)
{
	unsigned char a[16];

	if (n->type != REDIS_REPLY_ARRAY || n->elements < 2 ||
	    n->element[0]->type != REDIS_REPLY_STRING ||
	    n->element[1]->type != REDIS_REPLY_INTEGER ||
	    n->element[1]->integer < 1 || n->element[1]->integer > 65535)
		return -1;
	if (n->element[0]->len >= iplen)
		return -1;
	if (n->element[0]->len == 0)
		snprintf(ip, iplen, "%s", from_ip);
	else
		snprintf(ip, iplen, "%.*s", (int)n->element[0]->len, n->element[0]->str);
	*port = (int)n->element[1]->integer;
	return inet_pton(AF_INET, ip, a) == 1 || inet_pton(AF_INET6, ip, a) == 1 ?
	    0 : -1;
}

int
slotmap_load(struct slotmap *c, const redisReply *r, const char *from_ip)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
		return -1;
	memset(c->owner, 0xff, sizeof c->owner);
	c->nnodes = 0;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		char ip[sizeof c->nodes[0].ip];
		long long lo, hi;
		unsigned m;
		int port;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
		    e->element[0]->type != REDIS_REPLY_INTEGER ||
		    e->element[1]->type != REDIS_REPLY_INTEGER)
			continue;
		lo = e->element[0]->integer;
		hi = e->element[1]->integer;
		if (lo < 0 || hi >= REDIS_SLOTS || lo > hi ||
		    node_of(e->element[2], from_ip, ip, sizeof ip, &port) != 0)
			continue;
		m = node_index(c, ip, port, 1);
		for (long long s = lo; s <= hi && m != NO_NODE; s++)
			c->owner[s] = (uint16_t)m;
		for (size_t k = 3; k < e->elements; k++) {
			if (node_of(e->element[k], from_ip, ip, sizeof ip, &port) == 0)
				node_index(c, ip, port, 0);
		}
	}
	return 0;
}

const char *
slotmap_owner(const struct slotmap *c, unsigned slot, int *port)
{
	unsigned n = slot < REDIS_SLOTS ? c->owner[slot] : NO_NODE;

	if (n == NO_NODE || (int)n >= c->nnodes)
		return NULL;
	*port = c->nodes[n].port;
	return c->nodes[n].ip;
}

void
slotmap_moved(struct slotmap *c, unsigned slot, const char *ip, int port)
{
	unsigned n;

	if (slot >= REDIS_SLOTS)
		return;
	n = node_index(c, ip, port, 1);
	if (n != NO_NODE)
		c->owner[slot] = (uint16_t)n;
}

int
slotmap_masters(const struct slotmap *c)
{
	int n = 0;

	for (int i = 0; i < c->nnodes; i++)
		n += c->nodes[i].master;
	return n;
}

int
slotmap_serving(const struct slotmap *c, struct slotnode **nodes,
    uint16_t *slot_node)
{
	int *at = xcalloc((size_t)c->nnodes + 1, sizeof *at); /* node -> index + 1 */
	int n = 0;

	*nodes = NULL;
	for (unsigned s = 0; s < REDIS_SLOTS; s++) {
		unsigned o = c->owner[s];

		if (o == NO_NODE || (int)o >= c->nnodes) {
			if (slot_node != NULL)
				slot_node[s] = NO_NODE;
			continue;
		}
		if (at[o] == 0) {
			*nodes = xreallocarray(*nodes, (size_t)n + 1, sizeof **nodes);
			(*nodes)[n++] = c->nodes[o];
			at[o] = n;
		}
		if (slot_node != NULL)
			slot_node[s] = (uint16_t)(at[o] - 1);
	}
	free(at);
	return n;
}

int
redis_parse_redirect(const char *s, size_t len, int *ask, unsigned *slot,
    char *ip, size_t iplen, int *port)
{
	char buf[160], *p, *end, *colon;
	unsigned char a[16];
	unsigned long sl;
	long po;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strncmp(buf, "MOVED ", 6) == 0) {
		*ask = 0;
		p = buf + 6;
	} else if (strncmp(buf, "ASK ", 4) == 0) {
		*ask = 1;
		p = buf + 4;
	} else
		return -1;
	if (*p < '0' || *p > '9')
		return -1;
	sl = strtoul(p, &end, 10);
	if (*end != ' ' || sl >= REDIS_SLOTS)
		return -1;
	p = end + 1;
	colon = strrchr(p, ':');
	if (colon == NULL || colon == p || (size_t)(colon - p) >= iplen ||
	    colon[1] < '0' || colon[1] > '9')
		return -1;
	po = strtol(colon + 1, &end, 10);
	if (*end != '\0' || po < 1 || po > 65535)
		return -1;
	*colon = '\0';
	if (inet_pton(AF_INET, p, a) != 1 && inet_pton(AF_INET6, p, a) != 1)
		return -1; /* a name (cluster-preferred-endpoint-type): not followed */
	snprintf(ip, iplen, "%s", p);
	*slot = (unsigned)sl;
	*port = (int)po;
	return 0;
}
