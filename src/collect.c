/* execmon - wire the configured sources to a sink and run the loop (headless). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "log.h"
#include "loop.h"
#include "prices.h"
#include "rconn.h"
#include "source-bullmq.h"
#include "source-otlp.h"
#include "source-celery.h"
#include "source-pattern.h"
#include "source-redis.h"
#include "source-replay.h"
#include "source-ws.h"
#include "url.h"
#include "xmalloc.h"

struct running {
	struct collect *c;
	struct redis_conn *conns[CLI_MAX_LIST];
	int nconns;
	struct source_pattern *patterns[CLI_MAX_LIST];
	int npatterns;
	struct bullmq_source *bullmq[CLI_MAX_LIST];
	int nbullmq;
	struct celery_source *celery[CLI_MAX_LIST];
	int ncelery;
	struct replay *replay;
	struct source_ws *ws;
	struct source_otlp *otlp;
	char *ws_headers[CLI_MAX_LIST];
	unsigned char *done;   /* per registry index: caught up already */
	size_t ndone;
	uv_timer_t connect_timer;
	uv_timer_t duration_timer;
	int have_duration;
	struct rconn_tls *tls; /* rediss:// URLs' TLS context */
};

static void
on_event(void *ctx, struct event *ev)
{
	struct running *r = ctx;

	if (loop_stopping())
		return;
	r->c->events++;
	prices_apply(ev);
	r->c->event(r->c, ev);
}

static void
on_notice(void *ctx, int source, const char *msg)
{
	struct running *r = ctx;

	(void)source;
	log_msg(LOG_INFO, "%s", msg);
	/* A refused password does not mend by retrying: a headless command ends. */
	if (r->c->interactive || loop_stopping())
		return;
	for (size_t i = 0; i < sources_count(); i++) {
		if (sources_get((int)i)->fatal) {
			loop_stop(1);
			return;
		}
	}
}

/* Copy the distinct strings of in[0..n) to out; how many. */
static int
distinct(char *const *in, int n, char **out)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		int seen = 0;

		for (int j = 0; j < k && !seen; j++)
			seen = strcmp(out[j], in[i]) == 0;
		if (!seen)
			out[k++] = in[i];
	}
	return k;
}

/* Every source is one that cannot be read (its key is not a stream, an ACL refuses it). */
static int
none_readable(void)
{
	int failed = 0;

	for (size_t i = 0; i < sources_count(); i++) {
		enum source_state st = sources_get((int)i)->state;

		if (st == SRC_ERROR)
			failed = 1;
		else if (st != SRC_DUPLICATE)
			return 0;
	}
	return failed;
}

static void
on_caught_up(void *ctx, int source)
{
	struct running *r = ctx;

	/* Once per source, however it got there. */
	if (source >= 0 && (size_t)source < r->ndone) {
		if (r->done[source])
			return;
		r->done[source] = 1;
	}
	r->c->caught_up++;
	if (r->c->backfilled != NULL)
		r->c->backfilled(r->c);
	if (!r->c->follow && r->c->caught_up >= r->c->nsources)
		loop_stop(none_readable() ? 1 : r->c->exit_status);
}

/* After --connect-timeout: fail if nothing answered; else go on without the rest. */
static void
connect_timeout(uv_timer_t *t)
{
	struct running *r = t->data;
	int reached = 0;
	const struct source_info *first_bad = NULL;

	for (size_t i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);

		if (si->state == SRC_LIVE || si->state == SRC_BACKFILLING ||
		    si->state == SRC_DONE || si->events > 0 || si->malformed_total > 0)
			reached++;
		else if (first_bad == NULL)
			first_bad = si;
	}
	if (r->c->interactive)
		return;
	if (reached == 0) {
		if (first_bad != NULL)
			fprintf(stderr, "execmon: %s: %s\n", first_bad->name,
			    first_bad->error[0] ? first_bad->error : "no answer");
		loop_stop(1);
		return;
	}
	if (!r->c->follow && first_bad != NULL) {
		/* Report with what we have: the unreachable ones count as done. */
		for (size_t i = 0; i < sources_count(); i++) {
			const struct source_info *si = sources_get((int)i);

			if (si->state == SRC_CONNECTING || si->state == SRC_RETRYING) {
				log_msg(LOG_WARN, "%s: unreachable (%s), going on without it",
				    si->name, si->error);
				on_caught_up(r, (int)i);
			}
		}
	}
}

/* --duration: record stops; commands that do not follow end their feeds. */
static void
duration_done(uv_timer_t *t)
{
	struct running *r = t->data;

	source_otlp_finish(r->otlp);
	if (r->c->follow)
		loop_stop(0);
	else {
		source_ws_finish(r->ws);
		for (int i = 0; i < r->ncelery; i++)
			source_celery_finish(r->celery[i]);
	}
}

