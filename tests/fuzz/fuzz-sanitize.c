/* execmon - fuzz event_sanitize: nothing it returns can drive a terminal. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"
#include "xmalloc.h"

/*
 * The input: a byte choosing the output buffer's size (0 = room for any
 * escape), a byte whose low bit is keep_newlines, then the text (up to its
 * first NUL). The output must be valid UTF-8 free of controls, bidi and
 * zero-width characters, fit its buffer, be a prefix of the untruncated
 * output, and be left alone by a second pass.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *full, *cut, *again;
	size_t len, fullsize, cutsize, n, m;
	long bad;
	int keep;

	if (size < 2)
		return 0;
	keep = data[1] & 1;
	len = size - 2;
	in = xmalloc(len + 1);
	memcpy(in, data + 2, len);
	in[len] = '\0';
	len = strlen(in);

	/* Room for anything; an escape is at most 4 bytes per input byte. */
	fullsize = 10 * len + 11;
	full = xmalloc(fullsize);
	n = event_sanitize(in, full, fullsize, keep);
	FUZZ_CHECK(n <= 4 * len, "%zu bytes grew to %zu", len, n);
	FUZZ_CHECK(n == strlen(full), "returned %zu, wrote %zu", n,
	    strlen(full));
	FUZZ_CHECK(n < fullsize, "overran its buffer");
	FUZZ_CHECK(fuzz_utf8_valid(full, n), "output not UTF-8");
	bad = fuzz_forbidden(full, n, keep);
	FUZZ_CHECK(bad < 0, "U+%04lX reached the output", bad);

	/* A fully escaped text is already safe: a second pass keeps it. */
	again = xmalloc(4 * n + 1);
	m = event_sanitize(full, again, 4 * n + 1, keep);
	FUZZ_CHECK(m == n && memcmp(again, full, n) == 0,
	    "a second pass changed the text");
	free(again);

	/* A small buffer: truncated on a character boundary, a prefix. */
	cutsize = data[0] == 0 ? 1 : data[0];
	cut = xmalloc(cutsize);
	m = event_sanitize(in, cut, cutsize, keep);
	FUZZ_CHECK(m < cutsize && m == strlen(cut), "bad truncated length");
	FUZZ_CHECK(m <= n && memcmp(cut, full, m) == 0,
	    "truncated output is not a prefix");
	FUZZ_CHECK(fuzz_utf8_valid(cut, m), "truncated output not UTF-8");
	FUZZ_CHECK(m == n || m + 10 >= cutsize,
	    "truncated at %zu with room for %zu", m, cutsize);
	free(cut);
	free(full);
	free(in);
	return 0;
}
