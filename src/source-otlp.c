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

#include <libwebsockets.h>
#include <uv.h>
#include <zlib.h>
#include <jansson.h>

#include "log.h"
#include "loop.h"
#include "otlp-decode.h"
#include "otlp-runs.h"
#include "source-otlp.h"
#include "xmalloc.h"

/*
 * An lws context of its own on the shared libuv loop (foreign loop, as in
 * source-ws.c) listens for HTTP/1.1 and serves POST /v1/traces as the
 * OTLP/HTTP specification says:
 *
 *   200  the request was read; a partialSuccess counts the spans rejected
 *   400  the body cannot be decoded (bad JSON, truncated protobuf, gzip)
 *   401  --otlp-token is set and the request does not carry it
 *   404  another path;  405  another method (Allow: POST)
 *   408  the body did not arrive within the body timeout (a slow sender)
 *   413  the body (or what it inflates to) is over --otlp-max-body
 *   415  another content type or content encoding
 *   503  the bodies being received together are over their bound
 *
 * Errors found from the headers are answered at once and the connection is
 * closed, so a large or slow body is never read; the rest keep the
 * connection alive. A body is held until complete (bounded), then decoded
 * in one go, its spans handed to otlp-runs.c, and the answer written in the
 * same callback: nothing waits on anything but the socket.
 */

/* Bound on bodies being received at once, all connections together. */
#define OTLP_INFLIGHT_MAX (64 * 1024 * 1024)

enum otlp_format { F_NONE, F_JSON, F_PROTO };

/* One connection's request (lws allocates it per connection, zeroed). */
struct otlp_conn {
	unsigned char *body;
	size_t len, cap;
	enum otlp_format format;
	int gzip;
	int skip;              /* answered already: ignore the body */
	int64_t started_ms;    /* wall clock of the request's headers */
};

struct source_otlp {
	struct lws_context *ctx;
	struct source_otlp_opts opts;
	char *token;
	char host[256];
	int port;
	struct sink sink;
	int source;
	struct otlp_runs *runs;
	uv_timer_t tick;
	uv_timer_t reaper;
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

/* lws logs into ours: never onto a terminal the dashboard owns. */
static void
otlp_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_msg(LOG_DEBUG, "lws%s: %.*s", level == LLL_ERR ? " error" : "",
	    (int)n, line);
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

static void
conn_reset(struct source_otlp *so, struct otlp_conn *c)
{
	so->inflight -= c->len;
	free(c->body);
	memset(c, 0, sizeof *c);
}

/*
 * Write a whole response. close: say so and have the caller close the
 * connection (return -1). Returns what the callback is to return.
 */
static int
respond(struct lws *wsi, unsigned status, const char *ctype, const void *body,
    size_t len, int close)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
	    *end = buf + sizeof buf - 1;
	unsigned char *out;

	if (lws_add_http_common_headers(wsi, status, ctype, len, &p, end) != 0)
		return -1;
	if (status == 405 && lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"allow:", (const unsigned char *)"POST", 4,
	    &p, end) != 0)
		return -1;
	if (status == 401 && lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"www-authenticate:",
	    (const unsigned char *)"Bearer", 6, &p, end) != 0)
		return -1;
	if (status == 503 && lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"retry-after:", (const unsigned char *)"1", 1,
	    &p, end) != 0)
		return -1;
	if (close && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
	    (const unsigned char *)"close", 5, &p, end) != 0)
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end) != 0)
		return -1;
	out = xmalloc(LWS_PRE + len + 1);
	memcpy(out + LWS_PRE, body, len);
	if (lws_write(wsi, out + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int)len) {
		free(out);
		return -1;
	}
	free(out);
	if (close)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* An error answer: the OTLP Status message in the request's format. */
