/* execmon - the command line and config file: options, precedence, parsing. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert-cmd.h"
#include "alert-rule.h"
#include "alert-state.h"
#include "cli.h"
#include "cli-map.h"
#include "conffile.h"
#include "savedview.h"
#include "event.h"
#include "evmap.h"
#include "infile.h"
#include "log.h"
#include "prices.h"
#include "source-otlp.h"
#include "source-ws.h"
#include "ui.h"
#include "url.h"
#include "wsmsg.h"
#include "xmalloc.h"
#include "cli-int.h"


const struct option cli_longopts[] = {
	{ "redis", required_argument, NULL, O_REDIS },
	{ "redis-ca", required_argument, NULL, O_REDIS_CA },
	{ "redis-cert", required_argument, NULL, O_REDIS_CERT },
	{ "redis-key", required_argument, NULL, O_REDIS_KEY },
	{ "redis-insecure", no_argument, NULL, O_REDIS_INSECURE },
	{ "stream", required_argument, NULL, O_STREAM },
	{ "map", required_argument, NULL, O_MAP },
	{ "discover-every", required_argument, NULL, O_DISCOVER_EVERY },
	{ "max-streams", required_argument, NULL, O_MAX_STREAMS },
	{ "ws", required_argument, NULL, O_WS },
	{ "ws-ca", required_argument, NULL, O_WS_CA },
	{ "ws-insecure", no_argument, NULL, O_WS_INSECURE },
	{ "ws-header", required_argument, NULL, O_WS_HEADER },
	{ "ws-max-message", required_argument, NULL, O_WS_MAX_MESSAGE },
	{ "otlp-listen", required_argument, NULL, O_OTLP_LISTEN },
	{ "otlp-max-body", required_argument, NULL, O_OTLP_MAX_BODY },
	{ "otlp-token", required_argument, NULL, O_OTLP_TOKEN },
	{ "prices", required_argument, NULL, O_PRICES },
	{ "price", required_argument, NULL, O_PRICE },
	{ "bullmq", required_argument, NULL, O_BULLMQ },
	{ "bullmq-prefix", required_argument, NULL, O_BULLMQ_PREFIX },
	{ "celery", no_argument, NULL, O_CELERY },
	{ "celery-queue", required_argument, NULL, O_CELERY_QUEUE },
	{ "celery-enable-events", no_argument, NULL, O_CELERY_ENABLE_EVENTS },
	{ "replay", required_argument, NULL, O_REPLAY },
	{ "window", required_argument, NULL, O_WINDOW },
	{ "now", required_argument, NULL, O_NOW },
	{ "filter", required_argument, NULL, O_FILTER },
	{ "theme", required_argument, NULL, O_THEME },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "refresh", required_argument, NULL, O_REFRESH },
	{ "log-budget", required_argument, NULL, O_LOG_BUDGET },
	{ "connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT },
	{ "output", required_argument, NULL, 'o' },
	{ "count", required_argument, NULL, O_COUNT },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "status", required_argument, NULL, O_STATUS },
	{ "agent", required_argument, NULL, O_AGENT },
	{ "trace", required_argument, NULL, O_TRACE },
	{ "since", required_argument, NULL, O_SINCE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "no-color", no_argument, NULL, O_NO_COLOR },
	{ "mouse", no_argument, NULL, O_MOUSE },
	{ "stats", required_argument, NULL, O_STATS },
	{ "alert-exec", required_argument, NULL, O_ALERT_EXEC },
	{ "alert-exec-timeout", required_argument, NULL, O_ALERT_EXEC_TIMEOUT },
	{ "alert-exec-max", required_argument, NULL, O_ALERT_EXEC_MAX },
	{ "alert-bell", required_argument, NULL, O_ALERT_BELL },
	{ "alert-notify", required_argument, NULL, O_ALERT_NOTIFY },
	{ "alert-hold", required_argument, NULL, O_ALERT_HOLD },
	{ "follow", no_argument, NULL, O_FOLLOW },
	{ "ack", required_argument, NULL, O_ACK },
	{ "unack", required_argument, NULL, O_UNACK },
	{ "note", required_argument, NULL, O_NOTE },
	{ "snooze", required_argument, NULL, O_SNOOZE },
	{ "silence", required_argument, NULL, O_SILENCE },
	{ "unsilence", required_argument, NULL, O_UNSILENCE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, O_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char *const command_names[] = {
	[CMD_DASHBOARD] = "", [CMD_SNAPSHOT] = "snapshot", [CMD_RUNS] = "runs",
	[CMD_EVENTS] = "events", [CMD_RECORD] = "record", [CMD_ALERTS] = "alerts",
	[CMD_ERRORS] = "errors",
};

static enum level redis_level, stream_level, bullmq_level, ws_level, ws_header_level;
static enum level celery_queue_level;
static enum level price_level;

int64_t
cli_parse_duration(const char *s)
{
	char *end;
	double v;
	int64_t mul = 1000;

	if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s)
		return -1;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mul = 86400 * 1000;
	else
		return -1;
	if (v < 0)
		return -1;
	if (v * (double)mul > 1e15)
		return -2; /* a duration, but past any bound */
	return (int64_t)(v * (double)mul + 0.5);
}

