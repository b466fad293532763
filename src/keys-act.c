/* execmon - keys that act on rows and lists: pickers, prompts, saved views, Enter on a row, the mouse. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "dash.h"
#include "errors.h"
#include "keys-int.h"
#include "loop.h"
#include "savedview.h"
#include "textwidth.h"
#include "ui.h"
#include "xmalloc.h"

/* The next (dir 1) or previous (-1) event of the open run holding the search. */
void
log_find(struct dash *d, int dir, int from_here)
{
	struct run *r = d->run_id ? store_find(d->store, d->run_id) : NULL;
	int n, start, hits = 0, at = -1;

	if (r == NULL || d->log_search[0] == '\0' || r->nlog == 0) {
		dash_set_status(d, d->log_search[0] ? "no run open" : "no search: / first");
		return;
	}
	n = (int)r->nlog;
	start = d->log_sel + (from_here ? 0 : dir);
	for (int k = 0; k < n; k++) {
		int i = ((start + dir * k) % n + n) % n;

		if (run_log_event_has_text(r, (size_t)i, d->log_search)) {
			if (at < 0)
				at = i;
			hits++;
		}
	}
	if (at < 0) {
		dash_set_status(d, "no event of this run holds \"%s\"", d->log_search);
		return;
	}
	d->log_sel = at;
	d->log_follow = 0;
	d->detail_top = 0;
	dash_set_status(d, "\"%s\": %d event%s (n next, N previous)", d->log_search, hits,
	    hits == 1 ? "" : "s");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
pick_clear(struct dash *d)
{
	for (int i = 0; i < d->pick_n; i++)
		free(d->pick_items[i]);
	free(d->pick_items);
	d->pick_items = NULL;
	d->pick_n = d->pick_sel = 0;
}

/*
 * Recall saved view i (keys 1-9, or the V picker): its filter replaces the
 * one set, its order, window and table sorts apply; "recent" opens the
 * recent runs.
 */
void
apply_view(struct dash *d, int i)
{
	const struct savedview *v;
	struct filter f;
	char err[256];

	if (d->views == NULL || i < 0 || i >= d->views->n) {
		dash_set_status(d, "no saved view %d (V lists them)", i + 1);
		return;
	}
	v = &d->views->v[i];
	filter_init(&f);
	if (filter_parse(&f, v->filter, err, sizeof err) != 0) {
		filter_done(&f);
		dash_set_status(d, "view %s: filter: %s", v->name, err);
		return;
	}
	filter_done(&d->filter);
	d->filter = f;
	d->has_undo = 0;
	if (v->sort >= 0) {
		d->sort = v->sort;
		free(d->sel_run_id);
		d->sel_run_id = NULL;
	}
	for (int t = 0; t < 3; t++) {
		if (v->tsort[t] != 0) {
			d->tsort[t] = v->tsort[t];
			d->tdesc[t] = v->tsort[t] >= 2;
		}
	}
	d->view = v->recent ? VIEW_RECENT : VIEW_DASH;
	d->rec_to_ms = 0;
	d->need_clear = 1;
	keys_filter_changed(d);
	if (v->window_ms > 0 && v->window_ms != d->window_ms) {
		d->window_ms = v->window_ms;
		if (d->now_ms - 2 * d->window_ms < d->loaded_from_ms && d->can_reload) {
			dash_reload(d);
			return;
		}
		dash_recompute(d);
	}
	dash_set_status(d, "view %d: %s", i + 1, v->name);
}

/* Open the pick list of agents ('a'), models ('m'), users ('U') seen in the store, or of the saved views ('V'). */
int
k_pick(struct dash *d, int ch)
{
	size_t n = store_nruns(d->store);
	int cap = 0;
	/* names are interned: a name seen is mostly the same pointer, so the
	   pointers seen are remembered first (with many runs, comparing each
	   run's name with every item took a while) */
	enum { SEEN = 1024 };
	const char *seen[SEEN] = { 0 };

	pick_clear(d);
	d->pick_kind = ch;
	if (ch == 'V') {
		d->pick_items = xreallocarray(NULL, SAVEDVIEW_MAX, sizeof *d->pick_items);
		for (int i = 0; d->views != NULL && i < d->views->n; i++) {
			char item[96];

			snprintf(item, sizeof item, "%d  %s", i + 1, d->views->v[i].name);
			d->pick_items[d->pick_n++] = xstrdup(item);
		}
		d->overlay = OV_PICK;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct run *r = store_run_at(d->store, i);
		const char *v = ch == 'a' ? (r->agent_name ? r->agent_name : r->agent_id) :
		    ch == 'U' ? r->user_id : ch == 'W' ? r->workspace_id : r->model_id;
		size_t h;
		int dup = 0;

		if (v == NULL)
			continue;
		h = (size_t)((uint64_t)(uintptr_t)v * UINT64_C(0x9e3779b97f4a7c15) >> 54);
		if (seen[h] == v)
			continue;
		seen[h] = v;
		for (int k = 0; k < d->pick_n && !dup; k++)
			dup = strcmp(d->pick_items[k], v) == 0;
		if (dup)
			continue;
		if (d->pick_n == cap) {
			cap = cap ? cap * 2 : 16;
			d->pick_items = xreallocarray(d->pick_items, (size_t)cap, sizeof *d->pick_items);
		}
		d->pick_items[d->pick_n++] = xstrdup(v);
		if (d->pick_n >= 500)
			break;
	}
	if (d->pick_n == 0) {
		dash_set_status(d, "no %s seen yet", ch == 'a' ? "agents" : ch == 'U' ? "users" :
		    ch == 'W' ? "workspaces" : "models");
		return 0;
	}
	qsort(d->pick_items, (size_t)d->pick_n, sizeof *d->pick_items, cmp_str);
	d->overlay = OV_PICK;
	return 0;
}

/* Apply "key=value" on top of the filter, keeping the old one for Esc. */
void
filter_to(struct dash *d, const char *key, const char *value)
{
	char expr[1024], err[256];
	struct filter f;
	int n;

	filter_format(&d->filter, d->filter_undo, sizeof d->filter_undo);
	d->has_undo = 1;
	n = snprintf(expr, sizeof expr, "%s%s%s=%s", d->filter_undo,
	    d->filter_undo[0] ? "," : "", key, value);
	filter_init(&f);
	if (n < 0 || (size_t)n >= sizeof expr || strchr(value, ',') != NULL ||
	    filter_parse(&f, expr, err, sizeof err) != 0) {
		filter_done(&f);
		d->has_undo = 0;
		dash_set_status(d, "cannot filter to %s=%s", key, value);
		return;
	}
	filter_done(&d->filter);
	d->filter = f;
	keys_filter_changed(d);
}

/*
 * Enter on a row of any pane: a table row filters everything to it (Esc
 * undoes), a stuck run opens its log, an anomaly says when and what, the
 * charts open the recent runs behind them.
 */
int
enter_row(struct dash *d)
{
	const struct metrics *m = d->m;
	int i = d->sel[d->focus];

	switch (d->focus) {
	case 1: case 2: /* throughput, latency: the runs behind the figures */
		d->view = VIEW_RECENT;
		d->rec_to_ms = 0;
		d->need_clear = 1;
		return 0;
	case 3: { /* queues, in the order shown (by name) */
		const char *best = NULL;

		/* the i-th name in name order */
		for (size_t a = 0; a < m->nqueues; a++) {
			int rank = 0;

			for (size_t b = 0; b < m->nqueues; b++)
				rank += strcmp(m->queues[b].name, m->queues[a].name) < 0;
			if (rank == i)
				best = m->queues[a].name;
		}
		if (best != NULL)
			filter_to(d, "queue", best);
		return 0;
	}
	case 4:
		if ((size_t)i < m->nflags) {
			dash_open_log(d, m->flags[i].run->id);
		} else if ((size_t)i - m->nflags < m->nanomalies) {
			const struct anomaly *a = &m->anomalies[(size_t)i - m->nflags];
			char t[16];

			/* to its time: the runs that finished while it lasted */
			d->rec_from_ms = a->ts_ms;
			d->rec_to_ms = a->end_ms > a->ts_ms ? a->end_ms : a->ts_ms + 60000;
			d->rec_sel = d->rec_top = 0;
			d->view = VIEW_RECENT;
			d->need_clear = 1;
			dash_set_status(d, "%s %s from %s: %s", severity_name(a->severity),
			    anomaly_type_name(a->type), format_hm(a->ts_ms, t, sizeof t),
			    a->description);
		}
		return 0;
	case 5:
		if ((size_t)i < m->nagents) {
			const struct agent_stats *a = &m->agents[pane_table_row(d, 0, (size_t)i)];

			filter_to(d, "agent", a->agent_name ? a->agent_name : a->agent_id ?
			    a->agent_id : "");
		}
		return 0;
	case 6:
		if ((size_t)i < m->nmodels &&
		    m->models[pane_table_row(d, 1, (size_t)i)].model_id != NULL)
			filter_to(d, "model", m->models[pane_table_row(d, 1, (size_t)i)].model_id);
		return 0;
	case 7:
		if ((size_t)i < m->ntools &&
		    m->tools[pane_table_row(d, 2, (size_t)i)].tool_id != NULL)
			filter_to(d, "tool", m->tools[pane_table_row(d, 2, (size_t)i)].tool_id);
		return 0;
	}
	return 0;
}

/* Keys while the text prompt is open. */
int
prompt_key(struct dash *d, int ch)
{
	if (ch == 27) {
		d->overlay = OV_NONE;
		curs_set(0);
		return 0;
	}
	if ((ch == '\r' || ch == '\n' || ch == KEY_ENTER) && d->prompt_log) {
		snprintf(d->log_search, sizeof d->log_search, "%s", d->prompt);
		d->overlay = OV_NONE;
		curs_set(0);
		log_find(d, 1, 1);
		return 0;
	}
	if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		free(d->filter.text);
		d->filter.text = d->prompt_len > 0 ? xstrdup(d->prompt) : NULL;
		d->overlay = OV_NONE;
		curs_set(0);
		keys_filter_changed(d);
		return 0;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		/* drop a whole UTF-8 character */
		while (d->prompt_len > 0) {
			unsigned char c = (unsigned char)d->prompt[--d->prompt_len];

			if ((c & 0xc0) != 0x80)
				break;
		}
		d->prompt[d->prompt_len] = '\0';
		return 0;
	}
	if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && d->prompt_len + 1 < (int)sizeof d->prompt &&
	    ch != ',' && ch != '=') {
		d->prompt[d->prompt_len++] = (char)ch;
		d->prompt[d->prompt_len] = '\0';
	}
	return 0;
}

