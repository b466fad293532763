/* execmon - OTLP trace export requests decoded into spans: the mapping's attributes, and JSON. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event-text.h"
#include "otlp-decode.h"
#include "otlp-decode-int.h"
#include "xmalloc.h"

/*
 * Both wire forms go through the same steps: ids checked and turned into
 * lowercase hex, times as epoch ns, and every attribute offered to
 * otlp_span_attr(), which keeps the few the mapping reads. Where several names
 * carry the same thing (the current GenAI conventions, their older forms,
 * the AI SDK's own ai.* attributes), the better-ranked name wins whatever
 * the order of attributes, so the result does not depend on it. The
 * protobuf side is otlp-decode-pb.c.
 */

/* The attributes the mapping reads: where they go and how they rank. */
enum slot {
	S_OP, S_AI_OP, S_AGENT, S_AGENT_ID, S_FUNCTION, S_MODEL, S_TOOL,
	S_FINISH, S_ERROR_TYPE, S_USER, S_IN, S_OUT, S_TTFT_MS, S_TTFT_S,
	S_COST, S_STREAM, S_SERVICE, S__COUNT
};
_Static_assert(S__COUNT <= sizeof ((struct building *)0)->rank,
    "struct building holds a rank per slot");

static const struct attr_def {
	const char *key;
	enum slot slot;
	unsigned char rank;    /* 0 = the preferred name */
} attr_defs[] = {
	{ "gen_ai.operation.name", S_OP, 0 },
	{ "ai.operationId", S_AI_OP, 0 },
	{ "gen_ai.agent.name", S_AGENT, 0 },
	{ "gen_ai.agent.id", S_AGENT_ID, 0 },
	{ "ai.telemetry.functionId", S_FUNCTION, 0 },
	{ "gen_ai.request.model", S_MODEL, 0 },
	{ "ai.model.id", S_MODEL, 1 },
	{ "gen_ai.tool.name", S_TOOL, 0 },
	{ "ai.toolCall.name", S_TOOL, 1 },
	{ "gen_ai.response.finish_reasons", S_FINISH, 0 },
	{ "ai.response.finishReason", S_FINISH, 1 },
	{ "error.type", S_ERROR_TYPE, 0 },
	{ "user.id", S_USER, 0 },
	{ "enduser.id", S_USER, 1 },
	{ "gen_ai.usage.input_tokens", S_IN, 0 },
	{ "ai.usage.inputTokens", S_IN, 1 },
	{ "gen_ai.usage.prompt_tokens", S_IN, 2 },
	{ "ai.usage.promptTokens", S_IN, 3 },
	{ "gen_ai.usage.output_tokens", S_OUT, 0 },
	{ "ai.usage.outputTokens", S_OUT, 1 },
	{ "gen_ai.usage.completion_tokens", S_OUT, 2 },
	{ "ai.usage.completionTokens", S_OUT, 3 },
	{ "ai.response.msToFirstChunk", S_TTFT_MS, 0 },
	{ "ai.stream.msToFirstChunk", S_TTFT_MS, 1 },
	{ "gen_ai.response.time_to_first_chunk", S_TTFT_S, 0 },
	{ "gen_ai.usage.cost", S_COST, 0 },
	{ "gen_ai.request.stream", S_STREAM, 0 },
	{ "service.name", S_SERVICE, 0 },
};


void
otlp_span_init(struct otlp_span *sp)
{
	memset(sp, 0, sizeof *sp);
}

void
otlp_span_done(struct otlp_span *sp)
{
	free(sp->name);
	free(sp->service);
	free(sp->status_message);
	free(sp->op);
	free(sp->ai_op);
	free(sp->agent_name);
	free(sp->agent_id);
	free(sp->function_id);
	free(sp->model);
	free(sp->tool);
	free(sp->finish_reason);
	free(sp->error_type);
	free(sp->error_message);
	free(sp->user_id);
	memset(sp, 0, sizeof *sp);
}

/* A bounded UTF-8-clean copy. */
char *
otlp_text_dup(const char *s, size_t len)
{
	if (len > OTLP_TEXT_MAX)
		len = OTLP_TEXT_MAX;
	return utf8_dup(s, len, NULL);
}

static void
text_set(char **dst, const char *s, size_t len)
{
	free(*dst);
	*dst = otlp_text_dup(s, len);
}

