/* execmon - the key table: what each key does, and the help generated from it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "dash.h"
#include "loop.h"
#include "errors.h"
#include "savedview.h"
#include "textwidth.h"
#include "keys-int.h"
#include "ui.h"
#include "xmalloc.h"

#define V_DASH (1 << VIEW_DASH)
#define V_LOG (1 << VIEW_LOG)
#define V_RECENT (1 << VIEW_RECENT)
#define V_TRACE (1 << VIEW_TRACE)
#define V_ALERTS (1 << VIEW_ALERTS)
#define V_ERRORS (1 << VIEW_ERRORS)
#define V_ALL (V_DASH | V_LOG | V_TRACE | V_RECENT | V_ALERTS | V_ERRORS)

struct key {
	int ch, ch2, ch3;      /* the keys (0 = none) */
	const char *label;     /* as shown in help */
	const char *help;
	int views;
	int (*fn)(struct dash *, int ch); /* <0 quits */
};

static const int windows[] = { 5 * 60000, 15 * 60000, 3600000, 6 * 3600000, 24 * 3600000 };

static int
k_quit(struct dash *d, int ch)
{
	(void)d;
	(void)ch;
	return -1;
}

static int
k_help(struct dash *d, int ch)
{
	(void)ch;
	d->overlay = OV_HELP;
	d->help_top = 0;
	return 0;
}

static int
k_pause(struct dash *d, int ch)
{
	(void)ch;
	d->paused = !d->paused;
	if (!d->paused)
		dash_recompute(d); /* catch up at once */
	dash_set_status(d, d->paused ? "paused: the screen is frozen, events are still read" :
	    "resumed");
	return 0;
}

static int
k_search(struct dash *d, int ch)
{
	(void)ch;
	d->overlay = OV_PROMPT;
	d->prompt_log = d->view == VIEW_LOG;
	d->prompt[0] = '\0'; /* a new search starts empty */
	d->prompt_len = 0;
	curs_set(1);
	return 0;
}


static int
k_find_next(struct dash *d, int ch)
{
	log_find(d, ch == 'N' ? -1 : 1, 0);
	return 0;
}





static int
k_view_key(struct dash *d, int ch)
{
	apply_view(d, ch - '1');
	return 0;
}


void
keys_filter_changed(struct dash *d)
{
	char buf[256];

	for (int i = 0; i < PANES_MAX; i++)
		d->sel[i] = d->top[i] = 0;
	dash_recompute(d);
	/* the selected run stays selected if it passes the new filter */
	filter_format(&d->filter, buf, sizeof buf);
	dash_set_status(d, "filter: %s", buf[0] ? buf : "none");
}

static int
k_trace(struct dash *d, int ch)
{
	struct run *r;

	(void)ch;
	if (d->view == VIEW_LOG) {
		r = store_find(d->store, d->run_id);
		if (r == NULL || r->trace_id == NULL) {
			dash_set_status(d, "this run has no trace id");
			return 0;
		}
		dash_open_trace(d, r->trace_id);
		return 0;
	}
	r = dash_selected_run(d);
	if (r == NULL || r->trace_id == NULL) {
		dash_set_status(d, "the selected run has no trace id");
		return 0;
	}
	free(d->filter.trace);
	d->filter.trace = xstrdup(r->trace_id);
	keys_filter_changed(d);
	return 0;
}

static int
k_status(struct dash *d, int ch)
{
	static const int cycle[] = { -1, RUN_RUNNING, RUN_QUEUED, RUN_COMPLETED, RUN_FAILED,
		RUN_CANCELLED };
	int i;

	(void)ch;
	for (i = 0; i < 6 && cycle[i] != d->filter.status; i++)
		;
	d->filter.status = cycle[(i + 1) % 6];
	keys_filter_changed(d);
	return 0;
}

static int
k_clear(struct dash *d, int ch)
{
	(void)ch;
	filter_done(&d->filter);
	filter_init(&d->filter);
	keys_filter_changed(d);
	return 0;
}

