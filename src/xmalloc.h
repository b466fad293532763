/* execmon - allocation that never returns NULL. */
#ifndef EXECMON_XMALLOC_H
#define EXECMON_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
/* Resize an array to n items of size sz, checking the multiplication. */
void *xreallocarray(void *, size_t n, size_t sz);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

/* Called before aborting on exhaustion (the UI restores the terminal). */
extern void (*xmalloc_fatal_hook)(void);

#endif
