/* execmon - follow a Celery cluster: its events, queues and workers. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include <hiredis/hiredis.h>

#include "celery-decode.h"
#include "celery-sub.h"
#include "loop.h"
#include "map.h"
#include "rconn.h"
#include "source-celery.h"
#include "source-redis.h"
#include "xmalloc.h"

/*
 * Two connections to the broker:
 *
 * - The poll connection is the stream follower of source-redis.c with no
 *   stream (it PINGs every CELERY_POLL_MS and gives us its turn before each
 *   PING): it carries one pipelined round a second, LLEN of each queue and
 *   of its priority lists (kombu names them "<queue>\x06\x16<n>" for n = 3,
 *   6, 9) and HLEN unacked; every CELERY_SCAN_MS, with no --celery-queue, a
 *   SCAN of _kombu.binding.* and SMEMBERS of each to find the queues; and,
 *   with --celery-enable-events, the enable_events broadcast. Its watchdog,
 *   backoff and reconnect are the follower's.
 * - The subscriber PSUBSCRIBEs to "/<db>.celeryev/" + "*" (kombu puts the database
 *   number in fanout channel names, as pub/sub ignores SELECT). A connection
 *   in subscribed mode cannot be asked anything, so its health is the poll
 *   connection's: when that one fails (a frozen server trips its watchdog)
 *   the subscriber is dropped too, and it subscribes again when the poll
 *   connection is back. Its own disconnects retry with a backoff.
 *
 * Celery keeps no history: whatever is published while we are not
 * subscribed is gone. So the source says since when it has been listening,
 * and a resubscription after a failure is counted as a gap of unknown size.
 */

#define NLISTS 4               /* the queue's list and its priority lists */
#define DEPTH_REFRESH_MS 30000 /* a depth is handed on at least this often */
#define QUEUES_MAX 1024

static const char *const list_suffix[NLISTS] = { "", "\x06\x16" "3",
    "\x06\x16" "6", "\x06\x16" "9" };

struct celery_source;

struct cq;

/* One LLEN of a round: the queue and which of its lists. */
struct slot {
	struct cq *q;
	int list;
};

struct cq {
	struct celery_source *s;
	char *name;
	struct slot slot[NLISTS];
	int64_t lists[NLISTS];
	int read;              /* its lists were read at least once */
	int64_t last_depth, last_unacked;
	int have_last;
	int64_t last_emit_ms;
};

struct celery_source {
	char display[256];
	char pattern[64];      /* the celeryev channels of the database, a pattern */
	char pidbox[64];       /* "/<db>.celery.pidbox" */
	int source;            /* registry index */
	struct sink sink;
	struct celery_opts co;
	int follow;
	struct celery_dec *dec;

	/* poll connection */
	struct redis_conn *conn;
	struct source_redis_hooks hooks;
	struct rconn *pac;   /* while connected */
	struct cq **queues;
	int nqueues, cap;
	struct map *by_name;
	int discover;          /* no --celery-queue given */
	int pending;           /* replies of the current round outstanding */
	int scanning;          /* a SCAN (or its SMEMBERS) in flight */
	int members;           /* SMEMBERS in flight */
	int scan_end;          /* the SCAN reached cursor 0 */
	int64_t unacked;       /* -1 = not read */
	int64_t last_poll_ms, last_scan_ms, last_enable_ms;
	int rounds;            /* rounds completed that knew the queues */
	int scans;             /* discovery scans completed */
	int round_knows;       /* the round in flight was sent after a scan */
	uint64_t clock;        /* our clock for the broadcast headers */

	/* subscriber */
	struct celery_sub *sub;
	int64_t live_since_ms; /* wall clock of the current subscription, 0 = none */
	int was_live;

	int caught_up_sent;
	int stopping;
};

