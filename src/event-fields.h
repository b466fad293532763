/* execmon - the field table of the json form and its setters (private to event*.c). */
#ifndef EXECMON_EVENT_FIELDS_H
#define EXECMON_EVENT_FIELDS_H

#include <stdint.h>

#include "event.h"

enum field_kind { FK_TYPE, FK_TS, FK_STR, FK_INT, FK_DBL, FK_BOOL };

struct field_def {
	const char *name;
	uint8_t len;
	uint8_t kind;    /* enum field_kind */
	uint8_t range;   /* enum field_range */
	uint16_t off;    /* offset of the member in struct event */
	uint32_t bit;    /* EF_* for numbers and booleans */
};

/* Field ids; the order is the key order of the json form. 0 = none. */
enum {
	FD_NONE, FD_TYPE, FD_TS, FD_RUN_ID, FD_AGENT_ID, FD_AGENT_NAME,
	FD_AGENT_VERSION, FD_TRACE_ID, FD_SPAN_ID, FD_PARENT_RUN_ID,
	FD_ROOT_RUN_ID, FD_REQUEST_ID, FD_USER_ID, FD_WORKSPACE_ID, FD_SOURCE,
	FD_QUEUE, FD_PRIORITY, FD_ESTIMATED_MS, FD_PROGRESS, FD_MESSAGE,
	FD_MODEL_ID, FD_INPUT_TOKENS, FD_OUTPUT_TOKENS, FD_COST_USD,
	FD_DURATION_MS, FD_TTFT_MS, FD_STREAMING, FD_CACHE_HIT,
	FD_FINISH_REASON, FD_ATTEMPT, FD_FALLBACK_REASON, FD_RETRYABLE,
	FD_RATE_LIMITED, FD_ERROR_CLASS, FD_ERROR_MESSAGE, FD_TOOL_ID,
	FD_OUTCOME, FD_ERROR_KIND, FD_EXIT_CODE, FD_OUTPUT_BYTES, FD_DEPTH,
	FD_PAUSED,
	FD_WORKERS_TOTAL, FD_WORKERS_BUSY, FD_CPU, FD_MEMORY, FD__COUNT
};

/* Every field in json-form key order; [FD_NONE] is empty. */
extern const struct field_def event_fields[FD__COUNT];

/* The member of struct event that a field_def describes, as a t. */
#define MEMBER(ev, f, t) ((t *)(void *)((char *)(ev) + (f)->off))
#define CMEMBER(ev, f, t) \
	((const t *)(const void *)((const char *)(ev) + (f)->off))

/* Event times outside [1970-01-01, 2201-01-01) are not times. */
#define TIME_MAX_MS INT64_C(7289654400000)

/* Whether ev holds field f. */
int event_field_is_set(const struct event *ev, const struct field_def *f);
/* Set field f from its text form (a flat value, or a JSON string). */
enum event_malformed event_field_set_text(struct event *ev, const struct field_def *f,
    const char *s, size_t len);
/* Set field f from a JSON value of the json form. */
enum event_malformed event_field_set_scalar(struct event *ev, const struct field_def *f,
    const struct json_scalar *v);
/* Set field f from a value of a jansson tree. */
enum event_malformed event_field_set_json(struct event *ev, const struct field_def *f,
    json_t *v);
/* Start ev's string arena with room for n bytes (an upper bound of its strings). */
void event_arena_reserve(struct event *ev, size_t n);

#endif
