/* execmon - fuzz the display-width helpers: columns are exact, text is never cut in two. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event-text.h"
#include "fuzz.h"
#include "textwidth.h"
#include "xmalloc.h"

/* All the flags tw_fit() takes. */
#define FLAGS (TW_RIGHT | TW_NOPAD | TW_CLIP | TW_TAIL | TW_TILDE | TW_ASCII)

/* Only printable ASCII. */
static int
all_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	}
	return 1;
}

/*
 * The input: a width, the flags, a buffer size (0 = room for anything), then
 * the text up to its first NUL. What tw_fit() writes must fit its buffer, be
 * safe for a terminal (valid UTF-8, no control, bidi or zero-width
 * character; ASCII only with TW_ASCII), take the cells it says, exactly the
 * width unless TW_NOPAD or a tiny buffer, and be the text shown in full, or
 * a prefix (a suffix with TW_TAIL) of it and the ellipsis. tw_take() must
 * cut where the sanitized text can be joined back.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *full, *out, *a, *b, *joined;
	const char *ell;
	size_t len, fullsize, outsize, k, elen;
	int w, flags, cells, fullw, mw;

	if (size < 3)
		return 0;
	w = data[0];
	flags = data[1] & FLAGS;
	len = size - 3;
	in = xmalloc(len + 1);
	memcpy(in, data + 3, len);
	in[len] = '\0';
	len = strlen(in);
	mw = flags & TW_ASCII;
	ell = flags & (TW_TILDE | TW_ASCII) ? "~" : "\xe2\x80\xa6";
	elen = strlen(ell);

	/* the text in full: an escape is at most 10 bytes a byte */
	fullsize = 10 * len + 16;
	full = xmalloc(fullsize);
	fullw = tw_fit(in, (int)(fullsize / 2), TW_NOPAD | TW_CLIP | mw, full, fullsize);
	FUZZ_CHECK(fullw == tw_width(in, mw), "full text: %d cells, measured %d", fullw,
	    tw_width(in, mw));
	FUZZ_CHECK(fuzz_utf8_valid(full, strlen(full)), "output not UTF-8");
	FUZZ_CHECK(fuzz_forbidden(full, strlen(full), 0) < 0, "a forbidden character reached the output");
	FUZZ_CHECK(!mw || all_ascii(full), "not ASCII with TW_ASCII");
	FUZZ_CHECK(tw_width(full, mw) == fullw, "a second pass changed the width");

	outsize = data[2] == 0 ? fullsize + (size_t)w + 8 : data[2];
	out = xmalloc(outsize);
	memset(out, 'Z', outsize);
	cells = tw_fit(in, w, flags, out, outsize);
	FUZZ_CHECK(strlen(out) < outsize, "overran its buffer");
	FUZZ_CHECK(fuzz_utf8_valid(out, strlen(out)), "output not UTF-8");
	FUZZ_CHECK(fuzz_forbidden(out, strlen(out), 0) < 0, "a forbidden character reached the output");
	FUZZ_CHECK(!mw || all_ascii(out), "not ASCII with TW_ASCII");
	FUZZ_CHECK(cells == tw_width(out, mw), "said %d cells, wrote %d", cells, tw_width(out, mw));
	FUZZ_CHECK(cells <= w, "%d cells in a width of %d", cells, w);
	if (!(flags & TW_NOPAD) && (size_t)w + elen + 1 <= outsize)
		FUZZ_CHECK(cells == w, "padded to %d cells, not %d", cells, w);

	/* the text shown is the full text, or a part of it and the ellipsis */
	if (data[2] == 0) {
		char *txt = xmalloc(outsize);
		size_t n, fn = strlen(full);
		int t = tw_fit(in, w, flags | TW_NOPAD, txt, outsize);

		n = strlen(txt);
		if (!(flags & TW_NOPAD)) {
			size_t pad = (size_t)(w - t);

			FUZZ_CHECK(strlen(out) == n + pad, "padding is not %zu spaces", pad);
			FUZZ_CHECK(memcmp(out + (flags & TW_RIGHT ? pad : 0), txt, n) == 0,
			    "padding changed the text");
		}
		if (fullw <= w) {
			FUZZ_CHECK(strcmp(txt, full) == 0, "text that fits is shown whole");
		} else if (w == 0) {
			FUZZ_CHECK(n == 0, "text in a width of 0");
		} else if (flags & TW_CLIP) {
			FUZZ_CHECK(n <= fn && memcmp(txt, full, n) == 0, "clipped text is not a prefix");
		} else if (flags & TW_TAIL) {
			FUZZ_CHECK(n >= elen && memcmp(txt, ell, elen) == 0, "no ellipsis in front");
			FUZZ_CHECK(n - elen <= fn && memcmp(txt + elen, full + fn - (n - elen),
			    n - elen) == 0, "the tail is not a suffix");
		} else {
			FUZZ_CHECK(n >= elen && memcmp(txt + n - elen, ell, elen) == 0,
			    "no ellipsis at the end");
			FUZZ_CHECK(n - elen <= fn && memcmp(txt, full, n - elen) == 0,
			    "the head is not a prefix");
		}
		free(txt);
	}

	/* tw_take cuts between pieces: the two halves, shown, are the whole */
	k = tw_take(in, w, mw);
	FUZZ_CHECK(k <= len, "took %zu of %zu bytes", k, len);
	FUZZ_CHECK(w == 0 || len == 0 || k > 0, "took nothing with %d cells", w);
	{
		/* between words: tw_take's cut, or back at a space past its half */
		size_t kw = tw_take_words(in, w, mw);

		FUZZ_CHECK(kw == k || (kw < k && kw > k / 2 && in[kw] == ' '),
		    "took %zu bytes between words, %zu in all", kw, k);
	}
	a = xmalloc(fullsize);
	b = xmalloc(fullsize);
	joined = xmalloc(2 * fullsize);
	{
		char *head = xmalloc(k + 1);

		memcpy(head, in, k);
		head[k] = '\0';
		tw_fit(head, (int)(fullsize / 2), TW_NOPAD | TW_CLIP | mw, a, fullsize);
		/* only a single escape (at most 10 cells) may be wider than w */
		FUZZ_CHECK(tw_width(head, mw) <= w || w < 10, "took %d cells for %d",
		    tw_width(head, mw), w);
		free(head);
	}
	tw_fit(in + k, (int)(fullsize / 2), TW_NOPAD | TW_CLIP | mw, b, fullsize);
	snprintf(joined, 2 * fullsize, "%s%s", a, b);
	FUZZ_CHECK(strcmp(joined, full) == 0, "tw_take cut inside a character or an escape");
	free(joined);

	/* utf8_trim_cut drops at most an unfinished character at the end */
	memcpy(a, in, len + 1);
	utf8_trim_cut(a);
	FUZZ_CHECK(strncmp(a, in, strlen(a)) == 0 && len - strlen(a) <= 3, "trim took %zu bytes",
	    len - strlen(a));
	FUZZ_CHECK(fuzz_utf8_valid(in, len) ? strlen(a) == len : 1, "trim cut valid UTF-8");
	free(b);
	free(a);
	free(out);
	free(full);
	free(in);
	return 0;
}