/* The header's note: since when we listen, the workers, enable_events. */
static void
update_note(struct celery_source *s)
{
	struct source_info *si = sources_get(s->source);
	struct celery_worker *const *w;
	size_t nw = celery_dec_workers(s->dec, &w);
	int online = 0, lost = 0;
	char since[16] = "", buf[sizeof si->note];
	size_t n = 0;

	if (si == NULL)
		return;
	for (size_t i = 0; i < nw; i++) {
		online += w[i]->state == CELERY_WORKER_ONLINE;
		lost += w[i]->state == CELERY_WORKER_LOST;
	}
	if (s->live_since_ms > 0) {
		time_t t = (time_t)(s->live_since_ms / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(since, sizeof since, "%H:%MZ", &tm);
		n += (size_t)snprintf(buf + n, sizeof buf - n, "live since %s", since);
	} else
		n += (size_t)snprintf(buf + n, sizeof buf - n, "not listening");
	if (n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ", %d worker%s", online,
		    online == 1 ? "" : "s");
	if (lost > 0 && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " (%d lost)", lost);
	if (s->unacked > 0 && n < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ", %" PRId64 " unacked",
		    s->unacked);
	if (s->co.enable_events && n < sizeof buf)
		snprintf(buf + n, sizeof buf - n, ", enabling events");
	memcpy(si->note, buf, sizeof si->note);
}

static void
maybe_caught_up(struct celery_source *s)
{
	if (s->caught_up_sent || s->follow || s->co.until_finish || s->rounds == 0)
		return;
	s->caught_up_sent = 1;
	source_set_state(s->source, SRC_DONE, loop_now_ms());
	if (s->sink.caught_up != NULL)
		s->sink.caught_up(s->sink.ctx, s->source);
}

/* The decoder's output: count it and hand it on. */
static void
on_event(void *arg, struct event *ev)
{
	struct celery_source *s = arg;
	struct source_info *si = sources_get(s->source);

	if (s->stopping || s->caught_up_sent)
		return;
	if (si != NULL) {
		si->events++;
		if (ev->ts_ms > si->last_event_ms && ev->type != EV_WORKER_STATUS)
			si->last_event_ms = ev->ts_ms;
	}
	if (strncmp(ev->type_name, "celery.worker-", 14) == 0) {
		const char *host = NULL;
		json_t *w = ev->extra != NULL ? json_object_get(ev->extra, "worker") : NULL;
		char safe[128];

		host = json_string_value(w);
		event_sanitize(host != NULL ? host : "?", safe, sizeof safe, 0);
		sink_notice(&s->sink, s->source, "celery %s: worker %s %s", s->display,
		    safe, ev->type_name + 14);
	}
	s->sink.event(s->sink.ctx, ev);
}

static struct cq *
queue_add(struct celery_source *s, const char *name)
{
	struct cq *q;

	if ((q = map_get(s->by_name, name)) != NULL || s->nqueues >= QUEUES_MAX)
		return q;
	q = xcalloc(1, sizeof *q);
	q->s = s;
	q->name = xstrdup(name);
	for (int i = 0; i < NLISTS; i++) {
		q->slot[i].q = q;
		q->slot[i].list = i;
	}
	if (s->nqueues == s->cap) {
		s->cap = s->cap == 0 ? 8 : s->cap * 2;
		s->queues = xreallocarray(s->queues, (size_t)s->cap, sizeof *s->queues);
	}
	s->queues[s->nqueues++] = q;
	map_put(s->by_name, name, q);
	return q;
}

/* Hand on each queue's gauge that changed (or is getting old); tick the workers. */
static void
round_done(struct celery_source *s)
{
	int64_t now = loop_now_ms();

	if (s->round_knows)
		s->rounds++;
	for (int i = 0; i < s->nqueues; i++) {
		struct cq *q = s->queues[i];
		int64_t depth = 0;
		struct event ev;

		if (!q->read)
			continue; /* found since the round was sent */
		for (int k = 0; k < NLISTS; k++)
			depth += q->lists[k];
		if (q->have_last && depth == q->last_depth &&
		    s->unacked == q->last_unacked && now - q->last_emit_ms < DEPTH_REFRESH_MS)
			continue;
		q->have_last = 1;
		q->last_depth = depth;
		q->last_unacked = s->unacked;
		q->last_emit_ms = now;
		celery_depth_event(&ev, q->name, s->source, q->lists, NLISTS,
		    s->unacked, now);
		if (ev.type_name != NULL)
			on_event(s, &ev);
		event_done(&ev);
	}
	celery_dec_tick(s->dec, now);
	update_note(s);
	maybe_caught_up(s);
}

static void
reply_done(struct celery_source *s)
{
	if (--s->pending == 0 && !s->stopping)
		round_done(s);
}

static void
on_llen(struct rconn *ac, void *r_, void *priv)
{
	struct slot *sl = priv;
	redisReply *r = r_;

	(void)ac;
	if (r == NULL)
		return; /* the connection is going: its round is forgotten */
	if (r->type == REDIS_REPLY_INTEGER) {
		sl->q->lists[sl->list] = r->integer;
		if (sl->list == NLISTS - 1)
			sl->q->read = 1;
	}
	reply_done(sl->q->s);
}

static void
on_hlen(struct rconn *ac, void *r_, void *priv)
{
	struct celery_source *s = priv;
	redisReply *r = r_;

	(void)ac;
	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_INTEGER)
		s->unacked = r->integer;
	reply_done(s);
}

