/* execmon - WebSocket feed messages: reassembly within a bound, and decoding. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "evmap.h"
#include "wsmsg.h"
#include "xmalloc.h"

/*
 * The realtime message of seed 001 says how things stand now, not what
 * happened: {"event":"execution_update","data":{"currentlyRunning":N,
 * "queueDepth":N,"avgQueueWaitTime":S,"systemLoad":{"cpu":P,"memory":P,
 * "workers":{"total":N,"busy":N,"idle":N}}, ...}}. Its gauges are turned into
 * the events that carry them in the native format, so they flow through the
 * model like any other: systemLoad becomes a worker.status (busy = total -
 * idle when busy is missing), queueDepth a queue.depth for data.queue (a
 * string) or "default". Their time is data.ts when present, else the receive
 * time. currentlyRunning, avgQueueWaitTime and the lists are derived by
 * execmon from the runs themselves, so they are not taken from the message.
 */

void
wsmsg_buf_init(struct wsmsg_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max > 0 ? max : WSMSG_MAX_DEFAULT;
}

void
wsmsg_buf_done(struct wsmsg_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void
wsmsg_buf_reset(struct wsmsg_buf *b)
{
	b->len = 0;
	b->active = b->binary = b->overflow = 0;
}

int
wsmsg_buf_add(struct wsmsg_buf *b, const void *piece, size_t len,
    int final, int binary, enum event_malformed *why)
{
	*why = MAL_NONE;
	if (!b->active) {
		wsmsg_buf_reset(b);
		b->active = 1;
		b->binary = binary;
	}
	if (!b->binary && !b->overflow) {
		if (len > b->max - b->len) {
			b->overflow = 1;
			b->len = 0;
		} else if (len > 0) {
			if (b->len + len > b->cap) {
				size_t cap = b->cap ? b->cap : 4096;

				while (cap < b->len + len)
					cap *= 2;
				if (cap > b->max)
					cap = b->max;
				b->p = xrealloc(b->p, cap);
				b->cap = cap;
			}
			memcpy(b->p + b->len, piece, len);
			b->len += len;
		}
	}
	if (!final)
		return 0;
	b->active = 0;
	if (b->binary)
		*why = MAL_BINARY;
	else if (b->overflow)
		*why = MAL_TOO_LARGE;
	if (*why != MAL_NONE) {
		b->len = 0;
		return -1;
	}
	return 1;
}

/* Decode one object as an event and hand it on; 1 if it was well-formed. */
static size_t
decode_one(const json_t *obj, int64_t recv_ms, const struct wsmsg_sink *s)
{
	struct event ev;
	enum event_malformed why;
	const json_t *id;
	char text[512];

	if (!json_is_object(obj)) {
		s->malformed(s->arg, MAL_BAD_JSON);
		return 0;
	}
	why = evmap_decode_json(s->map, &ev, obj, recv_ms, text, sizeof text);
	if (why != MAL_NONE) {
		event_done(&ev);
		if (text[0] != '\0' && s->explain != NULL)
			s->explain(s->arg, text);
		s->malformed(s->arg, why);
		return 0;
	}
	id = json_object_get(obj, "_id");
	s->event(s->arg, &ev, json_is_string(id) ? json_string_value(id) : NULL);
	event_done(&ev);
	return 1;
}

/* Copy key of from into to under name, if it is there. */
static int
take(json_t *to, const char *name, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v == NULL || json_is_null(v))
		return 0;
	json_object_set(to, name, v);
	return 1;
}

/* The gauges of an execution_update message, as native events. */
static size_t
decode_realtime(const json_t *data, int64_t recv_ms,
    const struct wsmsg_sink *s)
{
	const json_t *load, *workers, *q;
	json_t *ws, *qd;
	size_t n = 0;
	int have = 0;

	if (!json_is_object(data)) {
		s->malformed(s->arg, MAL_BAD_TYPE);
		return 0;
	}
	load = json_object_get(data, "systemLoad");
	if (load != NULL && !json_is_null(load)) {
		if (!json_is_object(load)) {
			s->malformed(s->arg, MAL_BAD_TYPE);
			load = NULL;
		}
	} else
		load = NULL;
	if (load != NULL) {
		ws = json_pack("{s:s}", "type", "worker.status");
		take(ws, "ts", data, "ts");
		have += take(ws, "cpu", load, "cpu");
		have += take(ws, "memory", load, "memory");
		workers = json_object_get(load, "workers");
		if (json_is_object(workers)) {
			const json_t *total = json_object_get(workers, "total");
			const json_t *idle = json_object_get(workers, "idle");

			have += take(ws, "workers_total", workers, "total");
			if (take(ws, "workers_busy", workers, "busy"))
				have++;
			else if (json_is_integer(total) && json_is_integer(idle)) {
				json_object_set_new(ws, "workers_busy", json_integer(
				    json_integer_value(total) - json_integer_value(idle)));
				have++;
			}
		}
		if (have > 0)
			n += decode_one(ws, recv_ms, s);
		json_decref(ws);
	}
	if (json_object_get(data, "queueDepth") != NULL &&
	    !json_is_null(json_object_get(data, "queueDepth"))) {
		q = json_object_get(data, "queue");
		qd = json_pack("{s:s, s:s}", "type", "queue.depth", "queue",
		    json_is_string(q) ? json_string_value(q) : "default");
		take(qd, "ts", data, "ts");
		take(qd, "depth", data, "queueDepth");
		n += decode_one(qd, recv_ms, s);
		json_decref(qd);
	}
	return n;
}

size_t
wsmsg_decode(const char *buf, size_t len, int64_t recv_ms,
    const struct wsmsg_sink *s)
{
	enum event_malformed why;
	const json_t *kind, *v;
	json_t *root;
	size_t i, n = 0;

	if ((why = event_json_parse(buf, len, &root)) != MAL_NONE) {
		s->malformed(s->arg, why);
		return 0;
	}
	if (json_is_array(root)) {
		json_array_foreach(root, i, v)
			n += decode_one(v, recv_ms, s);
	} else if (s->map == NULL && json_is_object(root) &&
	    (kind = json_object_get(root, "event")) != NULL &&
	    json_is_string(kind) && json_object_get(root, "type") == NULL &&
	    strcmp(json_string_value(kind), "execution_update") == 0)
		n = decode_realtime(json_object_get(root, "data"), recv_ms, s);
	else
		n = decode_one(root, recv_ms, s);
	json_decref(root);
	return n;
}
