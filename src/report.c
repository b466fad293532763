/* execmon - the snapshot, runs and events commands: JSON and tables for people and scripts. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert-cmd.h"
#include "collect.h"
#include "event-text.h"
#include "filter.h"
#include "loop.h"
#include "metrics.h"
#include "outfile.h"
#include "record.h"
#include "format.h"
#include "report.h"
#include "rollup.h"
#include "report-int.h"
#include "snapshot.h"
#include "source.h"
#include "store.h"
#include "textwidth.h"
#include "xmalloc.h"

/* Default number of rows of `execmon runs`. */
#define REPORT_RUNS_LIMIT 50

/*
 * What a headless load needs to drop, as it goes, the runs no figure can use:
 * finished runs whose every event is older than the span (a stream whose
 * entry IDs are newer than its event times can hold hours of them).
 */
struct loader {
	struct store *st;
	const struct opts *o;
	int64_t span_ms;
	int64_t newest_ms;     /* newest event time so far (a replay's now) */
	size_t runs_kept;      /* runs after the last eviction */
};

static void
to_store(struct collect *c, struct event *ev)
{
	struct loader *l = c->ctx;
	int64_t now;

	if (ev->ts_ms > l->newest_ms)
		l->newest_ms = ev->ts_ms;
	store_apply(l->st, ev);
	if (store_nruns(l->st) < 2 * l->runs_kept + 4096)
		return;
	/* now so far is never later than the final one: only less is dropped */
	now = l->o->now_ms ? l->o->now_ms : l->o->replay != NULL ?
	    l->newest_ms : loop_now_ms();
	store_evict(l->st, now - l->span_ms);
	l->runs_kept = store_nruns(l->st);
}

/* The newest event time seen by any source (or held by the store), 0 if none. */
static int64_t
newest_event_ms(const struct store *st)
{
	int64_t newest = 0;
	size_t i;

	for (i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);

		if (si->last_event_ms > newest)
			newest = si->last_event_ms;
	}
	for (i = 0; newest == 0 && i < store_nruns(st); i++) {
		const struct run *r = store_run_at(st, i);

		if (r->last_ms > newest)
			newest = r->last_ms;
	}
	return newest;
}

/*
 * Load span_ms back from now into a store (the callers ask for two windows,
 * for the runs that began before the window). "Now" is --now, else with
 * --replay the newest event's time, else the wall clock.
 */
int
report_load(const struct opts *o, struct store *st, int64_t span_ms,
    int summary, int64_t *now_out)
{
	struct collect c;
	struct loader l = { st, o, span_ms, 0, 0 };
	int64_t now = o->now_ms ? o->now_ms : loop_now_ms();
	int status;

	memset(&c, 0, sizeof c);
	c.o = o;
	c.from_ms = now - span_ms;
	c.to_ms = o->now_ms ? o->now_ms : -1;
	c.follow = 0;
	c.event = to_store;
	c.ctx = &l;
	status = collect_run(&c);
	if (summary || o->verbose)
		collect_summary(&c);
	if (o->now_ms == 0 && o->replay != NULL) {
		int64_t newest = newest_event_ms(st);

		if (newest > 0)
			now = newest;
	} else if (o->now_ms == 0) {
		/* The backfill read up to the newest entry: now is when it ended. */
		now = loop_now_ms();
	}
	*now_out = now;
	return status;
}

/* Load the window (two back, for runs that began before it) into a store. */
static int
load(const struct opts *o, struct store *st, int64_t *now_out)
{
	return report_load(o, st, 2 * o->window_ms, 0, now_out);
}

/* What messages call an output: "stdout" for "-", else the path made safe. */
static void
report_out_name(const char *path, char *buf, size_t size)
{
	if (strcmp(path, "-") == 0)
		snprintf(buf, size, "stdout");
	else
		event_sanitize(path, buf, size, 0);
}

/*
 * Finish a command's output: flush, close, rename into place. On a failed
 * write (a full disk, a pipe whose reader has gone) say which output and why
 * in one line and return 1.
 */
