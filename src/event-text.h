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
/*
 * Drop the start of a UTF-8 sequence left at the end of s by a cut in bytes
 * (snprintf into a buffer too small), so it is not shown as escaped bytes.
 */
void utf8_trim_cut(char *s);
/* A NUL-terminated copy of in[0..len) with invalid bytes and NULs as U+FFFD. */
char *utf8_dup(const char *in, size_t len, size_t *outlen);

/* What sanitize_next() gives as the code point of an escape. */
#define SANITIZE_ESCAPE UINT32_C(0xffffffff)

/*
 * The next piece of s (n > 0 bytes) as event_sanitize() shows it: one
 * character as it is (*cp its code point, a tab or newline as a space unless
 * keep_newlines keeps the newline), or the visible escape of a control,
 * invisible character or invalid byte, written into esc (*cp then
 * SANITIZE_ESCAPE; the escape is plain ASCII, one cell a byte). *piece and
 * *plen say what to show. Returns the bytes of s the piece stands for.
 */
size_t sanitize_next(const unsigned char *s, size_t n, int keep_newlines, char esc[12],
    const char **piece, size_t *plen, uint32_t *cp);

#endif
