/* execmon - anomaly rules over the per-minute series, and bursts. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "metrics-int.h"
#include "format.h"
#include "metrics.h"
#include "xmalloc.h"

/*
 * The rules (doc/anomalies.md says the same for people).
 *
 * Minutes judged. Only complete minutes count: wholly inside the window, so
 * neither the partial first minute nor the minute holding now (still
 * filling) is ever judged or used as history. History starts at the first
 * minute in which anything started or finished: before it there was no data,
 * which is not the same as no load (a stream trimmed short, a monitor just
 * started). A minute is judged only with at least BASE_MIN (10) minutes of
 * history before it.
 *
 * Baseline. For each judged minute: the previous BASE_MINUTES (30) complete
 * minutes of history (fewer early on). Its level is the median, its spread
 * the MAD (median absolute deviation), both robust: a few odd minutes move
 * neither. Counts are compared on the Anscombe scale y = 2 sqrt(c + 3/8), on
 * which a Poisson count has a standard deviation of about 1 whatever its
 * rate, so one threshold suits 2 runs a minute and 2000. The spread used is
 * max(1.4826 MAD(y), 1): never below the Poisson noise, wider when the load
 * is burstier than Poisson. z = (y - median(y)) / spread.
 *
 * spike: z > 5 and the count is more than 2 x the median count.
 * drop: z < -5 and the count is at most half the median count.
 * failure_surge: the minute has >= 5 finishes, >= 50 % of them failed, the
 *   baseline failure rate (median over history minutes with a finish, at
 *   least 10 of them) is <= 20 %, and the failures exceed n p + 5 max(sqrt(n
 *   p (1 - p)), 1), p the larger of that median and the pooled baseline rate
 *   (so a handful of finishes cannot fire on chance).
 * latency_spike: the minute has >= 5 runs with an execution time and their
 *   mean without the longest one (so one slow run alone is never a spike) is
 *   > 3 x the baseline, the median of the per-minute means over history
 *   minutes with samples (at least 10 of them, and > 0), and beyond it by
 *   more than 5 standard errors: (mean' - baseline) / (sd / sqrt(n - 1)) > 5,
 *   sd the pooled standard deviation of one run's execution time over the
 *   history. Heavy-tailed latencies with few runs a minute stay quiet.
 *
 * Hysteresis. An anomaly that fired on a minute goes on through the next
 * minute when that minute passes the same rule with 3 in place of 5, so a
 * long drop whose minutes wobble around the line is one anomaly, not three.
 *
 * Severity, by how far the worst minute is from the baseline:
 *   spike: < 3x low, < 6x medium, else high (a baseline of 0: high);
 *   drop: > 1/3 of the baseline low, > 1/6 medium, else high;
 *   failure_surge: failure rate < 70 % low, < 90 % medium, else high;
 *   latency_spike: < 5x low, < 10x medium, else high.
 *
 * Consecutive minutes that fire the same rule are one anomaly: ts is its
 * first minute, the baseline that of the first minute (later baselines
 * already hold the anomaly), observed the worst minute. Newest first.
 *
 * Bursts: maximal runs of consecutive judged minutes whose finished count is
 * > 2 x the baseline median, >= 5, and z >= 4. peak is the busiest minute,
 * total the sum; impact by peak / the first minute's baseline median: < 3x
 * low, < 6x medium, else high. Oldest first.
 *
 * Why quiet data stays quiet: for steady Poisson load z > 5 has a chance of
 * about 3e-7 a minute (once in six years of minutes), and the ratio
 * conditions (2x, half, 3x) rule out statistically significant but small
 * moves at high rates. The MAD widens the band for load that is bursty by
 * nature. Measured: 600 two-hour steady loads at 0.3 to 400 runs a minute
 * (log-normal execution times, 5 % failures) raised no anomaly and no burst.
 */

#define BASE_MINUTES 30
#define BASE_MIN ANOMALY_HISTORY_MIN
#define Z_ANOMALY 5.0
#define Z_CONTINUE 3.0
#define Z_BURST 4.0
#define SURGE_MIN_FINISHED 5
#define SURGE_RATE 0.5
#define SURGE_BASE_RATE 0.2
#define LAT_MIN_SAMPLES 5
#define LAT_RATIO 3.0
#define MINUTE_MS 60000

