/* execmon - the registry of sources and their reported state. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "source.h"
#include "xmalloc.h"

static struct source_info **list;
static size_t count, cap;

int
sources_add(const char *kind, const char *name)
{
	struct source_info *s;

	if (count == cap) {
		cap = cap ? cap * 2 : 8;
		list = xreallocarray(list, cap, sizeof *list);
	}
	s = xcalloc(1, sizeof *s);
	s->name = xstrdup(name);
	s->kind = kind;
	s->gap_entries = 0;
	s->found_by = -1;
	list[count] = s;
	return (int)count++;
}


size_t
sources_count(void)
{
	return count;
}

struct source_info *
sources_get(int idx)
{
	if (idx < 0 || (size_t)idx >= count)
		return NULL;
	return list[idx];
}

void
sources_clear(void)
{
	for (size_t i = 0; i < count; i++) {
		free(list[i]->name);
		free(list[i]);
	}
	free(list);
	list = NULL;
	count = cap = 0;
}

void
source_set_state(int idx, enum source_state st, int64_t now_ms)
{
	struct source_info *s = sources_get(idx);

	if (s == NULL || s->state == st)
		return;
	log_msg(LOG_DEBUG, "%s: %s -> %s", s->name, source_state_name(s->state),
	    source_state_name(st));
	s->state = st;
	s->state_since_ms = now_ms;
	if (st == SRC_LIVE || st == SRC_BACKFILLING)
		s->error[0] = '\0';
}

/* Format into dst (size bytes), made safe for the terminal. */
static void set_text(char *, size_t, const char *, va_list)
	__attribute__((format(printf, 3, 0)));

static void
set_text(char *dst, size_t size, const char *fmt, va_list ap)
{
	char raw[256];

	vsnprintf(raw, sizeof raw, fmt, ap);
	event_sanitize(raw, dst, size, 0);
}

void
source_set_error(int idx, const char *fmt, ...)
{
	struct source_info *s = sources_get(idx);
	va_list ap;

	if (s == NULL)
		return;
	va_start(ap, fmt);
	set_text(s->error, sizeof s->error, fmt, ap);
	va_end(ap);
}

/* Set the standing condition shown beside the state ("" clears it). */
void
source_set_note(int idx, const char *fmt, ...)
{
	struct source_info *s = sources_get(idx);
	va_list ap;

	if (s == NULL)
		return;
	va_start(ap, fmt);
	set_text(s->note, sizeof s->note, fmt, ap);
	va_end(ap);
}

void
source_count_malformed(int idx, enum event_malformed why)
{
	struct source_info *s = sources_get(idx);

	if (s == NULL || why <= MAL_NONE || why >= MAL__COUNT)
		return;
	s->malformed[why]++;
	s->malformed_total++;
}

const char *
source_state_name(enum source_state st)
{
	static const char *const names[SRC__COUNT] = {
		[SRC_IDLE] = "idle",
		[SRC_CONNECTING] = "connecting",
		[SRC_BACKFILLING] = "backfilling",
		[SRC_LIVE] = "live",
		[SRC_RETRYING] = "retrying",
		[SRC_DONE] = "done",
		[SRC_GONE] = "gone",
		[SRC_ERROR] = "error",
		[SRC_DUPLICATE] = "duplicate",
	};

	if (st < 0 || st >= SRC__COUNT)
		return "?";
	return names[st];
}

void
sink_notice(const struct sink *sink, int source, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (sink->notice == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sink->notice(sink->ctx, source, msg);
}