static void
stop_all(void *arg)
{
	struct running *r = arg;

	for (int i = 0; i < r->nconns; i++)
		source_redis_stop(r->conns[i]);
	for (int i = 0; i < r->npatterns; i++)
		source_pattern_stop(r->patterns[i]);
	for (int i = 0; i < r->nbullmq; i++)
		source_bullmq_stop(r->bullmq[i]);
	for (int i = 0; i < r->ncelery; i++)
		source_celery_stop(r->celery[i]);
	source_replay_stop(r->replay);
	source_ws_stop(r->ws);
	source_otlp_stop(r->otlp);
	uv_timer_stop(&r->connect_timer);
	uv_close((uv_handle_t *)&r->connect_timer, NULL);
	if (r->have_duration) {
		uv_timer_stop(&r->duration_timer);
		uv_close((uv_handle_t *)&r->duration_timer, NULL);
	}
}

/* Start the --ws feeds; on failure say why and return non-zero. */
static int
start_ws(struct running *r, const struct sink *sink)
{
	const struct opts *o = r->c->o;
	struct source_ws_opts wo;
	char err[256];
	const char *env;

	source_ws_opts_default(&wo);
	wo.follow = r->c->follow;
	wo.ca_file = o->ws_ca;
	wo.insecure = o->ws_insecure;
	wo.max_message = (size_t)o->ws_max_message;
	if (o->connect_timeout_ms < wo.connect_timeout_ms)
		wo.connect_timeout_ms = (int)o->connect_timeout_ms;
	/* Tuning knobs for tests: seconds to the ping and to the hang-up. */
	if ((env = getenv("EXECMON_WS_PING_S")) != NULL && atoi(env) > 0)
		wo.ping_s = atoi(env);
	if ((env = getenv("EXECMON_WS_HANGUP_S")) != NULL && atoi(env) > 0)
		wo.hangup_s = atoi(env);
	for (int i = 0; i < o->nws_headers; i++) {
		if ((r->ws_headers[i] = source_ws_header(o->ws_headers[i], err,
		    sizeof err)) == NULL) {
			fprintf(stderr, "execmon: --ws-header: %s\n", err);
			return -1;
		}
	}
	wo.headers = r->ws_headers;
	wo.nheaders = o->nws_headers;
	wo.maps = o->ws_maps;
	r->ws = source_ws_start(o->ws, o->nws, &wo, sink, err, sizeof err);
	if (r->ws == NULL) {
		fprintf(stderr, "execmon: %s\n", err);
		return -1;
	}
	if (!r->c->follow && o->duration_ms == 0)
		log_msg(LOG_INFO, "a WebSocket feed has no past to read: reading"
		    " until its server closes (--duration stops sooner)");
	return 0;
}

/* Start the --otlp-listen receiver; on failure say why and return non-zero. */
static int
start_otlp(struct running *r, const struct sink *sink)
{
	const struct opts *o = r->c->o;
	struct source_otlp_opts oo;
	char err[300], *token = NULL;
	const char *env;

	source_otlp_opts_default(&oo);
	oo.listen = o->otlp_listen;
	oo.max_body = (size_t)o->otlp_max_body;
	/* Tuning knobs for tests: the body timeout and the parent grace time. */
	if ((env = getenv("EXECMON_OTLP_BODY_TIMEOUT_S")) != NULL && atoi(env) > 0)
		oo.body_timeout_s = atoi(env);
	if ((env = getenv("EXECMON_OTLP_GRACE_MS")) != NULL && atoi(env) > 0)
		oo.grace_ms = atoi(env);
	if (o->otlp_token != NULL &&
	    (token = source_otlp_token(o->otlp_token, err, sizeof err)) == NULL) {
		fprintf(stderr, "execmon: --otlp-token: %s\n", err);
		return -1;
	}
	oo.token = token;
	r->otlp = source_otlp_start(&oo, sink, err, sizeof err);
	if (token != NULL) {
		memset(token, 0, strlen(token));
		free(token);
	}
	if (r->otlp == NULL || source_otlp_failed(r->otlp)) {
		fprintf(stderr, "execmon: %s\n", err);
		return -1;
	}
	return 0;
}