#define NTYPES 4

struct base {
	size_t n;              /* history minutes */
	double med_c;          /* median finished count */
	double med_y, sd_y;    /* on the Anscombe scale */
	size_t nrate;          /* minutes with a finish */
	double med_rate, pool_rate;
	size_t nlat;           /* minutes with execution samples */
	double med_lat;        /* median of their means, ms */
	double sd_run;         /* pooled sd of one run's execution time, ms */
};

/* A rule that fired on one minute. */
struct hit {
	double observed, baseline;
	uint64_t a, b;         /* failed/finished, or samples */
	size_t nbase;
};

struct open {
	int active;
	size_t first, last;    /* minute indices */
	struct hit first_hit, worst;
};

struct out {
	struct anomaly *v;
	size_t n, cap;
};

static const char *const type_names[] = {
	"spike", "drop", "failure_surge", "latency_spike"
};
static const char *const severity_names[] = { "low", "medium", "high" };

const char *
anomaly_type_name(enum anomaly_type t)
{
	return (unsigned)t < NTYPES ? type_names[t] : "unknown";
}

const char *
severity_name(enum severity s)
{
	return (unsigned)s <= SEV_HIGH ? severity_names[s] : "unknown";
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (n > 0); sorts v. */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static double
anscombe(double c)
{
	return 2.0 * sqrt(c + 0.375);
}

/* The baseline of minutes [lo, hi). */
static void
base_compute(const struct minute *mn, size_t lo, size_t hi, struct base *b)
{
	double v[BASE_MINUTES], y[BASE_MINUTES];
	uint64_t failed = 0, finished = 0, xn = 0;
	double xs = 0, xq = 0, var;
	size_t i, n = hi - lo;

	memset(b, 0, sizeof *b);
	b->n = n;
	for (i = 0; i < n; i++)
		v[i] = (double)mn[lo + i].finished;
	b->med_c = median(v, n);
	for (i = 0; i < n; i++)
		y[i] = anscombe((double)mn[lo + i].finished);
	b->med_y = median(y, n);
	for (i = 0; i < n; i++)
		v[i] = fabs(y[i] - b->med_y);
	b->sd_y = 1.4826 * median(v, n);
	if (b->sd_y < 1.0)
		b->sd_y = 1.0;

	for (i = lo; i < hi; i++) {
		if (mn[i].finished == 0)
			continue;
		v[b->nrate++] = (double)mn[i].failed / (double)mn[i].finished;
		failed += mn[i].failed;
		finished += mn[i].finished;
	}
	if (b->nrate > 0) {
		b->med_rate = median(v, b->nrate);
		b->pool_rate = (double)failed / (double)finished;
	}
	for (i = lo; i < hi; i++) {
		if (mn[i].exec_n == 0)
			continue;
		v[b->nlat++] = (double)mn[i].exec_sum_ms /
		    (double)mn[i].exec_n;
		xn += mn[i].exec_n;
		xs += (double)mn[i].exec_sum_ms;
		xq += (double)mn[i].exec_sumsq;
	}
	if (b->nlat > 0) {
		b->med_lat = median(v, b->nlat);
		var = xq / (double)xn - (xs / (double)xn) * (xs / (double)xn);
		b->sd_run = var > 0 ? sqrt(var) : 0;
	}
}

/*
 * Does rule t hold on minute mn against b, with zt as the z threshold? Fills
 * h when it does.
 */
static int
rule_fires(int t, const struct minute *mn, const struct base *b, double zt,
    struct hit *h)
{
	double c = (double)mn->finished, z, n, p, mean, trimmed, se;

	memset(h, 0, sizeof *h);
	h->nbase = b->n;
	z = (anscombe(c) - b->med_y) / b->sd_y;
	switch (t) {
	case ANOM_SPIKE:
		if (!(z > zt && c > 2.0 * b->med_c))
			return 0;
		h->observed = c;
		h->baseline = b->med_c;
		return 1;
	case ANOM_DROP:
		if (!(z < -zt && c <= b->med_c / 2.0))
			return 0;
		h->observed = c;
		h->baseline = b->med_c;
		return 1;
	case ANOM_FAILURE_SURGE:
		n = c;
		if (mn->finished < SURGE_MIN_FINISHED || b->nrate < BASE_MIN ||
		    b->med_rate > SURGE_BASE_RATE ||
		    (double)mn->failed < SURGE_RATE * n)
			return 0;
		p = b->med_rate > b->pool_rate ? b->med_rate : b->pool_rate;
		if ((double)mn->failed <= n * p + zt *
		    fmax(sqrt(n * p * (1.0 - p)), 1.0))
			return 0;
		h->observed = (double)mn->failed / n;
		h->baseline = b->med_rate;
		h->a = mn->failed;
		h->b = mn->finished;
		return 1;
	case ANOM_LATENCY_SPIKE:
		if (mn->exec_n < LAT_MIN_SAMPLES || b->nlat < BASE_MIN ||
		    b->med_lat <= 0)
			return 0;
		mean = (double)mn->exec_sum_ms / (double)mn->exec_n;
		trimmed = (double)(mn->exec_sum_ms - mn->exec_max_ms) /
		    (double)(mn->exec_n - 1);
		se = b->sd_run / sqrt((double)(mn->exec_n - 1));
		if (!(trimmed > LAT_RATIO * b->med_lat &&
		    (se == 0 || (trimmed - b->med_lat) / se > zt)))
			return 0;
		h->observed = mean;
		h->baseline = b->med_lat;
		h->a = mn->exec_n;
		return 1;
	}
	return 0;
}

/* Is h further from normal than the worst so far? */
static int
worse(int t, const struct hit *h, const struct hit *worst)
{
	if (t == ANOM_DROP)
		return h->observed < worst->observed;
	return h->observed > worst->observed;
}

static enum severity
severity_of(int t, double observed, double baseline)
{
	double r = baseline > 0 ? observed / baseline : HUGE_VAL;

	switch (t) {
	case ANOM_SPIKE:
		return r < 3 ? SEV_LOW : r < 6 ? SEV_MEDIUM : SEV_HIGH;
	case ANOM_DROP:
		return r > 1.0 / 3 ? SEV_LOW : r > 1.0 / 6 ? SEV_MEDIUM :
		    SEV_HIGH;
	case ANOM_FAILURE_SURGE:
		return observed < 0.7 ? SEV_LOW : observed < 0.9 ?
		    SEV_MEDIUM : SEV_HIGH;
	default:
		return r < 5 ? SEV_LOW : r < 10 ? SEV_MEDIUM : SEV_HIGH;
	}
}


/* Write the description; a long one is cut at the buffer's end. */
static void __attribute__((format(printf, 2, 3)))
describe(struct anomaly *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->description, sizeof a->description, fmt, ap);
	va_end(ap);
}

