/* execmon - the program's own log: stderr when headless, a ring under the TUI. */
#ifndef EXECMON_LOG_H
#define EXECMON_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* When quiet, messages go only to the ring (the TUI owns the terminal). */
void log_set_stderr(int on);
void log_set_level(enum log_level);
void log_msg(enum log_level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * The n-th newest message (0 = newest) of the last 64, or NULL; when it was
 * logged (epoch ms) and at which level, if asked. The dashboard's messages
 * view (L) reads them.
 */
const char *log_recent(size_t n, int64_t *when_ms, enum log_level *level);

#endif
