/* execmon - keys that act on rows and lists: pickers, prompts, saved views, Enter on a row, the mouse. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "errors.h"
#include "event-text.h"
#include "keys-int.h"
#include "loop.h"
#include "savedview.h"
#include "textwidth.h"
#include "ui.h"
#include "xmalloc.h"

struct reaction
react(unsigned what)
{
	struct reaction re;

	memset(&re, 0, sizeof re);
	re.what = what;
	re.filter.status = -1;
	return re;
}

void
react_say(struct reaction *re, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(re->status, sizeof re->status, fmt, ap) >= (int)sizeof re->status)
		utf8_trim_cut(re->status);
	va_end(ap);
	re->what |= RE_STATUS;
}

void
react_view(struct reaction *re, enum view v)
{
	re->what |= RE_VIEW;
	re->view = v;
}

void
react_open(struct reaction *re, unsigned what, const char *id)
{
	re->what |= what;
	snprintf(re->arg, sizeof re->arg, "%s", id);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct filter *
react_filter(struct reaction *re, const struct dash *d, int undo)
{
	const struct filter *f = &d->filter;
	struct filter *to = &re->filter;

	if (re->what & RE_FILTER)
		return to; /* changed twice by one key: the second change on the first */
	filter_init(to);
	to->agent = dup_or_null(f->agent);
	to->status = f->status;
	to->trace = dup_or_null(f->trace);
	to->model = dup_or_null(f->model);
	to->user = dup_or_null(f->user);
	to->workspace = dup_or_null(f->workspace);
	to->queue = dup_or_null(f->queue);
	to->error = dup_or_null(f->error);
	to->tool = dup_or_null(f->tool);
	to->text = dup_or_null(f->text);
	re->what |= RE_FILTER;
	re->undo = undo;
	return to;
}

/* The next (dir 1) or previous (-1) event of the open run holding the search. */
void
log_find(struct dash *d, int dir, int from_here, struct reaction *re)
{
	struct run *r = d->run_id ? store_find(d->store, d->run_id) : NULL;
	int n, start, hits = 0, at = -1;

	if (r == NULL || d->log_search[0] == '\0' || r->nlog == 0) {
		react_say(re, d->log_search[0] ? "no run open" : "no search: / first");
		return;
	}
	n = (int)r->nlog;
	start = d->log.sel + (from_here ? 0 : dir);
	for (int k = 0; k < n; k++) {
		int i = ((start + dir * k) % n + n) % n;

		if (run_log_event_has_text(r, (size_t)i, d->log_search)) {
			if (at < 0)
				at = i;
			hits++;
		}
	}
	if (at < 0) {
		react_say(re, "no event of this run holds \"%s\"", d->log_search);
		return;
	}
	{
		struct ui_rows rows = { n, NULL, NULL };

		ui_list_select(&d->log, &rows, at);
	}
	ui_list_reset(&d->detail);
	react_say(re, "\"%s\": %d event%s (n next, N previous)", d->log_search, hits,
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
	d->pick_n = 0;
	ui_list_reset(&d->pick);
}

static const char *
pick_key_of(const void *ctx, int i, char *buf, size_t size)
{
	const struct dash *d = ctx;

	(void)buf;
	(void)size;
	return d->pick_items[i];
}

struct ui_rows
keys_pick_rows(struct dash *d)
{
	return (struct ui_rows){ d->pick_n, pick_key_of, d };
}

/*
 * Recall saved view i (keys 1-9, or the V picker): its filter replaces the
 * one set, its order, window and table sorts apply; "recent" opens the
 * recent runs.
 */
void
apply_view(struct dash *d, int i, struct reaction *re)
{
	const struct savedview *v;
	struct filter f, *to;
	char err[256];

	if (d->views == NULL || i < 0 || i >= d->views->n) {
		react_say(re, "no saved view %d (V lists them)", i + 1);
		return;
	}
	v = &d->views->v[i];
	filter_init(&f);
	if (filter_parse(&f, v->filter, err, sizeof err) != 0) {
		filter_done(&f);
		react_say(re, "view %s: filter: %s", v->name, err);
		return;
	}
	to = react_filter(re, d, -1);
	filter_done(to);
	*to = f;
	if (v->sort >= 0) {
		d->sort = v->sort;
		ui_list_reset(&d->pane[0]);
	}
	for (int t = 0; t < 3; t++) {
		if (v->tsort[t] != 0) {
			d->tsort[t] = v->tsort[t];
			d->tdesc[t] = v->tsort[t] >= 2;
		}
	}
	react_view(re, v->recent ? VIEW_RECENT : VIEW_DASH);
	d->rec_to_ms = 0;
	if (v->window_ms > 0 && v->window_ms != d->window_ms) {
		re->what |= RE_WINDOW;
		re->window_ms = v->window_ms;
	}
	react_say(re, "view %d: %s", i + 1, v->name);
}

/* Open the pick list of agents ('a'), models ('m'), users ('U') seen in the store, or of the saved views ('V'). */
struct reaction
k_pick(struct dash *d, int ch)
{
	struct reaction re = react(0);
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
		re.what |= RE_OVERLAY;
		re.overlay = OV_PICK;
		return re;
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
		react_say(&re, "no %s seen yet", ch == 'a' ? "agents" : ch == 'U' ? "users" :
		    ch == 'W' ? "workspaces" : "models");
		return re;
	}
	qsort(d->pick_items, (size_t)d->pick_n, sizeof *d->pick_items, cmp_str);
	re.what |= RE_OVERLAY;
	re.overlay = OV_PICK;
	return re;
}