static int
respond_error(struct lws *wsi, enum otlp_format f, unsigned status,
    const char *msg, int close)
{
	size_t len;
	int rc;

	if (f == F_PROTO) {
		/* google.rpc.Status: field 2 is the message. */
		size_t n = strlen(msg) < 120 ? strlen(msg) : 120;
		unsigned char b[128];

		b[0] = 0x12;
		b[1] = (unsigned char)n;
		memcpy(b + 2, msg, n);
		return respond(wsi, status, "application/x-protobuf", b, n + 2,
		    close);
	}
	if (f == F_JSON) {
		json_t *o = json_pack("{s:i,s:s}", "code", (int)status, "message", msg);
		char *s = json_dumps(o, JSON_COMPACT);

		json_decref(o);
		len = s != NULL ? strlen(s) : 0;
		rc = respond(wsi, status, "application/json", s != NULL ? s : "",
		    len, close);
		free(s);
		return rc;
	}
	return respond(wsi, status, "text/plain", msg, strlen(msg), close);
}

/* A header as a lowercase string; "" when absent or longer than size. */
static void
header(struct lws *wsi, enum lws_token_indexes h, char *buf, size_t size)
{
	int n = lws_hdr_total_length(wsi, h);

	buf[0] = '\0';
	if (n <= 0 || (size_t)n >= size || lws_hdr_copy(wsi, buf, (int)size, h) < 0) {
		buf[0] = '\0';
		return;
	}
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

static int
on_request(struct source_otlp *so, struct otlp_conn *c, struct lws *wsi,
    const char *path)
{
	char ctype[128], cenc[64], auth[1024], clen[32];
	int is_post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
	char *end;

	conn_reset(so, c);
	c->started_ms = loop_now_ms();
	header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, ctype, sizeof ctype);
	c->format = media_type(ctype);
	if (path == NULL || strcmp(path, "/v1/traces") != 0) {
		bad_request(so, MAL_NONE, "request for another path", NULL);
		return respond_error(wsi, c->format, 404,
		    "not found: OTLP traces go to /v1/traces", 1);
	}
	if (!is_post) {
		bad_request(so, MAL_NONE, "request with a method other than POST",
		    NULL);
		return respond_error(wsi, c->format, 405,
		    "method not allowed: use POST", 1);
	}
	if (so->token != NULL) {
		header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, sizeof auth);
		if (!token_ok(so, auth)) {
			bad_request(so, MAL_NONE, "request without the bearer token",
			    NULL);
			return respond_error(wsi, c->format, 401,
			    "unauthorized: a bearer token is required", 1);
		}
	}
	if (c->format == F_NONE) {
		bad_request(so, MAL_BAD_TYPE, "unsupported content type", NULL);
		return respond_error(wsi, F_NONE, 415, "unsupported media type:"
		    " use application/json or application/x-protobuf", 1);
	}
	header(wsi, WSI_TOKEN_HTTP_CONTENT_ENCODING, cenc, sizeof cenc);
	if (strcasecmp(cenc, "gzip") == 0)
		c->gzip = 1;
	else if (cenc[0] != '\0' && strcasecmp(cenc, "identity") != 0) {
		bad_request(so, MAL_BAD_TYPE, "unsupported content encoding", NULL);
		return respond_error(wsi, c->format, 415, "unsupported content"
		    " encoding: use gzip or none", 1);
	}
	header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, clen, sizeof clen);
	if (clen[0] != '\0' && (strtoull(clen, &end, 10) > so->opts.max_body ||
	    *end != '\0')) {
		bad_request(so, MAL_TOO_LARGE, "request body over --otlp-max-body",
		    NULL);
		return respond_error(wsi, c->format, 413, "payload too large", 1);
	}
	/* The whole body must come within the timeout, however slowly. */
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, so->opts.body_timeout_s);
	if (strcmp(clen, "0") == 0)
		return -2; /* no body will follow: answer now */
	return 0;
}

