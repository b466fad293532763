/* execmon - what the OTLP fuzz harnesses share: spans through the run assembly, checked. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "otlp-fuzz.h"

static int
is_hex(const char *s, size_t n, int may_be_empty)
{
	if (may_be_empty && *s == '\0')
		return 1;
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static void
check_text(const char *s)
{
	if (s != NULL)
		FUZZ_CHECK(fuzz_utf8_valid(s, strlen(s)), "a span string is not UTF-8");
}

static void
check_event(void *ctx, struct event *ev)
{
	(void)ctx;
	fuzz_check_event(ev);
	FUZZ_CHECK(ev->entry_id != NULL, "an event without an entry ID");
	event_done(ev);
}

struct otlp_runs *
fuzz_otlp_runs(void)
{
	return otlp_runs_create(NULL, check_event, NULL);
}

void
fuzz_otlp_span(void *runs, struct otlp_span *sp)
{
	FUZZ_CHECK(is_hex(sp->trace_id, 32, 0), "trace id '%s'", sp->trace_id);
	FUZZ_CHECK(is_hex(sp->span_id, 16, 0), "span id '%s'", sp->span_id);
	FUZZ_CHECK(is_hex(sp->parent_id, 16, 1), "parent id '%s'", sp->parent_id);
	FUZZ_CHECK(sp->status >= 0 && sp->status <= 2, "status %d", sp->status);
	FUZZ_CHECK(!(sp->has & OTLP_IN_TOKENS) || sp->input_tokens >= 0, "negative tokens");
	FUZZ_CHECK(!(sp->has & OTLP_OUT_TOKENS) || sp->output_tokens >= 0, "negative tokens");
	check_text(sp->name);
	check_text(sp->service);
	check_text(sp->model);
	check_text(sp->tool);
	check_text(sp->agent_name);
	check_text(sp->error_message);
	check_text(sp->status_message);
	otlp_runs_add(runs, sp, INT64_C(1700000000000));
}
