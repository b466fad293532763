/* execmon - unit tests for the string-keyed hash map. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "tap.h"

#define BIG 100000

static void
test_basic(void)
{
	struct map *m = map_create();
	int a = 1, b = 2, c = 3;

	ok(map_get(m, "x") == NULL, "get on an empty map");
	ok(map_del(m, "x") == NULL, "del on an empty map");
	is_int(map_count(m), 0, "empty count");
	ok(map_put(m, "alpha", &a) == NULL, "first put returns NULL");
	ok(map_put(m, "beta", &b) == NULL, "second put returns NULL");
	ok(map_get(m, "alpha") == &a, "get alpha");
	ok(map_get(m, "beta") == &b, "get beta");
	ok(map_get(m, "gamma") == NULL, "get a missing key");
	ok(map_put(m, "alpha", &c) == &a, "replacing returns the old value");
	ok(map_get(m, "alpha") == &c, "replaced value");
	is_int(map_count(m), 2, "replace does not add");
	ok(map_put(m, "", &b) == NULL, "empty key");
	ok(map_get(m, "") == &b, "get the empty key");
	ok(map_del(m, "alpha") == &c, "del returns the value");
	ok(map_get(m, "alpha") == NULL, "deleted key is gone");
	ok(map_del(m, "alpha") == NULL, "second del returns NULL");
	is_int(map_count(m), 2, "count after del");
	ok(map_put(m, "alpha", &a) == NULL, "re-insert after del");
	ok(map_get(m, "alpha") == &a, "re-inserted value");
	map_free(m);
}

static void
test_keys_copied(void)
{
	struct map *m = map_create();
	char buf[16];
	int v = 7;

	strcpy(buf, "mutable");
	map_put(m, buf, &v);
	strcpy(buf, "changed");
	ok(map_get(m, "mutable") == &v, "key is copied on put");
	ok(map_get(m, "changed") == NULL,
	    "changing the caller's buffer has no effect");
	map_free(m);
}

static void
test_growth(void)
{
	struct map *m = map_create();
	char key[32];
	size_t i, bad;
	uintptr_t v;

	for (i = 0; i < BIG; i++) {
		snprintf(key, sizeof key, "run-%zu", i);
		map_put(m, key, (void *)(uintptr_t)(i + 1));
	}
	is_int(map_count(m), BIG, "100k keys counted");
	bad = 0;
	for (i = 0; i < BIG; i++) {
		snprintf(key, sizeof key, "run-%zu", i);
		v = (uintptr_t)map_get(m, key);
		if (v != i + 1)
			bad++;
	}
	is_int(bad, 0, "every one of 100k keys found with its value");

	/* Delete the odd ones; the even ones must survive the back-shifts. */
	bad = 0;
	for (i = 1; i < BIG; i += 2) {
		snprintf(key, sizeof key, "run-%zu", i);
		if ((uintptr_t)map_del(m, key) != i + 1)
			bad++;
	}
	is_int(bad, 0, "deleting 50k keys returns their values");
	is_int(map_count(m), BIG / 2, "50k keys left");
	bad = 0;
	for (i = 0; i < BIG; i++) {
		snprintf(key, sizeof key, "run-%zu", i);
		v = (uintptr_t)map_get(m, key);
		if ((i % 2 == 0 && v != i + 1) || (i % 2 == 1 && v != 0))
			bad++;
	}
	is_int(bad, 0, "even keys present, odd keys absent");
	map_free(m);
}

static void
test_order(void)
{
	struct map *m = map_create();
	char key[32], want[32];
	const char *k;
	void *v;
	size_t i, it, n, bad;

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		map_put(m, key, (void *)(uintptr_t)i);
	}
	/* Delete every third key, then add more (forcing compaction). */
	for (i = 0; i < 1000; i += 3) {
		snprintf(key, sizeof key, "k%zu", i);
		map_del(m, key);
	}
	for (i = 1000; i < 3000; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		map_put(m, key, (void *)(uintptr_t)i);
	}
	/* Replacing a value must not move the key. */
	map_put(m, "k1", (void *)(uintptr_t)1);

	it = 0;
	n = bad = 0;
	i = 0;
	while (map_next(m, &it, &k, &v)) {
		while (i < 1000 && i % 3 == 0)
			i++;
		snprintf(want, sizeof want, "k%zu", i);
		if (strcmp(k, want) != 0 || (uintptr_t)v != i)
			bad++;
		n++;
		i++;
	}
	is_int(n, map_count(m), "iteration visits every live key once");
	is_int(bad, 0, "iteration is in insertion order after deletions");

	/* Deleting while iterating visits each remaining key exactly once. */
	it = 0;
	n = 0;
	while (map_next(m, &it, &k, &v)) {
		n++;
		if ((uintptr_t)v % 2 == 0) {
			snprintf(key, sizeof key, "%s", k);
			map_del(m, key);
		}
	}
	is_int(n, 2000 + 666, "delete during iteration keeps the walk intact");
	bad = 0;
	it = 0;
	while (map_next(m, &it, &k, &v)) {
		if ((uintptr_t)v % 2 == 0)
			bad++;
	}
	is_int(bad, 0, "no even values left");

	/* A key deleted and put again moves to the end. */
	map_put(m, "k1", NULL);
	map_del(m, "k1");
	map_put(m, "k1", (void *)(uintptr_t)1);
	it = 0;
	k = NULL;
	while (map_next(m, &it, &k, &v))
		;
	is_str(k, "k1", "re-inserted key iterates last");
	map_free(m);

	/* Emptying the map resets it for reuse. */
	m = map_create();
	map_put(m, "a", NULL);
	map_del(m, "a");
	it = 0;
	ok(map_next(m, &it, &k, &v) == 0, "empty map iterates nothing");
	map_put(m, "b", (void *)(uintptr_t)2);
	it = 0;
	ok(map_next(m, &it, &k, &v) == 1 && strcmp(k, "b") == 0,
	    "map reusable after emptying");
	map_free(m);
}

