/* execmon - the options table: getopt's long options, the config keys, --help and the man check derive from it. */
#include "config.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-int.h"

#define OFF(member) offsetof(struct opts, member)
#define RUNS CMD_BIT(CMD_RUNS)
#define ALERTS CMD_BIT(CMD_ALERTS)

/*
 * Every option, in the order --help lists them within a section. name is
 * the long option and the config key (unless OPT_ARGV); help's lines are
 * separated by '\n' and indented under the first by --help. An option that
 * only sets a string or a flag says which (OPT_STR, OPT_SET and OFF()); one
 * named as a source kind (source-kinds.c) adds a source; cli_apply() does
 * the others.
 */
const struct cli_option cli_options[] = {
	/* Sources */
	{ .name = "redis", .arg = "URL", .id = O_REDIS, .section = SEC_SOURCE,
	  .help = "redis://[[user]:password@]host[:port][/db],\n"
	          "rediss://... (TLS), unix:///path.sock, or\n"
	          "redis-sentinel://[[user]:password@]host[:port]\n"
	          "[,host[:port]...]/MASTER[/db] (rediss-sentinel:// over\n"
	          "TLS); repeatable; any node of a Redis Cluster will do\n"
	          "(default $EXECMON_REDIS_URL, else redis://127.0.0.1:6379;\n"
	          "password also from $EXECMON_REDIS_PASSWORD)" },
	{ .name = "redis-ca", .arg = "FILE", .id = O_REDIS_CA, .section = SEC_SOURCE,
	  .help = "trust the CA certificates in FILE for rediss://" },
	{ .name = "redis-cert", .arg = "FILE", .id = O_REDIS_CERT, .section = SEC_SOURCE,
	  .help = "client certificate for rediss://" },
	{ .name = "redis-key", .arg = "FILE", .id = O_REDIS_KEY, .section = SEC_SOURCE,
	  .help = "the client certificate's private key" },
	{ .name = "redis-insecure", .id = O_REDIS_INSECURE, .flags = OPT_SET,
	  .section = SEC_SOURCE, .off = OFF(redis_insecure),
	  .help = "do not check rediss:// certificates (the header says so)" },
	{ .name = "stream", .arg = "KEY", .id = O_STREAM, .section = SEC_SOURCE,
	  .help = "a Redis stream to follow; repeatable\n"
	          "(default execmon:events); a glob ('jobs:*', with\n"
	          "* ? [..]) follows every stream whose key matches,\n"
	          "found with SCAN at start and every --discover-every\n"
	          "(on a Redis Cluster: on every master)" },
	{ .name = "discover-every", .arg = "DUR", .id = O_DISCOVER_EVERY, .section = SEC_SOURCE,
	  .help = "look for new and deleted streams this often (default 5s)" },
	{ .name = "max-streams", .arg = "N", .id = O_MAX_STREAMS, .section = SEC_SOURCE,
	  .help = "follow at most N streams from globs (default 10000)" },
	{ .name = "map", .arg = "NAME|FILE", .id = O_MAP, .section = SEC_SOURCE,
	  .help = "read the --stream, --ws and --replay sources given after\n"
	          "it through a map: a preset (shannon) or a map file;\n"
	          "native = execmon's own format again; --map list shows\n"
	          "the presets (doc/mapping.md)" },
	{ .name = "bullmq", .arg = "QUEUE", .id = O_BULLMQ, .section = SEC_SOURCE,
	  .help = "follow a BullMQ queue (its events and depth); repeatable;\n"
	          "'*' = every queue found under the prefix" },
	{ .name = "bullmq-prefix", .arg = "P", .id = O_BULLMQ_PREFIX, .section = SEC_SOURCE,
	  .help = "BullMQ key prefix (default bull)" },
	{ .name = "celery", .id = O_CELERY, .section = SEC_SOURCE,
	  .help = "follow the Celery cluster whose broker is each --redis:\n"
	          "its task events (pub/sub), queues and workers;\n"
	          "rediss://, sentinel and cluster URLs too" },
	{ .name = "celery-queue", .arg = "Q", .id = O_CELERY_QUEUE, .section = SEC_SOURCE,
	  .help = "a Celery queue whose depth to read; repeatable\n"
	          "(default: the queues found in kombu's bindings)" },
	{ .name = "celery-enable-events", .id = O_CELERY_ENABLE_EVENTS, .section = SEC_SOURCE,
	  .help = "ask the workers to send task events (as\n"
	          "'celery control enable_events'), at start and every\n"
	          "minute; it writes to the broker, so it is off by default" },
	{ .name = "ws", .arg = "URL", .id = O_WS, .section = SEC_SOURCE,
	  .help = "a WebSocket feed, ws://host[:port][/path] or wss://...;\n"
	          "repeatable" },
	{ .name = "ws-ca", .arg = "FILE", .id = O_WS_CA, .section = SEC_SOURCE,
	  .help = "trust the CA certificates in FILE for wss://\n"
	          "(default: the system's CA bundle)" },
	{ .name = "ws-insecure", .id = O_WS_INSECURE, .flags = OPT_SET, .section = SEC_SOURCE,
	  .off = OFF(ws_insecure),
	  .help = "do not check wss:// certificates (the header says so)" },
	{ .name = "ws-header", .arg = "'N: V'", .id = O_WS_HEADER, .section = SEC_SOURCE,
	  .help = "send this header to every feed; repeatable;\n"
	          "a value env:VAR is read from the environment" },
	{ .name = "ws-max-message", .arg = "N", .id = O_WS_MAX_MESSAGE, .section = SEC_SOURCE,
	  .help = "bigger messages are dropped and counted (default 1M);\n"
	          "a frame announcing more drops its connection" },
	{ .name = "otlp-listen", .arg = "[HOST:]PORT", .id = O_OTLP_LISTEN,
	  .section = SEC_SOURCE,
	  .help = "receive OpenTelemetry GenAI traces over OTLP/HTTP\n"
	          "(POST /v1/traces, JSON or protobuf; HOST 127.0.0.1)" },
	{ .name = "otlp-max-body", .arg = "N", .id = O_OTLP_MAX_BODY, .section = SEC_SOURCE,
	  .help = "larger request bodies get 413 (default 4M)" },
	{ .name = "otlp-token", .arg = "T", .id = O_OTLP_TOKEN, .section = SEC_SOURCE,
	  .help = "require 'Authorization: Bearer T' (env:VAR reads it)" },
	{ .name = "replay", .arg = "FILE", .id = O_REPLAY, .section = SEC_SOURCE,
	  .help = "read events from a JSONL file (- = stdin) instead" },

	/* Common options */
	{ .name = "window", .arg = "DUR", .id = O_WINDOW, .section = SEC_COMMON,
	  .help = "history window: 90s, 15m, 1h, 7d, at most 3650d\n"
	          "(default 1h)" },
	{ .name = "now", .arg = "TIME", .id = O_NOW, .section = SEC_COMMON,
	  .help = "pin \"now\" (epoch ms or RFC 3339)" },
	{ .name = "filter", .arg = "EXPR", .id = O_FILTER, .flags = OPT_STR,
	  .section = SEC_COMMON, .off = OFF(filter),
	  .help = "e.g. agent=planner,status=failed,trace=4bf9; keys: agent,\n"
	          "status, trace, model, user, workspace, queue, error\n"
	          "(a class, or 'CLASS: folded message'), text" },
	{ .name = "connect-timeout", .arg = "D", .id = O_CONNECT_TIMEOUT, .section = SEC_COMMON,
	  .help = "give up when no source answers within D, and on the\n"
	          "streams a glob found once none moves for D (default 5s)" },
	{ .name = "duration", .arg = "DUR", .id = O_DURATION, .section = SEC_COMMON,
	  .help = "stop after DUR; snapshot, runs and events read a\n"
	          "WebSocket feed until then, or until its server closes" },
	{ .name = "config", .arg = "FILE", .id = O_CONFIG, .flags = OPT_ARGV,
	  .section = SEC_COMMON,
	  .help = "settings file (default $XDG_CONFIG_HOME/execmon/config)" },
	{ .name = "prices", .arg = "FILE", .id = O_PRICES, .section = SEC_COMMON,
	  .help = "model prices for estimated LLM costs (default: the\n"
	          "table shipped with execmon)" },
	{ .name = "price", .arg = "'M IN OUT'", .id = O_PRICE, .section = SEC_COMMON,
	  .help = "the price of model M in $ per million input and output\n"
	          "tokens; repeatable, wins over the table" },
	{ .name = "verbose", .letter = 'v', .id = 'v', .flags = OPT_SET, .section = SEC_COMMON,
	  .off = OFF(verbose),
	  .help = "more detail: debug messages on stderr (the\n"
	          "dashboard: in its messages view, L)" },
	{ .name = "help", .letter = 'h', .id = 'h', .flags = OPT_ARGV, .section = SEC_COMMON,
	  .help = "this help" },
	{ .name = "version", .id = O_VERSION, .flags = OPT_ARGV, .section = SEC_COMMON,
	  .help = "the version" },

	/* A command's own */
	{ .name = "output", .letter = 'o', .arg = "FILE", .id = 'o', .flags = OPT_STR,
	  .section = SEC_CMD, .cmds = CMD_BIT(CMD_SNAPSHOT) | CMD_BIT(CMD_RECORD),
	  .off = OFF(output),
	  .help = "where to write (- = stdout, snapshot's default),\n"
	          "through a temporary file renamed into place" },
	{ .name = "count", .arg = "N", .id = O_COUNT, .section = SEC_CMD,
	  .cmds = CMD_BIT(CMD_RECORD),
	  .help = "stop after N events" },
	{ .name = "status", .arg = "S", .id = O_STATUS, .flags = OPT_STR, .section = SEC_CMD,
	  .cmds = RUNS, .off = OFF(status),
	  .help = "queued, running, completed, failed, cancelled or\n"
	          "unknown (default: any)" },
	{ .name = "agent", .arg = "A", .id = O_AGENT, .flags = OPT_STR, .section = SEC_CMD,
	  .cmds = RUNS, .off = OFF(agent),
	  .help = "agent name or id, exact (default: any)" },
	{ .name = "trace", .arg = "T", .id = O_TRACE, .flags = OPT_STR, .section = SEC_CMD,
	  .cmds = RUNS, .off = OFF(trace),
	  .help = "trace id prefix (default: any)" },
	{ .name = "since", .arg = "DUR", .id = O_SINCE, .section = SEC_CMD, .cmds = RUNS,
	  .help = "how far back finished runs go (default: --window)" },
	{ .name = "limit", .arg = "N", .id = O_LIMIT, .section = SEC_CMD, .cmds = RUNS,
	  .help = "at most N rows (default 50); when more match, stderr\n"
	          "says how many were left out" },
	{ .name = "format", .arg = "F", .id = O_FORMAT, .section = SEC_CMD, .cmds = RUNS,
	  .help = "table (default), json, csv (RFC 4180) or tsv\n"
	          "(tabs, newlines and backslashes escaped as \\t \\n \\\\)" },
	{ .name = "follow", .id = O_FOLLOW, .flags = OPT_ARGV | OPT_SET, .section = SEC_CMD,
	  .cmds = ALERTS, .off = OFF(follow),
	  .help = "keep judging on live sources, a line a transition" },
	{ .name = "ack", .arg = "NAME", .id = O_ACK, .flags = OPT_ARGV, .section = SEC_CMD,
	  .cmds = ALERTS,
	  .help = "acknowledge an alert (with --note TEXT), then exit" },
	{ .name = "note", .arg = "TEXT", .id = O_NOTE, .flags = OPT_ARGV | OPT_STR,
	  .section = SEC_CMD, .cmds = ALERTS, .off = OFF(note),
	  .help = "the acknowledgement's note" },
	{ .name = "unack", .arg = "NAME", .id = O_UNACK, .flags = OPT_ARGV, .section = SEC_CMD,
	  .cmds = ALERTS,
	  .help = "take an acknowledgement back, then exit" },
	{ .name = "snooze", .arg = "NAME=DUR", .id = O_SNOOZE, .flags = OPT_ARGV,
	  .section = SEC_CMD, .cmds = ALERTS,
	  .help = "snooze an alert for DUR, or until a TIME (NAME=TIME)" },
	{ .name = "silence", .arg = "GLOB[=DUR]", .id = O_SILENCE, .flags = OPT_ARGV,
	  .section = SEC_CMD, .cmds = ALERTS,
	  .help = "silence the alerts whose names match GLOB (for DUR)" },
	{ .name = "unsilence", .arg = "GLOB", .id = O_UNSILENCE, .flags = OPT_ARGV,
	  .section = SEC_CMD, .cmds = ALERTS,
	  .help = "take that silence back" },

	/* Alerts: the dashboard and execmon alerts */
	{ .name = "alert-exec", .arg = "CMD", .id = O_ALERT_EXEC, .section = SEC_ALERT,
	  .help = "on every alert that fires or resolves, run CMD with\n"
	          "/bin/sh -c: the alert as JSON on stdin, and\n"
	          "EXECMON_ALERT_NAME, _STATE, _SEVERITY set" },
	{ .name = "alert-exec-timeout", .arg = "D", .id = O_ALERT_EXEC_TIMEOUT,
	  .section = SEC_ALERT,
	  .help = "kill CMD after D (default 10s)" },
	{ .name = "alert-exec-max", .arg = "N", .id = O_ALERT_EXEC_MAX, .section = SEC_ALERT,
	  .help = "at most N commands at once; more wait (default 4)" },
	{ .name = "alert-hold", .arg = "DUR", .id = O_ALERT_HOLD, .section = SEC_ALERT,
	  .help = "a firing alert resolves after its condition has been\n"
	          "false this long (default 1m)" },

	/* The dashboard's own */
	{ .name = "alert-bell", .arg = "B", .id = O_ALERT_BELL, .section = SEC_DASH,
	  .help = "ring the bell when an alert fires: off, on, high\n"
	          "(high severity only) (default on)" },
	{ .name = "alert-notify", .arg = "N", .id = O_ALERT_NOTIFY, .section = SEC_DASH,
	  .help = "desktop notification by OSC 9 / OSC 777: off, osc9,\n"
	          "osc777, both (default both)" },
	{ .name = "theme", .arg = "NAME", .id = O_THEME, .flags = OPT_STR, .section = SEC_DASH,
	  .off = OFF(theme),
	  .help = "default, light, high-contrast, solarized-dark, mono, or a path" },
	{ .name = "no-color", .id = O_NO_COLOR, .flags = OPT_SET, .section = SEC_DASH,
	  .off = OFF(no_color),
	  .help = "no colours (also when NO_COLOR is set)" },
	{ .name = "mouse", .id = O_MOUSE, .flags = OPT_SET, .section = SEC_DASH,
	  .off = OFF(mouse),
	  .help = "the dashboard takes the mouse: click selects, a\n"
	          "double click opens, the wheel scrolls, a click on\n"
	          "a table's header sorts by that column (off by default)" },
	{ .name = "refresh", .arg = "MS", .id = O_REFRESH, .section = SEC_DASH,
	  .help = "dashboard frame period (default 100)" },
	{ .name = "log-budget", .arg = "N", .id = O_LOG_BUDGET, .section = SEC_DASH,
	  .help = "event bodies the dashboard holds from WebSocket, OTLP,\n"
	          "Celery, BullMQ and replay, bytes (default 64M; 0 = no\n"
	          "bound); the oldest runs' go first, their figures stay.\n"
	          "Redis stream events are read back when their log opens" },
	{ .name = "stats", .arg = "FILE", .id = O_STATS, .flags = OPT_STR, .section = SEC_DASH,
	  .off = OFF(stats),
	  .help = "log one line per frame: wall ms, events since the last\n"
	          "frame, event-to-screen ms, events in all, events not\n"
	          "yet in the figures, recompute ms, one state letter\n"
	          "per source, the window in seconds;\n"
	          "at the end, per-event p50/p99/max event-to-screen ms" },
};
const int cli_noptions = (int)(sizeof cli_options / sizeof cli_options[0]);

