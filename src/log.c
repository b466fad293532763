/* execmon - the program's own log: stderr when headless, a ring under the TUI. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "log.h"

#define LOG_RING 64
#define LOG_LINE 320

static char ring[LOG_RING][LOG_LINE];
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
	total++;
	if (to_stderr)
		fprintf(stderr, "execmon: %s\n", slot);
}

const char *
log_recent(size_t n)
{
	if (n >= total || n >= LOG_RING)
		return NULL;
	return ring[(total - 1 - n) % LOG_RING];
}

uint64_t
log_count(void)
{
	return total;
}
