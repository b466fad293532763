/* execmon - one run's event log: scrollable, follows live, payload pretty-printed. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "record.h"
#include "textwidth.h"
#include "ui.h"
#include "view-runlog-bodies.h"

/* What a row says of an event whose body is not shown. */
static const char *
body_note(enum rl_body b)
{
	switch (b) {
	case RLB_LOADING:
		return "loading...";
	case RLB_GONE:
		return "gone: Redis no longer holds this entry";
	case RLB_BAD:
		return "no longer decodes as it did";
	case RLB_ERROR:
		return "cannot be read back from Redis";
	case RLB_NOT_KEPT:
		return "body not kept (log budget)";
	default:
		return "";
	}
}

static void
detail(const struct event *ev, char *buf, size_t size)
{
	json_t *o = event_to_json(ev);
	/* identity fields are in the view's header line; show what changes */
	const char *skip[] = { "type", "ts", "run_id", "agent_id", "agent_name",
		"agent_version", "trace_id", "span_id", "parent_run_id", "root_run_id",
		"request_id", "user_id", "workspace_id", "source", NULL };
	const char *k;
	json_t *v;
	size_t n = 0;

	buf[0] = '\0';
	json_object_foreach(o, k, v) {
		int s = 0;
		char *val;

		for (int i = 0; skip[i] != NULL; i++)
			s |= strcmp(k, skip[i]) == 0;
		if (s || n >= size)
			continue;
		val = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		n += (size_t)snprintf(buf + n, size - n, "%s=%s ", k, val ? val : json_string_value(v));
		free(val);
	}
	json_decref(o);
}

/* An event's key: its place in all the run's events, the dropped ones counted. */
static const char *
event_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct run *run = ctx;

	snprintf(buf, size, "%" PRIu64, run->log_dropped + (uint64_t)i);
	return buf;
}

static struct ui_rows
rows_of(const struct run *run)
{
	return (struct ui_rows){ run != NULL ? (int)run->nlog : 0, event_key, run };
}

