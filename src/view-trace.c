/* execmon - a trace: the runs sharing a trace_id, as a tree by parent_run_id. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "xmalloc.h"

struct node {
	const struct run *run;
	int depth;
	int last;      /* last child of its parent */
	unsigned mask; /* which ancestor levels still have siblings below */
};

static int
by_start(const void *a, const void *b)
{
	const struct run *x = *(const struct run *const *)a, *y = *(const struct run *const *)b;
	int64_t tx = x->first_ms, ty = y->first_ms;

	return tx < ty ? -1 : tx > ty ? 1 : strcmp(x->id, y->id);
}

static int
in_set(const struct run *const *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i]->id, id) == 0)
			return 1;
	}
	return 0;
}

/* Depth-first, children in start order; cycles are cut by the visited mark. */
static void
walk(const struct run **v, size_t n, const char *parent, int depth, unsigned mask,
    char *seen, struct node *out, size_t *no)
{
	size_t kids[256], nk = 0;

	for (size_t i = 0; i < n && nk < 256; i++) {
		int root = v[i]->parent_run_id == NULL || !in_set(v, n, v[i]->parent_run_id);

		if (seen[i])
			continue;
		if ((parent == NULL && root) ||
		    (parent != NULL && v[i]->parent_run_id && strcmp(v[i]->parent_run_id, parent) == 0))
			kids[nk++] = i;
	}
	for (size_t k = 0; k < nk; k++) {
		size_t i = kids[k];

		if (seen[i])
			continue;
		seen[i] = 1;
		out[*no] = (struct node){ v[i], depth, k == nk - 1, mask };
		(*no)++;
		walk(v, n, v[i]->id, depth + 1,
		    depth < 31 && k != nk - 1 ? mask | (1u << depth) : mask, seen, out, no);
	}
}

static size_t
build(struct dash *d, struct node **out)
{
	struct run *const *runs;
	size_t n = store_trace(d->store, d->trace_id, &runs), no = 0;
	const struct run **v;
	char *seen;

	v = xcalloc(n ? n : 1, sizeof *v);
	memcpy(v, runs, n * sizeof *v);
	qsort(v, n, sizeof *v, by_start);
	seen = xcalloc(n ? n : 1, 1);
	*out = xcalloc(n ? n : 1, sizeof **out);
	walk(v, n, NULL, 0, 0, seen, *out, &no);
	for (size_t i = 0; i < n; i++) { /* anything left (cycles) goes at the top level */
		if (!seen[i])
			(*out)[no++] = (struct node){ v[i], 0, 1, 0 };
	}
	free(seen);
	free(v);
	return no;
}

static const char *
node_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct node *nodes = ctx;

	(void)buf;
	(void)size;
	return nodes[i].run->id;
}

void
view_trace_draw(struct dash *d, struct rect r)
{
	struct node *nodes;
	size_t n = build(d, &nodes);
	struct ui_rows rows = { (int)n, node_key, nodes };
	struct ui_list *l = &d->trace;
	int shown;

	ui_textf(d, r.y, 0, r.w, TH_FOCUS, " trace %s: %zu runs (Enter: a run's log, Esc: back) ",
	    d->trace_id, n);
	shown = ui_list_show(l, &rows, r.h - 1, 1);
	for (int i = 0; i < shown; i++) {
		const struct node *nd = &nodes[l->top + i];
		const struct run *run = nd->run;
		int y = r.y + 1 + i, x = 1, sel = l->top + i == l->sel;
		char prefix[256] = "", a[32];
		size_t p = 0;
		int64_t dur = run->finished_ms && run->started_ms ? run->finished_ms - run->started_ms :
		    run->started_ms ? d->now_ms - run->started_ms : -1;

		for (int k = 1; k < nd->depth && p + 8 < sizeof prefix; k++)
			p += (size_t)snprintf(prefix + p, sizeof prefix - p, "%s",
			    nd->mask & (1u << k) ? (d->utf8 ? "│  " : "|  ") : "   ");
		if (nd->depth > 0 || 1)
			snprintf(prefix + p, sizeof prefix - p, "%s",
			    nd->depth == 0 ? "" : nd->last ? (d->utf8 ? "└─ " : "`- ") : (d->utf8 ? "├─ " : "|- "));
		if (sel)
			ui_blank(y, 0, r.w);
		x += ui_text(d, y, x, r.w - x, TH_DIM, prefix);
		x += ui_textf(d, y, x, r.w - x, sel ? TH_SELECT : status_role(run->status), "%s %s ",
		    status_glyph(d, run->status), run->id);
		ui_textf(d, y, x, r.w - x, sel ? TH_SELECT : TH_NORMAL, " %s  %s  %s",
		    run->agent_name ? run->agent_name : "-", run_status_name(run->status),
		    format_dur(dur, a, sizeof a));
	}
	ui_more(d, r.y + 1 + shown, 0, r.w, ui_list_more(l));
	free(nodes);
}

struct run *
view_trace_selected(struct dash *d)
{
	struct node *nodes;
	size_t n = build(d, &nodes);
	struct ui_rows rows = { (int)n, node_key, nodes };
	struct run *r = NULL;
	int i;

	ui_list_sync(&d->trace, &rows);
	if ((i = ui_list_selected(&d->trace)) >= 0)
		r = store_find(d->store, nodes[i].run->id);
	free(nodes);
	return r;
}


static void
trace_move(struct dash *d, int delta)
{
	struct node *nodes;
	size_t n = build(d, &nodes);
	struct ui_rows rows = { (int)n, node_key, nodes };

	ui_list_move(&d->trace, &rows, delta);
	free(nodes);
}

/* Enter: the highlighted run's log. */
static struct reaction
trace_enter(struct dash *d)
{
	struct reaction re = react(0);
	struct run *r = view_trace_selected(d);

	if (r != NULL)
		react_open(&re, RE_OPEN_LOG, r->id);
	return re;
}

const struct view_kind view_trace = {
	.name = "trace",
	.draw = view_trace_draw,
	.step = trace_move,
	.enter = trace_enter,
	.selected = view_trace_selected,
};
