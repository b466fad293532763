/* execmon - the dashboard's top two lines and its status line. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "event.h"
#include "loop.h"
#include "source.h"
#include "ui.h"

/* The header: sources, rates, window, filters, PAUSED, clock. */
void
dash_draw_header(struct dash *d, int w)
{
	char buf[256], t[32];
	int x = 0, right;
	int64_t now = loop_now_ms();
	uint64_t mal = 0;
	time_t secs = (time_t)(now / 1000);
	struct tm tm;

	struct seg {
		char text[300];
		enum theme_role role;
	} segs[6];
	int nseg = 0, limit;

	for (size_t i = 0; i < sources_count(); i++)
		mal += sources_get((int)i)->malformed_total;
	attrset(ui_attr(d, TH_HEADER));
	mvhline(0, 0, ' ', w);
	gmtime_r(&secs, &tm);
	strftime(t, sizeof t, "%H:%M:%SZ", &tm);

	/* The right side goes first, so a narrow screen loses source names, not the state. */
	snprintf(segs[nseg].text, sizeof segs[nseg].text, " %s", t);
	segs[nseg++].role = TH_HEADER;
	if (d->paused) {
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " PAUSED ");
		segs[nseg++].role = TH_BADGE;
	}
	if (filter_active(&d->filter)) {
		char raw[256];

		filter_format(&d->filter, raw, sizeof raw);
		event_sanitize(raw, buf, sizeof buf, 0);
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " filter %.200s", buf);
		segs[nseg++].role = TH_WARN;
	}
	snprintf(segs[nseg].text, sizeof segs[nseg].text, " window %s",
	    fmt_window(d->window_ms, buf, sizeof buf));
	segs[nseg++].role = TH_HEADER;
	if (mal > 0) {
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " %" PRIu64 " malformed", mal);
		segs[nseg++].role = TH_ERR;
	}
	snprintf(segs[nseg].text, sizeof segs[nseg].text, " %s ev/s",
	    fmt_count(d->events_per_s, buf, sizeof buf));
	segs[nseg++].role = TH_HEADER;
	right = w;
	for (int i = 0; i < nseg; i++) {
		int sw = ui_width(segs[i].text);

		if (right - sw < 24 && i > 0)
			break; /* keep room for at least one source */
		right -= sw;
		ui_text(d, 0, right, sw, segs[i].role, segs[i].text);
	}
	limit = right - 1;
	x += ui_text(d, 0, x, limit - x, TH_HEADER, " execmon ");
	for (size_t i = 0; i < sources_count() && x < limit; i++) {
		const struct source_info *si = sources_get((int)i);
		enum theme_role role = TH_HEADER;
		/* A stream is known by its key; a feed by its URL without the scheme. */
		const char *short_name = strcmp(si->kind, "redis") == 0 ?
		    strrchr(si->name, '/') : NULL;
		const char *name = short_name ? short_name + 1 :
		    strstr(si->name, "://") ? strstr(si->name, "://") + 3 : si->name;
		char age[32] = "";

		if (si->state == SRC_LIVE || si->state == SRC_DONE) {
			int64_t quiet = si->last_recv_ms ? now - si->last_recv_ms : now - si->state_since_ms;

			if (quiet > 60000)
				role = TH_ERR;
			else if (quiet > 15000)
				role = TH_WARN;
			if (quiet > 15000)
				snprintf(age, sizeof age, " quiet %s", fmt_dur(quiet / 1000 * 1000, buf, sizeof buf));
		} else if (si->state == SRC_RETRYING) {
			int64_t in = si->retry_at_ms - now;

			role = TH_ERR;
			snprintf(age, sizeof age, " in %.1fs", in > 0 ? (double)in / 1000 : 0.0);
		} else if (si->state == SRC_BACKFILLING) {
			role = TH_WARN;
		} else if (si->state == SRC_GONE || si->state == SRC_CONNECTING)
			role = TH_WARN;
		x += ui_textf(d, 0, x, limit - x, role, "%s %.24s%s%s%s ",
		    d->utf8 ? "●" : "*", name,
		    si->state == SRC_LIVE ? "" : " ", si->state == SRC_LIVE ? "" :
		    source_state_name(si->state), age);
		if (si->state == SRC_BACKFILLING && limit - x > 12) {
			ui_bar(d, 0, x, 8, si->backfill, TH_HEADER);
			x += 9;
		}
		if (si->via[0] != '\0' && si->node[0] != '\0' && limit - x > 12)
			x += ui_textf(d, 0, x, limit - x, TH_HEADER, "@%.40s ", si->node);
		if (si->tls && !si->insecure && limit - x > 4)
			x += ui_textf(d, 0, x, limit - x, TH_HEADER, "TLS ");
		if (si->insecure)
			x += ui_textf(d, 0, x, limit - x, TH_ERR, "INSECURE ");
		if (si->gaps > 0)
			x += ui_textf(d, 0, x, limit - x, TH_ERR, "gap%s%" PRId64 " ",
			    si->gap_entries >= 0 ? " " : "", si->gap_entries >= 0 ? si->gap_entries : 0);
		if (si->state == SRC_RETRYING && si->error[0] && sources_count() == 1)
			x += ui_textf(d, 0, x, limit - x, TH_ERR, "(%s) ", si->error);
	}
}

