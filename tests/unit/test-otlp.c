/* execmon - unit tests: OTLP decoding (JSON, protobuf), run assembly, HTTP requests, prices. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "event.h"
#include "otlp-decode.h"
#include "otlp-http.h"
#include "otlp-runs.h"
#include "prices.h"
#include "tap.h"
#include "xmalloc.h"

/* Spans collected from a decode. */
struct spans {
	struct otlp_span s[64];
	int n;
};

static void
collect_span(void *ctx, struct otlp_span *sp)
{
	struct spans *ss = ctx;

	if (ss->n < 64)
		ss->s[ss->n++] = *sp;
	else
		otlp_span_done(sp);
	memset(sp, 0, sizeof *sp);
}

static void
spans_done(struct spans *ss)
{
	for (int i = 0; i < ss->n; i++)
		otlp_span_done(&ss->s[i]);
	ss->n = 0;
}

/* The capture's request bodies (every second line). */
static char *bodies[16];
static int nbodies;

static void
read_capture(void)
{
	const char *dir = getenv("SRCDIR");
	char path[1024], line[65536];
	FILE *f;
	int i = 0;

	snprintf(path, sizeof path, "%s/tests/data/otlp-ai-sdk-6-traces.txt",
	    dir != NULL ? dir : ".");
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL && nbodies < 16) {
		if (i++ % 2 == 1)
			bodies[nbodies++] = xstrdup(line);
	}
	fclose(f);
}