int
report_finish(struct outfile *out, const char *cmd, const char *name)
{
	char err[256];

	if (outfile_commit(out, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: %s: %s: %s\n", cmd, name, err);
		outfile_abort(out);
		return 1;
	}
	return 0;
}

/* A short human summary of what an event says. */
static void
event_summary(const struct event *ev, char *buf, size_t size)
{
	char raw[1024];
	size_t n = 0;

#define ADD(...) do { if (n < sizeof raw) n += (size_t)snprintf(raw + n, sizeof raw - n, __VA_ARGS__); } while (0)
	raw[0] = '\0';
	if (ev->agent_name)
		ADD("agent=%s ", ev->agent_name);
	else if (ev->agent_id)
		ADD("agent=%s ", ev->agent_id);
	if (ev->queue)
		ADD("queue=%s ", ev->queue);
	if (ev->has & EF_PROGRESS)
		ADD("progress=%.0f%% ", ev->progress * 100);
	if (ev->model_id)
		ADD("model=%s ", ev->model_id);
	if (ev->has & EF_INPUT_TOKENS)
		ADD("in=%" PRId64 " ", ev->input_tokens);
	if (ev->has & EF_OUTPUT_TOKENS)
		ADD("out=%" PRId64 " ", ev->output_tokens);
	if (ev->has & EF_COST_USD)
		ADD("cost=$%.4f ", ev->cost_usd);
	if (ev->tool_id)
		ADD("tool=%s ", ev->tool_id);
	if (ev->outcome)
		ADD("outcome=%s ", ev->outcome);
	if (ev->has & EF_DURATION_MS)
		ADD("dur=%" PRId64 "ms ", ev->duration_ms);
	if (ev->has & EF_ATTEMPT)
		ADD("attempt=%" PRId64 " ", ev->attempt);
	if (ev->error_class)
		ADD("error=%s ", ev->error_class);
	if (ev->error_message)
		ADD("\"%s\" ", ev->error_message);
	if (ev->message)
		ADD("%s", ev->message);
#undef ADD
	if (n >= sizeof raw)
		utf8_trim_cut(raw); /* cut: no character left in pieces at the end */
	event_sanitize(raw, buf, size, 0);
}

int
report_events_main(const struct opts *o)
{
	struct store *st = store_create();
	struct outfile out;
	struct run *run;
	char err[256];
	int64_t now;
	int status = load(o, st, &now);

	if (status != 0) {
		store_free(st);
		return status;
	}
	run = store_find(st, o->run_id);
	if (run == NULL) {
		char safe[128];

		event_sanitize(o->run_id, safe, sizeof safe, 0);
		fprintf(stderr, "execmon: run %s: not found in the last %" PRId64 " s\n",
		    safe, 2 * o->window_ms / 1000);
		store_free(st);
		return 1;
	}
	if (outfile_open(&out, "-", err, sizeof err) != 0) {
		fprintf(stderr, "execmon: events: stdout: %s\n", err);
		store_free(st);
		return 1;
	}
	if (strcmp(o->format, "json") == 0) {
		json_t *arr = json_array();

		for (size_t i = 0; i < run->nlog; i++) {
			struct event ev;

			run_log_get(run, i, &ev);
			json_array_append_new(arr, record_json(&ev));
			event_done(&ev);
		}
		if (event_json_write(arr, out.f, JSON_INDENT(2),
		    isatty(fileno(out.f))) != 0 || fputc('\n', out.f) == EOF)
			outfile_failed(&out);
		json_decref(arr);
	} else {
		/* out.f is stdout */
		printf("%-24s  %-16s  %s\n", "TIME", "TYPE", "DETAIL"); /* ASCII: bytes are cells */
		for (size_t i = 0; i < run->nlog && !outfile_failed(&out); i++) {
			struct event ev;
			char t[40], type[256], detail[1024];

			run_log_get(run, i, &ev);
			event_format_time(ev.ts_ms, t, sizeof t);
			tw_fit(ev.type_name, 16, TW_TILDE, type, sizeof type);
			event_summary(&ev, detail, sizeof detail);
			printf("%-24s  %s  %s\n", t, type, detail);
			event_done(&ev);
		}
		if (run->log_dropped > 0 && !outfile_failed(&out))
			printf("(%" PRIu64 " older events not kept)\n", run->log_dropped);
	}
	status = report_finish(&out, "events", "stdout");
	store_free(st);
	return status;
}

/* Parse --filter into f; on error, say why in one line and return 2. */
static int
report_filter(const struct opts *o, struct filter *f)
{
	char err[256], safe[256];

	filter_init(f);
	if (o->filter == NULL || *o->filter == '\0')
		return 0;
	if (filter_parse(f, o->filter, err, sizeof err) != 0) {
		event_sanitize(o->filter, safe, sizeof safe, 0);
		fprintf(stderr, "execmon: --filter '%s': %s\n", safe, err);
		filter_done(f);
		return 2;
	}
	return 0;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
report_snapshot_main(const struct opts *o)
{
	const char *path = o->output != NULL ? o->output : "-";
	struct outfile out;
	struct filter f;
	struct store *st;
	struct metrics *m;
	json_t *j;
	char err[256], safe[256];
	uint64_t t0;
	int64_t now, span;
	int status;

	if ((status = report_filter(o, &f)) != 0)
		return status;
	report_out_name(path, safe, sizeof safe);
	if (outfile_open(&out, path, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: snapshot: %s: %s\n", safe, err);
		filter_done(&f);
		return 1;
	}
	st = store_create();
	rollup_attach(st);
	now = o->now_ms ? o->now_ms : loop_now_ms();
	span = alerts_span_ms(o->alerts, o->window_ms, now);
	status = report_load(o, st, span, 1, &now);
	if (status != 0) {
		outfile_abort(&out);
		store_free(st);
		filter_done(&f);
		return status;
	}
	t0 = mono_ns();
	m = metrics_compute(st, &f, now, o->window_ms);
	j = snapshot_build(m, st, &f, o->filter);
	{
		/* The alerts and budgets as `execmon alerts` judges them. */
		static struct alert_marks mk;
		struct alert_set *as = alert_set_create(o->alerts);
		struct alert_env env;
		char *mpath = alert_marks_path(), merr[256];

		if (mpath != NULL && alert_marks_load(&mk, mpath, merr, sizeof merr) != 0)
			fprintf(stderr, "execmon: %s\n", merr);
		alerts_env(&env, o->window_ms, now - span, loop_now_ms());
		alert_set_replay(as, st, &env, now, 0); /* the last minutes: cheap */
		alerts_snapshot_set(j, as, &mk, loop_now_ms()); /* marks: wall clock */
		alert_set_free(as);
		free(mpath);
	}
	if (o->verbose)
		fprintf(stderr, "execmon: figures computed in %.1f ms from %zu runs "
		    "held; rollup: %zu minutes, %zu KiB\n",
		    (double)(mono_ns() - t0) / 1e6, store_nruns(st),
		    rollup_minutes(rollup_of(st)), rollup_bytes(rollup_of(st)) / 1024);
	if (snapshot_write(j, out.f) != 0)
		outfile_failed(&out);
	status = report_finish(&out, "snapshot", safe);
	json_decref(j);
	metrics_free(m);
	store_free(st);
	filter_done(&f);
	return status;
}

/*
 * Copy s into out for a table cell of exactly width columns (terminal
 * cells): sanitized for the terminal, cut between characters with a '~' when
 * too wide, padded with spaces (on the left when right is set).
 */
static void
report_cell(const char *s, int width, int right, char *out, size_t size)
{
	tw_fit(s != NULL ? s : "", width, TW_TILDE | (right ? TW_RIGHT : 0), out, size);
}

/* Start time: the time of day within a day of now, else month-day and minute. */
void
report_started(int64_t ms, int64_t now_ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	if (now_ms - ms < 86400 * (int64_t)1000 && now_ms >= ms)
		strftime(buf, size, "%H:%M:%S", &tm);
	else
		strftime(buf, size, "%m-%d %H:%M", &tm);
}

/* The runs table's columns. They add up to 120 columns. */
static const struct report_col report_cols[] = {
	{ "STATUS", 9, 0 }, { "RUN", 20, 0 }, { "AGENT", 13, 0 },
	{ "MODEL", 13, 0 }, { "STARTED", 11, 0 }, { "DURATION", 8, 1 },
	{ "TOKENS", 6, 1 }, { "COST", 8, 1 }, { "ERROR", 24, 0 },
};
#define REPORT_NCOLS (sizeof report_cols / sizeof report_cols[0])

/* One line of a table of ncols columns, trailing spaces cut. */
void
report_line(const struct report_col *cols, size_t ncols,
    const char *const *vals)
{
	char cell[2048], line[4096];
	size_t i, n = 0;

	for (i = 0; i < ncols; i++) {
		report_cell(vals[i], cols[i].width, cols[i].right, cell,
		    sizeof cell);
		n += (size_t)snprintf(line + n, sizeof line - n, "%s%s",
		    i > 0 ? " " : "", cell);
	}
	while (n > 0 && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	puts(line);
}

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
report_set(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/*
 * --filter with --status, --agent and --trace on top (runs and errors).
 * Returns 0, or 2 after a one-line error.
 */
int
report_run_filter(const struct opts *o, struct filter *f)
{
	int status;

	if ((status = report_filter(o, f)) != 0)
		return status;
	if (o->status != NULL) {
		if ((f->status = run_status_from_name(o->status)) < 0) {
			char safe[64];

			event_sanitize(o->status, safe, sizeof safe, 0);
			fprintf(stderr, "execmon: --status '%s': not a status (queued,"
			    " running, completed, failed, cancelled, unknown)\n", safe);
			filter_done(f);
			return 2;
		}
	}
	if (o->agent != NULL)
		report_set(&f->agent, o->agent);
	if (o->trace != NULL)
		report_set(&f->trace, o->trace);
	return 0;
}

/*
 * One field of a csv (RFC 4180: quoted when it holds a comma, a quote, CR
 * or LF, quotes doubled) or tsv (tab, newline, CR and backslash written as
 * \t \n \r \\) line. On a terminal the value is made safe first.
 */
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

int
report_runs_main(const struct opts *o)
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
