/* execmon - building events and feeding them to a store, for the unit tests. */
#ifndef EXECMON_TEST_STORE_UTIL_H
#define EXECMON_TEST_STORE_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "store.h"
#include "xmalloc.h"

/* An event of type for run (may be NULL) at ts from source, entry ID id. */
static inline struct event
ev_new(enum event_type type, const char *run, int64_t ts, int source,
    const char *id)
{
	struct event ev;

	event_init(&ev);
	ev.type = type;
	ev.type_name = xstrdup(event_type_name(type));
	ev.ts_ms = ts;
	ev.has = EF_TS;
	ev.source = source;
	ev.entry_id = id != NULL ? xstrdup(id) : NULL;
	ev.run_id = run != NULL ? xstrdup(run) : NULL;
	return ev;
}

/* Apply a copy of ev (the original stays usable). */
static inline int
apply_copy(struct store *st, const struct event *ev)
{
	struct event c;
	int r;

	event_copy(&c, ev);
	r = store_apply(st, &c);
	event_done(&c);
	return r;
}

/* Apply ev and release it. */
static inline int
apply(struct store *st, struct event ev)
{
	int r = store_apply(st, &ev);

	event_done(&ev);
	return r;
}

/* A growing list of events, each with the next entry ID ("1-0", "2-0", ...). */
struct evlist {
	struct event *v;
	size_t n, cap;
};

static int evseq;

static inline struct event *
ev_add(struct evlist *l, enum event_type type, const char *run, int64_t ts)
{
	char id[32];

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 1024 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	snprintf(id, sizeof id, "%d-0", ++evseq);
	l->v[l->n] = ev_new(type, run, ts, 0, id);
	return &l->v[l->n++];
}

#endif
