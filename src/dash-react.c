/* execmon - the dashboard acts on what a key asks (struct reaction, ui.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "dash.h"
#include "ui.h"
#include "xmalloc.h"

static void
open_log(struct dash *d, const char *run_id)
{
	free(d->run_id);
	d->run_id = xstrdup(run_id);
	if (d->view != VIEW_LOG)
		d->log_from = d->view;
	d->view = VIEW_LOG;
	ui_list_reset(&d->log);
	ui_list_reset(&d->detail);
	d->log.follow = 1; /* on the newest event, following */
	/* a run found by a search opens with its matching events marked */
	snprintf(d->log_search, sizeof d->log_search, "%s", d->filter.text ? d->filter.text : "");
}

static void
open_trace(struct dash *d, const char *trace_id)
{
	free(d->trace_id);
	d->trace_id = xstrdup(trace_id);
	d->view = VIEW_TRACE;
	ui_list_reset(&d->trace);
}

/* The filter changes: every pane's selection back to its top (the runs pane's run kept). */
static void
set_filter(struct dash *d, struct reaction *re)
{
	char buf[256];

	if (re->undo > 0) {
		filter_format(&d->filter, d->filter_undo, sizeof d->filter_undo);
		d->has_undo = 1;
	} else if (re->undo < 0)
		d->has_undo = 0;
	filter_done(&d->filter);
	d->filter = re->filter; /* the reaction's strings move to the dashboard */
	filter_init(&re->filter);
	for (int i = 1; i < PANES_MAX; i++)
		ui_list_reset(&d->pane[i]);
	/* the selected run stays selected if it passes the new filter */
	d->pane[0].sel = d->pane[0].top = 0;
	filter_format(&d->filter, buf, sizeof buf);
	dash_set_status(d, "filter: %s", buf[0] ? buf : "none");
}

/* A new window: its history read again when the one held is too short; 1 = reading again. */
static int
set_window(struct dash *d, int64_t ms)
{
	char buf[32];

	d->window_ms = ms;
	if (ms > d->hold_ms)
		d->hold_ms = ms;
	if (d->now_ms - 2 * d->window_ms < d->loaded_from_ms && d->can_reload) {
		dash_set_status(d, "window %s: reading its history again",
		    format_window(d->window_ms, buf, sizeof buf));
		return 1;
	}
	return 0;
}

static void
say_window(struct dash *d)
{
	char buf[32], since[32];

	if (d->now_ms - 2 * d->window_ms < d->loaded_from_ms)
		dash_set_status(d, "window %s: history before the start covers only what was loaded (since %s ago)",
		    format_window(d->window_ms, buf, sizeof buf),
		    format_dur(d->now_ms - d->loaded_from_ms, since, sizeof since));
	else
		dash_set_status(d, "window %s", format_window(d->window_ms, buf, sizeof buf));
}

/*
 * Act on a key's reaction, in the order of its bits: the figures change
 * first (pause, filter, window: one recompute, or a reading again; then
 * compare and a step in time, which recompute themselves), then what is
 * shown (view, log, trace, overlay), then what is said. Returns -1 to
 * quit, else 0; the screen is drawn again either way.
 */
int
dash_react(struct dash *d, struct reaction *re)
{
	int recompute = (re->what & RE_RECOMPUTE) != 0, reload = 0;
	char path[512], err[256];

	d->dirty = 1;
	if (re->what & RE_QUIT) {
		if (re->what & RE_FILTER)
			filter_done(&re->filter);
		return -1;
	}
	if (re->what & RE_PAUSE) {
		d->paused = !d->paused;
		recompute |= !d->paused; /* catch up at once */
		dash_set_status(d, d->paused ?
		    "paused: the screen is frozen, events are still read" : "resumed");
	}
	if (re->what & RE_FILTER) {
		set_filter(d, re);
		recompute = 1;
	}
	if (re->what & RE_WINDOW) {
		reload = set_window(d, re->window_ms);
		recompute = 1;
	}
	if (reload)
		dash_reload(d);
	else if (recompute)
		dash_recompute(d);
	if ((re->what & RE_WINDOW) && !reload)
		say_window(d);
	/* these two recompute (or read the history again) themselves, and say so */
	if (re->what & RE_COMPARE)
		dash_compare_toggle(d);
	if (re->what & RE_TIME)
		dash_lookback_step(d, re->time_step);
	if (re->what & RE_VIEW) {
		d->view = re->view;
		d->need_clear = 1;
	}
	if (re->what & RE_OPEN_LOG) {
		open_log(d, re->arg);
		d->need_clear = 1;
	}
	if (re->what & RE_OPEN_TRACE) {
		open_trace(d, re->arg);
		d->need_clear = 1;
	}
	if (re->what & RE_OVERLAY) {
		d->need_clear = 1; /* what was under it comes back whole */
		d->overlay = re->overlay;
		curs_set(d->overlay == OV_PROMPT);
	}
	if (re->what & RE_SNAPSHOT) {
		if (dash_write_snapshot(d, path, sizeof path, err, sizeof err) == 0)
			dash_set_status(d, "snapshot written to %s", path);
		else
			dash_set_status(d, "snapshot failed: %s", err);
	}
	if (re->what & RE_REFRESH) {
		dash_set_refresh(d, re->refresh_ms);
		dash_set_status(d, "refresh every %d ms", d->refresh_ms);
	}
	if (re->what & RE_STATUS)
		dash_set_status(d, "%s", re->status);
	if (re->what & RE_CLEAR)
		d->need_clear = 1;
	return 0;
}
