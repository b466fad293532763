/* execmon - fuzz the stream entry decoder (flat and json) and the store behind it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"
#include "store.h"
#include "xmalloc.h"

#define FUZZ_FIELDS_MAX 4096

/*
 * The input is one stream entry: a flags byte, then names and values in
 * turn, each ended by a NUL byte (a last name without a value gets an empty
 * one). Flag bit 0: the entry ID gives no time (id_ms = -1).
 */
/* An event as JSON text with its bits (what two decodings must agree on). */
static char *
event_text(const struct event *ev)
{
	json_t *o = event_to_json(ev);
	char *text;

	json_object_set_new(o, "_has", json_integer(ev->has));
	json_object_set_new(o, "_type", json_integer(ev->type));
	text = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(o);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_field_kv kv[FUZZ_FIELDS_MAX];
	const char *p, *end, *z;
	enum event_malformed r;
	struct event ev, copy, back;
	enum event_malformed r2;
	char *tree_text, *want;
	struct store *st;
	struct run *run;
	size_t n = 0, len;
	int64_t id_ms;
	int side = 0;

	if (size < 1)
		return 0;
	id_ms = (data[0] & 1) ? -1 : INT64_C(1700000000000) + data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end && n < FUZZ_FIELDS_MAX) {
		z = memchr(p, '\0', (size_t)(end - p));
		len = z != NULL ? (size_t)(z - p) : (size_t)(end - p);
		if (side == 0) {
			kv[n].name = p;
			kv[n].name_len = len;
			kv[n].value = "";
			kv[n].value_len = 0;
		} else {
			kv[n].value = p;
			kv[n].value_len = len;
			n++;
		}
		side = !side;
		p += len + 1;
	}
	if (side == 1)
		n++;

	/* The json form's fast path and jansson read every entry the same. */
	event_json_fast = 0;
	r = event_decode_fields(&ev, kv, n, id_ms);
	event_json_fast = 1;
	tree_text = r == MAL_NONE ? event_text(&ev) : NULL;
	if (r == MAL_NONE)
		event_done(&ev);
	r2 = r;

	r = event_decode_fields(&ev, kv, n, id_ms);
	FUZZ_CHECK(r < MAL__COUNT, "reason %d out of range", (int)r);
	FUZZ_CHECK(r == r2, "fast path says %s, jansson %s",
	    event_malformed_name(r), event_malformed_name(r2));
	if (r == MAL_NONE) {
		char *fast_text = event_text(&ev);

		FUZZ_CHECK(strcmp(fast_text, tree_text) == 0,
		    "fast path read %s, jansson %s", fast_text, tree_text);
		free(fast_text);
	}
	free(tree_text);
	if (r != MAL_NONE) {
		FUZZ_CHECK(ev.type_name == NULL && ev.run_id == NULL &&
		    ev.extra == NULL && ev.has == 0,
		    "a rejected entry (%s) left fields behind",
		    event_malformed_name(r));
		return 0;
	}
	FUZZ_CHECK(n > 0, "an empty entry was accepted");
	FUZZ_CHECK((ev.has & EF_TS) || id_ms >= 0,
	    "no time, yet accepted");
	if (!(ev.has & EF_TS))
		FUZZ_CHECK(ev.ts_ms == id_ms, "fallback time not used");
	fuzz_check_event(&ev);

	/* record's writer gives jansson's text for every event. */
	{
		json_t *o = event_to_json(&ev);
		char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
		char *line = NULL;
		size_t llen = 0;
		FILE *f = open_memstream(&line, &llen);

		event_json_line(&ev, NULL, f);
		fclose(f);
		FUZZ_CHECK(text != NULL && llen == strlen(text) + 1 &&
		    memcmp(line, text, llen - 1) == 0 && line[llen - 1] == '\n',
		    "record's line %s is not jansson's %s", line, text);
		free(line);
		free(text);
		json_decref(o);
	}

	/* The store takes it twice under one ID: the second is a duplicate. */
	st = store_create();
	store_set_max_runs(st, 2);
	event_copy(&copy, &ev);
	ev.entry_id = xstrdup("1-1");
	copy.entry_id = xstrdup("1-1");
	ev.source = copy.source = 0;
	want = event_text(&ev);
	FUZZ_CHECK(store_apply(st, &ev) == 1, "a new event changed nothing");
	/* An event in a run's log reads back exactly as it went in. */
	run = copy.run_id != NULL ? store_find(st, copy.run_id) : NULL;
	if (run != NULL && run->nlog == 1) {
		char *got;

		run_log_get(run, 0, &back);
		got = event_text(&back);
		FUZZ_CHECK(strcmp(got, want) == 0, "the log read back %s, not %s",
		    got, want);
		FUZZ_CHECK(back.source == 0 && back.entry_id != NULL &&
		    strcmp(back.entry_id, "1-1") == 0, "source or ID lost");
		free(got);
		event_done(&back);
	}
	free(want);
	FUZZ_CHECK(store_apply(st, &copy) == 0, "a duplicate was applied");
	FUZZ_CHECK(store_duplicates(st) == 1, "duplicate not counted");
	store_free(st);
	event_done(&ev);
	event_done(&copy);
	return 0;
}
