/* execmon - the key table: what each key does, and the help generated from it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

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
	/* What the key does: its own view's or pane's state, and a reaction for the dashboard. */
	struct reaction (*fn)(struct dash *, int ch);
};

static const int windows[] = { 5 * 60000, 15 * 60000, 3600000, 6 * 3600000, 24 * 3600000 };

static struct reaction
k_quit(struct dash *d, int ch)
{
	(void)d;
	(void)ch;
	return react(RE_QUIT);
}

static struct reaction
k_help(struct dash *d, int ch)
{
	struct reaction re = react(RE_OVERLAY);

	(void)ch;
	ui_list_reset(&d->help);
	re.overlay = OV_HELP;
	return re;
}

static struct reaction
k_pause(struct dash *d, int ch)
{
	(void)d;
	(void)ch;
	return react(RE_PAUSE);
}

static struct reaction
k_search(struct dash *d, int ch)
{
	struct reaction re = react(RE_OVERLAY);

	(void)ch;
	re.overlay = OV_PROMPT;
	d->prompt_log = d->view == VIEW_LOG;
	d->prompt[0] = '\0'; /* a new search starts empty */
	d->prompt_len = 0;
	return re;
}

static struct reaction
k_find_next(struct dash *d, int ch)
{
	struct reaction re = react(0);

	log_find(d, ch == 'N' ? -1 : 1, 0, &re);
	return re;
}

static struct reaction
k_view_key(struct dash *d, int ch)
{
	struct reaction re = react(0);

	apply_view(d, ch - '1', &re);
	return re;
}

static struct reaction
k_trace(struct dash *d, int ch)
{
	struct reaction re = react(0);
	struct run *r;

	(void)ch;
	if (d->view == VIEW_LOG) {
		r = store_find(d->store, d->run_id);
		if (r == NULL || r->trace_id == NULL)
			react_say(&re, "this run has no trace id");
		else
			react_open(&re, RE_OPEN_TRACE, r->trace_id);
		return re;
	}
	r = view_kinds[d->view]->selected != NULL ? view_kinds[d->view]->selected(d) : NULL;
	if (r == NULL || r->trace_id == NULL) {
		react_say(&re, "the selected run has no trace id");
		return re;
	}
	{
		struct filter *f = react_filter(&re, d, 0);

		free(f->trace);
		f->trace = xstrdup(r->trace_id);
	}
	return re;
}

static struct reaction
k_status(struct dash *d, int ch)
{
	static const int cycle[] = { -1, RUN_RUNNING, RUN_QUEUED, RUN_COMPLETED, RUN_FAILED,
		RUN_CANCELLED };
	struct reaction re = react(0);
	int i;

	(void)ch;
	for (i = 0; i < 6 && cycle[i] != d->filter.status; i++)
		;
	react_filter(&re, d, 0)->status = cycle[(i + 1) % 6];
	return re;
}

static struct reaction
k_clear(struct dash *d, int ch)
{
	struct reaction re = react(0);
	struct filter *f = react_filter(&re, d, 0);

	(void)ch;
	filter_done(f);
	filter_init(f);
	return re;
}

static struct reaction
k_focus(struct dash *d, int ch)
{
	/* over the panes on screen */
	int n = d->npanes_shown > 0 ? d->npanes_shown : 8;

	d->focus = (d->focus + (ch == KEY_BTAB ? n - 1 : 1)) % n;
	return react(0);
}

struct reaction
k_move(struct dash *d, int ch)
{
	int delta = list_delta(ch);

	if (view_kinds[d->view]->step != NULL)
		view_kinds[d->view]->step(d, delta);
	return react(0);
}

struct reaction
k_enter(struct dash *d, int ch)
{
	(void)ch;
	return view_kinds[d->view]->enter != NULL ? view_kinds[d->view]->enter(d) : react(0);
}

static struct reaction
k_back(struct dash *d, int ch)
{
	struct reaction re = react(0);

	(void)ch;
	if ((d->view == VIEW_DASH || d->view == VIEW_RECENT) && d->has_undo) {
		/* Esc undoes the filter Enter put on a row */
		char err[256];
		struct filter f;

		filter_init(&f);
		if (filter_parse(&f, d->filter_undo, err, sizeof err) == 0) {
			struct filter *to = react_filter(&re, d, -1);

			filter_done(to);
			*to = f;
		} else
			filter_done(&f);
		return re;
	}
	if (d->view == VIEW_TRACE && d->run_id != NULL)
		react_view(&re, VIEW_LOG);
	else if (d->view == VIEW_LOG && d->log_from == VIEW_RECENT)
		react_view(&re, VIEW_RECENT);
	else {
		react_view(&re, VIEW_DASH);
		d->rec_to_ms = 0; /* an anomaly's time is left with its list */
	}
	return re;
}

