/* execmon - unit tests for the Redis Cluster slot of a key, and the masters of a slot map. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "keyslot.h"
#include "slotmap.h"
#include "tap.h"

static unsigned
slot(const char *key)
{
	return redis_keyslot(key, strlen(key));
}

/* A reply read from RESP text, as a server would send it. */
static redisReply *
reply_of(const char *resp)
{
	redisReader *rd = redisReaderCreate();
	void *r = NULL;

	redisReaderFeed(rd, resp, strlen(resp));
	if (redisReaderGetReply(rd, &r) != REDIS_OK)
		r = NULL;
	redisReaderFree(rd);
	return r;
}

/* The masters a pass over the cluster asks: those serving a slot, once each. */
static void
serving(void)
{
	/* 0-99 and 200-299 on :7000 (replica :7003), 100-199 on :7001, the rest on none. */
	redisReply *r = reply_of("*3\r\n"
	    "*4\r\n:0\r\n:99\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n"
	    "*2\r\n$9\r\n127.0.0.1\r\n:7003\r\n"
	    "*3\r\n:100\r\n:199\r\n*2\r\n$0\r\n\r\n:7001\r\n"
	    "*3\r\n:200\r\n:299\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n");
	struct slotmap m;
	struct slotnode *nodes;
	static uint16_t at[REDIS_SLOTS];
	int n;

	slotmap_init(&m);
	ok(r != NULL && slotmap_load(&m, r, "10.0.0.9") == 0, "a CLUSTER SLOTS reply loads");
	n = slotmap_serving(&m, &nodes, at);
	is_int(n, 2, "two nodes serve slots (the replica serves none)");
	ok(n == 2 && nodes[0].port == 7000 && nodes[1].port == 7001 &&
	    strcmp(nodes[1].ip, "10.0.0.9") == 0,
	    "each once, in slot order; an empty address is the node asked");
	ok(at[0] == 0 && at[99] == 0 && at[100] == 1 && at[250] == 0,
	    "each slot names its master");
	ok(at[300] == 0xffff && at[REDIS_SLOTS - 1] == 0xffff, "a slot nobody serves: none");
	free(nodes);
	slotmap_moved(&m, 5000, "127.0.0.1", 7002);
	n = slotmap_serving(&m, &nodes, NULL);
	ok(n == 3 && nodes[2].port == 7002, "a MOVED names a new master");
	free(nodes);
	slotmap_done(&m);
	n = slotmap_serving(&m, &nodes, at);
	ok(n == 0 && nodes == NULL && at[0] == 0xffff, "an empty map: no master");
	freeReplyObject(r);
}

int
main(void)
{
	/* CRC-16/XMODEM's check value: 0x31c3 for "123456789". */
	is_int(slot("123456789"), 0x31c3 % 16384, "the CRC-16/XMODEM check value");
	/* What CLUSTER KEYSLOT answers (redis-server 7.0). */
	is_int(slot("foo"), 12182, "foo");
	is_int(slot("a"), 15495, "a");
	is_int(slot("bull"), 9263, "bull");
	is_int(slot(""), 0, "the empty key");
	/* Hash tags, as the cluster specification describes them. */
	is_int(slot("{user1000}.following"), slot("user1000"), "{tag}: only the tag");
	is_int(slot("{bull}:q1:events"), slot("{bull}:q2:meta"),
	    "BullMQ keys under {bull} share a slot");
	ok(slot("foo{}{bar}") != slot("bar") && slot("foo{}{bar}") != slot(""),
	    "an empty {} hashes the whole key, not the second tag");
	is_int(slot("foo{{bar}}zap"), slot("{bar"), "the tag ends at the first }");
	is_int(slot("foo{bar}{zap}"), slot("bar"), "only the first tag");
	ok(slot("foo{bar") != slot("bar"), "no closing brace: the whole key");
	{
		const char key[] = { 'a', '\0', 'b' };

		ok(redis_keyslot(key, 3) != redis_keyslot(key, 1),
		    "bytes after a NUL count");
	}
	for (int i = 0; i < 1000; i++) {
		char k[32];

		snprintf(k, sizeof k, "key:%d", i);
		if (slot(k) >= REDIS_SLOTS) {
			ok(0, "slot of %s in range", k);
			break;
		}
	}
	ok(1, "every slot in range");
	serving();
	return tap_done();
}
