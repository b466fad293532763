/* execmon - wire the configured sources to a sink and run the loop (headless). */
#ifndef EXECMON_COLLECT_H
#define EXECMON_COLLECT_H

#include <stdint.h>

#include "cli.h"
#include "event.h"

struct collect {
	const struct opts *o;
	int64_t from_ms;       /* backfill start */
	int64_t to_ms;         /* backfill end, -1 = newest */
	int follow;            /* go on live after the backfill */
	int interactive;       /* the dashboard: never give up on sources */
	/* Each well-formed event; the callee owns ev's contents. */
	void (*event)(struct collect *, struct event *ev);
	void *ctx;
	/* Called once the loop is up, before any event (may be NULL). */
	void (*started)(struct collect *);
	/* Called when a source has read its backfill (may be NULL). */
	void (*backfilled)(struct collect *);

	/* results */
	uint64_t events;
	int caught_up;         /* sources that finished their backfill */
	int nsources;
	int exit_status;
};

/* Start the sources in c->o and run until done; returns the exit status. */
int collect_run(struct collect *);
/* Stop early (record reached --count). */
void collect_stop(struct collect *, int status);
/* One line on stderr: events, malformed by reason, gaps. */
void collect_summary(const struct collect *);

#endif
