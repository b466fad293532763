/* execmon - the command line and config file: options, precedence, parsing. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert-rule.h"
#include "alert-state.h"
#include "cli.h"
#include "cmd.h"
#include "conffile.h"
#include "savedview.h"
#include "event.h"
#include "evmap.h"
#include "infile.h"
#include "log.h"
#include "prices.h"
#include "source-kind.h"
#include "source-otlp.h"
#include "source-ws.h"
#include "ui.h"
#include "url.h"
#include "wsmsg.h"
#include "xmalloc.h"
#include "cli-int.h"


static enum level redis_level, ws_header_level;
static enum level celery_queue_level;
static enum level *spec_level; /* per kind, as in source_kinds[] */
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

int
cli_bad(const char *opt, const char *val, const char *why)
{
	char safe[128];

	event_sanitize(val != NULL ? val : "", safe, sizeof safe, 0);
	fprintf(stderr, "execmon: --%s '%s': %s\n", opt, safe, why);
	return 2;
}

/* Remove the specs of kind k. */
static void
spec_remove(struct opts *o, const struct source_kind *k)
{
	int n = 0;

	for (int i = 0; i < o->nspecs; i++) {
		if (o->specs[i].kind == k)
			free(o->specs[i].arg);
		else
			o->specs[n++] = o->specs[i];
	}
	o->nspecs = n;
}

/*
 * Add a source of the kind named kind, given by option name with argument v
 * (NULL for a flag) at a level: a later level replaces the kind's list, an
 * SK_ONE kind is replaced, an SK_FLAG kind is added once. With map, it takes
 * the --map in force. Returns 0 or 2.
 */
static int
spec_add(struct opts *o, const char *kind, const char *name, const char *v,
    enum level at, int map)
{
	const struct source_kind *k = source_kind_find(kind);
	int ki = source_kind_index(k), have = 0, rc;
	struct source_spec *sp = NULL;

	if (k->check != NULL && (rc = k->check(name, v)) != 0)
		return rc;
	for (int i = 0; i < o->nspecs; i++)
		have += o->specs[i].kind == k;
	if ((k->flags & SK_FLAG) && have > 0)
		return 0;
	if ((k->flags & SK_ONE) || spec_level[ki] < at) {
		spec_remove(o, k);
		spec_level[ki] = at;
		have = 0;
	}
	if (have == CLI_MAX_LIST) {
		fprintf(stderr, "execmon: --%s: at most %d allowed\n", name, CLI_MAX_LIST);
		rc = 2;
	} else {
		o->specs = xreallocarray(o->specs, (size_t)o->nspecs + 1, sizeof *o->specs);
		sp = &o->specs[o->nspecs++];
		sp->kind = k;
		sp->arg = v != NULL ? xstrdup(v) : NULL;
		sp->map = NULL;
		rc = 0;
	}
	if (map && (k->flags & SK_MAP))
		return cli_map_took(o, rc, rc == 0 ? &sp->map : NULL);
	return rc;
}

int
cli_specs_any(const struct opts *o, unsigned flags)
{
	for (int i = 0; i < o->nspecs; i++)
		if (o->specs[i].kind->flags & flags)
			return 1;
	return 0;
}