/* An integer from an int, an integral double, or a decimal string. */
static int
aval_int(const struct aval *v, int64_t *out)
{
	char buf[32], *end;
	long long n;

	switch (v->kind) {
	case AV_INT:
		*out = v->i;
		return 0;
	case AV_DOUBLE:
		if (!isfinite(v->d) || v->d != floor(v->d) || fabs(v->d) > 9e15)
			return -1;
		*out = (int64_t)v->d;
		return 0;
	case AV_STR:
		if (v->slen == 0 || v->slen >= sizeof buf)
			return -1;
		memcpy(buf, v->s, v->slen);
		buf[v->slen] = '\0';
		errno = 0;
		n = strtoll(buf, &end, 10);
		if (errno != 0 || *end != '\0' || !isdigit((unsigned char)buf[v->slen - 1]))
			return -1;
		*out = n;
		return 0;
	default:
		return -1;
	}
}

static int
aval_double(const struct aval *v, double *out)
{
	char buf[64], *end;
	int64_t i;

	if (v->kind == AV_DOUBLE) {
		*out = v->d;
		return isfinite(v->d) ? 0 : -1;
	}
	if (v->kind == AV_STR && v->slen > 0 && v->slen < sizeof buf) {
		memcpy(buf, v->s, v->slen);
		buf[v->slen] = '\0';
		*out = strtod(buf, &end);
		return *end == '\0' && isfinite(*out) ? 0 : -1;
	}
	if (aval_int(v, &i) != 0)
		return -1;
	*out = (double)i;
	return 0;
}

static char **
slot_text(struct otlp_span *sp, enum slot s)
{
	switch (s) {
	case S_OP: return &sp->op;
	case S_AI_OP: return &sp->ai_op;
	case S_AGENT: return &sp->agent_name;
	case S_AGENT_ID: return &sp->agent_id;
	case S_FUNCTION: return &sp->function_id;
	case S_MODEL: return &sp->model;
	case S_TOOL: return &sp->tool;
	case S_FINISH: return &sp->finish_reason;
	case S_ERROR_TYPE: return &sp->error_type;
	case S_USER: return &sp->user_id;
	case S_SERVICE: return &sp->service;
	default: return NULL;
	}
}

/* Offer one attribute to the span; values of the wrong kind are ignored. */
void
otlp_span_attr(struct building *b, const char *key, size_t klen,
    const struct aval *v)
{
	struct otlp_span *sp = b->sp;
	const struct attr_def *d = NULL;
	char **text;
	int64_t n;
	double x;

	for (size_t i = 0; i < sizeof attr_defs / sizeof attr_defs[0]; i++) {
		if (strlen(attr_defs[i].key) == klen &&
		    memcmp(attr_defs[i].key, key, klen) == 0) {
			d = &attr_defs[i];
			break;
		}
	}
	if (d == NULL || d->rank > b->rank[d->slot])
		return;
	/* Equal ranks (a repeated key): the last one stands. */
	if ((text = slot_text(sp, d->slot)) != NULL) {
		if (v->kind != AV_STR || v->slen == 0)
			return;
		text_set(text, v->s, v->slen);
	} else {
		switch (d->slot) {
		case S_IN:
		case S_OUT:
			/* The ranges event.c holds fields to. */
			if (aval_int(v, &n) != 0 || n < 0 || n > OTLP_TOKENS_MAX)
				return;
			if (d->slot == S_IN) {
				sp->input_tokens = n;
				sp->has |= OTLP_IN_TOKENS;
			} else {
				sp->output_tokens = n;
				sp->has |= OTLP_OUT_TOKENS;
			}
			break;
		case S_TTFT_MS:
		case S_TTFT_S:
			if (aval_double(v, &x) != 0 || x < 0 ||
			    x * (d->slot == S_TTFT_S ? 1000 : 1) > OTLP_MS_MAX)
				return;
			if (d->slot == S_TTFT_S) {
				b->ttft_s_ms = (int64_t)(x * 1000.0 + 0.5);
				b->has_ttft_s = 1;
				break;
			}
			sp->ttft_ms = (int64_t)(x + 0.5);
			sp->has |= OTLP_TTFT;
			break;
		case S_COST:
			if (aval_double(v, &x) != 0 || x < 0 || x > OTLP_USD_MAX)
				return;
			sp->cost_usd = x;
			sp->has |= OTLP_COST;
			break;
		case S_STREAM:
			if (v->kind != AV_BOOL)
				return;
			sp->streaming = v->i != 0;
			sp->has |= OTLP_STREAMING;
			break;
		default:
			return;
		}
	}
	b->rank[d->slot] = d->rank;
}

