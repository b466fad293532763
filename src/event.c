/* execmon - one event: its field table, values, strings, life cycle and names. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event-fields.h"
#include "event-json.h"
#include "event-text.h"
#include "xmalloc.h"

/* Longest numeric text we parse (longer is not a number anyone sends). */
#define NUMBER_TEXT_MAX 128

/*
 * What range a numeric field must lie in. The upper bounds are far beyond
 * any real value: a number past them is a broken or hostile producer, and
 * folding it into sums would wreck every total it touches.
 */
enum field_range {
	FR_ANY, FR_UNIT, FR_PERCENT,
	FR_MS,          /* a duration: at most a year */
	FR_TOKENS,      /* tokens of one call or run */
	FR_USD,         /* dollars of one call or run */
	FR_COUNT,       /* attempts, queue depth, workers */
	FR_BYTES
};

static const double range_max[] = {
	[FR_MS] = 366.0 * 86400 * 1000,
	[FR_TOKENS] = 1e12,
	[FR_USD] = 1e6,
	[FR_COUNT] = 1e12,
	[FR_BYTES] = 1e15,
};

#define FIELD(n, k, m, b, r) [FD_##k] = \
	{ n, sizeof n - 1, FK_##b, FR_##r, offsetof(struct event, m), 0 }
#define NUMBER(n, k, m, b, r) [FD_##k] = \
	{ n, sizeof n - 1, FK_##b, FR_##r, offsetof(struct event, m), EF_##k }

const struct field_def event_fields[FD__COUNT] = {
	FIELD("type", TYPE, type_name, TYPE, ANY),
	FIELD("ts", TS, ts_ms, TS, ANY),
	FIELD("run_id", RUN_ID, run_id, STR, ANY),
	FIELD("agent_id", AGENT_ID, agent_id, STR, ANY),
	FIELD("agent_name", AGENT_NAME, agent_name, STR, ANY),
	FIELD("agent_version", AGENT_VERSION, agent_version, STR, ANY),
	FIELD("trace_id", TRACE_ID, trace_id, STR, ANY),
	FIELD("span_id", SPAN_ID, span_id, STR, ANY),
	FIELD("parent_run_id", PARENT_RUN_ID, parent_run_id, STR, ANY),
	FIELD("root_run_id", ROOT_RUN_ID, root_run_id, STR, ANY),
	FIELD("request_id", REQUEST_ID, request_id, STR, ANY),
	FIELD("user_id", USER_ID, user_id, STR, ANY),
	FIELD("workspace_id", WORKSPACE_ID, workspace_id, STR, ANY),
	FIELD("source", SOURCE, origin, STR, ANY),
	FIELD("queue", QUEUE, queue, STR, ANY),
	NUMBER("priority", PRIORITY, priority, INT, ANY),
	NUMBER("estimated_ms", ESTIMATED_MS, estimated_ms, INT, MS),
	NUMBER("progress", PROGRESS, progress, DBL, UNIT),
	FIELD("message", MESSAGE, message, STR, ANY),
	FIELD("model_id", MODEL_ID, model_id, STR, ANY),
	NUMBER("input_tokens", INPUT_TOKENS, input_tokens, INT, TOKENS),
	NUMBER("output_tokens", OUTPUT_TOKENS, output_tokens, INT, TOKENS),
	NUMBER("cost_usd", COST_USD, cost_usd, DBL, USD),
	NUMBER("duration_ms", DURATION_MS, duration_ms, INT, MS),
	NUMBER("ttft_ms", TTFT_MS, ttft_ms, INT, MS),
	NUMBER("streaming", STREAMING, streaming, BOOL, ANY),
	NUMBER("cache_hit", CACHE_HIT, cache_hit, BOOL, ANY),
	FIELD("finish_reason", FINISH_REASON, finish_reason, STR, ANY),
	NUMBER("attempt", ATTEMPT, attempt, INT, COUNT),
	FIELD("fallback_reason", FALLBACK_REASON, fallback_reason, STR, ANY),
	NUMBER("retryable", RETRYABLE, retryable, BOOL, ANY),
	NUMBER("rate_limited", RATE_LIMITED, rate_limited, BOOL, ANY),
	FIELD("error_class", ERROR_CLASS, error_class, STR, ANY),
	FIELD("error_message", ERROR_MESSAGE, error_message, STR, ANY),
	FIELD("tool_id", TOOL_ID, tool_id, STR, ANY),
	FIELD("outcome", OUTCOME, outcome, STR, ANY),
	FIELD("error_kind", ERROR_KIND, error_kind, STR, ANY),
	NUMBER("exit_code", EXIT_CODE, exit_code, INT, ANY),
	NUMBER("output_bytes", OUTPUT_BYTES, output_bytes, INT, BYTES),
	NUMBER("depth", DEPTH, depth, INT, COUNT),
	NUMBER("paused", PAUSED, paused, BOOL, ANY),
	NUMBER("workers_total", WORKERS_TOTAL, workers_total, INT, COUNT),
	NUMBER("workers_busy", WORKERS_BUSY, workers_busy, INT, COUNT),
	NUMBER("cpu", CPU, cpu, DBL, PERCENT),
	NUMBER("memory", MEMORY, memory, DBL, PERCENT),
};

static const char *const type_names[EV__COUNT] = {
	[EV_OTHER] = "other",
	[EV_RUN_QUEUED] = "run.queued",
	[EV_RUN_STARTED] = "run.started",
	[EV_RUN_PROGRESS] = "run.progress",
	[EV_RUN_COMPLETED] = "run.completed",
	[EV_RUN_FAILED] = "run.failed",
	[EV_RUN_CANCELLED] = "run.cancelled",
	[EV_RUN_RETRY] = "run.retry",
	[EV_LLM_CALL] = "llm.call",
	[EV_TOOL_CALL] = "tool.call",
	[EV_AGENT_THINKING] = "agent.thinking",
	[EV_LOG] = "log",
	[EV_QUEUE_DEPTH] = "queue.depth",
	[EV_WORKER_STATUS] = "worker.status",
};

static const char *const malformed_names[MAL__COUNT] = {
	[MAL_NONE] = "none",
	[MAL_NO_TYPE] = "no_type",
	[MAL_BAD_JSON] = "bad_json",
	[MAL_BAD_NUMBER] = "bad_number",
	[MAL_BAD_BOOL] = "bad_bool",
	[MAL_BAD_TS] = "bad_ts",
	[MAL_NO_RUN_ID] = "no_run_id",
	[MAL_BAD_TYPE] = "bad_type",
	[MAL_BAD_VALUE] = "bad_value",
	[MAL_TOO_LARGE] = "too_large",
	[MAL_BINARY] = "binary",
	[MAL_EMPTY] = "empty",
	[MAL_UNSUPPORTED_ENCODING] = "unsupported_encoding",
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Strip ASCII blanks from both ends of a value. */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* Compare len bytes with a lowercase ASCII word, ignoring ASCII case. */
static int
ascii_word(const char *s, size_t len, const char *word)
{
	size_t i;
	char c;

	if (strlen(word) != len)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return 0;
	}
	return 1;
}

/*
 * Parse decimal number text ([+-]digits[.digits][e[+-]digits]). Sets *isint
 * and *iv when it is an integer that fits in int64, and always *dv.
 * Returns -1 when the text is not a finite number.
 */
static int
parse_number(const char *s, size_t len, int *isint, int64_t *iv, double *dv)
{
	char buf[NUMBER_TEXT_MAX + 1];
	size_t i = 0, digits = 0;
	uint64_t u = 0;
	int neg = 0, plain = 1, big = 0;

	if (len == 0 || len > NUMBER_TEXT_MAX)
		return -1;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (u > (UINT64_MAX - 9) / 10)
			big = 1;
		else
			u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < len && s[i] == '.') {
		plain = 0;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	}
	if (digits == 0)
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		plain = 0;
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i != len)
		return -1;

	*isint = 0;
	if (plain && !big && (neg ? u <= (uint64_t)INT64_MAX + 1 :
	    u <= (uint64_t)INT64_MAX)) {
		*isint = 1;
		*iv = neg ? (int64_t)(0 - u) : (int64_t)u;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	*dv = event_json_strtod(buf);
	return isfinite(*dv) ? 0 : -1;
}

/* A finite double with an integral value that fits int64, as one. */
static int
double_to_int(double d, int64_t *out)
{
	if (!isfinite(d) || d != floor(d) || d < -9223372036854775808.0 ||
	    d >= 9223372036854775808.0)
		return -1;
	*out = (int64_t)d;
	return 0;
}

static int
in_range(const struct field_def *f, double v)
{
	switch (f->range) {
	case FR_ANY:
		return 1;
	case FR_UNIT:
		return v >= 0 && v <= 1;
	case FR_PERCENT:
		return v >= 0 && v <= 100;
	}
	return v >= 0 && v <= range_max[f->range];
}

/* Whether ev holds field f. */
int
event_field_is_set(const struct event *ev, const struct field_def *f)
{
	switch (f->kind) {
	case FK_TYPE:
	case FK_STR:
		return *CMEMBER(ev, f, char *) != NULL;
	case FK_TS:
		return (ev->has & EF_TS) != 0;
	}
	return (ev->has & f->bit) != 0;
}

/*
 * The decoder puts an event's strings into a few blocks it owns (one
 * allocation for a typical event instead of one per field). Strings set by
 * anyone else (xstrdup) are still freed one by one: event_done() tells them
 * apart by address.
 */
struct arena {
	struct arena *next;
	size_t size, used;
	char data[];
};

#define ARENA_MIN 64

static char *
arena_alloc(struct event *ev, size_t n)
{
	struct arena *a = ev->arena;

	if (a == NULL || a->size - a->used < n) {
		size_t size = n > ARENA_MIN ? n : ARENA_MIN;

		a = xmalloc(sizeof *a + size);
		a->next = ev->arena;
		a->size = size;
		a->used = 0;
		ev->arena = a;
	}
	a->used += n;
	return a->data + a->used - n;
}

/* Start ev's arena with room for n bytes (an upper bound of its strings). */
void
event_arena_reserve(struct event *ev, size_t n)
{
	struct arena *a;

	if (ev->arena != NULL || n == 0)
		return;
	a = xmalloc(sizeof *a + n);
	a->next = NULL;
	a->size = n;
	a->used = 0;
	ev->arena = a;
}

static int
in_arena(const struct event *ev, const char *p)
{
	for (const struct arena *a = ev->arena; a != NULL; a = a->next) {
		if (p >= a->data && p < a->data + a->size)
			return 1;
	}
	return 0;
}

static void
arena_free(struct event *ev)
{
	struct arena *a = ev->arena, *next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	ev->arena = NULL;
}

/* A NUL-terminated, valid UTF-8 copy of s[0..len) in ev's arena. */
static char *
arena_text(struct event *ev, const char *s, size_t len)
{
	size_t i = 0;
	char *out, *fixed;

	/*
	 * Plain printable ASCII is the common case: copy it as it is. Eight
	 * bytes at a time: a byte below 0x20 borrows into its top bit when 0x20
	 * is taken from it, one of 0x7f or more carries into it (or has it set)
	 * when 1 is added, and nothing else sets a top bit.
	 */
	for (; len - i >= 8; i += 8) {
		const uint64_t ones = 0x0101010101010101ull;
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (((w - 0x20 * ones) | (w + ones) | w) & (0x80 * ones))
			break;
	}
	while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
		i++;
	if (i == len) {
		out = arena_alloc(ev, len + 1);
		memcpy(out, s, len);
		out[len] = '\0';
		return out;
	}
	fixed = utf8_dup(s, len, &len);
	out = arena_alloc(ev, len + 1);
	memcpy(out, fixed, len + 1);
	free(fixed);
	return out;
}

/* Forget a field's value. */
static void
field_clear(struct event *ev, const struct field_def *f)
{
	char **sp;

	switch (f->kind) {
	case FK_TYPE:
	case FK_STR:
		sp = MEMBER(ev, f, char *);
		if (!in_arena(ev, *sp))
			free(*sp);
		*sp = NULL;
		break;
	case FK_TS:
		ev->has &= ~(uint32_t)EF_TS;
		ev->ts_ms = 0;
		break;
	default:
		ev->has &= ~f->bit;
		break;
	}
}

static enum event_malformed
set_int(struct event *ev, const struct field_def *f, int64_t v)
{
	if (!in_range(f, (double)v))
		return MAL_BAD_VALUE;
	*MEMBER(ev, f, int64_t) = v;
	ev->has |= f->bit;
	return MAL_NONE;
}

static enum event_malformed
set_double(struct event *ev, const struct field_def *f, double v)
{
	if (!isfinite(v))
		return MAL_BAD_NUMBER;
	if (!in_range(f, v))
		return MAL_BAD_VALUE;
	*MEMBER(ev, f, double) = v;
	ev->has |= f->bit;
	return MAL_NONE;
}

static enum event_malformed
set_bool(struct event *ev, const struct field_def *f, int v)
{
	*MEMBER(ev, f, int) = v != 0;
	ev->has |= f->bit;
	return MAL_NONE;
}

static enum event_malformed
set_ts(struct event *ev, int64_t v)
{
	if (v < 0 || v >= TIME_MAX_MS)
		return MAL_BAD_TS;
	ev->ts_ms = v;
	ev->has |= EF_TS;
	return MAL_NONE;
}

/* Set a field from its text form (a flat value, or a JSON string). */
enum event_malformed
event_field_set_text(struct event *ev, const struct field_def *f, const char *s,
    size_t len)
{
	int64_t iv;
	double dv;
	int isint;

	if (len > EVENT_FIELD_MAX)
		return MAL_TOO_LARGE;
	if (f->kind != FK_STR && f->kind != FK_TYPE)
		trim(&s, &len);
	field_clear(ev, f);
	if (len == 0)
		return MAL_NONE; /* an empty value is an absent one */

	switch (f->kind) {
	case FK_TYPE:
	case FK_STR:
		*MEMBER(ev, f, char *) = arena_text(ev, s, len);
		return MAL_NONE;
	case FK_TS:
		if (event_parse_time(s, len, &iv) != 0)
			return MAL_BAD_TS;
		return set_ts(ev, iv);
	case FK_INT:
		if (parse_number(s, len, &isint, &iv, &dv) != 0)
			return MAL_BAD_NUMBER;
		if (!isint && double_to_int(dv, &iv) != 0)
			return MAL_BAD_NUMBER;
		return set_int(ev, f, iv);
	case FK_DBL:
		if (parse_number(s, len, &isint, &iv, &dv) != 0)
			return MAL_BAD_NUMBER;
		return set_double(ev, f, dv);
	case FK_BOOL:
		if (ascii_word(s, len, "true") || ascii_word(s, len, "1"))
			return set_bool(ev, f, 1);
		if (ascii_word(s, len, "false") || ascii_word(s, len, "0"))
			return set_bool(ev, f, 0);
		return MAL_BAD_BOOL;
	}
	return MAL_NONE;
}

/* Set a field from a JSON value of the json form. */
enum event_malformed
event_field_set_scalar(struct event *ev, const struct field_def *f,
    const struct json_scalar *v)
{
	enum event_malformed r;
	int64_t iv;
	char *text, num[32];
	json_t *real;

	if (v->kind == JS_STR)
		return event_field_set_text(ev, f, v->s, v->len);
	if (v->kind == JS_NULL) {
		field_clear(ev, f);
		return MAL_NONE;
	}
	switch (f->kind) {
	case FK_TYPE:
		return MAL_BAD_TYPE;
	case FK_STR:
		/* A number or boolean where text is expected: keep its text. */
		if (v->kind == JS_REAL) {
			real = json_real(v->dv);
			text = json_dumps(real, JSON_ENCODE_ANY | JSON_COMPACT);
			json_decref(real);
			if (text == NULL)
				return MAL_BAD_TYPE;
			r = event_field_set_text(ev, f, text, strlen(text));
			free(text);
			return r;
		}
		if (v->kind == JS_INT)
			snprintf(num, sizeof num, "%" PRId64, v->iv);
		else
			snprintf(num, sizeof num, "%s",
			    v->kind == JS_TRUE ? "true" : "false");
		return event_field_set_text(ev, f, num, strlen(num));
	case FK_TS:
		if (v->kind == JS_INT)
			return set_ts(ev, v->iv);
		if (v->kind == JS_REAL &&
		    double_to_int(floor(v->dv), &iv) == 0)
			return set_ts(ev, iv);
		return v->kind == JS_REAL ? MAL_BAD_TS : MAL_BAD_TYPE;
	case FK_INT:
		if (v->kind == JS_INT)
			return set_int(ev, f, v->iv);
		if (v->kind != JS_REAL)
			return MAL_BAD_TYPE;
		if (double_to_int(v->dv, &iv) != 0)
			return MAL_BAD_NUMBER;
		return set_int(ev, f, iv);
	case FK_DBL:
		if (v->kind != JS_INT && v->kind != JS_REAL)
			return MAL_BAD_TYPE;
		return set_double(ev, f, v->dv);
	case FK_BOOL:
		if (v->kind == JS_TRUE || v->kind == JS_FALSE)
			return set_bool(ev, f, v->kind == JS_TRUE);
		if (v->kind == JS_INT && (v->iv == 0 || v->iv == 1))
			return set_bool(ev, f, v->iv == 1);
		return v->kind == JS_INT || v->kind == JS_REAL ?
		    MAL_BAD_BOOL : MAL_BAD_TYPE;
	}
	return MAL_NONE;
}

/* Set a field from a value of a jansson tree. */
enum event_malformed
event_field_set_json(struct event *ev, const struct field_def *f, json_t *v)
{
	struct json_scalar sc;

	memset(&sc, 0, sizeof sc);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		return MAL_BAD_TYPE;
	case JSON_STRING:
		sc.kind = JS_STR;
		sc.s = json_string_value(v);
		sc.len = json_string_length(v);
		break;
	case JSON_INTEGER:
		sc.kind = JS_INT;
		sc.iv = json_integer_value(v);
		sc.dv = json_number_value(v);
		break;
	case JSON_REAL:
		sc.kind = JS_REAL;
		sc.dv = json_real_value(v);
		break;
	case JSON_TRUE:
		sc.kind = JS_TRUE;
		break;
	case JSON_FALSE:
		sc.kind = JS_FALSE;
		break;
	case JSON_NULL:
		sc.kind = JS_NULL;
		break;
	}
	return event_field_set_scalar(ev, f, &sc);
}

