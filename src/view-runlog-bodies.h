/* execmon - the bodies of a run's events for its log view: held, or read back from Redis. */
#ifndef EXECMON_VIEW_RUNLOG_BODIES_H
#define EXECMON_VIEW_RUNLOG_BODIES_H

#include <stddef.h>

#include "event.h"
#include "store.h"

struct dash;

enum rl_body {
	RLB_HELD,      /* in the store: run_log_get */
	RLB_FETCHED,   /* read back from Redis */
	RLB_LOADING,   /* being read back */
	RLB_GONE,      /* Redis no longer holds it */
	RLB_BAD,       /* it no longer decodes */
	RLB_ERROR,     /* it could not be read back (rl_bodies_error says why) */
	RLB_NOT_KEPT   /* a body the log budget let go, from a source that cannot re-send it */
};

/*
 * Before drawing run r's log: start reading back the bodies of its slim
 * events that are not asked for yet (one XRANGE fetch per source, on the
 * loop); the view is redrawn when they come. A new run, or a new store,
 * forgets what was read for the last one.
 */
void rl_bodies_prepare(struct dash *, const struct run *r);
/*
 * The body of event i of r: RLB_FETCHED sets *ev to the event read back
 * (owned here, valid until the next rl_bodies_prepare); otherwise *ev is
 * NULL.
 */
enum rl_body rl_bodies_get(const struct run *r, size_t i, const struct event **ev);
/* Counts for the view: events being read back, and gone from Redis. */
void rl_bodies_counts(size_t *loading, size_t *gone);
/* Why the last read back failed, "" if none did. */
const char *rl_bodies_error(void);
/* Forget everything (at exit); pending reads are given up. */
void rl_bodies_clear(void);

#endif
