/* execmon - OTLP protobuf trace requests (ExportTraceServiceRequest) decoded into spans. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "otlp-decode.h"
#include "otlp-decode-int.h"
#include "xmalloc.h"

/* protobuf-c reads the wire; the spans go through the steps JSON's do (otlp-decode.c). */

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest pb_request;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse pb_response;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess pb_partial;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans pb_rspans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans pb_sspans;
typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event pb_event;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;

static void
pb_aval(const pb_any *v, struct aval *a, int depth)
{
	a->kind = AV_NONE;
	if (v == NULL || depth > 2)
		return;
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		a->kind = AV_STR;
		a->s = v->string_value != NULL ? v->string_value : "";
		a->slen = strlen(a->s);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		a->kind = AV_INT;
		a->i = v->int_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		a->kind = AV_DOUBLE;
		a->d = v->double_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		a->kind = AV_BOOL;
		a->i = v->bool_value != 0;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
		if (v->array_value != NULL && v->array_value->n_values > 0)
			pb_aval(v->array_value->values[0], a, depth + 1);
		break;
	default:
		break;
	}
}

static int
pb_decode_span(const pb_span *ps, struct building *b, const char **why)
{
	struct otlp_span *sp = b->sp;

	if (otlp_bytes_id(ps->trace_id.data, ps->trace_id.len, 16, sp->trace_id) != 0)
		return *why = "trace_id is not 16 bytes", -1;
	if (otlp_bytes_id(ps->span_id.data, ps->span_id.len, 8, sp->span_id) != 0)
		return *why = "span_id is not 8 bytes", -1;
	if (ps->parent_span_id.len > 0 && otlp_bytes_id(ps->parent_span_id.data,
	    ps->parent_span_id.len, 8, sp->parent_id) != 0)
		return *why = "parent_span_id is not 8 bytes", -1;
	if (ps->start_time_unix_nano > INT64_MAX ||
	    ps->end_time_unix_nano > INT64_MAX)
		return *why = "a time is out of range", -1;
	if (ps->name != NULL && ps->name[0] != '\0')
		sp->name = otlp_text_dup(ps->name, strlen(ps->name));
	sp->start_ns = (int64_t)ps->start_time_unix_nano;
	sp->end_ns = (int64_t)ps->end_time_unix_nano;
	for (size_t i = 0; i < ps->n_attributes; i++) {
		const pb_kv *kv = ps->attributes[i];
		struct aval a;

		if (kv == NULL || kv->key == NULL)
			continue;
		pb_aval(kv->value, &a, 0);
		if (a.kind != AV_NONE)
			otlp_span_attr(b, kv->key, strlen(kv->key), &a);
	}
	for (size_t i = 0; i < ps->n_events; i++) {
		const pb_event *e = ps->events[i];

		if (e == NULL || e->name == NULL || strcmp(e->name, "exception") != 0)
			continue;
		for (size_t j = 0; j < e->n_attributes; j++) {
			struct aval a;

			if (e->attributes[j] == NULL || e->attributes[j]->key == NULL)
				continue;
			pb_aval(e->attributes[j]->value, &a, 0);
			otlp_exception_attr(sp, e->attributes[j]->key,
			    strlen(e->attributes[j]->key), &a);
		}
	}
	if (ps->status != NULL) {
		if (ps->status->code < 0 || ps->status->code > 2)
			return *why = "status code is not 0, 1 or 2", -1;
		sp->status = ps->status->code;
		if (ps->status->message != NULL && ps->status->message[0] != '\0')
			sp->status_message = otlp_text_dup(ps->status->message,
			    strlen(ps->status->message));
	}
	return 0;
}

static const char *
pb_service(const pb_rspans *rs)
{
	if (rs->resource == NULL)
		return NULL;
	for (size_t i = 0; i < rs->resource->n_attributes; i++) {
		const pb_kv *kv = rs->resource->attributes[i];

		if (kv != NULL && kv->key != NULL &&
		    strcmp(kv->key, "service.name") == 0 && kv->value != NULL &&
		    kv->value->value_case ==
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE &&
		    kv->value->string_value != NULL)
			return kv->value->string_value;
	}
	return NULL;
}

int
otlp_decode_proto(const uint8_t *buf, size_t len, otlp_span_fn fn, void *ctx,
    struct otlp_result *res)
{
	pb_request *req;

	memset(res, 0, sizeof *res);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
	    NULL, len, buf);
	if (req == NULL) {
		snprintf(res->error, sizeof res->error, "not an OTLP protobuf"
		    " ExportTraceServiceRequest (truncated or wrong wire types)");
		return -1;
	}
	for (size_t i = 0; i < req->n_resource_spans; i++) {
		const pb_rspans *rs = req->resource_spans[i];
		const char *service;
		char *svc;

		if (rs == NULL)
			continue;
		service = pb_service(rs);
		svc = service != NULL ? otlp_text_dup(service, strlen(service)) : NULL;
		for (size_t j = 0; j < rs->n_scope_spans; j++) {
			const pb_sspans *ss = rs->scope_spans[j];

			for (size_t k = 0; ss != NULL && k < ss->n_spans; k++) {
				struct otlp_span sp;
				struct building b;
				const char *why = NULL;

				otlp_building_init(&b, &sp);
				if (ss->spans[k] == NULL ||
				    pb_decode_span(ss->spans[k], &b, &why) != 0) {
					otlp_result_error(res, "span %zu: %s", k,
					    why != NULL ? why : "empty");
					res->rejected++;
					otlp_span_done(&sp);
					continue;
				}
				otlp_span_finish(&b, svc, fn, ctx, res);
			}
		}
		free(svc);
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
	    req, NULL);
	return 0;
}

uint8_t *
otlp_response_proto(uint64_t rejected, const char *message, size_t *len)
{
	pb_response resp = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	pb_partial ps = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	uint8_t *out;

	if (rejected > 0 || (message != NULL && *message != '\0')) {
		ps.rejected_spans = (int64_t)rejected;
		ps.error_message = (char *)(message != NULL ? message : "");
		resp.partial_success = &ps;
	}
	*len = opentelemetry__proto__collector__trace__v1__export_trace_service_response__get_packed_size(&resp);
	out = xmalloc(*len + 1);
	opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&resp, out);
	return out;
}