static void
test_json(void)
{
	struct spans ss = { .n = 0 };
	struct otlp_result res;
	const struct otlp_span *sp;

	ok(nbodies == 4, "the capture holds 4 requests");
	if (nbodies < 4)
		return;
	is_int(otlp_decode_json(bodies[0], strlen(bodies[0]), collect_span, &ss,
	    &res), 0, "capture request 1 decodes");
	is_int(ss.n, 1, "one span in it");
	sp = &ss.s[0];
	is_str(sp->trace_id, "5e3f291f95cb1aa1777af379693b5d17", "trace id");
	is_str(sp->span_id, "bef4bf41e38fe268", "span id");
	is_str(sp->parent_id, "4ad08ef09b1808b2", "parent span id");
	is_str(sp->model, "gpt-mock-1", "gen_ai.request.model wins over ai.model.id");
	is_str(sp->function_id, "weather-agent", "ai.telemetry.functionId");
	is_str(sp->service, "demo-agent", "service.name from the resource");
	is_str(sp->ai_op, "ai.generateText.doGenerate", "ai.operationId");
	is_int(sp->input_tokens, 120, "input tokens");
	is_int(sp->output_tokens, 15, "output tokens");
	is_str(sp->finish_reason, "tool-calls", "finish reason from gen_ai.response.finish_reasons[0]");
	is_int(sp->start_ns, 1796234992549000000LL, "start time, ns from a string");
	spans_done(&ss);

	otlp_decode_json(bodies[1], strlen(bodies[1]), collect_span, &ss, &res);
	is_str(ss.n == 1 ? ss.s[0].tool : NULL, "weather", "ai.toolCall.name");
	spans_done(&ss);

	/* Older and vendor forms, int64 as strings, a status as its name. */
	{
		static const char body[] = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{"
		    "\"traceId\":\"0123456789ABCDEF0123456789abcdef\",\"spanId\":\"00000000000000a1\","
		    "\"name\":\"x\",\"endTimeUnixNano\":1796234992549000000,"
		    "\"status\":{\"code\":\"STATUS_CODE_ERROR\",\"message\":\"boom\"},"
		    "\"attributes\":["
		    "{\"key\":\"ai.usage.promptTokens\",\"value\":{\"intValue\":\"7\"}},"
		    "{\"key\":\"ai.usage.completionTokens\",\"value\":{\"doubleValue\":3}},"
		    "{\"key\":\"ai.model.id\",\"value\":{\"stringValue\":\"m\"}},"
		    "{\"key\":\"ai.response.msToFirstChunk\",\"value\":{\"doubleValue\":12.4}},"
		    "{\"key\":\"gen_ai.usage.cost\",\"value\":{\"doubleValue\":0.5}}],"
		    "\"events\":[{\"name\":\"exception\",\"attributes\":["
		    "{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"TypeError\"}},"
		    "{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"bad\"}}]}]}]}]}]}";

		is_int(otlp_decode_json(body, sizeof body - 1, collect_span, &ss, &res), 0,
		    "a span with older attribute names decodes");
		sp = &ss.s[0];
		is_str(sp->trace_id, "0123456789abcdef0123456789abcdef", "hex ids are lowercased");
		is_int(sp->input_tokens, 7, "ai.usage.promptTokens as a string");
		is_int(sp->output_tokens, 3, "ai.usage.completionTokens as an integral double");
		is_int(sp->ttft_ms, 12, "TTFT from ai.response.msToFirstChunk");
		ok(sp->has & OTLP_COST, "gen_ai.usage.cost");
		is_int(sp->status, 2, "status code as its name");
		is_str(sp->status_message, "boom", "status message");
		is_str(sp->error_type, "TypeError", "exception.type");
		is_str(sp->error_message, "bad", "exception.message");
		spans_done(&ss);
	}

	/* Rejected spans and bad requests. */
	{
		static const char body[] = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
		    "{\"traceId\":\"zz\",\"spanId\":\"00000000000000a1\"},"
		    "{\"traceId\":\"0123456789abcdef0123456789abcdef\",\"spanId\":\"0000000000000000\"},"
		    "{\"traceId\":\"0123456789abcdef0123456789abcdef\",\"spanId\":\"00000000000000a1\",\"name\":5},"
		    "{\"traceId\":\"0123456789abcdef0123456789abcdef\",\"spanId\":\"00000000000000a2\",\"attributes\":{}},"
		    "7,"
		    "{\"traceId\":\"0123456789abcdef0123456789abcdef\",\"spanId\":\"00000000000000a3\"}]}]}]}";

		is_int(otlp_decode_json(body, sizeof body - 1, collect_span, &ss, &res), 0,
		    "a request with bad spans is still read");
		is_int(res.rejected, 5, "bad ids, an all-zero id, wrong types: 5 rejected");
		is_int(ss.n, 1, "the good one handed on");
		ok(res.error[0] != '\0', "the first reason kept: %s", res.error);
		spans_done(&ss);
	}
	is_int(otlp_decode_json("{\"resourceSpans\":5}", 19, collect_span, &ss, &res), -1,
	    "resourceSpans not a list: a bad request");
	is_int(otlp_decode_json("[1]", 3, collect_span, &ss, &res), -1, "not an object: a bad request");
	is_int(otlp_decode_json("{\"resourceSpans\":[", 18, collect_span, &ss, &res), -1,
	    "truncated JSON: a bad request");
	is_int(otlp_decode_json("{}", 2, collect_span, &ss, &res), 0, "an empty request is fine");
}

/* The capture's spans as one protobuf request, built with protobuf-c. */
static uint8_t *
capture_as_proto(size_t *len)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
	    OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs =
	    OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT, *rsp = &rs;
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss =
	    OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT, *ssp = &ss;
	Opentelemetry__Proto__Resource__V1__Resource res =
	    OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	Opentelemetry__Proto__Common__V1__KeyValue kv[4], *kvp[4], svc, *svcp = &svc;
	Opentelemetry__Proto__Common__V1__AnyValue av[4], sv;
	Opentelemetry__Proto__Trace__V1__Span sp, *spp = &sp;
	static uint8_t trace[16] = { 0x5e, 0x3f, 0x29, 0x1f, 0x95, 0xcb, 0x1a, 0xa1,
	    0x77, 0x7a, 0xf3, 0x79, 0x69, 0x3b, 0x5d, 0x17 };
	static uint8_t id[8] = { 0xbe, 0xf4, 0xbf, 0x41, 0xe3, 0x8f, 0xe2, 0x68 };
	static uint8_t parent[8] = { 0x4a, 0xd0, 0x8e, 0xf0, 0x9b, 0x18, 0x08, 0xb2 };
	uint8_t *out;

	for (int i = 0; i < 4; i++) {
		opentelemetry__proto__common__v1__key_value__init(&kv[i]);
		opentelemetry__proto__common__v1__any_value__init(&av[i]);
		kv[i].value = &av[i];
		kvp[i] = &kv[i];
	}
	kv[0].key = (char *)"gen_ai.request.model";
	av[0].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	av[0].string_value = (char *)"gpt-mock-1";
	kv[1].key = (char *)"gen_ai.usage.input_tokens";
	av[1].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	av[1].int_value = 120;
	kv[2].key = (char *)"ai.usage.outputTokens";
	av[2].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	av[2].int_value = 15;
	kv[3].key = (char *)"ai.telemetry.functionId";
	av[3].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	av[3].string_value = (char *)"weather-agent";
	opentelemetry__proto__common__v1__key_value__init(&svc);
	opentelemetry__proto__common__v1__any_value__init(&sv);
	svc.key = (char *)"service.name";
	sv.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	sv.string_value = (char *)"demo-agent";
	svc.value = &sv;
	res.n_attributes = 1;
	res.attributes = &svcp;
	opentelemetry__proto__trace__v1__span__init(&sp);
	sp.trace_id.data = trace;
	sp.trace_id.len = 16;
	sp.span_id.data = id;
	sp.span_id.len = 8;
	sp.parent_span_id.data = parent;
	sp.parent_span_id.len = 8;
	sp.name = (char *)"ai.generateText.doGenerate";
	sp.start_time_unix_nano = 1796234992549000000ULL;
	sp.end_time_unix_nano = 1796234992551242057ULL;
	sp.n_attributes = 4;
	sp.attributes = kvp;
	ss.n_spans = 1;
	ss.spans = &spp;
	rs.resource = &res;
	rs.n_scope_spans = 1;
	rs.scope_spans = &ssp;
	req.n_resource_spans = 1;
	req.resource_spans = &rsp;
	*len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(&req);
	out = xmalloc(*len);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out);
	return out;
}