static int
k_focus(struct dash *d, int ch)
{
	/* over the panes on screen */
	int n = d->npanes_shown > 0 ? d->npanes_shown : 8;

	d->focus = (d->focus + (ch == KEY_BTAB ? n - 1 : 1)) % n;
	return 0;
}

int
k_move(struct dash *d, int ch)
{
	int delta = ch == KEY_UP || ch == 'k' ? -1 : ch == KEY_DOWN || ch == 'j' ? 1 :
	    ch == KEY_PPAGE ? -10 : ch == KEY_NPAGE ? 10 : ch == KEY_HOME || ch == 'g' ? -1000000 :
	    1000000;

	if (view_kinds[d->view]->step != NULL)
		view_kinds[d->view]->step(d, delta);
	return 0;
}



int
k_enter(struct dash *d, int ch)
{
	(void)ch;
	return view_kinds[d->view]->enter != NULL ? view_kinds[d->view]->enter(d) : 0;
}

static int
k_back(struct dash *d, int ch)
{
	(void)ch;
	if ((d->view == VIEW_DASH || d->view == VIEW_RECENT) && d->has_undo) {
		/* Esc undoes the filter Enter put on a row */
		char err[256];
		struct filter f;

		filter_init(&f);
		if (filter_parse(&f, d->filter_undo, err, sizeof err) == 0) {
			filter_done(&d->filter);
			d->filter = f;
			d->has_undo = 0;
			keys_filter_changed(d);
		} else
			filter_done(&f);
		return 0;
	}
	if (d->view == VIEW_TRACE && d->run_id != NULL)
		d->view = VIEW_LOG;
	else if (d->view == VIEW_LOG && d->log_from == VIEW_RECENT)
		d->view = d->log_from = VIEW_RECENT;
	else {
		d->view = VIEW_DASH;
		d->rec_to_ms = 0; /* an anomaly's time is left with its list */
	}
	d->need_clear = 1;
	return 0;
}

static int
k_window(struct dash *d, int ch)
{
	int i, n = (int)(sizeof windows / sizeof windows[0]);
	char buf[32];

	(void)ch;
	for (i = 0; i < n && windows[i] <= d->window_ms; i++)
		;
	d->window_ms = windows[i % n];
	if (d->now_ms - 2 * d->window_ms < d->loaded_from_ms && d->can_reload) {
		/* the history held is too short: read it again over the window */
		dash_set_status(d, "window %s: reading its history again",
		    format_window(d->window_ms, buf, sizeof buf));
		dash_reload(d);
		return 0;
	}
	dash_recompute(d);
	if (d->now_ms - 2 * d->window_ms < d->loaded_from_ms)
		dash_set_status(d, "window %s: history before the start covers only what was loaded (since %s ago)",
		    format_window(d->window_ms, buf, sizeof buf),
		    format_dur(d->now_ms - d->loaded_from_ms, buf, sizeof buf));
	else
		dash_set_status(d, "window %s", format_window(d->window_ms, buf, sizeof buf));
	return 0;
}

/* The next bundled theme after the one shown; one that does not load is said and skipped. */
static int
k_theme(struct dash *d, int ch)
{
	static const char *const names[] = {
		"default", "light", "high-contrast", "solarized-dark", "mono"
	};
	int n = (int)(sizeof names / sizeof names[0]), i, cur = -1;
	char err[300];
	struct theme t;

	(void)ch;
	for (i = 0; i < n; i++) {
		if (strcmp(d->theme.name, names[i]) == 0)
			cur = i;
	}
	for (i = 1; i <= n; i++) {
		const char *name = names[(cur + i + n) % n];

		if (theme_load(&t, name, err, sizeof err) == 0) {
			d->theme = t;
			ui_colors_init(d);
			d->need_clear = 1;
			dash_set_status(d, "theme %s", d->theme.name);
			return 0;
		}
		dash_set_status(d, "theme %s: %s", name, err);
	}
	return 0;
}

