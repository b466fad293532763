/* execmon - fuzz OTLP/HTTP JSON trace requests: decoding and run assembly. */
#include "config.h"

#include "fuzz.h"
#include "otlp-fuzz.h"

/*
 * The input is a request body. Whatever it is, decoding either refuses it
 * with a reason or hands on spans that hold their promises, and the events
 * assembled from them (settled as they come and then all at once) are
 * well-formed events.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_runs *runs = fuzz_otlp_runs();
	struct otlp_result res;
	int rc;

	rc = otlp_decode_json((const char *)data, size,
	    (otlp_span_fn)fuzz_otlp_span, runs, &res);
	if (rc != 0) {
		FUZZ_CHECK(res.error[0] != '\0', "refused without a reason");
		FUZZ_CHECK(res.spans == 0, "refused after handing on spans");
	}
	FUZZ_CHECK(res.rejected == 0 || res.error[0] != '\0', "rejected without a reason");
	otlp_runs_flush(runs, INT64_C(1700000001000));
	FUZZ_CHECK(otlp_runs_waiting(runs) == 0, "spans still waiting after a flush");
	otlp_runs_free(runs);
	return 0;
}