/* Emit the anomaly an open run of minutes makes. */
static void
emit(struct out *o, int t, const struct open *op, int64_t minute0_ms)
{
	const struct hit *w = &op->worst;
	struct anomaly *a;
	double base = op->first_hit.baseline, ratio;
	size_t nmin = op->last - op->first + 1;
	char obs[32], bs[32], where[64];

	if (o->n == o->cap) {
		o->cap = o->cap == 0 ? 8 : o->cap * 2;
		o->v = xreallocarray(o->v, o->cap, sizeof *o->v);
	}
	a = &o->v[o->n++];
	memset(a, 0, sizeof *a);
	a->ts_ms = minute0_ms + (int64_t)op->first * MINUTE_MS;
	a->end_ms = minute0_ms + (int64_t)(op->last + 1) * MINUTE_MS;
	a->type = t;
	a->observed = w->observed;
	a->baseline = base;
	a->severity = severity_of(t, w->observed, base);
	ratio = base > 0 ? w->observed / base : 0;
	if (nmin == 1)
		snprintf(where, sizeof where, "in the minute");
	else if (t == ANOM_DROP)
		snprintf(where, sizeof where, "in the quietest of %zu minutes",
		    nmin);
	else if (t == ANOM_SPIKE)
		snprintf(where, sizeof where, "in the busiest of %zu minutes",
		    nmin);
	else
		snprintf(where, sizeof where, "in the worst of %zu minutes",
		    nmin);

	switch (t) {
	case ANOM_SPIKE:
	case ANOM_DROP:
		format_count(w->observed, obs, sizeof obs);
		format_count(base, bs, sizeof bs);
		if (base > 0)
			describe(a,
			    "%s runs finished %s vs a baseline of %s (median "
			    "of %zu min), %.*fx", obs, where, bs,
			    op->first_hit.nbase, ratio < 1 ? 2 : 1, ratio);
		else
			describe(a,
			    "%s runs finished %s vs a baseline of 0 (median "
			    "of %zu min)", obs, where, op->first_hit.nbase);
		break;
	case ANOM_FAILURE_SURGE:
		describe(a,
		    "%llu of %llu runs failed %s (%.0f%%) vs a baseline "
		    "failure rate of %.0f%% (median of %zu min)",
		    (unsigned long long)w->a, (unsigned long long)w->b, where,
		    100 * w->observed, 100 * base, op->first_hit.nbase);
		break;
	default:
		format_dur((int64_t)llround(w->observed), obs, sizeof obs);
		format_dur((int64_t)llround(base), bs, sizeof bs);
		describe(a,
		    "mean execution time %s over %llu runs %s vs a baseline "
		    "of %s (median of %zu min), %.1fx", obs,
		    (unsigned long long)w->a, where, bs, op->first_hit.nbase,
		    ratio);
		break;
	}
}

