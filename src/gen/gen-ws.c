/* execmon-gen - serve the workload as a WebSocket feed (libwebsockets on libuv). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>
#include <uv.h>

#include "gen.h"
#include "xmalloc.h"

/*
 * Every client sees the workload from the moment it connects: each event as
 * a JSON object in execmon's json form, several at once as an array, and
 * once a simulated second an {"event":"execution_update","data":{...}}
 * message carrying the worker pool (it stands in for the worker.status event
 * the Redis stream gets). The per-queue queue.depth events go out as events,
 * so the message leaves queueDepth out.
 *
 * A message is built once and shared: it holds a count of the clients that
 * still have to send it. Clients send in order, so messages are freed from
 * the head of the list. A client more than GEN_WS_BACKLOG bytes behind in
 * real time is cut off; in batch mode the generator waits for it instead.
 */

#define GEN_WS_BATCH 64                 /* events in one array message */
#define GEN_WS_BACKLOG (64u << 20)      /* bytes a client may be behind */

struct gen_msg {
	struct gen_msg *next;
	int refs;              /* clients that have still to send it */
	size_t len;
	unsigned char data[];  /* LWS_PRE bytes, then the text */
};

struct gen_client {
	struct gen_ws *gw;
	struct lws *wsi;
	struct gen_msg *next;  /* the next message to send, NULL = none yet */
	size_t backlog;        /* bytes queued for it */
	int closing;
	int close_sent;
	struct gen_client *link;
};

struct gen_ws {
	uv_loop_t loop;
	uv_timer_t wake;
	struct lws_context *ctx;
	struct gen_msg *head, *tail;
	struct gen_client *clients;
	int nclients;
	int in_callback;
	int closing;           /* send what is queued, then close with 1000 */
	struct gen_buf pending; /* events not sent yet, comma-separated */
	int npending;
	struct gen_buf scratch;
	uint64_t events, runs, messages, accepted;
	char name[64];
};

static void
gen_ws_kick(struct gen_ws *gw)
{
	if (!gw->in_callback && gw->ctx != NULL)
		lws_cancel_service(gw->ctx);
}

/* Drop messages every client has sent. */
static void
gen_ws_trim(struct gen_ws *gw)
{
	struct gen_msg *m;

	while ((m = gw->head) != NULL && m->refs == 0) {
		gw->head = m->next;
		if (gw->head == NULL)
			gw->tail = NULL;
		free(m);
	}
}

/* Queue text for every connected client. */
static void
gen_ws_broadcast(struct gen_ws *gw, const char *text, size_t len)
{
	struct gen_client *c;
	struct gen_msg *m;

	if (gw->nclients == 0)
		return;
	m = xmalloc(sizeof *m + LWS_PRE + len);
	m->next = NULL;
	m->refs = gw->nclients;
	m->len = len;
	memcpy(m->data + LWS_PRE, text, len);
	if (gw->tail != NULL)
		gw->tail->next = m;
	else
		gw->head = m;
	gw->tail = m;
	gw->messages++;
	for (c = gw->clients; c != NULL; c = c->link) {
		if (c->next == NULL)
			c->next = m;
		c->backlog += len;
		if (c->backlog > GEN_WS_BACKLOG && !c->closing) {
			fprintf(stderr, "execmon-gen: ws client too slow (%zu bytes"
			    " behind): closing it\n", c->backlog);
			c->closing = 1;
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
			    LWS_TO_KILL_ASYNC);
		} else
			lws_callback_on_writable(c->wsi);
	}
	gen_ws_kick(gw);
}

static void
gen_ws_client_gone(struct gen_client *c)
{
	struct gen_ws *gw = c->gw;
	struct gen_client **pp;
	struct gen_msg *m;

	for (pp = &gw->clients; *pp != NULL; pp = &(*pp)->link) {
		if (*pp == c) {
			*pp = c->link;
			gw->nclients--;
			break;
		}
	}
	for (m = c->next; m != NULL; m = m->next)
		m->refs--;
	c->next = NULL;
	gen_ws_trim(gw);
}

/* Send the next queued message; once all is sent and we are closing, close. */
static int
gen_ws_writeable(struct gen_client *c)
{
	struct gen_msg *m = c->next;

	if (m == NULL) {
		if ((c->closing || c->gw->closing) && !c->close_sent) {
			/*
			 * Returning -1 here loses the close frame on the uv
			 * backend of lws 4.1 (the close is repeated at once,
			 * killing the connection): close from a timer instead.
			 */
			c->close_sent = 1;
			lws_set_timer_usecs(c->wsi, 1);
		}
		return 0;
	}
	if (lws_write(c->wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT) <
	    (int)m->len)
		return -1;
	c->next = m->next;
	c->backlog -= m->len;
	m->refs--;
	gen_ws_trim(c->gw);
	if (c->next != NULL || c->gw->closing)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static int
gen_ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct gen_ws *gw = lws_context_user(lws_get_context(wsi));
	struct gen_client *c = user;
	int rc = 0;

	(void)in;
	(void)len;
	gw->in_callback++;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(c, 0, sizeof *c);
		c->gw = gw;
		c->wsi = wsi;
		c->link = gw->clients;
		gw->clients = c;
		gw->nclients++;
		gw->accepted++;
		if (gw->closing)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		rc = gen_ws_writeable(c);
		break;
	case LWS_CALLBACK_TIMER:
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
		    (unsigned char *)"end of workload", 15);
		rc = -1;
		break;
	case LWS_CALLBACK_CLOSED:
		if (c->gw != NULL)
			gen_ws_client_gone(c);
		break;
	case LWS_CALLBACK_HTTP:
		/* Not a WebSocket upgrade: nothing here but the feed. */
		if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
			rc = -1;
		else
			rc = lws_http_transaction_completed(wsi) ? -1 : 0;
		break;
	default:
		break;
	}
	gw->in_callback--;
	return rc;
}

