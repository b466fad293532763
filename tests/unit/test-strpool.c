/* execmon - unit tests for interned strings (strpool.c). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strpool.h"
#include "rng.h"
#include "tap.h"

#define NAMES 5000

int
main(void)
{
	struct strpool *p = strpool_create();
	static const char *held[NAMES];
	static int refs[NAMES];
	const char *a, *b;
	char buf[32];
	size_t i, live = 0, bad = 0;

	a = strpool_get(p, "coder");
	b = strpool_get(p, "coder");
	ok(a == b, "equal strings are one pointer");
	is_str(a, "coder", "with the text");
	ok(strpool_get(p, NULL) == NULL, "NULL stays NULL");
	is_int(strpool_count(p), 1, "one string held");
	snprintf(buf, sizeof buf, "%s", "coder");
	ok(strpool_find(p, buf) == a, "find gives the pooled copy of an equal string");
	ok(strpool_find(p, "nobody") == NULL && strpool_count(p) == 1,
	    "and NULL for one not held, adding nothing");
	strpool_put(p, a);
	is_int(strpool_count(p), 1, "held while one holder is left");
	strpool_put(p, b);
	is_int(strpool_count(p), 0, "gone with its last holder");
	strpool_put(p, NULL);
	ok(strpool_get(p, "") != NULL && strpool_count(p) == 1,
	    "the empty string is a string");

	/* Random gets and puts against a count kept here. */
	for (i = 0; i < 200000; i++) {
		size_t k = rng() % NAMES;

		snprintf(buf, sizeof buf, "name-%zu", k);
		if (refs[k] > 0 && rng() % 2 == 0) {
			strpool_put(p, held[k]);
			if (--refs[k] == 0)
				live--;
		} else {
			a = strpool_get(p, buf);
			if (refs[k] > 0 && a != held[k])
				bad++;
			if (strcmp(a, buf) != 0)
				bad++;
			held[k] = a;
			if (refs[k]++ == 0)
				live++;
		}
	}
	is_int(bad, 0, "200000 random gets and puts: every get the one copy");
	is_int(strpool_count(p), live + 1, "the count follows the holders");
	for (i = 0; i < NAMES; i++) {
		while (refs[i] > 0) {
			strpool_put(p, held[i]);
			refs[i]--;
		}
	}
	is_int(strpool_count(p), 1, "all put back: only the empty string left");
	snprintf(buf, sizeof buf, "name-%d", 7);
	a = strpool_get(p, buf);
	ok(a != NULL && strcmp(a, "name-7") == 0, "and the pool still works");
	strpool_put(p, a);
	strpool_free(p);
	return tap_done();
}
