/* execmon - the errors command: the top errors as a table or JSON. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "errors.h"
#include "event-text.h"
#include "filter.h"
#include "outfile.h"
#include "report.h"
#include "report-int.h"
#include "snapshot.h"
#include "store.h"

/* The errors table's columns: 150 columns. */
static const struct report_col report_err_cols[] = {
	{ "COUNT", 6, 1 }, { "RUNS", 5, 1 }, { "WHERE", 5, 0 },
	{ "CLASS", 20, 0 }, { "FIRST SEEN", 11, 0 }, { "LAST SEEN", 11, 0 },
	{ "AGENTS", 16, 0 }, { "MODELS", 16, 0 }, { "TOOLS", 14, 0 },
	{ "MESSAGE", 37, 0 },
};
#define REPORT_NERRCOLS (sizeof report_err_cols / sizeof report_err_cols[0])

/* A set of names joined by ',', with a final '+' when there were more. */
static void
report_names(const struct errors_names *s, char *buf, size_t size)
{
	size_t n = 0;
	int i, w;

	buf[0] = '\0';
	for (i = 0; i < s->n && n < size; i++) {
		w = snprintf(buf + n, size - n, "%s%s", i > 0 ? "," : "",
		    s->name[i]);
		n += w > 0 ? (size_t)w : 0;
	}
	if (s->more && n + 1 < size) {
		buf[n++] = '+';
		buf[n] = '\0';
	}
	if (s->n == 0 && !s->more)
		snprintf(buf, size, "-");
	utf8_trim_cut(buf);
}

static void
report_error_row(const struct error_group *g, int64_t now_ms)
{
	char count[32], runs[32], first[32], last[32], agents[1024],
	    models[1024], tools[1024], msg[ERRORS_MESSAGE_MAX + 8];
	const char *vals[REPORT_NERRCOLS];

	snprintf(count, sizeof count, "%" PRIu64, g->count);
	snprintf(runs, sizeof runs, "%" PRIu64, g->runs);
	report_started(g->first_ms, now_ms, first, sizeof first);
	report_started(g->last_ms, now_ms, last, sizeof last);
	report_names(&g->agents, agents, sizeof agents);
	report_names(&g->models, models, sizeof models);
	report_names(&g->tools, tools, sizeof tools);
	snprintf(msg, sizeof msg, "%s", g->message[0] != '\0' ? g->message : "-");
	vals[0] = count;
	vals[1] = runs;
	vals[2] = errors_where_name(g->where);
	vals[3] = g->class;
	vals[4] = first;
	vals[5] = last;
	vals[6] = agents;
	vals[7] = models;
	vals[8] = tools;
	vals[9] = msg;
	report_line(report_err_cols, REPORT_NERRCOLS, vals);
}

/* The top errors over --window (or --since), grouped. */
static int
cmd_errors_exec(const struct opts *o)
{
	struct filter f;
	struct store *st;
	struct outfile out;
	struct errors *e;
	char err[256];
	int64_t now, window = o->since_ms > 0 ? o->since_ms : o->window_ms;
	size_t i, n, limit = o->limit > 0 ? (size_t)o->limit : 0;
	int status;

	if ((status = report_run_filter(o, &f)) != 0)
		return status;
	st = store_create();
	status = report_load(o, st, 2 * window, 1, &now);
	if (status != 0) {
		store_free(st);
		filter_done(&f);
		return status;
	}
	if (outfile_open(&out, "-", err, sizeof err) != 0) {
		fprintf(stderr, "execmon: errors: stdout: %s\n", err);
		store_free(st);
		filter_done(&f);
		return 1;
	}
	e = errors_compute(st, &f, now, window);
	n = limit > 0 && e->ngroups > limit ? limit : e->ngroups;
	if (strcmp(o->format, "json") == 0) {
		json_t *j = json_object(), *w = json_object();
		char t[64];

		event_format_time(now - window, t, sizeof t);
		json_object_set_new(j, "from", json_string(t));
		event_format_time(now, t, sizeof t);
		json_object_set_new(j, "to", json_string(t));
		json_object_set_new(j, "filter", o->filter != NULL &&
		    *o->filter != '\0' ? json_string(o->filter) : json_null());
		json_object_set_new(j, "total", json_integer((json_int_t)e->total));
		for (i = 0; i < ERRW__COUNT; i++)
			json_object_set_new(w, errors_where_name((enum errors_where)i),
			    json_integer((json_int_t)e->by_where[i]));
		json_object_set_new(j, "byWhere", w);
		json_object_set_new(j, "groups", json_integer((json_int_t)e->ngroups));
		json_object_set_new(j, "notGrouped", json_integer((json_int_t)e->other));
		json_object_set_new(j, "errors", errors_json(e, n));
		if (snapshot_write(j, out.f) != 0)
			outfile_failed(&out);
		json_decref(j);
	} else {
		const char *hdr[REPORT_NERRCOLS];

		for (i = 0; i < REPORT_NERRCOLS; i++)
			hdr[i] = report_err_cols[i].name;
		report_line(report_err_cols, REPORT_NERRCOLS, hdr);
		for (i = 0; i < n && !outfile_failed(&out); i++)
			report_error_row(&e->groups[i], now);
	}
	status = report_finish(&out, "errors", "stdout");
	if (status == 0 && e->ngroups > n)
		fprintf(stderr, "execmon: errors: %zu more groups; --limit %zu "
		    "shows them all\n", e->ngroups - n, e->ngroups);
	if (status == 0 && e->other > 0)
		fprintf(stderr, "execmon: errors: %" PRIu64 " errors beyond the "
		    "first %d groups are counted in notGrouped, not listed\n",
		    e->other, ERRORS_GROUPS_MAX);
	errors_free(e);
	store_free(st);
	filter_done(&f);
	return status;
}

const struct cmd_entry cmd_errors_entry = {
	.name = "errors",
	.id = CMD_ERRORS,
	.synopsis = "errors",
	.summary = "the top errors, grouped (table or json)",
	.usage = "Usage: execmon errors [OPTIONS] [--since DUR] [--limit N]\n"
	    "                     [--format table|json]\n\n"
	    "The top errors over --window (or --since): failed runs, llm.call errors and\n"
	    "failed tool calls, grouped by where, error class and message with numbers,\n"
	    "ids, durations and quoted values folded; most frequent first, with first\n"
	    "and last seen and the agents, models and tools affected.\n\n"
	    "  --status, --agent, --trace   as for runs\n"
	    "  --since DUR          the window (default: --window)\n"
	    "  --limit N            at most N groups (default: all, at most 500)\n"
	    "  --format F           table (default) or json\n\n",
	.sections = { SEC_CMD, SEC_SOURCE, SEC_COMMON },
	.exec = cmd_errors_exec,
};
