/* execmon - interned strings: one copy of each, counted. */
#ifndef EXECMON_STRPOOL_H
#define EXECMON_STRPOOL_H

#include <stddef.h>

/*
 * The store keeps the strings of its runs here: the thousands of runs of one
 * agent, queue or model share one copy, and the same string is always the
 * same pointer, so readers may compare and hash pointers. Each get is paired
 * with one put; a string goes when its last holder puts it.
 */
struct strpool;

struct strpool *strpool_create(void);
void strpool_free(struct strpool *);
/* The pooled copy of s (NULL for NULL), with one more holder. */
const char *strpool_get(struct strpool *, const char *s);
/* The pooled copy of s if the pool holds it (no holder added), else NULL. */
const char *strpool_find(const struct strpool *, const char *s);
/* Drop one holder of a string strpool_get returned (NULL is ignored). */
void strpool_put(struct strpool *, const char *s);
/* Distinct strings held. */
size_t strpool_count(const struct strpool *);

#endif
