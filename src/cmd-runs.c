/* execmon - the runs command: recent runs as a table, JSON, CSV or TSV. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "event-text.h"
#include "filter.h"
#include "format.h"
#include "outfile.h"
#include "report.h"
#include "report-int.h"
#include "snapshot.h"
#include "store.h"
#include "xmalloc.h"

/* Default number of rows of `execmon runs`. */
#define REPORT_RUNS_LIMIT 50

/* The runs table's columns. They add up to 120 columns. */
static const struct report_col report_cols[] = {
	{ "STATUS", 9, 0 }, { "RUN", 20, 0 }, { "AGENT", 13, 0 },
	{ "MODEL", 13, 0 }, { "STARTED", 11, 0 }, { "DURATION", 8, 1 },
	{ "TOKENS", 6, 1 }, { "COST", 8, 1 }, { "ERROR", 24, 0 },
};
#define REPORT_NCOLS (sizeof report_cols / sizeof report_cols[0])

static void
report_row(const char *const *vals)
{
	report_line(report_cols, REPORT_NCOLS, vals);
}

static void
report_run_row(const struct run *r, int64_t now_ms)
{
	char dur[32], tok[32], cost[32], started[32], err[1536], summary[1024];
	const char *vals[REPORT_NCOLS];
	int usage = r->llm_calls > 0 || r->has_totals;

	if (r->started_ms > 0 && run_is_finished(r))
		format_dur(r->finished_ms - r->started_ms, dur, sizeof dur);
	else if (r->started_ms > 0 && r->status == RUN_RUNNING)
		format_dur(now_ms > r->started_ms ? now_ms - r->started_ms : 0,
		    dur, sizeof dur);
	else
		snprintf(dur, sizeof dur, "-");
	if (usage) {
		format_count((double)(r->input_tokens > INT64_MAX - r->output_tokens ?
		    INT64_MAX : r->input_tokens + r->output_tokens), tok, sizeof tok);
		format_cost(r->cost_nusd, cost, sizeof cost);
	} else {
		snprintf(tok, sizeof tok, "-");
		snprintf(cost, sizeof cost, "-");
	}
	report_started(r->started_ms, now_ms, started, sizeof started);
	snapshot_error_summary(r->error_message, summary, sizeof summary);
	if (r->error_class != NULL && summary[0] != '\0')
		snprintf(err, sizeof err, "%s: %s", r->error_class, summary);
	else
		snprintf(err, sizeof err, "%s", r->error_class != NULL ?
		    r->error_class : summary);
	vals[0] = run_status_name(r->status);
	vals[1] = r->id;
	vals[2] = r->agent_name != NULL ? r->agent_name :
	    r->agent_id != NULL ? r->agent_id : "-";
	vals[3] = r->model_id != NULL ? r->model_id : "-";
	vals[4] = started;
	vals[5] = dur;
	vals[6] = tok;
	vals[7] = cost;
	vals[8] = err;
	report_row(vals);
}

