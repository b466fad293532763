/* execmon - the dashboard's top two lines and its status line. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "event.h"
#include "loop.h"
#include "source.h"
#include "textwidth.h"
#include "ui.h"

/*
 * How many sources are down (retrying, gone, or still connecting 3 s after
 * the last change); the first one's name goes into name (may be NULL).
 */
int
dash_sources_down(char *name, size_t size)
{
	int64_t now = loop_now_ms();
	int n = 0;

	for (size_t i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);
		int down = si->state == SRC_RETRYING || si->state == SRC_GONE ||
		    (si->state == SRC_CONNECTING && now - si->state_since_ms > 3000);

		if (!down)
			continue;
		if (n++ == 0 && name != NULL)
			event_sanitize(si->name, name, size, 0);
	}
	return n;
}

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
	} segs[9];
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
	{
		int badge = dash_alerts_badge(d, buf, sizeof buf);

		if (badge > 0) {
			snprintf(segs[nseg].text, sizeof segs[nseg].text, " %s", buf);
			segs[nseg++].role = badge == 2 ? TH_ERR : TH_WARN;
		}
	}
	if (d->asof_ms) { /* not live: said before anything else */
		dash_asof_text(d, buf, sizeof buf);
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " %s ", buf);
		segs[nseg++].role = TH_BADGE;
	}
	if (d->paused) {
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " PAUSED ");
		segs[nseg++].role = TH_BADGE;
	}
	if (filter_active(&d->filter)) {
		char raw[256];

		filter_format(&d->filter, raw, sizeof raw);
		tw_fit(raw, 120, TW_NOPAD | (d->utf8 ? 0 : TW_ASCII), buf, sizeof buf);
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " filter %s", buf);
		segs[nseg++].role = TH_WARN;
	}
	snprintf(segs[nseg].text, sizeof segs[nseg].text, " window %s",
	    format_window(d->window_ms, buf, sizeof buf));
	segs[nseg++].role = TH_HEADER;
	if (d->compare) {
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " vs previous");
		segs[nseg++].role = TH_ACCENT;
	}
	if (mal > 0) {
		snprintf(segs[nseg].text, sizeof segs[nseg].text, " %" PRIu64 " malformed", mal);
		segs[nseg++].role = TH_ERR;
	}
	snprintf(segs[nseg].text, sizeof segs[nseg].text, " %s ev/s",
	    format_count(d->events_per_s, buf, sizeof buf));
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
		int failing = si->state == SRC_RETRYING || si->state == SRC_ERROR;

		if (si->quiet_gone && si->state == SRC_GONE)
			continue; /* counted by its pattern, not shown one by one */
		/*
		 * A stream is known by its key; a feed by its URL without the
		 * scheme; a failing one, or one with a note, by its host too.
		 */
		const char *full = strstr(si->name, "://") ? strstr(si->name, "://") + 3 :
		    si->name;
		const char *short_name = strcmp(si->kind, "redis") == 0 ?
		    strrchr(si->name, '/') : NULL;
		const char *name = short_name ? short_name + 1 : full;
		int name_len = 24, clip = 0;
		char age[32] = "", shown[256];

		if (failing) {
			name = full;
			name_len = 48;
		} else if (si->note[0] != '\0' && short_name != NULL) {
			/* "host:port/db stream KEY does not exist (yet)", "host:port/db/KEY stream recreated" */
			name = full;
			name_len = strstr(si->note, short_name + 1) != NULL ?
			    (int)(short_name - full) : 64;
			clip = 1; /* the host part only: cut, not elided */
		}
		if (si->state == SRC_LIVE || si->state == SRC_DONE) {
			int64_t quiet = si->last_recv_ms ? now - si->last_recv_ms : now - si->state_since_ms;

			if (quiet > 60000)
				role = TH_ERR;
			else if (quiet > 15000)
				role = TH_WARN;
			if (quiet > 15000)
				snprintf(age, sizeof age, " quiet %s", format_dur(quiet / 1000 * 1000, buf, sizeof buf));
		} else if (si->state == SRC_RETRYING) {
			int64_t in = si->retry_at_ms - now;

			role = TH_ERR;
			snprintf(age, sizeof age, " in %.1fs", in > 0 ? (double)in / 1000 : 0.0);
		} else if (si->state == SRC_ERROR) {
			role = TH_ERR;
		} else if (si->state == SRC_BACKFILLING) {
			role = TH_WARN;
		} else if (si->state == SRC_GONE || si->state == SRC_CONNECTING ||
		    si->state == SRC_DUPLICATE)
			role = TH_WARN;
		if (si->note[0] != '\0' && role == TH_HEADER)
			role = TH_WARN;
		tw_fit(name, name_len, TW_NOPAD | (clip ? TW_CLIP : 0) | (d->utf8 ? 0 : TW_ASCII),
		    shown, sizeof shown);
		x += ui_textf(d, 0, x, limit - x, role, "%s %s%s%s%s ",
		    d->utf8 ? "●" : "*", shown,
		    si->state == SRC_LIVE ? "" : " ", si->state == SRC_LIVE ? "" :
		    source_state_name(si->state), age);
		if (si->note[0] != '\0' && !failing)
			x += ui_textf(d, 0, x, limit - x, TH_WARN, "%s ", si->note);
		if (si->gap_off[0] != '\0' && si->state != SRC_DUPLICATE)
			x += ui_textf(d, 0, x, limit - x, TH_WARN, "gap detection off ");
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
		if (si->error[0] && (si->state == SRC_ERROR ||
		    (si->state == SRC_RETRYING && sources_count() == 1)))
			x += ui_textf(d, 0, x, limit - x, TH_ERR, "(%s) ", si->error);
	}
}

