/* execmon-gen otlp - agent runs as OpenTelemetry GenAI spans, sent over OTLP/HTTP. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <jansson.h>
#include <zlib.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "gen.h"

/*
 * Each run is an invoke_agent span with chat and execute_tool spans under
 * it (and now and then an agent nested in it); some tool calls and some
 * runs fail. A run's spans are sent children first, as an SDK exports
 * them, --batch spans a request. What was sent is summed up on stdout as
 * JSON, in the terms the snapshot uses, for tests to compare.
 */

typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;

struct gspan {
	uint8_t trace[16], id[8], parent[8];
	int has_parent;
	char name[64];
	int64_t start_ns, end_ns;
	const char *op, *agent, *model, *tool, *error_type, *status_message;
	int64_t in, out;
	int error;
};

struct gen_otlp {
	const char *url, *out, *token;
	int proto, gzip, batch;
	uint64_t runs;
	struct gen_rng rng;
	char host[256], path[256];
	int port;
	struct gspan *spans;
	size_t n, cap;
	/* what was sent */
	json_t *did;
	uint64_t requests, failed_requests;
	FILE *outf;
};

static const char *const agents[] = { "planner", "researcher", "writer", "coder" };
static const char *const models[] = { "gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash" };
static const char *const tools[] = { "search", "fetch_page", "run_tests", "read_file" };

static void
otlp_usage(FILE *f)
{
	fputs("usage: execmon-gen otlp [OPTIONS]\n"
	    "Send agent runs as OpenTelemetry GenAI spans to an OTLP/HTTP receiver.\n"
	    "  --url URL         http://HOST:PORT/v1/traces (default http://127.0.0.1:4318/v1/traces)\n"
	    "  --format F        json or proto (default json)\n"
	    "  --gzip            compress request bodies\n"
	    "  --runs N          agent runs to send (default 10)\n"
	    "  --batch N         spans per request (default 5)\n"
	    "  --seed N          random seed (default 1)\n"
	    "  --token T         send 'Authorization: Bearer T'\n"
	    "  --out FILE        write the request bodies to FILE (- = stdout) instead\n"
	    "What was sent is printed on stdout as JSON (runs and failures per agent,\n"
	    "tokens, LLM calls, tool calls and errors).\n", f);
}

static void
add_span(struct gen_otlp *g, const struct gspan *s)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->spans = realloc(g->spans, g->cap * sizeof *g->spans);
		if (g->spans == NULL)
			abort();
	}
	g->spans[g->n++] = *s;
}

static void
did_add(struct gen_otlp *g, const char *key, int64_t v)
{
	json_t *x = json_object_get(g->did, key);

	json_object_set_new(g->did, key, json_integer((x != NULL ?
	    json_integer_value(x) : 0) + v));
}

static void
did_agent(struct gen_otlp *g, const char *what, const char *agent)
{
	json_t *o = json_object_get(g->did, what);
	json_t *x = json_object_get(o, agent);

	json_object_set_new(o, agent, json_integer((x != NULL ?
	    json_integer_value(x) : 0) + 1));
}