void
event_init(struct event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->source = -1;
}

void
event_done(struct event *ev)
{
	static const struct field_def *strs[FD__COUNT];
	static size_t nstrs;
	char *s;

	if (nstrs == 0) {
		/* The text fields, once: most of the table is numbers. */
		for (size_t i = 1; i < FD__COUNT; i++) {
			if (event_fields[i].kind == FK_STR || event_fields[i].kind == FK_TYPE)
				strs[nstrs++] = &event_fields[i];
		}
	}
	for (size_t i = 0; i < nstrs; i++) {
		s = *MEMBER(ev, strs[i], char *);
		if (s != NULL && !in_arena(ev, s))
			free(s);
	}
	free(ev->entry_id);
	json_decref(ev->extra);
	arena_free(ev);
	event_init(ev);
}

void
event_set_text(struct event *ev, char **field, const char *v)
{
	if (!in_arena(ev, *field))
		free(*field);
	*field = v != NULL ? xstrdup(v) : NULL;
}

void
event_copy(struct event *dst, const struct event *src)
{
	const char *s;
	size_t i;

	memcpy(dst, src, sizeof *dst);
	dst->arena = NULL; /* dst's strings are its own copies */
	for (i = 1; i < FD__COUNT; i++) {
		if (event_fields[i].kind != FK_STR && event_fields[i].kind != FK_TYPE)
			continue;
		if ((s = *CMEMBER(src, &event_fields[i], char *)) != NULL)
			*MEMBER(dst, &event_fields[i], char *) = xstrdup(s);
	}
	if (src->entry_id != NULL)
		dst->entry_id = xstrdup(src->entry_id);
	if (src->extra != NULL)
		dst->extra = json_deep_copy(src->extra);
}

enum event_type
event_type_from_name(const char *name)
{
	int t;

	if (name == NULL)
		return EV_OTHER;
	for (t = EV_OTHER + 1; t < EV__COUNT; t++) {
		if (name[0] == type_names[t][0] &&
		    strcmp(name, type_names[t]) == 0)
			return (enum event_type)t;
	}
	return EV_OTHER;
}

const char *
event_type_name(enum event_type t)
{
	if ((unsigned)t >= EV__COUNT)
		return "other";
	return type_names[t];
}

const char *
event_malformed_name(enum event_malformed m)
{
	if ((unsigned)m >= MAL__COUNT)
		return "unknown";
	return malformed_names[m];
}

int
event_type_needs_run(enum event_type t)
{
	switch (t) {
	case EV_RUN_QUEUED:
	case EV_RUN_STARTED:
	case EV_RUN_PROGRESS:
	case EV_RUN_COMPLETED:
	case EV_RUN_FAILED:
	case EV_RUN_CANCELLED:
	case EV_RUN_RETRY:
	case EV_LLM_CALL:
	case EV_TOOL_CALL:
	case EV_AGENT_THINKING:
	case EV_LOG:
		return 1;
	default:
		return 0;
	}
}