/* Apply "key=value" on top of the filter, keeping the old one for Esc. */
void
filter_to(struct dash *d, const char *key, const char *value, struct reaction *re)
{
	char expr[1024], cur[512], err[256];
	struct filter f, *to;
	int n;

	filter_format(&d->filter, cur, sizeof cur);
	n = snprintf(expr, sizeof expr, "%s%s%s=%s", cur, cur[0] ? "," : "", key, value);
	filter_init(&f);
	if (n < 0 || (size_t)n >= sizeof expr || strchr(value, ',') != NULL ||
	    filter_parse(&f, expr, err, sizeof err) != 0) {
		filter_done(&f);
		react_say(re, "cannot filter to %s=%s", key, value);
		return;
	}
	to = react_filter(re, d, 1);
	filter_done(to);
	*to = f;
}

/*
 * Enter on a row of any pane: a table row filters everything to it (Esc
 * undoes), a stuck run opens its log, an anomaly says when and what, the
 * charts open the recent runs behind them.
 */
struct reaction
enter_row(struct dash *d)
{
	const struct metrics *m = d->m;
	struct ui_rows rows = layout_pane_rows(d, d->focus);
	struct reaction re = react(0);
	int i;

	if (d->focus < 0 || d->focus >= PANES_MAX)
		return re;
	ui_list_sync(&d->pane[d->focus], &rows);
	i = ui_list_selected(&d->pane[d->focus]);

	switch (d->focus) {
	case 1: case 2: /* throughput, latency: the runs behind the figures */
		react_view(&re, VIEW_RECENT);
		d->rec_to_ms = 0;
		break;
	case 3: /* queues: the row's key is its name */
		if (i >= 0 && d->pane[3].key != NULL)
			filter_to(d, "queue", d->pane[3].key, &re);
		break;
	case 4:
		if (i < 0)
			break;
		if ((size_t)i < m->nflags) {
			react_open(&re, RE_OPEN_LOG, m->flags[i].run->id);
		} else if ((size_t)i - m->nflags < m->nanomalies) {
			const struct anomaly *a = &m->anomalies[(size_t)i - m->nflags];
			char t[16];

			/* to its time: the runs that finished while it lasted */
			d->rec_from_ms = a->ts_ms;
			d->rec_to_ms = a->end_ms > a->ts_ms ? a->end_ms : a->ts_ms + 60000;
			ui_list_reset(&d->rec);
			react_view(&re, VIEW_RECENT);
			react_say(&re, "%s %s from %s: %s", severity_name(a->severity),
			    anomaly_type_name(a->type), format_hm(a->ts_ms, t, sizeof t),
			    a->description);
		}
		break;
	case 5:
		if (i >= 0 && (size_t)i < m->nagents) {
			const struct agent_stats *a = &m->agents[pane_table_row(d, 0, (size_t)i)];

			filter_to(d, "agent", a->agent_name ? a->agent_name : a->agent_id ?
			    a->agent_id : "", &re);
		}
		break;
	case 6:
		if (i >= 0 && (size_t)i < m->nmodels &&
		    m->models[pane_table_row(d, 1, (size_t)i)].model_id != NULL)
			filter_to(d, "model", m->models[pane_table_row(d, 1, (size_t)i)].model_id,
			    &re);
		break;
	case 7:
		if (i >= 0 && (size_t)i < m->ntools &&
		    m->tools[pane_table_row(d, 2, (size_t)i)].tool_id != NULL)
			filter_to(d, "tool", m->tools[pane_table_row(d, 2, (size_t)i)].tool_id, &re);
		break;
	}
	return re;
}

int
list_delta(int ch)
{
	switch (ch) {
	case KEY_UP: case 'k': return -1;
	case KEY_DOWN: case 'j': return 1;
	case KEY_PPAGE: return UI_LIST_PAGE_UP;
	case KEY_NPAGE: return UI_LIST_PAGE_DOWN;
	case KEY_HOME: case 'g': return UI_LIST_HOME;
	case KEY_END: case 'G': return UI_LIST_END;
	}
	return 0;
}

static int
is_enter(int ch)
{
	return ch == '\r' || ch == '\n' || ch == KEY_ENTER;
}