/* Check an id of 2*n hex digits (not all zero) and write it lowercase. */
static int
hex_id(const char *s, size_t len, size_t n, char *out)
{
	int nonzero = 0;

	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
		nonzero |= s[i] != '0';
	}
	out[len] = '\0';
	return nonzero ? 0 : -1;
}

int
otlp_bytes_id(const uint8_t *p, size_t len, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int nonzero = 0;

	if (len != n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
		nonzero |= p[i] != 0;
	}
	out[2 * n] = '\0';
	return nonzero ? 0 : -1;
}

void
otlp_result_error(struct otlp_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof res->error, fmt, ap);
	va_end(ap);
}

/* The span is complete: settle what depends on several attributes, hand it on. */
void
otlp_span_finish(struct building *b, const char *service, otlp_span_fn fn,
    void *ctx, struct otlp_result *res)
{
	struct otlp_span *sp = b->sp;

	if (sp->service == NULL && service != NULL && *service != '\0')
		sp->service = xstrdup(service);
	if (!(sp->has & OTLP_TTFT) && b->has_ttft_s) {
		sp->ttft_ms = b->ttft_s_ms;
		sp->has |= OTLP_TTFT;
	}
	if (sp->ai_op == NULL && sp->name != NULL &&
	    strncmp(sp->name, "ai.", 3) == 0)
		sp->ai_op = xstrdup(sp->name);
	if (sp->end_ns != 0 && sp->start_ns != 0 && sp->end_ns < sp->start_ns)
		sp->end_ns = sp->start_ns;
	res->spans++;
	fn(ctx, sp);
}

void
otlp_building_init(struct building *b, struct otlp_span *sp)
{
	otlp_span_init(sp);
	b->sp = sp;
	memset(b->rank, 0xff, sizeof b->rank);
	b->has_ttft_s = 0;
	b->ttft_s_ms = 0;
}

/* ------------------------------------------------------------------ JSON */

/* An int64 as a JSON number or a decimal string; -1 if neither. */
static int
json_int64(const json_t *v, int64_t *out)
{
	struct aval a = { AV_NONE, NULL, 0, 0, 0 };

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		a.kind = AV_DOUBLE;
		a.d = json_real_value(v);
	} else if (json_is_string(v)) {
		a.kind = AV_STR;
		a.s = json_string_value(v);
		a.slen = json_string_length(v);
	}
	return aval_int(&a, out);
}

/* An AnyValue object as an aval (arrays: their first element). */
static void
json_aval(const json_t *v, struct aval *a, int depth)
{
	const json_t *x;

	a->kind = AV_NONE;
	if (!json_is_object(v) || depth > 2)
		return;
	if ((x = json_object_get(v, "stringValue")) != NULL && json_is_string(x)) {
		a->kind = AV_STR;
		a->s = json_string_value(x);
		a->slen = json_string_length(x);
	} else if ((x = json_object_get(v, "intValue")) != NULL) {
		if (json_int64(x, &a->i) == 0)
			a->kind = AV_INT;
	} else if ((x = json_object_get(v, "doubleValue")) != NULL) {
		if (json_is_number(x)) {
			a->kind = AV_DOUBLE;
			a->d = json_number_value(x);
		}
	} else if ((x = json_object_get(v, "boolValue")) != NULL) {
		if (json_is_boolean(x)) {
			a->kind = AV_BOOL;
			a->i = json_is_true(x);
		}
	} else if ((x = json_object_get(v, "arrayValue")) != NULL) {
		x = json_object_get(x, "values");
		if (json_is_array(x) && json_array_size(x) > 0)
			json_aval(json_array_get(x, 0), a, depth + 1);
	}
}

