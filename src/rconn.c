/* execmon - one Redis connection on the libuv loop: TCP or Unix socket, TLS, RESP. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <uv.h>

#include "rconn.h"
#include "reply-arena.h"
#include "xmalloc.h"

/*
 * The life of a connection. CONNECTING (TCP or Unix connect), HANDSHAKE (TLS
 * only), UP, then torn down: pending callbacks get NULL, the reader, TLS
 * session and socket go, and the struct itself is freed when libuv has
 * closed the handle. Teardown asked for inside a reply callback waits until
 * the callback returns (the reader is in use).
 *
 * Writes. Commands are formatted into obuf. Outside a callback they are
 * sent at once; inside one (a reply, or the connect callback) they are
 * gathered and sent together when it returns, so a pipeline is one write.
 * With TLS, obuf goes through SSL_write and what the write BIO holds goes to
 * the socket. A write the socket takes at once costs no copy; the rest is
 * queued with uv_write in a buffer of its own.
 */

#define RCONN_READ 65536

struct rconn_tls {
	SSL_CTX *ctx;
	int insecure;
};

enum rc_state { RC_CONNECTING, RC_HANDSHAKE, RC_UP, RC_DEAD };

struct pending {
	rconn_reply_cb *cb;
	void *priv;
};

struct rconn {
	union {
		uv_handle_t h;
		uv_stream_t s;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} u;
	uv_connect_t creq;
	enum rc_state state;
	void *data;
	rconn_connect_cb *on_connect;
	rconn_close_cb *on_close;
	char *host;
	redisReader *reader;
	SSL *ssl;
	BIO *rbio, *wbio;      /* network side of the TLS session */
	struct pending *q;     /* callbacks waiting for replies, a ring */
	size_t qhead, qlen, qcap;
	char *obuf;            /* formatted commands not yet sent */
	size_t olen, ocap;
	int depth;             /* callbacks of ours running (reentrancy) */
	int doomed;            /* teardown asked for while depth > 0 */
	int handle_open;
	int asking;            /* ASKING before every command */
	int keepalive;         /* TCP keepalive once connected */
	rconn_reply_cb *push;  /* replies to no command (pub/sub), or NULL */
	void *push_priv;
	char rbuf[RCONN_READ];
};

struct wreq {
	uv_write_t req;
	char data[];
};

static void teardown(struct rconn *);