/* The price table: the shipped one (or --prices), then each --price. */
static int
load_prices(const struct opts *o)
{
	const char *path = o->prices != NULL ? o->prices : PRICESDIR "/prices";
	char err[256];

	prices_clear();
	if ((o->prices != NULL || access(path, R_OK) == 0) &&
	    prices_load(path, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: prices %s: %s\n", path, err);
		return -1;
	}
	for (int i = 0; i < o->nprice; i++) {
		if (prices_set(o->price[i], err, sizeof err) != 0) {
			fprintf(stderr, "execmon: --price: %s\n", err);
			return -1;
		}
	}
	return 0;
}

void
collect_stop(struct collect *c, int status)
{
	(void)c;
	loop_stop(status);
}

/* The TLS context of the rediss:// URLs, made once from --redis-ca/cert/key. */
static int
start_tls(struct running *r, const struct opts *o, char *err, size_t errlen)
{
	struct rconn_tls_opts to = {
		.ca = o->redis_ca, .cert = o->redis_cert, .key = o->redis_key,
		.insecure = o->redis_insecure,
	};

	if (r->tls == NULL)
		r->tls = rconn_tls_create(&to, err, errlen);
	return r->tls != NULL ? 0 : -1;
}

int
collect_run(struct collect *c)
{
	const struct opts *o = c->o;
	struct running r;
	struct sink sink = { on_event, on_notice, on_caught_up, &r };
	struct source_redis_opts ro;
	char *streams[CLI_MAX_LIST], *redis[CLI_MAX_LIST];
	const struct evmap *smaps[CLI_MAX_LIST];
	int nstreams, nredis, status, globs = 0;

	memset(&r, 0, sizeof r);
	r.c = c;
	if (load_prices(o) != 0)
		return 2;
	if (o->replay != NULL && !c->interactive)
		c->follow = 0; /* a file ends */
	loop_init();
	uv_timer_init(loop_uv(), &r.connect_timer);
	r.connect_timer.data = &r;
	loop_on_stop(stop_all, &r);

	if (o->replay != NULL) {
		char err[256];

		r.replay = source_replay_start(o->replay, &sink, err, sizeof err);
		if (r.replay == NULL) {
			char safe[256];

			event_sanitize(o->replay, safe, sizeof safe, 0);
			fprintf(stderr, "execmon: replay %s: %s\n", safe, err);
			uv_close((uv_handle_t *)&r.connect_timer, NULL);
			loop_done();
			return 1;
		}
		source_replay_set_map(r.replay, o->replay_map);
		c->nsources = 1;
	} else {
		source_redis_opts_default(&ro);
		ro.from_ms = c->from_ms < 0 ? 0 : c->from_ms;
		ro.to_ms = c->to_ms;
		ro.follow = c->follow;
		if (getenv("EXECMON_BLOCK_MS") != NULL) /* tuning knob for tests */
			ro.block_ms = atoi(getenv("EXECMON_BLOCK_MS")) > 0 ?
			    atoi(getenv("EXECMON_BLOCK_MS")) : ro.block_ms;
		if (o->connect_timeout_ms < ro.connect_timeout_ms)
			ro.connect_timeout_ms = (int)o->connect_timeout_ms;
		/* The same stream or server given twice is followed once. */
		nstreams = distinct(o->streams, o->nstreams, streams);
		nredis = distinct(o->redis, o->nredis, redis);
		/* Each kept stream with the map of its first mention. */
		for (int i = 0; i < nstreams; i++) {
			for (int j = 0; j < o->nstreams; j++)
				if (o->streams[j] == streams[i]) {
					smaps[i] = o->stream_maps[j];
					break;
				}
			globs += source_pattern_is_glob(streams[i]);
		}
		for (int i = 0; (nstreams > 0 || o->nbullmq > 0 || o->celery) &&
		    i < nredis; i++) {
			struct url u;
			char err[256];
			int rc = url_parse(&u, redis[i], err, sizeof err);

			if (rc == 0 && u.scheme != URL_REDIS && u.scheme != URL_UNIX) {
				url_done(&u);
				snprintf(err, sizeof err, "not a redis:// or unix:// URL");
				rc = -1;
			}
			if (rc != 0) {
				fprintf(stderr, "execmon: --redis: %s\n", err);
				loop_stop(2);
				break;
			}
			if (u.password == NULL && o->password != NULL)
				u.password = xstrdup(o->password);
			if (u.tls && start_tls(&r, o, err, sizeof err) != 0) {
				fprintf(stderr, "execmon: %s\n", err);
				url_done(&u);
				loop_stop(2);
				break;
			}
			ro.tls = r.tls;
			if (nstreams > 0 && globs > 0) {
				struct source_pattern_opts po = { o->discover_ms,
				    (uint64_t)o->max_streams };

				r.patterns[r.npatterns++] = source_pattern_start(&u,
				    streams, smaps, nstreams, &po, &ro, &sink);
			} else if (nstreams > 0) {
				struct source_redis_opts so = ro;

				so.maps = smaps;
				r.conns[r.nconns++] = source_redis_start(&u, streams,
				    nstreams, &so, &sink);
			}
			if (o->nbullmq > 0)
				r.bullmq[r.nbullmq++] = source_bullmq_start(&u, o->bullmq,
				    o->nbullmq, o->bullmq_prefix, &ro, &sink);
			if (o->celery) {
				struct celery_opts co = { o->celery_enable_events,
				    !c->follow && o->duration_ms > 0 };

				r.celery[r.ncelery++] = source_celery_start(&u,
				    o->celery_queues, o->ncelery_queues, &co, &ro, &sink);
			}
			url_done(&u);
		}
		/* A BullMQ connection reports caught up once, for all its queues. */
		/* The globs of a connection report caught up once, together. */
		c->nsources = nredis * (nstreams - globs + (globs > 0) +
		    (o->nbullmq > 0) + (o->celery != 0));
		if (!loop_stopping() && o->nws > 0 && start_ws(&r, &sink) != 0)
			loop_stop(2);
		c->nsources += o->nws;
		if (!loop_stopping() && o->otlp_listen != NULL && start_otlp(&r, &sink) != 0)
			loop_stop(1);
		c->nsources += o->otlp_listen != NULL;
	}
	r.ndone = sources_count();
	r.done = xcalloc(r.ndone + 1, 1);
	if (!loop_stopping() && c->started != NULL)
		c->started(c);
	if (!loop_stopping()) {
		uv_timer_start(&r.connect_timer, connect_timeout,
		    (uint64_t)o->connect_timeout_ms, 0);
		if (o->duration_ms > 0 && (c->follow || r.ws != NULL ||
		    r.ncelery > 0 || r.otlp != NULL)) {
			r.have_duration = 1;
			uv_timer_init(loop_uv(), &r.duration_timer);
			r.duration_timer.data = &r;
			uv_timer_start(&r.duration_timer, duration_done,
			    (uint64_t)o->duration_ms, 0);
		}
	}
	status = loop_run();
	source_ws_free(r.ws);
	source_otlp_free(r.otlp);
	prices_clear();
	for (int i = 0; i < o->nws_headers; i++) {
		if (r.ws_headers[i] != NULL)
			memset(r.ws_headers[i], 0, strlen(r.ws_headers[i]));
		free(r.ws_headers[i]);
	}
	free(r.done);
	loop_done();
	rconn_tls_free(r.tls);
	return status;
}

void
collect_summary(const struct collect *c)
{
	char line[1024];
	size_t n;
	uint64_t mal[MAL__COUNT] = { 0 }, mal_total = 0, gaps = 0, recreated = 0;
	int64_t gap_entries = 0;
	const char *gap_off = NULL;

	for (size_t i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);

		for (int k = 0; k < MAL__COUNT; k++)
			mal[k] += si->malformed[k];
		mal_total += si->malformed_total;
		gaps += si->gaps;
		recreated += si->recreated;
		if (si->gap_off[0] != '\0' && gap_off == NULL)
			gap_off = si->gap_off;
		if (si->gap_entries < 0 || gap_entries < 0)
			gap_entries = -1;
		else
			gap_entries += si->gap_entries;
	}
	n = (size_t)snprintf(line, sizeof line, "%" PRIu64 " events, %" PRIu64 " malformed",
	    c->events, mal_total);
	if (mal_total > 0) {
		const char *sep = " (";

		for (int k = 1; k < MAL__COUNT && n < sizeof line; k++) {
			if (mal[k] == 0)
				continue;
			n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %" PRIu64, sep,
			    event_malformed_name((enum event_malformed)k), mal[k]);
			sep = ", ";
		}
		if (n < sizeof line)
			n += (size_t)snprintf(line + n, sizeof line - n, ")");
	}
	if (n < sizeof line && gap_off != NULL && gaps == 0)
		n += (size_t)snprintf(line + n, sizeof line - n, ", gap detection off: %s",
		    gap_off);
	else if (n < sizeof line) {
		if (gap_entries < 0)
			n += (size_t)snprintf(line + n, sizeof line - n,
			    ", %" PRIu64 " gaps (size unknown)", gaps);
		else
			n += (size_t)snprintf(line + n, sizeof line - n,
			    ", %" PRIu64 " gaps (%" PRId64 " entries lost)", gaps, gap_entries);
	}
	/* Where gaps cannot be seen, "0 gaps" would claim too much. */
	if (n < sizeof line && gap_off != NULL && gaps > 0)
		n += (size_t)snprintf(line + n, sizeof line - n, ", gap detection off: %s",
		    gap_off);
	if (n < sizeof line && recreated > 0)
		snprintf(line + n, sizeof line - n, ", %" PRIu64 " stream%s recreated",
		    recreated, recreated == 1 ? "" : "s");
	fprintf(stderr, "execmon: %s\n", line);
}
