/* execmon bench - the limit: a bare hiredis reader that drains a stream with XREAD COUNT 1000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

/*
 * Usage: bare-reader HOST PORT STREAM
 * Reads every entry from the start with XREAD COUNT 1000 (no BLOCK), touches
 * every field and value byte (a checksum), prints "entries seconds checksum".
 */
int
main(int argc, char **argv)
{
	redisContext *c;
	char last[64] = "0-0";
	unsigned long long entries = 0, sum = 0;
	struct timespec t0, t1;

	if (argc != 4) {
		fprintf(stderr, "usage: bare-reader HOST PORT STREAM\n");
		return 2;
	}
	c = redisConnect(argv[1], atoi(argv[2]));
	if (c == NULL || c->err) {
		fprintf(stderr, "bare-reader: %s\n", c ? c->errstr : "out of memory");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		redisReply *r = redisCommand(c, "XREAD COUNT 1000 STREAMS %s %s", argv[3], last);
		redisReply *entries_r;

		if (r == NULL) {
			fprintf(stderr, "bare-reader: %s\n", c->errstr);
			return 1;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
			freeReplyObject(r);
			break;
		}
		entries_r = r->element[0]->element[1];
		for (size_t i = 0; i < entries_r->elements; i++) {
			redisReply *e = entries_r->element[i], *f = e->element[1];

			for (size_t k = 0; k < f->elements; k++) {
				const unsigned char *p = (const unsigned char *)f->element[k]->str;

				for (size_t b = 0; b < f->element[k]->len; b++)
					sum += p[b];
			}
			entries++;
			if (i + 1 == entries_r->elements)
				snprintf(last, sizeof last, "%s", e->element[0]->str);
		}
		freeReplyObject(r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%llu %.6f %llu\n", entries,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, sum);
	redisFree(c);
	return 0;
}
