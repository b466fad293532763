/* execmon - what the fuzz harnesses share: the entry point and property checks. */
#ifndef EXECMON_FUZZ_H
#define EXECMON_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "event.h"

/*
 * Each harness defines the libFuzzer entry point. Built with
 * -fsanitize=fuzzer it is driven by libFuzzer; linked with replay.c it runs
 * once per file of a corpus, as a test.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold: print what broke and abort, so it is a crash. */
#define FUZZ_CHECK(cond, ...) do {                                      \
	if (!(cond))                                                    \
		fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);      \
} while (0)

void fuzz_fail(const char *file, int line, const char *cond,
    const char *fmt, ...) __attribute__((format(printf, 4, 5), noreturn));

/*
 * The first code point that must never reach a terminal (C0 and C1
 * controls, ESC, DEL, bidirectional overrides and marks, zero-width
 * characters), or -1 if s[0..len) has none. keep_newlines allows '\n'.
 */
long fuzz_forbidden(const char *s, size_t len, int keep_newlines);
/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int fuzz_utf8_valid(const char *s, size_t len);
/* Deepest nesting of arrays and objects in v (a scalar is 0). */
int fuzz_json_depth(const json_t *v);
/*
 * Check everything a decoded event promises: a type, a time in range, a
 * run_id where the type needs one, numbers in their ranges, and a json form
 * that is valid UTF-8 and decodes back to the same event.
 */
void fuzz_check_event(const struct event *ev);

#endif
