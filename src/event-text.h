/* execmon - text: UTF-8 helpers, times, and the sanitizer every string shown passes through. */
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

/*
 * Parse a time: integer epoch ms, or RFC 3339 (with 'Z' or an offset,
 * optional fraction). Returns 0 and sets *ms on success, -1 otherwise.
 * Times before 1970 or after 2200 are rejected.
 */
int event_parse_time(const char *s, size_t len, int64_t *ms);

/* The ms part of a stream ID "ms-seq" (or "ms-seq#N", of a recreated stream), or -1. */
int64_t event_id_ms(const char *id);

/*
 * Make a string safe for a terminal: C0/C1 controls, DEL, ESC, bidi overrides
 * and zero-width characters become visible escapes (\x1b, \u202e), tabs and
 * newlines become spaces unless keep_newlines. Always NUL-terminates out
 * (size > 0); truncates on a character boundary. Returns the length written.
 */
size_t event_sanitize(const char *in, char *out, size_t size, int keep_newlines);

/* Format epoch ms as RFC 3339 UTC with milliseconds ("2026-11-21T22:59:51.123Z"). */
void event_format_time(int64_t ms, char *buf, size_t size);

#endif