void
view_runlog_draw(struct dash *d, struct rect r)
{
	struct run *run = store_find(d->store, d->run_id);
	struct ui_rows rows = rows_of(run);
	struct ui_list *l = &d->log;
	int listh, y, shown;
	char t[48], a[32];

	if (run == NULL) {
		ui_textf(d, r.y, 1, r.w - 1, TH_WARN, "run %s is no longer held (evicted); Esc to go back",
		    d->run_id);
		return;
	}
	ui_blank(r.y, r.x, r.w);
	y = r.y;
	{
		int x = 0;

		x += ui_textf(d, y, x, r.w, TH_FOCUS, " run %s ", run->id);
		x += ui_textf(d, y, x, r.w - x, status_role(run->status), " %s %s ",
		    status_glyph(d, run->status), run_status_name(run->status));
		x += ui_textf(d, y, x, r.w - x, TH_NORMAL, " agent %s  trace %s  %" PRId64 " tokens  %s%s%s",
		    run->agent_name ? run->agent_name : "-", run->trace_id ? run->trace_id : "-",
		    run->input_tokens + run->output_tokens, run->cost_estimated ? "~" : "",
		    format_cost(run->cost_nusd, a, sizeof a), run->cost_estimated ? " (estimated)" : "");
		ui_text(d, y, x, r.w - x, TH_DIM, d->log_abs ? "  (r: relative times)" : "  (r: absolute times)");
	}
	y++;
	/* a failed run says why, in full (wrapped, two rows at most) */
	if (run->error_class != NULL || run->error_message != NULL) {
		char err[1200];
		size_t off = 0, len;

		snprintf(err, sizeof err, "error: %s%s%s", run->error_class ? run->error_class : "",
		    run->error_class && run->error_message ? ": " : "",
		    run->error_message ? run->error_message : "");
		len = strlen(err);
		for (int k = 0; k < 2 && off < len && y < r.y + r.h - 3; k++, y++) {
			size_t take = tw_take(err + off, r.w - 2, d->utf8 ? 0 : TW_ASCII);
			char c;

			if (take == 0)
				break;
			if (k == 1 && off + take < len) /* the rest is in the event below */
				take = tw_take(err + off, r.w - 4, d->utf8 ? 0 : TW_ASCII);
			c = err[off + take];
			err[off + take] = '\0';
			ui_blank(y, 0, r.w);
			ui_text(d, y, 1, r.w - 1, TH_ERR, err + off);
			if (k == 1 && c != '\0')
				ui_text(d, y, r.w - 2, 1, TH_DIM, d->utf8 ? "…" : "+");
			err[off + take] = c;
			off += take;
		}
	}
	listh = (r.y + r.h - y) * 3 / 5;
	rl_bodies_prepare(d, run);
	if ((int)run->nlog == 0) {
		ui_text(d, y, 1, r.w - 1, TH_DIM, "no events held for this run");
		return;
	}
	shown = ui_list_show(l, &rows, listh, 1);
	for (int i = 0; i < shown; i++) {
		struct event e, *ev = &e;
		const struct event *body;
		int sel = l->top + i == l->sel, x = 1;
		char buf[1024], type[128];
		int64_t base = run->queued_ms ? run->queued_ms : run->first_ms;
		enum rl_body b = rl_bodies_get(run, (size_t)(l->top + i), &body);

		run_log_peek(run, (size_t)(l->top + i), ev);
		if (sel)
			ui_blank(y + i, 0, r.w);
		/* events holding the search are marked */
		if (d->log_search[0] != '\0' &&
		    run_log_event_has_text(run, (size_t)(l->top + i), d->log_search))
			ui_text(d, y + i, 0, 1, TH_WARN, d->utf8 ? "▸" : ">");
		if (d->log_abs)
			event_format_time(ev->ts_ms, t, sizeof t);
		else
			snprintf(t, sizeof t, "+%s", format_dur(ev->ts_ms - base, a, sizeof a));
		x += ui_textf(d, y + i, x, 26, sel ? TH_SELECT : TH_DIM, "%-*s ", d->log_abs ? 24 : 9, t);
		tw_fit(ev->type_name, 16, d->utf8 ? 0 : TW_ASCII, type, sizeof type);
		x += ui_textf(d, y + i, x, 17, sel ? TH_SELECT : TH_ACCENT, "%s ", type);
		if (b == RLB_HELD || b == RLB_FETCHED) {
			detail(b == RLB_FETCHED ? body : ev, buf, sizeof buf);
			ui_text(d, y + i, x, r.w - x, sel ? TH_SELECT : TH_NORMAL, buf);
		} else {
			/* what is held of it, after what became of the rest */
			int n = snprintf(buf, sizeof buf, "(%s) ", body_note(b));

			if (n > 0 && (size_t)n < sizeof buf)
				detail(ev, buf + n, sizeof buf - (size_t)n);
			ui_text(d, y + i, x, r.w - x, sel ? TH_SELECT : b == RLB_LOADING ?
			    TH_DIM : TH_WARN, buf);
		}
	}
	{
		size_t loading, gone;
		char note[160];
		int n = 0;

		rl_bodies_counts(&loading, &gone);
		note[0] = '\0';
		if (loading > 0)
			n += snprintf(note + n, sizeof note - (size_t)n,
			    "(loading %zu from Redis) ", loading);
		if (gone > 0 && n >= 0 && (size_t)n < sizeof note)
			n += snprintf(note + n, sizeof note - (size_t)n,
			    "(%zu gone from Redis) ", gone);
		if (run->log_dropped > 0 && n >= 0 && (size_t)n < sizeof note)
			snprintf(note + n, sizeof note - (size_t)n, "(%" PRIu64
			    " older not kept)", run->log_dropped);
		if (note[0] != '\0') {
			int w = (int)strlen(note) < r.w - 2 ? (int)strlen(note) : r.w - 2;

			ui_text(d, y + listh - 1, r.w - w - 1, w, TH_DIM, note);
		}
	}
	ui_more(d, y + shown, 0, r.w, ui_list_more(l));
	/* the selected event's payload, pretty-printed, wrapped, scrolled with J/K */
	y += listh;
	{
		struct event sel;
		const struct event *body;
		enum rl_body b = rl_bodies_get(run, (size_t)l->sel, &body);
		json_t *o;
		char *text, *line, *nl, more[160];
		int total = 0, dshown = 0, room = r.y + r.h - y - 1;

		if (b == RLB_FETCHED)
			o = record_json(body);
		else {
			run_log_get(run, (size_t)l->sel, &sel);
			o = record_json(&sel);
			event_done(&sel);
		}
		text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		json_decref(o);
		/* count the wrapped lines, then draw those from detail_top */
		for (int pass = 0; pass < 2; pass++) {
			int ln = 0;

			for (line = text; line != NULL && *line != '\0'; line = nl != NULL ? nl + 1 : NULL) {
				size_t off = 0, len;

				nl = strchr(line, '\n');
				if (nl != NULL)
					*nl = '\0';
				len = strlen(line);
				do {
					size_t take = tw_take(line + off, r.w - 2,
					    d->utf8 ? 0 : TW_ASCII);

					if (pass == 1 && ln >= d->detail.top && dshown < room) {
						char c = line[off + take];

						line[off + take] = '\0';
						ui_text(d, y + 1 + dshown, 1, r.w - 1, TH_NORMAL, line + off);
						line[off + take] = c;
						dshown++;
					}
					ln++;
					off += take > 0 ? take : len - off;
				} while (off < len);
				if (nl != NULL)
					*nl = '\n';
			}
			total = ln;
			if (pass == 0) {
				struct ui_rows lines = { total, NULL, NULL };

				ui_list_show(&d->detail, &lines, room, 0);
			}
		}
		free(text);
		if (total > room)
			snprintf(more, sizeof more, " event (lines %d-%d of %d, J/K scroll) ",
			    d->detail.top + 1, d->detail.top + dshown, total);
		else
			snprintf(more, sizeof more, " event ");
		if (b != RLB_HELD && b != RLB_FETCHED) {
			/* what is held of it: the figures, not the body */
			size_t n = strlen(more);

			snprintf(more + n, sizeof more - n, "- %s%s%s; what execmon kept of it ",
			    body_note(b), b == RLB_ERROR && rl_bodies_error()[0] ? ": " : "",
			    b == RLB_ERROR ? rl_bodies_error() : "");
		}
		ui_text(d, y, 0, r.w, TH_TITLE, more);
	}
}

/* The run log's own keys: r relative / absolute times, J and K scroll the event detail. */
static int
runlog_key(struct dash *d, int ch, struct reaction *re)
{
	(void)re;
	if (ch == 'r')
		d->log_abs = !d->log_abs;
	else if (ch == 'J' || ch == 'K') {
		struct ui_rows lines = { d->detail.n, NULL, NULL }; /* as counted when drawn */

		ui_list_move(&d->detail, &lines, ch == 'J' ? 3 : -3);
	} else
		return 0;
	return 1;
}

/* The movement keys; End follows the log live, any other stops following. */
static void
runlog_move(struct dash *d, int delta)
{
	struct ui_rows rows = rows_of(d->run_id ? store_find(d->store, d->run_id) : NULL);

	ui_list_move(&d->log, &rows, delta);
	ui_list_reset(&d->detail);
}

static struct run *
runlog_selected(struct dash *d)
{
	return d->run_id ? store_find(d->store, d->run_id) : NULL;
}

const struct view_kind view_runlog = {
	.name = "log",
	.draw = view_runlog_draw,
	.step = runlog_move,
	.key = runlog_key,
	.selected = runlog_selected,
};
