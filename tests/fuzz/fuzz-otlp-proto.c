/* execmon - fuzz OTLP/HTTP protobuf trace requests: decoding and run assembly. */
#include "config.h"

#include "fuzz.h"
#include "otlp-fuzz.h"

/* As fuzz-otlp-json, for protobuf bodies (truncated, wrong wire types, ...). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_runs *runs = fuzz_otlp_runs();
	struct otlp_result res;
	int rc;

	rc = otlp_decode_proto(data, size, (otlp_span_fn)fuzz_otlp_span, runs, &res);
	if (rc != 0) {
		FUZZ_CHECK(res.error[0] != '\0', "refused without a reason");
		FUZZ_CHECK(res.spans == 0, "refused after handing on spans");
	}
	otlp_runs_flush(runs, INT64_C(1700000001000));
	FUZZ_CHECK(otlp_runs_waiting(runs) == 0, "spans still waiting after a flush");
	otlp_runs_free(runs);
	return 0;
}