static int
cmp_anomaly(const void *a, const void *b)
{
	const struct anomaly *x = a, *y = b;

	if (x->ts_ms != y->ts_ms)
		return x->ts_ms > y->ts_ms ? -1 : 1;
	return (int)x->type - (int)y->type;
}

/* A burst's impact: its peak against the baseline median. */
static enum severity
burst_impact(uint64_t peak, double base)
{
	double r = base > 0 ? (double)peak / base : HUGE_VAL;

	return r < 3 ? SEV_LOW : r < 6 ? SEV_MEDIUM : SEV_HIGH;
}

static void
burst_add(struct metrics *m, size_t *cap, const struct minute *mn,
    double base)
{
	struct burst *b;

	if (m->nbursts == *cap) {
		*cap = *cap == 0 ? 4 : *cap * 2;
		m->bursts = xreallocarray(m->bursts, *cap, sizeof *m->bursts);
	}
	b = &m->bursts[m->nbursts++];
	memset(b, 0, sizeof *b);
	b->start_ms = mn->t0;
	b->end_ms = mn->t0 + MINUTE_MS;
	b->peak = b->total = mn->finished;
	b->impact = burst_impact(b->peak, base);
}

/*
 * Fill w with minutes [lo, i] of the window (at most BASE_MINUTES + 1),
 * empty ones included.
 */
static void
window_fill(const struct metrics *m, size_t lo, size_t i, struct minute *w)
{
	size_t j;

	memset(w, 0, (i - lo + 1) * sizeof *w);
	for (j = lo; j <= i; j++)
		w[j - lo].t0 = m->minute0_ms + (int64_t)j * MINUTE_MS;
	for (j = metrics_minute_seek(m, lo); j < m->nactive; j++) {
		size_t at = (size_t)((m->active[j].t0 - m->minute0_ms) /
		    MINUTE_MS);

		if (at > i)
			break;
		w[at - lo] = m->active[j];
	}
}

/* The window index of active minute k, or SIZE_MAX past the last. */
static size_t
active_index(const struct metrics *m, size_t k)
{
	if (k >= m->nactive)
		return SIZE_MAX;
	return (size_t)((m->active[k].t0 - m->minute0_ms) / MINUTE_MS);
}

