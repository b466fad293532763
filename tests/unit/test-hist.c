/* execmon - property tests for the histogram against exact percentiles. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "tap.h"
#include "xmalloc.h"

/* xoshiro256** seeded through splitmix64: reproducible samples. */
static uint64_t rs[4];

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		rs[i] = splitmix(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

/* Uniform in (0, 1). */
static double
rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double
rng_normal(void)
{
	return sqrt(-2.0 * log(rng_unit())) * cos(2.0 * M_PI * rng_unit());
}

enum dist { D_UNIFORM, D_LOGNORMAL, D_BIMODAL, D_PARETO, D_CONSTANT, D_TINY,
    D__COUNT };
static const char *const dist_names[D__COUNT] = {
	"uniform", "lognormal", "bimodal", "pareto", "constant", "tiny-int"
};

static int64_t
draw(enum dist d)
{
	double x;

	switch (d) {
	case D_UNIFORM:
		return (int64_t)(rng_next() % 100001);
	case D_LOGNORMAL:
		return llround(exp(7.0 + 1.5 * rng_normal()));
	case D_BIMODAL:
		x = (rng_next() & 1) ? 300 + 30 * rng_normal() :
		    40000 + 4000 * rng_normal();
		return x < 0 ? 0 : llround(x);
	case D_PARETO:
		x = 50.0 / pow(rng_unit(), 1.0 / 1.1);
		return x > 1e12 ? (int64_t)1e12 : llround(x);
	case D_CONSTANT:
		return 123457;
	default:
		return (int64_t)(rng_next() % 5);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* PERCENTILE_CONT over sorted v[0..n): linear interpolation of ranks. */
static double
percentile_cont(const int64_t *v, size_t n, double p)
{
	double pos = p * (double)(n - 1), f;
	size_t k = (size_t)pos;

	f = pos - (double)k;
	if (k + 1 >= n)
		return (double)v[n - 1];
	return (double)v[k] + f * ((double)v[k + 1] - (double)v[k]);
}

static const double ps[] = { 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.01 };
#define NPS (sizeof ps / sizeof ps[0])

static double worst_err;

static void
check_case(enum dist d, size_t n)
{
	struct hist h;
	int64_t *v = xreallocarray(NULL, n, sizeof *v), sum = 0, mn, mx;
	double err, max_err = 0, exact, est;
	size_t i, j, outside = 0;

	hist_init(&h);
	rng_seed(0x5eed0000ULL + (uint64_t)d * 1000003ULL + n);
	for (i = 0; i < n; i++) {
		v[i] = draw(d);
		hist_record(&h, v[i]);
		sum += v[i];
	}
	qsort(v, n, sizeof *v, cmp_i64);
	mn = v[0];
	mx = v[n - 1];
	for (j = 0; j < NPS; j++) {
		exact = percentile_cont(v, n, ps[j]);
		est = hist_quantile(&h, ps[j]);
		if (est < (double)mn || est > (double)mx)
			outside++;
		if (exact == 0)
			err = est == 0 ? 0 : HUGE_VAL;
		else
			err = fabs(est - exact) / exact;
		if (err > max_err)
			max_err = err;
	}
	if (max_err > worst_err)
		worst_err = max_err;
	printf("# %-9s n=%-7zu max relative error %.5f%%\n", dist_names[d], n,
	    100 * max_err);
	ok(max_err <= 0.01, "%s n=%zu: every percentile within 1%%",
	    dist_names[d], n);
	ok(max_err <= 1.0 / 256 + 1e-12,
	    "%s n=%zu: within the proven bound of 1/256", dist_names[d], n);
	is_int(outside, 0, "%s n=%zu: estimates lie within [min, max]",
	    dist_names[d], n);
	ok(h.count == n && h.sum == sum && h.min == mn && h.max == mx,
	    "%s n=%zu: count, sum, min, max exact", dist_names[d], n);
	ok(hist_mean(&h) == (double)sum / (double)n,
	    "%s n=%zu: mean exact", dist_names[d], n);
	ok(hist_quantile(&h, 0) == (double)mn &&
	    hist_quantile(&h, 1) == (double)mx,
	    "%s n=%zu: p0 and p1 are min and max", dist_names[d], n);
	hist_done(&h);
	free(v);
}

static void
test_accuracy(void)
{
	static const size_t sizes[] = { 7, 5000, 1000000 };
	int d;
	size_t s;

	for (d = 0; d < D__COUNT; d++) {
		for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
			check_case(d, sizes[s]);
	}
	printf("# worst relative error over all cases: %.5f%%\n",
	    100 * worst_err);
}

static void
test_merge(void)
{
	struct hist all, part[3], merged;
	size_t i, n = 300000;
	int64_t x;
	int same = 1, j;

	hist_init(&all);
	hist_init(&merged);
	for (j = 0; j < 3; j++)
		hist_init(&part[j]);
	rng_seed(77);
	for (i = 0; i < n; i++) {
		x = draw(i % 2 ? D_PARETO : D_LOGNORMAL);
		hist_record(&all, x);
		hist_record(&part[i % 3], x);
	}
	hist_merge(&merged, &part[2]);
	hist_merge(&merged, &part[0]);
	hist_merge(&merged, &part[1]);
	ok(merged.count == all.count && merged.sum == all.sum &&
	    merged.min == all.min && merged.max == all.max,
	    "merge: count, sum, min, max equal recording all");
	ok(memcmp(merged.b, all.b, HIST_BUCKETS * sizeof *all.b) == 0,
	    "merge: every bucket equals recording all");
	for (i = 0; i < NPS; i++) {
		if (hist_quantile(&merged, ps[i]) != hist_quantile(&all, ps[i]))
			same = 0;
	}
	ok(same, "merge: every percentile equals recording all");
	hist_merge(&merged, &(struct hist){ 0 });
	is_int(merged.count, n, "merging an empty hist changes nothing");
	hist_done(&all);
	hist_done(&merged);
	for (j = 0; j < 3; j++)
		hist_done(&part[j]);
}

static void
test_buckets(void)
{
	int64_t lo, hi, plo = -1, phi = -1, v, w;
	int idx, prev = -1, bad_range = 0, bad_mono = 0, bad_contig = 0;
	int bad_width = 0, bad_ends = 0, bad_idx = 0, e;
	size_t i;

	for (idx = 0; idx < HIST_BUCKETS; idx++) {
		hist_bucket_range(idx, &lo, &hi);
		if (idx > 0 && lo != phi + 1)
			bad_contig++;
		if (hist_index(lo) != idx || hist_index(hi) != idx)
			bad_ends++;
		w = hi - lo + 1;
		if (w < 1 || (idx >= HIST_LINEAR && w * HIST_SUB > lo) ||
		    (idx < HIST_LINEAR && w != 1))
			bad_width++;
		plo = lo;
		phi = hi;
	}
	is_int(plo > 0, 1, "last bucket starts above 0");
	is_int(phi, ((int64_t)1 << HIST_MAX_BITS) - 1,
	    "buckets cover exactly [0, 2^HIST_MAX_BITS)");
	is_int(bad_contig, 0, "buckets are contiguous, no gap or overlap");
	is_int(bad_ends, 0, "both ends of every bucket index back to it");
	is_int(bad_width, 0, "width <= lo / HIST_SUB above the linear part");

	/* Every value up to 2^20, then log-uniform ones up to 2^42. */
	for (v = 0; v < ((int64_t)1 << 20); v++) {
		idx = hist_index(v);
		hist_bucket_range(idx, &lo, &hi);
		if (v < lo || v > hi)
			bad_range++;
		if (idx < prev)
			bad_mono++;
		if (idx < 0 || idx >= HIST_BUCKETS)
			bad_idx++;
		prev = idx;
	}
	rng_seed(4242);
	for (i = 0; i < 1000000; i++) {
		e = (int)(rng_next() % HIST_MAX_BITS);
		v = (int64_t)(rng_next() & (((uint64_t)1 << (e + 1)) - 1));
		idx = hist_index(v);
		if (idx < 0 || idx >= HIST_BUCKETS)
			bad_idx++;
		hist_bucket_range(idx, &lo, &hi);
		if (v < lo || v > hi)
			bad_range++;
		if (hist_index(v + 1) < idx)
			bad_mono++;
	}
	is_int(bad_range, 0, "every value lies in its bucket's range");
	is_int(bad_mono, 0, "the index never decreases as the value grows");
	is_int(bad_idx, 0, "every index is in [0, HIST_BUCKETS)");
	is_int(hist_index(-5), 0, "negative values index bucket 0");
	is_int(hist_index(INT64_MAX), HIST_BUCKETS - 1,
	    "values past the top go to the last bucket");
}

static void
test_edges(void)
{
	struct hist h;

	hist_init(&h);
	ok(hist_quantile(&h, 0.5) == -1 && hist_mean(&h) == -1,
	    "an empty hist has no quantile and no mean");
	hist_record(&h, -40);
	ok(h.count == 1 && h.min == 0 && hist_quantile(&h, 0.5) == 0,
	    "negative values are recorded as 0");
	hist_record(&h, 1000);
	ok(hist_quantile(&h, 0.5) == 500, "two values interpolate: p50 of "
	    "{0, 1000} is 500");
	ok(fabs(hist_quantile(&h, 0.25) - 250) < 1e-9,
	    "p25 of {0, 1000} is 250");
	hist_reset(&h);
	ok(h.count == 0 && hist_quantile(&h, 0.5) == -1, "reset empties");
	hist_record(&h, 7);
	is_int((int64_t)hist_quantile(&h, 0.9), 7, "usable after reset");
	hist_done(&h);
}

int
main(void)
{
	test_accuracy();
	test_merge();
	test_buckets();
	test_edges();
	return tap_done();
}
