/* execmon - saved views: a named filter, runs order, window and table columns. */
#ifndef EXECMON_SAVEDVIEW_H
#define EXECMON_SAVEDVIEW_H

#include <stddef.h>
#include <stdint.h>

#define SAVEDVIEW_MAX 9        /* recalled by the keys 1 to 9 */
#define SAVEDVIEW_NAME 32
#define SAVEDVIEW_EXPR 256

/* Table columns, a bit each, by table: see savedview_column(). */
enum { SV_AGENTS, SV_MODELS, SV_TOOLS, SV__TABLES };

struct savedview {
	char name[SAVEDVIEW_NAME];
	char filter[SAVEDVIEW_EXPR]; /* a --filter expression, "" = none */
	int sort;                    /* runs order: 0 newest, 1 longest, 2 agent, 3 status; -1 = keep */
	int64_t window_ms;           /* 0 = keep */
	int recent;                  /* open the recent runs view */
	int tsort[SV__TABLES];       /* table sort column as O cycles it (0 = keep) */
};

struct savedviews {
	struct savedview v[SAVEDVIEW_MAX];
	int n;
	unsigned columns[SV__TABLES]; /* table columns shown; 0 = all that fit */
};

/* The built-in views: Errors, Slow, Expensive, Stuck (keys 1 to 4). */
void savedviews_init(struct savedviews *);
/*
 * A config line "view NAME = [filter EXPR] [sort ORDER] [window DUR]
 * [recent] [agents-by COL] [models-by COL] [tools-by COL]": adds the view,
 * or replaces the one of that name (a built-in included). Returns 0, or -1
 * with a one-line reason in err.
 */
int savedviews_parse(struct savedviews *, const char *line, char *err, size_t errlen);
/*
 * A config line "columns TABLE = COL,COL...": which columns the table
 * (agents, models, tools) shows. Returns 0 or -1 with a reason in err.
 */
int savedviews_columns(struct savedviews *, const char *line, char *err, size_t errlen);
/* Column k's name in a table, NULL past the last; the name column is not one. */
const char *savedview_column(int table, int k);

#endif
