/* execmon - test knobs: timings the tests shorten, read from the environment once. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>

#include "knobs.h"

static const struct {
	const char *env;
	size_t off;
} knob_vars[] = {
	{ "EXECMON_BLOCK_MS", offsetof(struct knobs, block_ms) },
	{ "EXECMON_WS_PING_S", offsetof(struct knobs, ws_ping_s) },
	{ "EXECMON_WS_HANGUP_S", offsetof(struct knobs, ws_hangup_s) },
	{ "EXECMON_OTLP_BODY_TIMEOUT_S", offsetof(struct knobs, otlp_body_timeout_s) },
	{ "EXECMON_OTLP_GRACE_MS", offsetof(struct knobs, otlp_grace_ms) },
	{ "EXECMON_HOLD_ALL", offsetof(struct knobs, hold_all) },
	{ "EXECMON_HOLD_PASS", offsetof(struct knobs, hold_pass) },
};

void
knobs_read(struct knobs *k)
{
	for (size_t i = 0; i < sizeof knob_vars / sizeof knob_vars[0]; i++) {
		const char *v = getenv(knob_vars[i].env);
		int n = v != NULL ? atoi(v) : 0;

		*(int *)(void *)((char *)k + knob_vars[i].off) = n > 0 ? n : 0;
	}
}
