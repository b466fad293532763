/* execmon - log-bucketed latency histograms with a bounded relative error. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "xmalloc.h"

/*
 * The error bound. A value v >= HIST_LINEAR with top bit e (2^e <= v < 2^(e+1))
 * falls in a bucket of width w = 2^(e - HIST_SUB_BITS) whose values all share
 * v >> (e - HIST_SUB_BITS), a number in [HIST_SUB, 2*HIST_SUB). So every
 * value in the bucket is at least HIST_SUB * w. We answer with the bucket's
 * midpoint m = lo + (w - 1) / 2, clamped to the exact min and max; |m - v| <=
 * (w - 1) / 2 < w / 2, hence |m - v| / v < (w / 2) / (HIST_SUB * w) =
 * 1 / (2 * HIST_SUB) = 1/256 < 0.4 %. Below HIST_LINEAR every bucket holds one
 * value and the answer is exact. (Values of 2^HIST_MAX_BITS ms and more, over
 * a century, all land in the last bucket: the bound holds only below that.)
 *
 * A quantile interpolates between the values at two ranks: q = x_k + f (x_k+1
 * - x_k) with 0 <= f < 1, a convex combination. Replacing x_k and x_k+1 by
 * estimates each within relative error r keeps q within r: |q' - q| <= (1-f)
 * r x_k + f r x_k+1 = r q. So every percentile we report is within 0.4 % of
 * the exact PERCENTILE_CONT of the recorded values.
 */

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

void
hist_done(struct hist *h)
{
	free(h->b);
	memset(h, 0, sizeof *h);
}

void
hist_reset(struct hist *h)
{
	if (h->b != NULL)
		memset(h->b, 0, HIST_BUCKETS * sizeof *h->b);
	h->count = 0;
	h->sum = h->min = h->max = 0;
}

int
hist_index(int64_t v)
{
	int e, shift;

	if (v < HIST_LINEAR)
		return v < 0 ? 0 : (int)v;
	if (v >= ((int64_t)1 << HIST_MAX_BITS))
		return HIST_BUCKETS - 1;
	e = 63 - __builtin_clzll((unsigned long long)v);
	shift = e - HIST_SUB_BITS;
	/* octave e starts at HIST_LINEAR + (e - HIST_SUB_BITS - 1) * HIST_SUB */
	return HIST_LINEAR + (e - HIST_SUB_BITS - 1) * HIST_SUB +
	    (int)((v >> shift) - HIST_SUB);
}

void
hist_bucket_range(int idx, int64_t *lo, int64_t *hi)
{
	int oct, sub, shift;

	if (idx < HIST_LINEAR) {
		*lo = *hi = idx;
		return;
	}
	oct = (idx - HIST_LINEAR) / HIST_SUB;
	sub = (idx - HIST_LINEAR) % HIST_SUB;
	shift = oct + 1;
	*lo = ((int64_t)(HIST_SUB + sub)) << shift;
	*hi = *lo + ((int64_t)1 << shift) - 1;
}

void
hist_record(struct hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	if (h->b == NULL)
		h->b = xcalloc(HIST_BUCKETS, sizeof *h->b);
	h->b[hist_index(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (h->count == 0 || v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->count == 0)
		return;
	if (dst->b == NULL)
		dst->b = xcalloc(HIST_BUCKETS, sizeof *dst->b);
	for (int i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
}

/* The value estimate at rank r (0-based): exact at the ends, else its bucket's midpoint. */
static double
value_at_rank(const struct hist *h, uint64_t r)
{
	uint64_t seen = 0;
	int64_t lo, hi;
	double m;
	int i;

	if (r == 0)
		return (double)h->min;
	if (r >= h->count - 1)
		return (double)h->max;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > r)
			break;
	}
	hist_bucket_range(i, &lo, &hi);
	m = (double)lo + (double)(hi - lo) / 2.0;
	if (m < (double)h->min)
		m = (double)h->min;
	if (m > (double)h->max)
		m = (double)h->max;
	return m;
}

double
hist_quantile(const struct hist *h, double p)
{
	double pos, frac, a, b;
	uint64_t k;

	if (h->count == 0)
		return -1;
	if (p <= 0)
		return (double)h->min;
	if (p >= 1)
		return (double)h->max;
	pos = p * (double)(h->count - 1);
	k = (uint64_t)pos;
	frac = pos - (double)k;
	a = value_at_rank(h, k);
	if (frac == 0)
		return a;
	b = value_at_rank(h, k + 1);
	return a + frac * (b - a);
}

double
hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return -1;
	return (double)h->sum / (double)h->count;
}