/* One round: every queue's lists and the unacked count, pipelined. */
static void
poll_round(struct celery_source *s)
{
	if (s->pending > 0 || s->pac == NULL)
		return;
	s->last_poll_ms = loop_now_ms();
	s->round_knows = !s->discover || s->scans > 0;
	for (int i = 0; i < s->nqueues; i++) {
		struct cq *q = s->queues[i];

		for (int k = 0; k < NLISTS; k++) {
			s->pending++;
			rconn_command(s->pac, on_llen, &q->slot[k], "LLEN %s%s", q->name,
			    list_suffix[k]);
		}
	}
	s->pending++;
	rconn_command(s->pac, on_hlen, s, "HLEN unacked");
}

/*
 * kombu's binding sets: _kombu.binding.<exchange> holds
 * "<routing key>\x06\x16<pattern>\x06\x16<queue>". The event, control and
 * reply exchanges bind private queues, which are not work queues.
 */
/* The scan and the reads of what it found are done. */
static void
scan_done(struct celery_source *s)
{
	if (!s->scan_end || s->members > 0)
		return;
	s->scanning = 0;
	s->scan_end = 0;
	s->scans++;
	s->last_scan_ms = loop_now_ms();
	/* Nothing bound yet: Celery's default queue is where tasks will go. */
	if (s->nqueues == 0)
		queue_add(s, "celery");
}

static void
on_members(struct rconn *ac, void *r_, void *priv)
{
	struct celery_source *s = priv;
	redisReply *r = r_;

	(void)ac;
	if (r == NULL)
		return; /* the connection is going: hook_down resets the scan */
	s->members--;
	if (r->type != REDIS_REPLY_ARRAY || s->stopping) {
		scan_done(s);
		return;
	}
	for (size_t i = 0; i < r->elements; i++) {
		redisReply *m = r->element[i];
		const char *q = NULL;
		char *name;

		if (m->type != REDIS_REPLY_STRING)
			continue;
		for (size_t k = 0; k + 1 < m->len; k++) {
			if (m->str[k] == '\x06' && m->str[k + 1] == '\x16')
				q = m->str + k + 2;
		}
		if (q == NULL || *q == '\0' || memchr(m->str, '\0', m->len) != NULL)
			continue;
		name = xstrndup(q, m->len - (size_t)(q - m->str));
		if (map_get(s->by_name, name) == NULL && s->nqueues < QUEUES_MAX) {
			char safe[128];

			queue_add(s, name);
			event_sanitize(name, safe, sizeof safe, 0);
			sink_notice(&s->sink, s->source, "celery %s: found queue %s",
			    s->display, safe);
		}
		free(name);
	}
	scan_done(s);
}

static int
private_exchange(const char *key, size_t len)
{
	static const char *const skip[] = { "_kombu.binding.celeryev",
	    "_kombu.binding.celery.pidbox", "_kombu.binding.reply.celery.pidbox" };

	for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
		if (len == strlen(skip[i]) && memcmp(key, skip[i], len) == 0)
			return 1;
	}
	return 0;
}

static void send_scan(struct celery_source *, const char *cursor);

static void
on_scan(struct rconn *ac, void *r_, void *priv)
{
	struct celery_source *s = priv;
	redisReply *r = r_, *keys;

	(void)ac;
	if (r == NULL)
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_ARRAY || s->stopping) {
		s->scan_end = 1;
		scan_done(s);
		return;
	}
	keys = r->element[1];
	for (size_t i = 0; i < keys->elements; i++) {
		redisReply *k = keys->element[i];

		if (k->type != REDIS_REPLY_STRING || private_exchange(k->str, k->len))
			continue;
		s->members++;
		rconn_command(s->pac, on_members, s, "SMEMBERS %b", k->str, k->len);
	}
	if (strcmp(r->element[0]->str, "0") != 0)
		send_scan(s, r->element[0]->str);
	else {
		s->scan_end = 1;
		scan_done(s);
	}
}

static void
send_scan(struct celery_source *s, const char *cursor)
{
	s->scanning = 1;
	rconn_command(s->pac, on_scan, s,
	    "SCAN %s MATCH _kombu.binding.* COUNT 1000", cursor);
}


