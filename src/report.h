/* execmon - the runs and events commands: tables and JSON for people and scripts. */
#ifndef EXECMON_REPORT_H
#define EXECMON_REPORT_H

#include "cli.h"

int report_events_main(const struct opts *);

#endif
