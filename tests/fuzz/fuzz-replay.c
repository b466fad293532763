/* execmon - fuzz replay files: line splitting over any chunking, and line decoding. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"
#include "replay-line.h"
#include "source.h"

static uint64_t delivered;

static void
on_event(void *ctx, struct event *ev)
{
	(void)ctx;
	FUZZ_CHECK(sources_get(ev->source) != NULL, "event from source %d",
	    ev->source);
	fuzz_check_event(ev);
	delivered++;
}

/* The lines the splitter must report: decoded, malformed or too long. */
static uint64_t
expected_lines(const char *p, size_t n, size_t max)
{
	const char *end = p + n, *nl;
	uint64_t count = 0;
	size_t len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > max)
			count++;
		else {
			while (len > 0 && (p[len - 1] == '\r' ||
			    p[len - 1] == ' '))
				len--;
			if (len > 0)
				count++;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return count;
}

/*
 * The input: a byte for the longest line (0 = REPLAY_LINE_MAX, else that
 * many bytes times 4), a byte seeding the chunk sizes, then the file. Every
 * line must be counted once, as an event of some source or as malformed,
 * whatever the chunking, and every event must be well formed.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink sink = { on_event, NULL, NULL, NULL };
	struct replay_lines rl;
	const char *p, *end;
	uint64_t total = 0, events = 0;
	uint32_t seed;
	size_t max, step, i;
	int src;

	if (size < 2)
		return 0;
	max = data[0] == 0 ? REPLAY_LINE_MAX : (size_t)data[0] * 4;
	seed = data[1] * 2654435761u + 1;
	p = (const char *)data + 2;
	end = (const char *)data + size;

	delivered = 0;
	src = sources_add("replay", "replay:fuzz");
	replay_lines_init(&rl, src, &sink);
	rl.max = max;
	while (p < end) {
		seed = seed * 1103515245u + 12345u;
		step = 1 + (seed >> 16) % 97;
		if (step > (size_t)(end - p))
			step = (size_t)(end - p);
		replay_lines_feed(&rl, p, step);
		p += step;
	}
	replay_lines_finish(&rl);
	replay_lines_done(&rl);

	for (i = 0; i < sources_count(); i++) {
		events += sources_get((int)i)->events;
		total += sources_get((int)i)->events +
		    sources_get((int)i)->malformed_total;
	}
	FUZZ_CHECK(sources_count() <= REPLAY_SOURCES_MAX + 1,
	    "%zu sources", sources_count());
	FUZZ_CHECK(events == delivered, "%llu counted, %llu delivered",
	    (unsigned long long)events, (unsigned long long)delivered);
	FUZZ_CHECK(total == expected_lines((const char *)data + 2, size - 2,
	    max), "%llu lines counted, %llu expected",
	    (unsigned long long)total, (unsigned long long)expected_lines(
	    (const char *)data + 2, size - 2, max));
	sources_clear();
	return 0;
}
