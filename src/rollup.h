/* execmon - per-minute rollups of every figure, kept up to date as runs change. */
#ifndef EXECMON_ROLLUP_H
#define EXECMON_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

struct filter;
struct metrics;
struct store;
struct rollup;

/* Minutes older than this before the newest now asked for may be forgotten. */
#define ROLLUP_KEEP_MS (48LL * 3600 * 1000)

/*
 * Attach a rollup to st: from then on every run change updates it, and
 * metrics_compute() over st answers from it when it can. The store owns it
 * (freed with the store). Attach before the first event. Returns NULL, and
 * attaches nothing, when the environment sets EXECMON_METRICS=full (the
 * reference engine only, for the differential tests).
 */
struct rollup *rollup_attach(struct store *st);
/* The rollup attached to st, or NULL. */
struct rollup *rollup_of(const struct store *st);
/*
 * Drop the minutes that end at or before before_ms, and ignore figures
 * older than that from then on. Windows reaching before it are computed by
 * the reference engine.
 */
void rollup_forget(struct rollup *, int64_t before_ms);
/*
 * Answers that may have missed runs evicted since they were counted: a
 * minute split at a window's edge where an evicted run gave something
 * inside the windows, or the reference pass over the runs held after some
 * were evicted. 0 means every figure asked for so far was exact.
 */
uint64_t rollup_inexact(const struct rollup *);
/*
 * From now on, what a run evicted gave at a time within one of the n spans
 * [lo, hi] (inclusive) is kept beside its minute (a record of tens of bytes,
 * not the run), so that a window's edge in that minute is still split
 * exactly; what it gave elsewhere is counted only. n = 0: nothing kept.
 */
void rollup_keep(struct rollup *, const int64_t (*spans)[2], size_t n);
/* Minutes held, and the bytes the rollup takes (its own allocations). */
size_t rollup_minutes(const struct rollup *);
size_t rollup_bytes(const struct rollup *);
/*
 * metrics_compute()'s answer from the rollup, or NULL when it cannot give
 * it (a filter, more groups than METRICS_GROUPS_MAX, minutes forgotten).
 */
struct metrics *rollup_metrics(struct rollup *, const struct store *,
    const struct filter *, int64_t now_ms, int64_t window_ms);

#endif
