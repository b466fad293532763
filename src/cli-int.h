/* execmon - what the cli*.c files share: the option ids and table, applying one, --map, the alert options. */
#ifndef EXECMON_CLI_INT_H
#define EXECMON_CLI_INT_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"

enum {
	O_REDIS = 256, O_STREAM, O_WS, O_BULLMQ, O_BULLMQ_PREFIX, O_REPLAY, O_WINDOW, O_NOW, O_FILTER,
	O_THEME, O_CONFIG, O_REFRESH, O_CONNECT_TIMEOUT, O_COUNT, O_DURATION,
	O_FORMAT, O_STATUS, O_AGENT, O_TRACE, O_SINCE, O_LIMIT, O_NO_COLOR, O_MOUSE, O_STATS,
	O_WS_CA, O_WS_INSECURE, O_WS_HEADER, O_WS_MAX_MESSAGE, O_VERSION, O_HELP,
	O_CELERY, O_CELERY_QUEUE, O_CELERY_ENABLE_EVENTS,
	O_ALERT_EXEC, O_ALERT_EXEC_TIMEOUT, O_ALERT_EXEC_MAX, O_ALERT_BELL,
	O_ALERT_NOTIFY, O_ALERT_HOLD, O_FOLLOW, O_NOTE, O_ACK, O_UNACK, O_SNOOZE,
	O_SILENCE, O_UNSILENCE,
	O_OTLP_LISTEN, O_OTLP_MAX_BODY, O_OTLP_TOKEN, O_PRICES, O_PRICE,
	O_REDIS_CA, O_REDIS_CERT, O_REDIS_KEY, O_REDIS_INSECURE,
	O_MAP, O_DISCOVER_EVERY, O_MAX_STREAMS, O_LOG_BUDGET
};

/* Which level last set each list option: later levels replace, not append. */
enum level { L_DEFAULT, L_ENV, L_CONFIG, L_ARGV };

/* An option's flags. */
enum {
	OPT_ARGV = 1 << 0,     /* the command line only: no config key */
	OPT_STR = 1 << 1,      /* sets the string at off in struct opts */
	OPT_SET = 1 << 2,      /* sets the int at off in struct opts to 1 */
};

/*
 * One option: the getopt table, the config keys, --help and the man page
 * check (tests/unit/test-cli.c) all come from cli_options[].
 */
struct cli_option {
	const char *name;      /* long option, and config key unless OPT_ARGV */
	int letter;            /* short option, 0 = none */
	const char *arg;       /* its value as --help names it; NULL = takes none */
	int id;                /* O_*, or the letter */
	unsigned flags;        /* OPT_* */
	enum cli_section section;
	unsigned cmds;         /* SEC_CMD: CMD_BIT()s of the commands it belongs to */
	const char *help;      /* lines separated by '\n' */
	size_t off;            /* OPT_STR, OPT_SET: the member of struct opts it sets */
};

extern const struct cli_option cli_options[];
extern const int cli_noptions;
const struct cli_option *cli_option_by_id(int id);
const struct cli_option *cli_option_by_name(const char *name);
/* getopt_long's tables, made from cli_options[]. */
const struct option *cli_longopts(void);
const char *cli_shortopts(void);
/* The --help lines of a section's options (SEC_CMD: those of cmd); how many. */
int cli_usage_section(FILE *, enum cli_section, enum cli_command cmd);
/* Apply option id (its long name, its value) set at a level; 0 or an exit status. */
int cli_apply(struct opts *, int id, const char *name, const char *v, enum level at);
/* Read a config file (required: a missing one is an error); 0 or an exit status. */
int cli_read_config(struct opts *, const char *path, int required);

/*
 * --map NAME|FILE (cli-map.c; name is the option's name for messages): load
 * the map, which the sources given after it take. Returns 0, or 2 after a
 * one-line error.
 */
int cli_map_set(struct opts *, const char *name, const char *v);
/*
 * A --map that no source follows applies to the sources before it that no
 * --map covers (so `--stream K --map NAME` reads K through NAME). Returns
 * how many sources it was given to.
 */
int cli_map_trailing(struct opts *);
/* The defaults of --discover-every and --max-streams. */
void cli_map_defaults(struct opts *);
/* --discover-every DUR or --max-streams N (by name). Returns 0, or 2 after an error. */
int cli_map_pattern_option(struct opts *, const char *name, const char *v);
/*
 * A source was added (rc 0) whose map is *map: it takes the current --map.
 * Returns rc.
 */
int cli_map_took(struct opts *, int rc, const struct evmap **map);
/*
 * The end of one level (the config file, done = it parsed): apply a
 * trailing --map when done, then forget the current one.
 */
void cli_map_level(struct opts *, int done);
/* The end of the command line: a --map that reads nothing is an error (2). */
int cli_map_finish(struct opts *);
void cli_map_free(struct opts *);

/* --alert-exec, -exec-timeout, -exec-max, -bell, -notify, -hold (cli-alerts.c;
 * name without "--") into c: 0, or -1 with what the value should be in err. */
int cli_alerts_option(struct alert_config *c, const char *name, const char *v, char *err,
    size_t errlen);
/*
 * --ack NAME, --unack NAME, --snooze NAME=DUR, --silence GLOB[=DUR],
 * --unsilence GLOB (op an enum mark_op) into o. 0, or -1 with the cause.
 */
int cli_alerts_mark(struct opts *o, int op, const char *v, char *err, size_t errlen);

#endif