/* Attributes [{key, value}]: -1 when it is not an array of such objects. */
static int
json_attrs(const json_t *attrs, struct building *b)
{
	size_t i;
	const json_t *kv;

	if (attrs == NULL || json_is_null(attrs))
		return 0;
	if (!json_is_array(attrs))
		return -1;
	json_array_foreach(attrs, i, kv) {
		const json_t *k = json_object_get(kv, "key");
		struct aval a;

		if (!json_is_object(kv) || !json_is_string(k))
			return -1;
		json_aval(json_object_get(kv, "value"), &a, 0);
		if (a.kind != AV_NONE)
			otlp_span_attr(b, json_string_value(k), json_string_length(k), &a);
	}
	return 0;
}

/* The exception event's type and message, when the span holds one. */
void
otlp_exception_attr(struct otlp_span *sp, const char *key, size_t klen,
    const struct aval *a)
{
	if (a->kind != AV_STR || a->slen == 0)
		return;
	if (klen == 14 && memcmp(key, "exception.type", 14) == 0 &&
	    sp->error_type == NULL)
		sp->error_type = otlp_text_dup(a->s, a->slen);
	else if (klen == 17 && memcmp(key, "exception.message", 17) == 0 &&
	    sp->error_message == NULL)
		sp->error_message = otlp_text_dup(a->s, a->slen);
}

static int
json_events(const json_t *events, struct otlp_span *sp)
{
	size_t i, j;
	const json_t *e, *kv;

	if (events == NULL || json_is_null(events))
		return 0;
	if (!json_is_array(events))
		return -1;
	json_array_foreach(events, i, e) {
		const json_t *name = json_object_get(e, "name");
		const json_t *attrs = json_object_get(e, "attributes");

		if (!json_is_object(e))
			return -1;
		if (!json_is_string(name) ||
		    strcmp(json_string_value(name), "exception") != 0 ||
		    !json_is_array(attrs))
			continue;
		json_array_foreach(attrs, j, kv) {
			const json_t *k = json_object_get(kv, "key");
			struct aval a;

			if (!json_is_string(k))
				continue;
			json_aval(json_object_get(kv, "value"), &a, 0);
			otlp_exception_attr(sp, json_string_value(k),
			    json_string_length(k), &a);
		}
	}
	return 0;
}

