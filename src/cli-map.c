/* execmon - --map on the command line and in the config file. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-int.h"
#include "event.h"
#include "evmap.h"
#include "source-kind.h"

int
cli_map_set(struct opts *o, const char *name, const char *v)
{
	char err[512], safe[128];
	struct evmap *m;

	if (strcmp(v, "list") == 0) {
		fprintf(stderr, "execmon: --%s 'list': only on the command line\n", name);
		return 2;
	}
	m = evmap_load(v, err, sizeof err);
	if (m == NULL && err[0] != '\0') {
		fprintf(stderr, "execmon: %s\n", err);
		return 2;
	}
	if (m != NULL) {
		if (o->nmaps == 2 * CLI_MAX_LIST) {
			evmap_free(m);
			event_sanitize(v, safe, sizeof safe, 0);
			fprintf(stderr, "execmon: --%s '%s': more than %d maps\n", name, safe,
			    2 * CLI_MAX_LIST);
			return 2;
		}
		o->maps[o->nmaps++] = m;
	}
	o->cur_map = m;
	o->map_pending = 1;
	return 0;
}

int
cli_map_trailing(struct opts *o)
{
	int n = 0;

	if (!o->map_pending || o->cur_map == NULL)
		return 0;
	for (int i = 0; i < o->nspecs; i++) {
		struct source_spec *sp = &o->specs[i];

		if ((sp->kind->flags & SK_MAP) && sp->map == NULL) {
			sp->map = o->cur_map;
			n++;
		}
	}
	return n;
}

void
cli_map_defaults(struct opts *o)
{
	o->discover_ms = 5000;
	o->max_streams = 10000;
}

int
cli_map_pattern_option(struct opts *o, const char *name, const char *v)
{
	char safe[128], *end;
	long long n;

	event_sanitize(v, safe, sizeof safe, 0);
	if (strcmp(name, "discover-every") == 0) {
		o->discover_ms = cli_parse_duration(v);
		if (o->discover_ms < 100 || o->discover_ms > 86400000) {
			fprintf(stderr, "execmon: --%s '%s': not a duration from 100ms"
			    " to 1d\n", name, safe);
			return 2;
		}
		return 0;
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 || n > 1000000) {
		fprintf(stderr, "execmon: --%s '%s': not a count from 1 to 1000000\n",
		    name, safe);
		return 2;
	}
	o->max_streams = n;
	return 0;
}

int
cli_map_took(struct opts *o, int rc, const struct evmap **map)
{
	if (rc == 0)
		*map = o->cur_map;
	o->map_pending = 0;
	return rc;
}

void
cli_map_level(struct opts *o, int done)
{
	if (done)
		cli_map_trailing(o);
	o->map_pending = 0;
	o->cur_map = NULL;
}

int
cli_map_finish(struct opts *o)
{
	if (o->map_pending && o->cur_map != NULL && cli_map_trailing(o) == 0) {
		fprintf(stderr, "execmon: --map %s: no --stream, --ws or --replay to"
		    " read through it\n", evmap_name(o->cur_map));
		return 2;
	}
	return 0;
}

void
cli_map_free(struct opts *o)
{
	for (int i = 0; i < o->nmaps; i++)
		evmap_free(o->maps[i]);
	o->nmaps = 0;
}
