/* execmon - unit tests for the reply arena, through a real hiredis reader. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "reply-arena.h"
#include "tap.h"
#include "xmalloc.h"

/* A growing byte buffer to write RESP into. */
struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void
buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_add(b, tmp, (size_t)n);
}

static void
buf_bulk(struct buf *b, const char *s, size_t len)
{
	buf_fmt(b, "$%zu\r\n", len);
	buf_add(b, s, len);
	buf_add(b, "\r\n", 2);
}

/* An XRANGE reply: n entries of nf field/value pairs each. */
static void
buf_xrange(struct buf *b, int n, int nf)
{
	char id[48], f[32], v[64];

	buf_fmt(b, "*%d\r\n", n);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "1700000000%03d-%d", i % 1000, i);
		buf_fmt(b, "*2\r\n");
		buf_bulk(b, id, strlen(id));
		buf_fmt(b, "*%d\r\n", 2 * nf);
		for (int k = 0; k < nf; k++) {
			snprintf(f, sizeof f, "field%d", k);
			snprintf(v, sizeof v, "value-%d-%d", i, k);
			buf_bulk(b, f, strlen(f));
			buf_bulk(b, v, strlen(v));
		}
	}
}

/* Whether two reply trees are the same (types, integers, bytes, shapes). */
static int
same(const redisReply *a, const redisReply *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case REDIS_REPLY_INTEGER:
		return a->integer == b->integer;
	case REDIS_REPLY_NIL:
		return 1;
	case REDIS_REPLY_ARRAY:
		if (a->elements != b->elements)
			return 0;
		for (size_t i = 0; i < a->elements; i++) {
			if (!same(a->element[i], b->element[i]))
				return 0;
		}
		return 1;
	default:
		return a->len == b->len && a->str[a->len] == '\0' &&
		    memcmp(a->str, b->str, a->len) == 0;
	}
}

static size_t
live(const struct reply_arena *a)
{
	struct reply_arena_stats st;

	reply_arena_stats(a, &st);
	return (size_t)st.live;
}

/*
 * Feed in[0..len) to an arena reader and to one with hiredis's own functions,
 * step bytes at a time, and compare every reply. Returns the number of
 * replies, or -1 if they differ or only one reader failed. *err gets the
 * arena reader's error (empty when none).
 */
static int
differ(struct reply_arena *a, const char *in, size_t len, size_t step, char *err,
    size_t errsize)
{
	redisReader *ra = reply_arena_reader(a), *rd = redisReaderCreate();
	int n = 0, bad = 0, sa = REDIS_OK, sd = REDIS_OK;

	err[0] = '\0';
	for (size_t off = 0; off < len && sa == REDIS_OK && !bad; off += step) {
		size_t k = len - off < step ? len - off : step;

		redisReaderFeed(ra, in + off, k);
		redisReaderFeed(rd, in + off, k);
		for (;;) {
			void *x, *y;

			sa = redisReaderGetReply(ra, &x);
			sd = redisReaderGetReply(rd, &y);
			if (sa != sd || (x == NULL) != (y == NULL))
				bad = 1;
			if (x != NULL && y != NULL && !same(x, y))
				bad = 1;
			if (x != NULL) {
				n++;
				ra->fn->freeObject(x);
			}
			if (y != NULL)
				freeReplyObject(y);
			if (bad || sa != REDIS_OK || x == NULL)
				break;
		}
	}
	if (sa != REDIS_OK)
		snprintf(err, errsize, "%s", ra->errstr);
	redisReaderFree(ra);
	redisReaderFree(rd);
	return bad ? -1 : n;
}

/* The one reply in s, with the arena reader; the caller frees it. */
static redisReply *
one(redisReader *r, const char *s, size_t len)
{
	void *x = NULL;

	redisReaderFeed(r, s, len);
	if (redisReaderGetReply(r, &x) != REDIS_OK)
		return NULL;
	return x;
}

