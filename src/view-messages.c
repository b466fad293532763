/* execmon - the messages view: execmon's own warnings and notices, newest first. */
#include "config.h"

#include <stdio.h>

#include "format.h"
#include "log.h"
#include "ui.h"

void
view_messages_draw(struct dash *d, struct rect r)
{
	int w = r.w < 100 ? r.w : 100, n = 0, shown;
	struct rect in;
	char title[96];

	while (log_recent((size_t)n, NULL, NULL) != NULL)
		n++;
	snprintf(title, sizeof title, " messages: %d, newest first (j/k scroll; other keys close) ", n);
	in = ui_box(d, (struct rect){ r.y, (r.w - w) / 2, r.h, w }, title);
	if (in.h <= 0)
		return;
	if (n == 0) {
		ui_text(d, in.y, in.x, in.w, TH_DIM, "no messages (-v logs more)");
		return;
	}
	{
		struct ui_rows rows = { n, NULL, NULL };

		shown = ui_list_show(&d->msgs, &rows, in.h, 0);
	}
	for (int i = 0; i < shown; i++) {
		int64_t when;
		enum log_level lv;
		const char *m = log_recent((size_t)(d->msgs.top + i), &when, &lv);
		char t[16];
		int x = in.x;

		x += ui_textf(d, in.y + i, x, 10, TH_DIM, "%s ", format_hms(when, t, sizeof t));
		ui_text(d, in.y + i, x, in.w - (x - in.x), lv <= LOG_ERROR ? TH_ERR :
		    lv == LOG_WARN ? TH_WARN : TH_NORMAL, m);
	}
	ui_more(d, in.y + in.h, in.x, in.w, ui_list_more(&d->msgs)); /* in the bottom border */
}
