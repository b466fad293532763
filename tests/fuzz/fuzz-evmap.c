/* execmon - fuzz event maps: the map file parser, and entries through a map. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evmap.h"
#include "fuzz.h"

#define SEP "\n%%\n"

/*
 * The message of a failed parse: "FILE:LINE: cause" on one line, no byte
 * that could act on a terminal.
 */
static void
check_err(const char *err)
{
	FUZZ_CHECK(strncmp(err, "f.map:", 6) == 0 && err[6] >= '1' &&
	    err[6] <= '9', "error without file and line: '%s'", err);
	FUZZ_CHECK(fuzz_forbidden(err, strlen(err), 0) < 0,
	    "control byte in the error");
}

/* Decode through m; a success is a sound event, a failure says why. */
static void
check_result(const struct evmap *m, struct event *ev, enum event_malformed r,
    const char *why)
{
	FUZZ_CHECK((int)r >= 0 && r < MAL__COUNT, "reason %d", (int)r);
	if (r == MAL_NONE) {
		fuzz_check_event(ev);
		event_done(ev);
		return;
	}
	FUZZ_CHECK(fuzz_forbidden(why, strlen(why), 0) < 0, "control byte in why");
	FUZZ_CHECK(why[0] == '\0' || strncmp(why, "map ", 4) == 0,
	    "why without the map: '%s'", why);
	(void)m;
}

/*
 * The input is a map file, then a line "%%", then an entry: one
 * "name=value" a line (a flat entry), which is also tried as a JSON object.
 * The map either parses or names its line; an entry either decodes to a
 * sound event or is rejected with a reason that names the map.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep, *rest, *p, *end, *nl, *eq;
	struct event_field_kv kv[64];
	struct evmap *m;
	struct event ev;
	char err[512], why[512];
	size_t maplen = size, n = 0;
	enum event_malformed r;
	json_t *obj = NULL;

	sep = memmem(text, size, SEP, sizeof SEP - 1);
	if (sep != NULL)
		maplen = (size_t)(sep - text);
	err[0] = '\0';
	m = evmap_parse(text, maplen, "f", "f.map", err, sizeof err);
	if (m == NULL) {
		check_err(err);
		return 0;
	}
	if (sep == NULL) {
		evmap_free(m);
		return 0;
	}
	rest = sep + sizeof SEP - 1;
	end = text + size;
	for (p = rest; p < end && n < 64; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL) {
			kv[n].name = p;
			kv[n].name_len = (size_t)(eq - p);
			kv[n].value = eq + 1;
			kv[n].value_len = (size_t)(nl - eq - 1);
			n++;
		}
	}
	event_init(&ev);
	r = evmap_decode_fields(m, &ev, kv, n, 1700000000000, why, sizeof why);
	check_result(m, &ev, r, why);
	if (event_json_parse(rest, (size_t)(end - rest), &obj) == MAL_NONE) {
		event_init(&ev);
		r = evmap_decode_json(m, &ev, obj, 1700000000000, why, sizeof why);
		check_result(m, &ev, r, why);
		json_decref(obj);
	}
	evmap_free(m);
	return 0;
}
