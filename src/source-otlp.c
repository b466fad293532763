/* execmon - an OTLP/HTTP trace receiver (--otlp-listen) on the loop. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>

#include <uv.h>
#include <jansson.h>
#include <zlib.h>

#include "log.h"
#include "loop.h"
#include "otlp-decode.h"
#include "otlp-http.h"
#include "otlp-runs.h"
#include "source-otlp.h"
#include "xmalloc.h"

/*
 * A listening socket on the shared libuv loop serves HTTP/1.1 (otlp-http.c
 * reads the requests) and POST /v1/traces as the OTLP/HTTP specification
 * says:
 *
 *   200  the request was read; a partialSuccess counts the spans rejected
 *   400  the body cannot be decoded (bad JSON, truncated protobuf, gzip)
 *   401  --otlp-token is set and the request does not carry it
 *   404  another path;  405  another method (Allow: POST)
 *   408  the request did not arrive whole within the body timeout
 *   413  the body (or what it inflates to) is over --otlp-max-body
 *   415  another content type or content encoding
 *   503  too many connections, or bodies held at once over their bound
 *
 * Errors found from the head are answered at once and the connection is
 * closed, so a large or slow body is never read; otherwise the connection
 * stays open for the next request. A body is held until complete, then
 * decoded in one go, its spans handed to otlp-runs.c, and the answer
 * written: nothing waits on anything but the socket. libwebsockets is not
 * used here: version 4.1 does not read chunked request bodies, which
 * OpenTelemetry's JavaScript exporters send.
 */

/* Bound on request bodies held at once, all connections together. */
#define OTLP_INFLIGHT_MAX (64 * 1024 * 1024)
/* Most connections at once; more are answered 503 and closed. */
#define OTLP_CONNS_MAX 256
/* How long an idle kept-alive connection stays open, ms. */
#define OTLP_IDLE_MS 30000

enum otlp_format { F_NONE, F_JSON, F_PROTO };

struct otlp_conn {
	struct source_otlp *so;
	uv_tcp_t tcp;
	uv_timer_t timer;      /* the whole request's deadline, or idle time */
	struct http_req req;
	enum otlp_format format;
	int gzip;
	int in_request;        /* bytes of a request have come */
	int closing;
	int open_handles;
	struct otlp_conn *prev, *next;
};

struct source_otlp {
	struct source_otlp_opts opts;
	char *token;
	char host[256];
	int port;
	struct sink sink;
	int source;
	struct otlp_runs *runs;
	uv_tcp_t server;
	uv_timer_t tick;
	struct otlp_conn *conns;
	int nconns;
	size_t inflight;       /* body bytes held by all connections */
	uint64_t notices;
	int finished;
	int stopping;
};

void
source_otlp_opts_default(struct source_otlp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_body = OTLP_MAX_BODY_DEFAULT;
	o->body_timeout_s = 30;
	o->grace_ms = 60 * 1000;
}

int
source_otlp_parse_listen(const char *spec, char *host, size_t hostlen,
    int *port, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':'), *p;
	char *end;
	long v;

	p = colon != NULL ? colon + 1 : spec;
	if (*p == '\0' || !isdigit((unsigned char)*p)) {
		snprintf(err, errlen, "want [HOST:]PORT");
		return -1;
	}
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535) {
		snprintf(err, errlen, "the port is not a number from 1 to 65535");
		return -1;
	}
	*port = (int)v;
	if (colon == NULL || colon == spec)
		snprintf(host, hostlen, "127.0.0.1");
	else if (spec[0] == '[' && colon[-1] == ']')
		snprintf(host, hostlen, "%.*s", (int)(colon - spec - 2), spec + 1);
	else
		snprintf(host, hostlen, "%.*s", (int)(colon - spec), spec);
	if (*host == '\0' || strlen(host) >= hostlen - 1) {
		snprintf(err, errlen, "want [HOST:]PORT");
		return -1;
	}
	return 0;
}

char *
source_otlp_token(const char *spec, char *err, size_t errlen)
{
	const char *v = spec;

	if (strncmp(spec, "env:", 4) == 0 && (v = getenv(spec + 4)) == NULL) {
		snprintf(err, errlen, "environment variable %.64s is not set",
		    spec + 4);
		return NULL;
	}
	if (*v == '\0') {
		snprintf(err, errlen, "the token is empty");
		return NULL;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "the token holds a space or a"
			    " control character");
			return NULL;
		}
	}
	return xstrdup(v);
}

