/* execmon - the event model: one decoded execution event (SPEC §3). */
#ifndef EXECMON_EVENT_H
#define EXECMON_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Times, the sanitizer and JSON text, which need no event (event-text.c, event-json.c). */
#include "event-json.h"
#include "event-text.h"

enum event_type {
	EV_OTHER = 0, /* a type we do not know: kept in the log, counted */
	EV_RUN_QUEUED,
	EV_RUN_STARTED,
	EV_RUN_PROGRESS,
	EV_RUN_COMPLETED,
	EV_RUN_FAILED,
	EV_RUN_CANCELLED,
	EV_RUN_RETRY,
	EV_LLM_CALL,
	EV_TOOL_CALL,
	EV_AGENT_THINKING,
	EV_LOG,
	EV_QUEUE_DEPTH,
	EV_WORKER_STATUS,
	EV__COUNT
};

/* Why an entry was rejected. Counted per source and reason. */
enum event_malformed {
	MAL_NONE = 0,
	MAL_NO_TYPE,     /* no "type" field (or it is empty) */
	MAL_BAD_JSON,    /* the json/data field is not a JSON object */
	MAL_BAD_NUMBER,  /* a numeric field is not a finite number in range */
	MAL_BAD_BOOL,    /* a boolean field is not true/false/1/0 */
	MAL_BAD_TS,      /* ts is neither epoch ms nor RFC 3339, or absurd */
	MAL_NO_RUN_ID,   /* run_id missing on a type that needs one */
	MAL_BAD_TYPE,    /* a field has the wrong JSON type (object for a string) */
	MAL_BAD_VALUE,   /* a value outside its range (progress > 1, negative) */
	MAL_TOO_LARGE,   /* a field or message over the size bound */
	MAL_BINARY,      /* a binary WebSocket frame */
	MAL_EMPTY,       /* an entry with no fields */
	MAL_UNSUPPORTED_ENCODING, /* a body in a serialisation not read (pickle, YAML, msgpack) */
	MAL__COUNT
};

/* Numeric and boolean fields that may be absent: bit set in event.has. */
enum event_field {
	EF_PRIORITY = 1u << 0,
	EF_ESTIMATED_MS = 1u << 1,
	EF_PROGRESS = 1u << 2,
	EF_INPUT_TOKENS = 1u << 3,
	EF_OUTPUT_TOKENS = 1u << 4,
	EF_COST_USD = 1u << 5,
	EF_DURATION_MS = 1u << 6,
	EF_TTFT_MS = 1u << 7,
	EF_STREAMING = 1u << 8,
	EF_CACHE_HIT = 1u << 9,
	EF_ATTEMPT = 1u << 10,
	EF_RETRYABLE = 1u << 11,
	EF_RATE_LIMITED = 1u << 12,
	EF_EXIT_CODE = 1u << 13,
	EF_OUTPUT_BYTES = 1u << 14,
	EF_DEPTH = 1u << 15,
	EF_WORKERS_TOTAL = 1u << 16,
	EF_WORKERS_BUSY = 1u << 17,
	EF_CPU = 1u << 18,
	EF_MEMORY = 1u << 19,
	EF_TS = 1u << 20, /* ts came from the event itself (not the entry ID) */
	EF_PAUSED = 1u << 21
};

/*
 * One event. Every string is owned by the event, NUL-terminated, valid UTF-8
 * (invalid bytes are replaced by U+FFFD when decoding) and NULL when absent.
 * Strings are NOT safe for a terminal: use event_sanitize() to display them.
 */
struct event {
	enum event_type type;
	char *type_name; /* the type as sent (always set) */
	int64_t ts_ms;   /* event time, epoch ms (always set once decoded) */
	uint32_t has;    /* enum event_field bits */

	/* Where it came from (set by the source, not the decoder). */
	int source;      /* index in the source table, -1 = none */
	char *entry_id;  /* stream entry ID ("1700000000000-0"), or NULL */

	char *run_id;
	char *agent_id, *agent_name, *agent_version;
	char *trace_id, *span_id, *parent_run_id, *root_run_id, *request_id;
	char *user_id, *workspace_id, *origin; /* origin = the "source" field */
	char *queue;
	char *message;
	char *model_id, *finish_reason;
	char *fallback_reason;
	char *error_class, *error_message;
	char *tool_id, *outcome, *error_kind;

