/* execmon - read entries of a followed Redis stream back by their IDs. */
#ifndef EXECMON_SOURCE_REDIS_FETCH_H
#define EXECMON_SOURCE_REDIS_FETCH_H

#include <stddef.h>

#include "event.h"

enum fetch_state {
	FETCH_PENDING = 0,
	FETCH_OK,              /* evs[i] holds the entry, decoded */
	FETCH_GONE,            /* Redis no longer holds it (trimmed, deleted, stream replaced) */
	FETCH_BAD              /* it no longer decodes (or the ID is not a stream ID) */
};

/* What a fetch answers: one result per ID asked, in that order. */
struct source_fetch_result {
	size_t n;
	char **ids;            /* as asked */
	struct event *evs;     /* owned by the fetch: take one by moving it out */
	unsigned char *state;  /* enum fetch_state */
	char error[256];       /* "" = answered; else why nothing could be read */
};

/*
 * Called once, on the loop, when the fetch is answered or fails (error set).
 * The result is freed when this returns, but for the events moved out of it
 * (leave an event_init'ed one in their place). The fetch handle is invalid
 * from then on.
 */
typedef void source_fetch_cb(void *arg, struct source_fetch_result *);

struct source_fetch;

/* Whether source (a registry index) is a stream that can be read back. */
int source_redis_can_fetch(int source);
/*
 * Read the entries with these IDs (as handed on: "ms-seq", or "ms-seq#N" of a
 * stream found new) of the stream registered as source, asynchronously on a
 * connection of its own. NULL with a one-line reason in err when it cannot
 * start (not a followed stream, not connected).
 */
struct source_fetch *source_redis_fetch(int source, const char *const *ids,
    size_t n, source_fetch_cb *cb, void *arg, char *err, size_t errlen);
/* Give up a fetch that has not answered yet: its callback is not called. */
void source_fetch_cancel(struct source_fetch *);

#endif