/* Keys while the text prompt is open. */
struct reaction
prompt_key(struct dash *d, int ch)
{
	struct reaction re = react(0);

	if (ch == 27 || is_enter(ch)) {
		re.what |= RE_OVERLAY;
		re.overlay = OV_NONE;
	}
	if (is_enter(ch) && d->prompt_log) {
		snprintf(d->log_search, sizeof d->log_search, "%s", d->prompt);
		log_find(d, 1, 1, &re);
	} else if (is_enter(ch)) {
		struct filter *f = react_filter(&re, d, 0);

		free(f->text);
		f->text = d->prompt_len > 0 ? xstrdup(d->prompt) : NULL;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		/* drop a whole UTF-8 character */
		while (d->prompt_len > 0) {
			unsigned char c = (unsigned char)d->prompt[--d->prompt_len];

			if ((c & 0xc0) != 0x80)
				break;
		}
		d->prompt[d->prompt_len] = '\0';
	} else if (ch >= 0x20 && ch < 0x100 && ch != 0x7f &&
	    d->prompt_len + 1 < (int)sizeof d->prompt && ch != ',' && ch != '=') {
		d->prompt[d->prompt_len++] = (char)ch;
		d->prompt[d->prompt_len] = '\0';
	}
	return re;
}

struct reaction
pick_key(struct dash *d, int ch)
{
	struct reaction re = react(0);

	if (ch == 27 || ch == 'q' || is_enter(ch)) {
		re.what |= RE_OVERLAY;
		re.overlay = OV_NONE;
	}
	struct ui_rows rows = keys_pick_rows(d);
	int delta = list_delta(ch);

	if (delta != 0)
		ui_list_move(&d->pick, &rows, delta);
	else if (is_enter(ch) && d->pick_kind == 'V')
		apply_view(d, ui_list_selected(&d->pick), &re);
	else if (is_enter(ch) && ui_list_selected(&d->pick) >= 0) {
		struct filter *f = react_filter(&re, d, 0);
		char **slot = d->pick_kind == 'a' ? &f->agent : d->pick_kind == 'U' ? &f->user :
		    d->pick_kind == 'W' ? &f->workspace : &f->model;

		free(*slot);
		*slot = xstrdup(d->pick_items[ui_list_selected(&d->pick)]);
	}
	return re;
}

struct reaction
keys_mouse(struct dash *d)
{
	MEVENT ev;
	struct rect r;
	int p, row, dbl;
	struct reaction re = react(0);

	if (getmouse(&ev) != OK)
		return re;
	dbl = (ev.bstate & BUTTON1_DOUBLE_CLICKED) != 0;
#ifdef BUTTON5_PRESSED
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		int down = (ev.bstate & BUTTON5_PRESSED) != 0;

		if (d->view == VIEW_DASH && (p = layout_pane_at(d, ev.y, ev.x, &r)) >= 0)
			d->focus = p;
		for (int k = 0; k < 3; k++)
			k_move(d, down ? KEY_DOWN : KEY_UP);
		return re;
	}
#endif
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED) || dbl))
		return re;
	if (ev.bstate & BUTTON1_RELEASED)
		return re;
	if (d->overlay != OV_NONE || d->view == VIEW_LOG)
		return re;
	if (d->view == VIEW_RECENT) {
		row = ev.y - 4; /* under the title and the column names */
		if (row >= 0) {
			view_recent_move(d, d->rec.top + row - d->rec.sel);
			if (dbl)
				return k_enter(d, '\r');
		}
		return re;
	}
	if (d->view == VIEW_TRACE) {
		row = ev.y - 3;
		if (row >= 0) {
			view_kinds[VIEW_TRACE]->step(d, d->trace.top + row - d->trace.sel);
			if (dbl)
				return k_enter(d, '\r');
		}
		return re;
	}
	if ((p = layout_pane_at(d, ev.y, ev.x, &r)) < 0 || p >= PANES_MAX)
		return re;
	d->focus = p;
	row = ev.y - (r.y + 1); /* the first row under the pane's title */
	if (p >= 5 && row == 0) { /* a table's column names: sort by the one clicked */
		int code = pane_table_header_at(p - 5, ev.x);

		if (code > 0) {
			d->tdesc[p - 5] = d->tsort[p - 5] == code ? !d->tdesc[p - 5] : code >= 2;
			d->tsort[p - 5] = code;
			ui_list_reset(&d->pane[p]);
		}
		return re;
	}
	if (p >= 5)
		row--; /* rows start under the column names */
	if (row < 0)
		return re;
	/* a click selects the row under it */
	{
		struct ui_rows rows = layout_pane_rows(d, p);

		ui_list_select(&d->pane[p], &rows, d->pane[p].top + row);
	}
	if (dbl)
		return k_enter(d, '\r');
	return re;
}
