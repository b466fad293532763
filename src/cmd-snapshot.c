/* execmon - the snapshot command: every metric of --window as JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alert-cmd.h"
#include "cmd.h"
#include "event-text.h"
#include "filter.h"
#include "knobs.h"
#include "loop.h"
#include "metrics.h"
#include "outfile.h"
#include "report.h"
#include "report-int.h"
#include "rollup.h"
#include "source-kind.h"
#include "snap-hold.h"
#include "snapshot.h"
#include "source.h"
#include "store.h"

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Whether the snapshot may let runs go as it reads (snap-hold.h): only when
 * its figures come from the rollup (no filter, no search, no budgets, which
 * read every run) and now is known before the reading ends.
 */
static int
may_let_go(const struct opts *o, const struct filter *f, const struct store *st,
    const struct knobs *k)
{
	return !k->hold_all && rollup_of(st) != NULL && !filter_active(f) &&
	    f->text == NULL && (o->alerts == NULL || o->alerts->nbudgets == 0) &&
	    (o->now_ms != 0 || !cli_specs_any(o, SK_FINITE));
}

/*
 * Read the window and compute the snapshot into *jp. With let_go, runs are
 * let go as they are read; *exact then says whether the snapshot is the one
 * every run held would give (else it is to be read again, holding them).
 */
static int
snapshot_read(const struct opts *o, struct filter *f, int let_go, json_t **jp,
    int *exact)
{
	struct snap_hold *hold = NULL;
	struct store *st;
	struct metrics *m;
	json_t *j;
	char why[128];
	uint64_t t0, t1, t2;
	int64_t now, span;
	int status;

	*jp = NULL;
	*exact = 1;
	st = store_create();
	rollup_attach(st);
	/* the figures need no event bodies; a text filter searches them */
	if (f->text == NULL)
		store_set_bodies(st, STORE_BODIES_REREAD);
	now = o->now_ms ? o->now_ms : loop_now_ms();
	span = alerts_span_ms(o->alerts, o->window_ms, now);
	if (let_go && may_let_go(o, f, st, &o->knobs))
		hold = snap_hold_create(o->alerts, o->window_ms, now,
		    o->now_ms != 0, SNAPSHOT_RUNS_FINISHED,
		    (size_t)o->knobs.hold_pass);
	status = report_load_held(o, st, span, 1, &now, hold);
	if (status != 0) {
		snap_hold_free(hold);
		store_free(st);
		return status;
	}
	t0 = mono_ns();
	m = metrics_compute(st, f, now, o->window_ms);
	t1 = mono_ns();
	j = snapshot_build_held(m, st, f, o->filter, hold);
	t2 = mono_ns();
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
		    "held (the figures %.1f ms, the snapshot's lists %.1f ms, the alert"
		    " rules %.1f ms; %llu runs let go as they were read); rollup: "
		    "%zu minutes, %zu KiB\n",
		    (double)(mono_ns() - t0) / 1e6, store_nruns(st),
		    (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6,
		    (double)(mono_ns() - t2) / 1e6,
		    (unsigned long long)snap_hold_evicted(hold),
		    rollup_minutes(rollup_of(st)), rollup_bytes(rollup_of(st)) / 1024);
	if (!snap_hold_exact(hold, st, now, why, sizeof why)) {
		*exact = 0;
		fprintf(stderr, "execmon: snapshot: reading again with every run "
		    "held: %s\n", why);
		json_decref(j);
		j = NULL;
	}
	*jp = j;
	metrics_free(m);
	snap_hold_free(hold);
	store_free(st);
	return 0;
}

/* Compute every metric over --window and write it as JSON. */
static int
cmd_snapshot_exec(const struct opts *o)
{
	const char *path = o->output != NULL ? o->output : "-";
	struct outfile out;
	struct filter f;
	json_t *j;
	char err[256], safe[256];
	int status, exact;

	if ((status = report_filter(o, &f)) != 0)
		return status;
	report_out_name(path, safe, sizeof safe);
	if (outfile_open(&out, path, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: snapshot: %s: %s\n", safe, err);
		filter_done(&f);
		return 1;
	}
	status = snapshot_read(o, &f, 1, &j, &exact);
	if (status == 0 && !exact) {
		sources_clear(); /* read them again from the start */
		status = snapshot_read(o, &f, 0, &j, &exact);
	}
	if (status != 0) {
		outfile_abort(&out);
		filter_done(&f);
		return status;
	}
	if (snapshot_write(j, out.f) != 0)
		outfile_failed(&out);
	status = report_finish(&out, "snapshot", safe);
	json_decref(j);
	filter_done(&f);
	return status;
}

const struct cmd_entry cmd_snapshot_entry = {
	.name = "snapshot",
	.id = CMD_SNAPSHOT,
	.synopsis = "snapshot [-o FILE]",
	.summary = "compute metrics over --window, write JSON, exit",
	.usage = "Usage: execmon snapshot [OPTIONS] [-o FILE]\n\n"
	    "Compute every metric over --window and write it as JSON.\n\n",
	.sections = { SEC_CMD, SEC_SOURCE, SEC_COMMON },
	.exec = cmd_snapshot_exec,
};
