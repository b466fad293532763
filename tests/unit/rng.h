/* execmon - a small deterministic generator for the unit tests. */
#ifndef EXECMON_TEST_RNG_H
#define EXECMON_TEST_RNG_H

#include <stddef.h>
#include <stdint.h>

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* Start the sequence again from s (never 0). */
static inline void
rng_seed(uint64_t s)
{
	rng_state = s;
}

static inline uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* Put v[0..n) in an order drawn from rng(). */
static inline void
shuffle(size_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng() % i, t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

#endif
