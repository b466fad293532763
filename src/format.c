/* execmon - numbers for people: durations, money, counts, windows, times (no curses). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "format.h"

char *
format_dur(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;

	if (ms < 0)
		snprintf(buf, size, "-");
	else if (ms < 1000)
		snprintf(buf, size, "%" PRId64 "ms", ms);
	else if (ms < 10000)
		snprintf(buf, size, "%.1fs", (double)(ms / 100) / 10.0);
	else if (ms < 60000)
		snprintf(buf, size, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, size, "%" PRId64 "d%02" PRId64 "h", s / 86400, s / 3600 % 24);
	return buf;
}

char *
format_cost(int64_t nusd, char *buf, size_t size)
{
	double usd = (double)nusd / 1e9;

	if (nusd <= 0)
		snprintf(buf, size, "$0.00");
	else if (usd < 0.995) {
		/* two significant digits, at least two decimals */
		int dec = 2;

		for (double lim = 0.0995; usd < lim && dec < 9; lim /= 10)
			dec++;
		snprintf(buf, size, "$%.*f", dec, usd);
	} else if (usd < 9999.995)
		snprintf(buf, size, "$%.2f", usd);
	else if (usd < 999950)
		snprintf(buf, size, "$%.1fk", usd / 1e3);
	else
		snprintf(buf, size, "$%.1fM", usd / 1e6);
	return buf;
}

char *
format_count(double n, char *buf, size_t size)
{
	if (!(n >= 0))
		snprintf(buf, size, "-");
	else if (n < 1000)
		snprintf(buf, size, n == (double)(int64_t)n ? "%.0f" : "%.1f", n);
	else if (n < 999950)
		snprintf(buf, size, "%.1fk", n / 1e3);
	else if (n < 999950000)
		snprintf(buf, size, "%.1fM", n / 1e6);
	else
		snprintf(buf, size, "%.1fG", n / 1e9);
	return buf;
}

char *
format_window(int64_t ms, char *buf, size_t size)
{
	if (ms > 0 && ms % 86400000 == 0)
		snprintf(buf, size, "%" PRId64 "d", ms / 86400000);
	else if (ms > 0 && ms % 3600000 == 0)
		snprintf(buf, size, "%" PRId64 "h", ms / 3600000);
	else if (ms > 0 && ms % 60000 == 0)
		snprintf(buf, size, "%" PRId64 "m", ms / 60000);
	else
		snprintf(buf, size, "%" PRId64 "s", ms / 1000);
	return buf;
}

/* The UTC time of day, with the seconds or not. */
static char *
format_clock(int64_t epoch_ms, int secs_too, char *buf, size_t size)
{
	time_t secs = (time_t)(epoch_ms / 1000);
	struct tm tm;

	if (epoch_ms < 0 || gmtime_r(&secs, &tm) == NULL)
		snprintf(buf, size, "-");
	else if (secs_too)
		snprintf(buf, size, "%02d:%02d:%02dZ", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, size, "%02d:%02dZ", tm.tm_hour, tm.tm_min);
	return buf;
}

char *
format_hm(int64_t epoch_ms, char *buf, size_t size)
{
	return format_clock(epoch_ms, 0, buf, size);
}

char *
format_hms(int64_t epoch_ms, char *buf, size_t size)
{
	return format_clock(epoch_ms, 1, buf, size);
}

char *
format_change(double cur, double prev, char *buf, size_t size)
{
	double pct;

	if (cur < 0 || prev < 0 || (cur == 0 && prev == 0))
		snprintf(buf, size, "-");
	else if (prev == 0)
		snprintf(buf, size, "new");
	else if ((pct = (cur - prev) * 100.0 / prev) == 0)
		snprintf(buf, size, "0%%");
	else if (pct > -0.95 && pct < 0.95)
		snprintf(buf, size, "%+.1f%%", pct);
	else if (pct >= 99999.5)
		snprintf(buf, size, ">+99999%%");
	else
		snprintf(buf, size, "%+.0f%%", pct);
	return buf;
}

char *
format_plural(int64_t n, const char *noun, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRId64 " %s%s", n, noun, n == 1 ? "" : "s");
	return buf;
}
