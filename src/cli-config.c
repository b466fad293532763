/* execmon - the config file: its settings are the long options (cli-options.c), plus alert, budget, view and columns lines. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert-rule.h"
#include "cli.h"
#include "cli-int.h"
#include "conffile.h"
#include "event.h"
#include "log.h"
#include "savedview.h"
#include "xmalloc.h"

/* What one config file's settings are applied to. */
struct config_ctx {
	struct opts *o;
	const char *path;
	int private;           /* only the owner may read the file */
};

/* Apply one setting of a config file; names are the long options. */
static int
config_setting(void *arg, const char *name, const char *val, int lineno)
{
	struct config_ctx *cc = arg;
	char safe[128], err[256];
	const struct cli_option *op;
	int id;

	if (strcmp(name, "view") == 0 || strcmp(name, "columns") == 0) {
		char line[1200];

		snprintf(line, sizeof line, "%s", val);
		if ((name[0] == 'v' ? savedviews_parse(cc->o->views, line, err, sizeof err) :
		    savedviews_columns(cc->o->views, line, err, sizeof err)) != 0) {
			event_sanitize(err, safe, sizeof safe, 0);
			fprintf(stderr, "execmon: config %s:%d: %s: %s\n", cc->path, lineno,
			    name, safe);
			return 2;
		}
		return 0;
	}
	if (strcmp(name, "alert") == 0 || strcmp(name, "budget") == 0) {
		int rc = name[0] == 'a' ? alert_config_rule(cc->o->alerts, val, err, sizeof err) :
		    alert_config_budget(cc->o->alerts, val, err, sizeof err);

		if (rc != 0) {
			event_sanitize(err, safe, sizeof safe, 0);
			fprintf(stderr, "execmon: config %s:%d: %s: %s\n", cc->path, lineno,
			    name, safe);
			return 2;
		}
		return 0;
	}
	op = cli_option_by_name(name);
	if (op == NULL || (op->flags & OPT_ARGV)) {
		event_sanitize(name, safe, sizeof safe, 0);
		fprintf(stderr, "execmon: config %s:%d: unknown setting '%s'\n",
		    cc->path, lineno, safe);
		return 2;
	}
	id = op->id;
	if (op->arg == NULL) {
		if (strcmp(val, "") == 0 || strcmp(val, "true") == 0 ||
		    strcmp(val, "yes") == 0 || strcmp(val, "1") == 0)
			return cli_apply(cc->o, id, name, val, L_CONFIG);
		if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0 ||
		    strcmp(val, "0") == 0)
			return 0;
		fprintf(stderr, "execmon: config %s:%d: %s wants true or false\n",
		    cc->path, lineno, name);
		return 2;
	}
	if (id == O_REDIS && strchr(val, '@') != NULL && !cc->private)
		log_msg(LOG_WARN, "config %s holds a password and is readable by"
		    " others (chmod 600 it)", cc->path);
	return cli_apply(cc->o, id, name, val, L_CONFIG);
}

/* Read a config file; a missing one is fine unless it was asked for. */
int
cli_read_config(struct opts *o, const char *path, int required)
{
	struct config_ctx cc = { o, path, 0 };
	char *text, err[256];
	size_t len;
	int rc;

	if (conffile_read(path, &text, &len, &cc.private, err, sizeof err) != 0) {
		if (!required && errno == ENOENT)
			return 0;
		fprintf(stderr, "execmon: config %s: %s\n", path,
		    errno == EFBIG ? "larger than 256 KiB" : err);
		return 2;
	}
	rc = conffile_parse(text, len, config_setting, &cc, err, sizeof err);
	free(text);
	cli_map_level(o, rc == 0);
	if (rc < 0) {
		fprintf(stderr, "execmon: config %s:%s\n", path, err);
		rc = 2;
	}
	return rc;
}
