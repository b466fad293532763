/* execmon - one Redis connection on the libuv loop: TCP or Unix socket, TLS, RESP. */
#ifndef EXECMON_RCONN_H
#define EXECMON_RCONN_H

#include <stddef.h>

#include <uv.h>

struct reply_arena;

/*
 * A connection execmon owns end to end. The socket is libuv's (TCP or Unix),
 * TLS is OpenSSL driven through memory BIOs on the loop, replies are read
 * with hiredis's redisReader (built in the caller's reply arena) and commands
 * formatted with hiredis's redisFormatCommand. Nothing blocks: connect, the
 * TLS handshake, reads and writes all run as the loop lets them.
 *
 * The callback contract follows hiredis's async API, so its users change
 * only names: each command's callback is called once, in order, with its
 * reply (freed when the callback returns: keep nothing of it), or with NULL
 * when the connection goes away first. rconn_free() from inside a callback
 * is allowed; the callbacks still pending then get NULL.
 */
struct rconn;

/* A command's reply (a redisReply *, or NULL: the connection went away). */
typedef void rconn_reply_cb(struct rconn *, void *reply, void *priv);
/* Connected (TLS handshake done) when err is NULL; else why not. */
typedef void rconn_connect_cb(struct rconn *, const char *err);
/* A connection that was up is lost; it is freed when this returns. */
typedef void rconn_close_cb(struct rconn *, const char *why);

/* A TLS client context: the CAs, client certificate and checks (shared). */
struct rconn_tls;

struct rconn_tls_opts {
	const char *ca;        /* CA file (PEM); NULL = the system's CAs */
	const char *cert;      /* client certificate (PEM) or NULL */
	const char *key;       /* its key (PEM); NULL = in the cert file */
	int insecure;          /* check no certificate at all */
};

/* Load a TLS context; NULL and a one-line reason in err when a file is bad. */
struct rconn_tls *rconn_tls_create(const struct rconn_tls_opts *, char *err,
    size_t errlen);
void rconn_tls_free(struct rconn_tls *);
int rconn_tls_insecure(const struct rconn_tls *);

struct rconn_opts {
	const char *host;      /* name checked against the certificate, SNI */
	const char *addr;      /* numeric address to connect to (TCP) */
	int port;
	const char *path;      /* Unix socket path instead of addr/port */
	struct rconn_tls *tls; /* NULL = plain */
	struct reply_arena *arena; /* where replies are built; outlives the rconn */
	int keepalive;         /* TCP keepalive (a connection that only listens) */
};

/*
 * Start connecting. Exactly one of on_connect(err) is called later (also for
 * an immediate failure); after a failed connect the rconn is freed when the
 * callback returns. NULL only if o is unusable (err says why).
 */
struct rconn *rconn_connect(uv_loop_t *, const struct rconn_opts *o,
    rconn_connect_cb *on_connect, rconn_close_cb *on_close, void *data,
    char *err, size_t errlen);
void *rconn_data(const struct rconn *);
void rconn_set_data(struct rconn *, void *);
/* Whether the session is TLS. */
int rconn_is_tls(const struct rconn *);

/* Queue a command (printf-like, as redisFormatCommand); -1 if it cannot be sent. */
int rconn_command(struct rconn *, rconn_reply_cb *, void *priv, const char *fmt, ...);
int rconn_command_argv(struct rconn *, rconn_reply_cb *, void *priv, int argc,
    const char **argv, const size_t *argvlen);

/*
 * Commands issued from a reply's callback go out when it returns; this sends
 * them now (a read-ahead, so the server works while the callback does).
 */
void rconn_flush(struct rconn *);

/*
 * Replies that answer no command (pub/sub messages after SUBSCRIBE) go to cb;
 * without one they fail the connection.
 */
void rconn_set_push(struct rconn *, rconn_reply_cb *cb, void *priv);

/*
 * Send ASKING before every command from now on (a Redis Cluster node that
 * answered ASK serves the key while its slot migrates); its replies are
 * dropped.
 */
void rconn_set_asking(struct rconn *, int on);

/*
 * Close and free. Pending callbacks are called with NULL; on_close is not
 * called.
 */
void rconn_free(struct rconn *);

#endif
