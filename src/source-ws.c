/* execmon - follow WebSocket feeds (ws://, wss://) with libwebsockets on the loop. */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libwebsockets.h>
#include <uv.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "source-ws.h"
#include "url.h"
#include "wsmsg.h"
#include "xmalloc.h"

/*
 * One lws context serves every feed, on the shared libuv loop (foreign loop,
 * uv event-lib plugin). Each feed is one client connection at a time:
 *
 *   resolve (uv_getaddrinfo) -> connect (lws) -> live -> lost -> retry ...
 *
 * What libwebsockets 4.1.6 does not tell us, and what we do about it:
 *  - A server that accepts TCP and never answers the upgrade produces no
 *    CONNECTION_ERROR: only CLOSED_CLIENT_HTTP or WSI_DESTROY, if anything. So
 *    every one of those callbacks ends the attempt (once), and our own
 *    connect timer covers TCP, TLS and the upgrade together.
 *  - Timers (and so lws_set_timeout) armed from outside an lws callback do
 *    not arm on the uv backend until the next service: every call into lws
 *    from our own uv callbacks is followed by lws_cancel_service().
 *  - A frozen server keeps the TCP connection open: lws's idle policy pings
 *    after ping_s without a valid frame and hangs up after hangup_s.
 *  - Logging goes to stderr unless routed: it goes to log_msg().
 *  - Teardown: the context is destroyed from a loop callback (never from
 *    inside an lws callback: loop_stop() may run there), the loop runs until
 *    lws has closed its handles, then source_ws_free() destroys it once more.
 *
 * Retry: after any failure the feed waits backoff_min_ms, doubling to
 * backoff_max_ms. The delay goes back to backoff_min_ms only when the
 * connection that ended had been up for healthy_ms: a server that accepts
 * every upgrade and closes at once (1011, say) is retried ever more slowly,
 * not every backoff_min_ms for ever.
 *
 * A frame whose header announces more than max_message bytes (or that would
 * take the message past it) is counted too_large and the connection dropped
 * at its first piece: reading through it would mean reading whatever length
 * the server wrote there, up to 2^63 bytes. lws hands a frame's payload on in
 * pieces of at most the protocol's rx buffer (WS_RX_PIECE, 1 KiB), and
 * lws_remaining_packet_payload() says how much of the frame is still to
 * come, so the first piece tells the whole frame's length (lws 4.1 has no
 * callback for the header alone: at most one piece is read first). The rule
 * is the same for a frame that fits in one piece, so that it does not depend
 * on how the bytes arrived. A message over the bound in fragments each
 * within it is skipped and counted as it comes (wsmsg.c), without dropping
 * the connection. Headless commands
 * that do not follow (snapshot, runs, events) end a feed when its server
 * closes an established connection: a WebSocket has nothing to backfill.
 */

enum ws_phase { W_IDLE, W_RESOLVING, W_CONNECTING, W_LIVE, W_RETRY, W_DONE };

struct ws_feed {
	struct source_ws *ws;
	struct url url;
	char display[256];
	char host[300];        /* Host header and TLS name */
	int source;            /* registry index */
	enum ws_phase phase;
	struct lws *wsi;       /* the current attempt, or NULL */
	int established;       /* the current attempt got past the upgrade */
	char why[200];         /* what we know of why it is ending, or "" */
	uv_timer_t timer;      /* connect timeout, then the retry delay */
	uv_getaddrinfo_t gai;
	int gai_busy;
	char addr[INET6_ADDRSTRLEN];
	int64_t backoff_ms;
	int64_t alive_ms;      /* wall clock of the upgrade or the last pong */
	int64_t up_ms;         /* wall clock of the upgrade of this connection */
	int connected_once;
	int caught_up_sent;
	uint64_t notices;      /* malformed messages reported so far */
	struct wsmsg_buf msg;
};

struct source_ws {
	struct lws_context *ctx;
	struct ws_feed *feeds;
	int nfeeds;
	struct source_ws_opts opts;
	char **hnames, **hvalues; /* request headers, "Name:" and value */
	int nheaders;
	char *ca_file;
	struct sink sink;
	lws_retry_bo_t idle;   /* ping/hang-up policy */
	uv_timer_t reaper;     /* destroys the context outside lws callbacks */
	int stopping;
	int in_callback;       /* depth of lws callbacks on the stack */
};

