/* execmon - build hiredis replies in a per-connection arena instead of malloc. */
#ifndef EXECMON_REPLY_ARENA_H
#define EXECMON_REPLY_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/read.h>

/*
 * A reader given an arena builds every reply in it: the redisReply structs,
 * their strings and their element vectors are carved from a few big blocks,
 * not malloc'd one by one. The replies are ordinary redisReply trees (the
 * reader's freeObject must be used on them, never freeReplyObject).
 *
 * The recycling rule. Freeing a reply (the root: hiredis only ever frees
 * roots) releases it; when no reply built in the arena is left, the arena
 * is recycled at once: every block goes back to the allocator but one,
 * which the next reply starts in. When the reply just freed needed several
 * blocks, that one is a single block big enough for all of it, so replies
 * of a steady size are built without any malloc. At most REPLY_ARENA_KEEP
 * bytes are held between replies.
 *
 * The bounds. A bulk string is copied once it has arrived whole (hiredis
 * buffers it first), so strings cost what was received. An array gets room
 * for at most REPLY_ARENA_SLOTS elements when its header arrives and grows
 * (doubling) as its elements do: a header that declares two billion
 * elements costs nothing until they come. Blocks of the usual sizes come
 * from xmalloc; a block sized by the input (a big string, a long array) that
 * malloc refuses fails the reply as hiredis does ("Out of memory"): the
 * connection fails and is retried.
 */
struct reply_arena;

/* Largest number of bytes held between replies. */
#define REPLY_ARENA_KEEP (4u << 20)
/* Elements an array has room for before its elements arrive. */
#define REPLY_ARENA_SLOTS 64

struct reply_arena *reply_arena_create(void);
/*
 * Let go of the arena. It is freed now, or when the last reply built in it is
 * freed if some are still alive (a reader being torn down frees its own).
 */
void reply_arena_free(struct reply_arena *);

/*
 * Make a reader build its replies in a. Only on a reader with no reply half
 * read (a new one); a must outlive the reader.
 */
void reply_arena_attach(redisReader *, struct reply_arena *a);
/* A new reader (redisReaderCreateWithFunctions) that builds its replies in a. */
redisReader *reply_arena_reader(struct reply_arena *a);

struct reply_arena_stats {
	size_t blocks;      /* blocks held now */
	size_t bytes;       /* their total size */
	uint64_t mallocs;   /* blocks allocated since creation */
	int live;           /* replies built and not yet freed */
};

void reply_arena_stats(const struct reply_arena *, struct reply_arena_stats *);

#endif