static void
report_field(FILE *f, const char *v, int tsv, int tty, int last)
{
	char *safe = NULL;
	const char *p;

	if (v == NULL)
		v = "";
	if (tty) {
		size_t len = strlen(v);

		safe = xmalloc(10 * len + 11);
		event_sanitize(v, safe, 10 * len + 11, 1);
		v = safe;
	}
	if (tsv) {
		for (p = v; *p != '\0'; p++) {
			switch (*p) {
			case '\t': fputs("\\t", f); break;
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\\': fputs("\\\\", f); break;
			default: fputc(*p, f); break;
			}
		}
	} else if (strpbrk(v, ",\"\r\n") != NULL) {
		fputc('"', f);
		for (p = v; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else
		fputs(v, f);
	if (last)
		fputs(tsv ? "\n" : "\r\n", f);
	else
		fputc(tsv ? '\t' : ',', f);
	free(safe);
}

static const char *const report_csv_cols[] = {
	"status", "run_id", "agent", "model", "queue", "workspace", "user",
	"queued_at", "started_at", "finished_at", "duration_ms",
	"input_tokens", "output_tokens", "cost_usd", "error_class",
	"error_message"
};
#define REPORT_NCSV (sizeof report_csv_cols / sizeof report_csv_cols[0])

/* One run as a csv or tsv line: raw values, times in RFC 3339, "" = unknown. */
static void
report_run_line(FILE *f, const struct run *r, int64_t now_ms, int tsv, int tty)
{
	char q[64], st[64], fin[64], dur[32], in[32], out[32], cost[48];
	const char *v[REPORT_NCSV];
	int usage = r->llm_calls > 0 || r->has_totals;
	int finished = run_is_finished(r);
	size_t i;

	q[0] = st[0] = fin[0] = dur[0] = in[0] = out[0] = cost[0] = '\0';
	if (r->queued_ms > 0)
		event_format_time(r->queued_ms, q, sizeof q);
	if (r->started_ms > 0)
		event_format_time(r->started_ms, st, sizeof st);
	if (finished && r->finished_ms > 0)
		event_format_time(r->finished_ms, fin, sizeof fin);
	if (r->started_ms > 0 && finished && r->finished_ms >= r->started_ms)
		snprintf(dur, sizeof dur, "%" PRId64, r->finished_ms - r->started_ms);
	else if (r->started_ms > 0 && r->status == RUN_RUNNING)
		snprintf(dur, sizeof dur, "%" PRId64, now_ms > r->started_ms ?
		    now_ms - r->started_ms : 0);
	if (usage) {
		snprintf(in, sizeof in, "%" PRId64, r->input_tokens);
		snprintf(out, sizeof out, "%" PRId64, r->output_tokens);
		snprintf(cost, sizeof cost, "%.6f", (double)r->cost_nusd / 1e9);
	}
	v[0] = run_status_name(r->status);
	v[1] = r->id;
	v[2] = r->agent_name != NULL ? r->agent_name : r->agent_id;
	v[3] = r->model_id;
	v[4] = r->queued_ms > 0 || r->queue != NULL ?
	    (r->queue != NULL ? r->queue : "default") : NULL;
	v[5] = r->workspace_id;
	v[6] = r->user_id;
	v[7] = q;
	v[8] = st;
	v[9] = fin;
	v[10] = dur;
	v[11] = in;
	v[12] = out;
	v[13] = cost;
	v[14] = r->error_class;
	v[15] = r->error_message;
	for (i = 0; i < REPORT_NCSV; i++)
		report_field(f, v[i], tsv, tty, i + 1 == REPORT_NCSV);
}

/* List recent runs as a table, JSON, CSV or TSV. */
static int
cmd_runs_exec(const struct opts *o)
{
	struct filter f;
	struct store *st;
	struct outfile out;
	const struct run **list;
	char err[256];
	int64_t now, since = o->since_ms > 0 ? o->since_ms : o->window_ms;
	size_t i, n, all, limit = o->limit > 0 ? (size_t)o->limit : REPORT_RUNS_LIMIT;
	int status;

	if ((status = report_run_filter(o, &f)) != 0)
		return status;

	st = store_create();
	status = report_load(o, st, 2 * since, 1, &now);
	if (status != 0) {
		store_free(st);
		filter_done(&f);
		return status;
	}
	if (outfile_open(&out, "-", err, sizeof err) != 0) {
		fprintf(stderr, "execmon: runs: stdout: %s\n", err);
		store_free(st);
		filter_done(&f);
		return 1;
	}
	n = all = snapshot_select_runs(st, &f, now, since, 0, &list);
	if (n > limit)
		n = limit;
	if (strcmp(o->format, "csv") == 0 || strcmp(o->format, "tsv") == 0) {
		int tsv = o->format[0] == 't', tty = isatty(fileno(out.f));

		for (i = 0; i < REPORT_NCSV; i++)
			report_field(out.f, report_csv_cols[i], tsv, 0,
			    i + 1 == REPORT_NCSV);
		for (i = 0; i < n && !outfile_failed(&out); i++)
			report_run_line(out.f, list[i], now, tsv, tty);
	} else if (strcmp(o->format, "json") == 0) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, snapshot_run_json(list[i], now));
		if (snapshot_write(arr, out.f) != 0)
			outfile_failed(&out);
		json_decref(arr);
	} else {
		const char *hdr[REPORT_NCOLS];

		for (i = 0; i < REPORT_NCOLS; i++)
			hdr[i] = report_cols[i].name;
		/* out.f is stdout */
		report_row(hdr);
		for (i = 0; i < n && !outfile_failed(&out); i++)
			report_run_row(list[i], now);
	}
	status = report_finish(&out, "runs", "stdout");
	if (status == 0 && all > n)
		fprintf(stderr, "execmon: runs: %zu more runs match; --limit %zu "
		    "shows them all\n", all - n, all);
	free(list);
	store_free(st);
	filter_done(&f);
	return status;
}

const struct cmd_entry cmd_runs_entry = {
	.name = "runs",
	.id = CMD_RUNS,
	.synopsis = "runs",
	.summary = "list recent runs (table, json, csv or tsv)",
	.usage = "Usage: execmon runs [OPTIONS] [--status S] [--agent A] [--trace T]\n"
	    "                   [--since DUR] [--limit N] [--format table|json|csv|tsv]\n\n"
	    "List recent runs: every queued or running run, then the runs that finished\n"
	    "within --since, latest first.\n\n",
	.sections = { SEC_CMD, SEC_SOURCE, SEC_COMMON },
	.exec = cmd_runs_exec,
};
