/* execmon - one run's event log: scrollable, follows live, payload pretty-printed. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "record.h"
#include "ui.h"

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

void
view_runlog_draw(struct dash *d, struct rect r)
{
	struct run *run = store_find(d->store, d->run_id);
	int listh, y;
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
		    fmt_cost(run->cost_nusd, a, sizeof a), run->cost_estimated ? " (estimated)" : "");
		ui_text(d, y, x, r.w - x, TH_DIM, d->log_abs ? "  (r: relative times)" : "  (r: absolute times)");
	}
	y++;
	listh = (r.h - 1) * 3 / 5;
	if ((int)run->nlog == 0) {
		ui_text(d, y, 1, r.w - 1, TH_DIM, "no events held for this run");
		return;
	}
	if (d->log_follow || d->log_sel >= (int)run->nlog)
		d->log_sel = (int)run->nlog - 1;
	if (d->log_sel < d->log_top)
		d->log_top = d->log_sel;
	if (d->log_sel >= d->log_top + listh)
		d->log_top = d->log_sel - listh + 1;
	for (int i = 0; i < listh && d->log_top + i < (int)run->nlog; i++) {
		struct event e, *ev = &e;
		int sel = d->log_top + i == d->log_sel, x = 1;
		char buf[1024];
		int64_t base = run->queued_ms ? run->queued_ms : run->first_ms;

		run_log_peek(run, (size_t)(d->log_top + i), ev);
		if (sel)
			ui_blank(y + i, 0, r.w);
		if (d->log_abs)
			event_format_time(ev->ts_ms, t, sizeof t);
		else
			snprintf(t, sizeof t, "+%s", fmt_dur(ev->ts_ms - base, a, sizeof a));
		x += ui_textf(d, y + i, x, 26, sel ? TH_SELECT : TH_DIM, "%-*s ", d->log_abs ? 24 : 9, t);
		x += ui_textf(d, y + i, x, 17, sel ? TH_SELECT : TH_ACCENT, "%-16.16s ", ev->type_name);
		detail(ev, buf, sizeof buf);
		ui_text(d, y + i, x, r.w - x, sel ? TH_SELECT : TH_NORMAL, buf);
	}
	if (run->log_dropped > 0)
		ui_textf(d, y + listh - 1, r.w - 30, 30, TH_DIM, "(%" PRIu64 " older not kept)",
		    run->log_dropped);
	/* the selected event's payload, pretty-printed and wrapped */
	y += listh;
	ui_text(d, y++, 0, r.w, TH_TITLE, " event ");
	{
		struct event sel;
		json_t *o;

		run_log_get(run, (size_t)d->log_sel, &sel);
		o = record_json(&sel);
		event_done(&sel);
		char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		char *line = text, *nl;

		while (line != NULL && *line != '\0' && y < r.y + r.h) {
			char safe[2048];
			int len, off = 0;

			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			event_sanitize(line, safe, sizeof safe, 0);
			len = (int)strlen(safe);
			do {
				/* wrap long lines at the width (byte-wise is fine: sanitized text) */
				int take = len - off > r.w - 2 ? r.w - 2 : len - off;
				char part[2048];

				while (take > 0 && off + take < len && (safe[off + take] & 0xc0) == 0x80)
					take--;
				memcpy(part, safe + off, (size_t)take);
				part[take] = '\0';
				ui_text(d, y++, 1, r.w - 1, TH_NORMAL, part);
				off += take;
			} while (off < len && y < r.y + r.h && len > 0);
			line = nl != NULL ? nl + 1 : NULL;
		}
		free(text);
		json_decref(o);
	}
}

int
view_runlog_key(struct dash *d, int ch)
{
	if (ch == 'r')
		d->log_abs = !d->log_abs;
	return 0;
}
