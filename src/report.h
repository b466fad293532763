/* execmon - what the headless commands (cmd-*.c) share: loading the window. */
#ifndef EXECMON_REPORT_H
#define EXECMON_REPORT_H

#include <stdint.h>

#include "cli.h"
#include "store.h"

/*
 * Load span_ms back from now into a store. Now is --now, else with --replay
 * the newest event's time, else the wall clock when the backfill ended.
 * summary: the one-line summary on stderr. Returns the exit status.
 */
int report_load(const struct opts *, struct store *, int64_t span_ms, int summary,
    int64_t *now_out);
/* The same, letting runs go as hold says while it reads (snap-hold.h). */
struct snap_hold;
int report_load_held(const struct opts *, struct store *, int64_t span_ms,
    int summary, int64_t *now_out, struct snap_hold *hold);

#endif