static void feed_connect(struct ws_feed *);

/*
 * The last TLS verification failure lws logged: its CONNECTION_ERROR only
 * says "connect SSL err 1", so the log line is kept for the message.
 */
static char ws_tls_error[160];

/* lws logs into ours: never onto a terminal the dashboard owns. */
static void
ws_log(int level, const char *line)
{
	static const char tls[] = "SSL error: ";
	const char *p;
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if ((p = strstr(line, tls)) != NULL) {
		size_t k = strcspn(p + sizeof tls - 1, "(\n");

		while (k > 0 && p[sizeof tls - 2 + k] == ' ')
			k--;
		snprintf(ws_tls_error, sizeof ws_tls_error, "%.*s", (int)k,
		    p + sizeof tls - 1);
	}
	log_msg(LOG_DEBUG, "lws%s: %.*s", level == LLL_ERR ? " error" : "",
	    (int)n, line);
}

/* Calls into lws from outside its callbacks need a kick to arm its timers. */
static void
ws_kick(struct source_ws *ws)
{
	if (ws->ctx != NULL && !ws->in_callback)
		lws_cancel_service(ws->ctx);
}

static void
caught_up(struct ws_feed *f)
{
	if (f->caught_up_sent)
		return;
	f->caught_up_sent = 1;
	if (f->ws->sink.caught_up != NULL)
		f->ws->sink.caught_up(f->ws->sink.ctx, f->source);
}

static void
retry_due(uv_timer_t *t)
{
	struct ws_feed *f = t->data;

	feed_connect(f);
}

/* Forget the current attempt; lws may still call back about it: ignored. */
static void
drop_wsi(struct ws_feed *f, int kill)
{
	struct lws *wsi = f->wsi;

	f->wsi = NULL;
	f->established = 0;
	wsmsg_buf_reset(&f->msg);
	if (wsi == NULL)
		return;
	lws_set_opaque_user_data(wsi, NULL);
	if (kill) {
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		ws_kick(f->ws);
	}
}

/* The feed ends for good (headless, not following). */
static void
feed_done(struct ws_feed *f, const char *why)
{
	uv_timer_stop(&f->timer);
	if (f->phase == W_DONE)
		return;
	f->phase = W_DONE;
	source_set_state(f->source, SRC_DONE, loop_now_ms());
	if (why != NULL)
		sink_notice(&f->ws->sink, f->source, "ws %s: %s", f->display, why);
	caught_up(f);
}

/* This attempt failed or the connection was lost: retry after the backoff. */
static void
feed_fail(struct ws_feed *f, const char *why)
{
	struct source_info *si = sources_get(f->source);
	int64_t now = loop_now_ms();

	uv_timer_stop(&f->timer);
	if (f->ws->stopping || f->phase == W_DONE)
		return;
	f->phase = W_RETRY;
	source_set_error(f->source, "%s", why);
	si->retry_at_ms = now + f->backoff_ms;
	si->reconnects++;
	source_set_state(f->source, SRC_RETRYING, now);
	sink_notice(&f->ws->sink, f->source, "ws %s: %s (retrying in %.1f s)", f->display, why,
	    (double)f->backoff_ms / 1000.0);
	uv_timer_start(&f->timer, retry_due, (uint64_t)f->backoff_ms, 0);
	f->backoff_ms *= 2;
	if (f->backoff_ms > f->ws->opts.backoff_max_ms)
		f->backoff_ms = f->ws->opts.backoff_max_ms;
}

/* lws says the connection of wsi is over, in one way or another. */
static void
feed_lost(struct ws_feed *f, struct lws *wsi, const char *what)
{
	char why[256];
	int was_live;

	if (f == NULL || f->wsi != wsi || wsi == NULL)
		return;
	was_live = f->established;
	if (was_live && loop_now_ms() - f->up_ms >= f->ws->opts.healthy_ms)
		f->backoff_ms = f->ws->opts.backoff_min_ms;
	if (was_live && f->why[0] == '\0' && loop_now_ms() - f->alive_ms >=
	    (int64_t)f->ws->opts.hangup_s * 1000 - 250)
		snprintf(f->why, sizeof f->why, "server stopped answering (no"
		    " pong within %d s)", f->ws->opts.hangup_s);
	snprintf(why, sizeof why, "%s", f->why[0] != '\0' ? f->why : what);
	drop_wsi(f, 0);
	if (f->ws->stopping)
		return;
	if (was_live && !f->ws->opts.follow) {
		feed_done(f, why);
		return;
	}
	feed_fail(f, why);
}