static struct reaction
k_window(struct dash *d, int ch)
{
	struct reaction re = react(RE_WINDOW);
	int i, n = (int)(sizeof windows / sizeof windows[0]);

	(void)ch;
	for (i = 0; i < n && windows[i] <= d->window_ms; i++)
		;
	re.window_ms = windows[i % n];
	return re;
}

/* The next bundled theme after the one shown; one that does not load is said and skipped. */
static struct reaction
k_theme(struct dash *d, int ch)
{
	static const char *const names[] = {
		"default", "light", "high-contrast", "solarized-dark", "mono"
	};
	struct reaction re = react(0);
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
			re.what |= RE_CLEAR;
			react_say(&re, "theme %s", d->theme.name);
			return re;
		}
		react_say(&re, "theme %s: %s", name, err);
	}
	return re;
}

static struct reaction
k_messages(struct dash *d, int ch)
{
	struct reaction re = react(RE_OVERLAY);

	(void)ch;
	ui_list_reset(&d->msgs);
	re.overlay = OV_MESSAGES;
	return re;
}

/*
 * R: the recent finished runs; F: the same, failed only, in one key (the
 * status filter then says so in the header; f clears it).
 */
static struct reaction
k_recent(struct dash *d, int ch)
{
	struct reaction re = react(0);

	react_view(&re, VIEW_RECENT);
	d->rec_to_ms = 0; /* the whole window */
	if (ch == 'F' && d->filter.status != RUN_FAILED)
		react_filter(&re, d, 0)->status = RUN_FAILED;
	return re;
}

/* O: the focused table's next sort column; I: invert its order. */
static struct reaction
k_table_sort(struct dash *d, int ch)
{
	static const int ncols[3] = { 6, 5, 4 };
	static const char *const names[3][8] = {
		{ "runs", "name", "runs", "ok%", "avg", "live", "cost", "$/run" },
		{ "calls", "name", "calls", "tokens", "cost", "avg", "err" },
		{ "calls", "name", "calls", "p95", "err", "t/out" },
	};
	struct reaction re = react(0);
	int t = d->focus - 5;

	if (t < 0 || t > 2) {
		react_say(&re, "O and I sort the Agents, Models and Tools tables: Tab to one");
		return re;
	}
	if (ch == 'O') {
		d->tsort[t] = (d->tsort[t] + 1) % (ncols[t] + 2);
		/* numbers biggest first, names A to Z, the own order as it comes */
		d->tdesc[t] = d->tsort[t] >= 2;
	} else
		d->tdesc[t] = !d->tdesc[t];
	ui_list_reset(&d->pane[d->focus]);
	react_say(&re, "sorted by %s%s", d->tsort[t] == 0 ? "its own order (by count)" :
	    names[t][d->tsort[t]], d->tdesc[t] ? (d->tsort[t] == 0 ? ", reversed" :
	    ", descending") : d->tsort[t] == 0 ? "" : ", ascending");
	return re;
}

/* E: the top errors of the window. */
static struct reaction
k_errors(struct dash *d, int ch)
{
	struct reaction re = react(0);

	(void)d;
	(void)ch;
	react_view(&re, VIEW_ERRORS);
	return re;
}

static struct reaction
k_sort(struct dash *d, int ch)
{
	static const char *const names[SORT_COUNT] = { "newest", "longest", "agent", "status" };
	struct reaction re = react(0);

	(void)ch;
	d->sort = (d->sort + 1) % SORT_COUNT;
	/* a new order starts at its top, as a new list would */
	ui_list_reset(&d->pane[0]);
	react_say(&re, "runs sorted by %s", names[d->sort]);
	return re;
}