static int
on_body(struct source_otlp *so, struct otlp_conn *c, struct lws *wsi,
    const void *in, size_t len)
{
	if (c->skip)
		return 0;
	if (loop_now_ms() - c->started_ms > (int64_t)so->opts.body_timeout_s * 1000) {
		c->skip = 1;
		bad_request(so, MAL_NONE, "request body too slow", NULL);
		return respond_error(wsi, c->format, 408, "request timeout: the"
		    " body came too slowly", 1);
	}
	if (c->len + len > so->opts.max_body) {
		c->skip = 1;
		conn_reset(so, c);
		bad_request(so, MAL_TOO_LARGE, "request body over --otlp-max-body",
		    NULL);
		return respond_error(wsi, F_NONE, 413, "payload too large", 1);
	}
	if (so->inflight + len > OTLP_INFLIGHT_MAX) {
		c->skip = 1;
		conn_reset(so, c);
		bad_request(so, MAL_NONE, "too many request bodies at once", NULL);
		return respond_error(wsi, F_NONE, 503, "busy: retry later", 1);
	}
	if (c->len + len > c->cap) {
		size_t ncap = c->cap ? c->cap : 16384;

		while (ncap < c->len + len)
			ncap *= 2;
		if (ncap > so->opts.max_body)
			ncap = so->opts.max_body;
		c->body = xrealloc(c->body, ncap);
		c->cap = ncap;
	}
	memcpy(c->body + c->len, in, len);
	c->len += len;
	so->inflight += len;
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

static int
on_complete(struct source_otlp *so, struct otlp_conn *c, struct lws *wsi)
{
	struct otlp_result res;
	unsigned char *body = c->body, *plain = NULL;
	size_t len = c->len;
	enum otlp_format f = c->format;
	int rc;

	if (c->skip)
		return -1;
	sources_get(so->source)->last_recv_ms = loop_now_ms();
	if (c->gzip) {
		rc = gunzip(c->body, c->len, so->opts.max_body, &plain, &len);
		if (rc != 0) {
			conn_reset(so, c);
			bad_request(so, rc == -2 ? MAL_TOO_LARGE : MAL_BAD_JSON,
			    rc == -2 ? "request body inflates past --otlp-max-body" :
			    "request body is not valid gzip", NULL);
			return respond_error(wsi, f, rc == -2 ? 413 : 400,
			    rc == -2 ? "payload too large once inflated" :
			    "bad request: the body is not valid gzip", 0);
		}
		body = plain;
	}
	if (f == F_JSON)
		rc = otlp_decode_json((const char *)(body != NULL ? body :
		    (unsigned char *)""), len, on_span, so, &res);
	else
		rc = otlp_decode_proto(body != NULL ? body :
		    (const unsigned char *)"", len, on_span, so, &res);
	free(plain);
	conn_reset(so, c);
	if (rc != 0) {
		bad_request(so, MAL_BAD_JSON, "undecodable request", res.error);
		return respond_error(wsi, f, 400, res.error, 0);
	}
	if (res.rejected > 0) {
		sources_get(so->source)->malformed[MAL_BAD_TYPE] += res.rejected;
		sources_get(so->source)->malformed_total += res.rejected;
		bad_request(so, MAL_NONE, "spans rejected", res.error);
	}
	if (f == F_JSON) {
		char *s = otlp_response_json(res.rejected, res.rejected ?
		    res.error : "", &len);

		rc = respond(wsi, 200, "application/json", s, len, 0);
		free(s);
	} else {
		uint8_t *b = otlp_response_proto(res.rejected, res.rejected ?
		    res.error : "", &len);

		rc = respond(wsi, 200, "application/x-protobuf", b, len, 0);
		free(b);
	}
	return rc;
}

static int
otlp_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct lws_context *cx = lws_get_context(wsi);
	struct source_otlp *so = cx != NULL ? lws_context_user(cx) : NULL;
	struct otlp_conn *c = user;
	int rc;

	if (so == NULL || (c == NULL && (reason == LWS_CALLBACK_HTTP ||
	    reason == LWS_CALLBACK_HTTP_BODY ||
	    reason == LWS_CALLBACK_HTTP_BODY_COMPLETION)))
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		rc = on_request(so, c, wsi, in);
		if (rc == -2)
			return on_complete(so, c, wsi);
		return rc;
	case LWS_CALLBACK_HTTP_BODY:
		return on_body(so, c, wsi, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return on_complete(so, c, wsi);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c != NULL)
			conn_reset(so, c);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols otlp_protocols[] = {
	{ "http", otlp_callback, sizeof(struct otlp_conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
tick(uv_timer_t *t)
{
	struct source_otlp *so = t->data;

	otlp_runs_tick(so->runs, loop_now_ms());
}

/* Bind the address once ourselves, to say why lws could not. */
static int
probe_bind(const char *host, int port, char *why, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, rc = 0;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		snprintf(why, size, "not an IP address");
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0) {
		snprintf(why, size, "%s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(why, size, "%s", strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

struct source_otlp *
source_otlp_start(const struct source_otlp_opts *opts, const struct sink *sink,
    char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	struct otlp_runs_opts ro;
	struct source_otlp *so;
	char why[128], name[320];
	void *loops[1];

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
	if (probe_bind(so->host, so->port, why, sizeof why) != 0) {
		snprintf(err, errlen, "--otlp-listen %.200s: %s", opts->listen, why);
		free(so);
		return NULL;
	}
	if (opts->token != NULL)
		so->token = xstrdup(opts->token);
	so->opts.token = NULL;
	so->opts.listen = NULL;
	otlp_runs_opts_default(&ro);
	ro.grace_ms = opts->grace_ms;
	so->runs = otlp_runs_create(&ro, on_event, so);

	lws_set_log_level(LLL_ERR | LLL_WARN, otlp_log);
	memset(&info, 0, sizeof info);
	loops[0] = loop_uv();
	info.port = so->port;
	info.iface = so->host;
	info.protocols = otlp_protocols;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
	if (strchr(so->host, ':') != NULL)
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = loops;
	info.gid = -1;
	info.uid = -1;
	info.user = so;
	info.pcontext = &so->ctx;
	info.timeout_secs = (unsigned)opts->body_timeout_s;
	info.keepalive_timeout = 30;
	info.vhost_name = "otlp";
	so->ctx = lws_create_context(&info);
	if (so->ctx == NULL) {
		snprintf(err, errlen, "--otlp-listen %.200s: cannot listen (is"
		    " libwebsockets-evlib-uv installed?)", opts->listen);
		otlp_runs_free(so->runs);
		free(so->token);
		free(so);
		return NULL;
	}
	snprintf(name, sizeof name, "otlp http://%s%s%s:%d/v1/traces",
	    strchr(so->host, ':') != NULL ? "[" : "", so->host,
	    strchr(so->host, ':') != NULL ? "]" : "", so->port);
	so->source = sources_add("otlp", name);
	source_set_state(so->source, SRC_LIVE, loop_now_ms());
	sink_notice(&so->sink, so->source, "%s: listening", name);
	uv_timer_init(loop_uv(), &so->tick);
	so->tick.data = so;
	uv_timer_start(&so->tick, tick, 1000, 1000);
	uv_timer_init(loop_uv(), &so->reaper);
	so->reaper.data = so;
	return so;
}

void
source_otlp_finish(struct source_otlp *so)
{
	if (so == NULL || so->finished)
		return;
	so->finished = 1;
	otlp_runs_flush(so->runs, loop_now_ms());
	source_set_state(so->source, SRC_DONE, loop_now_ms());
	if (so->sink.caught_up != NULL)
		so->sink.caught_up(so->sink.ctx, so->source);
}

/* Outside any lws callback: tear the context down. */
static void
reap(uv_timer_t *t)
{
	struct source_otlp *so = t->data;

	uv_close((uv_handle_t *)&so->reaper, NULL);
	if (so->ctx != NULL)
		lws_context_destroy(so->ctx);
}

void
source_otlp_stop(struct source_otlp *so)
{
	if (so == NULL || so->stopping)
		return;
	so->stopping = 1;
	uv_timer_stop(&so->tick);
	uv_close((uv_handle_t *)&so->tick, NULL);
	uv_timer_start(&so->reaper, reap, 0, 0);
}

void
source_otlp_free(struct source_otlp *so)
{
	if (so == NULL)
		return;
	/* The second destroy frees what the first left for the loop to close. */
	if (so->ctx != NULL)
		lws_context_destroy(so->ctx);
	otlp_runs_free(so->runs);
	if (so->token != NULL)
		memset(so->token, 0, strlen(so->token));
	free(so->token);
	free(so);
}