#define ONE(r, lit) one((r), (lit), sizeof(lit) - 1)
#define FEED(r, lit) redisReaderFeed((r), (lit), sizeof(lit) - 1)

static void
test_shapes(void)
{
	struct reply_arena *a = reply_arena_create();
	redisReader *r = reply_arena_reader(a);
	redisReply *x;
	static const char nested[] =
	    "*4\r\n*2\r\n:1\r\n$3\r\nfoo\r\n*0\r\n*-1\r\n"
	    "*3\r\n$-1\r\n+OK\r\n*1\r\n*1\r\n-ERR deep\r\n";

	x = one(r, nested, sizeof nested - 1);
	ok(x != NULL && x->type == REDIS_REPLY_ARRAY && x->elements == 4,
	    "nested: a root array of 4");
	if (x != NULL) {
		redisReply *e0 = x->element[0], *e3 = x->element[3];

		ok(e0->type == REDIS_REPLY_ARRAY && e0->elements == 2 &&
		    e0->element[0]->type == REDIS_REPLY_INTEGER &&
		    e0->element[0]->integer == 1 &&
		    e0->element[1]->type == REDIS_REPLY_STRING &&
		    e0->element[1]->len == 3 && strcmp(e0->element[1]->str, "foo") == 0,
		    "nested: [1, \"foo\"]");
		ok(x->element[1]->type == REDIS_REPLY_ARRAY &&
		    x->element[1]->elements == 0 && x->element[1]->element == NULL,
		    "nested: an empty array has no element vector");
		ok(x->element[2]->type == REDIS_REPLY_NIL, "nested: *-1 is nil");
		ok(e3->elements == 3 && e3->element[0]->type == REDIS_REPLY_NIL &&
		    e3->element[1]->type == REDIS_REPLY_STATUS &&
		    strcmp(e3->element[1]->str, "OK") == 0 && e3->element[1]->len == 2,
		    "nested: $-1 is nil, +OK a status");
		ok(e3->element[2]->element[0]->element[0]->type == REDIS_REPLY_ERROR &&
		    strcmp(e3->element[2]->element[0]->element[0]->str, "ERR deep") == 0,
		    "nested: an error three levels down");
		is_int(live(a), 1, "one reply alive");
		r->fn->freeObject(x);
	}
	is_int(live(a), 0, "none alive once freed");

	x = ONE(r, ":-9223372036854775808\r\n");
	ok(x != NULL && x->type == REDIS_REPLY_INTEGER && x->integer == INT64_MIN &&
	    x->str == NULL && x->len == 0 && x->element == NULL,
	    "a root integer, other fields zero");
	r->fn->freeObject(x);
	x = ONE(r, "$-1\r\n");
	ok(x != NULL && x->type == REDIS_REPLY_NIL, "a root nil");
	r->fn->freeObject(x);
	x = ONE(r, "-WRONGTYPE no\r\n");
	ok(x != NULL && x->type == REDIS_REPLY_ERROR && x->len == 12 &&
	    strcmp(x->str, "WRONGTYPE no") == 0, "a root error");
	r->fn->freeObject(x);
	x = ONE(r, "$0\r\n\r\n");
	ok(x != NULL && x->type == REDIS_REPLY_STRING && x->len == 0 && x->str[0] == '\0',
	    "an empty bulk string");
	r->fn->freeObject(x);
	redisReaderFree(r);
	reply_arena_free(a);
}

