/* execmon - the Redis Cluster slot of a key. */
#ifndef EXECMON_KEYSLOT_H
#define EXECMON_KEYSLOT_H

#include <stddef.h>

#define REDIS_SLOTS 16384

/*
 * The slot of a key, as Redis Cluster computes it: CRC-16/XMODEM of the key,
 * or of its hash tag (what is between the first '{' and the first '}' after
 * it, when that is not empty), modulo 16384.
 */
unsigned redis_keyslot(const char *key, size_t len);

#endif
