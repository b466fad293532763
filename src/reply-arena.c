/* execmon - build hiredis replies in a per-connection arena instead of malloc. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "reply-arena.h"
#include "xmalloc.h"

#define RA_BLOCK_MIN (64u << 10) /* the first block, bytes */
#define RA_BLOCK_MAX (1u << 20)  /* blocks double up to this while a reply grows */
#define RA_ALIGN _Alignof(redisReply)

struct ra_block {
	struct ra_block *next;
	size_t size;           /* bytes of room after this header */
	size_t used;           /* bytes of it handed out */
};

/* A root reply: freeObject finds its arena from it. */
struct ra_root {
	struct reply_arena *arena;
	redisReply reply;      /* last: the string or slots of the root follow it */
};

/* An array's element vector: r->element points at slot. */
struct ra_slots {
	size_t cap;            /* slots allocated, <= r->elements */
	redisReply *slot[];
};

struct reply_arena {
	struct ra_block *blocks; /* the first one is being carved */
	int live;              /* roots built and not yet freed */
	int orphan;            /* its owner let go: free it with the last root */
	uint64_t mallocs;      /* blocks allocated */
};

_Static_assert(sizeof(struct ra_block) % RA_ALIGN == 0, "block header alignment");
_Static_assert(_Alignof(struct ra_root) <= RA_ALIGN, "root alignment");
_Static_assert(_Alignof(struct ra_slots) <= RA_ALIGN, "slots alignment");
_Static_assert(sizeof(struct ra_root) % RA_ALIGN == 0, "root size");
_Static_assert(REPLY_ARENA_KEEP % RA_BLOCK_MIN == 0, "keep is a multiple of the first block");

/*
 * A block with room for size bytes. A block whose size the input chose
 * (from_input) may be refused: NULL. The others come from xmalloc.
 */