static void
on_publish(struct rconn *ac, void *r_, void *priv)
{
	struct celery_source *s = priv;
	redisReply *r = r_;

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_ERROR && !s->stopping)
		sink_notice(&s->sink, s->source, "celery %s: enable_events: %.*s",
		    s->display, (int)r->len, r->str);
}

/*
 * What `celery control enable_events` sends: a kombu message on the
 * celery.pidbox fanout exchange, a broadcast to every worker.
 */
static void
send_enable_events(struct celery_source *s)
{
	static const char body[] = "{\"method\": \"enable_events\", \"arguments\": {},"
	    " \"destination\": null, \"pattern\": null, \"matcher\": null}";
	char enc[sizeof body * 4 / 3 + 8], *msg;
	uint64_t r = (uint64_t)loop_now_ms() * 2654435761u + ++s->clock;

	celery_b64_encode(body, sizeof body - 1, enc);
	xasprintf(&msg, "{\"body\": \"%s\", \"content-encoding\": \"utf-8\","
	    " \"content-type\": \"application/json\", \"headers\": {\"clock\": %"
	    PRIu64 ", \"expires\": 0}, \"properties\": {\"delivery_mode\": 2,"
	    " \"delivery_info\": {\"exchange\": \"celery.pidbox\", \"routing_key\":"
	    " \"\"}, \"priority\": 0, \"body_encoding\": \"base64\", \"delivery_tag\":"
	    " \"%08" PRIx32 "-%04x-4%03x-8%03x-%012" PRIx64 "\"}}", enc, s->clock,
	    (uint32_t)(r >> 32), (unsigned)(r & 0xffff), (unsigned)((r >> 16) & 0xfff),
	    (unsigned)(s->clock & 0xfff), (uint64_t)(r & 0xffffffffffffu));
	rconn_command(s->pac, on_publish, s, "PUBLISH %s %s", s->pidbox, msg);
	free(msg);
	s->last_enable_ms = loop_now_ms();
}

/* Hooks of the poll connection. */

static void
hook_connected(void *arg, struct rconn *ac)
{
	struct celery_source *s = arg;
	const char *host, *addr;
	int port;

	s->pac = ac;
	s->pending = 0;
	s->scanning = s->members = s->scan_end = 0;
	s->last_enable_ms = 0; /* workers may have started while we were away */
	addr = source_redis_server(s->conn, &host, &port);
	celery_sub_start(s->sub, host, addr, port);
}

static void
hook_before_read(void *arg, struct rconn *ac)
{
	struct celery_source *s = arg;
	int64_t now = loop_now_ms();

	s->pac = ac;
	if (s->discover && !s->scanning && (s->last_scan_ms == 0 ||
	    now - s->last_scan_ms >= CELERY_SCAN_MS))
		send_scan(s, "0");
	if (s->co.enable_events && (s->last_enable_ms == 0 ||
	    now - s->last_enable_ms >= CELERY_ENABLE_MS))
		send_enable_events(s);
	/* Queues a scan finds are read from the next round on. */
	poll_round(s);
}

/* Not listening any more: whatever is published until we are back is lost. */
static void
not_listening(struct celery_source *s)
{
	if (s->live_since_ms > 0)
		s->was_live = 1;
	s->live_since_ms = 0;
}

static void
hook_down(void *arg, const char *why, int64_t retry_at_ms)
{
	struct celery_source *s = arg;
	struct source_info *si = sources_get(s->source);

	s->pac = NULL;
	s->pending = 0;
	s->scanning = s->members = s->scan_end = 0;
	celery_sub_drop(s->sub);
	not_listening(s);
	source_set_error(s->source, "%s", why);
	si->retry_at_ms = retry_at_ms;
	si->reconnects++;
	source_set_state(s->source, SRC_RETRYING, loop_now_ms());
	update_note(s);
}

/* The follower's sink: it has no stream, so only notices come this way. */
/* The subscriber's callbacks. */

static void
sub_subscribed(void *arg)
{
	struct celery_source *s = arg;
	struct source_info *si = sources_get(s->source);
	int64_t now = loop_now_ms();

	s->live_since_ms = now;
	si->error[0] = '\0';
	if (s->was_live) {
		/* What was published meanwhile is gone for good. */
		si->gaps++;
		si->gap_entries = -1;
		sink_notice(&s->sink, s->source, "celery %s: subscribed again; events"
		    " published while disconnected are lost", s->display);
	} else
		sink_notice(&s->sink, s->source, "celery %s: listening on %s",
		    s->display, s->pattern);
	source_set_state(s->source, SRC_LIVE, now);
	update_note(s);
}