/* Apply one option (from the config file or argv). Returns 0 or 2. */
int
cli_apply(struct opts *o, int id, const char *name, const char *v, enum level at)
{
	const struct cli_option *op = cli_option_by_id(id);
	int64_t n;
	int rc;

	if (op != NULL && (op->flags & OPT_STR)) {
		set_str((char **)(void *)((char *)o + op->off), v);
		return 0;
	}
	if (op != NULL && (op->flags & OPT_SET)) {
		*(int *)(void *)((char *)o + op->off) = 1;
		return 0;
	}
	/* An option named as a source kind adds a source of that kind. */
	if (source_kind_find(name) != NULL)
		return spec_add(o, name, name, op != NULL && op->arg != NULL ? v : NULL,
		    at, 1);
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
	case O_MAP:
		return cli_map_set(o, name, v);
	case O_DISCOVER_EVERY:
	case O_MAX_STREAMS:
		return cli_map_pattern_option(o, name, v);
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
			return cli_bad(name, v, why);
		set_str(&o->ws_ca, v);
		return 0;
	}
	case O_REDIS_CA:
	case O_REDIS_CERT:
	case O_REDIS_KEY:
		if (access(v, R_OK) != 0)
			return cli_bad(name, v, strerror(errno));
		set_str(id == O_REDIS_CA ? &o->redis_ca : id == O_REDIS_CERT ?
		    &o->redis_cert : &o->redis_key, v);
		return 0;
	case O_WS_MAX_MESSAGE:
		if ((o->ws_max_message = parse_size(v)) < 64 ||
		    o->ws_max_message > EVENT_JSON_MAX)
			return cli_bad(name, v, "not a size from 64 bytes to 4M");
		return 0;
	case O_OTLP_MAX_BODY:
		if ((o->otlp_max_body = parse_size(v)) < 1024 ||
		    o->otlp_max_body > 1024 * 1024 * 1024)
			return cli_bad(name, v, "not a size from 1k to 1024M");
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
			return cli_bad(name, v, strerror(errno));
		set_str(&o->prices, v);
		return 0;
	case O_PRICE: {
		char err[128];

		if (prices_set(v, err, sizeof err) != 0)
			return cli_bad(name, v, err);
		prices_clear();
	}
		return list_add(o->price, &o->nprice, &price_level, at, v, name);
	case O_BULLMQ_PREFIX:
		if (*v == '\0')
			return cli_bad(name, v, "empty key prefix");
		set_str(&o->bullmq_prefix, v);
		return 0;
	case O_CELERY_QUEUE:
		if (*v == '\0')
			return cli_bad(name, v, "empty queue name");
		if ((rc = list_add(o->celery_queues, &o->ncelery_queues,
		    &celery_queue_level, at, v, name)) != 0)
			return rc;
		return spec_add(o, "celery", "celery", NULL, at, 1);
	case O_CELERY_ENABLE_EVENTS:
		o->celery_enable_events = 1;
		return spec_add(o, "celery", "celery", NULL, at, 1);
	case O_WINDOW:
		if ((o->window_ms = cli_parse_duration(v)) == -2)
			return cli_bad(name, v, "longer than the maximum, 3650d");
		if (o->window_ms <= 0)
			return cli_bad(name, v, "not a duration (like 90s, 15m, 1h, 7d)");
		if (o->window_ms > CLI_WINDOW_MAX_MS)
			return cli_bad(name, v, "longer than the maximum, 3650d");
		return 0;
	case O_NOW:
		if (event_parse_time(v, strlen(v), &o->now_ms) != 0)
			return cli_bad(name, v, "not a time (epoch ms or RFC 3339)");
		return 0;
	case O_CONFIG:
		set_str(&o->config, v);
		return 0;
	case O_LOG_BUDGET:
		if ((o->log_budget = parse_size(v)) < 0 ||
		    (o->log_budget > 0 && o->log_budget < 1024 * 1024))
			return cli_bad(name, v, "not a size of at least 1M (or 0: no bound)");
		return 0;
	case O_REFRESH:
		if (parse_int(v, 10, 10000, &n) != 0)
			return cli_bad(name, v, "not a frame period in ms (10..10000)");
		o->refresh_ms = (int)n;
		return 0;
	case O_CONNECT_TIMEOUT:
		if ((o->connect_timeout_ms = cli_parse_duration(v)) <= 0)
			return cli_bad(name, v, "not a duration");
		return 0;
	case O_COUNT:
		if (parse_int(v, 1, INT64_MAX, &o->count) != 0)
			return cli_bad(name, v, "not a positive count");
		return 0;
	case O_DURATION:
		if ((o->duration_ms = cli_parse_duration(v)) <= 0)
			return cli_bad(name, v, "not a duration");
		return 0;
	case O_FORMAT:
		if (strcmp(v, "table") != 0 && strcmp(v, "json") != 0 &&
		    strcmp(v, "csv") != 0 && strcmp(v, "tsv") != 0)
			return cli_bad(name, v, "want table or json (runs: also csv or tsv)");
		set_str(&o->format, v);
		return 0;
	case O_SINCE:
		if ((o->since_ms = cli_parse_duration(v)) <= 0)
			return cli_bad(name, v, "not a duration");
		return 0;
	case O_LIMIT:
		if (parse_int(v, 1, 100000000, &o->limit) != 0)
			return cli_bad(name, v, "not a positive number");
		return 0;
	case O_ALERT_EXEC:
	case O_ALERT_EXEC_TIMEOUT:
	case O_ALERT_EXEC_MAX:
	case O_ALERT_BELL:
	case O_ALERT_NOTIFY:
	case O_ALERT_HOLD: {
		char err[128];

		if (cli_alerts_option(o->alerts, name, v, err, sizeof err) != 0)
			return cli_bad(name, v, err);
		return 0;
	}
	case O_ACK:
	case O_UNACK:
	case O_SNOOZE:
	case O_SILENCE:
	case O_UNSILENCE: {
		static const int ops[] = { MARK_ACK, MARK_UNACK, MARK_SNOOZE, MARK_SILENCE,
			MARK_UNSILENCE };
		char err[128];

		if (cli_alerts_mark(o, ops[id - O_ACK], v, err, sizeof err) != 0)
			return cli_bad(name, v, err);
		return 0;
	}
	}
	return 2;
}

