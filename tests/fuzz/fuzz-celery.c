/* execmon - fuzz the Celery envelope and event decoder and the store behind it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celery-decode.h"
#include "fuzz.h"
#include "store.h"

/*
 * The input is a flags byte, then one or more pieces separated by NUL
 * bytes, all fed to one decoder (so later events meet what earlier ones
 * left behind), then a tick far in the future (every worker expires).
 * Flag bit 0 clear: each piece is a whole pub/sub message (the envelope).
 * Set: each piece is a body, which the harness wraps in a JSON envelope
 * (base64, or as it is with bit 1), so the fuzzer mutates the events
 * themselves. Every event handed on must keep the event model's promises;
 * the store must take each of them.
 */
static struct store *st;


static void
on_event(void *arg, struct event *ev)
{
	(void)arg;
	fuzz_check_event(ev);
	FUZZ_CHECK(ev->ts_ms >= 0, "event time %lld", (long long)ev->ts_ms);
	store_apply(st, ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	struct celery_dec *d;
	struct celery_worker *const *w;
	size_t nw;

	if (size < 1)
		return 0;
	st = store_create();
	d = celery_dec_create(0, on_event, NULL);
	while (p <= end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = z != NULL ? (size_t)(z - p) : (size_t)(end - p);
		enum event_malformed why;

		if (data[0] & 1) {
			json_t *env = json_object();
			char *text;

			if (data[0] & 2)
				json_object_set_new(env, "body", json_stringn(p, len));
			else {
				char *enc = malloc(len / 3 * 4 + 8);

				celery_b64_encode(p, len, enc);
				json_object_set_new(env, "body", json_string(enc));
				json_object_set_new(env, "properties",
				    json_pack("{s:s}", "body_encoding", "base64"));
				free(enc);
			}
			json_object_set_new(env, "content-type",
			    json_string("application/json"));
			text = json_dumps(env, JSON_COMPACT);
			json_decref(env);
			why = text != NULL ? celery_dec_message(d, text, strlen(text),
			    INT64_C(1796234719000)) : MAL_NONE;
			free(text);
		} else
			why = celery_dec_message(d, p, len, INT64_C(1796234719000));
		FUZZ_CHECK(why >= MAL_NONE && why < MAL__COUNT, "reason %d", (int)why);
		p += len + 1;
	}
	celery_dec_tick(d, INT64_C(1796234720000));
	celery_dec_tick(d, INT64_C(1896234720000));
	nw = celery_dec_workers(d, &w);
	for (size_t i = 0; i < nw; i++)
		FUZZ_CHECK(w[i]->state != CELERY_WORKER_ONLINE, "worker %zu still online", i);
	celery_dec_free(d);
	store_free(st);
	return 0;
}
