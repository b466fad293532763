/* execmon - the kinds of source: from the specs the command line gives to each source's start and stop. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "event.h"
#include "log.h"
#include "source-bullmq.h"
#include "source-celery.h"
#include "source-kind.h"
#include "source-otlp.h"
#include "source-pattern.h"
#include "source-redis.h"
#include "source-replay.h"
#include "source-ws.h"
#include "url.h"
#include "xmalloc.h"

/* The arguments of specs[0..n), as an array for the sources' start functions. */
static char **
spec_args(const struct source_spec *const *specs, int n)
{
	char **args = xreallocarray(NULL, (size_t)n + 1, sizeof *args);

	for (int i = 0; i < n; i++)
		args[i] = specs[i]->arg;
	return args;
}

/* --stream KEY: streams, and globs of them, on each server. */

struct kind_stream {
	struct redis_conn *conn;
	struct source_pattern *pattern;
};

static int
stream_check(const char *option, const char *arg)
{
	return *arg == '\0' ? cli_bad(option, arg, "empty stream key") : 0;
}

static int
stream_start(struct source_start *ss, const struct source_spec *const *specs, int n)
{
	struct kind_stream *ks = xcalloc(1, sizeof *ks);
	char **streams = xreallocarray(NULL, (size_t)n, sizeof *streams);
	const struct evmap **maps = xreallocarray(NULL, (size_t)n, sizeof *maps);
	int nstreams = 0, globs = 0;

	/* The same stream given twice is followed once, with its first map. */
	for (int i = 0; i < n; i++) {
		int seen = 0;

		for (int j = 0; j < nstreams && !seen; j++)
			seen = strcmp(streams[j], specs[i]->arg) == 0;
		if (seen)
			continue;
		maps[nstreams] = specs[i]->map;
		streams[nstreams++] = specs[i]->arg;
		globs += source_pattern_is_glob(specs[i]->arg);
	}
	if (globs > 0) {
		struct source_pattern_opts po = { ss->o->discover_ms,
		    (uint64_t)ss->o->max_streams, ss->o->connect_timeout_ms };

		ks->pattern = source_pattern_start(ss->server, streams, maps, nstreams,
		    &po, ss->ro, ss->sink);
	} else {
		struct source_redis_opts so = *ss->ro;

		so.maps = maps;
		ks->conn = source_redis_start(ss->server, streams, nstreams, &so, ss->sink);
	}
	/* The globs of a connection report caught up once, together. */
	ss->reports = nstreams - globs + (globs > 0);
	ss->handle = ks;
	free(streams);
	free(maps);
	return 0;
}

static void
stream_stop(void *handle)
{
	struct kind_stream *ks = handle;

	if (ks->conn != NULL)
		source_redis_stop(ks->conn);
	if (ks->pattern != NULL)
		source_pattern_stop(ks->pattern);
}

const struct source_kind source_kind_stream = {
	.name = "stream",
	.flags = SK_REDIS | SK_MAP | SK_PAST,
	.check = stream_check,
	.start = stream_start,
	.stop = stream_stop,
	.free = free,
};

/* --bullmq QUEUE: BullMQ queues on each server, over one connection. */

static int
bullmq_check(const char *option, const char *arg)
{
	return *arg == '\0' ? cli_bad(option, arg, "empty queue name") : 0;
}

static int
bullmq_start(struct source_start *ss, const struct source_spec *const *specs, int n)
{
	char **names = spec_args(specs, n);

	ss->handle = source_bullmq_start(ss->server, names, n, ss->o->bullmq_prefix,
	    ss->ro, ss->sink);
	ss->reports = 1; /* once, for all its queues */
	free(names);
	return 0;
}

static void
bullmq_stop(void *handle)
{
	source_bullmq_stop(handle);
}

const struct source_kind source_kind_bullmq = {
	.name = "bullmq",
	.flags = SK_REDIS | SK_PAST,
	.check = bullmq_check,
	.start = bullmq_start,
	.stop = bullmq_stop,
};

/* --celery: the Celery cluster whose broker is each server. */

