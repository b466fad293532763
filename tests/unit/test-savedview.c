/* execmon - tests: saved views and table columns from the config's lines. */
#include "config.h"

#include <string.h>

#include "savedview.h"
#include "tap.h"

int
main(void)
{
	struct savedviews s;
	char err[256];

	savedviews_init(&s);
	is_int(s.n, 4, "four built-in views");
	is_str(s.v[0].name, "Errors", "1 is Errors");
	is_str(s.v[0].filter, "status=failed", "Errors filters to the failed runs");
	ok(s.v[0].recent, "Errors opens the recent runs");
	is_str(s.v[3].name, "Stuck", "4 is Stuck");

	is_int(savedviews_parse(&s, "Mine = filter agent=planner,queue=batch sort longest window 6h agents-by cost",
	    err, sizeof err), 0, "a view parses: %s", err);
	is_int(s.n, 5, "it is the fifth");
	is_str(s.v[4].filter, "agent=planner,queue=batch", "its filter");
	is_int(s.v[4].sort, 1, "its order: longest");
	ok(s.v[4].window_ms == 6 * 3600000LL, "its window: 6h");
	is_int(s.v[4].tsort[SV_AGENTS], 2 + 4, "agents by cost (the fifth column)");
	is_int(savedviews_parse(&s, "Errors = filter status=failed,agent=coder recent", err, sizeof err), 0,
	    "a built-in can be redefined");
	is_int(s.n, 5, "... in its place");
	is_str(s.v[0].filter, "status=failed,agent=coder", "... with the new filter");

	is_int(savedviews_parse(&s, "Bad = filter colour=red", err, sizeof err), -1, "a bad filter is refused");
	ok(strstr(err, "view Bad: filter") != NULL, "... naming the view: %s", err);
	is_int(savedviews_parse(&s, "Bad = sort sideways", err, sizeof err), -1, "a bad order is refused");
	is_int(savedviews_parse(&s, "Bad = window soon", err, sizeof err), -1, "a bad window is refused");
	is_int(savedviews_parse(&s, "Bad = window 3651d", err, sizeof err), -1, "a window past 3650d is refused");
	is_int(savedviews_parse(&s, "Bad = colour red", err, sizeof err), -1, "an unknown setting is refused");
	ok(strstr(err, "unknown setting 'colour'") != NULL, "... named: %s", err);
	is_int(savedviews_parse(&s, "Bad = models-by speed", err, sizeof err), -1, "an unknown column is refused");
	is_int(savedviews_parse(&s, "two words = recent", err, sizeof err), -1, "a name is one word");
	is_int(savedviews_parse(&s, "no equals sign", err, sizeof err), -1, "the = is needed");
	is_int(savedviews_parse(&s, "B\x1b[2J = recent", err, sizeof err), -1, "a name with a control byte is refused");
	ok(strchr(err, '\x1b') == NULL, "... and the message holds no control byte");
	is_int(savedviews_parse(&s, "Filter = filter", err, sizeof err), -1, "a setting without its value is refused");
	for (int i = s.n; i < SAVEDVIEW_MAX; i++) {
		char line[64];

		snprintf(line, sizeof line, "V%d = recent", i);
		savedviews_parse(&s, line, err, sizeof err);
	}
	is_int(savedviews_parse(&s, "Tenth = recent", err, sizeof err), -1, "at most nine views");

	is_int(savedviews_columns(&s, "models = calls, cost", err, sizeof err), 0, "columns parse: %s", err);
	ok(s.columns[SV_MODELS] == ((1u << 0) | (1u << 2)), "models: calls and cost");
	is_int(savedviews_columns(&s, "tools = p95,err", err, sizeof err), 0, "tools columns");
	is_int(savedviews_columns(&s, "tables = calls", err, sizeof err), -1, "an unknown table is refused");
	is_int(savedviews_columns(&s, "agents = runs,speed", err, sizeof err), -1, "an unknown column is refused");
	is_int(savedviews_columns(&s, "agents = ", err, sizeof err), -1, "no column at all is refused");
	is_str(savedview_column(SV_AGENTS, 4), "cost", "column names");
	ok(savedview_column(SV_TOOLS, 4) == NULL, "past the last column");
	return tap_done();
}
