/* execmon - --alert-exec: run a command per alert transition, off the loop's back. */
#ifndef EXECMON_ALERT_EXEC_H
#define EXECMON_ALERT_EXEC_H

#include <stdint.h>

/* Commands waiting for a free slot; past this the oldest waiting one is dropped. */
#define ALERT_EXEC_QUEUE_MAX 64

struct alert_exec;

/*
 * cmd runs through /bin/sh -c in its own process group, at most max at
 * once, each killed (the whole group) after timeout_ms. to_stderr: the
 * command's stdout and stderr go to ours (headless); else to /dev/null
 * (the dashboard owns the terminal). Needs the loop (loop_init) running.
 */
struct alert_exec *alert_exec_create(const char *cmd, int64_t timeout_ms, int max,
    int to_stderr);
/* Run the command for one transition: json on its stdin, the three variables set. */
void alert_exec_run(struct alert_exec *, const char *name, const char *state,
    const char *severity, const char *json);
/* Kill what still runs and drop what waits (at loop stop); frees once all is closed. */
void alert_exec_free(struct alert_exec *);

#endif
