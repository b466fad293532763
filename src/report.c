/* execmon - what the headless commands share: loading the window, filters, tables, finishing an output. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "event-text.h"
#include "filter.h"
#include "loop.h"
#include "outfile.h"
#include "report.h"
#include "report-int.h"
#include "snap-hold.h"
#include "source.h"
#include "source-kind.h"
#include "store.h"
#include "textwidth.h"
#include "xmalloc.h"

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
	struct snap_hold *hold; /* NULL = none */
};

static void
to_store(struct collect *c, struct event *ev)
{
	struct loader *l = c->ctx;
	int64_t now;

	if (ev->ts_ms > l->newest_ms)
		l->newest_ms = ev->ts_ms;
	store_apply(l->st, ev);
	if (l->hold != NULL && snap_hold_due(l->hold, l->st))
		snap_hold_pass(l->hold, l->st, loop_now_ms());
	if (store_nruns(l->st) < 2 * l->runs_kept + 4096)
		return;
	/* now so far is never later than the final one: only less is dropped */
	now = l->o->now_ms ? l->o->now_ms : cli_specs_any(l->o, SK_FINITE) ?
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
	return report_load_held(o, st, span_ms, summary, now_out, NULL);
}

int
report_load_held(const struct opts *o, struct store *st, int64_t span_ms,
    int summary, int64_t *now_out, struct snap_hold *hold)
{
	struct collect c;
	struct loader l = { st, o, span_ms, 0, 0, hold };
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
	if (o->now_ms == 0 && cli_specs_any(o, SK_FINITE)) {
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

/* What messages call an output: "stdout" for "-", else the path made safe. */
void
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

/* Parse --filter into f; on error, say why in one line and return 2. */
int
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
