/* execmon - the --help texts: the command line, each command's own, the keys. */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cli-int.h"
#include "ui.h"

/* The sources and common options, which every command takes. */
static void
usage_common(FILE *f)
{
	fprintf(f, "Sources (with none given, the default stream on the default Redis):\n");
	cli_usage_section(f, SEC_SOURCE, CMD_DASHBOARD);
	fprintf(f, "Common options:\n");
	cli_usage_section(f, SEC_COMMON, CMD_DASHBOARD);
}

static void
usage_alerts(FILE *f)
{
	fprintf(f, "Alerts (rules and budgets are 'alert' and 'budget' lines in the config file;\n"
	    "see doc/alerts.md):\n");
	cli_usage_section(f, SEC_ALERT, CMD_ALERTS);
}

void
cli_usage(FILE *f, enum cli_command cmd)
{
	switch (cmd) {
	case CMD_ALERTS:
		fprintf(f, "Usage: execmon alerts [OPTIONS] [--format table|json] [--follow]\n"
		    "       execmon alerts --ack NAME [--note TEXT] | --unack NAME\n"
		    "       execmon alerts --snooze NAME=DUR|TIME | --silence GLOB[=DUR] | --unsilence GLOB\n\n"
		    "Judge every alert rule and budget over --window at --now and print each\n"
		    "rule's state. Exit status: 0 when none fires, 3 when any fires (1 runtime\n"
		    "failure, 2 usage error). --follow keeps judging on live sources, prints a\n"
		    "line a transition and runs --alert-exec; it exits on SIGINT/SIGTERM.\n"
		    "--ack, --snooze, --silence and their undoing change what is kept in\n"
		    "$XDG_STATE_HOME/execmon/alerts.json (shared with the dashboard) and exit.\n\n");
		cli_usage_section(f, SEC_CMD, cmd);
		fprintf(f, "\n");
		usage_alerts(f);
		usage_common(f);
		break;
	case CMD_RECORD:
		fprintf(f, "Usage: execmon record [OPTIONS] -o FILE.jsonl [--count N] [--duration DUR]\n\n"
		    "Write every event (backfill over --window, then live) as one JSON object a\n"
		    "line, with \"_source\" and \"_id\". Stops after --count events, --duration,\n"
		    "or SIGINT/SIGTERM; the last line is always complete. -o - = stdout.\n\n");
		cli_usage_section(f, SEC_CMD, cmd);
		fprintf(f, "\n");
		usage_common(f);
		break;
	case CMD_EVENTS:
		fprintf(f, "Usage: execmon events [OPTIONS] RUN_ID [--format table|json]\n\n"
		    "Print one run's event log in event-time order.\n\n");
		usage_common(f);
		break;
	case CMD_SNAPSHOT:
		fprintf(f, "Usage: execmon snapshot [OPTIONS] [-o FILE]\n\n"
		    "Compute every metric over --window and write it as JSON.\n\n");
		cli_usage_section(f, SEC_CMD, cmd);
		fprintf(f, "\n");
		usage_common(f);
		break;
	case CMD_RUNS:
		fprintf(f, "Usage: execmon runs [OPTIONS] [--status S] [--agent A] [--trace T]\n"
		    "                   [--since DUR] [--limit N] [--format table|json|csv|tsv]\n\n"
		    "List recent runs: every queued or running run, then the runs that finished\n"
		    "within --since, latest first.\n\n");
		cli_usage_section(f, SEC_CMD, cmd);
		fprintf(f, "\n");
		usage_common(f);
		break;
	case CMD_ERRORS:
		fprintf(f, "Usage: execmon errors [OPTIONS] [--since DUR] [--limit N]\n"
		    "                     [--format table|json]\n\n"
		    "The top errors over --window (or --since): failed runs, llm.call errors and\n"
		    "failed tool calls, grouped by where, error class and message with numbers,\n"
		    "ids, durations and quoted values folded; most frequent first, with first\n"
		    "and last seen and the agents, models and tools affected.\n\n"
		    "  --status, --agent, --trace   as for runs\n"
		    "  --since DUR          the window (default: --window)\n"
		    "  --limit N            at most N groups (default: all, at most 500)\n"
		    "  --format F           table (default) or json\n\n");
		usage_common(f);
		break;
	default:
		fprintf(f, "Usage: execmon [COMMAND] [OPTIONS]\n\n"
		    "A terminal live monitor for AI-agent and job executions.\n\n"
		    "Commands:\n"
		    "  (none)               the live dashboard\n"
		    "  snapshot [-o FILE]   compute metrics over --window, write JSON, exit\n"
		    "  runs                 list recent runs (table, json, csv or tsv)\n"
		    "  errors               the top errors, grouped (table or json)\n"
		    "  events RUN_ID        one run's event log\n"
		    "  record -o FILE       write events as JSON lines (for --replay)\n"
		    "  alerts               judge the alert rules and budgets; exit 3 if any fires\n"
		    "Run 'execmon COMMAND --help' for a command's own options.\n\n");
		usage_common(f);
		usage_alerts(f);
		cli_usage_section(f, SEC_DASH, cmd);
		fprintf(f, "\nKeys in the dashboard:\n");
		keys_write_help(f);
		fprintf(f, "\nExit status: 0 success, 1 runtime failure (e.g. no source reachable),\n"
		    "2 usage error; execmon alerts: 3 when an alert fires.\n");
		break;
	}
}