/*
 * Overwrite the password of each redis:// URL in argv with '*' once it has
 * been copied, so that other users do not read it in ps(1) while we run.
 */
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
cli_parse(struct opts *o, const struct cmd_entry *const *cmds,
    const struct cmd_entry **cmd, int argc, char **argv)
{
	int c, rc, idx;
	const char *env;
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
	redis_level = ws_header_level = L_DEFAULT;
	free(spec_level);
	spec_level = xcalloc((size_t)source_nkinds, sizeof *spec_level);
	knobs_read(&o->knobs);
	price_level = L_DEFAULT;
	celery_queue_level = L_DEFAULT;
	o->ws_max_message = WSMSG_MAX_DEFAULT;
	o->otlp_max_body = OTLP_MAX_BODY_DEFAULT;
	cli_map_defaults(o);

	*cmd = NULL;
	for (int i = 0; cmds[i] != NULL; i++) {
		if (cmds[i]->name[0] == '\0')
			*cmd = cmds[i]; /* none named: the dashboard */
		else if (argc > 1 && argv[1][0] != '-' && strcmp(argv[1], cmds[i]->name) == 0) {
			*cmd = cmds[i];
			break;
		}
	}
	if (argc > 1 && argv[1][0] != '-') {
		if (*cmd == NULL || (*cmd)->name[0] == '\0') {
			char safe[64];

			event_sanitize(argv[1], safe, sizeof safe, 0);
			fprintf(stderr, "execmon: unknown command '%s' (try --help)\n", safe);
			return 2;
		}
		argv++;
		argc--;
	}
	o->command = (*cmd)->id;

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
	while ((c = getopt_long(argc, argv, cli_shortopts(), cli_longopts(), &idx)) != -1) {
		const char *name;

		if (c == 'h' || c == O_HELP) {
			cli_usage(stdout, cmds, *cmd);
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
		name = cli_option_by_id(c)->name;
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
	for (int i = 0; i < o->nspecs; i++) {
		if ((o->specs[i].kind->flags & SK_ENDLESS) && o->duration_ms == 0 &&
		    (o->command == CMD_SNAPSHOT || o->command == CMD_RUNS ||
		    o->command == CMD_EVENTS)) {
			fprintf(stderr, "execmon: --%s: %s needs --duration (how long"
			    " to listen)\n", o->specs[i].kind->name,
			    (*cmd)->name);
			return 2;
		}
	}
	if (o->nspecs == 0)
		spec_add(o, "stream", "stream", "execmon:events", L_DEFAULT, 0);
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
	for (int i = 0; i < o->nspecs; i++)
		free(o->specs[i].arg);
	free(o->specs);
	free(spec_level);
	spec_level = NULL;
	free(o->bullmq_prefix);
	for (int i = 0; i < o->ncelery_queues; i++)
		free(o->celery_queues[i]);
	for (int i = 0; i < o->nws_headers; i++)
		free(o->ws_headers[i]);
	free(o->ws_ca);
	free(o->redis_ca);
	free(o->redis_cert);
	free(o->redis_key);
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
