/* execmon - OTLP spans assembled into runs, LLM calls and tool calls, in any order. */
#ifndef EXECMON_OTLP_RUNS_H
#define EXECMON_OTLP_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "otlp-decode.h"

/* Each event made; the callee owns ev's contents (its entry_id is set). */
typedef void (*otlp_event_fn)(void *ctx, struct event *ev);

struct otlp_runs_opts {
	int64_t grace_ms;      /* how long a span waits for a missing parent */
	int64_t keep_ms;       /* how long a quiet trace is remembered */
	size_t max_spans;      /* spans remembered in all (oldest traces go first) */
	size_t max_trace_spans; /* spans remembered per trace (more are dropped) */
};

struct otlp_runs;

void otlp_runs_opts_default(struct otlp_runs_opts *);
struct otlp_runs *otlp_runs_create(const struct otlp_runs_opts *,
    otlp_event_fn fn, void *ctx);
void otlp_runs_free(struct otlp_runs *);

/*
 * Add one span (taken over: sp is left empty) that arrived at now_ms. Events
 * are made as soon as what they say is known, which never depends on the
 * order spans arrive in; see otlp-runs.c.
 */
void otlp_runs_add(struct otlp_runs *, struct otlp_span *sp, int64_t now_ms);
/* Settle spans whose parent has not come within the grace time; forget old traces. */
void otlp_runs_tick(struct otlp_runs *, int64_t now_ms);
/* Settle every waiting span now (the end of a headless command). */
void otlp_runs_flush(struct otlp_runs *, int64_t now_ms);

size_t otlp_runs_waiting(const struct otlp_runs *);
uint64_t otlp_runs_dropped(const struct otlp_runs *);

#endif