static int
parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Bytes, with an optional k or M (1024-based). -1 if invalid. */
static int64_t
parse_size(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v > (1LL << 40))
		return -1;
	if (*end == 'k' || *end == 'K') {
		v *= 1024;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v *= 1024 * 1024;
		end++;
	}
	if (*end != '\0')
		return -1;
	return v;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
list_add(char **list, int *n, enum level *cur, enum level at, const char *v,
    const char *what)
{
	if (*cur < at) {
		for (int i = 0; i < *n; i++)
			free(list[i]);
		*n = 0;
		*cur = at;
	}
	if (*n == CLI_MAX_LIST) {
		fprintf(stderr, "execmon: --%s: at most %d allowed\n", what, CLI_MAX_LIST);
		return 2;
	}
	list[(*n)++] = xstrdup(v);
	return 0;
}

static int
bad(const char *opt, const char *val, const char *why)
{
	char safe[128];

	event_sanitize(val != NULL ? val : "", safe, sizeof safe, 0);
	fprintf(stderr, "execmon: --%s '%s': %s\n", opt, safe, why);
	return 2;
}

/* Apply one option (from the config file or argv). Returns 0 or 2. */
int
cli_apply(struct opts *o, int id, const char *name, const char *v, enum level at)
{
	int64_t n;
	int rc;

	switch (id) {
	case O_REDIS: {
		struct url u;
		char err[128];

		if (url_parse(&u, v, err, sizeof err) != 0) {
			fprintf(stderr, "execmon: --%s: %s\n", name, err);
			return 2;
		}
		n = u.scheme == URL_REDIS || u.scheme == URL_UNIX;
		url_done(&u);
		if (!n) {
			fprintf(stderr, "execmon: --%s: not a redis:// or unix:// URL\n", name);
			return 2;
		}
	}
		return list_add(o->redis, &o->nredis, &redis_level, at, v, name);
	case O_STREAM:
		if (*v == '\0')
			return bad(name, v, "empty stream key");
		rc = list_add(o->streams, &o->nstreams, &stream_level, at, v, name);
		return cli_map_took(o, rc, o->stream_maps, o->nstreams);
	case O_MAP:
		return cli_map_set(o, name, v);
	case O_DISCOVER_EVERY:
	case O_MAX_STREAMS:
		return cli_map_pattern_option(o, name, v);
	case O_WS: {
		struct url u;
		char err[128];

		if (url_parse(&u, v, err, sizeof err) != 0) {
			fprintf(stderr, "execmon: --%s: %s\n", name, err);
			return 2;
		}
		n = u.scheme == URL_WS || u.scheme == URL_WSS;
		url_done(&u);
		if (!n) {
			fprintf(stderr, "execmon: --%s: not a ws:// or wss:// URL\n", name);
			return 2;
		}
	}
		rc = list_add(o->ws, &o->nws, &ws_level, at, v, name);
		return cli_map_took(o, rc, o->ws_maps, o->nws);
	case O_WS_HEADER: {
		char err[128], *h;

		/* Checked here, resolved again when the feed starts. */
		if ((h = source_ws_header(v, err, sizeof err)) == NULL) {
			fprintf(stderr, "execmon: --%s: %s\n", name, err);
			return 2;
		}
		memset(h, 0, strlen(h));
		free(h);
	}
		return list_add(o->ws_headers, &o->nws_headers, &ws_header_level, at,
		    v, name);
	case O_WS_CA: {
		/* the TLS library opens it by name: a FIFO there would hang it */
		char why[200];

		if (infile_check(v, why, sizeof why) != 0)
			return bad(name, v, why);
		set_str(&o->ws_ca, v);
		return 0;
	}
	case O_WS_INSECURE:
		o->ws_insecure = 1;
		return 0;
	case O_REDIS_CA:
	case O_REDIS_CERT:
	case O_REDIS_KEY:
		if (access(v, R_OK) != 0)
			return bad(name, v, strerror(errno));
		set_str(id == O_REDIS_CA ? &o->redis_ca : id == O_REDIS_CERT ?
		    &o->redis_cert : &o->redis_key, v);
		return 0;
	case O_REDIS_INSECURE:
		o->redis_insecure = 1;
		return 0;
	case O_WS_MAX_MESSAGE:
		if ((o->ws_max_message = parse_size(v)) < 64 ||
		    o->ws_max_message > EVENT_JSON_MAX)
			return bad(name, v, "not a size from 64 bytes to 4M");
		return 0;
	case O_OTLP_LISTEN: {
		char host[256], err[128];
		int port;

		if (source_otlp_parse_listen(v, host, sizeof host, &port, err,
		    sizeof err) != 0)
			return bad(name, v, err);
		set_str(&o->otlp_listen, v);
		return 0;
	}
	case O_OTLP_MAX_BODY:
		if ((o->otlp_max_body = parse_size(v)) < 1024 ||
		    o->otlp_max_body > 1024 * 1024 * 1024)
			return bad(name, v, "not a size from 1k to 1024M");
		return 0;
	case O_OTLP_TOKEN: {
		char err[128], *t;

		/* Checked here, resolved again when the receiver starts. */
		if ((t = source_otlp_token(v, err, sizeof err)) == NULL) {
			fprintf(stderr, "execmon: --%s: %s\n", name, err);
			return 2;
		}
		memset(t, 0, strlen(t));
		free(t);
		set_str(&o->otlp_token, v);
		return 0;
	}
	case O_PRICES:
		if (access(v, R_OK) != 0)
			return bad(name, v, strerror(errno));
		set_str(&o->prices, v);
		return 0;
	case O_PRICE: {
		char err[128];

		if (prices_set(v, err, sizeof err) != 0)
			return bad(name, v, err);
		prices_clear();
	}
		return list_add(o->price, &o->nprice, &price_level, at, v, name);
	case O_BULLMQ:
		if (*v == '\0')
			return bad(name, v, "empty queue name");
		return list_add(o->bullmq, &o->nbullmq, &bullmq_level, at, v, name);
	case O_BULLMQ_PREFIX:
		if (*v == '\0')
			return bad(name, v, "empty key prefix");
		set_str(&o->bullmq_prefix, v);
		return 0;
	case O_CELERY:
		o->celery = 1;
		return 0;
	case O_CELERY_QUEUE:
		if (*v == '\0')
			return bad(name, v, "empty queue name");
		o->celery = 1;
		return list_add(o->celery_queues, &o->ncelery_queues,
		    &celery_queue_level, at, v, name);
	case O_CELERY_ENABLE_EVENTS:
		o->celery = 1;
		o->celery_enable_events = 1;
		return 0;
	case O_REPLAY:
		set_str(&o->replay, v);
		return cli_map_took(o, 0, &o->replay_map, 1);
	case O_WINDOW:
		if ((o->window_ms = cli_parse_duration(v)) == -2)
			return bad(name, v, "longer than the maximum, 3650d");
		if (o->window_ms <= 0)
			return bad(name, v, "not a duration (like 90s, 15m, 1h, 7d)");
		if (o->window_ms > CLI_WINDOW_MAX_MS)
			return bad(name, v, "longer than the maximum, 3650d");
		return 0;
	case O_NOW:
		if (event_parse_time(v, strlen(v), &o->now_ms) != 0)
			return bad(name, v, "not a time (epoch ms or RFC 3339)");
		return 0;
	case O_FILTER:
		set_str(&o->filter, v);
		return 0;
	case O_THEME:
		set_str(&o->theme, v);
		return 0;
	case O_CONFIG:
		set_str(&o->config, v);
		return 0;
	case O_LOG_BUDGET:
		if ((o->log_budget = parse_size(v)) < 0 ||
		    (o->log_budget > 0 && o->log_budget < 1024 * 1024))
			return bad(name, v, "not a size of at least 1M (or 0: no bound)");
		return 0;
	case O_REFRESH:
		if (parse_int(v, 10, 10000, &n) != 0)
			return bad(name, v, "not a frame period in ms (10..10000)");
		o->refresh_ms = (int)n;
		return 0;
	case O_CONNECT_TIMEOUT:
		if ((o->connect_timeout_ms = cli_parse_duration(v)) <= 0)
			return bad(name, v, "not a duration");
		return 0;
	case 'o':
		set_str(&o->output, v);
		return 0;
	case O_COUNT:
		if (parse_int(v, 1, INT64_MAX, &o->count) != 0)
			return bad(name, v, "not a positive count");
		return 0;
	case O_DURATION:
		if ((o->duration_ms = cli_parse_duration(v)) <= 0)
			return bad(name, v, "not a duration");
		return 0;
	case O_FORMAT:
		if (strcmp(v, "table") != 0 && strcmp(v, "json") != 0 &&
		    strcmp(v, "csv") != 0 && strcmp(v, "tsv") != 0)
			return bad(name, v, "want table or json (runs: also csv or tsv)");
		set_str(&o->format, v);
		return 0;
	case O_STATUS:
		set_str(&o->status, v);
		return 0;
	case O_AGENT:
		set_str(&o->agent, v);
		return 0;
	case O_TRACE:
		set_str(&o->trace, v);
		return 0;
	case O_SINCE:
		if ((o->since_ms = cli_parse_duration(v)) <= 0)
			return bad(name, v, "not a duration");
		return 0;
	case O_LIMIT:
		if (parse_int(v, 1, 100000000, &o->limit) != 0)
			return bad(name, v, "not a positive number");
		return 0;
	case O_STATS:
		set_str(&o->stats, v);
		return 0;
	case O_NO_COLOR:
		o->no_color = 1;
		return 0;
	case O_MOUSE:
		o->mouse = 1;
		return 0;
	case 'v':
		o->verbose = 1;
		return 0;
	case O_ALERT_EXEC:
	case O_ALERT_EXEC_TIMEOUT:
	case O_ALERT_EXEC_MAX:
	case O_ALERT_BELL:
	case O_ALERT_NOTIFY:
	case O_ALERT_HOLD: {
		char err[128];

		if (alerts_option(o->alerts, name, v, err, sizeof err) != 0)
			return bad(name, v, err);
		return 0;
	}
	case O_FOLLOW:
		o->follow = 1;
		return 0;
	case O_NOTE:
		set_str(&o->note, v);
		return 0;
	case O_ACK:
	case O_UNACK:
	case O_SNOOZE:
	case O_SILENCE:
	case O_UNSILENCE: {
		static const int ops[] = { MARK_ACK, MARK_UNACK, MARK_SNOOZE, MARK_SILENCE,
			MARK_UNSILENCE };
		char err[128];

		if (alerts_parse_mark(o, ops[id - O_ACK], v, err, sizeof err) != 0)
			return bad(name, v, err);
		return 0;
	}
	}
	return 2;
}