static void
test_differential(void)
{
	struct reply_arena *a = reply_arena_create();
	struct buf b = { 0 };
	char err[128];
	static const size_t steps[] = { 1, 2, 3, 7, 64, 1000, 1 << 20 };
	int n;

	buf_fmt(&b, "+OK\r\n:42\r\n$-1\r\n*-1\r\n*0\r\n-ERR x\r\n");
	buf_xrange(&b, 3, 4);
	buf_fmt(&b, "*2\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*0\r\n:7\r\n");
	buf_fmt(&b, "*200\r\n");
	for (int i = 0; i < 200; i++)
		buf_fmt(&b, i % 3 == 0 ? ":%d\r\n" : i % 3 == 1 ? "$1\r\n%d\r\n" : "+%d\r\n",
		    i % 10);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		n = differ(a, b.p, b.len, steps[i], err, sizeof err);
		is_int(n, 9, "nine replies fed %zu byte(s) at a time, the same trees as hiredis's",
		    steps[i]);
		is_str(err, "", "no error fed %zu at a time", steps[i]);
	}
	is_int(live(a), 0, "every reply freed");
	free(b.p);
	reply_arena_free(a);
}

/* A small deterministic generator (xorshift). */
static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

/* A random reply, depth at most d. */
static void
buf_random(struct buf *b, uint64_t *st, int d)
{
	char s[300];
	size_t len;

	switch (rnd(st) % (d > 0 ? 7 : 5)) {
	case 0:
		buf_fmt(b, ":%lld\r\n", (long long)rnd(st));
		break;
	case 1:
		buf_fmt(b, rnd(st) % 2 ? "$-1\r\n" : "*-1\r\n");
		break;
	case 2:
		buf_fmt(b, "%cst%u\r\n", rnd(st) % 2 ? '+' : '-', (unsigned)(rnd(st) % 1000));
		break;
	case 3:
	case 4:
		len = rnd(st) % sizeof s;
		for (size_t i = 0; i < len; i++)
			s[i] = (char)rnd(st);
		buf_bulk(b, s, len);
		break;
	default: {
		int n = (int)(rnd(st) % (rnd(st) % 4 == 0 ? 300 : 8));

		buf_fmt(b, "*%d\r\n", n);
		for (int i = 0; i < n; i++)
			buf_random(b, st, d - 1);
	}
	}
}

/*
 * Random replies, cut at random places, some with a byte changed: the same
 * trees and the same errors as with hiredis's own functions.
 */
static void
test_random(void)
{
	struct reply_arena *a = reply_arena_create();
	struct buf b = { 0 };
	uint64_t st = 0x9e3779b97f4a7c15ull;
	int agree = 1, replies = 0, errors = 0;
	char err[128];

	for (int round = 0; round < 300; round++) {
		int n;

		b.len = 0;
		for (int k = (int)(rnd(&st) % 4) + 1; k > 0; k--)
			buf_random(&b, &st, 4);
		if (round % 5 == 4)
			b.p[rnd(&st) % b.len] = (char)rnd(&st);
		n = differ(a, b.p, b.len, (size_t)(rnd(&st) % 50) + 1, err, sizeof err);
		if (n < 0)
			agree = 0;
		else
			replies += n;
		if (err[0] != '\0')
			errors++;
	}
	ok(agree, "300 random feeds: the same trees and errors as hiredis's");
	ok(replies > 300 && errors > 0, "%d replies, %d feeds that failed", replies, errors);
	is_int(live(a), 0, "every reply freed");
	free(b.p);
	reply_arena_free(a);
}

static void
test_many_in_one_feed(void)
{
	struct reply_arena *a = reply_arena_create();
	redisReader *r = reply_arena_reader(a);
	static const char in[] = "+OK\r\n:1\r\n$3\r\nabc\r\n*1\r\n+x\r\n";
	void *x;
	int got = 0, kinds[4] = { REDIS_REPLY_STATUS, REDIS_REPLY_INTEGER,
		REDIS_REPLY_STRING, REDIS_REPLY_ARRAY }, order = 1;

	redisReaderFeed(r, in, sizeof in - 1);
	while (redisReaderGetReply(r, &x) == REDIS_OK && x != NULL) {
		if (got >= 4 || ((redisReply *)x)->type != kinds[got])
			order = 0;
		got++;
		r->fn->freeObject(x);
	}
	is_int(got, 4, "four replies out of one feed");
	ok(order, "in order");

	/* Two alive at once (a pipelined synchronous caller could do this). */
	redisReply *p, *q;

	FEED(r, "$5\r\nfirst\r\n$6\r\nsecond\r\n");
	redisReaderGetReply(r, (void **)&p);
	redisReaderGetReply(r, (void **)&q);
	is_int(live(a), 2, "two replies alive");
	ok(p != NULL && q != NULL && strcmp(p->str, "first") == 0 &&
	    strcmp(q->str, "second") == 0, "both intact");
	r->fn->freeObject(q);
	ok(strcmp(p->str, "first") == 0, "the first survives the second's free");
	r->fn->freeObject(p);
	is_int(live(a), 0, "none alive");
	redisReaderFree(r);
	reply_arena_free(a);
}

