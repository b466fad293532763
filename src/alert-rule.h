/* execmon - alert rules and cost budgets: the config grammar, parsed from text. */
#ifndef EXECMON_ALERT_RULE_H
#define EXECMON_ALERT_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "metrics.h"

/*
 * One rule a config line (doc/alerts.md is the grammar for people):
 *
 *   alert NAME = FIGURE [where FILTER] [over DUR] OP VALUE [for DUR]
 *                [severity low|medium|high]
 *   alert NAME = off
 *   budget NAME = cost [where FILTER] per day|week|month <= $AMOUNT
 *
 * The parser takes the text after the key ("NAME = ..."), never touches a
 * file and never reads the clock, so tests and the fuzzer drive it directly.
 */

enum alert_figure {
	AF_FAILURE_RATE, AF_SUCCESS_RATE,
	AF_P50_EXEC, AF_P90_EXEC, AF_P95_EXEC, AF_P99_EXEC,
	AF_P50_QUEUE, AF_P90_QUEUE, AF_P95_QUEUE, AF_P99_QUEUE,
	AF_P50_E2E, AF_P90_E2E, AF_P95_E2E, AF_P99_E2E,
	AF_THROUGHPUT, AF_QUEUE_DEPTH, AF_OLDEST_WAIT, AF_RUNNING,
	AF_STUCK_RUNS, AF_COST, AF_SOURCE_DOWN, AF_NO_EVENTS, AF_ANOMALIES,
	AF_FAILURE_SURGE,
	AF_BUDGET_SPENT,       /* a budget's spend (its "over" rule) */
	AF_BUDGET_PROJECTED,   /* a budget's projected spend at the period's end */
	AF__COUNT
};

/* The unit a figure is judged in; VALUE is read in it. */
enum alert_unit {
	AU_COUNT,              /* a plain number */
	AU_PERCENT,            /* 0..100 */
	AU_MS,                 /* a duration, held in ms */
	AU_USD                 /* dollars */
};

enum alert_op { AO_GT, AO_GE, AO_LT, AO_LE };

enum budget_period { BP_DAY, BP_WEEK, BP_MONTH };

enum alert_bell { BELL_OFF, BELL_ON, BELL_HIGH };

#define ALERT_NAME_MAX 64
/* Bounds: a config file holds at most this many rules and budgets. */
#define ALERT_RULES_MAX 256
#define ALERT_BUDGETS_MAX 64
/* Default "over" window of a rule. */
#define ALERT_OVER_DEFAULT (5 * 60000)

struct alert_rule {
	char name[ALERT_NAME_MAX];
	enum alert_figure figure;
	char *where;           /* the FILTER as written, NULL = every run */
	struct filter filter;
	int64_t over_ms;
	enum alert_op op;
	double threshold;      /* in the figure's unit (percent, ms, USD, count) */
	int64_t for_ms;        /* the condition holds this long before firing */
	enum severity severity;
	int builtin;           /* one of the built-in rules */
	int budget;            /* budget figures: index into budgets; else -1 */
	int off;               /* switched off ("alert NAME = off") */
};

struct budget {
	char name[ALERT_NAME_MAX];
	char *where;           /* NULL = every run */
	struct filter filter;
	enum budget_period period;
	int64_t limit_nusd;    /* the budget, nano-dollars */
};

struct alert_config {
	struct alert_rule *rules;  /* built-ins first, then the file's order */
	size_t nrules;
	struct budget *budgets;
	size_t nbudgets;
	enum alert_bell bell;  /* default on */
	int osc9, osc777;      /* desktop notifications (default both on) */
	int64_t hold_ms;       /* a firing alert resolves after its condition
	                          has been false this long (default 1 min) */
	int64_t resolved_ms;   /* a resolved alert is shown this long, then ok */
	char *exec;            /* --alert-exec CMD, NULL = none */
	int64_t exec_timeout_ms; /* default 10 s */
	int exec_max;          /* at most this many at once (default 4) */
};

/* Built-in rules, on unless switched off: source-down, failure-surge,
 * queue-wait, stuck-runs. */
void alert_config_init(struct alert_config *);
void alert_config_done(struct alert_config *);

/*
 * Add the rule in text ("NAME = ..."). A rule of a built-in's name replaces
 * it; "NAME = off" switches one off. Returns 0, or -1 with a one-line cause
 * in err.
 */
int alert_config_rule(struct alert_config *, const char *text, char *err,
    size_t errlen);
/* Add the budget in text ("NAME = cost ... <= $N"), and its two rules
 * NAME.projected and NAME.over. Returns 0, or -1 with the cause in err. */
int alert_config_budget(struct alert_config *, const char *text, char *err,
    size_t errlen);
/* Parse one rule into r (filter_init'ed by the call; alert_rule_done frees). */
int alert_rule_parse(struct alert_rule *, const char *text, char *err,
    size_t errlen);
void alert_rule_done(struct alert_rule *);

/* "off", "on", "high"; -1 if none. */
int alert_bell_parse(const char *);
/* "off", "osc9", "osc777", "both": sets osc9 and osc777; -1 if none. */
int alert_notify_parse(struct alert_config *, const char *);

const char *alert_figure_name(enum alert_figure);
enum alert_unit alert_figure_unit(enum alert_figure);
const char *alert_op_name(enum alert_op);
const char *budget_period_name(enum budget_period);
/* Does value OP threshold hold? */
int alert_op_holds(enum alert_op, double value, double threshold);
/* A value in a figure's unit for people: 35.2%, 1m30s, $12.50, 3. */
void alert_format_value(enum alert_unit, double v, char *buf, size_t size);

/* "90s", "15m", "1h", "7d", "250ms", or plain seconds; -1 if invalid. */
int64_t alert_parse_duration(const char *s, size_t len);

#endif
