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
};

#define CLI_MAX_LIST 64

struct opts {
	enum cli_command command;
	char *redis[CLI_MAX_LIST];
	int nredis;
	char *streams[CLI_MAX_LIST];
	int nstreams;
	char *bullmq[CLI_MAX_LIST]; /* BullMQ queue names, "*" = every queue */
	int nbullmq;
	char *bullmq_prefix;      /* default "bull" */
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
	int64_t window_ms;        /* default 1 h */
	int64_t now_ms;           /* 0 = wall clock (or replay's last event) */
	char *filter;
	char *theme;
	char *config;
	int refresh_ms;
	int64_t connect_timeout_ms;
	char *output;             /* -o */
	int64_t count;            /* record --count, 0 = no limit */
	int64_t duration_ms;      /* record --duration, 0 = none */
	char *format;             /* table|json */
	char *status, *agent, *trace;
	int64_t since_ms;         /* runs --since (a duration back from now) */
	int64_t limit;
	int no_color;
	char *run_id;             /* events RUN_ID */
	char *password;           /* from EXECMON_REDIS_PASSWORD */
	int verbose;
	char *stats;              /* --stats FILE: per-frame figures */
};

/*
 * Fill o from defaults, the environment, the config file and argv, in rising
 * precedence. Returns 0 to go on, 1 when --help/--version was printed, or 2
 * after printing a one-line usage error.
 */
int cli_parse(struct opts *o, int argc, char **argv);
void cli_free(struct opts *o);
void cli_usage(FILE *, enum cli_command);

/* "90s", "15m", "1h", "7d", "250ms", or plain seconds. -1 if invalid. */
int64_t cli_parse_duration(const char *);

#endif
