/* execmon - the Redis Cluster slot of a key. */
#include "config.h"

#include "keyslot.h"

unsigned
redis_keyslot(const char *key, size_t len)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t s, e;
	unsigned crc = 0;

	/* A {tag} with something in it: only the tag is hashed. */
	for (s = 0; s < len && key[s] != '{'; s++)
		;
	if (s < len) {
		for (e = s + 1; e < len && key[e] != '}'; e++)
			;
		if (e < len && e > s + 1) {
			p += s + 1;
			len = e - s - 1;
		}
	}
	/* CRC-16/XMODEM: polynomial 0x1021, initial value 0. */
	for (size_t i = 0; i < len; i++) {
		crc ^= (unsigned)p[i] << 8;
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
		crc &= 0xffff;
	}
	return crc % REDIS_SLOTS;
}
