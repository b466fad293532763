/* execmon - the snapshot's numbers, times and strings, each written one way. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "snapshot-int.h"
#include "xmalloc.h"

/*
 * The series (throughputTrend, timeline) have one entry a minute for
 * windows up to 31 days, one an hour up to 366 days, one a UTC day beyond:
 * at most some 44 600 entries whatever the window.
 */
int64_t
snap_series_step(const struct metrics *m)
{
	if (m->window_ms <= 31 * SNAP_DAY_MS)
		return 60000;
	if (m->window_ms <= 366 * SNAP_DAY_MS)
		return 3600000;
	return SNAP_DAY_MS;
}

double
snap_round(double v, int decimals)
{
	double scale = 1;

	while (decimals-- > 0)
		scale *= 10;
	v = round(v * scale) / scale;
	return v == 0 ? 0 : v; /* no -0 */
}

/* A real rounded to decimals places; null when it is not finite. */
json_t *
snap_num(double v, int decimals)
{
	if (!isfinite(v))
		return json_null();
	return json_real(snap_round(v, decimals));
}

/* Milliseconds as seconds with millisecond precision; null when ms < 0. */
json_t *
snap_sec(double ms)
{
	if (!isfinite(ms) || ms < 0)
		return json_null();
	return json_real(snap_round(ms / 1000, 3));
}

/* A signed span in ms as seconds (for differences that may be negative). */
json_t *
snap_span(int64_t ms)
{
	return json_real(snap_round((double)ms / 1000, 3));
}

/* Epoch ms as RFC 3339; null when unknown (0). */
json_t *
snap_time(int64_t ms)
{
	char buf[64];

	if (ms <= 0)
		return json_null();
	event_format_time(ms, buf, sizeof buf);
	return json_string(buf);
}

json_t *
snap_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
snap_count(uint64_t n)
{
	return json_integer(n > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)n);
}

/* Nano-USD as USD rounded to the micro-dollar (half away from zero). */
json_t *
snap_usd(int64_t nusd)
{
	int64_t a = nusd < 0 ? -(nusd == INT64_MIN ? nusd + 1 : nusd) : nusd;
	int64_t micro = a / 1000 + (a % 1000 >= 500);

	if (nusd < 0)
		micro = -micro;
	return json_real(snap_round((double)micro / 1e6, 6));
}

/*
 * num / den rounded half away from zero to decimals places, exactly (in
 * integers) when num fits, so that a ratio of counts rounds as its decimal
 * value does; null when den is 0.
 */
json_t *
snap_ratio(int64_t num, uint64_t den, int decimals)
{
	uint64_t scale = 1, a, q, r;
	int d;

	if (den == 0)
		return json_null();
	for (d = 0; d < decimals; d++)
		scale *= 10;
	a = num < 0 ? (uint64_t)0 - (uint64_t)num : (uint64_t)num;
	if (a > (UINT64_C(1) << 53) / scale)
		return snap_num((double)num / (double)den, decimals);
	q = a * scale / den;
	r = a * scale % den;
	if (r >= den - r)
		q++;
	return json_real(snap_round((num < 0 ? -(double)q : (double)q) /
	    (double)scale, decimals));
}

/* part / whole in percent, 2 decimals; null when whole is 0. */
json_t *
snap_pct(uint64_t part, uint64_t whole)
{
	if (part > INT64_MAX / 100)
		return whole == 0 ? json_null() :
		    snap_num((double)part * 100 / (double)whole, 2);
	return snap_ratio((int64_t)part * 100, whole, 2);
}

void
snap_set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v != NULL ? v : json_null());
}

/* The window as a short duration: "1h", "15m", "90s", "7d", "250ms". */
void
snap_timeframe(int64_t ms, char *buf, size_t size)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" },
	};
	size_t i;

	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (ms > 0 && ms % units[i].ms == 0) {
			snprintf(buf, size, "%" PRId64 "%s", ms / units[i].ms,
			    units[i].unit);
			return;
		}
	}
	snprintf(buf, size, "%" PRId64 "ms", ms);
}
