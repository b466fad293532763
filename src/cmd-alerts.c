/* execmon - the alerts command: judge the rules and budgets, follow them, or change a mark. */
#include "config.h"

#include "alert-cmd.h"
#include "cmd.h"
#include "source-kind.h"

/* Change a mark and exit, judge once (exit 0 or 3), or --follow. */
static int
cmd_alerts_exec(const struct opts *o)
{
	if (o->mark_op != 0)
		return alerts_change_mark(o);
	if (o->follow && !cli_specs_any(o, SK_FINITE))
		return alerts_follow(o);
	return alerts_once(o);
}

const struct cmd_entry cmd_alerts_entry = {
	.name = "alerts",
	.id = CMD_ALERTS,
	.synopsis = "alerts",
	.summary = "judge the alert rules and budgets; exit 3 if any fires",
	.usage = "Usage: execmon alerts [OPTIONS] [--format table|json] [--follow]\n"
	    "       execmon alerts --ack NAME [--note TEXT] | --unack NAME\n"
	    "       execmon alerts --snooze NAME=DUR|TIME | --silence GLOB[=DUR] | --unsilence GLOB\n\n"
	    "Judge every alert rule and budget over --window at --now and print each\n"
	    "rule's state. Exit status: 0 when none fires, 3 when any fires (1 runtime\n"
	    "failure, 2 usage error). --follow keeps judging on live sources, prints a\n"
	    "line a transition and runs --alert-exec; it exits on SIGINT/SIGTERM.\n"
	    "--ack, --snooze, --silence and their undoing change what is kept in\n"
	    "$XDG_STATE_HOME/execmon/alerts.json (shared with the dashboard) and exit.\n\n",
	.sections = { SEC_CMD, SEC_ALERT, SEC_SOURCE, SEC_COMMON },
	.exec = cmd_alerts_exec,
};
