/* execmon - no command: the live dashboard (dash.c). */
#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "dash.h"
#include "ui.h"

/* The end of execmon --help: the keys, the exit statuses. */
static void
cmd_dash_help_tail(FILE *f)
{
	fprintf(f, "\nKeys in the dashboard:\n");
	keys_write_help(f);
	fprintf(f, "\nExit status: 0 success, 1 runtime failure (e.g. no source reachable),\n"
	    "2 usage error; execmon alerts: 3 when an alert fires.\n");
}

const struct cmd_entry cmd_dash_entry = {
	.name = "",
	.id = CMD_DASHBOARD,
	.synopsis = "(none)",
	.summary = "the live dashboard",
	.usage = "Usage: execmon [COMMAND] [OPTIONS]\n\n"
	    "A terminal live monitor for AI-agent and job executions.\n\n",
	.sections = { SEC_SOURCE, SEC_COMMON, SEC_ALERT, SEC_DASH },
	.help_tail = cmd_dash_help_tail,
	.exec = dash_main,
};
