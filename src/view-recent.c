/* execmon - recent runs: the finished runs of the window, newest first, errors in full. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "textwidth.h"
#include "ui.h"
#include "xmalloc.h"

/*
 * The list is built once per recompute of the figures (the filters and the
 * window are in them): every finished run in the window that passes the
 * filter, newest finish first. Bounded by the runs the store holds.
 */
static struct {
	const struct metrics *m;  /* the figures it was built for */
	uint64_t version;
	struct run **v;
	size_t n, cap;
	int64_t from, to;         /* the span it was built for */
} rec;

static int
cmp_finish(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a, *y = *(struct run *const *)b;

	if (x->finished_ms != y->finished_ms)
		return x->finished_ms > y->finished_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

static size_t
build(struct dash *d)
{
	int64_t from = d->now_ms - d->window_ms, to = d->now_ms;

	if (d->rec_to_ms > 0) { /* an anomaly's time */
		from = d->rec_from_ms - 1;
		to = d->rec_to_ms - 1;
	}
	if (rec.m == d->m && rec.version == store_version(d->store) &&
	    rec.from == from && rec.to == to)
		return rec.n;
	rec.m = d->m;
	rec.version = store_version(d->store);
	rec.from = from;
	rec.to = to;
	rec.n = 0;
	for (size_t i = 0; i < store_nruns(d->store); i++) {
		struct run *r = store_run_at(d->store, i);

		if (!run_is_finished(r) || r->finished_ms <= from || r->finished_ms > to ||
		    !filter_match(&d->filter, r))
			continue;
		if (rec.n == rec.cap) {
			rec.cap = rec.cap ? rec.cap * 2 : 256;
			rec.v = xrealloc(rec.v, rec.cap * sizeof *rec.v);
		}
		rec.v[rec.n++] = r;
	}
	qsort(rec.v, rec.n, sizeof *rec.v, cmp_finish);
	return rec.n;
}

static const char *
run_key(const void *ctx, int i, char *buf, size_t size)
{
	(void)ctx;
	(void)buf;
	(void)size;
	return rec.v[i]->id;
}

/* The list's rows, built for what is shown now, known by run id. */
static struct ui_rows
rows_of(struct dash *d)
{
	return (struct ui_rows){ (int)build(d), run_key, NULL };
}

struct run *
view_recent_selected(struct dash *d)
{
	struct ui_rows rows = rows_of(d);
	int i;

	ui_list_sync(&d->rec, &rows);
	i = ui_list_selected(&d->rec);
	return i >= 0 ? rec.v[i] : NULL;
}

void
view_recent_move(struct dash *d, int delta)
{
	struct ui_rows rows = rows_of(d);

	ui_list_move(&d->rec, &rows, delta);
}

void
view_recent_draw(struct dash *d, struct rect r)
{
	struct ui_rows rows = rows_of(d);
	size_t n = (size_t)rows.n;
	int h = r.h - 2, wide = r.w >= 110, shown;
	struct ui_list *l = &d->rec;
	char title[320], expr[128], win[16];

	filter_format(&d->filter, expr, sizeof expr);
	if (d->rec_to_ms > 0) {
		char a[16], b[16];

		snprintf(win, sizeof win, "%s", "");
		snprintf(title, sizeof title, " runs finished %s to %s (the anomaly's time)%s%s,"
		    " newest first (Enter: its log, Esc: back) ",
		    format_hm(d->rec_from_ms, a, sizeof a), format_hm(d->rec_to_ms, b, sizeof b),
		    expr[0] ? ", " : "", expr);
	} else
		snprintf(title, sizeof title, " recent runs: %zu finished in %s%s%s, newest first"
		    " (Enter: its log, s: status, F: failed, Esc: back) ", n,
		    format_window(d->window_ms, win, sizeof win), expr[0] ? ", " : "", expr);
	ui_blank(r.y, 0, r.w);
	ui_text(d, r.y, 0, r.w, TH_FOCUS, title);
	/* narrow: the model column gives way, so the error has room */
	ui_textf(d, r.y + 1, 1, r.w - 1, TH_DIM, "%-10s %-*s %-*s %-*s%8s %9s  %s", "finished",
	    wide ? 16 : 12, "run", wide ? 14 : 10, "agent", wide ? 18 : 0, wide ? "model" : "",
	    "took", "cost", "error");
	if (n == 0) {
		ui_text(d, r.y + 2, 1, r.w - 1, TH_DIM, expr[0] ?
		    "no finished run in the window matches the filter" :
		    "no run finished in the window");
		return;
	}
	shown = ui_list_show(l, &rows, h, 1);
	for (int i = 0; i < shown; i++) {
		const struct run *run = rec.v[l->top + i];
		int y = r.y + 2 + i, x = 0, sel = l->top + i == l->sel;
		enum theme_role base = sel ? TH_SELECT : TH_NORMAL;
		char t[16], id[96], ag[96], mo[96], a[32], b[32], err[600];

		if (sel)
			ui_blank(y, 0, r.w);
		x += ui_textf(d, y, x, 2, sel ? TH_SELECT : status_role(run->status), "%s ",
		    status_glyph(d, run->status));
		x += ui_textf(d, y, x, 10, sel ? TH_SELECT : TH_DIM, "%s ",
		    format_hms(run->finished_ms, t, sizeof t));
		tw_fit(run->id, wide ? 16 : 12, TW_TAIL | (d->utf8 ? 0 : TW_ASCII), id, sizeof id);
		tw_fit(run->agent_name ? run->agent_name : run->agent_id ? run->agent_id : "-",
		    wide ? 14 : 10, d->utf8 ? 0 : TW_ASCII, ag, sizeof ag);
		tw_fit(run->model_id ? run->model_id : "-", wide ? 17 : 10, d->utf8 ? 0 : TW_ASCII,
		    mo, sizeof mo);
		if (!wide)
			mo[0] = '\0';
		x += ui_textf(d, y, x, r.w - x, base, "%s %s %s%s%8s %9s  ", id, ag, mo,
		    wide ? " " : "",
		    run->started_ms ? format_dur(run->finished_ms - run->started_ms, a, sizeof a) : "-",
		    format_cost(run->cost_nusd, b, sizeof b));
		if (run->error_class != NULL || run->error_message != NULL) {
			snprintf(err, sizeof err, "%s%s%s", run->error_class ? run->error_class : "",
			    run->error_class && run->error_message ? ": " : "",
			    run->error_message ? run->error_message : "");
			ui_text(d, y, x, r.w - x, sel ? TH_SELECT : TH_ERR, err);
		} else
			ui_text(d, y, x, r.w - x, sel ? TH_SELECT : TH_DIM,
			    run_status_name(run->status));
	}
	ui_more(d, r.y + 2 + shown, 0, r.w, ui_list_more(l));
}

void
view_recent_done(void)
{
	free(rec.v);
	memset(&rec, 0, sizeof rec);
}

static struct reaction
recent_enter(struct dash *d)
{
	struct run *r = view_recent_selected(d);
	struct reaction re = react(0);

	if (r == NULL)
		react_say(&re, "no run selected");
	else
		react_open(&re, RE_OPEN_LOG, r->id);
	return re;
}

const struct view_kind view_recent = {
	.name = "recent",
	.draw = view_recent_draw,
	.step = view_recent_move,
	.enter = recent_enter,
	.selected = view_recent_selected,
};