static void
test_errors(void)
{
	struct reply_arena *a = reply_arena_create();
	redisReader *r = reply_arena_reader(a);
	static const char bad[] = "*3\r\n:1\r\n$3\r\nabc\r\n!oops\r\n";
	struct buf b = { 0 };
	char err[128];
	void *x = NULL;

	redisReaderFeed(r, bad, 12);
	ok(redisReaderGetReply(r, &x) == REDIS_OK && x == NULL, "half a reply: none yet");
	is_int(live(a), 1, "the half-built root is alive");
	redisReaderFeed(r, bad + 12, sizeof bad - 1 - 12);
	ok(redisReaderGetReply(r, &x) == REDIS_ERR && x == NULL,
	    "a bad type byte mid-reply is an error");
	ok(strstr(r->errstr, "Protocol error") != NULL, "a protocol error (%s)", r->errstr);
	is_int(live(a), 0, "the reader freed the half-built reply");
	redisReaderFree(r);

	/* Torn down with a reply half read. */
	r = reply_arena_reader(a);
	FEED(r, "*2\r\n$3\r\nabc\r\n");
	redisReaderGetReply(r, &x);
	is_int(live(a), 1, "half a reply alive");
	redisReaderFree(r);
	is_int(live(a), 0, "freeing the reader frees it");

	/* Deeper than hiredis allows, and an array length out of range. */
	buf_fmt(&b, "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n");
	is_int(differ(a, b.p, b.len, 1, err, sizeof err), 0, "too deep: no reply");
	ok(strstr(err, "depth") != NULL, "too deep: %s", err);
	b.len = 0;
	buf_fmt(&b, "*1\r\n*2147483648\r\n");
	is_int(differ(a, b.p, b.len, 5, err, sizeof err), 0, "*2147483648: no reply");
	ok(strstr(err, "out of range") != NULL, "*2147483648: %s", err);
	b.len = 0;
	buf_fmt(&b, "*1\r\n:12x\r\n");
	is_int(differ(a, b.p, b.len, 3, err, sizeof err), 0, "a bad integer: no reply");
	is_int(live(a), 0, "nothing alive after the errors");
	free(b.p);
	reply_arena_free(a);
}

