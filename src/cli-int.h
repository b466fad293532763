/* execmon - what cli.c and cli-config.c share: the option ids and table, applying one. */
#ifndef EXECMON_CLI_INT_H
#define EXECMON_CLI_INT_H

#include <getopt.h>

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

extern const struct option cli_longopts[];
/* Apply option id (its long name, its value) set at a level; 0 or an exit status. */
int cli_apply(struct opts *, int id, const char *name, const char *v, enum level at);
/* Read a config file (required: a missing one is an error); 0 or an exit status. */
int cli_read_config(struct opts *, const char *path, int required);

#endif
