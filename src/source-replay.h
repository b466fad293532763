/* execmon - read events from a JSONL file written by `execmon record`. */
#ifndef EXECMON_SOURCE_REPLAY_H
#define EXECMON_SOURCE_REPLAY_H

#include "source.h"

struct replay;

/* Start reading path ("-" = stdin). NULL and errstr filled if it can't open. */
struct replay *source_replay_start(const char *path, const struct sink *,
    char *errstr, size_t errlen);
void source_replay_stop(struct replay *);
struct evmap;
/* Read every line through map (evmap.h; NULL = native); set it right after start. */
void source_replay_set_map(struct replay *, const struct evmap *map);

#endif
