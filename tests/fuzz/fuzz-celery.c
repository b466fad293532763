/* execmon - fuzz the Celery envelope and event decoder and the store behind it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "celery-decode.h"
#include "fuzz.h"
#include "store.h"

/*
 * The input is one or more pub/sub messages separated by NUL bytes, all fed
 * to one decoder (so later events meet what earlier ones left behind), then
 * a tick far in the future (every worker expires). Every event handed on
 * must keep the event model's promises; the store must take each of them.
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
	const char *p = (const char *)data, *end = p + size;
	struct celery_dec *d;
	struct celery_worker *const *w;
	size_t nw;

	st = store_create();
	d = celery_dec_create(0, on_event, NULL);
	while (p <= end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = z != NULL ? (size_t)(z - p) : (size_t)(end - p);
		enum event_malformed why;

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
