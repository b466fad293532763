/* execmon - cost budgets: spent in the period, burn rate, projection, run-out time. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "event.h"
#include "filter.h"
#include "store.h"

/*
 * The contract. Periods are UTC: a day from 00:00, a week from Monday
 * 00:00, a month from the 1st 00:00. Counted from = max(period start, the
 * oldest time the data held covers): "partial" says when that is later than
 * the period's start (then the spend is of the time held, and the budget
 * pane says so). Spent = the cost of the runs passing the filter that
 * finished in [from, now] + the cost so far of those running at now (in
 * flight, shown apart). Burn rate = spent / (now - from), once that is at
 * least BUDGET_MIN_MS (before, the rate and the projection are unknown).
 * Projected = spent + rate x (period end - now). Runs out = now when spent
 * is already over the budget, else now + (budget - spent) / rate when that
 * falls inside the period, else never (-1).
 */

#define DAY_MS (86400 * (int64_t)1000)

static int64_t
floor_div(int64_t v, int64_t d)
{
	int64_t q = v / d;

	return v % d != 0 && v < 0 ? q - 1 : q;
}

void
alert_budget_period(enum budget_period p, int64_t now_ms, int64_t *start, int64_t *end)
{
	int64_t day = floor_div(now_ms, DAY_MS);
	time_t t;
	struct tm tm;

	switch (p) {
	case BP_DAY:
		*start = day * DAY_MS;
		*end = *start + DAY_MS;
		return;
	case BP_WEEK:
		/* 1970-01-01 was a Thursday: Monday is 3 days before it */
		day -= ((day + 3) % 7 + 7) % 7;
		*start = day * DAY_MS;
		*end = *start + 7 * DAY_MS;
		return;
	case BP_MONTH:
		t = (time_t)(floor_div(now_ms, 1000));
		gmtime_r(&t, &tm);
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		*start = (int64_t)timegm(&tm) * 1000;
		tm.tm_mon++;
		*end = (int64_t)timegm(&tm) * 1000;
		return;
	}
	*start = *end = now_ms;
}

void
alert_budget_compute(struct budget_status *bs, const struct budget *b,
    const struct store *st, int64_t data_from_ms, int64_t now_ms)
{
	const struct filter *f = b->where != NULL ? &b->filter : NULL;
	int64_t elapsed, left;
	double rate_per_ms;

	memset(bs, 0, sizeof *bs);
	bs->budget = b;
	alert_budget_period(b->period, now_ms, &bs->period_start_ms, &bs->period_end_ms);
	bs->from_ms = bs->period_start_ms;
	if (data_from_ms > bs->from_ms) {
		bs->from_ms = data_from_ms < now_ms ? data_from_ms : now_ms;
		bs->partial = 1;
	}
	for (size_t i = 0; i < store_nruns(st); i++) {
		const struct run *r = store_run_at(st, i);

		if (f != NULL && !filter_match(f, r))
			continue;
		if (run_is_finished(r)) {
			if (r->finished_ms >= bs->from_ms && r->finished_ms <= now_ms)
				bs->finished_nusd += r->cost_nusd;
		} else if (r->status == RUN_RUNNING && r->started_ms <= now_ms) {
			bs->in_flight_nusd += r->cost_nusd;
			bs->in_flight_runs++;
		}
	}
	bs->spent_nusd = bs->finished_nusd + bs->in_flight_nusd;
	bs->burn_usd_per_hour = -1;
	bs->projected_nusd = -1;
	bs->runs_out_ms = -1;
	if (bs->spent_nusd > b->limit_nusd)
		bs->runs_out_ms = now_ms;
	elapsed = now_ms - bs->from_ms;
	if (elapsed < BUDGET_MIN_MS)
		return;
	rate_per_ms = (double)bs->spent_nusd / (double)elapsed;
	bs->burn_usd_per_hour = rate_per_ms * 3600000.0 / 1e9;
	left = bs->period_end_ms - now_ms;
	bs->projected_nusd = bs->spent_nusd + (int64_t)llround(rate_per_ms * (double)left);
	if (bs->spent_nusd <= b->limit_nusd && rate_per_ms > 0) {
		double t = (double)now_ms + (double)(b->limit_nusd - bs->spent_nusd) / rate_per_ms;

		if (t < (double)bs->period_end_ms)
			bs->runs_out_ms = (int64_t)llround(t);
	}
}

static json_t *
usd(int64_t nusd)
{
	double v = round((double)nusd / 1e3) / 1e6;

	return json_real(v == 0 ? 0 : v);
}

static json_t *
when(int64_t ms)
{
	char buf[64];

	if (ms <= 0)
		return json_null();
	event_format_time(ms, buf, sizeof buf);
	return json_string(buf);
}

json_t *
alert_budgets_json(const struct alert_set *s)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < alert_set_nbudgets(s); i++) {
		const struct budget_status *bs = alert_set_budget(s, i);
		const struct budget *b = bs->budget;
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(b->name));
		json_object_set_new(o, "where", b->where ? json_string(b->where) : json_null());
		json_object_set_new(o, "period", json_string(budget_period_name(b->period)));
		json_object_set_new(o, "periodStart", when(bs->period_start_ms));
		json_object_set_new(o, "periodEnd", when(bs->period_end_ms));
		json_object_set_new(o, "countedFrom", when(bs->from_ms));
		json_object_set_new(o, "partial", json_boolean(bs->partial));
		json_object_set_new(o, "budget", usd(b->limit_nusd));
		json_object_set_new(o, "spent", usd(bs->spent_nusd));
		json_object_set_new(o, "finished", usd(bs->finished_nusd));
		json_object_set_new(o, "inFlight", usd(bs->in_flight_nusd));
		json_object_set_new(o, "inFlightRuns", json_integer((json_int_t)bs->in_flight_runs));
		json_object_set_new(o, "burnRatePerHour", bs->burn_usd_per_hour >= 0 ?
		    json_real(round(bs->burn_usd_per_hour * 1e6) / 1e6) : json_null());
		json_object_set_new(o, "projected", bs->projected_nusd >= 0 ?
		    usd(bs->projected_nusd) : json_null());
		json_object_set_new(o, "runsOutAt", when(bs->runs_out_ms));
		json_object_set_new(o, "over", json_boolean(bs->spent_nusd > b->limit_nusd));
		json_array_append_new(arr, o);
	}
	return arr;
}
