/* execmon - the --help texts: a command's usage (cmd-*.c), then its option sections (cli-options.c). */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cli-int.h"
#include "cmd.h"

/* One section of options, with its heading. */
static void
usage_section(FILE *f, enum cli_section sec, enum cli_command cmd)
{
	switch (sec) {
	case SEC_SOURCE:
		fprintf(f, "Sources (with none given, the default stream on the default"
		    " Redis):\n");
		break;
	case SEC_COMMON:
		fprintf(f, "Common options:\n");
		break;
	case SEC_ALERT:
		fprintf(f, "Alerts (rules and budgets are 'alert' and 'budget' lines in the"
		    " config file;\nsee doc/alerts.md):\n");
		break;
	default:
		break;
	}
	/* A command's own options end with a blank line, when it has any. */
	if (cli_usage_section(f, sec, cmd) > 0 && sec == SEC_CMD)
		fprintf(f, "\n");
}

void
cli_usage(FILE *f, const struct cmd_entry *const *cmds, const struct cmd_entry *cmd)
{
	fputs(cmd->usage, f);
	if (cmd->name[0] == '\0') {
		/* No command given: the list of them. */
		fprintf(f, "Commands:\n");
		for (int i = 0; cmds[i] != NULL; i++)
			fprintf(f, "  %-20s %s\n", cmds[i]->synopsis, cmds[i]->summary);
		fprintf(f, "Run 'execmon COMMAND --help' for a command's own options.\n\n");
	}
	for (int i = 0; i < CMD_MAX_SECTIONS && cmd->sections[i] != SEC_NONE; i++)
		usage_section(f, cmd->sections[i], cmd->id);
	if (cmd->help_tail != NULL)
		cmd->help_tail(f);
}