static void
connect_timeout(uv_timer_t *t)
{
	struct ws_feed *f = t->data;
	char why[128];

	if (f->phase != W_CONNECTING || f->wsi == NULL)
		return;
	snprintf(why, sizeof why, "no WebSocket upgrade within %.1f s",
	    (double)f->ws->opts.connect_timeout_ms / 1000.0);
	drop_wsi(f, 1);
	feed_fail(f, why);
}

static void
feed_established(struct ws_feed *f)
{
	uv_timer_stop(&f->timer);
	f->phase = W_LIVE;
	f->established = 1;
	f->why[0] = '\0';
	f->alive_ms = f->up_ms = loop_now_ms();
	source_set_state(f->source, SRC_LIVE, loop_now_ms());
	sink_notice(&f->ws->sink, f->source, "ws %s: %s", f->display,
	    f->connected_once ? "reconnected" : "connected");
	f->connected_once = 1;
}

static void
on_event(void *arg, struct event *ev, const char *id)
{
	struct ws_feed *f = arg;
	struct source_info *si = sources_get(f->source);

	si->events++;
	if (ev->ts_ms > si->last_event_ms)
		si->last_event_ms = ev->ts_ms;
	ev->source = f->source;
	if (id != NULL)
		ev->entry_id = xstrdup(id);
	f->ws->sink.event(f->ws->sink.ctx, ev);
}

static void
on_malformed(void *arg, enum event_malformed why)
{
	struct ws_feed *f = arg;
	struct source_info *si = sources_get(f->source);

	source_count_malformed(f->source, why);
	if (++f->notices <= 3)
		sink_notice(&f->ws->sink, f->source, "%s: malformed message (%s)", si->name,
		    event_malformed_name(why));
}

/*
 * A piece of a frame. Returns -1 to drop the connection: the frame announces
 * more than the message may hold.
 */
static int
feed_receive(struct ws_feed *f, struct lws *wsi, const void *in, size_t len)
{
	struct wsmsg_sink s = { on_event, on_malformed, f };
	size_t rest = lws_remaining_packet_payload(wsi), max = f->msg.max;
	size_t held = f->msg.active && !f->msg.binary && !f->msg.overflow ?
	    f->msg.len : 0;
	enum event_malformed why;
	int64_t now;
	int rc;

	if (len > max - held || rest > max - held - len) {
		sources_get(f->source)->last_recv_ms = loop_now_ms();
		on_malformed(f, MAL_TOO_LARGE);
		snprintf(f->why, sizeof f->why, "a frame of %" PRIu64 " bytes"
		    " announced, over --ws-max-message (%zu): connection dropped",
		    (uint64_t)(held + len + rest), max);
		wsmsg_buf_reset(&f->msg);
		return -1;
	}
	rc = wsmsg_buf_add(&f->msg, in, len, lws_is_final_fragment(wsi),
	    lws_frame_is_binary(wsi), &why);
	if (rc == 0)
		return 0;
	now = loop_now_ms();
	sources_get(f->source)->last_recv_ms = now;
	if (rc < 0) {
		on_malformed(f, why);
		return 0;
	}
	if (f->ws->stopping || loop_stopping())
		return 0;
	wsmsg_decode(f->msg.p, f->msg.len, now, &s);
	return 0;
}

/* Note the close code the server sent, for the message about it. */
static void
peer_close(struct ws_feed *f, const unsigned char *in, size_t len)
{
	char reason[128];
	size_t n;

	if (len < 2) {
		snprintf(f->why, sizeof f->why, "closed by the server");
		return;
	}
	n = len - 2 < sizeof reason - 1 ? len - 2 : sizeof reason - 1;
	memcpy(reason, in + 2, n);
	reason[n] = '\0';
	snprintf(f->why, sizeof f->why, "closed by the server (%u%s%s)",
	    (unsigned)(in[0] << 8 | in[1]), n > 0 ? " " : "", reason);
}

