/* execmon - the --help texts: the command line, each command's own, the keys. */
#include "config.h"

#include <stdio.h>

#include "alert-cmd.h"
#include "cli.h"
#include "ui.h"

void
cli_usage(FILE *f, enum cli_command cmd)
{
	static const char *const common =
	    "Sources (with none given, the default stream on the default Redis):\n"
	    "  --redis URL          redis://[[user]:password@]host[:port][/db],\n"
	    "                       rediss://... (TLS), unix:///path.sock, or\n"
	    "                       redis-sentinel://[[user]:password@]host[:port]\n"
	    "                       [,host[:port]...]/MASTER[/db] (rediss-sentinel:// over\n"
	    "                       TLS); repeatable; any node of a Redis Cluster will do\n"
	    "                       (default $EXECMON_REDIS_URL, else redis://127.0.0.1:6379;\n"
	    "                       password also from $EXECMON_REDIS_PASSWORD)\n"
	    "  --redis-ca FILE      trust the CA certificates in FILE for rediss://\n"
	    "  --redis-cert FILE    client certificate for rediss:// (key: --redis-key FILE)\n"
	    "  --redis-insecure     do not check rediss:// certificates (the header says so)\n"
	    "  --stream KEY         a Redis stream to follow; repeatable\n"
	    "                       (default execmon:events); a glob ('jobs:*', with\n"
	    "                       * ? [..]) follows every stream whose key matches,\n"
	    "                       found with SCAN at start and every --discover-every\n"
	    "  --discover-every DUR look for new and deleted streams this often (default 5s)\n"
	    "  --max-streams N      follow at most N streams from globs (default 10000)\n"
	    "  --map NAME|FILE      read the --stream, --ws and --replay sources given after\n"
	    "                       it through a map: a preset (shannon) or a map file;\n"
	    "                       native = execmon's own format again; --map list shows\n"
	    "                       the presets (doc/mapping.md)\n"
	    "  --bullmq QUEUE       follow a BullMQ queue (its events and depth); repeatable;\n"
	    "                       '*' = every queue found under the prefix\n"
	    "  --bullmq-prefix P    BullMQ key prefix (default bull)\n"
	    "  --celery             follow the Celery cluster whose broker is each --redis:\n"
	    "                       its task events (pub/sub), queues and workers;\n"
	    "                       rediss://, sentinel and cluster URLs too\n"
	    "  --celery-queue Q     a Celery queue whose depth to read; repeatable\n"
	    "                       (default: the queues found in kombu's bindings)\n"
	    "  --celery-enable-events  ask the workers to send task events (as\n"
	    "                       'celery control enable_events'), at start and every\n"
	    "                       minute; it writes to the broker, so it is off by default\n"
	    "  --ws URL             a WebSocket feed, ws://host[:port][/path] or wss://...;\n"
	    "                       repeatable\n"
	    "  --ws-ca FILE         trust the CA certificates in FILE for wss://\n"
	    "                       (default: the system's CA bundle)\n"
	    "  --ws-insecure        do not check wss:// certificates (the header says so)\n"
	    "  --ws-header 'N: V'   send this header to every feed; repeatable;\n"
	    "                       a value env:VAR is read from the environment\n"
	    "  --ws-max-message N   bigger messages are dropped and counted (default 1M);\n"
	    "                       a frame announcing more drops its connection\n"
	    "  --otlp-listen [HOST:]PORT  receive OpenTelemetry GenAI traces over OTLP/HTTP\n"
	    "                       (POST /v1/traces, JSON or protobuf; HOST 127.0.0.1)\n"
	    "  --otlp-max-body N    larger request bodies get 413 (default 4M)\n"
	    "  --otlp-token T       require 'Authorization: Bearer T' (env:VAR reads it)\n"
	    "  --replay FILE        read events from a JSONL file (- = stdin) instead\n"
	    "Common options:\n"
	    "  --window DUR         history window: 90s, 15m, 1h, 7d, at most 3650d\n"
	    "                       (default 1h)\n"
	    "  --now TIME           pin \"now\" (epoch ms or RFC 3339)\n"
	    "  --filter EXPR        e.g. agent=planner,status=failed,trace=4bf9; keys: agent,\n"
	    "                       status, trace, model, user, workspace, queue, error\n"
	    "                       (a class, or 'CLASS: folded message'), text\n"
	    "  --connect-timeout D  give up when no source answers within D (default 5s)\n"
	    "  --duration DUR       stop after DUR; snapshot, runs and events read a\n"
	    "                       WebSocket feed until then, or until its server closes\n"
	    "  --config FILE        settings file (default $XDG_CONFIG_HOME/execmon/config)\n"
	    "  --prices FILE        model prices for estimated LLM costs (default: the\n"
	    "                       table shipped with execmon)\n"
	    "  --price 'M IN OUT'   the price of model M in $ per million input and output\n"
	    "                       tokens; repeatable, wins over the table\n"
	    "  -v, --verbose        more detail: debug messages on stderr (the\n"
	    "                       dashboard: in its messages view, L)\n"
	    "  -h, --help           this help;  --version  the version\n";

	switch (cmd) {
	case CMD_ALERTS:
		alerts_usage(f, common);
		break;
	case CMD_RECORD:
		fprintf(f, "Usage: execmon record [OPTIONS] -o FILE.jsonl [--count N] [--duration DUR]\n\n"
		    "Write every event (backfill over --window, then live) as one JSON object a\n"
		    "line, with \"_source\" and \"_id\". Stops after --count events, --duration,\n"
		    "or SIGINT/SIGTERM; the last line is always complete. -o - = stdout.\n\n%s",
		    common);
		break;
	case CMD_EVENTS:
		fprintf(f, "Usage: execmon events [OPTIONS] RUN_ID [--format table|json]\n\n"
		    "Print one run's event log in event-time order.\n\n%s", common);
		break;
	case CMD_SNAPSHOT:
		fprintf(f, "Usage: execmon snapshot [OPTIONS] [-o FILE]\n\n"
		    "Compute every metric over --window and write it as JSON.\n\n%s", common);
		break;
	case CMD_RUNS:
		fprintf(f, "Usage: execmon runs [OPTIONS] [--status S] [--agent A] [--trace T]\n"
		    "                   [--since DUR] [--limit N] [--format table|json|csv|tsv]\n\n"
		    "List recent runs: every queued or running run, then the runs that finished\n"
		    "within --since, latest first.\n\n"
		    "  --status S           queued, running, completed, failed, cancelled or\n"
		    "                       unknown (default: any)\n"
		    "  --agent A            agent name or id, exact (default: any)\n"
		    "  --trace T            trace id prefix (default: any)\n"
		    "  --since DUR          how far back finished runs go (default: --window)\n"
		    "  --limit N            at most N rows (default 50); when more match, stderr\n"
		    "                       says how many were left out\n"
		    "  --format F           table (default), json, csv (RFC 4180) or tsv\n"
		    "                       (tabs, newlines and backslashes escaped as \\t \\n \\\\)\n\n%s",
		    common);
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
		    "  --format F           table (default) or json\n\n%s", common);
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
		    "Run 'execmon COMMAND --help' for a command's own options.\n\n%s%s"
		    "  --alert-bell B       ring the bell when an alert fires: off, on, high\n"
		    "                       (high severity only) (default on)\n"
		    "  --alert-notify N     desktop notification by OSC 9 / OSC 777: off, osc9,\n"
		    "                       osc777, both (default both)\n"
		    "  --theme NAME         default, light, high-contrast, solarized-dark, mono, or a path\n"
		    "  --no-color           no colours (also when NO_COLOR is set)\n"
		    "  --mouse              the dashboard takes the mouse: click selects, a\n"
		    "                       double click opens, the wheel scrolls, a click on\n"
		    "                       a table's header sorts by that column (off by default)\n"
		    "  --refresh MS         dashboard frame period (default 100)\n"
		    "  --stats FILE         log one line per frame: wall ms, events since the last\n"
		    "                       frame, event-to-screen ms, events in all, events not\n"
		    "                       yet in the figures, recompute ms, one state letter\n"
		    "                       per source, the window in seconds;\n"
		    "                       at the end, per-event p50/p99/max event-to-screen ms\n\n"
		    "Keys in the dashboard:\n", common, alerts_usage_options);
		keys_write_help(f);
		fprintf(f, "\nExit status: 0 success, 1 runtime failure (e.g. no source reachable),\n"
		    "2 usage error; execmon alerts: 3 when an alert fires.\n");
		break;
	}
}
