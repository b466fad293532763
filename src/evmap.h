/* execmon - event maps: a producer's own entries described and turned into events. */
#ifndef EXECMON_EVMAP_H
#define EXECMON_EVMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "event.h"

/*
 * A map says how one producer's stream entries or JSON messages become
 * execmon events (doc/mapping.md): which field or JSON path gives each of
 * execmon's fields, the time field and its unit, a table from the
 * producer's type names to execmon's types, constants and fallbacks. A map
 * is read once at start and never changes; NULL stands for the native
 * format everywhere a map is taken.
 */
struct evmap;

/* Largest map file, bytes. */
#define EVMAP_FILE_MAX (256 * 1024)

/*
 * Parse map text. name is the map's name in messages, file the path shown
 * in errors. Returns the map, or NULL with "FILE:LINE: cause" in err.
 */
struct evmap *evmap_parse(const char *text, size_t len, const char *name,
    const char *file, char *err, size_t errlen);

/*
 * Load a map: NAME is a preset (NAME.map in the map directories, see
 * evmap_dirs()), anything with a '/' or ending in ".map" a file. "native"
 * gives NULL with err empty. Returns NULL with a one-line err otherwise.
 */
struct evmap *evmap_load(const char *spec, char *err, size_t errlen);
void evmap_free(struct evmap *);

/* The name the map was loaded under ("shannon", or the file's path). */
const char *evmap_name(const struct evmap *);
/* The map's description line ("" when it has none). */
const char *evmap_description(const struct evmap *);

/*
 * The directories searched for presets, in order, into dirs (at least 5):
 * $EXECMON_MAP_PATH when set, the user's (XDG), the installed one, "maps"
 * beside the program, "./maps". Each string is valid until the next call.
 * Returns how many.
 */
int evmap_dirs(const char **dirs, int max);

/* Print the presets found (name, description, where) to f. */
void evmap_list(FILE *f);

/*
 * Decode a stream entry through map m (NULL: event_decode_fields()). id_ms is
 * the entry ID's millisecond part, used when the map gives no time. On
 * failure returns the reason, leaves ev empty and writes to why a one-line
 * account naming the map and the field ("map shannon: ts_nano: not a
 * number"; "" for the native decoder).
 */
enum event_malformed evmap_decode_fields(const struct evmap *m,
    struct event *ev, const struct event_field_kv *kv, size_t n,
    int64_t id_ms, char *why, size_t whylen);

/* The same for one JSON object (a WebSocket message, a replay line). */
enum event_malformed evmap_decode_json(const struct evmap *m,
    struct event *ev, const json_t *obj, int64_t recv_ms, char *why,
    size_t whylen);

#endif
