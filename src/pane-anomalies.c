/* execmon - the anomalies pane: newest first, severity colours, why each fired. */
#include "config.h"

#include <stdio.h>

#include "event.h"
#include "ui.h"

static void
draw(struct dash *d, struct rect r, int focused)
{
	const struct metrics *m = d->m;
	int y = r.y;

	(void)focused;
	for (size_t i = 0; i < m->nflags && y < r.y + r.h; i++, y++) {
		const struct flagged *f = &m->flags[i];
		int x = r.x + 1;
		char why[160];

		x += ui_textf(d, y, x, r.w - 1, TH_ERR, "%s ",
		    f->reason == FLAG_RUNAWAY_TOKENS ? "RUNAWAY" : "STUCK");
		ui_textf(d, y, x, r.w - (x - r.x), TH_NORMAL, "%s: %s", f->run->id,
		    metrics_flag_why(f, why, sizeof why));
	}
	for (size_t i = 0; i < m->nanomalies && y < r.y + r.h; i++, y++) {
		const struct anomaly *a = &m->anomalies[i];
		char t[40];
		int x = r.x + 1;
		enum theme_role role = a->severity == SEV_HIGH ? TH_ERR :
		    a->severity == SEV_MEDIUM ? TH_WARN : TH_ACCENT;

		event_format_time(a->ts_ms, t, sizeof t);
		x += ui_textf(d, y, x, r.w - 1, TH_DIM, "%.5s ", t + 11);
		x += ui_textf(d, y, x, r.w - (x - r.x), role, "%s %s ", severity_name(a->severity),
		    anomaly_type_name(a->type));
		ui_text(d, y, x, r.w - (x - r.x), TH_NORMAL, a->description);
	}
	if (y == r.y)
		ui_text(d, y, r.x + 1, r.w - 1, TH_DIM, "none: throughput, failures and latency look normal");
}

const struct pane_kind pane_anomalies = {
	.name = "anomalies",
	.title = "Anomalies & stuck runs",
	.draw = draw,
};
