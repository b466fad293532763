/* execmon - a growing byte buffer that starts on the stack. */
#ifndef EXECMON_BUF_H
#define EXECMON_BUF_H

#include <stddef.h>

/*
 * For text or packs built a piece at a time: the first BUF_INLINE bytes live
 * in the struct (on the caller's stack), more go to the heap. p is not
 * NUL-terminated.
 */
#define BUF_INLINE 1024

struct buf {
	char *p;
	size_t len, cap;
	char inline_buf[BUF_INLINE];
};

void buf_init(struct buf *);
void buf_done(struct buf *);
/* Make room for n more bytes at p + len. */
void buf_reserve(struct buf *, size_t n);
void buf_put(struct buf *, const void *data, size_t n);

#endif