static struct reaction
k_snapshot(struct dash *d, int ch)
{
	(void)d;
	(void)ch;
	return react(RE_SNAPSHOT);
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

static struct reaction
k_copy(struct dash *d, int ch)
{
	/* what is highlighted: the runs pane's row, the trace's row, the log's run */
	struct run *r = view_kinds[d->view]->selected != NULL ?
	    view_kinds[d->view]->selected(d) : NULL;
	const char *what = ch == 'Y' ? "trace id" : "run id";
	const char *v = r == NULL ? NULL : ch == 'Y' ? r->trace_id : r->id;
	struct reaction re = react(0);

	if (v == NULL) {
		react_say(&re, "no %s to copy", what);
		return re;
	}
	osc52(v);
	react_say(&re, "copied %s to the clipboard", what);
	return re;
}

static struct reaction
k_refresh(struct dash *d, int ch)
{
	struct reaction re = react(RE_REFRESH);

	re.refresh_ms = ch == '+' || ch == '=' ? d->refresh_ms / 2 : d->refresh_ms * 2;
	return re;
}

static struct reaction
k_alerts(struct dash *d, int ch)
{
	struct reaction re = react(0);

	(void)ch;
	react_view(&re, d->view == VIEW_ALERTS ? VIEW_DASH : VIEW_ALERTS);
	return re;
}

/* c: the previous window beside the current one. */
static struct reaction
k_compare(struct dash *d, int ch)
{
	(void)d;
	(void)ch;
	return react(RE_COMPARE);
}

/* [ and ]: the whole screen a step back / forward in time; l: live again. */
static struct reaction
k_lookback(struct dash *d, int ch)
{
	struct reaction re = react(RE_TIME);

	(void)d;
	re.time_step = ch == '[' ? -1 : ch == ']' ? 1 : 0;
	return re;
}

/* A key of the view's own (the run log's r, J, K; the alerts' a, z, x, u). */
static struct reaction
k_view(struct dash *d, int ch)
{
	struct reaction re = react(0);

	if (view_kinds[d->view]->key != NULL)
		view_kinds[d->view]->key(d, ch, &re);
	return re;
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
	{ 'a', 0, 0, "a", "in alerts: acknowledge the selected alert, with a note", V_ALERTS, k_view },
	{ 'z', 0, 0, "z", "in alerts: snooze it (15m, 1h, 4h, or until HH:MM)", V_ALERTS, k_view },
	{ 'x', 0, 0, "x", "in alerts: silence alerts whose name matches a glob", V_ALERTS, k_view },
	{ 'u', 0, 0, "u", "in alerts: take back its acknowledgement, snooze, silences", V_ALERTS, k_view },
	{ '+', '=', 0, "+", "refresh faster", V_ALL, k_refresh },
	{ '-', 0, 0, "-", "refresh slower", V_ALL, k_refresh },
};
#define NKEYS ((int)(sizeof keys / sizeof keys[0]))




/* Keys over the help and the messages: the movement keys scroll, every other key closes. */
static struct reaction
overlay_scroll(struct ui_list *l, int ch)
{
	int step = ch == ' ' ? UI_LIST_PAGE_DOWN : list_delta(ch);
	struct reaction re = react(0);

	if (step != 0) {
		struct ui_rows rows = { l->n, NULL, NULL }; /* the rows counted as it was drawn */

		ui_list_move(l, &rows, step);
		return re;
	}
	re.what = RE_OVERLAY;
	re.overlay = OV_NONE;
	return re;
}

/* What key ch does here: the overlay's, the view's own, or the key table's. */
struct reaction
keys_dispatch(struct dash *d, int ch)
{
	const struct view_kind *vk = view_kinds[d->view];
	struct reaction re = react(0);

	if (ch == KEY_MOUSE)
		return keys_mouse(d);
	if (ch == KEY_RESIZE)
		return react(RE_CLEAR);
	if (d->overlay == OV_PROMPT)
		return prompt_key(d, ch);
	if (d->overlay == OV_PICK)
		return pick_key(d, ch);
	if (d->overlay == OV_MESSAGES)
		return overlay_scroll(&d->msgs, ch);
	if (d->overlay == OV_HELP)
		return overlay_scroll(&d->help, ch);
	if (vk->key != NULL && vk->key(d, ch, &re))
		return re;
	for (int i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if ((k->ch == ch || (k->ch2 != 0 && k->ch2 == ch) || (k->ch3 != 0 && k->ch3 == ch)) &&
		    (k->views & (1 << d->view)))
			return k->fn(d, ch);
	}
	return re;
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
				size_t take = tw_take_words(t + off, textw,
				    d->utf8 ? 0 : TW_ASCII);
				char buf[256];

				if (take == 0)
					take = len - off;
				if (pass == 1 && ln >= d->help.top && shown < in.h) {
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
		if (pass == 0) {
			struct ui_rows rows = { lines, NULL, NULL };

			ui_list_show(&d->help, &rows, in.h, 0);
		}
	}
	if (lines > in.h)
		snprintf(title, sizeof title, " keys %d-%d of %d (j/k, PgUp/PgDn scroll; other keys close) ",
		    d->help.top + 1, d->help.top + shown, lines);
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