static int
k_messages(struct dash *d, int ch)
{
	(void)ch;
	d->overlay = OV_MESSAGES;
	d->msg_top = 0;
	d->need_clear = 1;
	return 0;
}

/*
 * R: the recent finished runs; F: the same, failed only, in one key (the
 * status filter then says so in the header; f clears it).
 */
static int
k_recent(struct dash *d, int ch)
{
	d->view = VIEW_RECENT;
	d->rec_to_ms = 0; /* the whole window */
	d->need_clear = 1;
	if (ch == 'F' && d->filter.status != RUN_FAILED) {
		d->filter.status = RUN_FAILED;
		keys_filter_changed(d);
	}
	return 0;
}

/* O: the focused table's next sort column; I: invert its order. */
static int
k_table_sort(struct dash *d, int ch)
{
	static const int ncols[3] = { 6, 5, 4 };
	static const char *const names[3][8] = {
		{ "runs", "name", "runs", "ok%", "avg", "live", "cost", "$/run" },
		{ "calls", "name", "calls", "tokens", "cost", "avg", "err" },
		{ "calls", "name", "calls", "p95", "err", "t/out" },
	};
	int t = d->focus - 5;

	if (t < 0 || t > 2) {
		dash_set_status(d, "O and I sort the Agents, Models and Tools tables: Tab to one");
		return 0;
	}
	if (ch == 'O') {
		d->tsort[t] = (d->tsort[t] + 1) % (ncols[t] + 2);
		/* numbers biggest first, names A to Z, the own order as it comes */
		d->tdesc[t] = d->tsort[t] >= 2;
	} else
		d->tdesc[t] = !d->tdesc[t];
	d->sel[d->focus] = d->top[d->focus] = 0;
	dash_set_status(d, "sorted by %s%s", d->tsort[t] == 0 ? "its own order (by count)" :
	    names[t][d->tsort[t]], d->tdesc[t] ? (d->tsort[t] == 0 ? ", reversed" :
	    ", descending") : d->tsort[t] == 0 ? "" : ", ascending");
	return 0;
}

/* E: the top errors of the window. */
static int
k_errors(struct dash *d, int ch)
{
	(void)ch;
	d->view = VIEW_ERRORS;
	d->need_clear = 1;
	return 0;
}

static int
k_sort(struct dash *d, int ch)
{
	static const char *const names[SORT_COUNT] = { "newest", "longest", "agent", "status" };

	(void)ch;
	d->sort = (d->sort + 1) % SORT_COUNT;
	/* a new order starts at its top, as a new list would */
	d->sel[0] = d->top[0] = 0;
	free(d->sel_run_id);
	d->sel_run_id = NULL;
	dash_set_status(d, "runs sorted by %s", names[d->sort]);
	return 0;
}

static int
k_snapshot(struct dash *d, int ch)
{
	char path[512], err[256];

	(void)ch;
	if (dash_write_snapshot(d, path, sizeof path, err, sizeof err) == 0)
		dash_set_status(d, "snapshot written to %s", path);
	else
		dash_set_status(d, "snapshot failed: %s", err);
	return 0;
}

/* Copy text to the local clipboard with OSC 52 (works through SSH). */
static void
osc52(const char *text)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(text), o = 0;
	char *out = xmalloc(4 * (n / 3 + 1) + 16);

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)text[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)text[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)text[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	printf("\033]52;c;%s\a", out);
	fflush(stdout);
	free(out);
}

static int
k_copy(struct dash *d, int ch)
{
	/* what is highlighted: the runs pane's row, the trace's row, the log's run */
	struct run *r = view_kinds[d->view]->selected != NULL ?
	    view_kinds[d->view]->selected(d) : NULL;
	const char *what = ch == 'Y' ? "trace id" : "run id";
	const char *v = r == NULL ? NULL : ch == 'Y' ? r->trace_id : r->id;

	if (v == NULL) {
		dash_set_status(d, "no %s to copy", what);
		return 0;
	}
	osc52(v);
	dash_set_status(d, "copied %s to the clipboard", what);
	return 0;
}

