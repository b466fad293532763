/* execmon - attach a hiredis async context to the libuv loop. */
#ifndef EXECMON_REDIS_UV_H
#define EXECMON_REDIS_UV_H

#include <hiredis/async.h>
#include <uv.h>

/*
 * Unlike the adapter shipped with hiredis 0.14, poll errors are passed on to
 * hiredis as readiness, so a failed connect or a reset reaches its callbacks.
 */
int redis_uv_attach(redisAsyncContext *, uv_loop_t *);

#endif
