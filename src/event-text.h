/* execmon - UTF-8 helpers shared by the decoder and the display sanitizer. */
#ifndef EXECMON_EVENT_TEXT_H
#define EXECMON_EVENT_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the valid UTF-8 sequence at s (n bytes available) with its code
 * point in *cp, or 0 when the bytes there are not one; then *skip is the
 * length of the invalid part (at least 1).
 */
size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *skip);
/* A NUL-terminated copy of in[0..len) with invalid bytes and NULs as U+FFFD. */
char *utf8_dup(const char *in, size_t len, size_t *outlen);

#endif
