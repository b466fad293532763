/* execmon - text by display width: measure, cut and pad in terminal cells (tw_). */
#ifndef EXECMON_TEXTWIDTH_H
#define EXECMON_TEXTWIDTH_H

#include <stddef.h>

/*
 * Every column of the dashboard and of the `runs` and `events` tables is
 * measured here, in terminal cells, never in bytes. Text is taken as
 * event_sanitize() shows it: each character as it is, or its visible escape
 * (`\x1b`, `\u202e`), and neither is ever cut in two. A character's width is
 * wcwidth()'s in a UTF-8 locale (C.UTF-8), whatever the caller's locale: 2
 * for CJK and most emoji, 0 for combining marks, which stay with the
 * character before them. A character whose width is unknown (unassigned)
 * is shown as its escape, so every terminal gives it the same cells.
 */

enum {
	TW_RIGHT = 1 << 0, /* pad on the left: right-aligned */
	TW_NOPAD = 1 << 1, /* do not pad to the width */
	TW_CLIP = 1 << 2,  /* cut without an ellipsis */
	TW_TAIL = 1 << 3,  /* keep the end, cut the start ("…1f3a9c"); not with TW_CLIP */
	TW_TILDE = 1 << 4, /* the ellipsis is '~' rather than U+2026 */
	TW_ASCII = 1 << 5, /* the terminal shows ASCII only: others as '?', '~' */
};

/* Cells s takes on a terminal once sanitized (TW_ASCII: one per character). */
int tw_width(const char *s, int flags);

/*
 * Fit s into w cells: sanitized, cut at a character (or escape) boundary
 * with an ellipsis when wider, padded with spaces to exactly w cells unless
 * TW_NOPAD. Writes a NUL-terminated string into out (size bytes; a buffer too
 * small cuts the text as the width would). Returns the cells written.
 */
int tw_fit(const char *s, int w, int flags, char *out, size_t size);

/*
 * The bytes of s that fill at most w cells from its start (at least one
 * character when w > 0, so that wrapping always moves on), cut only between
 * characters and never inside what becomes an escape. For wrapping long
 * lines; each part is then shown with tw_fit().
 */
size_t tw_take(const char *s, int w, int flags);

/*
 * tw_take(), ending between words: when the line goes on past a word cut at
 * w, back to the last space, if that keeps more than half of the line. The
 * space stays with what follows.
 */
size_t tw_take_words(const char *s, int w, int flags);

#endif