	int64_t priority;
	int64_t estimated_ms;
	double progress;       /* 0..1 */
	int64_t input_tokens, output_tokens;
	double cost_usd;
	int64_t duration_ms, ttft_ms;
	int streaming, cache_hit, retryable, rate_limited; /* 0/1 */
	int64_t attempt;
	int64_t exit_code, output_bytes;
	int64_t depth;
	int paused;            /* on queue.depth: the queue is paused (0/1) */
	int64_t workers_total, workers_busy;
	double cpu, memory;    /* percent */

	json_t *extra;         /* fields we do not know, as a JSON object, or NULL */
	void *arena;           /* private to event.c: the block the decoder put strings in */
};

/* One field/value pair of a stream entry (values need not be NUL-terminated). */
struct event_field_kv {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* Largest accepted single field value, bytes (bigger: MAL_TOO_LARGE). */
#define EVENT_FIELD_MAX (1024 * 1024)
/*
 * Largest accepted JSON text (a json/data field, a message), and largest
 * flat entry (all its names and values together), bytes.
 */
#define EVENT_JSON_MAX (4 * EVENT_FIELD_MAX)
/* Most fields in one entry, or keys in one json-form object. */
#define EVENT_FIELDS_MAX 1024
/* Deepest accepted nesting of arrays and objects in JSON text. */
#define EVENT_JSON_DEPTH 64

void event_init(struct event *);
void event_done(struct event *);
/* Replace one of ev's string fields with a copy of v (NULL = absent). */
void event_set_text(struct event *ev, char **field, const char *v);
/* Deep copy (src keeps its strings); dst's old contents are not freed. */
void event_copy(struct event *dst, const struct event *src);

/*
 * Decode a stream entry: flat fields or, when there is no "type" field, one
 * "json" (else "data") field holding the event as a JSON object, which the
 * entry's other fields complete but never override. Fields named with a
 * leading '_' are ignored. id_ms is the millisecond part of the entry ID (used
 * when there is no ts, and held to the same range as ts), or -1.
 * On success returns MAL_NONE and fills ev (which the caller must event_done);
 * otherwise returns the reason and leaves ev empty.
 */
enum event_malformed event_decode_fields(struct event *ev,
    const struct event_field_kv *kv, size_t n, int64_t id_ms);

/* 0 turns off the json form's fast path (for tests comparing the two). */
extern int event_json_fast;

/*
 * Decode one JSON object (json form). recv_ms is used when there is no ts.
 * Keys starting with '_' (record's "_source", "_id") are ignored. obj is not
 * changed; values kept in ev->extra are copies.
 */
enum event_malformed event_decode_json(struct event *ev, const json_t *obj,
    int64_t recv_ms);

/*
 * Parse JSON text from a feed: any bytes, at most EVENT_JSON_MAX of them and
 * EVENT_JSON_DEPTH levels deep (else MAL_TOO_LARGE); invalid UTF-8 becomes
 * U+FFFD first. Any JSON value is accepted. Returns MAL_NONE with a new
 * reference in *out, or MAL_BAD_JSON / MAL_TOO_LARGE with *out NULL.
 */
enum event_malformed event_json_parse(const char *buf, size_t len,
    json_t **out);
/* The same with a size bound of max bytes (a replay line) instead. */
enum event_malformed event_json_parse_max(const char *buf, size_t len,
    size_t max, json_t **out);

/*
 * The event in the json form of SPEC §3 (a new reference): known fields in a
 * fixed order, "ts" always, then the keys of extra (whose values it shares).
 * entry_id and source are not included.
 */
json_t *event_to_json(const struct event *ev);

enum event_type event_type_from_name(const char *);
const char *event_type_name(enum event_type);
const char *event_malformed_name(enum event_malformed);

/* True for types that must carry a run_id. */
int event_type_needs_run(enum event_type);


/*
 * Write ev as one line of the json form to f, with "_source" (when source
 * is not NULL) and "_id" (its entry ID) last: the bytes event_json_write()
 * writes for event_to_json() plus those keys, compact with 15 significant
 * digits, and a newline, but without building a JSON tree. Not for a
 * terminal (use event_json_write with tty). Returns 0, or -1 on a write
 * error.
 */
int event_json_line(const struct event *ev, const char *source, FILE *f);
struct buf;
/* The same line appended to b (buf.h), for a writer that keeps its own buffer. */
void event_json_line_buf(const struct event *ev, const char *source,
    struct buf *b);

#endif
