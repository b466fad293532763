/* execmon - fuzz JSON events: parse, decode, encode, decode again. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"

/*
 * The input is JSON text as a feed sends it. Whatever it is, parsing stays
 * within EVENT_JSON_DEPTH; when it is an event, the event's json form must
 * decode back to the same event (fuzz_check_event), and decoding must not
 * change the object it reads.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum event_malformed r;
	struct event ev;
	json_t *root, *before;

	r = event_json_parse((const char *)data, size, &root);
	if (r != MAL_NONE) {
		FUZZ_CHECK(root == NULL, "a failed parse returned a value");
		FUZZ_CHECK(r == MAL_BAD_JSON || r == MAL_TOO_LARGE,
		    "parse failed with %s", event_malformed_name(r));
		return 0;
	}
	FUZZ_CHECK(fuzz_json_depth(root) <= EVENT_JSON_DEPTH,
	    "nesting of %d accepted", fuzz_json_depth(root));
	before = json_deep_copy(root);
	r = event_decode_json(&ev, root, INT64_C(1700000000000));
	FUZZ_CHECK(json_equal(root, before), "decoding changed its input");
	json_decref(before);
	if (r == MAL_NONE) {
		FUZZ_CHECK(json_is_object(root), "a non-object was decoded");
		fuzz_check_event(&ev);
		event_done(&ev);
	} else
		FUZZ_CHECK(ev.type_name == NULL && ev.extra == NULL,
		    "a rejected object left fields behind");
	json_decref(root);
	return 0;
}
