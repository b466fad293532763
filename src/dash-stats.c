/* execmon - the dashboard's --stats file: a line a frame, a summary at the end. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "dash-stats.h"
#include "hist.h"
#include "loop.h"
#include "source.h"
#include "ui.h"
#include "xmalloc.h"

/* --stats: events received when the figures shown were computed. */
static uint64_t stats_shown;

/*
 * --stats, per event: the arrival times of events not yet on the screen (at
 * most STATS_ARRIVALS between two frames; more are counted, not timed), how
 * many of them the figures being drawn hold, and the time from arrival to the
 * frame that showed each, in microseconds, summed up when the dashboard ends.
 */
#define STATS_ARRIVALS 65536
static uint64_t *arrivals;
static size_t narrivals, arrivals_shown;
static uint64_t arrivals_untimed;
static struct hist shown_us;

void
dash_stats_event(struct dash *d)
{
	(void)d;
	if (arrivals == NULL)
		arrivals = xreallocarray(NULL, STATS_ARRIVALS, sizeof *arrivals);
	if (narrivals < STATS_ARRIVALS)
		arrivals[narrivals++] = uv_hrtime();
	else
		arrivals_untimed++;
}

void
dash_stats_computed(struct dash *d)
{
	stats_shown = d->events_total;
	arrivals_shown = narrivals;
}

/*
 * One --stats line for the frame just drawn: wall ms; events since the last
 * frame; ms from the oldest one's arrival to this frame (-1: none); events
 * received in all; of those, how many the figures shown do not hold yet; ms
 * the last recompute of the figures took; the state of each source, one
 * letter each (see execmon.1); the window of the figures, in seconds.
 */
void
dash_stats_frame(struct dash *d)
{
	static const char letter[SRC__COUNT] = {
		[SRC_IDLE] = 'i', [SRC_CONNECTING] = 'c', [SRC_BACKFILLING] = 'b',
		[SRC_LIVE] = 'l', [SRC_RETRYING] = 'r', [SRC_DONE] = 'd', [SRC_GONE] = 'g',
		[SRC_ERROR] = 'e', [SRC_DUPLICATE] = 'u',
	};
	uint64_t now_ns = uv_hrtime();

	fprintf(d->stats, "%" PRId64 " %" PRIu64 " %.3f %" PRIu64 " %" PRIu64 " %.3f ",
	    loop_now_ms(), d->pending_events,
	    d->pending_ns ? (double)(now_ns - d->pending_ns) / 1e6 : -1.0,
	    d->events_total, d->events_total - stats_shown,
	    (double)d->compute_ns / 1e6);
	for (size_t i = 0; i < sources_count(); i++) {
		enum source_state st = sources_get((int)i)->state;

		fputc((unsigned)st < SRC__COUNT ? letter[st] : '?', d->stats);
	}
	fprintf(d->stats, "%s %" PRId64 "\n", sources_count() == 0 ? "-" : "",
	    d->window_ms / 1000);
	fflush(d->stats);
	if (arrivals_shown == 0)
		return;
	for (size_t i = 0; i < arrivals_shown; i++)
		hist_record(&shown_us, (int64_t)(now_ns - arrivals[i]) / 1000);
	memmove(arrivals, arrivals + arrivals_shown,
	    (narrivals - arrivals_shown) * sizeof *arrivals);
	narrivals -= arrivals_shown;
	arrivals_shown = 0;
}

/* The --stats summary: every timed event's arrival-to-screen time. */
int
dash_stats_end(struct dash *d, char *err, size_t errlen)
{
	int rc = 0;

	fprintf(d->stats, "# event-to-screen: %" PRIu64 " events timed, %" PRIu64
	    " not timed; ms p50 %.3f p99 %.3f max %.3f\n", shown_us.count,
	    arrivals_untimed, hist_quantile(&shown_us, 0.5) / 1000.0,
	    hist_quantile(&shown_us, 0.99) / 1000.0,
	    shown_us.count ? (double)shown_us.max / 1000.0 : -1.0);
	/* a failed line a frame is told once, here, with its cause */
	errno = 0;
	if (fflush(d->stats) != 0 || ferror(d->stats)) {
		snprintf(err, errlen, "%s", strerror(errno != 0 ? errno : EIO));
		rc = -1;
	}
	if (fclose(d->stats) != 0 && rc == 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = -1;
	}
	d->stats = NULL;
	hist_done(&shown_us);
	free(arrivals);
	arrivals = NULL;
	narrivals = arrivals_shown = 0;
	return rc;
}
