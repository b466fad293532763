/* execmon - the command line and config file: options, precedence, parsing. */
#ifndef EXECMON_CLI_H
#define EXECMON_CLI_H

#include <stdint.h>
#include <stdio.h>

enum cli_command {
	CMD_DASHBOARD = 0,
	CMD_SNAPSHOT,
	CMD_RUNS,
	CMD_EVENTS,
	CMD_RECORD,
	CMD_ALERTS,
	CMD_ERRORS,
};

#define CLI_MAX_LIST 64
/* --window: ten years; the figures cost what the data holds, not the window */
#define CLI_WINDOW_MAX_MS (3650 * 86400 * (int64_t)1000)
/* Default --log-budget: event bodies held by the dashboard, bytes. */
#define CLI_LOG_BUDGET_DEFAULT (64 * (int64_t)1024 * 1024)

struct alert_config;
struct evmap;

struct opts {
	enum cli_command command;
	char *redis[CLI_MAX_LIST];
	int nredis;
	char *streams[CLI_MAX_LIST];
	int nstreams;
	char *bullmq[CLI_MAX_LIST]; /* BullMQ queue names, "*" = every queue */
	int nbullmq;
	char *bullmq_prefix;      /* default "bull" */
	int celery;               /* --celery: follow the Celery cluster on each --redis */
	char *celery_queues[CLI_MAX_LIST]; /* --celery-queue; none = discover */
	int ncelery_queues;
	int celery_enable_events; /* --celery-enable-events */
	char *ws[CLI_MAX_LIST];     /* --ws URLs */
	int nws;
	char *ws_headers[CLI_MAX_LIST]; /* --ws-header, as given (env: unresolved) */
	int nws_headers;
	char *ws_ca;              /* --ws-ca FILE */
	int ws_insecure;          /* --ws-insecure */
	int64_t ws_max_message;   /* --ws-max-message, bytes */
	char *redis_ca, *redis_cert, *redis_key; /* --redis-ca, --redis-cert, --redis-key */
	int redis_insecure;       /* --redis-insecure */
	char *replay;
	char *otlp_listen;        /* --otlp-listen [HOST:]PORT */
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
	/*
	 * --map: the map of each --stream, --ws and --replay (NULL = native),
	 * pointing into maps, which owns every map loaded.
	 */
	const struct evmap *stream_maps[CLI_MAX_LIST];
	const struct evmap *ws_maps[CLI_MAX_LIST];
	const struct evmap *replay_map;
	struct evmap *maps[2 * CLI_MAX_LIST];
	int nmaps;
	const struct evmap *cur_map; /* while parsing: the last --map */
	int map_pending;          /* no source came after the last --map yet */
	int64_t discover_ms;      /* --discover-every (default 5 s) */
	int64_t max_streams;      /* --max-streams (default 10000) */
};

/*
 * Fill o from defaults, the environment, the config file and argv, in rising
 * precedence. Returns 0 to go on, 1 when --help/--version was printed, or 2
 * after printing a one-line usage error.
 */
int cli_parse(struct opts *o, int argc, char **argv);
void cli_free(struct opts *o);
void cli_usage(FILE *, enum cli_command);

/* "90s", "15m", "1h", "7d", "250ms", or plain seconds. -1 if invalid, -2 if
 * a duration past 10^15 ms. */
int64_t cli_parse_duration(const char *);

#endif