static void
sub_message(void *arg, const char *channel, const char *payload, size_t len)
{
	struct celery_source *s = arg;
	struct source_info *si = sources_get(s->source);
	enum event_malformed why;

	if (s->stopping || s->caught_up_sent)
		return;
	si->last_recv_ms = loop_now_ms();
	why = celery_dec_message(s->dec, payload, len, loop_now_ms());
	if (why == MAL_NONE)
		return;
	source_count_malformed(s->source, why);
	if (si->malformed_total <= 3) {
		char ch[128];

		event_sanitize(channel, ch, sizeof ch, 0);
		sink_notice(&s->sink, s->source, "%s: malformed message on %s (%s)",
		    si->name, ch, event_malformed_name(why));
	}
}

static void
sub_failed(void *arg, const char *why, int64_t retry_ms)
{
	struct celery_source *s = arg;
	struct source_info *si = sources_get(s->source);

	not_listening(s);
	if (s->stopping)
		return;
	source_set_error(s->source, "%s", why);
	si->retry_at_ms = loop_now_ms() + retry_ms;
	source_set_state(s->source, SRC_RETRYING, loop_now_ms());
	sink_notice(&s->sink, s->source, "celery %s: %s (retrying in %.1f s)",
	    s->display, why, (double)retry_ms / 1000.0);
	update_note(s);
}

static void
inner_event(void *ctx, struct event *ev)
{
	(void)ctx;
	(void)ev;
}

static void
inner_notice(void *ctx, int source, const char *msg)
{
	struct celery_source *s = ctx;

	(void)source;
	if (s->sink.notice != NULL)
		s->sink.notice(s->sink.ctx, s->source, msg);
}

struct celery_source *
source_celery_start(const struct url *url, char *const *queues, int nqueues,
    const struct celery_opts *co, const struct source_redis_opts *opts,
    const struct sink *sink)
{
	struct celery_source *s = xcalloc(1, sizeof *s);
	struct source_redis_opts ro = *opts;
	struct sink inner = { inner_event, inner_notice, NULL, s };
	struct celery_sub_cb subcb = { sub_subscribed, sub_message, sub_failed, s };
	char name[512];

	url_display(url, s->display, sizeof s->display);
	snprintf(s->pattern, sizeof s->pattern, "/%d.celeryev/*", url->db);
	snprintf(s->pidbox, sizeof s->pidbox, "/%d.celery.pidbox", url->db);
	s->co = *co;
	s->follow = opts->follow;
	s->sink = *sink;
	s->by_name = map_create();
	s->unacked = -1;
	snprintf(name, sizeof name, "%s/celery", s->display);
	s->source = sources_add("celery", name);
	source_set_state(s->source, SRC_CONNECTING, loop_now_ms());
	s->dec = celery_dec_create(s->source, on_event, s);
	for (int i = 0; i < nqueues; i++) {
		if (*queues[i] != '\0')
			queue_add(s, queues[i]);
	}
	s->discover = s->nqueues == 0;
	update_note(s);
	s->sub = celery_sub_create(url, s->pattern, opts->tls, &subcb);

	s->hooks.kind = "celery";
	s->hooks.connected = hook_connected;
	s->hooks.down = hook_down;
	s->hooks.before_read = hook_before_read;
	s->hooks.arg = s;
	ro.hooks = &s->hooks;
	ro.follow = 1;         /* we decide when to stop */
	ro.block_ms = CELERY_POLL_MS;
	s->conn = source_redis_start(url, NULL, 0, &ro, &inner);
	return s;
}

void
source_celery_finish(struct celery_source *s)
{
	if (s == NULL || s->caught_up_sent)
		return;
	s->co.until_finish = 0;
	/* Never reached: --connect-timeout decides (an error, or going on without it). */
	if (s->live_since_ms == 0 && !s->was_live && s->rounds == 0)
		return;
	if (s->rounds == 0)
		s->rounds = 1; /* listened, but no round came back: what we have */
	maybe_caught_up(s);
}

void
source_celery_stop(struct celery_source *s)
{
	if (s == NULL)
		return;
	s->stopping = 1;
	/* Pending callbacks run now, with no reply. */
	source_redis_stop(s->conn);
	celery_sub_free(s->sub);
	for (int i = 0; i < s->nqueues; i++) {
		free(s->queues[i]->name);
		free(s->queues[i]);
	}
	free(s->queues);
	map_free(s->by_name);
	celery_dec_free(s->dec);
	free(s);
}
