/* execmon - fuzz what Redis Cluster nodes send: CLUSTER SLOTS and redirections. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "fuzz.h"
#include "slotmap.h"

/*
 * The input is RESP as a server would send it, read with hiredis's reader.
 * Every reply is taken as CLUSTER SLOTS (an array) or as a MOVED/ASK error,
 * as execmon takes them. Properties: a map built from anything names only
 * numeric addresses with ports in range, every slot's owner is a node of
 * the map; a redirection that parses has a slot in range, a printable
 * address and a port in range; MOVED applied to the map is what the map
 * then says.
 */
/*
 * hiredis's own reply functions, used here, allocate an array's elements up
 * front: "*1092210922" would ask for 8 GB. execmon's reader builds replies in
 * the reply arena (reply-arena.c), which grows an array as its elements
 * arrive, so such a header costs it nothing; inputs that announce more than
 * a million elements are skipped here rather than measured against the
 * fuzzer's memory limit.
 */
static int
announces_huge(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned long long v = 0;
		size_t j;

		if (data[i] != '*' && data[i] != '$' && data[i] != '%' && data[i] != '~')
			continue;
		for (j = i + 1; j < size && data[j] >= '0' && data[j] <= '9' && v < (1ULL << 40); j++)
			v = v * 10 + (data[j] - '0');
		if (v > (1u << 20))
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *rd;
	struct slotmap map;
	void *reply;
	int n = 0;

	if (announces_huge(data, size))
		return 0;
	rd = redisReaderCreate();
	slotmap_init(&map);
	if (redisReaderFeed(rd, (const char *)data, size) != REDIS_OK)
		goto out;
	while (n++ < 64 && redisReaderGetReply(rd, &reply) == REDIS_OK &&
	    reply != NULL) {
		redisReply *r = reply;

		if (r->type == REDIS_REPLY_ARRAY) {
			slotmap_load(&map, r, "127.0.0.1");
			for (int i = 0; i < map.nnodes; i++) {
				unsigned char a[16];

				FUZZ_CHECK(inet_pton(AF_INET, map.nodes[i].ip, a) == 1 ||
				    inet_pton(AF_INET6, map.nodes[i].ip, a) == 1,
				    "node %d address '%s'", i, map.nodes[i].ip);
				FUZZ_CHECK(map.nodes[i].port >= 1 && map.nodes[i].port <= 65535,
				    "node %d port %d", i, map.nodes[i].port);
			}
			FUZZ_CHECK(map.nnodes <= MAX_NODES, "%d nodes", map.nnodes);
			for (unsigned s = 0; s < REDIS_SLOTS; s++)
				FUZZ_CHECK(map.owner[s] == 0xffff || map.owner[s] < map.nnodes,
				    "slot %u names node %u of %d", s, map.owner[s], map.nnodes);
			{
				/* The masters a discovery pass asks: each once, each slot's own. */
				static uint16_t at[REDIS_SLOTS];
				struct slotnode *m;
				int nm = slotmap_serving(&map, &m, at);

				FUZZ_CHECK(nm >= 0 && nm <= map.nnodes, "%d masters of %d nodes",
				    nm, map.nnodes);
				for (unsigned s = 0; s < REDIS_SLOTS; s++) {
					int op = 0;
					const char *o = slotmap_owner(&map, s, &op);

					FUZZ_CHECK(o == NULL ? at[s] == 0xffff : at[s] < nm &&
					    strcmp(m[at[s]].ip, o) == 0 && m[at[s]].port == op,
					    "slot %u: serving list disagrees with its owner", s);
				}
				for (int i = 0; i < nm; i++)
					for (int j = i + 1; j < nm; j++)
						FUZZ_CHECK(m[i].port != m[j].port ||
						    strcmp(m[i].ip, m[j].ip) != 0, "master %d twice", i);
				free(m);
			}
		} else if (r->type == REDIS_REPLY_ERROR) {
			char ip[46];
			unsigned slot;
			int ask, port;

			if (redis_parse_redirect(r->str, r->len, &ask, &slot, ip, sizeof ip,
			    &port) == 0) {
				const char *o;
				int op = 0;

				FUZZ_CHECK(slot < REDIS_SLOTS, "slot %u", slot);
				FUZZ_CHECK(port >= 1 && port <= 65535, "port %d", port);
				{
					unsigned char a[16];

					FUZZ_CHECK(inet_pton(AF_INET, ip, a) == 1 ||
					    inet_pton(AF_INET6, ip, a) == 1, "address '%s'", ip);
				}
				slotmap_moved(&map, slot, ip, port);
				o = slotmap_owner(&map, slot, &op);
				FUZZ_CHECK(map.nnodes == MAX_NODES ||
				    (o != NULL && strcmp(o, ip) == 0 && op == port),
				    "MOVED %u %s:%d not taken", slot, ip, port);
			}
		}
		freeReplyObject(reply);
	}
out:
	slotmap_done(&map);
	redisReaderFree(rd);
	return 0;
}
