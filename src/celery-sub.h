/* execmon - a Redis pub/sub subscriber on the loop (Celery's event channels). */
#ifndef EXECMON_CELERY_SUB_H
#define EXECMON_CELERY_SUB_H

#include <stddef.h>
#include <stdint.h>

#include "url.h"

struct rconn_tls;

/*
 * One connection that PSUBSCRIBEs to a pattern and hands on every message.
 * It goes to the server its owner's connection reached (the master a
 * sentinel named, a cluster node, or the URL's host), over TLS for
 * rediss:// URLs. A subscribed connection cannot be asked anything, so it has no watchdog
 * of its own beyond the connect: its owner drops it when another
 * connection to the same server finds the server gone, and starts it
 * again when that one is back. Its own failures (refused, closed, AUTH,
 * no confirmation within 5 s) retry after a backoff of 0.5 s doubling to
 * 10 s, while the owner lets it.
 */
struct celery_sub;

struct celery_sub_cb {
	/* The subscription is confirmed: messages flow from now on. */
	void (*subscribed)(void *arg);
	/* One message: its channel and payload (not NUL-safe; len bytes). */
	void (*message)(void *arg, const char *channel, const char *payload,
	    size_t len);
	/* It failed; the next attempt is in retry_ms. */
	void (*failed)(void *arg, const char *why, int64_t retry_ms);
	void *arg;
};

/* url is copied, tls (or NULL) is the caller's; nothing happens before celery_sub_start(). */
struct celery_sub *celery_sub_create(const struct url *url, const char *pattern,
    struct rconn_tls *tls, const struct celery_sub_cb *cb);
/*
 * Connect and subscribe, unless connected, connecting, or waiting to retry:
 * to addr:port (numeric; NULL = the URL's Unix socket), checking the
 * certificate against host.
 */
void celery_sub_start(struct celery_sub *, const char *host, const char *addr,
    int port);
/* Drop the connection now and do not retry until the next start. */
void celery_sub_drop(struct celery_sub *);
/* Drop and free (the handles close on the loop). */
void celery_sub_free(struct celery_sub *);

#endif