/*
 * Only the minutes with data are held (metrics.h). A minute that is empty
 * and whose whole history is empty fires no rule and is no burst (each
 * needs a count or samples), so the scan jumps over such stretches to the
 * next minute with data: its cost follows the data, not the window.
 */
void
anomaly_detect(struct metrics *m)
{
	struct minute w[BASE_MINUTES + 1], *mi;
	struct open open[NTYPES];
	struct out o;
	struct base b;
	struct hit h;
	struct burst *bu;
	size_t i, lo, first, last, bcap = 0, burst_last = 0, k = 0, next;
	size_t prev_active = SIZE_MAX;
	double burst_base = 0;
	int t, in_burst = 0, cont;

	free(m->anomalies);
	free(m->bursts);
	m->anomalies = NULL;
	m->bursts = NULL;
	m->nanomalies = m->nbursts = 0;
	m->anomaly_history = m->anomaly_judged = 0;
	m->anomaly_history = m->anomaly_judged = 0;
	memset(&o, 0, sizeof o);
	memset(open, 0, sizeof open);

	/* Complete minutes are [first, last]; history starts at activity. */
	if (m->nminutes == 0)
		return;
	first = m->minute0_ms > m->from_ms ? 0 : 1;
	last = m->nminutes;
	if (m->minute0_ms + (int64_t)(last - 1) * MINUTE_MS + MINUTE_MS - 1 >
	    m->now_ms)
		last--;
	if (last == 0 || first >= last)
		return;
	last--;
	k = metrics_minute_seek(m, first);
	if ((first = active_index(m, k)) == SIZE_MAX || first > last)
		return;
	m->anomaly_history = (int)(last - first + 1);
	m->anomaly_judged = m->anomaly_history > BASE_MIN ?
	    m->anomaly_history - BASE_MIN : 0;

	for (i = first + BASE_MIN; i <= last; i++) {
		lo = i - first > BASE_MINUTES ? i - BASE_MINUTES : first;
		/* the newest minute with data before i, and the next from i */
		while ((next = active_index(m, k)) < i) {
			prev_active = next;
			k++;
		}
		if (next != i && (prev_active == SIZE_MAX ||
		    prev_active < lo)) {
			if (next == SIZE_MAX || next > last)
				break;
			i = next - 1;
			continue;
		}
		window_fill(m, lo, i, w);
		mi = &w[i - lo];
		base_compute(w, 0, i - lo, &b);

		for (t = 0; t < NTYPES; t++) {
			cont = open[t].active && open[t].last + 1 == i;
			if (!rule_fires(t, mi, &b, cont ? Z_CONTINUE :
			    Z_ANOMALY, &h))
				continue;
			if (cont) {
				open[t].last = i;
				if (worse(t, &h, &open[t].worst))
					open[t].worst = h;
				continue;
			}
			if (open[t].active)
				emit(&o, t, &open[t], m->minute0_ms);
			open[t].active = 1;
			open[t].first = open[t].last = i;
			open[t].first_hit = open[t].worst = h;
		}

		if ((double)mi->finished > 2.0 * b.med_c &&
		    mi->finished >= 5 &&
		    (anscombe((double)mi->finished) - b.med_y) / b.sd_y >=
		    Z_BURST) {
			if (in_burst && burst_last + 1 == i) {
				bu = &m->bursts[m->nbursts - 1];
				bu->end_ms = mi->t0 + MINUTE_MS;
				bu->total += mi->finished;
				if (mi->finished > bu->peak)
					bu->peak = mi->finished;
				bu->impact = burst_impact(bu->peak,
				    burst_base);
			} else {
				burst_base = b.med_c;
				burst_add(m, &bcap, mi, burst_base);
			}
			in_burst = 1;
			burst_last = i;
		}
	}
	for (t = 0; t < NTYPES; t++) {
		if (open[t].active)
			emit(&o, t, &open[t], m->minute0_ms);
	}
	if (o.n > 1)
		qsort(o.v, o.n, sizeof *o.v, cmp_anomaly);
	m->anomalies = o.v;
	m->nanomalies = o.n;
}