int
pick_key(struct dash *d, int ch)
{
	if (ch == 27 || ch == 'q') {
		d->overlay = OV_NONE;
		return 0;
	}
	if (ch == KEY_UP || ch == 'k')
		d->pick_sel = d->pick_sel > 0 ? d->pick_sel - 1 : 0;
	else if (ch == KEY_DOWN || ch == 'j')
		d->pick_sel = d->pick_sel + 1 < d->pick_n ? d->pick_sel + 1 : d->pick_sel;
	else if ((ch == '\r' || ch == '\n' || ch == KEY_ENTER) && d->pick_kind == 'V') {
		d->overlay = OV_NONE;
		apply_view(d, d->pick_sel);
	} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		char **slot = d->pick_kind == 'a' ? &d->filter.agent :
		    d->pick_kind == 'U' ? &d->filter.user :
		    d->pick_kind == 'W' ? &d->filter.workspace : &d->filter.model;

		free(*slot);
		*slot = xstrdup(d->pick_items[d->pick_sel]);
		d->overlay = OV_NONE;
		keys_filter_changed(d);
	}
	return 0;
}

void
keys_mouse(struct dash *d)
{
	MEVENT ev;
	struct rect r;
	int p, row, dbl;

	if (getmouse(&ev) != OK)
		return;
	dbl = (ev.bstate & BUTTON1_DOUBLE_CLICKED) != 0;
#ifdef BUTTON5_PRESSED
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		int down = (ev.bstate & BUTTON5_PRESSED) != 0;

		if (d->view == VIEW_DASH && (p = dash_pane_at(d, ev.y, ev.x, &r)) >= 0)
			d->focus = p;
		for (int k = 0; k < 3; k++)
			k_move(d, down ? KEY_DOWN : KEY_UP);
		return;
	}