static void
on_event(void *ctx, struct event *ev)
{
	struct source_otlp *so = ctx;
	struct source_info *si = sources_get(so->source);

	if (so->stopping || loop_stopping()) {
		event_done(ev);
		return;
	}
	si->events++;
	if (ev->ts_ms > si->last_event_ms)
		si->last_event_ms = ev->ts_ms;
	ev->source = so->source;
	so->sink.event(so->sink.ctx, ev);
}

static void
on_span(void *ctx, struct otlp_span *sp)
{
	struct source_otlp *so = ctx;

	otlp_runs_add(so->runs, sp, loop_now_ms());
}

/* A bad request: counted, and said (the first few) on the notice hook. */
static void
bad_request(struct source_otlp *so, enum event_malformed why, const char *fmt,
    const char *detail)
{
	struct source_info *si = sources_get(so->source);

	if (why != MAL_NONE)
		source_count_malformed(so->source, why);
	if (++so->notices <= 5)
		sink_notice(&so->sink, so->source, "%s: %s%s%s", si->name, fmt,
		    detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

static void conn_timeout(uv_timer_t *);

static void
conn_closed(uv_handle_t *h)
{
	struct otlp_conn *c = h->data;

	if (--c->open_handles == 0) {
		http_req_done(&c->req);
		free(c);
	}
}

static void
conn_close(struct otlp_conn *c)
{
	struct source_otlp *so = c->so;

	if (c->closing)
		return;
	c->closing = 1;
	so->inflight -= c->req.len;
	c->req.len = 0;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		so->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	so->nconns--;
	uv_read_stop((uv_stream_t *)&c->tcp);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
	uv_close((uv_handle_t *)&c->timer, conn_closed);
}

struct otlp_write {
	uv_write_t req;
	struct otlp_conn *c;   /* to close once written, or NULL */
	char data[];
};

static void
written(uv_write_t *w, int status)
{
	struct otlp_write *ow = (struct otlp_write *)w;

	(void)status;
	if (ow->c != NULL)
		conn_close(ow->c);
	free(ow);
}

static void
conn_write(struct otlp_conn *c, const char *head, size_t hlen,
    const void *body, size_t blen, int close)
{
	struct otlp_write *ow = xmalloc(sizeof *ow + hlen + blen);
	uv_buf_t b;

	memcpy(ow->data, head, hlen);
	if (blen > 0)
		memcpy(ow->data + hlen, body, blen);
	ow->c = close ? c : NULL;
	b = uv_buf_init(ow->data, (unsigned)(hlen + blen));
	if (uv_write(&ow->req, (uv_stream_t *)&c->tcp, &b, 1, written) != 0) {
		free(ow);
		conn_close(c);
	}
}

static const char *
status_text(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Write a whole response; with close, the connection ends once it is out. */
static void
respond(struct otlp_conn *c, unsigned status, const char *ctype,
    const void *body, size_t len, int close)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof head, "HTTP/1.1 %u %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s%s%s\r\n",
	    status, status_text(status), ctype, len,
	    status == 405 ? "Allow: POST\r\n" : "",
	    status == 401 ? "WWW-Authenticate: Bearer\r\n" : "",
	    status == 503 ? "Retry-After: 1\r\n" : "",
	    close ? "Connection: close\r\n" : "");
	conn_write(c, head, (size_t)n, body, len, close);
	if (close && !c->closing) {
		/* A peer that never reads the answer is dropped all the same. */
		c->in_request = 0;
		uv_timer_start(&c->timer, conn_timeout, 5000, 0);
	}
}

/* An error answer: a Status message in the request's format. */
static void
respond_error(struct otlp_conn *c, enum otlp_format f, unsigned status,
    const char *msg, int close)
{
	if (f == F_PROTO) {
		/* google.rpc.Status: field 2 is the message. */
		size_t n = strlen(msg) < 120 ? strlen(msg) : 120;
		unsigned char b[128];

		b[0] = 0x12;
		b[1] = (unsigned char)n;
		memcpy(b + 2, msg, n);
		respond(c, status, "application/x-protobuf", b, n + 2, close);
	} else if (f == F_JSON) {
		json_t *o = json_pack("{s:i,s:s}", "code", (int)status, "message", msg);
		char *s = json_dumps(o, JSON_COMPACT);

		json_decref(o);
		respond(c, status, "application/json", s != NULL ? s : "",
		    s != NULL ? strlen(s) : 0, close);
		free(s);
	} else
		respond(c, status, "text/plain", msg, strlen(msg), close);
}

/* The media type of a Content-Type value, without parameters or case. */
static enum otlp_format
media_type(const char *v)
{
	size_t n = strcspn(v, ";");

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 16 && strncasecmp(v, "application/json", n) == 0)
		return F_JSON;
	if (n == 22 && strncasecmp(v, "application/x-protobuf", n) == 0)
		return F_PROTO;
	if (n == 20 && strncasecmp(v, "application/protobuf", n) == 0)
		return F_PROTO;
	return F_NONE;
}

