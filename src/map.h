/* execmon - a string-keyed hash map (open addressing, linear probing). */
#ifndef EXECMON_MAP_H
#define EXECMON_MAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Keys are copied into the map; values are caller-owned pointers. Iteration
 * order is insertion order with deletions compacted, so it does not depend on
 * hashing. Grows by doubling at 70 % load.
 */
struct map;

struct map *map_create(void);
void map_free(struct map *);
void *map_get(const struct map *, const char *key);
/* Set key to value; returns the previous value or NULL. */
void *map_put(struct map *, const char *key, void *value);
/* Remove key; returns its value or NULL. */
void *map_del(struct map *, const char *key);
size_t map_count(const struct map *);
/* Iterate: i from 0 while map_next returns 1. */
int map_next(const struct map *, size_t *i, const char **key, void **value);

uint64_t map_hash(const void *data, size_t len);

#endif