static void
test_hostile_sizes(void)
{
	struct reply_arena *a = reply_arena_create();
	redisReader *r = reply_arena_reader(a);
	struct reply_arena_stats st;
	struct buf b = { 0 };
	redisReply *x;
	void *y;
	size_t big = 10u << 20;
	char *s = xmalloc(big);

	/* Two billion elements declared, one sent: room for a few only. */
	FEED(r, "*2147483647\r\n*2147483647\r\n:1\r\n");
	ok(redisReaderGetReply(r, &y) == REDIS_OK && y == NULL,
	    "a huge array declared: no reply yet");
	reply_arena_stats(a, &st);
	ok(st.bytes <= 64 * 1024, "a huge array declared costs what was sent (%zu bytes held)",
	    st.bytes);
	redisReaderFree(r);
	is_int(live(a), 0, "torn down");

	/* A bulk string declared huge: hiredis waits for its bytes, we hold none. */
	r = reply_arena_reader(a);
	FEED(r, "$1000000000\r\nabc");
	ok(redisReaderGetReply(r, &y) == REDIS_OK && y == NULL, "a huge string declared: no reply");
	reply_arena_stats(a, &st);
	ok(st.bytes <= 64 * 1024, "a huge string declared costs nothing (%zu bytes held)",
	    st.bytes);
	redisReaderFree(r);

	/* A 10 MB string with every byte value, inside an array. */
	r = reply_arena_reader(a);
	for (size_t i = 0; i < big; i++)
		s[i] = (char)(i * 7 + i / 251);
	buf_fmt(&b, "*3\r\n:5\r\n");
	buf_bulk(&b, s, big);
	buf_fmt(&b, "+after\r\n");
	for (size_t off = 0; off < b.len; off += 65536)
		redisReaderFeed(r, b.p + off, b.len - off < 65536 ? b.len - off : 65536);
	x = NULL;
	redisReaderGetReply(r, (void **)&x);
	ok(x != NULL && x->elements == 3 && x->element[1]->len == big &&
	    memcmp(x->element[1]->str, s, big) == 0 && x->element[1]->str[big] == '\0' &&
	    strcmp(x->element[2]->str, "after") == 0,
	    "a 10 MB bulk string, byte for byte");
	if (x != NULL)
		r->fn->freeObject(x);
	reply_arena_stats(a, &st);
	ok(st.bytes <= REPLY_ARENA_KEEP, "after it, at most the keep bound is held (%zu)",
	    st.bytes);
	redisReaderFree(r);

	/* An array that grows past its first slots, 100k elements. */
	r = reply_arena_reader(a);
	b.len = 0;
	buf_fmt(&b, "*100000\r\n");
	for (int i = 0; i < 100000; i++)
		buf_fmt(&b, ":%d\r\n", i);
	x = one(r, b.p, b.len);
	int in_order = x != NULL && x->elements == 100000;

	for (size_t i = 0; in_order && i < x->elements; i++)
		in_order = x->element[i]->type == REDIS_REPLY_INTEGER &&
		    x->element[i]->integer == (long long)i;
	ok(in_order, "100k elements, all there in order");
	if (x != NULL)
		r->fn->freeObject(x);
	redisReaderFree(r);
	free(s);
	free(b.p);
	reply_arena_free(a);
}

static void
test_steady_state(void)
{
	struct reply_arena *a = reply_arena_create();
	redisReader *r = reply_arena_reader(a);
	struct reply_arena_stats st, st2;
	struct buf b = { 0 };
	redisReplyObjectFunctions *fn;
	redisReply *x;
	int good = 1;

	buf_xrange(&b, 1000, 8);
	for (int round = 0; round < 5; round++) {
		x = one(r, b.p, b.len);
		good = good && x != NULL && x->elements == 1000 &&
		    x->element[999]->element[1]->elements == 16 &&
		    strcmp(x->element[999]->element[1]->element[15]->str, "value-999-7") == 0;
		if (x != NULL)
			r->fn->freeObject(x);
		if (round == 1)
			reply_arena_stats(a, &st);
	}
	reply_arena_stats(a, &st2);
	ok(good, "five 1000-entry replies read right");
	is_int(st2.mallocs, st.mallocs, "no block allocated after the second reply");
	is_int(st2.blocks, 1, "one block kept between replies (%zu bytes)", st2.bytes);
	ok(st2.bytes <= REPLY_ARENA_KEEP, "within the keep bound");

	/* Let go of the arena with a reply alive: it goes with that reply. */
	x = one(r, b.p, b.len);
	fn = r->fn;
	redisReaderFree(r);
	reply_arena_free(a);
	ok(x != NULL && strcmp(x->element[0]->element[0]->str, "1700000000000-0") == 0,
	    "a reply outlives its arena's owner");
	if (x != NULL)
		fn->freeObject(x);
	free(b.p);
}

int
main(void)
{
	test_shapes();
	test_differential();
	test_random();
	test_many_in_one_feed();
	test_errors();
	test_hostile_sizes();
	test_steady_state();
	return tap_done();
}