static int
celery_start(struct source_start *ss, const struct source_spec *const *specs, int n)
{
	const struct opts *o = ss->o;
	struct celery_opts co = { o->celery_enable_events,
	    !ss->follow && o->duration_ms > 0 };

	(void)specs;
	(void)n;
	ss->handle = source_celery_start(ss->server, o->celery_queues,
	    o->ncelery_queues, &co, ss->ro, ss->sink);
	ss->reports = 1;
	return 0;
}

static void
celery_stop(void *handle)
{
	source_celery_stop(handle);
}

static void
celery_duration_up(void *handle, int follow)
{
	if (!follow)
		source_celery_finish(handle);
}

const struct source_kind source_kind_celery = {
	.name = "celery",
	.flags = SK_REDIS | SK_FLAG,
	.start = celery_start,
	.stop = celery_stop,
	.duration_up = celery_duration_up,
};

/* --ws URL: WebSocket feeds, all on one libwebsockets context. */

struct kind_ws {
	struct source_ws *ws;
	char **headers;        /* resolved --ws-header values (secrets: wiped) */
	int nheaders;
};

static int
ws_check(const char *option, const char *arg)
{
	struct url u;
	char err[128];
	int ok;

	if (url_parse(&u, arg, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: --%s: %s\n", option, err);
		return 2;
	}
	ok = u.scheme == URL_WS || u.scheme == URL_WSS;
	url_done(&u);
	if (!ok) {
		fprintf(stderr, "execmon: --%s: not a ws:// or wss:// URL\n", option);
		return 2;
	}
	return 0;
}

static int
ws_start(struct source_start *ss, const struct source_spec *const *specs, int n)
{
	const struct opts *o = ss->o;
	struct kind_ws *kw = xcalloc(1, sizeof *kw);
	struct source_ws_opts wo;
	const struct evmap **maps;
	char err[256], **urls;

	ss->handle = kw;
	ss->reports = n;
	source_ws_opts_default(&wo);
	wo.follow = ss->follow;
	wo.ca_file = o->ws_ca;
	wo.insecure = o->ws_insecure;
	wo.max_message = (size_t)o->ws_max_message;
	if (o->connect_timeout_ms < wo.connect_timeout_ms)
		wo.connect_timeout_ms = (int)o->connect_timeout_ms;
	if (o->knobs.ws_ping_s > 0)
		wo.ping_s = o->knobs.ws_ping_s;
	if (o->knobs.ws_hangup_s > 0)
		wo.hangup_s = o->knobs.ws_hangup_s;
	kw->headers = xcalloc((size_t)o->nws_headers + 1, sizeof *kw->headers);
	for (int i = 0; i < o->nws_headers; i++, kw->nheaders++) {
		if ((kw->headers[i] = source_ws_header(o->ws_headers[i], err,
		    sizeof err)) == NULL) {
			fprintf(stderr, "execmon: --ws-header: %s\n", err);
			return 2;
		}
	}
	wo.headers = kw->headers;
	wo.nheaders = o->nws_headers;
	maps = xreallocarray(NULL, (size_t)n, sizeof *maps);
	for (int i = 0; i < n; i++)
		maps[i] = specs[i]->map;
	wo.maps = maps;
	urls = spec_args(specs, n);
	kw->ws = source_ws_start(urls, n, &wo, ss->sink, err, sizeof err);
	free(urls);
	free(maps);
	if (kw->ws == NULL) {
		fprintf(stderr, "execmon: %s\n", err);
		return 2;
	}
	if (!ss->follow && o->duration_ms == 0)
		log_msg(LOG_INFO, "a WebSocket feed has no past to read: reading"
		    " until its server closes (--duration stops sooner)");
	return 0;
}

static void
ws_stop(void *handle)
{
	source_ws_stop(((struct kind_ws *)handle)->ws);
}

static void
ws_duration_up(void *handle, int follow)
{
	if (!follow)
		source_ws_finish(((struct kind_ws *)handle)->ws);
}

static void
ws_free(void *handle)
{
	struct kind_ws *kw = handle;

	source_ws_free(kw->ws);
	for (int i = 0; i < kw->nheaders; i++) {
		if (kw->headers[i] != NULL)
			memset(kw->headers[i], 0, strlen(kw->headers[i]));
		free(kw->headers[i]);
	}
	free(kw->headers);
	free(kw);
}

const struct source_kind source_kind_ws = {
	.name = "ws",
	.flags = SK_MAP | SK_NO_PAST,
	.check = ws_check,
	.start = ws_start,
	.stop = ws_stop,
	.duration_up = ws_duration_up,
	.free = ws_free,
};

/* --otlp-listen [HOST:]PORT: an OTLP/HTTP trace receiver. */

static int
otlp_check(const char *option, const char *arg)
{
	char host[256], err[128];
	int port;

	if (source_otlp_parse_listen(arg, host, sizeof host, &port, err, sizeof err) != 0)
		return cli_bad(option, arg, err);
	return 0;
}

static int
otlp_start(struct source_start *ss, const struct source_spec *const *specs, int n)
{
	const struct opts *o = ss->o;
	struct source_otlp_opts oo;
	struct source_otlp *so;
	char err[300], *token = NULL;

	(void)n;
	source_otlp_opts_default(&oo);
	oo.listen = specs[0]->arg;
	oo.max_body = (size_t)o->otlp_max_body;
	if (o->knobs.otlp_body_timeout_s > 0)
		oo.body_timeout_s = o->knobs.otlp_body_timeout_s;
	if (o->knobs.otlp_grace_ms > 0)
		oo.grace_ms = o->knobs.otlp_grace_ms;
	ss->reports = 1;
	if (o->otlp_token != NULL &&
	    (token = source_otlp_token(o->otlp_token, err, sizeof err)) == NULL) {
		fprintf(stderr, "execmon: --otlp-token: %s\n", err);
		return 1;
	}
	oo.token = token;
	so = source_otlp_start(&oo, ss->sink, err, sizeof err);
	if (token != NULL) {
		memset(token, 0, strlen(token));
		free(token);
	}
	ss->handle = so;
	if (so == NULL || source_otlp_failed(so)) {
		fprintf(stderr, "execmon: %s\n", err);
		return 1;
	}
	return 0;
}

static void
otlp_stop(void *handle)
{
	source_otlp_stop(handle);
}

static void
otlp_duration_up(void *handle, int follow)
{
	(void)follow; /* the spans still waiting are settled either way */
	source_otlp_finish(handle);
}

static void
otlp_free(void *handle)
{
	source_otlp_free(handle);
}

const struct source_kind source_kind_otlp = {
	.name = "otlp-listen",
	.flags = SK_ONE | SK_ENDLESS,
	.check = otlp_check,
	.start = otlp_start,
	.stop = otlp_stop,
	.duration_up = otlp_duration_up,
	.free = otlp_free,
};

/* --replay FILE: a JSONL file written by execmon record. */

static int
replay_start(struct source_start *ss, const struct source_spec *const *specs, int n)
{
	char err[256], safe[256];
	struct replay *rp;

	(void)n;
	ss->reports = 1;
	if ((rp = source_replay_start(specs[0]->arg, ss->sink, err, sizeof err)) == NULL) {
		event_sanitize(specs[0]->arg, safe, sizeof safe, 0);
		fprintf(stderr, "execmon: replay %s: %s\n", safe, err);
		return 1;
	}
	source_replay_set_map(rp, specs[0]->map);
	ss->handle = rp;
	return 0;
}

static void
replay_stop(void *handle)
{
	source_replay_stop(handle);
}

const struct source_kind source_kind_replay = {
	.name = "replay",
	.flags = SK_MAP | SK_ONE | SK_ALONE | SK_FINITE | SK_PAST,
	.start = replay_start,
	.stop = replay_stop,
};

/* The table: adding a kind is one line here. */
const struct source_kind *const source_kinds[] = {
	&source_kind_stream,
	&source_kind_bullmq,
	&source_kind_celery,
	&source_kind_ws,
	&source_kind_otlp,
	&source_kind_replay,
};
const int source_nkinds = (int)(sizeof source_kinds / sizeof source_kinds[0]);

const struct source_kind *
source_kind_find(const char *name)
{
	for (int i = 0; i < source_nkinds; i++)
		if (strcmp(source_kinds[i]->name, name) == 0)
			return source_kinds[i];
	return NULL;
}

int
source_kind_index(const struct source_kind *k)
{
	for (int i = 0; i < source_nkinds; i++)
		if (source_kinds[i] == k)
			return i;
	return -1;
}
