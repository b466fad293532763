/* execmon - the dashboard in time: looking back (an as-of now) and the previous window beside. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "metrics.h"
#include "store.h"
#include "ui.h"

/*
 * Looking back pins the screen's now at d->asof_ms: every figure is
 * metrics_compute() at that now, so the realtime panes show what was
 * running and queued then. Steps are a tenth of the window or a minute,
 * whichever is larger, on a grid of whole steps (epoch multiples), so a
 * screen seen once is found again. Events keep being read into the store;
 * going live shows them. The history held bounds it: the sources that keep
 * their past (Redis streams, BullMQ, a replay) are read again from two
 * windows before the as-of time when it goes past what is held, as a
 * window change does, so the figures equal `execmon snapshot --now`; no
 * screen goes before the oldest event held, nor, for a feed without a
 * past, before the first whole window held.
 */

int64_t
dash_lookback_step_ms(int64_t window_ms)
{
	int64_t step = window_ms / 10;

	return step > 60000 ? step : 60000;
}

/* floor(a / b) for b > 0, also for negative a. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The earliest event time of the runs held; 0 when none is held. */
static int64_t
oldest_held(const struct store *st)
{
	int64_t t = 0;

	for (size_t i = 0; i < store_nruns(st); i++) {
		const struct run *r = store_run_at(st, i);

		if (r->first_ms > 0 && (t == 0 || r->first_ms < t))
			t = r->first_ms;
	}
	return t;
}

/* "14:05:00", or "2026-12-02 14:05:00" when ms is not on the day of ref. */
static const char *
clock_text(int64_t ms, int64_t ref, char *buf, size_t size)
{
	time_t s = (time_t)floor_div(ms, 1000), r = (time_t)floor_div(ref, 1000);
	struct tm tm, rt;

	if (gmtime_r(&s, &tm) == NULL || gmtime_r(&r, &rt) == NULL)
		snprintf(buf, size, "-");
	else if (tm.tm_year != rt.tm_year || tm.tm_yday != rt.tm_yday)
		strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	else
		strftime(buf, size, "%H:%M:%S", &tm);
	return buf;
}

const char *
dash_asof_text(struct dash *d, char *buf, size_t size)
{
	char t[40];

	snprintf(buf, size, "as of %s, not live",
	    clock_text(d->asof_ms, dash_live_now(d), t, sizeof t));
	return buf;
}

static void
go_live(struct dash *d)
{
	d->asof_ms = 0;
	dash_recompute(d);
	dash_set_status(d, "live: the screen follows now again");
}

void
dash_lookback_step(struct dash *d, int dir)
{
	int64_t live = dash_live_now(d), step = dash_lookback_step_ms(d->window_ms);
	int64_t cur = d->asof_ms ? d->asof_ms : live, t, oldest;
	char a[40], b[64], w[16];

	if (dir == 0 || (dir > 0 && d->asof_ms == 0)) {
		if (d->asof_ms == 0)
			dash_set_status(d, "live already: [ steps back in time");
		else
			go_live(d);
		return;
	}
	/* the step boundary before (after) the screen's now */
	t = dir < 0 ? floor_div(cur - 1, step) * step : (floor_div(cur, step) + 1) * step;
	if (dir > 0 && t >= live) {
		go_live(d);
		return;
	}
	if (dir < 0) {
		oldest = oldest_held(d->store);
		if (oldest == 0 || t < oldest) {
			if (oldest == 0)
				dash_set_status(d, "look-back limit: no event held yet");
			else
				dash_set_status(d, "look-back limit: the oldest event held is at %s",
				    clock_text(oldest, live, a, sizeof a));
			return;
		}
		if (!d->can_reload && t - d->window_ms < d->loaded_from_ms) {
			dash_set_status(d, "look-back limit: the history held begins at %s (this feed has no past to read again)",
			    clock_text(d->loaded_from_ms, live, a, sizeof a));
			return;
		}
	}
	d->asof_ms = t;
	format_window(step, w, sizeof w);
	if (d->can_reload && t - 2 * d->window_ms < d->loaded_from_ms) {
		/* past the history held: read the sources again from there */
		dash_set_status(d, "%s: reading its history", dash_asof_text(d, b, sizeof b));
		dash_reload(d);
		return;
	}
	dash_recompute(d);
	dash_set_status(d, "%s ([ ] step %s, l live)", dash_asof_text(d, b, sizeof b), w);
}

void
dash_compare_toggle(struct dash *d)
{
	char w[16];

	d->compare = !d->compare;
	dash_recompute(d);
	format_window(d->window_ms, w, sizeof w);
	if (d->compare)
		dash_set_status(d, "compare: the previous %s (dim) beside this one; c hides it", w);
	else
		dash_set_status(d, "compare off");
}

void
dash_compare_compute(struct dash *d)
{
	metrics_free(d->mprev);
	d->mprev = NULL;
	if (d->compare && d->m != NULL)
		d->mprev = metrics_compute(d->store, &d->filter, d->m->now_ms - d->window_ms,
		    d->window_ms);
}

void
dash_lookback_snapshot(struct dash *d, json_t *snap)
{
	time_t s;
	struct tm tm;
	char t[40], full[48];

	if (d->asof_ms == 0)
		return;
	s = (time_t)floor_div(d->asof_ms, 1000);
	if (gmtime_r(&s, &tm) == NULL)
		return;
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(full, sizeof full, "%s.%03dZ", t, (int)(d->asof_ms - floor_div(d->asof_ms, 1000) * 1000));
	json_object_set_new(snap, "asOf", json_string(full));
}
