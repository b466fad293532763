/* execmon - the snapshot's patterns: hours, weekdays, anomalies, bursts. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "snapshot-int.h"
#include "xmalloc.h"

static int
snap_weekend(int64_t ms)
{
	int64_t days = ms / SNAP_DAY_MS;
	int dow = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */

	return dow == 0 || dow == 6;
}

/* Hours ordered busiest first (or quietest first), ties by hour. */
json_t *
snap_hours(const struct metrics *m, int quiet)
{
	json_t *a = json_array();
	int used[24] = { 0 };
	int k, h, best;

	for (k = 0; k < SNAP_PEAK_HOURS; k++) {
		best = -1;
		for (h = 0; h < 24; h++) {
			if (used[h])
				continue;
			if (!quiet && m->hours[h].executions == 0)
				continue;
			if (best < 0 || (quiet ?
			    m->hours[h].executions < m->hours[best].executions :
			    m->hours[h].executions > m->hours[best].executions))
				best = h;
		}
		if (best < 0)
			break;
		used[best] = 1;
		json_array_append_new(a, json_integer(best));
	}
	return a;
}

/* n x unit / span, 2 decimals: a count per day. */
static json_t *
snap_per(uint64_t n, int64_t unit, uint64_t span)
{
	if (n > (uint64_t)INT64_MAX / (uint64_t)unit)
		return snap_num((double)n * (double)unit / (double)span, 2);
	return snap_ratio((int64_t)n * unit, span, 2);
}

static json_t *
snap_pattern_summary(const struct metrics *m)
{
	json_t *o = json_object();
	uint64_t wd = 0, we = 0;
	size_t i, wd_min = 0, we_min = 0;
	int day = m->window_ms >= SNAP_DAY_MS, week = m->window_ms >= SNAP_WEEK_MS;
	int64_t t, end, e;

	snap_set(o, "peakHours", day ? snap_hours(m, 0) : NULL);
	snap_set(o, "quietHours", day ? snap_hours(m, 1) : NULL);
	snap_set(o, "averageDaily", day ? snap_per(m->total, SNAP_DAY_MS,
	    (uint64_t)m->window_ms) : NULL);
	for (i = 0; i < m->nactive; i++) {
		if (snap_weekend(m->active[i].t0))
			we += m->active[i].finished;
		else
			wd += m->active[i].finished;
	}
	/* the window's minutes on each kind of day, a day at a time */
	t = m->minute0_ms;
	end = m->minute0_ms + (int64_t)m->nminutes * 60000;
	while (t < end) {
		e = t - ((t % SNAP_DAY_MS) + SNAP_DAY_MS) % SNAP_DAY_MS +
		    SNAP_DAY_MS;
		if (e > end)
			e = end;
		if (snap_weekend(t))
			we_min += (size_t)((e - t) / 60000);
		else
			wd_min += (size_t)((e - t) / 60000);
		t = e;
	}
	snap_set(o, "weekdayAverage", week && wd_min > 0 ?
	    snap_per(wd, 1440, wd_min) : NULL);
	snap_set(o, "weekendAverage", week && we_min > 0 ?
	    snap_per(we, 1440, we_min) : NULL);
	return o;
}

/*
 * An anomaly's observed and baseline figures in the snapshot's units: runs
 * finished per minute (spike, drop), percent failed (failure_surge), seconds
 * of mean execution time (latency_spike).
 */
static void
snap_anomaly_values(const struct anomaly *an, json_t *e)
{
	const char *unit = "per_minute";
	double scale = 1;
	int decimals = 3;

	if (an->type == ANOM_FAILURE_SURGE) {
		unit = "percent";
		scale = 100;
		decimals = 2;
	} else if (an->type == ANOM_LATENCY_SPIKE) {
		unit = "seconds";
		scale = 0.001;
	}
	snap_set(e, "observed", snap_num(an->observed * scale, decimals));
	snap_set(e, "baseline", snap_num(an->baseline * scale, decimals));
	snap_set(e, "unit", json_string(unit));
}

json_t *
snap_patterns(const struct metrics *m)
{
	json_t *o = json_object(), *a;
	struct minute *sv;
	size_t i, n;

	a = json_array();
	n = metrics_series(m, snap_series_step(m), &sv);
	for (i = 0; i < n; i++) {
		const struct minute *mi = &sv[i];
		json_t *e = json_object();

		snap_set(e, "timestamp", snap_time(mi->t0));
		snap_set(e, "executions", snap_count(mi->finished));
		snap_set(e, "successRate", snap_pct(mi->completed, mi->finished));
		snap_set(e, "avgDuration", mi->exec_n > 0 ?
		    snap_sec((double)mi->exec_sum_ms / (double)mi->exec_n) : NULL);
		snap_set(e, "failed", snap_count(mi->failed));
		snap_set(e, "cancelled", snap_count(mi->cancelled));
		snap_set(e, "started", snap_count(mi->started));
		json_array_append_new(a, e);
	}
	free(sv);
	snap_set(o, "timeline", a);

	a = json_array();
	for (i = 0; i < m->nbursts; i++) {
		const struct burst *b = &m->bursts[i];
		json_t *e = json_object();

		snap_set(e, "startTime", snap_time(b->start_ms));
		snap_set(e, "endTime", snap_time(b->end_ms));
		snap_set(e, "peakExecutions", snap_count(b->peak));
		snap_set(e, "totalExecutions", snap_count(b->total));
		snap_set(e, "impact", json_string(severity_name(b->impact)));
		json_array_append_new(a, e);
	}
	snap_set(o, "bursts", a);
	snap_set(o, "patterns", snap_pattern_summary(m));

	a = json_array();
	for (i = 0; i < m->nanomalies; i++) {
		const struct anomaly *an = &m->anomalies[i];
		json_t *e = json_object();

		snap_set(e, "timestamp", snap_time(an->ts_ms));
		snap_set(e, "type", json_string(anomaly_type_name(an->type)));
		snap_set(e, "severity", json_string(severity_name(an->severity)));
		snap_set(e, "description", json_string(an->description));
		snap_anomaly_values(an, e);
		json_array_append_new(a, e);
	}
	snap_set(o, "anomalies", a);
	return o;
}