#endif
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED) || dbl))
		return;
	if (ev.bstate & BUTTON1_RELEASED)
		return;
	if (d->overlay != OV_NONE || d->view == VIEW_LOG)
		return;
	if (d->view == VIEW_RECENT) {
		row = ev.y - 4; /* under the title and the column names */
		if (row >= 0) {
			view_recent_move(d, d->rec_top + row - d->rec_sel);
			if (dbl)
				k_enter(d, '\r');
		}
		return;
	}
	if (d->view == VIEW_TRACE) {
		row = ev.y - 3;
		if (row >= 0) {
			d->trace_sel = d->trace_top + row;
			if (dbl)
				k_enter(d, '\r');
		}
		return;
	}
	if ((p = dash_pane_at(d, ev.y, ev.x, &r)) < 0)
		return;
	d->focus = p;
	row = ev.y - (r.y + 1); /* the first row under the pane's title */
	if (p >= 5 && row == 0) { /* a table's column names: sort by the one clicked */
		int code = pane_table_header_at(p - 5, ev.x);

		if (code > 0) {
			d->tdesc[p - 5] = d->tsort[p - 5] == code ? !d->tdesc[p - 5] : code >= 2;
			d->tsort[p - 5] = code;
			d->sel[p] = d->top[p] = 0;
		}
		return;
	}
	if (p >= 5)
		row--; /* rows start under the column names */
	if (row < 0)
		return;
	d->sel[p] = (p == 3 ? 0 : d->top[p]) + row;
	if (p == 0)
		dash_runs_remember(d);
	if (dbl)
		k_enter(d, '\r');
}