const struct cli_option *
cli_option_by_id(int id)
{
	for (int i = 0; i < cli_noptions; i++)
		if (cli_options[i].id == id)
			return &cli_options[i];
	return NULL;
}

const struct cli_option *
cli_option_by_name(const char *name)
{
	for (int i = 0; i < cli_noptions; i++)
		if (strcmp(cli_options[i].name, name) == 0)
			return &cli_options[i];
	return NULL;
}

const struct option *
cli_longopts(void)
{
	static struct option lo[sizeof cli_options / sizeof cli_options[0] + 1];

	if (lo[0].name == NULL) {
		for (int i = 0; i < cli_noptions; i++) {
			lo[i].name = cli_options[i].name;
			lo[i].has_arg = cli_options[i].arg != NULL ? required_argument :
			    no_argument;
			lo[i].flag = NULL;
			lo[i].val = cli_options[i].id;
		}
	}
	return lo;
}

const char *
cli_shortopts(void)
{
	/* ':' first: a missing value is told apart from an unknown option */
	static char s[2 * sizeof cli_options / sizeof cli_options[0] + 2];

	if (s[0] == '\0') {
		size_t n = 0;

		s[n++] = ':';
		for (int i = 0; i < cli_noptions; i++) {
			if (cli_options[i].letter == 0)
				continue;
			s[n++] = (char)cli_options[i].letter;
			if (cli_options[i].arg != NULL)
				s[n++] = ':';
		}
		s[n] = '\0';
	}
	return s;
}

/* "  -v, --verbose" or "  --redis URL", and the help beside it, as --help shows them. */
static void
option_help(FILE *f, const struct cli_option *op)
{
	char label[64];
	const char *p = op->help, *nl;
	int n;

	if (op->letter != 0)
		n = snprintf(label, sizeof label, "-%c, --%s", op->letter, op->name);
	else
		n = snprintf(label, sizeof label, "--%s", op->name);
	if (op->arg != NULL)
		n += snprintf(label + n, sizeof label - (size_t)n, " %s", op->arg);
	fprintf(f, "  %-*s", n <= 20 ? 21 : n + 2, label);
	for (;;) {
		nl = strchr(p, '\n');
		fprintf(f, "%.*s\n", nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
		if (nl == NULL)
			break;
		p = nl + 1;
		fprintf(f, "%23s", "");
	}
}

int
cli_usage_section(FILE *f, enum cli_section sec, enum cli_command cmd)
{
	int n = 0;

	for (int i = 0; i < cli_noptions; i++) {
		const struct cli_option *op = &cli_options[i];

		if (op->section == sec && (sec != SEC_CMD || (op->cmds & CMD_BIT(cmd)))) {
			option_help(f, op);
			n++;
		}
	}
	return n;
}