static void
test_proto(void)
{
	struct spans a = { .n = 0 }, b = { .n = 0 };
	struct otlp_result res;
	size_t len;
	uint8_t *pb = capture_as_proto(&len);
	int bad = 0;

	is_int(otlp_decode_proto(pb, len, collect_span, &a, &res), 0, "protobuf request decodes");
	if (nbodies > 0)
		otlp_decode_json(bodies[0], strlen(bodies[0]), collect_span, &b, &res);
	if (a.n == 1 && b.n == 1) {
		const struct otlp_span *x = &a.s[0], *y = &b.s[0];

		is_str(x->trace_id, y->trace_id, "protobuf and JSON: same trace id");
		is_str(x->span_id, y->span_id, "... span id");
		is_str(x->parent_id, y->parent_id, "... parent id");
		is_str(x->model, y->model, "... model");
		is_str(x->function_id, y->function_id, "... functionId");
		is_str(x->service, y->service, "... service");
		is_int(x->input_tokens, y->input_tokens, "... input tokens");
		is_int(x->output_tokens, y->output_tokens, "... output tokens");
		is_int(x->start_ns, y->start_ns, "... start");
		is_int(x->end_ns, y->end_ns, "... end");
	} else
		ok(0, "one span each from protobuf (%d) and JSON (%d)", a.n, b.n);
	spans_done(&a);
	spans_done(&b);
	for (size_t cut = 1; cut < len; cut++) {
		struct spans c = { .n = 0 };

		/* Any prefix either fails or decodes to no more than the whole. */
		if (otlp_decode_proto(pb, cut, collect_span, &c, &res) == 0 && c.n > 1)
			bad++;
		spans_done(&c);
	}
	is_int(bad, 0, "every truncation of the request is refused or partial");
	is_int(otlp_decode_proto((const uint8_t *)"\x0a\xff\xff\xff\xff\x0f", 6,
	    collect_span, &a, &res), -1, "a length past the end: a bad request");
	is_int(otlp_decode_proto((const uint8_t *)"", 0, collect_span, &a, &res), 0,
	    "an empty protobuf request is fine");
	free(pb);
	{
		uint8_t *r = otlp_response_proto(3, "why", &len);
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *resp =
		    opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(NULL, len, r);

		ok(resp != NULL && resp->partial_success != NULL &&
		    resp->partial_success->rejected_spans == 3, "protobuf response: partialSuccess.rejected_spans");
		if (resp != NULL)
			opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(resp, NULL);
		free(r);
		r = otlp_response_proto(0, "", &len);
		is_int(len, 0, "a full success is an empty response");
		free(r);
	}
	{
		char *j = otlp_response_json(2, "bad ids", &len);

		is_str(j, "{\"partialSuccess\":{\"rejectedSpans\":2,\"errorMessage\":\"bad ids\"}}",
		    "JSON response with partialSuccess");
		free(j);
	}
}

