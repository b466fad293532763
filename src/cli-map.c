/* execmon - --map on the command line and in the config file. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli-map.h"
#include "event.h"
#include "evmap.h"

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
	for (int i = 0; i < o->nstreams; i++)
		if (o->stream_maps[i] == NULL) {
			o->stream_maps[i] = o->cur_map;
			n++;
		}
	for (int i = 0; i < o->nws; i++)
		if (o->ws_maps[i] == NULL) {
			o->ws_maps[i] = o->cur_map;
			n++;
		}
	if (o->replay != NULL && o->replay_map == NULL) {
		o->replay_map = o->cur_map;
		n++;
	}
	return n;
}