/* One span object; -1 (and why) when it is to be rejected. */
static int
json_span(const json_t *js, struct building *b, const char **why)
{
	struct otlp_span *sp = b->sp;
	const json_t *v;
	int64_t n;

	if (!json_is_object(js))
		return *why = "a span is not an object", -1;
	v = json_object_get(js, "traceId");
	if (!json_is_string(v) || hex_id(json_string_value(v),
	    json_string_length(v), 16, sp->trace_id) != 0)
		return *why = "traceId is not 32 hex digits", -1;
	v = json_object_get(js, "spanId");
	if (!json_is_string(v) || hex_id(json_string_value(v),
	    json_string_length(v), 8, sp->span_id) != 0)
		return *why = "spanId is not 16 hex digits", -1;
	v = json_object_get(js, "parentSpanId");
	if (v != NULL && !json_is_null(v) && (!json_is_string(v) ||
	    (json_string_length(v) > 0 && hex_id(json_string_value(v),
	    json_string_length(v), 8, sp->parent_id) != 0)))
		return *why = "parentSpanId is not 16 hex digits", -1;
	if ((v = json_object_get(js, "name")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			return *why = "name is not a string", -1;
		if (json_string_length(v) > 0)
			sp->name = otlp_text_dup(json_string_value(v),
			    json_string_length(v));
	}
	if ((v = json_object_get(js, "startTimeUnixNano")) != NULL) {
		if (json_int64(v, &n) != 0 || n < 0)
			return *why = "startTimeUnixNano is not a time", -1;
		sp->start_ns = n;
	}
	if ((v = json_object_get(js, "endTimeUnixNano")) != NULL) {
		if (json_int64(v, &n) != 0 || n < 0)
			return *why = "endTimeUnixNano is not a time", -1;
		sp->end_ns = n;
	}
	if (json_attrs(json_object_get(js, "attributes"), b) != 0)
		return *why = "attributes is not a list of key/value objects", -1;
	if (json_events(json_object_get(js, "events"), sp) != 0)
		return *why = "events is not a list of objects", -1;
	if ((v = json_object_get(js, "status")) != NULL && !json_is_null(v)) {
		const json_t *c = json_object_get(v, "code");
		const json_t *m = json_object_get(v, "message");

		if (!json_is_object(v))
			return *why = "status is not an object", -1;
		if (json_is_string(c) && strcmp(json_string_value(c),
		    "STATUS_CODE_ERROR") == 0)
			sp->status = 2;
		else if (json_is_string(c) && strcmp(json_string_value(c),
		    "STATUS_CODE_OK") == 0)
			sp->status = 1;
		else if (c != NULL && json_int64(c, &n) == 0 && n >= 0 && n <= 2)
			sp->status = (int)n;
		else if (c != NULL && !json_is_string(c))
			return *why = "status.code is not a status code", -1;
		if (json_is_string(m) && json_string_length(m) > 0)
			sp->status_message = otlp_text_dup(json_string_value(m),
			    json_string_length(m));
	}
	return 0;
}

/* The resource's service.name, or NULL. */
static const char *
json_service(const json_t *rs)
{
	const json_t *attrs = json_object_get(json_object_get(rs, "resource"),
	    "attributes"), *kv;
	size_t i;

	if (!json_is_array(attrs))
		return NULL;
	json_array_foreach(attrs, i, kv) {
		const json_t *k = json_object_get(kv, "key");
		const json_t *v = json_object_get(json_object_get(kv, "value"),
		    "stringValue");

		if (json_is_string(k) && strcmp(json_string_value(k),
		    "service.name") == 0 && json_is_string(v))
			return json_string_value(v);
	}
	return NULL;
}

int
otlp_decode_json(const char *buf, size_t len, otlp_span_fn fn, void *ctx,
    struct otlp_result *res)
{
	json_error_t jerr;
	json_t *root, *rss, *rs;
	size_t i, j, k;
	char *svc = NULL;

	memset(res, 0, sizeof *res);
	root = json_loadb(buf, len, JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		snprintf(res->error, sizeof res->error, "not JSON: %.100s (line %d)",
		    jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(res->error, sizeof res->error, "not a JSON object");
		return -1;
	}
	rss = json_object_get(root, "resourceSpans");
	if (rss != NULL && !json_is_array(rss)) {
		json_decref(root);
		snprintf(res->error, sizeof res->error, "resourceSpans is not a list");
		return -1;
	}
	json_array_foreach(rss, i, rs) {
		const json_t *sss = json_object_get(rs, "scopeSpans"), *ss;
		const char *service;

		if (!json_is_object(rs) || (sss != NULL && !json_is_array(sss))) {
			otlp_result_error(res, "resourceSpans[%zu] is not an object"
			    " with a scopeSpans list", i);
			res->rejected++;
			continue;
		}
		service = json_service(rs);
		free(svc);
		svc = service != NULL ? otlp_text_dup(service, strlen(service)) : NULL;
		json_array_foreach(sss, j, ss) {
			const json_t *spans = json_object_get(ss, "spans"), *js;

			if (!json_is_object(ss) || (spans != NULL &&
			    !json_is_array(spans))) {
				otlp_result_error(res, "scopeSpans[%zu] is not an object"
				    " with a spans list", j);
				res->rejected++;
				continue;
			}
			json_array_foreach(spans, k, js) {
				struct otlp_span sp;
				struct building b;
				const char *why = NULL;

				otlp_building_init(&b, &sp);
				if (json_span(js, &b, &why) != 0) {
					otlp_result_error(res, "span %zu: %s", k, why);
					res->rejected++;
					otlp_span_done(&sp);
					continue;
				}
				otlp_span_finish(&b, svc, fn, ctx, res);
			}
		}
	}
	free(svc);
	json_decref(root);
	return 0;
}


/* -------------------------------------------------------------- responses */

char *
otlp_response_json(uint64_t rejected, const char *message, size_t *len)
{
	json_t *o = json_object(), *ps;
	char *s;

	if (rejected > 0 || (message != NULL && *message != '\0')) {
		ps = json_object();
		json_object_set_new(ps, "rejectedSpans",
		    json_integer((json_int_t)rejected));
		json_object_set_new(ps, "errorMessage",
		    json_string(message != NULL ? message : ""));
		json_object_set_new(o, "partialSuccess", ps);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		s = xstrdup("{}");
	*len = strlen(s);
	return s;
}


