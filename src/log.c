/* execmon - the program's own log: stderr when headless, a ring under the TUI. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "event.h"
#include "log.h"

#define LOG_RING 64
#define LOG_LINE 320

static char ring[LOG_RING][LOG_LINE];
static int64_t ring_ms[LOG_RING];
static enum log_level ring_level[LOG_RING];
static uint64_t total;
static int to_stderr = 1;
static enum log_level level = LOG_INFO;

void
log_set_stderr(int on)
{
	to_stderr = on;
}

void
log_set_level(enum log_level l)
{
	level = l;
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	char raw[LOG_LINE];
	char *slot;
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	slot = ring[total % LOG_RING];
	event_sanitize(raw, slot, LOG_LINE, 0);
	{
		struct timeval tv;

		gettimeofday(&tv, NULL);
		ring_ms[total % LOG_RING] = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
		ring_level[total % LOG_RING] = l;
	}
	total++;
	if (to_stderr)
		fprintf(stderr, "execmon: %s\n", slot);
}

const char *
log_recent(size_t n, int64_t *when_ms, enum log_level *level_out)
{
	if (n >= total || n >= LOG_RING)
		return NULL;
	if (when_ms != NULL)
		*when_ms = ring_ms[(total - 1 - n) % LOG_RING];
	if (level_out != NULL)
		*level_out = ring_level[(total - 1 - n) % LOG_RING];
	return ring[(total - 1 - n) % LOG_RING];
}

