/* execmon - numbers for people: durations, money, counts, windows, times (no curses). */
#ifndef EXECMON_FORMAT_H
#define EXECMON_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * One way to write each kind of figure, for the dashboard, `runs`, `events`
 * and every message, so that the same value reads the same everywhere. Each
 * writes into buf (always NUL-terminated) and returns it.
 */

/* 850ms, 4.2s, 45s, 12m40s, 2h05m, 1d06h; "-" when negative. */
char *format_dur(int64_t ms, char *buf, size_t size);
/*
 * Money from nano-dollars: $0.00, two significant digits under a dollar
 * ($0.48, $0.048, $0.00048: a small cost never shows as zero), cents up to
 * $10k ($4.20, $1234.50), then $12.3k, $4.5M.
 */
char *format_cost(int64_t nusd, char *buf, size_t size);
/* 950, 12.5 (a fraction below 1000 keeps one decimal), 12.3k, 4.5M, 1.2G; "-" when negative. */
char *format_count(double n, char *buf, size_t size);
/* A window length as the user writes it: 90s, 15m, 1h, 7d. */
char *format_window(int64_t ms, char *buf, size_t size);
/* A time of day in UTC to the minute, 17:50Z, or to the second, 17:50:03Z. */
char *format_hm(int64_t epoch_ms, char *buf, size_t size);
char *format_hms(int64_t epoch_ms, char *buf, size_t size);
/*
 * The change from prev to cur, as the previous-period comparison shows it:
 * "+12%", "-3%" (a whole percent; one decimal under 1 %, so that a small
 * change does not read as none), "0%", "new" when prev is 0 and cur is
 * not, "-" when both are 0 or either is negative (unknown).
 */
char *format_change(double cur, double prev, char *buf, size_t size);
/* "1 run", "2 runs": n and the noun, with an s unless n is 1. */
char *format_plural(int64_t n, const char *noun, char *buf, size_t size);

#endif
