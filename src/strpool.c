/* execmon - interned strings: one copy of each, counted. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "strpool.h"
#include "xmalloc.h"

/*
 * Each string lives in a block with a small header in front of it, so a put
 * finds its entry from the string's address. The table (open addressing,
 * linear probing, at most half full) holds the blocks, and beside each its
 * hash's low 32 bits, so a probe reads a block only when those match and a
 * deletion finds the home slots of the cluster without reading theirs;
 * deletion shifts the following cluster back, so lookups need no tombstones.
 */
struct pstr {
	uint64_t hash;
	uint32_t refs;
	uint32_t len;
	char s[];
};

struct strpool {
	struct pstr **slots;
	uint32_t *tags;        /* the low 32 bits of each slot's hash */
	size_t nslots, count;  /* nslots: a power of two */
};

#define POOL_MIN_SLOTS 64

static struct pstr *
of(const char *s)
{
	return (struct pstr *)(void *)(s - offsetof(struct pstr, s));
}

struct strpool *
strpool_create(void)
{
	struct strpool *p = xcalloc(1, sizeof *p);

	p->nslots = POOL_MIN_SLOTS;
	p->slots = xcalloc(p->nslots, sizeof *p->slots);
	p->tags = xcalloc(p->nslots, sizeof *p->tags);
	return p;
}

void
strpool_free(struct strpool *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nslots; i++)
		free(p->slots[i]);
	free(p->slots);
	free(p->tags);
	free(p);
}

size_t
strpool_count(const struct strpool *p)
{
	return p->count;
}

static void
grow(struct strpool *p)
{
	struct pstr **old = p->slots;
	uint32_t *oldtags = p->tags;
	size_t n = p->nslots, mask, j;

	p->nslots *= 2;
	p->slots = xcalloc(p->nslots, sizeof *p->slots);
	p->tags = xcalloc(p->nslots, sizeof *p->tags);
	mask = p->nslots - 1;
	for (size_t i = 0; i < n; i++) {
		if (old[i] == NULL)
			continue;
		for (j = oldtags[i] & mask; p->slots[j] != NULL; j = (j + 1) & mask)
			;
		p->slots[j] = old[i];
		p->tags[j] = oldtags[i];
	}
	free(old);
	free(oldtags);
}

/* The slot of s in p: the one holding it, or the empty one it would take. */
static size_t
slot_of(const struct strpool *p, const char *s, size_t len, uint64_t h)
{
	size_t mask = p->nslots - 1, i;
	struct pstr *e;

	for (i = h & mask; (e = p->slots[i]) != NULL; i = (i + 1) & mask) {
		if (p->tags[i] == (uint32_t)h && e->hash == h && e->len == len &&
		    memcmp(e->s, s, len) == 0)
			break;
	}
	return i;
}

const char *
strpool_get(struct strpool *p, const char *s)
{
	size_t len, i;
	uint64_t h;
	struct pstr *e;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	h = map_hash(s, len);
	i = slot_of(p, s, len, h);
	if ((e = p->slots[i]) != NULL) {
		if (e->refs < UINT32_MAX)
			e->refs++;
		return e->s;
	}
	if (len >= UINT32_MAX)
		len = UINT32_MAX - 1; /* never: strings are bounded far below */
	e = xmalloc(sizeof *e + len + 1);
	e->hash = h;
	e->refs = 1;
	e->len = (uint32_t)len;
	memcpy(e->s, s, len);
	e->s[len] = '\0';
	p->slots[i] = e;
	p->tags[i] = (uint32_t)h;
	if (++p->count * 2 > p->nslots)
		grow(p);
	return e->s;
}

const char *
strpool_find(const struct strpool *p, const char *s)
{
	size_t len;
	struct pstr *e;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	e = p->slots[slot_of(p, s, len, map_hash(s, len))];
	return e != NULL ? e->s : NULL;
}

void
strpool_put(struct strpool *p, const char *s)
{
	struct pstr *e;
	size_t mask, i, j, k;

	if (s == NULL)
		return;
	e = of(s);
	if (e->refs == UINT32_MAX || --e->refs > 0)
		return; /* a saturated count is never freed: safe, if rare */
	mask = p->nslots - 1;
	for (i = e->hash & mask; p->slots[i] != e; i = (i + 1) & mask)
		;
	/* Shift the rest of the cluster back over the hole. */
	for (j = (i + 1) & mask; p->slots[j] != NULL; j = (j + 1) & mask) {
		k = p->tags[j] & mask;
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			p->slots[i] = p->slots[j];
			p->tags[i] = p->tags[j];
			i = j;
		}
	}
	p->slots[i] = NULL;
	p->count--;
	free(e);
}
