/* execmon - what the snapshot's files share (private to snapshot*.c). */
#ifndef EXECMON_SNAPSHOT_INT_H
#define EXECMON_SNAPSHOT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "metrics.h"

/*
 * Number rules, so that the same metrics always give the same bytes and a
 * reader never meets NaN, infinity or -0: durations are seconds rounded to
 * the millisecond, percentages and rates are rounded to 2 or 3 decimals,
 * money is USD rounded to the micro-dollar (from exact nano-dollar sums), and
 * a figure that cannot be known is null. Reals are printed with 15
 * significant digits, which gives back the rounded decimal exactly.
 */
#define SNAP_DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | \
    JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))

/* Weekend days need a window of a week before their averages mean anything. */
#define SNAP_DAY_MS (86400 * (int64_t)1000)
#define SNAP_WEEK_MS (7 * SNAP_DAY_MS)
#define SNAP_PEAK_HOURS 3

int64_t snap_series_step(const struct metrics *m);
double snap_round(double v, int decimals);
json_t *snap_num(double v, int decimals);
json_t *snap_sec(double ms);
json_t *snap_span(int64_t ms);
json_t *snap_time(int64_t ms);
json_t *snap_str(const char *s);
json_t *snap_count(uint64_t n);
json_t *snap_usd(int64_t nusd);
json_t *snap_ratio(int64_t num, uint64_t den, int decimals);
json_t *snap_pct(uint64_t part, uint64_t whole);
void snap_set(json_t *o, const char *key, json_t *v);
void snap_timeframe(int64_t ms, char *buf, size_t size);
json_t *snap_hours(const struct metrics *m, int quiet);
json_t *snap_patterns(const struct metrics *m);

struct filter;
struct store;
/*
 * snapshot_select_runs() with a bound on the unfinished runs too (0 = all);
 * counts[0] and counts[1] get how many unfinished and finished runs there
 * were before the bounds (snapshot-runs.c).
 */
size_t snap_select_runs(const struct store *st, const struct filter *f,
    int64_t now_ms, int64_t since_ms, size_t max_active, size_t max_finished,
    const struct run ***out, size_t counts[2]);

#endif