static int
add_headers(struct ws_feed *f, struct lws *wsi, unsigned char **p,
    unsigned char *end)
{
	struct source_ws *ws = f->ws;

	for (int i = 0; i < ws->nheaders; i++) {
		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)ws->hnames[i],
		    (const unsigned char *)ws->hvalues[i],
		    (int)strlen(ws->hvalues[i]), p, end) != 0)
			return -1;
	}
	return 0;
}

/*
 * Why an attempt failed. lws says "closed before established" for a refused
 * TCP connect too; the socket's pending error says which it was.
 */
static void
connect_error(struct lws *wsi, const void *in, size_t len, char *why,
    size_t size)
{
	int fd = lws_get_socket_fd(wsi), e = 0;
	socklen_t elen = sizeof e;
	unsigned int status;

	if (ws_tls_error[0] != '\0' && in != NULL &&
	    memmem(in, len, "SSL", 3) != NULL)
		snprintf(why, size, "TLS: certificate not trusted: %s",
		    ws_tls_error);
	else if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
	    &elen) == 0 && e != 0)
		snprintf(why, size, "%s", strerror(e));
	else if ((status = lws_http_client_http_response(wsi)) > 0 &&
	    status != 101)
		snprintf(why, size, "the server answered HTTP %u, not a"
		    " WebSocket upgrade", status);
	else if (in != NULL && len > 0)
		snprintf(why, size, "%.*s", (int)strnlen(in, len), (const char *)in);
	else
		snprintf(why, size, "connection failed");
	ws_tls_error[0] = '\0';
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct ws_feed *f = wsi != NULL ? lws_get_opaque_user_data(wsi) : NULL;
	struct source_ws *ws = f != NULL ? f->ws : NULL;
	char why[256];
	int rc = 0;

	(void)user;
	if (f == NULL || f->wsi != wsi)
		return 0;
	ws->in_callback++;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		rc = add_headers(f, wsi, (unsigned char **)in,
		    *(unsigned char **)in + len);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		feed_established(f);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		rc = feed_receive(f, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		f->alive_ms = loop_now_ms();
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		peer_close(f, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		connect_error(wsi, in, len, why, sizeof why);
		feed_lost(f, wsi, why);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		feed_lost(f, wsi, "connection lost");
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		feed_lost(f, wsi, "closed before the WebSocket upgrade");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		feed_lost(f, wsi, f->established ? "connection lost" :
		    "closed before the WebSocket upgrade");
		break;
	default:
		break;
	}
	ws->in_callback--;
	return rc;
}

/*
 * lws hands a frame's payload on when the frame is complete or when this many
 * bytes of it are in: small, so that a frame too large for the message
 * bound is known (and dropped) after at most this much of it.
 */
#define WS_RX_PIECE 1024

