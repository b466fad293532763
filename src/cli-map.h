/* execmon - --map on the command line and in the config file. */
#ifndef EXECMON_CLI_MAP_H
#define EXECMON_CLI_MAP_H

#include "cli.h"

/*
 * --map NAME|FILE (name is the option's name for messages): load the map,
 * which the sources given after it take. Returns 0, or 2 after a one-line
 * error.
 */
int cli_map_set(struct opts *, const char *name, const char *v);

/*
 * A --map that no source follows applies to the sources before it that no
 * --map covers (so `--stream K --map NAME` reads K through NAME). Returns
 * how many sources it was given to.
 */
int cli_map_trailing(struct opts *);

/* The defaults of --discover-every and --max-streams. */
void cli_map_defaults(struct opts *);
/* --discover-every DUR or --max-streams N (by name). Returns 0, or 2 after an error. */
int cli_map_pattern_option(struct opts *, const char *name, const char *v);
/*
 * A source was added (rc 0) whose map is *map: it takes the current --map.
 * Returns rc.
 */
int cli_map_took(struct opts *, int rc, const struct evmap **map);
/*
 * The end of one level (the config file, done = it parsed): apply a
 * trailing --map when done, then forget the current one.
 */
void cli_map_level(struct opts *, int done);
/* The end of the command line: a --map that reads nothing is an error (2). */
int cli_map_finish(struct opts *);
void cli_map_free(struct opts *);

#endif
