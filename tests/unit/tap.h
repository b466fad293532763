/* execmon - a tiny TAP producer for the unit tests. */
#ifndef EXECMON_TAP_H
#define EXECMON_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {                                              \
	int ok_c_ = (cond) ? 1 : 0;                                     \
	tap_n++;                                                        \
	if (!ok_c_)                                                     \
		tap_failed++;                                           \
	printf("%s %d - ", ok_c_ ? "ok" : "not ok", tap_n);             \
	printf(__VA_ARGS__);                                            \
	printf("\n");                                                   \
	if (!ok_c_)                                                     \
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
} while (0)

#define is_str(a, b, ...) do {                                          \
	const char *is_a_ = (a), *is_b_ = (b);                          \
	int is_c_ = (is_a_ == NULL && is_b_ == NULL) ||                 \
	    (is_a_ != NULL && is_b_ != NULL && strcmp(is_a_, is_b_) == 0); \
	ok(is_c_, __VA_ARGS__);                                         \
	if (!is_c_)                                                     \
		printf("#   got '%s', expected '%s'\n",                 \
		    is_a_ ? is_a_ : "(null)", is_b_ ? is_b_ : "(null)");   \
} while (0)

#define is_int(a, b, ...) do {                                          \
	long long is_a_ = (long long)(a), is_b_ = (long long)(b);       \
	ok(is_a_ == is_b_, __VA_ARGS__);                                \
	if (is_a_ != is_b_)                                             \
		printf("#   got %lld, expected %lld\n", is_a_, is_b_);  \
} while (0)

/* A note in the output (TAP comment lines start with '#'). */
#define diag(...) do {                                                  \
	printf("# ");                                                   \
	printf(__VA_ARGS__);                                            \
	printf("\n");                                                   \
} while (0)

/* Count n checks as skipped, with the reason. */
#define skip(n, reason) do {                                            \
	for (int skip_i_ = 0; skip_i_ < (n); skip_i_++)                 \
		printf("ok %d # SKIP %s\n", ++tap_n, (reason));          \
} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
