/* execmon - the snapshot, runs, events and errors commands: JSON and tables for people and scripts. */
#ifndef EXECMON_REPORT_H
#define EXECMON_REPORT_H

#include "cli.h"

int report_events_main(const struct opts *);
/* execmon snapshot: the metrics of --window as JSON, to -o or stdout. */
int report_snapshot_main(const struct opts *);
/* execmon runs: recent runs as a table, JSON, CSV or TSV. */
int report_runs_main(const struct opts *);
/* execmon errors: the top errors as a table or JSON. */
int report_errors_main(const struct opts *);

#endif