static const struct lws_protocols ws_protocols[] = {
	{ "execmon-feed", ws_callback, 0, WS_RX_PIECE, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Start one attempt at the resolved address. */
static void
connect_addr(struct ws_feed *f)
{
	struct source_ws *ws = f->ws;
	struct lws_client_connect_info cc;

	memset(&cc, 0, sizeof cc);
	cc.context = ws->ctx;
	cc.address = f->addr;
	cc.port = f->url.port;
	cc.path = f->url.path;
	cc.host = f->host;
	cc.origin = f->host;
	cc.local_protocol_name = ws_protocols[0].name;
	cc.retry_and_idle_policy = &ws->idle;
	cc.opaque_user_data = f;
	cc.pwsi = &f->wsi;
	if (f->url.scheme == URL_WSS) {
		cc.ssl_connection = LCCSCF_USE_SSL;
		if (ws->opts.insecure)
			cc.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
			    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	f->phase = W_CONNECTING;
	f->established = 0;
	f->why[0] = '\0';
	uv_timer_start(&f->timer, connect_timeout,
	    (uint64_t)ws->opts.connect_timeout_ms, 0);
	/*
	 * lws stores the new wsi through pwsi before it can call back about
	 * it, and clears it when the attempt fails at once (after the
	 * CONNECTION_ERROR callback, which has already scheduled a retry).
	 */
	ws->in_callback++;
	if (lws_client_connect_via_info(&cc) == NULL && f->phase == W_CONNECTING) {
		f->wsi = NULL;
		ws->in_callback--;
		feed_fail(f, "cannot start a connection");
		return;
	}
	ws->in_callback--;
	ws_kick(ws);
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct ws_feed *f = req->data;

	f->gai_busy = 0;
	if (f->ws->stopping || f->phase != W_RESOLVING) {
		uv_freeaddrinfo(res);
		return;
	}
	if (status != 0 || res == NULL) {
		char why[300];

		uv_freeaddrinfo(res);
		snprintf(why, sizeof why, "cannot resolve %s: %s", f->url.host,
		    uv_strerror(status));
		feed_fail(f, why);
		return;
	}
	if (res->ai_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, f->addr,
		    sizeof f->addr);
	else
		uv_ip4_name((struct sockaddr_in *)res->ai_addr, f->addr,
		    sizeof f->addr);
	uv_freeaddrinfo(res);
	connect_addr(f);
}

/* Resolve off the loop thread (getaddrinfo blocks), then connect. */
static void
feed_connect(struct ws_feed *f)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct addrinfo hints;

	if (f->ws->stopping || f->phase == W_DONE)
		return;
	source_set_state(f->source, SRC_CONNECTING, loop_now_ms());
	if (inet_pton(AF_INET, f->url.host, &a4) == 1 ||
	    inet_pton(AF_INET6, f->url.host, &a6) == 1) {
		snprintf(f->addr, sizeof f->addr, "%s", f->url.host);
		connect_addr(f);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	f->phase = W_RESOLVING;
	f->gai.data = f;
	f->gai_busy = 1;
	if (uv_getaddrinfo(loop_uv(), &f->gai, on_resolved, f->url.host, NULL,
	    &hints) != 0) {
		char why[300];

		f->gai_busy = 0;
		snprintf(why, sizeof why, "cannot resolve %s", f->url.host);
		feed_fail(f, why);
	}
}


struct source_ws *
source_ws_start(char *const *urls, int nurls, const struct source_ws_opts *opts,
    const struct sink *sink, char *err, size_t errlen)
{
	static const uint32_t no_backoff[] = { 1000 };
	struct lws_context_creation_info info;
	struct source_ws *ws = xcalloc(1, sizeof *ws);
	void *loops[1];
	int need_tls = 0;

	ws->opts = *opts;
	ws->opts.headers = NULL;
	ws->sink = *sink;
	ws->nheaders = opts->nheaders;
	ws->hnames = xcalloc((size_t)opts->nheaders + 1, sizeof *ws->hnames);
	ws->hvalues = xcalloc((size_t)opts->nheaders + 1, sizeof *ws->hvalues);
	for (int i = 0; i < opts->nheaders; i++) {
		const char *h = opts->headers[i], *colon = strchr(h, ':');
		const char *v = colon + 1;

		while (*v == ' ')
			v++;
		xasprintf(&ws->hnames[i], "%.*s:", (int)(colon - h), h);
		ws->hvalues[i] = xstrdup(v);
	}
	/* Only the idle parts of the policy apply to a connection. */
	ws->idle.retry_ms_table = no_backoff;
	ws->idle.retry_ms_table_count = 1;
	ws->idle.secs_since_valid_ping = (uint16_t)opts->ping_s;
	ws->idle.secs_since_valid_hangup = (uint16_t)opts->hangup_s;

	ws->nfeeds = nurls;
	ws->feeds = xcalloc((size_t)nurls, sizeof *ws->feeds);
	for (int i = 0; i < nurls; i++) {
		struct ws_feed *f = &ws->feeds[i];
		char uerr[128];
		int v6;

		f->ws = ws;
		f->source = -1;
		if (url_parse(&f->url, urls[i], uerr, sizeof uerr) != 0 ||
		    (f->url.scheme != URL_WS && f->url.scheme != URL_WSS)) {
			snprintf(err, errlen, "--ws: not a ws:// or wss:// URL");
			source_ws_free(ws);
			return NULL;
		}
		need_tls |= f->url.scheme == URL_WSS;
		url_display(&f->url, f->display, sizeof f->display);
		v6 = strchr(f->url.host, ':') != NULL;
		snprintf(f->host, sizeof f->host, "%s%s%s", v6 ? "[" : "",
		    f->url.host, v6 ? "]" : "");
		f->backoff_ms = opts->backoff_min_ms;
		wsmsg_buf_init(&f->msg, opts->max_message);
	}

	lws_set_log_level(LLL_ERR | LLL_WARN, ws_log);
	memset(&info, 0, sizeof info);
	loops[0] = loop_uv();
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ws_protocols;
	info.options = LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = loops;
	info.gid = -1;
	info.uid = -1;
	info.pcontext = &ws->ctx;
	info.timeout_secs = (unsigned)(opts->connect_timeout_ms + 999) / 1000;
	info.connect_timeout_secs = info.timeout_secs;
	if (need_tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		ws->ca_file = xstrdup(opts->ca_file != NULL ? opts->ca_file :
		    source_ws_ca_bundle() != NULL ? source_ws_ca_bundle() : "");
		if (*ws->ca_file != '\0')
			info.client_ssl_ca_filepath = ws->ca_file;
	}
	ws->ctx = lws_create_context(&info);
	if (ws->ctx == NULL) {
		snprintf(err, errlen, "cannot set up libwebsockets (is its libuv"
		    " plugin, libwebsockets-evlib-uv, installed?)");
		source_ws_free(ws);
		return NULL;
	}
	uv_timer_init(loop_uv(), &ws->reaper);
	ws->reaper.data = ws;

	for (int i = 0; i < nurls; i++) {
		struct ws_feed *f = &ws->feeds[i];

		f->source = sources_add("ws", f->display);
		sources_get(f->source)->insecure = opts->insecure &&
		    f->url.scheme == URL_WSS;
		uv_timer_init(loop_uv(), &f->timer);
		f->timer.data = f;
	}
	for (int i = 0; i < nurls; i++)
		feed_connect(&ws->feeds[i]);
	return ws;
}

void
source_ws_finish(struct source_ws *ws)
{
	if (ws == NULL)
		return;
	for (int i = 0; i < ws->nfeeds; i++) {
		struct ws_feed *f = &ws->feeds[i];

		if (f->phase == W_DONE)
			continue;
		if (f->wsi != NULL)
			drop_wsi(f, 1);
		feed_done(f, NULL);
	}
}

/* Outside any lws callback: tear the context down. */
static void
reap(uv_timer_t *t)
{
	struct source_ws *ws = t->data;

	uv_close((uv_handle_t *)&ws->reaper, NULL);
	if (ws->ctx != NULL)
		lws_context_destroy(ws->ctx);
}

void
source_ws_stop(struct source_ws *ws)
{
	if (ws == NULL || ws->stopping)
		return;
	ws->stopping = 1;
	for (int i = 0; i < ws->nfeeds; i++) {
		struct ws_feed *f = &ws->feeds[i];

		if (f->gai_busy)
			uv_cancel((uv_req_t *)&f->gai);
		if (f->wsi != NULL)
			lws_set_opaque_user_data(f->wsi, NULL);
		f->wsi = NULL;
		uv_timer_stop(&f->timer);
		uv_close((uv_handle_t *)&f->timer, NULL);
	}
	uv_timer_start(&ws->reaper, reap, 0, 0);
}

void
source_ws_free(struct source_ws *ws)
{
	if (ws == NULL)
		return;
	/* The second destroy frees what the first left for the loop to close. */
	if (ws->ctx != NULL)
		lws_context_destroy(ws->ctx);
	for (int i = 0; i < ws->nfeeds; i++) {
		url_done(&ws->feeds[i].url);
		wsmsg_buf_done(&ws->feeds[i].msg);
	}
	for (int i = 0; i < ws->nheaders; i++) {
		free(ws->hnames[i]);
		if (ws->hvalues[i] != NULL)
			memset(ws->hvalues[i], 0, strlen(ws->hvalues[i]));
		free(ws->hvalues[i]);
	}
	free(ws->hnames);
	free(ws->hvalues);
	free(ws->ca_file);
	free(ws->feeds);
	free(ws);
}