/* Constant-time comparison of the Authorization header with the token. */
static int
token_ok(const struct source_otlp *so, const char *auth)
{
	size_t tl = strlen(so->token), al = strlen(auth);
	unsigned char diff = 0;

	if (al != tl + 7 || strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	for (size_t i = 0; i < tl; i++)
		diff |= (unsigned char)(auth[7 + i] ^ so->token[i]);
	return diff == 0;
}

/* Judge a request by its head; 0 to read the body, -1 when answered. */
static int
on_head(struct otlp_conn *c)
{
	struct source_otlp *so = c->so;
	struct http_req *r = &c->req;
	char path[sizeof r->path];

	c->format = media_type(r->content_type);
	c->gzip = 0;
	snprintf(path, sizeof path, "%s", r->path);
	path[strcspn(path, "?")] = '\0';
	if (strcmp(path, "/v1/traces") != 0) {
		bad_request(so, MAL_NONE, "request for another path", NULL);
		respond_error(c, c->format, 404,
		    "not found: OTLP traces go to /v1/traces", 1);
		return -1;
	}
	if (strcmp(r->method, "POST") != 0) {
		bad_request(so, MAL_NONE, "request with a method other than POST",
		    NULL);
		respond_error(c, c->format, 405, "method not allowed: use POST", 1);
		return -1;
	}
	if (so->token != NULL && !token_ok(so, r->authorization)) {
		bad_request(so, MAL_NONE, "request without the bearer token", NULL);
		respond_error(c, c->format, 401,
		    "unauthorized: a bearer token is required", 1);
		return -1;
	}
	if (c->format == F_NONE) {
		bad_request(so, MAL_BAD_TYPE, "unsupported content type", NULL);
		respond_error(c, F_NONE, 415, "unsupported media type: use"
		    " application/json or application/x-protobuf", 1);
		return -1;
	}
	if (strcasecmp(r->content_encoding, "gzip") == 0)
		c->gzip = 1;
	else if (r->content_encoding[0] != '\0' &&
	    strcasecmp(r->content_encoding, "identity") != 0) {
		bad_request(so, MAL_BAD_TYPE, "unsupported content encoding", NULL);
		respond_error(c, c->format, 415, "unsupported content encoding:"
		    " use gzip or none", 1);
		return -1;
	}
	if (r->content_length > (int64_t)so->opts.max_body) {
		bad_request(so, MAL_TOO_LARGE, "request body over --otlp-max-body",
		    NULL);
		respond_error(c, c->format, 413, "payload too large", 1);
		return -1;
	}
	if (r->expect_continue)
		conn_write(c, "HTTP/1.1 100 Continue\r\n\r\n", 25, NULL, 0, 0);
	return 0;
}

/* Inflate a gzip body within max bytes: 0, -1 (not gzip), -2 (too large). */
static int
gunzip(const unsigned char *in, size_t len, size_t max, unsigned char **out,
    size_t *outlen)
{
	z_stream z;
	size_t cap = len * 4 + 1024, n = 0;
	unsigned char *buf;
	int rc;

	if (cap > max + 1)
		cap = max + 1;
	buf = xmalloc(cap);
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return -1;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	for (;;) {
		z.next_out = buf + n;
		z.avail_out = (uInt)(cap - n);
		rc = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK && !(rc == Z_BUF_ERROR && z.avail_out == 0)) {
			inflateEnd(&z);
			free(buf);
			return -1;
		}
		if (z.avail_out == 0) {
			if (cap > max) {
				inflateEnd(&z);
				free(buf);
				return -2;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		} else if (z.avail_in == 0) {
			inflateEnd(&z);
			free(buf);
			return -1; /* truncated */
		}
	}
	inflateEnd(&z);
	if (n > max) {
		free(buf);
		return -2;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

/* The whole request is here: decode it and answer. */
static void
on_request(struct otlp_conn *c)
{
	struct source_otlp *so = c->so;
	struct otlp_result res;
	unsigned char *body = c->req.body, *plain = NULL;
	size_t len = c->req.len;
	enum otlp_format f = c->format;
	int rc, close = c->req.close;

	sources_get(so->source)->last_recv_ms = loop_now_ms();
	if (c->gzip) {
		rc = gunzip(body, len, so->opts.max_body, &plain, &len);
		if (rc != 0) {
			bad_request(so, rc == -2 ? MAL_TOO_LARGE : MAL_BAD_JSON,
			    rc == -2 ? "request body inflates past --otlp-max-body" :
			    "request body is not valid gzip", NULL);
			respond_error(c, f, rc == -2 ? 413 : 400, rc == -2 ?
			    "payload too large once inflated" :
			    "bad request: the body is not valid gzip", close);
			return;
		}
		body = plain;
	}
	if (f == F_JSON)
		rc = otlp_decode_json(len > 0 ? (const char *)body : "", len,
		    on_span, so, &res);
	else
		rc = otlp_decode_proto(len > 0 ? body : (const uint8_t *)"", len,
		    on_span, so, &res);
	free(plain);
	if (rc != 0) {
		bad_request(so, MAL_BAD_JSON, "undecodable request", res.error);
		respond_error(c, f, 400, res.error, close);
		return;
	}
	if (res.rejected > 0) {
		struct source_info *si = sources_get(so->source);

		si->malformed[MAL_BAD_TYPE] += res.rejected;
		si->malformed_total += res.rejected;
		bad_request(so, MAL_NONE, "spans rejected", res.error);
	}
	if (f == F_JSON) {
		char *s = otlp_response_json(res.rejected, res.rejected ?
		    res.error : "", &len);

		respond(c, 200, "application/json", s, len, close);
		free(s);
	} else {
		uint8_t *b = otlp_response_proto(res.rejected, res.rejected ?
		    res.error : "", &len);

		respond(c, 200, "application/x-protobuf", b, len, close);
		free(b);
	}
}

static void
conn_timeout(uv_timer_t *t)
{
	struct otlp_conn *c = t->data;

	if (!c->in_request) {
		conn_close(c); /* idle */
		return;
	}
	bad_request(c->so, MAL_NONE, "request too slow", NULL);
	uv_read_stop((uv_stream_t *)&c->tcp);
	respond_error(c, c->format, 408, "request timeout: the request came"
	    " too slowly", 1);
}

static void
alloc_buf(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	static char rbuf[65536];

	(void)h;
	(void)size;
	*buf = uv_buf_init(rbuf, sizeof rbuf);
}

/* Feed what came; answer each request as it completes. */
static void
conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct otlp_conn *c = s->data;
	struct source_otlp *so = c->so;
	size_t off = 0, used, before;

	if (nread < 0) {
		conn_close(c);
		return;
	}
	while (!c->closing) {
		enum http_result res;

		if (!c->in_request && off < (size_t)nread) {
			c->in_request = 1;
			uv_timer_start(&c->timer, conn_timeout,
			    (uint64_t)so->opts.body_timeout_s * 1000, 0);
		}
		before = c->req.len;
		res = http_feed(&c->req, buf->base + off, (size_t)nread - off, &used);
		off += used;
		so->inflight += c->req.len - before;
		if (so->inflight > OTLP_INFLIGHT_MAX) {
			bad_request(so, MAL_NONE, "too many request bodies at once",
			    NULL);
			respond_error(c, c->format, 503, "busy: retry later", 1);
			uv_read_stop((uv_stream_t *)&c->tcp);
			return;
		}
		if (res == HTTP_MORE)
			return;
		if (res == HTTP_FAILED) {
			if (c->req.error_status == 413)
				bad_request(so, MAL_TOO_LARGE, "request body over"
				    " --otlp-max-body", NULL);
			else
				bad_request(so, MAL_BAD_JSON, "bad HTTP request",
				    c->req.error);
			respond_error(c, c->format, (unsigned)c->req.error_status,
			    c->req.error, 1);
			uv_read_stop((uv_stream_t *)&c->tcp);
			return;
		}
		if (res == HTTP_GOT_HEAD) {
			if (on_head(c) != 0) {
				uv_read_stop((uv_stream_t *)&c->tcp);
				return;
			}
			continue;
		}
		on_request(c);
		if (c->req.close) {
			uv_read_stop((uv_stream_t *)&c->tcp);
			return;
		}
		so->inflight -= c->req.len;
		http_req_reset(&c->req);
		c->in_request = 0;
		uv_timer_start(&c->timer, conn_timeout, OTLP_IDLE_MS, 0);
		if (off >= (size_t)nread)
			return;
	}
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct source_otlp *so = server->data;
	struct otlp_conn *c;

	if (status != 0 || so->stopping)
		return;
	c = xcalloc(1, sizeof *c);
	c->so = so;
	uv_tcp_init(loop_uv(), &c->tcp);
	uv_timer_init(loop_uv(), &c->timer);
	c->tcp.data = c->timer.data = c;
	c->open_handles = 2;
	http_req_init(&c->req, so->opts.max_body);
	c->next = so->conns;
	if (so->conns != NULL)
		so->conns->prev = c;
	so->conns = c;
	so->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	if (so->nconns > OTLP_CONNS_MAX) {
		bad_request(so, MAL_NONE, "too many connections", NULL);
		respond_error(c, F_NONE, 503, "busy: too many connections", 1);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	uv_timer_start(&c->timer, conn_timeout, OTLP_IDLE_MS, 0);
	uv_read_start((uv_stream_t *)&c->tcp, alloc_buf, conn_read);
}

static void
tick(uv_timer_t *t)
{
	struct source_otlp *so = t->data;

	otlp_runs_tick(so->runs, loop_now_ms());
}

/* The listen address as a sockaddr: an IP address, or localhost. */
static int
listen_addr(const char *host, int port, struct sockaddr_storage *ss)
{
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
		return 0;
	if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
		return 0;
	return -1;
}

struct source_otlp *
source_otlp_start(const struct source_otlp_opts *opts, const struct sink *sink,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct otlp_runs_opts ro;
	struct source_otlp *so;
	char why[128], name[320];
	int rc;

	so = xcalloc(1, sizeof *so);
	so->opts = *opts;
	so->sink = *sink;
	so->source = -1;
	if (source_otlp_parse_listen(opts->listen, so->host, sizeof so->host,
	    &so->port, why, sizeof why) != 0) {
		snprintf(err, errlen, "--otlp-listen: %s", why);
		free(so);
		return NULL;
	}
	if (listen_addr(so->host, so->port, &ss) != 0) {
		snprintf(err, errlen, "--otlp-listen %.200s: the host is not an IP"
		    " address (or localhost)", opts->listen);
		free(so);
		return NULL;
	}
	uv_tcp_init(loop_uv(), &so->server);
	so->server.data = so;
	if ((rc = uv_tcp_bind(&so->server, (struct sockaddr *)&ss, 0)) != 0 ||
	    (rc = uv_listen((uv_stream_t *)&so->server, 128, on_connection)) != 0) {
		snprintf(err, errlen, "--otlp-listen %.200s: %s", opts->listen,
		    uv_strerror(rc));
		uv_close((uv_handle_t *)&so->server, NULL);
		so->stopping = 1; /* freed by source_otlp_free after the loop */
		so->opts.listen = NULL;
		return so;
	}
	if (opts->token != NULL)
		so->token = xstrdup(opts->token);
	so->opts.token = NULL;
	so->opts.listen = NULL;
	otlp_runs_opts_default(&ro);
	ro.grace_ms = opts->grace_ms;
	so->runs = otlp_runs_create(&ro, on_event, so);

	snprintf(name, sizeof name, "otlp http://%s%s%s:%d/v1/traces",
	    strchr(so->host, ':') != NULL ? "[" : "", so->host,
	    strchr(so->host, ':') != NULL ? "]" : "", so->port);
	so->source = sources_add("otlp", name);
	source_set_state(so->source, SRC_LIVE, loop_now_ms());
	sink_notice(&so->sink, so->source, "%s: listening", name);
	uv_timer_init(loop_uv(), &so->tick);
	so->tick.data = so;
	uv_timer_start(&so->tick, tick, 1000, 1000);
	return so;
}

int
source_otlp_failed(const struct source_otlp *so)
{
	return so != NULL && so->runs == NULL;
}

void
source_otlp_finish(struct source_otlp *so)
{
	if (so == NULL || so->finished || so->runs == NULL)
		return;
	so->finished = 1;
	otlp_runs_flush(so->runs, loop_now_ms());
	source_set_state(so->source, SRC_DONE, loop_now_ms());
	if (so->sink.caught_up != NULL)
		so->sink.caught_up(so->sink.ctx, so->source);
}

void
source_otlp_stop(struct source_otlp *so)
{
	if (so == NULL || so->stopping)
		return;
	so->stopping = 1;
	while (so->conns != NULL)
		conn_close(so->conns);
	uv_close((uv_handle_t *)&so->server, NULL);
	uv_timer_stop(&so->tick);
	uv_close((uv_handle_t *)&so->tick, NULL);
}

void
source_otlp_free(struct source_otlp *so)
{
	if (so == NULL)
		return;
	otlp_runs_free(so->runs);
	if (so->token != NULL)
		memset(so->token, 0, strlen(so->token));
	free(so->token);
	free(so);
}
