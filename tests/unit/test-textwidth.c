/* execmon - unit tests for text by display width (textwidth.c). */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <string.h>

#include "event-text.h"
#include "tap.h"
#include "textwidth.h"

/* Test strings, each character named. */
#define CJK "\xe4\xb8\xad\xe6\x96\x87"             /* 中文: 2 + 2 cells */
#define EMOJI "\xf0\x9f\x98\x80"                   /* 😀: 2 cells */
#define E_ACUTE "e\xcc\x81"                        /* e + U+0301: 1 cell */
#define ZWJ "\xe2\x80\x8d"                         /* U+200D: shown as \u200d */
#define RLO "\xe2\x80\xae"                         /* U+202E: shown as \u202e */
#define FAMILY "\xf0\x9f\x91\xa8" ZWJ "\xf0\x9f\x91\xa9" /* 👨‍👩 */
#define ELL "\xe2\x80\xa6"                         /* … */
#define UNASSIGNED "\xcd\xb8"                      /* U+0378: no width known */

static void
fit(const char *in, int w, int flags, const char *want, const char *what)
{
	char out[256];
	int cells = tw_fit(in, w, flags, out, sizeof out);

	is_str(out, want, "%s", what);
	if (!(flags & TW_NOPAD))
		is_int(cells, w, "%s: %d cells", what, w);
	is_int(tw_width(out, flags & TW_ASCII), cells, "%s: the result measures %d", what, cells);
}

static void
test_width(void)
{
	is_int(tw_width("", 0), 0, "empty: 0 cells");
	is_int(tw_width(NULL, 0), 0, "NULL: 0 cells");
	is_int(tw_width("abc", 0), 3, "ASCII: a cell each");
	is_int(tw_width(CJK, 0), 4, "CJK: two cells each");
	is_int(tw_width(EMOJI, 0), 2, "an emoji: two cells");
	is_int(tw_width(E_ACUTE, 0), 1, "a combining mark: no cell of its own");
	is_int(tw_width(RLO "x", 0), 7, "a bidi override: its escape \\u202e (6) and x");
	is_int(tw_width(FAMILY, 0), 10, "a ZWJ sequence: 2 + \\u200d (6) + 2");
	is_int(tw_width("a\x1b[2Jb", 0), 9, "ESC: a, its escape \\x1b (4), then [2J and b");
	is_int(tw_width("\xff", 0), 4, "an invalid byte: \\xff");
	is_int(tw_width("a\tb", 0), 3, "a tab: one space");
	is_int(tw_width(UNASSIGNED, 0), 6, "an unassigned code point: its escape \\u0378");
	is_int(tw_width(CJK EMOJI, TW_ASCII), 3, "ASCII terminal: one '?' a character");
}

static void
test_fit(void)
{
	fit("abc", 5, 0, "abc  ", "pads to the width");
	fit("abc", 5, TW_RIGHT, "  abc", "right-aligned");
	fit("abcdef", 4, 0, "abc" ELL, "cut with an ellipsis");
	fit("abcdef", 4, TW_TILDE, "abc~", "cut with '~'");
	fit("abcdef", 4, TW_CLIP, "abcd", "clipped without an ellipsis");
	fit("abcd", 4, 0, "abcd", "exactly the width: not cut");
	fit(CJK CJK, 5, 0, CJK ELL, "CJK: 2 + 2 + ellipsis");
	fit(CJK CJK, 6, 0, CJK ELL " ", "CJK: 6 cells, a wide character not fitting leaves a space");
	fit(CJK CJK, 4, 0, "\xe4\xb8\xad" ELL " ", "CJK: 4 cells");
	fit(CJK, 3, TW_CLIP, "\xe4\xb8\xad ", "CJK clipped at 3: one character and a space");
	fit(EMOJI EMOJI EMOJI, 5, 0, EMOJI EMOJI ELL, "emoji");
	fit(E_ACUTE E_ACUTE E_ACUTE, 3, 0, E_ACUTE E_ACUTE E_ACUTE, "combining marks: 3 cells in 3");
	fit(E_ACUTE E_ACUTE E_ACUTE, 2, 0, E_ACUTE ELL, "combining marks stay with their letter");
	fit(E_ACUTE E_ACUTE E_ACUTE, 2, TW_CLIP, E_ACUTE E_ACUTE, "clipped after a letter's mark");
	fit("ab" RLO "cd", 10, 0, "ab\\u202ecd", "a bidi override shown as its escape");
	fit("ab" RLO "cd", 6, 0, "ab" ELL "   ", "an escape is never cut in two");
	fit("ab" RLO "cd", 6, TW_CLIP, "ab    ", "nor clipped in two");
	fit(FAMILY, 7, 0, "\xf0\x9f\x91\xa8" ELL "    ", "a ZWJ sequence cut before its escape");
	fit("a\x1b[31mred", 6, 0, "a\\x1b" ELL, "ESC is an escape, then cut");
	fit("r\xe4\xb8", 9, 0, "r\\xe4\\xb8", "bytes of a cut UTF-8 sequence are escapes, never raw");
	fit("0123456789abcdef", 8, TW_TAIL, ELL "9abcdef", "the tail kept");
	fit(CJK CJK "xy", 6, TW_TAIL, ELL "\xe6\x96\x87xy ", "the tail of CJK");
	fit("ab" E_ACUTE "cd", 3, TW_TAIL, ELL "cd", "the tail never starts with a combining mark");
	fit("abc", 0, 0, "", "zero cells: nothing");
	fit("abc", 1, 0, ELL, "one cell: the ellipsis");
	fit(CJK EMOJI, 4, TW_ASCII, "??? ", "ASCII terminal: '?'");
	fit("abcdefgh", 4, TW_ASCII, "abc~", "ASCII terminal: '~' for the ellipsis");
	fit(UNASSIGNED "x", 8, 0, "\\u0378x ", "an unassigned code point as its escape");
	fit("abc", 5, TW_NOPAD, "abc", "no padding");
	fit("\xcc\x81" "ab", 9, 0, "\\u0301ab ", "a combining mark with nothing before it: its escape");
}