/* The second line: the figures on-call read first. */
void
dash_draw_summary(struct dash *d, int w)
{
	const struct metrics *m = d->m;
	/*
	 * A figure and its label, long and short. When the line is too narrow
	 * the labels shorten first, then the figures that matter least go
	 * (pri 5 first): the stuck runs and anomalies stay to the last.
	 */
	struct seg {
		char val[40];
		enum theme_role role;
		char lab[40];
		const char *shrt;
		int pri;
	} sg[8];
	int n = 0, x = 1, total, shortened = 0, gap = 2;
	size_t flagged = 0;
	int64_t spent = 0;
	int est;
	double rate = m->total ? 100.0 * (double)m->completed / (double)m->total : -1;
	char a[32], b[32], c[32];
	int fw = dash_alerts_firing(d, 1, x, w - x);

	/* firing alerts lead the line: the first thing on-call reads */
	if (fw > 0)
		x += fw + ui_text(d, 1, x + fw, w - x - fw, TH_DIM, "  ");

#define SEG(r, p, l, s, ...) do {                                       \
	snprintf(sg[n].val, sizeof sg[n].val, __VA_ARGS__);               \
	snprintf(sg[n].lab, sizeof sg[n].lab, "%s", l);                   \
	sg[n].role = r; sg[n].shrt = s; sg[n].pri = p; n++;               \
} while (0)
	SEG(TH_ACCENT, 2, " running", " run", "%zu", m->nrunning);
	SEG(TH_ACCENT, 3, " queued", " q", "%" PRId64, m->queue_depth);
	SEG(TH_ACCENT, 4, "/min", "/m", "%s", format_count(m->window_ms > 0 ?
	    (double)m->total * 60000.0 / (double)m->window_ms : 0, a, sizeof a));
	if (rate >= 0)
		SEG(rate >= 95 ? TH_OK : rate >= 80 ? TH_WARN : TH_ERR, 2, " ok", " ok",
		    "%.1f%%", rate);
	else
		SEG(TH_DIM, 2, " ok", " ok", "-");
	SEG(TH_ACCENT, 5, "", "", "p50 %s p95 %s",
	    m->exec.n ? format_dur((int64_t)llround(m->exec.p50), b, sizeof b) : "-",
	    m->exec.n ? format_dur((int64_t)llround(m->exec.p95), c, sizeof c) : "-");
	/*
	 * Spent: every LLM call made in the window by the runs shown, running
	 * ones included, so it is the Models table's total under any filter.
	 */
	for (size_t i = 0; i < m->nmodels; i++)
		spent = store_add_sat(spent, m->models[i].cost_nusd);
	/* "~" and "est.": some of it estimated from model prices (prices.c). */
	est = store_estimated_runs(d->store) > 0;
	SEG(TH_ACCENT, 3, "", "", "%s%s", est ? "~" : "",
	    format_cost(spent, a, sizeof a));
	snprintf(sg[n - 1].lab, sizeof sg[n - 1].lab, " spent in %s%s",
	    format_window(m->window_ms, b, sizeof b), est ? " (est.)" : "");
	sg[n - 1].shrt = " spent";
	/* runs, not flags: a run both stuck and runaway is one */
	for (size_t i = 0; i < m->nflags; i++) {
		if (i == 0 || m->flags[i].run != m->flags[i - 1].run)
			flagged++;
	}
	if (flagged > 0)
		SEG(TH_ERR, 1, " stuck", " stuck", "%zu", flagged);
	if (m->nanomalies > 0)
		SEG(TH_WARN, 1, m->nanomalies == 1 ? " anomaly" : " anomalies", " anom",
		    "%zu", m->nanomalies);
