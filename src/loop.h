/* execmon - the one event loop (libuv): clock, signals, stop. */
#ifndef EXECMON_LOOP_H
#define EXECMON_LOOP_H

#include <stdint.h>

#include <uv.h>

void loop_init(void);
uv_loop_t *loop_uv(void);
/* Run until loop_stop(). Returns the exit status given to loop_stop(). */
int loop_run(void);
/* Ask the loop to end; every module's stop hook runs, then handles close. */
void loop_stop(int status);
int loop_stopping(void);
void loop_done(void);

/* Wall clock, epoch ms. */
int64_t loop_now_ms(void);

/* Called once when the loop stops (LIFO), to close handles. */
void loop_on_stop(void (*fn)(void *), void *arg);
/* Signal handlers on the loop (SIGINT/SIGTERM/SIGHUP default to loop_stop(0)). */
void loop_on_signal(int signum, void (*fn)(int signum, void *), void *arg);

#endif