static void
rand_bytes(struct gen_otlp *g, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(gen_rng_next(&g->rng) | 1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One agent run (and maybe a nested one), its spans children first. */
static void
make_run(struct gen_otlp *g, const uint8_t *trace, const uint8_t *parent,
    int depth, int64_t start)
{
	struct gspan run, s;
	int64_t t = start + 1000000;
	int nchat = 1 + (int)gen_rng_below(&g->rng, 3);
	int ntool = (int)gen_rng_below(&g->rng, 3);
	int tool_failed = 0;

	memset(&run, 0, sizeof run);
	memcpy(run.trace, trace, 16);
	rand_bytes(g, run.id, 8);
	if (parent != NULL) {
		memcpy(run.parent, parent, 8);
		run.has_parent = 1;
	}
	run.op = "invoke_agent";
	run.agent = agents[gen_rng_below(&g->rng, 4)];
	snprintf(run.name, sizeof run.name, "invoke_agent %s", run.agent);
	run.start_ns = start;
	for (int i = 0; i < nchat + ntool; i++) {
		memset(&s, 0, sizeof s);
		memcpy(s.trace, trace, 16);
		rand_bytes(g, s.id, 8);
		memcpy(s.parent, run.id, 8);
		s.has_parent = 1;
		s.start_ns = t;
		s.end_ns = t + (int64_t)gen_rng_range(&g->rng, 50, 2000) * 1000000;
		t = s.end_ns + 1000000;
		if (i < nchat) {
			s.op = "chat";
			s.model = models[gen_rng_below(&g->rng, 4)];
			s.in = gen_rng_range(&g->rng, 100, 5000);
			s.out = gen_rng_range(&g->rng, 10, 800);
			snprintf(s.name, sizeof s.name, "chat %s", s.model);
			did_add(g, "inputTokens", s.in);
			did_add(g, "outputTokens", s.out);
			did_add(g, "llmCalls", 1);
		} else {
			s.op = "execute_tool";
			s.tool = tools[gen_rng_below(&g->rng, 4)];
			snprintf(s.name, sizeof s.name, "execute_tool %s", s.tool);
			did_add(g, "toolCalls", 1);
			if (gen_rng_chance(&g->rng, 0.1)) {
				s.error = 1;
				s.error_type = "timeout";
				s.status_message = "the tool timed out";
				tool_failed = 1;
				did_add(g, "toolErrors", 1);
			}
		}
		add_span(g, &s);
	}
	if (depth == 0 && gen_rng_chance(&g->rng, 0.2)) {
		make_run(g, trace, run.id, 1, t);
		t = g->spans[g->n - 1].end_ns + 1000000;
	}
	run.end_ns = t + 1000000;
	if (!tool_failed && gen_rng_chance(&g->rng, 0.1)) {
		run.error = 1;
		run.error_type = "AgentError";
		run.status_message = "gave up after too many steps";
	}
	add_span(g, &run);
	did_agent(g, "runs", run.agent);
	if (run.error || tool_failed)
		did_agent(g, "failed", run.agent);
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static json_t *
jattr(const char *k, json_t *v)
{
	return json_pack("{s:s,s:o}", "key", k, "value", v);
}

static char *
body_json(struct gspan *s, size_t n, size_t *len)
{
	json_t *spans = json_array(), *root;
	char *text, id[40];

	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array(), *js;

		json_array_append_new(a, jattr("gen_ai.operation.name",
		    json_pack("{s:s}", "stringValue", s[i].op)));
		if (s[i].agent != NULL)
			json_array_append_new(a, jattr("gen_ai.agent.name",
			    json_pack("{s:s}", "stringValue", s[i].agent)));
		if (s[i].model != NULL) {
			json_array_append_new(a, jattr("gen_ai.request.model",
			    json_pack("{s:s}", "stringValue", s[i].model)));
			/* int64 as a string, as the protobuf JSON mapping has it */
			snprintf(id, sizeof id, "%" PRId64, s[i].in);
			json_array_append_new(a, jattr("gen_ai.usage.input_tokens",
			    json_pack("{s:s}", "intValue", id)));
			json_array_append_new(a, jattr("gen_ai.usage.output_tokens",
			    json_pack("{s:I}", "intValue", (json_int_t)s[i].out)));
		}
		if (s[i].tool != NULL)
			json_array_append_new(a, jattr("gen_ai.tool.name",
			    json_pack("{s:s}", "stringValue", s[i].tool)));
		if (s[i].error_type != NULL)
			json_array_append_new(a, jattr("error.type",
			    json_pack("{s:s}", "stringValue", s[i].error_type)));
		js = json_object();
		hex(s[i].trace, 16, id);
		json_object_set_new(js, "traceId", json_string(id));
		hex(s[i].id, 8, id);
		json_object_set_new(js, "spanId", json_string(id));
		if (s[i].has_parent) {
			hex(s[i].parent, 8, id);
			json_object_set_new(js, "parentSpanId", json_string(id));
		}
		json_object_set_new(js, "name", json_string(s[i].name));
		json_object_set_new(js, "kind", json_integer(3));
		snprintf(id, sizeof id, "%" PRId64, s[i].start_ns);
		json_object_set_new(js, "startTimeUnixNano", json_string(id));
		snprintf(id, sizeof id, "%" PRId64, s[i].end_ns);
		json_object_set_new(js, "endTimeUnixNano", json_string(id));
		json_object_set_new(js, "attributes", a);
		if (s[i].error)
			json_object_set_new(js, "status", json_pack("{s:i,s:s}",
			    "code", 2, "message", s[i].status_message));
		json_array_append_new(spans, js);
	}
	root = json_pack("{s:[{s:{s:[{s:s,s:{s:s}}]},s:[{s:{s:s},s:o}]}]}",
	    "resourceSpans", "resource", "attributes", "key", "service.name",
	    "value", "stringValue", "execmon-gen", "scopeSpans", "scope", "name",
	    "execmon-gen", "spans", spans);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	*len = strlen(text);
	return text;
}

static pb_kv *
kv_str(const char *k, const char *v)
{
	pb_kv *kv = calloc(1, sizeof *kv);
	pb_any *a = calloc(1, sizeof *a);

	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(a);
	kv->key = (char *)k;
	a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	a->string_value = (char *)v;
	kv->value = a;
	return kv;
}

static pb_kv *
kv_int(const char *k, int64_t v)
{
	pb_kv *kv = kv_str(k, NULL);

	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	kv->value->int_value = v;
	return kv;
}

static uint8_t *
body_proto(struct gspan *s, size_t n, size_t *len)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
	    OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs =
	    OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT, *rsp = &rs;
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss =
	    OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT, *ssp = &ss;
	Opentelemetry__Proto__Resource__V1__Resource res =
	    OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	Opentelemetry__Proto__Trace__V1__Status *st = calloc(n, sizeof *st);
	pb_span *ps = calloc(n, sizeof *ps), **pps = calloc(n, sizeof *pps);
	pb_kv *svc = kv_str("service.name", "execmon-gen");
	uint8_t *out;

	res.n_attributes = 1;
	res.attributes = &svc;
	rs.resource = &res;
	rs.n_scope_spans = 1;
	rs.scope_spans = &ssp;
	req.n_resource_spans = 1;
	req.resource_spans = &rsp;
	ss.n_spans = n;
	ss.spans = pps;
	for (size_t i = 0; i < n; i++) {
		pb_kv **a = calloc(8, sizeof *a);
		size_t na = 0;

		opentelemetry__proto__trace__v1__span__init(&ps[i]);
		pps[i] = &ps[i];
		ps[i].trace_id.data = s[i].trace;
		ps[i].trace_id.len = 16;
		ps[i].span_id.data = s[i].id;
		ps[i].span_id.len = 8;
		if (s[i].has_parent) {
			ps[i].parent_span_id.data = s[i].parent;
			ps[i].parent_span_id.len = 8;
		}
		ps[i].name = s[i].name;
		ps[i].kind = 3;
		ps[i].start_time_unix_nano = (uint64_t)s[i].start_ns;
		ps[i].end_time_unix_nano = (uint64_t)s[i].end_ns;
		a[na++] = kv_str("gen_ai.operation.name", s[i].op);
		if (s[i].agent != NULL)
			a[na++] = kv_str("gen_ai.agent.name", s[i].agent);
		if (s[i].model != NULL) {
			a[na++] = kv_str("gen_ai.request.model", s[i].model);
			a[na++] = kv_int("gen_ai.usage.input_tokens", s[i].in);
			a[na++] = kv_int("gen_ai.usage.output_tokens", s[i].out);
		}
		if (s[i].tool != NULL)
			a[na++] = kv_str("gen_ai.tool.name", s[i].tool);
		if (s[i].error_type != NULL)
			a[na++] = kv_str("error.type", s[i].error_type);
		ps[i].n_attributes = na;
		ps[i].attributes = a;
		if (s[i].error) {
			opentelemetry__proto__trace__v1__status__init(&st[i]);
			st[i].code = 2;
			st[i].message = (char *)s[i].status_message;
			ps[i].status = &st[i];
		}
	}
	*len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(&req);
	out = malloc(*len + 1);
	if (out == NULL)
		abort();
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < ps[i].n_attributes; k++) {
			free(ps[i].attributes[k]->value);
			free(ps[i].attributes[k]);
		}
		free(ps[i].attributes);
	}
	free(svc->value);
	free(svc);
	free(ps);
	free(pps);
	free(st);
	return out;
}

