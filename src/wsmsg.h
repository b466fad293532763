/* execmon - WebSocket feed messages: reassembly within a bound, and decoding. */
#ifndef EXECMON_WSMSG_H
#define EXECMON_WSMSG_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Default bound on one reassembled message, bytes (--ws-max-message). */
#define WSMSG_MAX_DEFAULT (1024 * 1024)

/*
 * One message being put together from the pieces the library hands us
 * (fragments of a message, and parts of one frame). It holds at most max
 * bytes: past that the rest of the message is skipped, not stored.
 */
struct wsmsg_buf {
	char *p;
	size_t len, cap;
	size_t max;            /* bound on one message, bytes */
	int active;            /* inside a message */
	int binary;            /* the message is binary: skipped */
	int overflow;          /* the message passed max: skipped */
};

void wsmsg_buf_init(struct wsmsg_buf *, size_t max);
void wsmsg_buf_done(struct wsmsg_buf *);
/* Forget a message half received (the connection went away). */
void wsmsg_buf_reset(struct wsmsg_buf *);

/*
 * Add one piece. The first piece after a complete message starts the next
 * one, and its binary flag decides the message's kind; final says the piece
 * ends its message. Returns 0 while the message is incomplete, 1 when it is
 * complete and held in p/len (text, within the bound), or -1 when it is
 * complete but was skipped; *why then says why (MAL_BINARY, MAL_TOO_LARGE).
 */
int wsmsg_buf_add(struct wsmsg_buf *, const void *piece, size_t len,
    int final, int binary, enum event_malformed *why);

struct evmap;

/* What decoding a message calls: each event (whose contents it owns), each reject. */
struct wsmsg_sink {
	void (*event)(void *arg, struct event *ev, const char *id);
	void (*malformed)(void *arg, enum event_malformed why);
	void *arg;
	/* The feed's map (evmap.h); NULL = execmon's own format. */
	const struct evmap *map;
	/* Called before malformed with the map's account of it (may be NULL). */
	void (*explain)(void *arg, const char *why);
};

/*
 * Decode one text message: an event object, an array of them, or a realtime
 * message {"event":"execution_update","data":{...}}, whose system load and
 * queue depth become a worker.status and a queue.depth event. Events without
 * a ts get recv_ms. id is the object's "_id" string, or NULL. Each element of
 * an array is judged on its own. With a map, each object (or element of an
 * array) goes through the map instead, and there is no realtime message.
 * Returns the number of events handed on.
 */
size_t wsmsg_decode(const char *buf, size_t len, int64_t recv_ms,
    const struct wsmsg_sink *);

#endif
