/* execmon - commands: each is a cmd-*.c file holding its entry; main.c holds the table. */
#ifndef EXECMON_CMD_H
#define EXECMON_CMD_H

#include <stdio.h>

#include "cli.h"

#define CMD_MAX_SECTIONS 5

struct cmd_entry {
	const char *name;      /* typed after "execmon"; "" = none, the dashboard */
	enum cli_command id;
	const char *synopsis;  /* in the dashboard's list of commands ("snapshot [-o FILE]") */
	const char *summary;   /* and what it does, beside it */
	const char *usage;     /* --help: its usage lines and what it does */
	/* The option sections its --help lists, in order (0 ends the list). */
	enum cli_section sections[CMD_MAX_SECTIONS];
	void (*help_tail)(FILE *); /* --help after the options (may be NULL) */
	int (*exec)(const struct opts *); /* run it; the exit status */
};

extern const struct cmd_entry cmd_dash_entry, cmd_snapshot_entry, cmd_runs_entry,
    cmd_errors_entry, cmd_events_entry, cmd_record_entry, cmd_alerts_entry;

#endif
