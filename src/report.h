/* execmon - the snapshot, runs, events and errors commands: JSON and tables for people and scripts. */
#ifndef EXECMON_REPORT_H
#define EXECMON_REPORT_H

#include <stdint.h>

#include "cli.h"
#include "store.h"

int report_events_main(const struct opts *);
/* execmon snapshot: the metrics of --window as JSON, to -o or stdout. */
int report_snapshot_main(const struct opts *);
/* execmon runs: recent runs as a table, JSON, CSV or TSV. */
int report_runs_main(const struct opts *);
/*
 * Load span_ms back from now into a store. Now is --now, else with --replay
 * the newest event's time, else the wall clock when the backfill ended.
 * summary: the one-line summary on stderr. Returns the exit status.
 */
int report_load(const struct opts *, struct store *, int64_t span_ms, int summary,
    int64_t *now_out);
/* execmon errors: the top errors as a table or JSON. */
int report_errors_main(const struct opts *);

#endif
