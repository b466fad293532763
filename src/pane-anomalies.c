/* execmon - the anomalies pane: newest first, severity colours, why each fired. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "anomaly.h"
#include "event.h"
#include "textwidth.h"
#include "ui.h"

/* A sentence over the rows of r from y, wrapped between words. */
static void
say(struct dash *d, struct rect r, int y, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
say(struct dash *d, struct rect r, int y, enum theme_role role, const char *fmt, ...)
{
	char text[512], line[512];
	const char *p = text;
	int flags = d->utf8 ? 0 : TW_ASCII;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	for (; *p != '\0' && y < r.y + r.h; y++) {
		size_t n = y + 1 < r.y + r.h ? tw_take_words(p, r.w - 1, flags) :
		    strlen(p); /* the last row: cut with an ellipsis */

		snprintf(line, sizeof line, "%.*s", (int)n, p);
		ui_text(d, y, r.x + 1, r.w - 1, role, line);
		p += n;
		while (*p == ' ')
			p++;
	}
}

/*
 * Nothing to list: say what is true, never "normal" when the rules could
 * not judge (a source down, a status filter, too little history, no data).
 */
static void
say_why_none(struct dash *d, struct rect r, int y)
{
	const struct metrics *m = d->m;
	char win[32];
	int need = ANOMALY_HISTORY_MIN + 1;

	if (d->filter.status >= 0)
		say(d, r, y, TH_WARN,
		    "not judged under a status filter: the rules need every run (f clears)");
	else if (m->anomaly_history == 0 && m->total == 0 && m->nrunning == 0)
		say(d, r, y, TH_DIM,
		    "nothing to judge: no run started or finished in the window");
	else if (m->anomaly_judged == 0 && m->window_ms < (int64_t)(need + 1) * 60000)
		say(d, r, y, TH_WARN,
		    "not judged: a %s window is too short (the rules need %d minutes; w)",
		    format_window(m->window_ms, win, sizeof win), need);
	else if (m->anomaly_judged == 0)
		say(d, r, y, TH_WARN,
		    "not enough history to judge: %d of %d minutes",
		    m->anomaly_history, need);
	else
		say(d, r, y, TH_DIM,
		    "none in %d minute%s judged%s: throughput, failures, latency normal",
		    m->anomaly_judged, m->anomaly_judged == 1 ? "" : "s",
		    filter_active(&d->filter) ? " (filtered runs)" : "");
}

/* Row k of the list: the flagged runs, then the anomalies (newest first). */
static void
draw_item(struct dash *d, const struct metrics *m, size_t k, int y, struct rect r, int sel)
{
	int x = r.x + 1;

	if (sel)
		ui_blank(y, r.x, r.w);
	if (k < m->nflags) {
		const struct flagged *f = &m->flags[k];
		char why[160];

		x += ui_textf(d, y, x, r.w - 1, sel ? TH_SELECT : TH_ERR, "%s ",
		    f->reason == FLAG_RUNAWAY_TOKENS ? "RUNAWAY" : "STUCK");
		ui_textf(d, y, x, r.w - (x - r.x), sel ? TH_SELECT : TH_NORMAL, "%s: %s",
		    f->run->id, metrics_flag_why(f, why, sizeof why));
	} else {
		const struct anomaly *a = &m->anomalies[k - m->nflags];
		char t[40];
		enum theme_role role = a->severity == SEV_HIGH ? TH_ERR :
		    a->severity == SEV_MEDIUM ? TH_WARN : TH_ACCENT;

		event_format_time(a->ts_ms, t, sizeof t);
		x += ui_textf(d, y, x, r.w - 1, sel ? TH_SELECT : TH_DIM, "%.5s ", t + 11);
		x += ui_textf(d, y, x, r.w - (x - r.x), sel ? TH_SELECT : role, "%s %s ",
		    severity_name(a->severity), anomaly_type_name(a->type));
		ui_text(d, y, x, r.w - (x - r.x), sel ? TH_SELECT : TH_NORMAL, a->description);
	}
}

/* A row's key: a flagged run's id, an anomaly's type and start. */
static const char *
item_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct metrics *m = ctx;

	if ((size_t)i < m->nflags)
		snprintf(buf, size, "run %s", m->flags[i].run->id);
	else
		snprintf(buf, size, "%s %lld", anomaly_type_name(m->anomalies[(size_t)i - m->nflags].type),
		    (long long)m->anomalies[(size_t)i - m->nflags].ts_ms);
	return buf;
}

static struct ui_rows
rows_of(struct dash *d)
{
	return (struct ui_rows){ (int)(d->m->nflags + d->m->nanomalies), item_key, d->m };
}

static void
draw(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	struct ui_rows rows = rows_of(d);
	struct ui_list *l = &d->pane[4];
	int y = r.y, n = rows.n, shown;
	char name[128];

	/* a source down comes first: what follows may be out of date */
	if (dash_sources_down(name, sizeof name) > 0) {
		if (n == 0) {
			say(d, r, y, TH_WARN,
			    "cannot judge: %s is down; the figures are stale", name);
			return;
		}
		ui_textf(d, y++, r.x + 1, r.w - 1, TH_WARN,
		    "cannot judge: %s is down; the figures are stale", name);
	}
	if (n == 0) {
		say_why_none(d, r, y);
		return;
	}
	/* the list scrolls (Tab here, then j/k); a last row says what is hidden */
	shown = ui_list_show(l, &rows, r.y + r.h - y, 1);
	for (int i = 0; i < shown; i++, y++)
		draw_item(d, m, (size_t)(l->top + i), y, r, focused && l->top + i == l->sel);
	if (ui_list_more(l) > 0)
		ui_textf(d, y, r.x + 1, r.w - 1, TH_DIM, "+%d more (Tab here, j/k)",
		    ui_list_more(l));
}

const struct pane_kind pane_anomalies = {
	.name = "anomalies",
	.title = "Anomalies & stuck runs",
	.draw = draw,
	.rows = rows_of,
	.lead = 1,
};
