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

#endif