struct rconn_tls *
rconn_tls_create(const struct rconn_tls_opts *o, char *err, size_t errlen)
{
	struct rconn_tls *t;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	unsigned long e;

	if (ctx == NULL) {
		snprintf(err, errlen, "cannot make a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (o->ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1) {
			e = ERR_get_error();
			snprintf(err, errlen, "--redis-ca %s: %s", o->ca,
			    e ? ERR_reason_error_string(e) : "cannot load");
			goto fail;
		}
	} else
		SSL_CTX_set_default_verify_paths(ctx);
	if (o->cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
			e = ERR_get_error();
			snprintf(err, errlen, "--redis-cert %s: %s", o->cert,
			    e ? ERR_reason_error_string(e) : "cannot load");
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, o->key != NULL ? o->key : o->cert,
		    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
			e = ERR_get_error();
			snprintf(err, errlen, "--redis-key %s: %s",
			    o->key != NULL ? o->key : o->cert,
			    e ? ERR_reason_error_string(e) : "cannot load");
			goto fail;
		}
	} else if (o->key != NULL) {
		snprintf(err, errlen, "--redis-key needs --redis-cert");
		goto fail;
	}
	SSL_CTX_set_verify(ctx, o->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	t = xcalloc(1, sizeof *t);
	t->ctx = ctx;
	t->insecure = o->insecure;
	return t;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

void
rconn_tls_free(struct rconn_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

int
rconn_tls_insecure(const struct rconn_tls *t)
{
	return t != NULL && t->insecure;
}

void *
rconn_data(const struct rconn *rc)
{
	return rc->data;
}

void
rconn_set_data(struct rconn *rc, void *data)
{
	rc->data = data;
}

int
rconn_is_tls(const struct rconn *rc)
{
	return rc->ssl != NULL;
}

/* A libuv status as the C library says it ("Connection refused"). */
static const char *
uv_why(int status)
{
	if (status == UV_EOF)
		return "Server closed the connection";
	return status < 0 && status > -4096 ? strerror(-status) : uv_strerror(status);
}

static void
on_written(uv_write_t *req, int status)
{
	(void)status; /* a failed write shows up as a failed read too */
	free(req);
}

/* Hand bytes to the socket: what it takes now is not copied. */
static int
sock_send(struct rconn *rc, const char *p, size_t n)
{
	uv_buf_t b;
	struct wreq *w;
	int done;

	if (n == 0)
		return 0;
	b = uv_buf_init((char *)p, (unsigned)n);
	done = uv_try_write(&rc->u.s, &b, 1);
	if (done == (int)n)
		return 0;
	if (done < 0 && done != UV_EAGAIN)
		return done;
	if (done < 0)
		done = 0;
	w = xmalloc(sizeof *w + n - (size_t)done);
	memcpy(w->data, p + done, n - (size_t)done);
	b = uv_buf_init(w->data, (unsigned)(n - (size_t)done));
	if ((done = uv_write(&w->req, &rc->u.s, &b, 1, on_written)) != 0) {
		free(w);
		return done;
	}
	return 0;
}

/* Move what the TLS session wrote to the socket. */
static int
tls_flush(struct rconn *rc)
{
	char *p;
	long n = BIO_get_mem_data(rc->wbio, &p);
	int st = 0;

	if (n > 0) {
		st = sock_send(rc, p, (size_t)n);
		(void)BIO_reset(rc->wbio);
	}
	return st;
}

/* Why a TLS call failed, in one line. */
static void
tls_why(struct rconn *rc, char *buf, size_t size)
{
	unsigned long e = ERR_get_error();
	long v = SSL_get_verify_result(rc->ssl);

	if (v != X509_V_OK)
		snprintf(buf, size, "TLS handshake with %s failed: certificate verify "
		    "failed (%s)", rc->host, X509_verify_cert_error_string(v));
	else if (e != 0)
		snprintf(buf, size, "TLS handshake with %s failed: %s", rc->host,
		    ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "error");
	else
		snprintf(buf, size, "TLS handshake with %s failed", rc->host);
	ERR_clear_error();
}

static void
fail(struct rconn *rc, const char *why)
{
	enum rc_state was = rc->state;
	char copy[256];

	if (was == RC_DEAD)
		return;
	snprintf(copy, sizeof copy, "%s", why);
	rc->state = RC_DEAD;
	rc->depth++;
	teardown(rc); /* pending callbacks get NULL */
	if (was == RC_UP) {
		if (rc->on_close != NULL && rc->data != NULL)
			rc->on_close(rc, copy);
	} else if (rc->on_connect != NULL && rc->data != NULL)
		rc->on_connect(rc, copy);
	rc->data = NULL;
	rc->depth--;
	rc->doomed = 1;
	teardown(rc);
}

/* Send what obuf holds (now, or when the running callback returns). */
static void
send_now(struct rconn *rc)
{
	int st;

	if (rc->olen == 0 || rc->state != RC_UP)
		return;
	if (rc->ssl != NULL) {
		/* Into a memory BIO: it grows, so this fails only on a dead session. */
		(void)SSL_write(rc->ssl, rc->obuf, (int)rc->olen);
		ERR_clear_error();
		rc->olen = 0;
		st = tls_flush(rc);
	} else {
		st = sock_send(rc, rc->obuf, rc->olen);
		rc->olen = 0;
	}
	/* A socket that failed is reported by the read side: not here, where
	 * the caller is in the middle of issuing commands. */
	(void)st;
}

/* Commands issued from a callback wait for its end, and go out together. */
static void
flush(struct rconn *rc)
{
	if (rc->depth == 0)
		send_now(rc);
}

void
rconn_flush(struct rconn *rc)
{
	send_now(rc);
}

/* Call the callbacks of the replies the reader holds complete. */
static void
dispatch(struct rconn *rc)
{
	void *reply;

	rc->depth++;
	while (rc->state == RC_UP && !rc->doomed) {
		struct pending p;

		if (redisReaderGetReply(rc->reader, &reply) != REDIS_OK) {
			char why[160];

			snprintf(why, sizeof why, "Protocol error: %s", rc->reader->errstr);
			rc->depth--;
			fail(rc, why);
			return;
		}
		if (reply == NULL)
			break;
		if (rc->qlen == 0 && rc->push != NULL) {
			rc->push(rc, reply, rc->push_priv);
			rc->reader->fn->freeObject(reply);
			continue;
		}
		if (rc->qlen == 0) {
			/* A reply nobody asked for: the server is not speaking to us. */
			rc->reader->fn->freeObject(reply);
			rc->depth--;
			fail(rc, "Protocol error: a reply to no command");
			return;
		}
		p = rc->q[rc->qhead];
		rc->qhead = (rc->qhead + 1) % rc->qcap;
		rc->qlen--;
		if (p.cb != NULL)
			p.cb(rc, reply, p.priv);
		rc->reader->fn->freeObject(reply);
	}
	rc->depth--;
	if (rc->doomed) {
		teardown(rc);
		return;
	}
	flush(rc);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct rconn *rc = h->data;

	(void)hint;
	*b = uv_buf_init(rc->rbuf, sizeof rc->rbuf);
}

static void
up(struct rconn *rc)
{
	rc->state = RC_UP;
	rc->depth++;
	if (rc->on_connect != NULL && rc->data != NULL)
		rc->on_connect(rc, NULL);
	rc->depth--;
	if (rc->doomed) {
		teardown(rc);
		return;
	}
	flush(rc);
}

/* Push the handshake on; connected once it is done. */
static void
handshake(struct rconn *rc)
{
	int r = SSL_do_handshake(rc->ssl);
	char why[256];

	if (tls_flush(rc) != 0) {
		fail(rc, "cannot write to the socket");
		return;
	}
	if (r == 1) {
		up(rc);
		return;
	}
	if (SSL_get_error(rc->ssl, r) == SSL_ERROR_WANT_READ)
		return;
	tls_why(rc, why, sizeof why);
	fail(rc, why);
}

/* Decrypt what came in and feed it to the reader. */
static int
tls_read(struct rconn *rc, const char *p, size_t n)
{
	char plain[16384];
	int r;

	if (BIO_write(rc->rbio, p, (int)n) != (int)n)
		return -1;
	if (rc->state == RC_HANDSHAKE) {
		handshake(rc);
		if (rc->state != RC_UP || rc->doomed)
			return 0;
	}
	while ((r = SSL_read(rc->ssl, plain, sizeof plain)) > 0) {
		if (redisReaderFeed(rc->reader, plain, (size_t)r) != REDIS_OK)
			return -1;
	}
	switch (SSL_get_error(rc->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		break;
	case SSL_ERROR_ZERO_RETURN:
		fail(rc, "Server closed the connection");
		return 0;
	default: {
		char why[256];

		tls_why(rc, why, sizeof why);
		fail(rc, why);
		return 0;
	}
	}
	return tls_flush(rc) != 0 ? -1 : 0;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct rconn *rc = s->data;

	if (n == 0 || rc->state == RC_DEAD)
		return;
	if (n < 0) {
		fail(rc, uv_why((int)n));
		return;
	}
	if (rc->ssl != NULL) {
		if (tls_read(rc, b->base, (size_t)n) != 0) {
			fail(rc, "out of memory reading a reply");
			return;
		}
		if (rc->state != RC_UP)
			return;
	} else if (redisReaderFeed(rc->reader, b->base, (size_t)n) != REDIS_OK) {
		fail(rc, "out of memory reading a reply");
		return;
	}
	dispatch(rc);
}

static void
on_connected(uv_connect_t *req, int status)
{
	struct rconn *rc = req->data;
	int st;

	if (rc->state == RC_DEAD)
		return;
	if (status != 0) {
		fail(rc, uv_why(status));
		return;
	}
	if (rc->u.h.type == UV_TCP)
		uv_tcp_nodelay(&rc->u.tcp, 1);
	if (rc->u.h.type == UV_TCP && rc->keepalive)
		uv_tcp_keepalive(&rc->u.tcp, 1, 15);
	if ((st = uv_read_start(&rc->u.s, on_alloc, on_read)) != 0) {
		fail(rc, uv_why(st));
		return;
	}
	if (rc->ssl != NULL) {
		rc->state = RC_HANDSHAKE;
		handshake(rc);
	} else
		up(rc);
}

static void
on_handle_closed(uv_handle_t *h)
{
	free(h->data);
}

/*
 * Let go of everything: pending callbacks get NULL (once), the reader and
 * the TLS session are freed, the handle closed. The struct goes when the
 * handle is closed and no callback of ours is running.
 */
static void
teardown(struct rconn *rc)
{
	while (rc->qlen > 0) {
		struct pending p = rc->q[rc->qhead];

		rc->qhead = (rc->qhead + 1) % rc->qcap;
		rc->qlen--;
		if (p.cb != NULL)
			p.cb(rc, NULL, p.priv);
	}
	if (rc->depth > 0)
		return;
	rc->state = RC_DEAD;
	if (rc->reader != NULL) {
		redisReaderFree(rc->reader);
		rc->reader = NULL;
	}
	if (rc->ssl != NULL) {
		SSL_free(rc->ssl); /* frees both BIOs */
		rc->ssl = NULL;
	}
	free(rc->q);
	rc->q = NULL;
	rc->qcap = 0;
	free(rc->obuf);
	rc->obuf = NULL;
	rc->olen = rc->ocap = 0;
	free(rc->host);
	rc->host = NULL;
	if (rc->handle_open) {
		rc->handle_open = 0;
		uv_close(&rc->u.h, on_handle_closed);
	}
}

void
rconn_set_push(struct rconn *rc, rconn_reply_cb *cb, void *priv)
{
	rc->push = cb;
	rc->push_priv = priv;
}

void
rconn_free(struct rconn *rc)
{
	if (rc == NULL)
		return;
	rc->data = NULL;
	rc->doomed = 1;
	if (rc->state != RC_DEAD && rc->depth == 0)
		rc->state = RC_DEAD;
	teardown(rc);
}

/* Whether s is a numeric IPv4 or IPv6 address. */
static int
is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int
tls_start(struct rconn *rc, struct rconn_tls *t)
{
	rc->ssl = SSL_new(t->ctx);
	rc->rbio = BIO_new(BIO_s_mem());
	rc->wbio = BIO_new(BIO_s_mem());
	if (rc->ssl == NULL || rc->rbio == NULL || rc->wbio == NULL) {
		BIO_free(rc->rbio);
		BIO_free(rc->wbio);
		return -1;
	}
	SSL_set_bio(rc->ssl, rc->rbio, rc->wbio);
	SSL_set_connect_state(rc->ssl);
	if (rc->host != NULL && !is_ip(rc->host))
		SSL_set_tlsext_host_name(rc->ssl, rc->host);
	if (!t->insecure && rc->host != NULL) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(rc->ssl);

		if (is_ip(rc->host))
			X509_VERIFY_PARAM_set1_ip_asc(vp, rc->host);
		else {
			X509_VERIFY_PARAM_set_hostflags(vp,
			    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			X509_VERIFY_PARAM_set1_host(vp, rc->host, 0);
		}
	}
	return 0;
}

struct rconn *
rconn_connect(uv_loop_t *loop, const struct rconn_opts *o,
    rconn_connect_cb *on_connect, rconn_close_cb *on_close, void *data,
    char *err, size_t errlen)
{
	struct rconn *rc;
	int st, opened;

	rc = xcalloc(1, sizeof *rc);
	rc->data = data;
	rc->on_connect = on_connect;
	rc->on_close = on_close;
	rc->host = xstrdup(o->host != NULL ? o->host : o->path != NULL ? o->path : "");
	rc->reader = reply_arena_reader(o->arena);
	rc->keepalive = o->keepalive;
	if (rc->reader != NULL)
		rc->reader->maxbuf = 4 * RCONN_READ; /* keep a buffer this size */
	if (rc->reader == NULL || (o->tls != NULL && tls_start(rc, o->tls) != 0)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rc->creq.data = rc;
	if (o->path != NULL) {
		uv_pipe_init(loop, &rc->u.pipe, 0);
		rc->u.h.data = rc;
		rc->handle_open = 1;
		uv_pipe_connect(&rc->creq, &rc->u.pipe, o->path, on_connected);
		return rc;
	} else {
		struct sockaddr_storage sa;

		if (uv_ip4_addr(o->addr, o->port, (struct sockaddr_in *)&sa) != 0 &&
		    uv_ip6_addr(o->addr, o->port, (struct sockaddr_in6 *)&sa) != 0) {
			snprintf(err, errlen, "bad address %s", o->addr);
			goto fail;
		}
		uv_tcp_init(loop, &rc->u.tcp);
		rc->u.h.data = rc;
		rc->handle_open = 1;
		st = uv_tcp_connect(&rc->creq, &rc->u.tcp, (struct sockaddr *)&sa,
		    on_connected);
		if (st != 0) {
			snprintf(err, errlen, "%s", uv_why(st));
			goto fail;
		}
	}
	return rc;
fail:
	opened = rc->handle_open;
	rc->data = NULL;
	rc->state = RC_DEAD;
	teardown(rc); /* frees rc once the handle is closed */
	if (!opened)
		free(rc);
	return NULL;
}

/* Append bytes to obuf and a callback to the queue. */
static void
append(struct rconn *rc, rconn_reply_cb *cb, void *priv, const char *cmd, size_t len)
{
	if (rc->qlen == rc->qcap) {
		size_t ncap = rc->qcap == 0 ? 16 : rc->qcap * 2;
		struct pending *nq = xreallocarray(NULL, ncap, sizeof *nq);

		for (size_t i = 0; i < rc->qlen; i++)
			nq[i] = rc->q[(rc->qhead + i) % rc->qcap];
		free(rc->q);
		rc->q = nq;
		rc->qhead = 0;
		rc->qcap = ncap;
	}
	rc->q[(rc->qhead + rc->qlen) % rc->qcap] = (struct pending){ cb, priv };
	rc->qlen++;
	if (rc->olen + len > rc->ocap) {
		rc->ocap = rc->olen + len > 2 * rc->ocap ? rc->olen + len : 2 * rc->ocap;
		rc->obuf = xrealloc(rc->obuf, rc->ocap);
	}
	memcpy(rc->obuf + rc->olen, cmd, len);
	rc->olen += len;
}

/* Append a formatted command and its callback; send unless a callback runs. */
static int
enqueue(struct rconn *rc, rconn_reply_cb *cb, void *priv, char *cmd, int len)
{
	static const char asking[] = "*1\r\n$6\r\nASKING\r\n";

	if (len < 0)
		return -1;
	if (rc->state == RC_DEAD || rc->doomed) {
		redisFreeCommand(cmd);
		return -1;
	}
	if (rc->asking)
		append(rc, NULL, NULL, asking, sizeof asking - 1);
	append(rc, cb, priv, cmd, (size_t)len);
	redisFreeCommand(cmd);
	flush(rc);
	return 0;
}

void
rconn_set_asking(struct rconn *rc, int on)
{
	rc->asking = on;
}

int
rconn_command(struct rconn *rc, rconn_reply_cb *cb, void *priv, const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	return enqueue(rc, cb, priv, cmd, len);
}

int
rconn_command_argv(struct rconn *rc, rconn_reply_cb *cb, void *priv, int argc,
    const char **argv, const size_t *argvlen)
{
	char *cmd = NULL;
	int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);

	return enqueue(rc, cb, priv, cmd, len);
}
