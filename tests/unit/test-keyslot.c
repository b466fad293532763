/* execmon - unit tests for the Redis Cluster slot of a key. */
#include "config.h"

#include <string.h>

#include "keyslot.h"
#include "tap.h"

static unsigned
slot(const char *key)
{
	return redis_keyslot(key, strlen(key));
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
	return tap_done();
}
