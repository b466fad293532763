/* execmon - OTLP trace export requests (JSON and protobuf) decoded into spans. */
#ifndef EXECMON_OTLP_DECODE_H
#define EXECMON_OTLP_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Numeric attributes present on a span: bits in otlp_span.has. */
enum otlp_has {
	OTLP_IN_TOKENS = 1u << 0,
	OTLP_OUT_TOKENS = 1u << 1,
	OTLP_TTFT = 1u << 2,
	OTLP_COST = 1u << 3,
	OTLP_STREAMING = 1u << 4,
};

/*
 * One span with what the GenAI conventions (current and older or vendor
 * forms) say about it. Every string is owned by the span, valid UTF-8 and
 * NULL when absent; none is safe for a terminal as it is.
 */
struct otlp_span {
	char trace_id[33];     /* 32 lowercase hex digits */
	char span_id[17];      /* 16 lowercase hex digits */
	char parent_id[17];    /* "" = a root span */
	char *name;
	char *service;         /* the resource's service.name */
	int64_t start_ns, end_ns; /* epoch ns; 0 = not given */
	int status;            /* 0 unset, 1 ok, 2 error */
	char *status_message;

	char *op;              /* gen_ai.operation.name */
	char *ai_op;           /* ai.operationId (AI SDK), else a name "ai.*" */
	char *agent_name;      /* gen_ai.agent.name */
	char *agent_id;        /* gen_ai.agent.id */
	char *function_id;     /* ai.telemetry.functionId */
	char *model;           /* gen_ai.request.model, else ai.model.id */
	char *tool;            /* gen_ai.tool.name, else ai.toolCall.name */
	char *finish_reason;   /* gen_ai.response.finish_reasons[0], ai.response.finishReason */
	char *error_type;      /* error.type, else the exception event's type */
	char *error_message;   /* the exception event's message */
	char *user_id;         /* user.id, enduser.id */
	uint32_t has;          /* enum otlp_has */
	int64_t input_tokens, output_tokens;
	int64_t ttft_ms;
	double cost_usd;
	int streaming;
};

/* Called once per well-formed span; the callee owns sp's contents (otlp_span_done). */
typedef void (*otlp_span_fn)(void *ctx, struct otlp_span *sp);

/* What one request held. */
struct otlp_result {
	uint64_t spans;        /* spans handed on */
	uint64_t rejected;     /* spans left out (bad ids, wrong types) */
	char error[160];       /* why the request or the first rejected span failed */
};

/*
 * Decode an ExportTraceServiceRequest as OTLP/HTTP JSON (hex ids, int64
 * values as numbers or strings) or as protobuf. Returns 0 when the request
 * could be read (some spans may be rejected and counted), -1 when it cannot
 * (res->error says why: answered with 400). Nothing here depends on the
 * order of spans or requests.
 */
int otlp_decode_json(const char *buf, size_t len, otlp_span_fn fn, void *ctx,
    struct otlp_result *res);
int otlp_decode_proto(const uint8_t *buf, size_t len, otlp_span_fn fn,
    void *ctx, struct otlp_result *res);

void otlp_span_init(struct otlp_span *);
void otlp_span_done(struct otlp_span *);

/* The response bodies: partial success with the rejected count (message may be ""). */
char *otlp_response_json(uint64_t rejected, const char *message, size_t *len);
uint8_t *otlp_response_proto(uint64_t rejected, const char *message, size_t *len);

#endif
