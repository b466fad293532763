/* execmon - a string-keyed hash map with insertion-ordered iteration. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "xmalloc.h"

/*
 * Entries live in a dense vector in insertion order; a deleted entry becomes a
 * tombstone (key NULL) so that iteration indices stay valid while deleting.
 * The slot table (open addressing, linear probing) holds the entry index + 1
 * of live entries only (0 = empty); deletion shifts the following cluster back
 * so lookups never need slot tombstones. When the dense vector is full it is
 * compacted (tombstones dropped, order kept) and, if more than half of it is
 * live, the table doubles: the dense vector holds at most 70 % of the slots.
 * Compaction happens only in map_put, so map_del during map_next is safe.
 */

struct map_entry {
	char *key;       /* NULL = tombstone */
	void *value;
	uint64_t hash;
};

struct map {
	struct map_entry *ents; /* insertion order, with tombstones */
	size_t nents;           /* used entries, tombstones included */
	size_t limit;           /* entries allocated: 70 % of nslots */
	size_t count;           /* live entries */
	size_t *slots;          /* entry index + 1, 0 = empty */
	size_t nslots;          /* a power of two, or 0 before first put */
};

#define MAP_MIN_SLOTS 16

#define HASH_P1 0x9e3779b97f4a7c15ULL
#define HASH_P2 0xd6e8feb86659fd93ULL
#define HASH_P3 0xff51afd7ed558ccdULL

static uint64_t
hash_load(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, p, n);
	return w;
}

/*
 * A 64-bit hash: each 8-byte word is folded in with a multiply by an odd
 * constant and a shift (a bijection of the state), then the state goes
 * through a full-avalanche finaliser. The length seeds the state, so keys
 * that differ only by trailing zero bytes hash differently.
 */
uint64_t
map_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = HASH_P2 ^ ((uint64_t)len * HASH_P1);

	while (len >= 8) {
		h = (h ^ hash_load(p, 8)) * HASH_P1;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		h = (h ^ hash_load(p, len)) * HASH_P3;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= HASH_P3;
	h ^= h >> 29;
	h *= HASH_P2;
	h ^= h >> 32;
	return h;
}

struct map *
map_create(void)
{
	return xcalloc(1, sizeof (struct map));
}

void
map_free(struct map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nents; i++)
		free(m->ents[i].key);
	free(m->ents);
	free(m->slots);
	free(m);
}

/* Find the slot holding key, or the empty slot where it would go. */
static size_t
map_probe(const struct map *m, const char *key, uint64_t h, int *found)
{
	size_t mask = m->nslots - 1, i = h & mask;
	const struct map_entry *e;

	*found = 0;
	for (;;) {
		if (m->slots[i] == 0)
			return i;
		e = &m->ents[m->slots[i] - 1];
		if (e->hash == h && strcmp(e->key, key) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
}

/* Compact the entries and rebuild the slot table with nslots slots. */
static void
map_rebuild(struct map *m, size_t nslots)
{
	size_t i, j, mask = nslots - 1;

	for (i = j = 0; i < m->nents; i++) {
		if (m->ents[i].key != NULL)
			m->ents[j++] = m->ents[i];
	}
	m->nents = j;
	m->limit = nslots * 7 / 10;
	m->ents = xreallocarray(m->ents, m->limit, sizeof *m->ents);

	free(m->slots);
	m->slots = xcalloc(nslots, sizeof *m->slots);
	m->nslots = nslots;
	for (i = 0; i < m->nents; i++) {
		j = m->ents[i].hash & mask;
		while (m->slots[j] != 0)
			j = (j + 1) & mask;
		m->slots[j] = i + 1;
	}
}

void *
map_get(const struct map *m, const char *key)
{
	size_t i;
	int found;

	if (m->count == 0)
		return NULL;
	i = map_probe(m, key, map_hash(key, strlen(key)), &found);
	return found ? m->ents[m->slots[i] - 1].value : NULL;
}

void *
map_put(struct map *m, const char *key, void *value)
{
	uint64_t h = map_hash(key, strlen(key));
	struct map_entry *e;
	size_t i, nslots;
	void *old;
	int found;

	if (m->nslots != 0) {
		i = map_probe(m, key, h, &found);
		if (found) {
			e = &m->ents[m->slots[i] - 1];
			old = e->value;
			e->value = value;
			return old;
		}
	}
	if (m->nents == m->limit) {
		nslots = m->nslots == 0 ? MAP_MIN_SLOTS : m->nslots;
		if (m->count + 1 > m->limit / 2)
			nslots *= 2;
		map_rebuild(m, nslots);
	}
	i = map_probe(m, key, h, &found);
	e = &m->ents[m->nents];
	e->key = xstrdup(key);
	e->value = value;
	e->hash = h;
	m->slots[i] = ++m->nents;
	m->count++;
	return NULL;
}

void *
map_del(struct map *m, const char *key)
{
	size_t i, j, home, mask;
	struct map_entry *e;
	void *old;
	int found;

	if (m->count == 0)
		return NULL;
	i = map_probe(m, key, map_hash(key, strlen(key)), &found);
	if (!found)
		return NULL;
	e = &m->ents[m->slots[i] - 1];
	old = e->value;
	free(e->key);
	e->key = NULL;
	e->value = NULL;
	m->count--;

	/* Shift back the rest of the cluster that probed past slot i. */
	mask = m->nslots - 1;
	m->slots[i] = 0;
	for (j = (i + 1) & mask; m->slots[j] != 0; j = (j + 1) & mask) {
		home = m->ents[m->slots[j] - 1].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			m->slots[j] = 0;
			i = j;
		}
	}
	if (m->count == 0)
		m->nents = 0;
	return old;
}

size_t
map_count(const struct map *m)
{
	return m->count;
}

int
map_next(const struct map *m, size_t *i, const char **key, void **value)
{
	const struct map_entry *e;

	while (*i < m->nents) {
		e = &m->ents[(*i)++];
		if (e->key == NULL)
			continue;
		if (key != NULL)
			*key = e->key;
		if (value != NULL)
			*value = e->value;
		return 1;
	}
	return 0;
}
