/* execmon - tests: format.c writes each kind of figure one way. */
#include "config.h"

#include "format.h"
#include "tap.h"

int
main(void)
{
	char b[64];

	is_str(format_dur(-1, b, sizeof b), "-", "negative duration");
	is_str(format_dur(850, b, sizeof b), "850ms", "under a second");
	is_str(format_dur(4250, b, sizeof b), "4.2s", "seconds, one decimal");
	is_str(format_dur(45900, b, sizeof b), "45s", "whole seconds from 10 s");
	is_str(format_dur(760000, b, sizeof b), "12m40s", "minutes");
	is_str(format_dur(7500000, b, sizeof b), "2h05m", "hours");
	is_str(format_dur(30 * 3600000LL, b, sizeof b), "1d06h", "a 30-hour run is 1d06h");

	is_str(format_cost(0, b, sizeof b), "$0.00", "no cost");
	is_str(format_cost(480000, b, sizeof b), "$0.00048", "a small cost is never zero");
	is_str(format_cost(48000000, b, sizeof b), "$0.048", "two significant digits under a dollar");
	is_str(format_cost(480000000, b, sizeof b), "$0.48", "cents");
	is_str(format_cost(994000000, b, sizeof b), "$0.99", "just under a dollar");
	is_str(format_cost(110060000000LL, b, sizeof b), "$110.06", "dollars and cents");
	is_str(format_cost(12345000000000LL, b, sizeof b), "$12.3k", "thousands");
	is_str(format_cost(4500000000000000LL, b, sizeof b), "$4.5M", "millions");

	is_str(format_count(950, b, sizeof b), "950", "count");
	is_str(format_count(12.5, b, sizeof b), "12.5", "a fraction keeps one decimal");
	is_str(format_count(12345, b, sizeof b), "12.3k", "thousands");
	is_str(format_count(999999, b, sizeof b), "1.0M", "rounds up into the next unit");
	is_str(format_count(-1, b, sizeof b), "-", "negative count");

	is_str(format_window(90000, b, sizeof b), "90s", "window in seconds");
	is_str(format_window(15 * 60000, b, sizeof b), "15m", "window in minutes");
	is_str(format_window(86400000, b, sizeof b), "1d", "window in days");

	is_str(format_hm(1764784200000LL, b, sizeof b), "17:50Z", "time of day to the minute");
	is_str(format_hms(1764784203000LL, b, sizeof b), "17:50:03Z", "to the second");
	is_str(format_plural(1, "run", b, sizeof b), "1 run", "one run");
	is_str(format_plural(2, "run", b, sizeof b), "2 runs", "two runs");

	is_str(format_change(112, 100, b, sizeof b), "+12%", "a rise, a whole percent");
	is_str(format_change(97, 100, b, sizeof b), "-3%", "a fall");
	is_str(format_change(1004, 1000, b, sizeof b), "+0.4%", "under one percent: one decimal, not none");
	is_str(format_change(5, 5, b, sizeof b), "0%", "no change");
	is_str(format_change(4, 0, b, sizeof b), "new", "nothing before: new");
	is_str(format_change(0, 0, b, sizeof b), "-", "nothing either time");
	is_str(format_change(0, 7, b, sizeof b), "-100%", "gone");
	is_str(format_change(-1, 7, b, sizeof b), "-", "unknown");
	is_str(format_change(1e9, 1, b, sizeof b), ">+99999%", "a huge rise is bounded");
	return tap_done();
}
