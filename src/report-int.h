/* execmon - what the headless commands share: loading, filters, tables. */
#ifndef EXECMON_REPORT_INT_H
#define EXECMON_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "filter.h"
#include "outfile.h"
#include "report.h"
#include "store.h"

/* A table column: name, width (terminal cells), right-aligned. */
struct report_col {
	const char *name;
	int width;
	int right;
};

/* report_load() (report.h) loads span_ms back from now into a store. */
/* --filter alone; 0 or 2 (said why). */
int report_filter(const struct opts *, struct filter *);
/* What messages call an output: "stdout" for "-", else the path made safe. */
void report_out_name(const char *path, char *buf, size_t size);
/* --filter with --status, --agent and --trace on top; 0 or 2 (said why). */
int report_run_filter(const struct opts *, struct filter *);
/* Finish an output: 0, or 1 after one line saying which and why. */
int report_finish(struct outfile *, const char *cmd, const char *name);
/* A time for a table: the time of day within a day of now, else MM-DD HH:MM. */
void report_started(int64_t ms, int64_t now_ms, char *buf, size_t size);
/* One line of a table (made safe, cut to the widths) on stdout. */
void report_line(const struct report_col *, size_t ncols, const char *const *vals);

#endif
