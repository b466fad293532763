/* execmon - fuzz errors_normalise: bounded, clean, stable, blind to digits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "xmalloc.h"

/*
 * The input: a byte choosing the output buffer's size (0 = the full
 * ERRORS_MESSAGE_MAX), then the message (up to its first NUL). The output
 * must fit its buffer and be NUL-terminated, hold no control character,
 * be valid UTF-8 when the message is, be a prefix of the output with room
 * for everything, be left alone by a second pass (when nothing was cut: a
 * cut can end the text just after a quote that then closes), and be the
 * same when every digit of the message is replaced by another.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *out, *again, *shifted, *out2, *full;
	size_t len, osize, n, m, i, fsize, fn;

	if (size < 1)
		return 0;
	osize = data[0] == 0 ? ERRORS_MESSAGE_MAX : data[0];
	len = size - 1;
	in = xmalloc(len + 1);
	memcpy(in, data + 1, len);
	in[len] = '\0';
	len = strlen(in);

	out = xmalloc(osize);
	n = errors_normalise(in, out, osize);
	FUZZ_CHECK(n < osize, "returned %zu for a buffer of %zu", n, osize);
	FUZZ_CHECK(n == strlen(out), "returned %zu, wrote %zu", n, strlen(out));
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)out[i] >= ' ' && out[i] != 0x7f,
		    "control byte 0x%02x at %zu", (unsigned char)out[i], i);
	FUZZ_CHECK(n == 0 || (out[0] != ' ' && out[n - 1] != ' '),
	    "leading or trailing space");
	if (fuzz_utf8_valid(in, len))
		FUZZ_CHECK(fuzz_utf8_valid(out, n), "output not UTF-8");

	/* a placeholder is at most 5 bytes for 1, a quote 3 for 2 */
	fsize = 5 * (len < ERRORS_SCAN_MAX ? len : ERRORS_SCAN_MAX) + 16;
	full = xmalloc(fsize);
	fn = errors_normalise(in, full, fsize);
	FUZZ_CHECK(fn < fsize - 1, "room for everything was not enough");
	FUZZ_CHECK(n <= fn && memcmp(out, full, n) == 0,
	    "'%s' is not a prefix of '%s'", out, full);

	again = xmalloc(osize);
	m = errors_normalise(out, again, osize);
	if (n == fn)
		FUZZ_CHECK(m == n && memcmp(again, out, n) == 0,
		    "a second pass changed '%s' to '%s'", out, again);
	free(full);

	shifted = xstrdup(in);
	for (i = 0; i < len; i++) {
		if (shifted[i] >= '0' && shifted[i] <= '9')
			shifted[i] = (char)('0' + (shifted[i] - '0' + 7) % 10);
	}
	out2 = xmalloc(osize);
	m = errors_normalise(shifted, out2, osize);
	FUZZ_CHECK(m == n && memcmp(out2, out, n) == 0,
	    "other digits gave '%s', not '%s'", out2, out);
	free(out2);
	free(shifted);
	free(again);
	free(out);
	free(in);
	return 0;
}
