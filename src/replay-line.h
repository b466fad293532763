/* execmon - replay files without I/O: split bytes into lines, decode each line. */
#ifndef EXECMON_REPLAY_LINE_H
#define EXECMON_REPLAY_LINE_H

#include <stddef.h>

#include "source.h"

/* Largest accepted line, bytes; longer lines are counted as too_large. */
#define REPLAY_LINE_MAX (16 * 1024 * 1024)
/*
 * Most sources a replay may name in "_source"; lines naming more are
 * counted under the replay itself.
 */
#define REPLAY_SOURCES_MAX 1024

/* Splits bytes, fed in chunks of any size, into lines. */
struct replay_lines {
	int source;            /* the replay's own source */
	struct sink sink;
	size_t max;            /* longest line (REPLAY_LINE_MAX) */
	char *buf;             /* the unfinished line, when it spans chunks */
	size_t len, cap;
	int skipping;          /* inside a line over max */
	const struct evmap *map; /* each line's map (evmap.h); NULL = native */
};

void replay_lines_init(struct replay_lines *, int source, const struct sink *);
void replay_lines_done(struct replay_lines *);
/* Decode every complete line in data; keep the unfinished tail. */
void replay_lines_feed(struct replay_lines *, const char *data, size_t n);
/* At end of input: decode a last line that has no newline. */
void replay_lines_finish(struct replay_lines *);

/*
 * Decode one line (without its newline): a JSON object as written by
 * `execmon record`, or a plain event object. A well-formed event goes to the
 * sink and counts for its "_source" (or for source); a bad line is counted
 * as malformed. Blank lines are skipped.
 */
void replay_line_decode(int source, const char *line, size_t len,
    const struct sink *);
struct evmap;
/* The same, each line's object going through map (NULL = native). */
void replay_line_decode_map(int source, const char *line, size_t len,
    const struct sink *, const struct evmap *map);

#endif