static struct ra_block *
block_new(struct reply_arena *a, size_t size, int from_input)
{
	struct ra_block *b;

	if (size > SIZE_MAX - sizeof *b)
		return NULL;
	if (from_input) {
		b = malloc(sizeof *b + size);
		if (b == NULL)
			return NULL;
	} else
		b = xmalloc(sizeof *b + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	a->mallocs++;
	return b;
}

/* n bytes, aligned for a reply; NULL when a block sized by the input is refused. */
static void *
ra_alloc(struct reply_arena *a, size_t n)
{
	struct ra_block *b = a->blocks, *nb;
	size_t size;
	void *p;

	if (n > SIZE_MAX - RA_ALIGN)
		return NULL;
	n = (n + RA_ALIGN - 1) & ~(size_t)(RA_ALIGN - 1);
	if (b == NULL || b->size - b->used < n) {
		if (b == NULL || b->size < RA_BLOCK_MIN / 2)
			size = RA_BLOCK_MIN;
		else if (b->size >= RA_BLOCK_MAX / 2)
			size = RA_BLOCK_MAX;
		else
			size = 2 * b->size;
		if (n > size / 4) {
			/* Big: a block of its own, behind the one being carved. */
			nb = block_new(a, n, 1);
			if (nb == NULL)
				return NULL;
			nb->used = n;
			if (b != NULL) {
				nb->next = b->next;
				b->next = nb;
			} else
				a->blocks = nb;
			return nb + 1;
		}
		nb = block_new(a, size, 0);
		nb->next = b;
		a->blocks = b = nb;
	}
	p = (unsigned char *)(b + 1) + b->used;
	b->used += n;
	return p;
}

/* No reply is left: keep one block for the next (the recycling rule). */
static void
arena_recycle(struct reply_arena *a)
{
	struct ra_block *b, *next, *keep = NULL;
	size_t total = 0, nblocks = 0, want = 0;

	for (b = a->blocks; b != NULL; b = b->next) {
		total += b->used;
		nblocks++;
		if (b->size <= REPLY_ARENA_KEEP && (keep == NULL || b->size > keep->size))
			keep = b;
	}
	if (nblocks > 1 && total <= REPLY_ARENA_KEEP && (keep == NULL || keep->size < total)) {
		/* It took several blocks: next time one will do. */
		keep = NULL;
		for (want = RA_BLOCK_MIN; want < total; want *= 2)
			;
		if (want > REPLY_ARENA_KEEP)
			want = REPLY_ARENA_KEEP;
	}
	for (b = a->blocks; b != NULL; b = next) {
		next = b->next;
		if (b != keep)
			free(b);
	}
	if (want != 0)
		keep = block_new(a, want, 0);
	if (keep != NULL) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->blocks = keep;
}

static void
arena_destroy(struct reply_arena *a)
{
	struct ra_block *b, *next;

	for (b = a->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

static struct ra_slots *
slots_of(redisReply *r)
{
	return (struct ra_slots *)(void *)((char *)r->element -
	    offsetof(struct ra_slots, slot));
}

/* Make room for element idx of the array r (elements arrive in order). */
static int
slots_reserve(struct reply_arena *a, redisReply *r, int idx)
{
	struct ra_slots *v, *nv;
	size_t cap;

	if (r->type != REDIS_REPLY_ARRAY || idx < 0 || (size_t)idx >= r->elements)
		return -1;
	v = slots_of(r);
	if ((size_t)idx < v->cap)
		return 0;
	cap = v->cap * 2;
	if (cap <= (size_t)idx)
		cap = (size_t)idx + 1;
	if (cap > r->elements)
		cap = r->elements;
	if (cap > (SIZE_MAX - sizeof *nv) / sizeof nv->slot[0])
		return -1;
	nv = ra_alloc(a, sizeof *nv + cap * sizeof nv->slot[0]);
	if (nv == NULL)
		return -1;
	nv->cap = cap;
	memcpy(nv->slot, v->slot, v->cap * sizeof v->slot[0]);
	r->element = nv->slot;
	return 0;
}

/*
 * A new reply of this type with extra bytes after it, linked into its parent
 * (a root is counted live instead); NULL when refused.
 */
static redisReply *
obj_new(const redisReadTask *task, int type, size_t extra)
{
	struct reply_arena *a = task->privdata;
	redisReply *r, *parent;

	if (task->parent == NULL) {
		struct ra_root *root;

		if (extra > SIZE_MAX - sizeof *root)
			return NULL;
		root = ra_alloc(a, sizeof *root + extra);
		if (root == NULL)
			return NULL;
		root->arena = a;
		a->live++;
		r = &root->reply;
	} else {
		parent = task->parent->obj;
		if (extra > SIZE_MAX - sizeof *r || slots_reserve(a, parent, task->idx) != 0)
			return NULL;
		r = ra_alloc(a, sizeof *r + extra);
		if (r == NULL)
			return NULL;
		parent->element[task->idx] = r;
	}
	memset(r, 0, sizeof *r);
	r->type = type;
	return r;
}

/* A status, error or bulk string; the bytes follow the struct. */
static void *
create_string(const redisReadTask *task, char *str, size_t len)
{
	redisReply *r;

	if (len == SIZE_MAX)
		return NULL;
	r = obj_new(task, task->type, len + 1);
	if (r == NULL)
		return NULL;
	r->str = (char *)(r + 1);
	memcpy(r->str, str, len);
	r->str[len] = '\0';
	r->len = len;
	return r;
}

static void *
create_array(const redisReadTask *task, int elements)
{
	struct ra_slots *v;
	redisReply *r;
	size_t cap;

	if (elements < 0)
		return NULL;
	cap = elements < REPLY_ARENA_SLOTS ? (size_t)elements : REPLY_ARENA_SLOTS;
	r = obj_new(task, REDIS_REPLY_ARRAY, cap == 0 ? 0 :
	    sizeof *v + cap * sizeof v->slot[0]);
	if (r == NULL)
		return NULL;
	if (cap > 0) {
		v = (struct ra_slots *)(void *)(r + 1);
		v->cap = cap;
		r->element = v->slot;
	}
	r->elements = (size_t)elements;
	return r;
}

static void *
create_integer(const redisReadTask *task, long long value)
{
	redisReply *r = obj_new(task, REDIS_REPLY_INTEGER, 0);

	if (r != NULL)
		r->integer = value;
	return r;
}

static void *
create_nil(const redisReadTask *task)
{
	return obj_new(task, REDIS_REPLY_NIL, 0);
}

/* Free a root: the last one out recycles the arena. */
static void
free_object(void *p)
{
	struct reply_arena *a;

	if (p == NULL)
		return;
	a = ((struct ra_root *)(void *)((char *)p - offsetof(struct ra_root, reply)))->arena;
	if (--a->live > 0)
		return;
	if (a->orphan)
		arena_destroy(a);
	else
		arena_recycle(a);
}

static redisReplyObjectFunctions functions = {
	.createString = create_string,
	.createArray = create_array,
	.createInteger = create_integer,
	.createNil = create_nil,
	.freeObject = free_object,
};

struct reply_arena *
reply_arena_create(void)
{
	return xcalloc(1, sizeof(struct reply_arena));
}

void
reply_arena_free(struct reply_arena *a)
{
	if (a == NULL)
		return;
	if (a->live > 0)
		a->orphan = 1;
	else
		arena_destroy(a);
}

void
reply_arena_attach(redisReader *r, struct reply_arena *a)
{
	r->fn = &functions;
	r->privdata = a;
}

redisReader *
reply_arena_reader(struct reply_arena *a)
{
	redisReader *r = redisReaderCreateWithFunctions(&functions);

	if (r != NULL)
		r->privdata = a;
	return r;
}

void
reply_arena_stats(const struct reply_arena *a, struct reply_arena_stats *st)
{
	const struct ra_block *b;

	memset(st, 0, sizeof *st);
	for (b = a->blocks; b != NULL; b = b->next) {
		st->blocks++;
		st->bytes += b->size;
	}
	st->mallocs = a->mallocs;
	st->live = a->live;
}
