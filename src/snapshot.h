/* execmon - the snapshot: every computed figure as one JSON document (SPEC §4). */
#ifndef EXECMON_SNAPSHOT_H
#define EXECMON_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "filter.h"
#include "metrics.h"
#include "store.h"

#define SNAPSHOT_SCHEMA_VERSION 1
/* Finished runs listed in a snapshot's "runs" (the most recent ones). */
#define SNAPSHOT_RUNS_FINISHED 100
/*
 * Live runs listed in a snapshot's executionsInProgress, queuedExecutions,
 * the unfinished part of "runs", and flagged (the first ones in each list's
 * order); their counts say how many there were in all.
 */
#define SNAPSHOT_LIVE_MAX 1000
/* Error groups listed in topErrors (the most frequent; src/errors.h). */
#define SNAPSHOT_TOP_ERRORS 20
/* Longest errorSummary, in characters. */
#define SNAPSHOT_ERROR_SUMMARY 200

/*
 * The whole snapshot (doc/snapshot.md): seed 001's ExecutionMetrics and the
 * additions of SPEC §4, keys in a fixed order. A pure function of its
 * arguments and the source registry: the same metrics give the same bytes
 * through snapshot_write(). filter may be NULL; filter_expr is the expression
 * as given (NULL or "" = none). Returns a new reference.
 */
json_t *snapshot_build(const struct metrics *, const struct store *,
    const struct filter *, const char *filter_expr);
/* The same, for a reading that let runs go as it went (snap-hold.h). */
struct snap_hold;
json_t *snapshot_build_held(const struct metrics *, const struct store *,
    const struct filter *, const char *filter_expr, const struct snap_hold *);

/*
 * The runs to list at now_ms, passing filter (may be NULL): every queued or
 * running run, runs of unknown status with an event in (now - since, now],
 * and finished runs with finished_ms in (now - since, now] (at most
 * max_finished of them, the latest; 0 = all). Runs first seen after now are
 * left out. Order: the unfinished ones, latest start first, then the
 * finished ones, latest finish first; ties by run ID. Returns the count and a
 * new array in *out (the caller frees it; the runs belong to the store).
 */
size_t snapshot_select_runs(const struct store *, const struct filter *,
    int64_t now_ms, int64_t since_ms, size_t max_finished,
    const struct run ***out);

/* One run as the snapshot's "runs" entries and `execmon runs --format json` show it. */
json_t *snapshot_run_json(const struct run *, int64_t now_ms);

/* The first line of msg, at most SNAPSHOT_ERROR_SUMMARY characters, into buf. */
void snapshot_error_summary(const char *msg, char *buf, size_t size);

/* Write j with the snapshot's formatting and a final newline. 0 or -1. */
int snapshot_write(const json_t *j, FILE *f);

#endif