#undef SEG
	for (;;) {
		total = x;
		for (int i = 0; i < n; i++) {
			if (sg[i].pri > 0)
				total += ui_width(sg[i].val) + ui_width(sg[i].lab) + gap;
		}
		if (total <= w)
			break;
		if (!shortened) {
			for (int i = 0; i < n; i++)
				snprintf(sg[i].lab, sizeof sg[i].lab, "%s", sg[i].shrt);
			shortened = 1;
			gap = 1;
			continue;
		}
		{
			int worst = -1;

			for (int i = 0; i < n; i++) {
				if (sg[i].pri > 1 && (worst < 0 || sg[i].pri > sg[worst].pri))
					worst = i;
			}
			if (worst < 0)
				break;
			sg[worst].pri = 0; /* dropped */
		}
	}
	for (int i = 0; i < n && x < w; i++) {
		if (sg[i].pri == 0)
			continue;
		x += ui_text(d, 1, x, w - x, sg[i].role, sg[i].val);
		x += ui_text(d, 1, x, w - x, TH_DIM, sg[i].lab);
		x += ui_text(d, 1, x, w - x, TH_DIM, gap == 2 ? "  " : " ");
	}
}

void
dash_draw_status(struct dash *d, int y, int w)
{
	ui_blank(y, 0, w);
	if (d->overlay == OV_PROMPT) {
		int x = ui_text(d, y, 0, w, TH_ACCENT, d->prompt_log ? "search this run: /" : "search: /");

		x += ui_text(d, y, x, w - x, TH_NORMAL, d->prompt);
		move(y, x);
		return;
	}
	if (d->status[0] != '\0' && loop_now_ms() < d->status_until_ms) {
		ui_text(d, y, 0, w, TH_ACCENT, d->status);
		return;
	}
	if (d->asof_ms) { /* looking back: how to move, and how to get back */
		char step[16];

		ui_textf(d, y, 0, w, TH_DIM, "not live: [ ] step %s  l live  c compare  "
		    "S snapshot as of then  ? help  q quit",
		    format_window(dash_lookback_step_ms(d->window_ms), step, sizeof step));
		return;
	}
	ui_text(d, y, 0, w, TH_DIM,
	    "q quit  ? help  ! alerts  p pause  / search  a agent  s status  t trace  "
	    "f clear  w window  Tab pane  Enter open  S snapshot");
}
