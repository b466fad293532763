/* execmon - find a Redis master through its sentinels and hear of failovers. */
#ifndef EXECMON_RSENTINEL_H
#define EXECMON_RSENTINEL_H

#include "url.h"

struct rconn_tls;
struct rsentinel;

/* The master's address (numeric, as the sentinel gave it), or err. */
typedef void rsentinel_cb(void *arg, const char *ip, int port, const char *err);
/* A sentinel announced +switch-master for our master: it is now ip:port. */
typedef void rsentinel_switch_cb(void *arg, const char *ip, int port);

/*
 * The sentinels of a redis-sentinel:// URL (copied), spoken to over TLS when
 * the URL says rediss-sentinel:// (tls is the caller's and outlives this).
 * Their own password comes from $EXECMON_SENTINEL_PASSWORD. on_switch is
 * called for every +switch-master of our master heard after the first
 * answer.
 */
struct rsentinel *rsentinel_create(const struct url *, struct rconn_tls *tls,
    int timeout_ms, rsentinel_switch_cb *on_switch, void *arg);
/*
 * Ask the sentinels in turn (the last one that answered first) for the
 * master's address; cb is called once, later. One question at a time: a new
 * one replaces the one pending, whose cb is not called.
 */
void rsentinel_ask(struct rsentinel *, rsentinel_cb *cb, void *arg);
/* Stop; no callback is called after this. */
void rsentinel_free(struct rsentinel *);

#endif
