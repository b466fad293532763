/* execmon - log-bucketed latency histograms with a bounded relative error. */
#ifndef EXECMON_HIST_H
#define EXECMON_HIST_H

#include <stdint.h>

/*
 * Values are non-negative integers (milliseconds). Values below HIST_LINEAR
 * are counted exactly; above, each power of two is split into HIST_SUB equal
 * buckets. See hist.c for the error bound (< 0.4 %).
 */
#define HIST_SUB_BITS 7
#define HIST_SUB (1 << HIST_SUB_BITS)          /* 128 buckets per octave */
#define HIST_LINEAR (2 * HIST_SUB)             /* 0..255 exact */
#define HIST_MAX_BITS 42                       /* values up to 2^42 ms (139 years) */
#define HIST_BUCKETS (HIST_LINEAR + (HIST_MAX_BITS - HIST_SUB_BITS - 1) * HIST_SUB)

struct hist {
	uint64_t count;
	int64_t sum;       /* exact sum of recorded values */
	int64_t min, max;  /* exact; valid when count > 0 */
	uint32_t *b;       /* HIST_BUCKETS counters, allocated on first record */
};

void hist_init(struct hist *);
void hist_done(struct hist *);
void hist_reset(struct hist *);
/* Record one value (negative values are clamped to 0). O(1). */
void hist_record(struct hist *, int64_t v);
/* Add every count of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/*
 * The p-quantile (0 <= p <= 1) by linear interpolation between the ranks
 * floor(p*(n-1)) and ceil(p*(n-1)), as PERCENTILE_CONT does. -1 if empty.
 */
double hist_quantile(const struct hist *, double p);
double hist_mean(const struct hist *);

/* Bucket index of v and the [lo, hi] range of values that bucket holds. */
int hist_index(int64_t v);
void hist_bucket_range(int idx, int64_t *lo, int64_t *hi);

#endif
