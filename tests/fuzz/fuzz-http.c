/* execmon - fuzz HTTP/1.1 requests as the OTLP receiver reads them. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "otlp-http.h"

/*
 * The input is what a client sends on one connection. Fed whole and fed in
 * pieces whose sizes the input's first byte picks, the requests read are
 * the same, the body never passes its bound, and a failure always says its
 * status.
 */
static size_t
run(const uint8_t *data, size_t size, size_t step, char *log, size_t logsize)
{
	struct http_req r;
	size_t off = 0, used, n, loglen = 0;
	enum http_result res;

	http_req_init(&r, 4096);
	log[0] = '\0';
	while (off <= size) {
		n = size - off < step ? size - off : step;
		res = http_feed(&r, (const char *)data + off, n, &used);
		FUZZ_CHECK(used <= n, "used %zu of %zu", used, n);
		FUZZ_CHECK(r.len <= r.max_body, "a body of %zu past its bound", r.len);
		off += used;
		if (res == HTTP_FAILED) {
			FUZZ_CHECK(r.error_status >= 400 && r.error != NULL,
			    "failed with status %d", r.error_status);
			loglen += (size_t)snprintf(log + loglen, logsize - loglen,
			    "F%d;", r.error_status);
			break;
		}
		if (res == HTTP_GOT_REQUEST) {
			loglen += (size_t)snprintf(log + loglen, logsize - loglen,
			    "R%s %s %zu;", r.method, r.path, r.len);
			if (loglen >= logsize - 64)
				break;
			http_req_reset(&r);
			continue;
		}
		if (res == HTTP_GOT_HEAD)
			continue;
		if (off >= size)
			break;
	}
	http_req_done(&r);
	return loglen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[8192], b[8192];
	size_t step;

	if (size == 0)
		return 0;
	step = (size_t)data[0] % 13 + 1;
	run(data + 1, size - 1, size, a, sizeof a);
	run(data + 1, size - 1, step, b, sizeof b);
	FUZZ_CHECK(strcmp(a, b) == 0, "whole: '%s', in pieces of %zu: '%s'", a, step, b);
	return 0;
}
