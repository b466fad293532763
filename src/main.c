/* execmon - a terminal live monitor for AI-agent and job executions. */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "alert-cmd.h"
#include "cli.h"
#include "dash.h"
#include "record.h"
#include "report.h"
#include "source.h"

int
main(int argc, char **argv)
{
	struct opts o;
	int rc;

	setlocale(LC_ALL, "");
	if ((rc = cli_parse(&o, argc, argv)) != 0) {
		cli_free(&o);
		return rc == 1 ? 0 : rc;
	}
	switch (o.command) {
	case CMD_RECORD:
		rc = record_main(&o);
		break;
	case CMD_EVENTS:
		rc = report_events_main(&o);
		break;
	case CMD_SNAPSHOT:
		rc = report_snapshot_main(&o);
		break;
	case CMD_RUNS:
		rc = report_runs_main(&o);
		break;
	case CMD_ALERTS:
		rc = alerts_main(&o);
		break;
	default:
		rc = dash_main(&o);
		break;
	}
	cli_free(&o);
	sources_clear();
	return rc;
}