static int
k_refresh(struct dash *d, int ch)
{
	dash_set_refresh(d, ch == '+' ? d->refresh_ms / 2 : d->refresh_ms * 2);
	dash_set_status(d, "refresh every %d ms", d->refresh_ms);
	return 0;
}

static int
k_alerts(struct dash *d, int ch)
{
	if (d->view == VIEW_ALERTS) {
		view_alerts_key(d, ch);
		return 0;
	}
	d->view = VIEW_ALERTS;
	d->need_clear = 1;
	return 0;
}

/* c: the previous window beside the current one. */
static int
k_compare(struct dash *d, int ch)
{
	(void)ch;
	dash_compare_toggle(d);
	return 0;
}

/* [ and ]: the whole screen a step back / forward in time; l: live again. */
static int
k_lookback(struct dash *d, int ch)
{
	dash_lookback_step(d, ch == '[' ? -1 : ch == ']' ? 1 : 0);
	return 0;
}

static int
k_view(struct dash *d, int ch)
{
	return d->view == VIEW_LOG ? view_runlog_key(d, ch) : 0;
}

static const struct key keys[] = {
	{ 'q', 0, 0, "q", "quit", V_ALL, k_quit },
	{ '?', KEY_F(1), 0, "?", "this help", V_ALL, k_help },
	{ 'p', ' ', 0, "p, space", "pause the screen (events are still read)", V_ALL, k_pause },
	{ '/', 0, 0, "/", "search: runs whose id, agent, trace, error, model, queue or any event's text holds it (in a run's log: its events)", V_DASH | V_RECENT | V_LOG, k_search },
	{ 'n', 'N', 0, "n, N", "in a run's log: the next / previous event holding the search", V_LOG, k_find_next },
	{ 'a', 0, 0, "a", "agent filter: pick from a list", V_DASH, k_pick },
	{ 'm', 0, 0, "m", "model filter: pick from a list", V_DASH, k_pick },
	{ 't', 0, 0, "t", "filter to the selected run's trace (in a run's log: open its trace)", V_DASH | V_LOG, k_trace },
	{ 's', 0, 0, "s", "cycle the status filter", V_DASH | V_RECENT, k_status },
	{ 'f', 0, 0, "f", "clear every filter", V_DASH | V_RECENT, k_clear },
	{ '\t', KEY_BTAB, 0, "Tab, S-Tab", "next / previous pane", V_DASH, k_focus },
	{ KEY_UP, 'k', 0, "Up, k", "move up", V_ALL, k_move },
	{ KEY_DOWN, 'j', 0, "Down, j", "move down", V_ALL, k_move },
	{ KEY_PPAGE, KEY_NPAGE, 0, "PgUp, PgDn", "move a page", V_ALL, k_move },
	{ KEY_HOME, 'g', 0, "Home, g", "first row", V_ALL, k_move },
	{ KEY_END, 'G', 0, "End, G", "last row (a run's log then follows live)", V_ALL, k_move },
	{ '\r', '\n', KEY_ENTER, "Enter", "on a run: its event log; on an agent, model or queue row: filter to it (Esc undoes); on a stuck run: its log; on the charts: the recent runs", V_ALL, k_enter },
	{ 27, KEY_BACKSPACE, 'h', "Esc, h", "back; undo the filter Enter put on a row", V_ALL, k_back },
	{ 'r', 0, 0, "r", "in a run's log: relative / absolute times", V_LOG, k_view },
	{ 'J', 'K', 0, "J, K", "in a run's log: scroll the event detail down / up", V_LOG, k_view },
	{ 'w', 0, 0, "w", "cycle the window: 5m, 15m, 1h, 6h, 24h", V_ALL, k_window },
	{ 'c', 0, 0, "c", "compare with the previous window: drawn dim in the charts, previous latencies, the change in the tables", V_DASH, k_compare },
	{ '[', ']', 0, "[, ]", "look back: the whole screen a step (a tenth of the window, at least 1m) back / forward in time", V_ALL, k_lookback },
	{ 'l', 0, 0, "l", "live again after looking back", V_ALL, k_lookback },
	{ 'o', 0, 0, "o", "cycle the runs order: newest, longest, agent, status", V_DASH, k_sort },
	{ 'S', 0, 0, "S", "write a snapshot (JSON, with the filters) to the current directory", V_ALL, k_snapshot },
	{ 'y', 0, 0, "y", "copy the selected run id to the clipboard (OSC 52)", V_ALL, k_copy },
	{ 'Y', 0, 0, "Y", "copy the selected trace id to the clipboard (OSC 52)", V_ALL, k_copy },
	{ 'O', 0, 0, "O", "sort the focused table (Agents, Models, Tools) by its next column", V_DASH, k_table_sort },
	{ 'I', 0, 0, "I", "invert the focused table's order", V_DASH, k_table_sort },
	{ '1', '2', '3', "1-9", "saved views: 1 Errors, 2 Slow, 3 Expensive, 4 Stuck, then the config's", V_DASH | V_RECENT, k_view_key },
	{ '4', '5', '6', "", "", V_DASH | V_RECENT, k_view_key },
	{ '7', '8', '9', "", "", V_DASH | V_RECENT, k_view_key },
	{ 'V', 0, 0, "V", "pick a saved view from a list", V_DASH | V_RECENT, k_pick },
	{ 'U', 0, 0, "U", "user filter: pick from a list", V_DASH | V_RECENT, k_pick },
	{ 'W', 0, 0, "W", "workspace filter: pick from a list", V_DASH | V_RECENT, k_pick },
	{ 'E', 0, 0, "E", "top errors: class and folded message, count, first and last seen, who; Enter filters to one", V_ALL, k_errors },
	{ 'R', 0, 0, "R", "recent finished runs, newest first, with their errors", V_ALL, k_recent },
	{ 'F', 0, 0, "F", "failed runs: the recent runs, failed only", V_ALL, k_recent },
	{ 'L', 0, 0, "L", "execmon's own messages (warnings, reconnects), newest first", V_ALL, k_messages },
	{ 'T', 0, 0, "T", "cycle the theme: default, light, high-contrast, solarized-dark, mono", V_ALL, k_theme },
	{ '!', 0, 0, "!", "alerts and budgets (again, or Esc: back)", V_DASH | V_LOG | V_TRACE | V_RECENT, k_alerts },
	{ 'a', 0, 0, "a", "in alerts: acknowledge the selected alert, with a note", V_ALERTS, k_alerts },
	{ 'z', 0, 0, "z", "in alerts: snooze it (15m, 1h, 4h, or until HH:MM)", V_ALERTS, k_alerts },
	{ 'x', 0, 0, "x", "in alerts: silence alerts whose name matches a glob", V_ALERTS, k_alerts },
	{ 'u', 0, 0, "u", "in alerts: take back its acknowledgement, snooze, silences", V_ALERTS, k_alerts },
	{ '+', '=', 0, "+", "refresh faster", V_ALL, k_refresh },
	{ '-', 0, 0, "-", "refresh slower", V_ALL, k_refresh },
};
#define NKEYS ((int)(sizeof keys / sizeof keys[0]))