static void
mask_argv_passwords(int argc, char **argv)
{
	char *p, *q, *at, *colon;

	for (int i = 1; i < argc; i++) {
		/* redis://, rediss://, redis-sentinel://, rediss-sentinel:// */
		if ((p = strstr(argv[i], "redis")) == NULL ||
		    (p = strstr(p, "://")) == NULL)
			continue;
		p += 3;
		at = NULL;
		for (q = p; *q != '\0' && *q != '/'; q++) {
			if (*q == '@')
				at = q;
		}
		if (at != NULL && (colon = memchr(p, ':', (size_t)(at - p))) != NULL)
			memset(colon + 1, '*', (size_t)(at - colon - 1));
	}
}

int
cli_parse(struct opts *o, int argc, char **argv)
{
	int c, rc, idx;
	const char *env, *cmdname = NULL;
	char *xdg_path = NULL;

	memset(o, 0, sizeof *o);
	o->alerts = xmalloc(sizeof *o->alerts);
	alert_config_init(o->alerts);
	o->views = xmalloc(sizeof *o->views);
	savedviews_init(o->views);
	o->window_ms = 3600 * 1000;
	o->refresh_ms = 100;
	o->log_budget = CLI_LOG_BUDGET_DEFAULT;
	o->connect_timeout_ms = 5000;
	redis_level = stream_level = bullmq_level = ws_level = ws_header_level = L_DEFAULT;
	price_level = L_DEFAULT;
	celery_queue_level = L_DEFAULT;
	o->ws_max_message = WSMSG_MAX_DEFAULT;
	o->otlp_max_body = OTLP_MAX_BODY_DEFAULT;
	cli_map_defaults(o);

	if (argc > 1 && argv[1][0] != '-') {
		for (int i = 1; i < (int)(sizeof command_names / sizeof command_names[0]); i++) {
			if (strcmp(argv[1], command_names[i]) == 0) {
				o->command = (enum cli_command)i;
				cmdname = argv[1];
			}
		}
		if (cmdname == NULL) {
			char safe[64];

			event_sanitize(argv[1], safe, sizeof safe, 0);
			fprintf(stderr, "execmon: unknown command '%s' (try --help)\n", safe);
			return 2;
		}
		argv++;
		argc--;
	}

	/* Environment. */
	if ((env = getenv("EXECMON_REDIS_URL")) != NULL && *env != '\0')
		list_add(o->redis, &o->nredis, &redis_level, L_ENV, env, "redis");
	if ((env = getenv("EXECMON_REDIS_PASSWORD")) != NULL && *env != '\0')
		o->password = xstrdup(env);

	/* Find --config first: the file sits below the command line. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			set_str(&o->config, argv[i + 1]);
		else if (strncmp(argv[i], "--config=", 9) == 0)
			set_str(&o->config, argv[i] + 9);
	}
	if (o->config != NULL) {
		if ((rc = cli_read_config(o, o->config, 1)) != 0)
			return rc;
	} else {
		if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env != '\0')
			xasprintf(&xdg_path, "%s/execmon/config", env);
		else if ((env = getenv("HOME")) != NULL && *env != '\0')
			xasprintf(&xdg_path, "%s/.config/execmon/config", env);
		if (xdg_path != NULL) {
			rc = cli_read_config(o, xdg_path, 0);
			free(xdg_path);
			if (rc != 0)
				return rc;
		}
	}

	cli_map_level(o, 0); /* a config file's --map does not reach argv's sources */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vh", cli_longopts, &idx)) != -1) {
		const char *name;

		if (c == 'h' || c == O_HELP) {
			cli_usage(stdout, o->command);
			return 1;
		}
		if (c == O_VERSION) {
			printf("execmon %s\n", PACKAGE_VERSION);
			return 1;
		}
		if (c == '?') {
			char safe[64];

			event_sanitize(argv[optind - 1], safe, sizeof safe, 0);
			fprintf(stderr, "execmon: unknown option '%s' (try --help)\n", safe);
			return 2;
		}
		if (c == ':') {
			char safe[64];

			event_sanitize(argv[optind - 1], safe, sizeof safe, 0);
			fprintf(stderr, "execmon: option '%s' needs a value\n", safe);
			return 2;
		}
		name = c == 'o' ? "output" : c == 'v' ? "verbose" : cli_longopts[idx].name;
		if (c == O_CONFIG)
			continue;
		if (c == O_MAP && strcmp(optarg, "list") == 0) {
			evmap_list(stdout);
			return 1;
		}
		if ((rc = cli_apply(o, c, name, optarg, L_ARGV)) != 0)
			return rc;
	}
	if (cli_map_finish(o) != 0)
		return 2;
	if (o->command == CMD_EVENTS) {
		if (optind >= argc) {
			fprintf(stderr, "execmon: events: missing RUN_ID\n");
			return 2;
		}
		o->run_id = xstrdup(argv[optind++]);
	}
	if (optind < argc) {
		char safe[64];

		event_sanitize(argv[optind], safe, sizeof safe, 0);
		fprintf(stderr, "execmon: unexpected argument '%s' (try --help)\n", safe);
		return 2;
	}
	if (o->format != NULL && (strcmp(o->format, "csv") == 0 ||
	    strcmp(o->format, "tsv") == 0) && o->command != CMD_RUNS) {
		fprintf(stderr, "execmon: --format %s: only runs writes csv or tsv"
		    " (here: table or json)\n", o->format);
		return 2;
	}
	if ((o->mark_op != 0 || o->follow) && o->command != CMD_ALERTS) {
		fprintf(stderr, "execmon: --%s belongs to execmon alerts\n",
		    o->follow ? "follow" : "ack, --snooze, --silence");
		return 2;
	}
	if (o->note != NULL && o->mark_op != MARK_ACK + 1) {
		fprintf(stderr, "execmon: --note goes with --ack\n");
		return 2;
	}
	if (o->command == CMD_RECORD && o->output == NULL) {
		fprintf(stderr, "execmon: record: missing -o FILE (- for stdout)\n");
		return 2;
	}
	if (o->nredis == 0)
		list_add(o->redis, &o->nredis, &redis_level, L_DEFAULT,
		    "redis://127.0.0.1:6379", "redis");
	if (o->otlp_listen != NULL && o->duration_ms == 0 &&
	    (o->command == CMD_SNAPSHOT || o->command == CMD_RUNS ||
	    o->command == CMD_EVENTS)) {
		fprintf(stderr, "execmon: --otlp-listen: %s needs --duration (how long"
		    " to listen)\n", command_names[o->command]);
		return 2;
	}
	if (o->nstreams == 0 && o->nbullmq == 0 && o->replay == NULL && o->nws == 0 &&
	    !o->celery && o->otlp_listen == NULL)
		list_add(o->streams, &o->nstreams, &stream_level, L_DEFAULT,
		    "execmon:events", "stream");
	if (o->format == NULL)
		o->format = xstrdup("table");
	if (o->bullmq_prefix == NULL)
		o->bullmq_prefix = xstrdup("bull");
	mask_argv_passwords(argc, argv);
	return 0;
}