/* Heavy churn: a window of live keys sliding forward. */
static void
test_churn(void)
{
	struct map *m = map_create();
	char key[32];
	size_t i, bad = 0, maxcount = 0;

	for (i = 0; i < 200000; i++) {
		snprintf(key, sizeof key, "c%zu", i);
		map_put(m, key, (void *)(uintptr_t)(i + 1));
		if (i >= 500) {
			snprintf(key, sizeof key, "c%zu", i - 500);
			if ((uintptr_t)map_del(m, key) != i - 500 + 1)
				bad++;
		}
		if (map_count(m) > maxcount)
			maxcount = map_count(m);
	}
	is_int(bad, 0, "sliding window: each delete finds its key");
	is_int(maxcount, 500, "sliding window never holds more than 500");
	bad = 0;
	for (i = 200000 - 500; i < 200000; i++) {
		snprintf(key, sizeof key, "c%zu", i);
		if ((uintptr_t)map_get(m, key) != i + 1)
			bad++;
	}
	is_int(bad, 0, "the last 500 keys are present");
	map_free(m);
}

static int
popcount64(uint64_t x)
{
	int n = 0;

	while (x != 0) {
		x &= x - 1;
		n++;
	}
	return n;
}

static void
test_hash(void)
{
	static unsigned lo[1024], hi[1024];
	char key[32], key2[32];
	size_t i, len, maxlo = 0, maxhi = 0;
	double chi = 0, exp, d;
	uint64_t h, total_bits = 0, ntests = 0;
	int bit, minbits = 64, maxbits = 0, n;

	ok(map_hash("abc", 3) == map_hash("abc", 3), "hash is deterministic");
	ok(map_hash("abc", 3) != map_hash("abd", 3), "one byte changes it");
	ok(map_hash("a\0", 2) != map_hash("a", 1), "trailing NUL changes it");
	ok(map_hash("", 0) != map_hash("\0", 1), "empty vs one zero byte");

	for (i = 0; i < BIG; i++) {
		len = (size_t)snprintf(key, sizeof key, "trace-%zu", i);
		h = map_hash(key, len);
		lo[h & 1023]++;
		hi[h >> 54]++;
	}
	exp = BIG / 1024.0;
	for (i = 0; i < 1024; i++) {
		if (lo[i] > maxlo)
			maxlo = lo[i];
		if (hi[i] > maxhi)
			maxhi = hi[i];
		d = lo[i] - exp;
		chi += d * d / exp;
	}
	/* 1023 degrees of freedom: mean 1023, sd ~45; 1300 is > 6 sd. */
	ok(chi < 1300, "low bits spread evenly (chi2 %.0f)", chi);
	ok(maxlo < exp * 1.6,
	    "fullest low-bit bucket %zu (mean %.0f)", maxlo, exp);
	ok(maxhi < exp * 1.6,
	    "fullest high-bit bucket %zu (mean %.0f)", maxhi, exp);

	/* Avalanche: flipping one input bit flips about half the output. */
	for (i = 0; i < 2000; i++) {
		len = (size_t)snprintf(key, sizeof key, "k-%zu-x", i * 7919);
		h = map_hash(key, len);
		for (bit = 0; bit < (int)len * 8; bit++) {
			memcpy(key2, key, len);
			key2[bit / 8] ^= (char)(1 << (bit % 8));
			n = popcount64(h ^ map_hash(key2, len));
			total_bits += (uint64_t)n;
			ntests++;
			if (n < minbits)
				minbits = n;
			if (n > maxbits)
				maxbits = n;
		}
	}
	d = (double)total_bits / (double)ntests;
	ok(d > 31.5 && d < 32.5, "average flipped output bits %.2f", d);
	ok(minbits > 8,
	    "no single-bit flip changes fewer than 9 bits (%d)", minbits);
}

int
main(void)
{
	test_basic();
	test_keys_copied();
	test_growth();
	test_order();
	test_churn();
	test_hash();
	return tap_done();
}
