/* execmon - searching the text of a run's events. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "store-log-int.h"
#include "store.h"

/* The text holds needle (any case). */
static int
has_needle(const char *s, void *needle)
{
	return strcasestr(s, needle) != NULL;
}

/* One of ev's known string fields holds needle. */
static int
fields_have_text(const struct event *ev, const char *needle)
{
	const char *f[] = {
		ev->type_name, ev->message, ev->model_id, ev->tool_id,
		ev->outcome, ev->error_kind, ev->error_class, ev->error_message,
		ev->queue, ev->finish_reason, ev->fallback_reason, ev->user_id,
		ev->workspace_id,
	};

	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
		if (f[k] != NULL && strcasestr(f[k], needle) != NULL)
			return 1;
	}
	return 0;
}

int
run_log_event_has_text(const struct run *r, size_t i, const char *needle)
{
	struct event ev;
	int hit = 0;

	/*
	 * The known fields first, without copies; the payload's unknown fields
	 * (only in a copy) only when those do not hold it.
	 */
	run_log_peek(r, i, &ev);
	if (fields_have_text(&ev, needle))
		return 1;
	if (!run_log_held(r, i)) {
		/* a slim event keeps its payload's strings for this */
		size_t len, at;
		const char *t = log_texts(r, i, &len);

		for (at = 0; t != NULL && at < len && !hit; at += strlen(t + at) + 1)
			hit = strcasestr(t + at, needle) != NULL;
		return hit;
	}
	run_log_get(r, i, &ev);
	hit = fields_have_text(&ev, needle) ||
	    log_json_texts(ev.extra, has_needle, (void *)needle);
	event_done(&ev);
	return hit;
}

int
run_log_has_text(const struct run *r, const char *needle)
{
	for (size_t i = 0; i < r->nlog; i++) {
		if (run_log_event_has_text(r, i, needle))
			return 1;
	}
	return 0;
}
