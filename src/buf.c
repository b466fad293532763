/* execmon - a growing byte buffer that starts on the stack. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

void
buf_init(struct buf *b)
{
	b->p = b->inline_buf;
	b->len = 0;
	b->cap = sizeof b->inline_buf;
}

void
buf_done(struct buf *b)
{
	if (b->p != b->inline_buf)
		free(b->p);
	buf_init(b);
}

void
buf_reserve(struct buf *b, size_t n)
{
	size_t cap;

	if (b->len + n <= b->cap)
		return;
	cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n;
	if (b->p == b->inline_buf) {
		b->p = xmalloc(cap);
		memcpy(b->p, b->inline_buf, b->len);
	} else
		b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
buf_put(struct buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
}
