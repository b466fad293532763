/* execmon-gen - a deterministic PRNG (splitmix64) and its distributions. */
#include "config.h"

#include <math.h>
#include <stdint.h>

#include "gen.h"

/* Seed one independent sequence: the same (seed, stream), the same numbers. */
void
gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	gen_rng_next(r);
}

uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t z;

	z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double
gen_rng_unit(struct gen_rng *r)
{
	return (double)(gen_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t
gen_rng_below(struct gen_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	return gen_rng_next(r) % n;
}

int64_t
gen_rng_range(struct gen_rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)gen_rng_below(r, (uint64_t)(hi - lo) + 1);
}

int
gen_rng_chance(struct gen_rng *r, double p)
{
	return gen_rng_unit(r) < p;
}

/* A standard normal deviate (Box-Muller, one of the pair). */
double
gen_rng_normal(struct gen_rng *r)
{
	double u1, u2;

	u1 = 1.0 - gen_rng_unit(r); /* (0, 1]: log() stays finite */
	u2 = gen_rng_unit(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double
gen_rng_lognormal(struct gen_rng *r, double median, double sigma)
{
	return median * exp(sigma * gen_rng_normal(r));
}

double
gen_rng_exp(struct gen_rng *r, double mean)
{
	return -mean * log(1.0 - gen_rng_unit(r));
}

size_t
gen_rng_pick(struct gen_rng *r, const double *weights, size_t n)
{
	double total = 0, x;
	size_t i;

	for (i = 0; i < n; i++)
		total += weights[i];
	x = gen_rng_unit(r) * total;
	for (i = 0; i + 1 < n; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	return n - 1;
}

void
gen_rng_hex(struct gen_rng *r, char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 16 == 0)
			v = gen_rng_next(r);
		out[i] = digits[v & 15];
		v >>= 4;
	}
	out[n] = '\0';
}
