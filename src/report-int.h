/* execmon - what the headless commands share: loading, filters, tables. */
#ifndef EXECMON_REPORT_INT_H
#define EXECMON_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "filter.h"
#include "outfile.h"
#include "store.h"

/* A table column: name, width (terminal cells), right-aligned. */
struct report_col {
	const char *name;
	int width;
	int right;
};

/*
 * Load span_ms back from now into a store; "now" is --now, else with
 * --replay the newest event's time, else the wall clock. With summary,
 * what was read goes to stderr. Returns 0 or the exit status.
 */
int report_load_span(const struct opts *, struct store *, int64_t span_ms,
    int summary, int64_t *now_out);
/* --filter with --status, --agent and --trace on top; 0 or 2 (said why). */
int report_run_filter(const struct opts *, struct filter *);
/* Finish an output: 0, or 1 after one line saying which and why. */
int report_finish(struct outfile *, const char *cmd, const char *name);
/* A time for a table: the time of day within a day of now, else MM-DD HH:MM. */
void report_started(int64_t ms, int64_t now_ms, char *buf, size_t size);
/* One line of a table (made safe, cut to the widths) on stdout. */
void report_line(const struct report_col *, size_t ncols, const char *const *vals);

#endif
