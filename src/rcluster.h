/* execmon - Redis Cluster: key slots, the slot map, and which node owns a key. */
#ifndef EXECMON_RCLUSTER_H
#define EXECMON_RCLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/read.h>

#include "keyslot.h"
#include "rconn.h"
#include "url.h"

#define RCLUSTER_SLOTS REDIS_SLOTS

struct rconn_tls;
struct rcluster;
struct reply_arena;
struct slotnode;

/* The owner of a slot (numeric address), or err. */
typedef void rcluster_cb(void *arg, const char *ip, int port, const char *err);

/*
 * A cluster found through the node of url (copied; its host is the first
 * seed). Shared by every connection that reads from it: counted references.
 */
struct rcluster *rcluster_create(const struct url *, struct rconn_tls *tls,
    int timeout_ms);
struct rcluster *rcluster_ref(struct rcluster *);
void rcluster_unref(struct rcluster *);

/* Read a CLUSTER SLOTS reply got from the node at from_ip (slotmap_load). */
int rcluster_load(struct rcluster *, const redisReply *, const char *from_ip);
/* The owner of slot by the map held now; NULL if none. */
const char *rcluster_owner(const struct rcluster *, unsigned slot, int *port);
/* A MOVED redirection: slot is now served by ip:port. */
void rcluster_moved(struct rcluster *, unsigned slot, const char *ip, int port);
/* A node failed us: the next question reads the map again. */
void rcluster_stale(struct rcluster *);
/* How many masters the map holds. */
int rcluster_masters(const struct rcluster *);

/*
 * The owner of slot: from the map when it is fresh, else after reading it
 * again from a node (known ones first, then the seed). cb is called once,
 * perhaps before this returns. rcluster_cancel drops arg's question.
 */
void rcluster_ask(struct rcluster *, unsigned slot, rcluster_cb *cb, void *arg);
void rcluster_cancel(struct rcluster *, void *arg);

/*
 * Read the map again now (a node may have been added or promoted since):
 * cb(arg, NULL, 0, err) once, err NULL when it was read. A reading already
 * under way answers too.
 */
void rcluster_reload(struct rcluster *, rcluster_cb *cb, void *arg);
/* The nodes serving slots by the map held now (slotmap_serving). */
int rcluster_serving(const struct rcluster *, struct slotnode **nodes,
    uint16_t *slot_node);
/*
 * Connect to a node of the cluster as to the seed (TLS when the URL says,
 * checked against ip): rconn_connect's contract, replies built in arena.
 */
struct rconn *rcluster_connect(struct rcluster *, const char *ip, int port,
    struct reply_arena *, rconn_connect_cb *, rconn_close_cb *, void *data,
    char *err, size_t errlen);
/* Send AUTH with the URL's user and password, if it has one: 1 when sent. */
int rcluster_auth(struct rcluster *, struct rconn *, rconn_reply_cb *, void *priv);
/* The limit on one connect or one command to a node, ms. */
int rcluster_timeout_ms(const struct rcluster *);

#endif