static void
test_small_buffer(void)
{
	char out[8];
	int cells;

	cells = tw_fit(CJK CJK CJK, 20, 0, out, sizeof out);
	ok(strlen(out) < sizeof out, "a small buffer is never overrun");
	is_int(tw_width(out, 0), cells, "and the cells said are those written");
	cells = tw_fit("abc", 3, 0, out, 1);
	is_str(out, "", "a one-byte buffer holds the empty string");
	/* found by fuzz-textwidth: room for less than the ellipsis */
	cells = tw_fit("\xcc\x81\xcc\x81", 4, TW_RIGHT | TW_NOPAD | TW_CLIP, out, 2);
	ok(cells == 0 && out[0] == '\0', "a two-byte buffer: nothing, and nothing past it");
}

static void
test_take(void)
{
	is_int(tw_take("abcdef", 4, 0), 4, "take: 4 ASCII characters in 4 cells");
	is_int(tw_take(CJK CJK, 5, 0), 6, "take: two CJK characters in 5 cells");
	is_int(tw_take(E_ACUTE "x", 1, 0), 3, "take: a letter with its mark");
	is_int(tw_take(RLO "abc", 4, 0), 3, "take: an escape wider than the width whole, to move on");
	is_int(tw_take("ab" RLO, 4, 0), 2, "take: never inside what becomes an escape");
	is_int(tw_take_words("one two three", 10, 0), 7, "take words: back to the space before a cut word");
	is_int(tw_take_words("one two", 7, 0), 7, "take words: the whole line when it fits");
	is_int(tw_take_words("a verylongword", 10, 0), 10, "take words: a cut word when the space is in the first half");
	is_int(tw_take("", 4, 0), 0, "take: nothing from nothing");
	/* found by fuzz-textwidth: marks after a piece wider than the width */
	is_int(tw_take("\xcc\x81\xcc\x81", 4, 0), 4, "take: marks stay with a piece wider than the width");
	is_int(tw_take("abc", 0, 0), 0, "take: nothing in 0 cells");
}

static void
test_trim_cut(void)
{
	char a[] = "ab\xe4\xb8", b[] = "ab\xe4\xb8\xad", c[] = "ab\xf0\x9f\x98", d[] = "ab\xff",
	    e[] = "ab\xe4";

	utf8_trim_cut(a);
	is_str(a, "ab", "trim: a CJK character cut after 2 of its 3 bytes");
	utf8_trim_cut(b);
	is_str(b, "ab\xe4\xb8\xad", "trim: a whole character stays");
	utf8_trim_cut(c);
	is_str(c, "ab", "trim: an emoji cut after 3 of its 4 bytes");
	utf8_trim_cut(d);
	is_str(d, "ab\xff", "trim: an invalid byte (not a cut) stays, to be shown escaped");
	utf8_trim_cut(e);
	is_str(e, "ab", "trim: a lead byte alone");
}

int
main(void)
{
	setlocale(LC_ALL, "C"); /* the widths must not depend on the caller's locale */
	test_width();
	test_fit();
	test_small_buffer();
	test_take();
	test_trim_cut();
	return tap_done();
}