/* Events made, as sorted lines "entry_id json". */
struct made {
	char *lines[256];
	int n;
};

static void
collect_event(void *ctx, struct event *ev)
{
	struct made *m = ctx;
	json_t *j = event_to_json(ev);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (m->n < 256)
		xasprintf(&m->lines[m->n++], "%s %s", ev->entry_id, s);
	free(s);
	json_decref(j);
	event_done(ev);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed the capture's 4 spans in the order perm; the made events joined. */
static char *
assemble(const int *perm, int flush)
{
	struct made m = { .n = 0 };
	struct otlp_runs *r = otlp_runs_create(NULL, collect_event, &m);
	struct spans ss = { .n = 0 };
	struct otlp_result res;
	size_t total = 1;
	char *out;

	for (int i = 0; i < 4; i++)
		otlp_decode_json(bodies[perm[i]], strlen(bodies[perm[i]]),
		    collect_span, &ss, &res);
	for (int i = 0; i < ss.n; i++)
		otlp_runs_add(r, &ss.s[i], 1000 + i);
	if (flush)
		otlp_runs_flush(r, 2000);
	qsort(m.lines, (size_t)m.n, sizeof *m.lines, cmp_str);
	for (int i = 0; i < m.n; i++)
		total += strlen(m.lines[i]) + 1;
	out = xcalloc(1, total);
	for (int i = 0; i < m.n; i++) {
		strcat(out, m.lines[i]);
		strcat(out, "\n");
		free(m.lines[i]);
	}
	otlp_runs_free(r);
	return out;
}

static void
test_runs(void)
{
	int perm[4] = { 0, 1, 2, 3 }, same = 1, count = 0;
	char *first, *x;

	if (nbodies < 4) {
		skip(4, "no capture");
		return;
	}
	first = assemble(perm, 0);
	ok(strstr(first, "\"type\":\"run.started\"") != NULL &&
	    strstr(first, "\"type\":\"run.completed\"") != NULL,
	    "the generateText root is a run, started and completed");
	ok(strstr(first, "\"agent_name\":\"weather-agent\"") != NULL,
	    "its agent is ai.telemetry.functionId");
	ok(strstr(first, "bef4bf41e38fe268:llm") != NULL &&
	    strstr(first, "b6d06b4f9f63664e:llm") != NULL &&
	    strstr(first, "1fe111b50e83053a:tool") != NULL,
	    "two LLM calls and a tool call");
	/* Every order of the four requests makes the same events. */
	for (int a = 0; a < 4; a++)
	for (int b = 0; b < 4; b++)
	for (int c = 0; c < 4; c++)
	for (int d = 0; d < 4; d++) {
		if (a == b || a == c || a == d || b == c || b == d || c == d)
			continue;
		perm[0] = a; perm[1] = b; perm[2] = c; perm[3] = d;
		x = assemble(perm, 0);
		same &= strcmp(x, first) == 0;
		count++;
		free(x);
	}
	ok(same && count == 24, "all 24 orders of the requests make the same events");
	free(first);

	/* A child whose parent never comes: settled after the grace time. */
	{
		struct otlp_runs_opts o;
		struct made m = { .n = 0 };
		struct otlp_runs *r;
		struct spans ss = { .n = 0 };
		struct otlp_result res;

		otlp_runs_opts_default(&o);
		o.grace_ms = 5000;
		r = otlp_runs_create(&o, collect_event, &m);
		otlp_decode_json(bodies[0], strlen(bodies[0]), collect_span, &ss, &res);
		otlp_runs_add(r, &ss.s[0], 1000);
		otlp_runs_tick(r, 5999);
		is_int(m.n, 0, "a child waits for its parent within the grace time");
		is_int(otlp_runs_waiting(r), 1, "... counted as waiting");
		otlp_runs_tick(r, 6000);
		is_int(m.n, 3, "after it: settled as a run of its own (started, completed, llm.call)");
		is_int(otlp_runs_waiting(r), 0, "nothing waiting");
		for (int i = 0; i < m.n; i++)
			free(m.lines[i]);
		otlp_runs_free(r);
	}
}

/* Count events made. */
static void
count_event(void *ctx, struct event *ev)
{
	(*(int *)ctx)++;
	event_done(ev);
}

/* A span by hand: id i (hex), parent p (0 = root). */
static void
hand_span(struct otlp_span *sp, int i, int p, const char *op)
{
	otlp_span_init(sp);
	snprintf(sp->trace_id, sizeof sp->trace_id, "%032x", 7);
	snprintf(sp->span_id, sizeof sp->span_id, "%016x", i);
	if (p != 0)
		snprintf(sp->parent_id, sizeof sp->parent_id, "%016x", p);
	sp->op = xstrdup(op);
	sp->start_ns = INT64_C(1700000000000000000) + i;
	sp->end_ns = sp->start_ns + 1000000;
	if (strcmp(op, "chat") == 0)
		sp->model = xstrdup("m");
}

static void
test_deep(void)
{
	struct otlp_runs *r;
	struct otlp_span sp;
	int n = 0;

	/* A chain of 3000 spans, children first, its run span last. */
	r = otlp_runs_create(NULL, count_event, &n);
	for (int i = 3001; i >= 2; i--) {
		hand_span(&sp, i, i - 1, i % 2 ? "chat" : "other");
		otlp_runs_add(r, &sp, 1000);
	}
	is_int(n, 0, "a chain whose run span has not come: nothing made");
	hand_span(&sp, 1, 0, "invoke_agent");
	otlp_runs_add(r, &sp, 1000);
	ok(n > 2, "the run span settles the calls near it (%d events)", n);
	otlp_runs_flush(r, 2000);
	is_int(otlp_runs_waiting(r), 0, "the flush settles the rest of a 3000-deep chain");
	otlp_runs_free(r);

	/* A span that is its own ancestor: no endless walk. */
	n = 0;
	r = otlp_runs_create(NULL, count_event, &n);
	hand_span(&sp, 5, 6, "chat");
	otlp_runs_add(r, &sp, 1000);
	hand_span(&sp, 6, 5, "chat");
	otlp_runs_add(r, &sp, 1000);
	otlp_runs_flush(r, 2000);
	is_int(otlp_runs_waiting(r), 0, "a cycle of parents is settled by the flush");
	otlp_runs_free(r);
}

/* Feed a whole text in pieces of step bytes; the last result. */
static enum http_result
feed_all(struct http_req *r, const char *text, size_t step, int *heads)
{
	size_t len = strlen(text), off = 0, used;
	enum http_result res = HTTP_MORE;

	*heads = 0;
	while (off <= len) {
		size_t n = len - off < step ? len - off : step;

		res = http_feed(r, text + off, n, &used);
		off += used;
		if (res == HTTP_GOT_HEAD) {
			(*heads)++;
			continue;
		}
		if (res != HTTP_MORE || off == len)
			break;
	}
	return res;
}

static void
test_http(void)
{
	static const char chunked[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
	struct http_req r;
	int heads, all = 1;

	for (size_t step = 1; step <= sizeof chunked; step++) {
		http_req_init(&r, 1024);
		all &= feed_all(&r, chunked, step, &heads) == HTTP_GOT_REQUEST &&
		    heads == 1 && r.len == 11 && memcmp(r.body, "hello world", 11) == 0;
		http_req_done(&r);
	}
	ok(all, "a chunked body read whole, whatever the pieces it comes in");

	http_req_init(&r, 1024);
	ok(feed_all(&r, "POST /v1/traces HTTP/1.1\r\nContent-Length: 3\r\n"
	    "Content-Encoding: gzip\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\nabc",
	    1000, &heads) == HTTP_GOT_REQUEST && r.len == 3, "a Content-Length body");
	is_str(r.method, "POST", "method");
	is_str(r.path, "/v1/traces", "path");
	is_str(r.content_encoding, "gzip", "Content-Encoding");
	is_str(r.authorization, "Bearer t", "Authorization");
	ok(r.close, "Connection: close");
	http_req_reset(&r);
	ok(feed_all(&r, "GET / HTTP/1.0\r\n\r\n", 1000, &heads) == HTTP_GOT_REQUEST &&
	    r.close && r.len == 0, "HTTP/1.0 without a body, closing");
	http_req_done(&r);

#define BAD(text, status, what) do {                                    \
	http_req_init(&r, 16);                                          \
	ok(feed_all(&r, text, 1000, &heads) == HTTP_FAILED &&           \
	    r.error_status == (status), what " (%d)", r.error_status);   \
	http_req_done(&r);                                              \
} while (0)
	BAD("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400, "Content-Length and Transfer-Encoding: 400");
	BAD("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
	    "a transfer coding not chunked: 501");
	BAD("POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\n0123456789abcdef0123",
	    413, "a body over the bound: 413");
	BAD("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n", 413,
	    "a chunk over the bound: 413");
	BAD("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
	    "not a chunk size: 400");
	BAD("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
	    "two Content-Lengths: 400");
	BAD("POST / HTTP/2.0\r\n\r\n", 505, "HTTP/2.0 on this port: 505");
	BAD("POST /\r\n\r\n", 400, "no version: 400");
	BAD("POST / HTTP/1.1\r\n folded\r\n\r\n", 400, "a folded header: 400");
	BAD("POST / HTTP/1.1\r\nX: a\x01\r\n\r\n", 400, "a control character in a value: 400");
#undef BAD
	{
		char *big = xmalloc(HTTP_HEAD_MAX + 100);

		memcpy(big, "POST / HTTP/1.1\r\nX: ", 20);
		memset(big + 20, 'a', HTTP_HEAD_MAX + 50);
		big[HTTP_HEAD_MAX + 70] = '\0';
		http_req_init(&r, 16);
		ok(feed_all(&r, big, 4096, &heads) == HTTP_FAILED &&
		    r.error_status == 431, "a head too large: 431");
		http_req_done(&r);
		free(big);
	}
}

static void
test_prices(void)
{
	static const char table[] = "# prices\ndate 2026-11-01\n"
	    "gpt-4o 2.50 10.00\ngpt-4o-mini 0.15 0.60\nclaude-sonnet-4-5 3 15\n";
	char err[256];
	double in, out;
	struct event ev;

	prices_clear();
	is_int(prices_parse(table, sizeof table - 1, err, sizeof err), 0, "a price table parses");
	is_int(prices_count(), 3, "three models");
	is_str(prices_date(), "2026-11-01", "its date");
	ok(prices_lookup("gpt-4o", &in, &out) == 0 && in == 2.5 && out == 10,
	    "an exact model");
	ok(prices_lookup("gpt-4o-mini-2024-07-18", &in, &out) == 0 && in == 0.15,
	    "a dated model: the longest entry it starts with");
	ok(prices_lookup("openai/gpt-4o", &in, &out) == 0 && in == 2.5,
	    "a provider/ prefix");
	ok(prices_lookup("claude-sonnet-4-5@20250929", &in, &out) == 0 && out == 15,
	    "a version after '@'");
	ok(prices_lookup("gpt-4olala", &in, &out) != 0, "a name that only looks alike: unknown");
	ok(prices_lookup("llama-3", &in, &out) != 0, "an unknown model");
	is_int(prices_set("gpt-4o 1 2", err, sizeof err), 0, "--price replaces an entry");
	ok(prices_lookup("gpt-4o", &in, &out) == 0 && in == 1 && out == 2, "... and it is used");
	ok(prices_set("gpt-4o 1", err, sizeof err) != 0, "--price with two words: refused");
	ok(prices_parse("gpt-4o x 1\n", 11, err, sizeof err) != 0 &&
	    strstr(err, "line 1") != NULL, "a bad price names its line: %s", err);

	event_init(&ev);
	ev.type = EV_LLM_CALL;
	ev.type_name = xstrdup("llm.call");
	ev.model_id = xstrdup("gpt-4o-mini");
	ev.input_tokens = 1000000;
	ev.output_tokens = 500000;
	ev.has = EF_INPUT_TOKENS | EF_OUTPUT_TOKENS;
	is_int(prices_apply(&ev), 1, "an llm.call without cost_usd gets an estimate");
	ok(ev.cost_usd > 0.4499 && ev.cost_usd < 0.4501, "0.15 + 0.30 dollars (%g)", ev.cost_usd);
	ok(prices_is_estimated(&ev), "marked as estimated");
	is_int(prices_apply(&ev), 0, "an event with a cost is left alone");
	event_done(&ev);
	prices_clear();
}

int
main(void)
{
	read_capture();
	test_json();
	test_proto();
	test_runs();
	test_deep();
	test_http();
	test_prices();
	for (int i = 0; i < nbodies; i++)
		free(bodies[i]);
	return tap_done();
}