int
keys_dispatch(struct dash *d, int ch)
{
	if (ch == KEY_MOUSE) {
		keys_mouse(d);
		return 0;
	}
	if (ch == KEY_RESIZE) {
		d->need_clear = 1;
		return 0;
	}
	if (d->overlay == OV_PROMPT)
		return prompt_key(d, ch);
	if (d->overlay == OV_PICK)
		return pick_key(d, ch);
	if (d->overlay == OV_MESSAGES) {
		int step = ch == KEY_DOWN || ch == 'j' ? 1 : ch == KEY_UP || ch == 'k' ? -1 :
		    ch == KEY_NPAGE || ch == ' ' ? 10 : ch == KEY_PPAGE ? -10 : 0;

		if (step != 0) {
			d->msg_top += step;
			return 0;
		}
		d->overlay = OV_NONE;
		d->need_clear = 1;
		return 0;
	}
	if (d->overlay == OV_HELP) {
		int step = ch == KEY_DOWN || ch == 'j' ? 1 : ch == KEY_UP || ch == 'k' ? -1 :
		    ch == KEY_NPAGE || ch == ' ' ? 10 : ch == KEY_PPAGE ? -10 : 0;

		if (step != 0) { /* scroll; every other key closes */
			d->help_top += step;
			return 0;
		}
		d->overlay = OV_NONE;
		d->need_clear = 1;
		return 0;
	}
	if (d->view == VIEW_ALERTS && view_alerts_key(d, ch))
		return 0;
	for (int i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if ((k->ch == ch || (k->ch2 != 0 && k->ch2 == ch) || (k->ch3 != 0 && k->ch3 == ch)) &&
		    (k->views & (1 << d->view)))
			return k->fn(d, ch);
	}
	return 0;
}

