/* execmon - replay files without I/O: split bytes into lines, decode each line. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "evmap.h"
#include "replay-line.h"
#include "xmalloc.h"

/* The source kind a recorded "_source" name stands for. */
static const char *
kind_of(const char *name)
{
	if (strncmp(name, "redis://", 8) == 0 || strncmp(name, "unix://", 7) == 0)
		return "redis";
	if (strncmp(name, "ws://", 5) == 0 || strncmp(name, "wss://", 6) == 0)
		return "ws";
	if (strncmp(name, "bullmq:", 7) == 0)
		return "bullmq";
	return "replay";
}

/*
 * The source named by a line's "_source": found, or added while there are
 * fewer than REPLAY_SOURCES_MAX, else the replay's own.
 */
static int
line_source(int source, const char *name)
{
	size_t i, n = sources_count();

	for (i = 0; i < n; i++) {
		if (strcmp(sources_get((int)i)->name, name) == 0)
			return (int)i;
	}
	if (n >= REPLAY_SOURCES_MAX)
		return source;
	return sources_add(kind_of(name), name);
}

void
replay_line_decode(int source, const char *line, size_t len,
    const struct sink *sink)
{
	replay_line_decode_map(source, line, len, sink, NULL);
}

void
replay_line_decode_map(int source, const char *line, size_t len,
    const struct sink *sink, const struct evmap *map)
{
	char text[512];
	struct source_info *si;
	enum event_malformed why;
	json_t *obj, *jsrc, *jid;
	struct event ev;
	const char *id = NULL;
	int64_t id_ms = -1;
	int src = source;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return;
	why = event_json_parse_max(line, len, REPLAY_LINE_MAX, &obj);
	if (why == MAL_NONE && !json_is_object(obj))
		why = MAL_BAD_JSON;
	if (why != MAL_NONE) {
		json_decref(obj);
		source_count_malformed(source, why);
		return;
	}
	jsrc = json_object_get(obj, "_source");
	jid = json_object_get(obj, "_id");
	if (json_is_string(jsrc))
		src = line_source(source, json_string_value(jsrc));
	if (json_is_string(jid)) {
		id = json_string_value(jid);
		id_ms = event_id_ms(id);
	}
	why = evmap_decode_json(map, &ev, obj, id_ms, text, sizeof text);
	if (why != MAL_NONE) {
		source_count_malformed(src, why);
		if (text[0] != '\0' && sources_get(src)->malformed_total <= 3)
			sink_notice(sink, src, "%s: %s", sources_get(src)->name, text);
		json_decref(obj);
		return;
	}
	si = sources_get(src);
	si->events++;
	if (ev.ts_ms > si->last_event_ms)
		si->last_event_ms = ev.ts_ms;
	if (src != source && ev.ts_ms > sources_get(source)->read_event_ms)
		sources_get(source)->read_event_ms = ev.ts_ms;
	ev.source = src;
	if (id != NULL && json_is_string(jsrc))
		ev.entry_id = xstrdup(id);
	json_decref(obj);
	sink->event(sink->ctx, &ev);
	event_done(&ev);
}

void
replay_lines_init(struct replay_lines *rl, int source, const struct sink *sink)
{
	memset(rl, 0, sizeof *rl);
	rl->source = source;
	rl->sink = *sink;
	rl->max = REPLAY_LINE_MAX;
}

void
replay_lines_done(struct replay_lines *rl)
{
	free(rl->buf);
	rl->buf = NULL;
	rl->len = rl->cap = 0;
}

void
replay_lines_feed(struct replay_lines *rl, const char *data, size_t n)
{
	const char *p = data, *end = data + n, *nl;
	size_t take;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		take = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (!rl->skipping) {
			if (take > rl->max - rl->len) {
				source_count_malformed(rl->source,
				    MAL_TOO_LARGE);
				rl->skipping = 1;
				rl->len = 0;
			} else if (nl != NULL && rl->len == 0) {
				/* A whole line in the chunk: no copy. */
				replay_line_decode_map(rl->source, p, take,
				    &rl->sink, rl->map);
			} else {
				if (rl->len + take > rl->cap) {
					rl->cap = (rl->len + take) * 2;
					rl->buf = xrealloc(rl->buf, rl->cap);
				}
				memcpy(rl->buf + rl->len, p, take);
				rl->len += take;
				if (nl != NULL) {
					replay_line_decode_map(rl->source, rl->buf,
					    rl->len, &rl->sink, rl->map);
					rl->len = 0;
				}
			}
		}
		if (nl == NULL)
			break;
		rl->skipping = 0;
		p = nl + 1;
	}
}

void
replay_lines_finish(struct replay_lines *rl)
{
	if (rl->len > 0 && !rl->skipping)
		replay_line_decode_map(rl->source, rl->buf, rl->len, &rl->sink, rl->map);
	rl->len = 0;
	rl->skipping = 0;
}
