/* execmon - top errors: errors grouped by class and folded message, most first. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "textwidth.h"
#include "ui.h"
#include "xmalloc.h"

/* Computed once per recompute of the figures (the filter and window are in them). */
static struct {
	const struct metrics *m;
	uint64_t version;
	struct errors *e;
} top;

static struct errors *
compute(struct dash *d)
{
	if (top.e != NULL && top.m == d->m && top.version == store_version(d->store))
		return top.e;
	errors_free(top.e);
	top.e = errors_compute(d->store, &d->filter, d->now_ms, d->window_ms);
	top.m = d->m;
	top.version = store_version(d->store);
	return top.e;
}

/* "a, b, c" of a name list, "+" when there were more. */
static void
names(const struct errors_names *n, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n->n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", n->name[i]);
	if (n->more && off < size)
		snprintf(buf + off, size - off, ", ...");
}

static const char *
group_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct errors *e = ctx;

	snprintf(buf, size, "%s: %s", e->groups[i].class, e->groups[i].message);
	return buf;
}

/* The groups as rows, known by class and folded message. */
static struct ui_rows
rows_of(struct errors *e)
{
	return (struct ui_rows){ (int)e->ngroups, group_key, e };
}

const struct error_group *
view_errors_selected(struct dash *d)
{
	struct errors *e = compute(d);
	struct ui_rows rows = rows_of(e);
	int i;

	ui_list_sync(&d->err, &rows);
	i = ui_list_selected(&d->err);
	return i >= 0 ? &e->groups[i] : NULL;
}

void
view_errors_move(struct dash *d, int delta)
{
	struct errors *e = compute(d);
	struct ui_rows rows = rows_of(e);

	ui_list_move(&d->err, &rows, delta);
}

void
view_errors_draw(struct dash *d, struct rect r)
{
	struct errors *e = compute(d);
	struct ui_rows rows = rows_of(e);
	struct ui_list *l = &d->err;
	int per = 2, shown;
	char title[200], win[16];

	snprintf(title, sizeof title, " top errors: %llu in %s, %zu kinds"
	    " (Enter: the runs with it, Esc: back) ", (unsigned long long)e->total,
	    format_window(d->window_ms, win, sizeof win), e->ngroups);
	ui_blank(r.y, 0, r.w);
	ui_text(d, r.y, 0, r.w, TH_FOCUS, title);
	ui_textf(d, r.y + 1, 1, r.w - 1, TH_DIM, "%6s  %-5s %s", "count", "where",
	    "error (numbers, ids and quoted values folded); first and last seen, who");
	if (e->ngroups == 0) {
		ui_text(d, r.y + 2, 1, r.w - 1, TH_DIM, "no error in the window");
		return;
	}
	shown = ui_list_show(l, &rows, (r.h - 2) / per, 1);
	for (int i = 0; i < shown; i++) {
		const struct error_group *g = &e->groups[l->top + i];
		int y = r.y + 2 + i * per, x = 1, sel = l->top + i == l->sel;
		char a[16], b[16], ag[160], mo[160], to[160], line[640];

		if (sel) {
			ui_blank(y, 0, r.w);
			ui_blank(y + 1, 0, r.w);
		}
		x += ui_textf(d, y, x, 8, sel ? TH_SELECT : TH_ACCENT, "%6llu  ",
		    (unsigned long long)g->count);
		x += ui_textf(d, y, x, 6, sel ? TH_SELECT : TH_DIM, "%-5s ",
		    errors_where_name(g->where));
		snprintf(line, sizeof line, "%s%s%s", g->class, g->message[0] ? ": " : "",
		    g->message);
		ui_text(d, y, x, r.w - x, sel ? TH_SELECT : TH_ERR, line);
		names(&g->agents, ag, sizeof ag);
		names(&g->models, mo, sizeof mo);
		names(&g->tools, to, sizeof to);
		ui_textf(d, y + 1, 15, r.w - 15, sel ? TH_SELECT : TH_DIM,
		    "%s to %s, %llu run%s%s%s%s%s%s%s", format_hms(g->first_ms, a, sizeof a),
		    format_hms(g->last_ms, b, sizeof b), (unsigned long long)g->runs,
		    g->runs == 1 ? "" : "s", ag[0] ? "; agents " : "", ag,
		    mo[0] ? "; models " : "", mo, to[0] ? "; tools " : "", to);
	}
	ui_more(d, r.y + 2 + shown * per, 0, r.w, ui_list_more(l));
}

void
view_errors_done(void)
{
	errors_free(top.e);
	memset(&top, 0, sizeof top);
}

/* Enter: everything filtered to that error; the recent runs that had it (Esc undoes). */
static struct reaction
errors_enter(struct dash *d)
{
	const struct error_group *g = view_errors_selected(d);
	struct reaction re = react(0);
	struct filter *f;
	char spec[600];

	if (g == NULL)
		return re;
	snprintf(spec, sizeof spec, "%s%s%s", g->class, g->message[0] ? ": " : "", g->message);
	f = react_filter(&re, d, 1);
	free(f->error);
	f->error = xstrdup(spec);
	react_view(&re, VIEW_RECENT);
	d->rec_to_ms = 0;
	return re;
}

const struct view_kind view_errors = {
	.name = "errors",
	.draw = view_errors_draw,
	.step = view_errors_move,
	.enter = errors_enter,
};
