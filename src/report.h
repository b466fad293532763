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

#endif