static unsigned char *
gz(const void *in, size_t len, size_t *outlen)
{
	z_stream z;
	size_t cap = compressBound((uLong)len) + 64;
	unsigned char *out = malloc(cap);

	memset(&z, 0, sizeof z);
	if (out == NULL || deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* POST one body; the HTTP status, or -1 when the receiver cannot be reached. */
static int
post(struct gen_otlp *g, const void *body, size_t len)
{
	struct addrinfo hints, *res;
	char port[16], head[1024], resp[512];
	int fd, n, status = -1;
	ssize_t r;
	size_t got = 0;

	snprintf(port, sizeof port, "%d", g->port);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(g->host, port, &hints, &res) != 0)
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s%s%s"
	    "Connection: close\r\n\r\n", g->path, g->host, g->port,
	    g->proto ? "application/x-protobuf" : "application/json", len,
	    g->gzip ? "Content-Encoding: gzip\r\n" : "",
	    g->token != NULL ? "Authorization: Bearer " : "",
	    g->token != NULL ? g->token : "", g->token != NULL ? "\r\n" : "");
	if (write(fd, head, (size_t)n) != n ||
	    write(fd, body, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	while (got < sizeof resp - 1 && (r = read(fd, resp + got,
	    sizeof resp - 1 - got)) > 0)
		got += (size_t)r;
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	close(fd);
	return status;
}

static int
send_batch(struct gen_otlp *g, struct gspan *s, size_t n)
{
	size_t len, zlen;
	void *body = g->proto ? (void *)body_proto(s, n, &len) :
	    (void *)body_json(s, n, &len);
	unsigned char *z = NULL;
	int status = 200;

	if (g->gzip) {
		z = gz(body, len, &zlen);
		free(body);
		body = z;
		len = zlen;
	}
	if (g->outf != NULL) {
		if (fwrite(body, 1, len, g->outf) != len)
			status = -1;
		if (!g->proto)
			fputc('\n', g->outf);
	} else
		status = post(g, body, len);
	free(body);
	g->requests++;
	if (status != 200) {
		g->failed_requests++;
		fprintf(stderr, "execmon-gen: otlp %s: %s %d\n", g->url,
		    status < 0 ? "cannot send, status" : "answered", status);
		return -1;
	}
	return 0;
}

static int
parse_url(struct gen_otlp *g)
{
	const char *p = g->url, *slash, *colon;

	if (strncmp(p, "http://", 7) != 0)
		return -1;
	p += 7;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	colon = memchr(p, ':', (size_t)(slash - p));
	if (colon == NULL || colon == p || (size_t)(colon - p) >= sizeof g->host)
		return -1;
	memcpy(g->host, p, (size_t)(colon - p));
	g->host[colon - p] = '\0';
	g->port = atoi(colon + 1);
	snprintf(g->path, sizeof g->path, "%s", *slash != '\0' ? slash : "/v1/traces");
	return g->port > 0 && g->port < 65536 ? 0 : -1;
}

int
gen_otlp_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "runs", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen_otlp g;
	uint64_t seed = 1;
	int c, rc = 0;
	char *text;

	memset(&g, 0, sizeof g);
	g.url = "http://127.0.0.1:4318/v1/traces";
	g.runs = 10;
	g.batch = 5;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'u': g.url = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "proto") != 0) {
				fprintf(stderr, "execmon-gen: otlp --format: expected json or proto\n");
				return 2;
			}
			g.proto = strcmp(optarg, "proto") == 0;
			break;
		case 'z': g.gzip = 1; break;
		case 'n': g.runs = strtoull(optarg, NULL, 10); break;
		case 'b': g.batch = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 't': g.token = optarg; break;
		case 'o': g.out = optarg; break;
		case 'h': otlp_usage(stdout); return 0;
		default:
			fprintf(stderr, "execmon-gen: otlp: bad option '%s' (see --help)\n",
			    argv[optind - 1]);
			return 2;
		}
	}
	if (g.out == NULL && parse_url(&g) != 0) {
		fprintf(stderr, "execmon-gen: otlp --url: expected http://HOST:PORT/PATH\n");
		return 2;
	}
	if (g.out != NULL && (g.outf = strcmp(g.out, "-") == 0 ? stdout :
	    fopen(g.out, "wb")) == NULL) {
		fprintf(stderr, "execmon-gen: otlp --out %s: %s\n", g.out, strerror(errno));
		return 1;
	}
	gen_rng_seed(&g.rng, seed, 7);
	g.did = json_pack("{s:{},s:{},s:i,s:i,s:i,s:i,s:i}", "runs", "failed",
	    "inputTokens", 0, "outputTokens", 0, "llmCalls", 0, "toolCalls", 0,
	    "toolErrors", 0);
	for (uint64_t i = 0; i < g.runs && rc == 0; i++) {
		uint8_t trace[16];

		rand_bytes(&g, trace, 16);
		g.n = 0;
		make_run(&g, trace, NULL, 0, now_ns() - 60 * INT64_C(1000000000));
		for (size_t k = 0; k < g.n && rc == 0; k += (size_t)g.batch)
			rc = send_batch(&g, g.spans + k, g.n - k < (size_t)g.batch ?
			    g.n - k : (size_t)g.batch);
	}
	if (g.outf != NULL && g.outf != stdout)
		fclose(g.outf);
	if (g.outf != stdout) {
		text = json_dumps(g.did, JSON_COMPACT | JSON_SORT_KEYS);
		printf("%s\n", text);
		free(text);
	}
	json_decref(g.did);
	free(g.spans);
	return rc == 0 ? 0 : 1;
}
