/* execmon - the command line and config file: options, precedence, parsing. */
#ifndef EXECMON_CLI_H
#define EXECMON_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "knobs.h"

enum cli_command {
	CMD_DASHBOARD = 0,
	CMD_SNAPSHOT,
	CMD_RUNS,
	CMD_EVENTS,
	CMD_RECORD,
	CMD_ALERTS,
	CMD_ERRORS,
};

/* Where --help lists an option (cli-options.c); 0 ends a command's list. */
enum cli_section {
	SEC_NONE = 0,
	SEC_SOURCE,            /* "Sources": every command */
	SEC_COMMON,            /* "Common options": every command */
	SEC_CMD,               /* a command's own (cli_option.cmds), under its usage */
	SEC_ALERT,             /* "Alerts": the dashboard and execmon alerts */
	SEC_DASH,              /* the dashboard's own */
};

/* A command as a bit, for sets of commands. */
#define CMD_BIT(c) (1u << (c))

#define CLI_MAX_LIST 64
/* --window: ten years; the figures cost what the data holds, not the window */
#define CLI_WINDOW_MAX_MS (3650 * 86400 * (int64_t)1000)
/* Default --log-budget: event bodies held by the dashboard, bytes. */
#define CLI_LOG_BUDGET_DEFAULT (64 * (int64_t)1024 * 1024)

struct alert_config;
struct evmap;
struct source_kind;

/*
 * One source as the command line or the config file gave it: its kind
 * (source-kind.h), its argument and the --map in force. The kind-wide
 * settings (--ws-ca, --bullmq-prefix, ...) are in struct opts.
 */
struct source_spec {
	const struct source_kind *kind;
	char *arg;                /* stream key, queue, URL, file, [HOST:]PORT; NULL for a flag */
	const struct evmap *map;  /* NULL = native; points into opts.maps */
};

struct opts {
	enum cli_command command;
	char *redis[CLI_MAX_LIST];
	int nredis;
	struct source_spec *specs; /* in the order given; see source-kind.h */
	int nspecs;
	char *bullmq_prefix;      /* default "bull" */
	char *celery_queues[CLI_MAX_LIST]; /* --celery-queue; none = discover */
	int ncelery_queues;
	int celery_enable_events; /* --celery-enable-events */
	char *ws_headers[CLI_MAX_LIST]; /* --ws-header, as given (env: unresolved) */
	int nws_headers;
	char *ws_ca;              /* --ws-ca FILE */
	int ws_insecure;          /* --ws-insecure */
	int64_t ws_max_message;   /* --ws-max-message, bytes */
	char *redis_ca, *redis_cert, *redis_key; /* --redis-ca, --redis-cert, --redis-key */
	int redis_insecure;       /* --redis-insecure */
	int64_t otlp_max_body;    /* --otlp-max-body, bytes */
	char *otlp_token;         /* --otlp-token, as given (env: unresolved) */
	char *prices;             /* --prices FILE, in place of the shipped table */
	char *price[CLI_MAX_LIST]; /* --price 'MODEL IN OUT' */
	int nprice;
	int64_t window_ms;        /* default 1 h, at most CLI_WINDOW_MAX_MS */
	int64_t now_ms;           /* 0 = wall clock (or replay's last event) */
	char *filter;
	char *theme;
	char *config;
	int refresh_ms;
	int64_t log_budget;       /* --log-budget: event bodies the dashboard holds, bytes; 0 = no bound */
	int64_t connect_timeout_ms;
	char *output;             /* -o */
	int64_t count;            /* record --count, 0 = no limit */
	int64_t duration_ms;      /* record --duration, 0 = none */
	char *format;             /* table|json, and for runs csv|tsv */
	char *status, *agent, *trace;
	int64_t since_ms;         /* runs --since (a duration back from now) */
	int64_t limit;
	int no_color;
	int mouse;                /* --mouse: the dashboard takes mouse events */
	char *run_id;             /* events RUN_ID */
	char *password;           /* from EXECMON_REDIS_PASSWORD */
	int verbose;
	char *stats;              /* --stats FILE: per-frame figures */
	struct alert_config *alerts; /* rules and budgets (config), alert settings */
	struct savedviews *views; /* saved views and table columns (config) */
	int follow;               /* alerts --follow */
	char *mark_name;          /* alerts --ack/--unack/--snooze/--silence/--unsilence */
	int mark_op;              /* enum mark_op + 1; 0 = none */
	int64_t mark_until_ms;    /* --snooze NAME=DUR: DUR; --silence GLOB=DUR */
	int mark_until_abs;       /* mark_until_ms is a time (NAME=RFC 3339), not a DUR */
	char *note;               /* --note TEXT (with --ack) */
	/* --map: every map loaded, which the specs' maps point into. */
	struct evmap *maps[2 * CLI_MAX_LIST];
	int nmaps;
	const struct evmap *cur_map; /* while parsing: the last --map */
	int map_pending;          /* no source came after the last --map yet */
	int64_t discover_ms;      /* --discover-every (default 5 s) */
	int64_t max_streams;      /* --max-streams (default 10000) */
	struct knobs knobs;       /* test knobs, from the environment */
};

struct cmd_entry;

/*
 * Fill o from defaults, the environment, the config file and argv, in rising
 * precedence; argv[1] may name one of cmds (NULL-ended, cmd.h), whose entry
 * goes to *cmd (the one named "" when none is). Returns 0 to go on, 1 when
 * --help/--version was printed, or 2 after printing a one-line usage error.
 */
int cli_parse(struct opts *o, const struct cmd_entry *const *cmds,
    const struct cmd_entry **cmd, int argc, char **argv);
void cli_free(struct opts *o);
/* --help of cmd (cmds: every command, which the dashboard's lists). */
void cli_usage(FILE *, const struct cmd_entry *const *cmds, const struct cmd_entry *cmd);
/* "execmon: --OPT 'VAL': WHY" on stderr (VAL sanitized); returns 2. */
int cli_bad(const char *opt, const char *val, const char *why);
/* Whether any source given is of a kind with one of these SK_* flags. */
int cli_specs_any(const struct opts *, unsigned flags);

/* "90s", "15m", "1h", "7d", "250ms", or plain seconds. -1 if invalid, -2 if
 * a duration past 10^15 ms. */
int64_t cli_parse_duration(const char *);

#endif