/* The second line: the figures on-call read first. */
void
dash_draw_summary(struct dash *d, int w)
{
	const struct metrics *m = d->m;
	char a[32], b[32], c[32], e[32];
	int x = 1;
	double rate = m->total ? 100.0 * (double)m->completed / (double)m->total : -1;

	x += ui_textf(d, 1, x, w - x, TH_ACCENT, "%zu", m->nrunning);
	x += ui_text(d, 1, x, w - x, TH_DIM, " running  ");
	x += ui_textf(d, 1, x, w - x, TH_ACCENT, "%" PRId64, m->queue_depth);
	x += ui_text(d, 1, x, w - x, TH_DIM, " queued  ");
	x += ui_textf(d, 1, x, w - x, TH_ACCENT, "%s",
	    fmt_count(m->window_ms > 0 ? (double)m->total * 60000.0 / (double)m->window_ms : 0,
	    a, sizeof a));
	x += ui_text(d, 1, x, w - x, TH_DIM, "/min  ");
	if (rate >= 0)
		x += ui_textf(d, 1, x, w - x, rate >= 95 ? TH_OK : rate >= 80 ? TH_WARN : TH_ERR,
		    "%.1f%%", rate);
	else
		x += ui_text(d, 1, x, w - x, TH_DIM, "-");
	x += ui_text(d, 1, x, w - x, TH_DIM, " ok  ");
	x += ui_textf(d, 1, x, w - x, TH_ACCENT, "p50 %s p95 %s",
	    m->exec.n ? fmt_dur((int64_t)m->exec.p50, b, sizeof b) : "-",
	    m->exec.n ? fmt_dur((int64_t)m->exec.p95, c, sizeof c) : "-");
	x += ui_text(d, 1, x, w - x, TH_DIM, "  ");
	x += ui_textf(d, 1, x, w - x, TH_ACCENT, "%s", fmt_cost(m->cost_nusd, e, sizeof e));
	x += ui_text(d, 1, x, w - x, TH_DIM, " spent  ");
	if (m->nflags > 0)
		x += ui_textf(d, 1, x, w - x, TH_ERR, "%zu stuck ", m->nflags);
	if (m->nanomalies > 0)
		ui_textf(d, 1, x, w - x, TH_WARN, "%zu anomal%s", m->nanomalies,
		    m->nanomalies == 1 ? "y" : "ies");
}

void
dash_draw_status(struct dash *d, int y, int w)
{
	ui_blank(y, 0, w);
	if (d->overlay == OV_PROMPT) {
		int x = ui_text(d, y, 0, w, TH_ACCENT, "/");

		x += ui_text(d, y, x, w - x, TH_NORMAL, d->prompt);
		move(y, x);
		return;
	}
	if (d->status[0] != '\0' && loop_now_ms() < d->status_until_ms) {
		ui_text(d, y, 0, w, TH_ACCENT, d->status);
		return;
	}
	ui_text(d, y, 0, w, TH_DIM,
	    "q quit  ? help  p pause  / search  a agent  s status  t trace  f clear  "
	    "w window  Tab pane  Enter open  S snapshot");
}
