/* execmon - a Redis Cluster slot map, read from CLUSTER SLOTS and redirections. */
#ifndef EXECMON_SLOTMAP_H
#define EXECMON_SLOTMAP_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "keyslot.h"

/* The most nodes a map holds (the rest are not used). */
#define MAX_NODES 1024

struct slotnode {
	char ip[46];           /* numeric, IPv4 or IPv6 */
	int port;
	int master;
};

/*
 * Which node serves each slot. Input from servers: a reply that is not the
 * shape of CLUSTER SLOTS, a range out of bounds or a node that is not a
 * numeric address and a port is skipped, never trusted.
 */
struct slotmap {
	uint16_t owner[REDIS_SLOTS]; /* index into nodes, 0xffff = none */
	struct slotnode *nodes;
	int nnodes;
};

void slotmap_init(struct slotmap *);
void slotmap_done(struct slotmap *);
/*
 * Read a CLUSTER SLOTS reply got from the node at from_ip (a node announces
 * its address as "" when it does not know it); 0 when it was one.
 */
int slotmap_load(struct slotmap *, const redisReply *, const char *from_ip);
/* The node serving slot, or NULL. */
const char *slotmap_owner(const struct slotmap *, unsigned slot, int *port);
/* A MOVED redirection: slot is now served by ip:port. */
void slotmap_moved(struct slotmap *, unsigned slot, const char *ip, int port);
int slotmap_masters(const struct slotmap *);
/*
 * The nodes that serve at least one slot, in *nodes (allocated, the caller
 * frees; NULL when none), and for each slot the index of its node there in
 * slot_node (0xffff = none) when slot_node is not NULL; how many.
 */
int slotmap_serving(const struct slotmap *, struct slotnode **nodes,
    uint16_t *slot_node);

/*
 * An error reply "MOVED slot ip:port" or "ASK slot ip:port" (ask says which),
 * the address numeric (IPv4 or IPv6) and under iplen bytes; 0 when it is one.
 */
int redis_parse_redirect(const char *s, size_t len, int *ask, unsigned *slot,
    char *ip, size_t iplen, int *port);

#endif