/*
 * Help: one key a row, its text wrapped beside it (nothing cut), in a box
 * over the body; scrolled with the movement keys when it is taller.
 */
void
keys_help_draw(struct dash *d, struct rect r)
{
	int w = r.w < 96 ? r.w : 92;
	struct rect box = { r.y, (r.w - w) / 2, r.h, w }, in;
	int textw, lines = 0, y, shown = 0;
	char title[80];

	in = ui_box(d, box, NULL);
	textw = in.w - 13;
	if (in.h <= 0 || textw < 10)
		return;
	/* count the rows every key takes, to clamp the scroll */
	for (int pass = 0; pass < 2; pass++) {
		int ln = 0;

		for (int i = 0; i < NKEYS; i++) {
			const char *t = keys[i].help;
			size_t off = 0, len = strlen(t);

			if (keys[i].label[0] == '\0')
				continue; /* more keys of the row above */
			do {
				size_t take = tw_take(t + off, textw, d->utf8 ? 0 : TW_ASCII);
				char buf[256];

				if (take == 0)
					take = len - off;
				/* break between words when the line has a space */
				if (off + take < len && t[off + take] != ' ') {
					size_t sp = take;

					while (sp > 0 && t[off + sp] != ' ')
						sp--;
					if (sp > take / 2)
						take = sp;
				}
				if (pass == 1 && ln >= d->help_top && shown < in.h) {
					y = in.y + shown++;
					if (off == 0)
						ui_text(d, y, in.x, 12, TH_ACCENT, keys[i].label);
					snprintf(buf, sizeof buf, "%.*s", (int)take, t + off);
					ui_text(d, y, in.x + 13, textw, TH_NORMAL,
					    buf[0] == ' ' ? buf + 1 : buf);
				}
				ln++;
				off += take;
			} while (off < len);
		}
		lines = ln;
		if (pass == 0 && d->help_top > lines - in.h)
			d->help_top = lines - in.h > 0 ? lines - in.h : 0;
		if (d->help_top < 0)
			d->help_top = 0;
	}
	if (lines > in.h)
		snprintf(title, sizeof title, " keys %d-%d of %d (j/k, PgUp/PgDn scroll; other keys close) ",
		    d->help_top + 1, d->help_top + shown, lines);
	else
		snprintf(title, sizeof title, " keys (any key closes this) ");
	ui_text(d, box.y, box.x + 2, box.w - 4, TH_FOCUS, title);
}

void
keys_write_help(FILE *f)
{
	for (int i = 0; i < NKEYS; i++) {
		if (keys[i].label[0] != '\0')
			fprintf(f, "  %-12s %s\n", keys[i].label, keys[i].help);
	}
}