static const struct lws_protocols gen_ws_protocols[] = {
	{ "execmon-feed", gen_ws_callback, sizeof(struct gen_client), 4096, 0,
	    NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
gen_ws_log(int level, const char *line)
{
	if (level == LLL_ERR)
		fprintf(stderr, "execmon-gen: ws: %s", line);
}

struct gen_ws *
gen_ws_create(const char *listen, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	struct gen_ws *gw = xcalloc(1, sizeof *gw);
	const char *colon = strrchr(listen, ':'), *port_s = listen;
	char host[48] = "127.0.0.1", *end;
	void *loops[1];
	long port;

	if (colon != NULL) {
		if ((size_t)(colon - listen) >= sizeof host || colon == listen) {
			snprintf(err, errlen, "want [HOST:]PORT, not '%s'", listen);
			free(gw);
			return NULL;
		}
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
		port_s = colon + 1;
	}
	port = strtol(port_s, &end, 10);
	if (*port_s < '0' || *port_s > '9' || *end != '\0' || port < 1 ||
	    port > 65535) {
		snprintf(err, errlen, "want [HOST:]PORT, not '%s'", listen);
		free(gw);
		return NULL;
	}
	snprintf(gw->name, sizeof gw->name, "%s:%ld", host, port);
	uv_loop_init(&gw->loop);
	uv_timer_init(&gw->loop, &gw->wake);

	lws_set_log_level(LLL_ERR, gen_ws_log);
	memset(&info, 0, sizeof info);
	loops[0] = &gw->loop;
	info.port = (int)port;
	info.iface = host;
	info.protocols = gen_ws_protocols;
	info.options = LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = loops;
	info.user = gw;
	info.gid = -1;
	info.uid = -1;
	info.pcontext = &gw->ctx;
	gw->ctx = lws_create_context(&info);
	if (gw->ctx == NULL) {
		snprintf(err, errlen, "cannot listen on %s", gw->name);
		uv_close((uv_handle_t *)&gw->wake, NULL);
		uv_run(&gw->loop, UV_RUN_DEFAULT);
		uv_loop_close(&gw->loop);
		free(gw);
		return NULL;
	}
	return gw;
}

const char *
gen_ws_name(const struct gen_ws *gw)
{
	return gw->name;
}

void
gen_ws_flush(struct gen_ws *gw)
{
	struct gen_buf *b = &gw->scratch;

	if (gw->npending == 0)
		return;
	if (gw->npending == 1)
		gen_ws_broadcast(gw, gw->pending.p, gw->pending.len);
	else {
		b->len = 0;
		gen_buf_add(b, "[", 1);
		gen_buf_add(b, gw->pending.p, gw->pending.len);
		gen_buf_add(b, "]", 1);
		gen_ws_broadcast(gw, b->p, b->len);
	}
	gw->pending.len = 0;
	gw->npending = 0;
}

/* A worker.status event, as the realtime message of seed 001. */
static void
gen_ws_realtime(struct gen_ws *gw, const struct gen_event *ev)
{
	const struct gen_field *total = gen_event_find(ev, "workers_total");
	const struct gen_field *busy = gen_event_find(ev, "workers_busy");
	const struct gen_field *cpu = gen_event_find(ev, "cpu");
	const struct gen_field *mem = gen_event_find(ev, "memory");
	struct gen_buf *b = &gw->scratch;
	char num[64];

	if (total == NULL || busy == NULL || cpu == NULL || mem == NULL)
		return;
	gen_ws_flush(gw);
	b->len = 0;
	snprintf(num, sizeof num, "%" PRId64, ev->ts_ms);
	gen_buf_str(b, "{\"event\":\"execution_update\",\"data\":{\"ts\":");
	gen_buf_str(b, num);
	snprintf(num, sizeof num, "%" PRId64, busy->i);
	gen_buf_str(b, ",\"currentlyRunning\":");
	gen_buf_str(b, num);
	gen_buf_str(b, ",\"systemLoad\":{\"cpu\":");
	gen_field_json(cpu, b);
	gen_buf_str(b, ",\"memory\":");
	gen_field_json(mem, b);
	snprintf(num, sizeof num, ",\"workers\":{\"total\":%" PRId64
	    ",\"busy\":%" PRId64 ",\"idle\":%" PRId64 "}}}}", total->i, busy->i,
	    total->i - busy->i);
	gen_buf_str(b, num);
	gen_ws_broadcast(gw, b->p, b->len);
}

void
gen_ws_event(struct gen_ws *gw, const struct gen_event *ev)
{
	const struct gen_field *type = gen_event_find(ev, "type");
	struct gen_buf *p = &gw->pending;
	char ts[32];
	size_t i;

	gw->events++;
	if (ev->run_start)
		gw->runs++;
	if (type != NULL && type->kind == GEN_STR &&
	    strcmp(type->str, "worker.status") == 0) {
		gen_ws_realtime(gw, ev);
		return;
	}
	if (gw->nclients == 0)
		return;
	if (gw->npending > 0)
		gen_buf_add(p, ",", 1);
	gen_buf_add(p, "{", 1);
	for (i = 0; i < ev->nfields; i++) {
		if (i > 0)
			gen_buf_add(p, ",", 1);
		gen_buf_json_str(p, ev->fields[i].name);
		gen_buf_add(p, ":", 1);
		gen_field_json(&ev->fields[i], p);
		if (i == 0) {
			snprintf(ts, sizeof ts, ",\"ts\":%" PRId64, ev->ts_ms);
			gen_buf_str(p, ts);
		}
	}
	gen_buf_add(p, "}", 1);
	if (++gw->npending >= GEN_WS_BATCH)
		gen_ws_flush(gw);
}

static void
gen_ws_noop(uv_timer_t *t)
{
	(void)t;
}

/* Serve for at most ms (one turn of the loop). */
static void
gen_ws_turn(struct gen_ws *gw, int64_t ms)
{
	uv_timer_start(&gw->wake, gen_ws_noop, (uint64_t)(ms < 0 ? 0 : ms), 0);
	uv_run(&gw->loop, UV_RUN_ONCE);
	uv_timer_stop(&gw->wake);
}

static int64_t
gen_ws_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
gen_ws_serve_until(struct gen_ws *gw, int64_t mono_ms)
{
	int64_t now;

	gen_ws_flush(gw);
	while ((now = gen_ws_mono_ms()) < mono_ms)
		gen_ws_turn(gw, mono_ms - now);
}

void
gen_ws_poll(struct gen_ws *gw)
{
	uv_run(&gw->loop, UV_RUN_NOWAIT);
}

size_t
gen_ws_backlog(const struct gen_ws *gw)
{
	const struct gen_client *c;
	size_t most = 0;

	for (c = gw->clients; c != NULL; c = c->link) {
		if (c->backlog > most)
			most = c->backlog;
	}
	return most + gw->pending.len;
}

int
gen_ws_clients(const struct gen_ws *gw)
{
	return gw->nclients;
}

void
gen_ws_summary(const struct gen_ws *gw, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 " runs, %" PRIu64 " events, 0 malformed"
	    " (ws %s: %" PRIu64 " messages, %" PRIu64 " clients)", gw->runs,
	    gw->events, gw->name, gw->messages, gw->accepted);
}

void
gen_ws_stats(const struct gen_ws *gw, char *buf, size_t size)
{
	snprintf(buf, size, "ws %s: %" PRIu64 " messages, %" PRIu64 " clients",
	    gw->name, gw->messages, gw->accepted);
}

static void
gen_ws_destroy_cb(uv_timer_t *t)
{
	struct gen_ws *gw = t->data;

	uv_close((uv_handle_t *)&gw->wake, NULL);
	if (gw->ctx != NULL)
		lws_context_destroy(gw->ctx);
}

void
gen_ws_free(struct gen_ws *gw, int drain_ms)
{
	int64_t until;
	struct gen_msg *m;

	if (gw == NULL)
		return;
	gen_ws_flush(gw);
	/* Let every client read what is queued, then close with 1000. */
	gw->closing = 1;
	for (struct gen_client *c = gw->clients; c != NULL; c = c->link)
		lws_callback_on_writable(c->wsi);
	gen_ws_kick(gw);
	until = gen_ws_mono_ms() + drain_ms;
	while (gw->nclients > 0 && gen_ws_mono_ms() < until)
		gen_ws_turn(gw, 50);
	/* Destroy inside the loop, run it out, destroy again, close it. */
	gw->wake.data = gw;
	uv_timer_start(&gw->wake, gen_ws_destroy_cb, 0, 0);
	uv_run(&gw->loop, UV_RUN_DEFAULT);
	if (gw->ctx != NULL)
		lws_context_destroy(gw->ctx);
	uv_loop_close(&gw->loop);
	while ((m = gw->head) != NULL) {
		gw->head = m->next;
		free(m);
	}
	gen_buf_free(&gw->pending);
	gen_buf_free(&gw->scratch);
	free(gw);
}