void
cli_free(struct opts *o)
{
	for (int i = 0; i < o->nredis; i++)
		free(o->redis[i]);
	for (int i = 0; i < o->nstreams; i++)
		free(o->streams[i]);
	for (int i = 0; i < o->nbullmq; i++)
		free(o->bullmq[i]);
	free(o->bullmq_prefix);
	for (int i = 0; i < o->ncelery_queues; i++)
		free(o->celery_queues[i]);
	for (int i = 0; i < o->nws; i++)
		free(o->ws[i]);
	for (int i = 0; i < o->nws_headers; i++)
		free(o->ws_headers[i]);
	free(o->ws_ca);
	free(o->redis_ca);
	free(o->redis_cert);
	free(o->redis_key);
	free(o->replay);
	free(o->otlp_listen);
	free(o->otlp_token);
	free(o->prices);
	for (int i = 0; i < o->nprice; i++)
		free(o->price[i]);
	free(o->filter);
	free(o->theme);
	free(o->config);
	free(o->output);
	free(o->format);
	free(o->status);
	free(o->agent);
	free(o->trace);
	free(o->run_id);
	free(o->stats);
	free(o->mark_name);
	free(o->note);
	if (o->alerts != NULL) {
		alert_config_done(o->alerts);
		free(o->alerts);
		free(o->views);
	}
	cli_map_free(o);
	if (o->password != NULL) {
		memset(o->password, 0, strlen(o->password));
		free(o->password);
	}
	memset(o, 0, sizeof *o);
}
