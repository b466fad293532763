/* execmon - attach a hiredis async context to the libuv loop. */
#include "config.h"

#include <stdlib.h>

#include "redis-uv.h"
#include "xmalloc.h"

struct redis_uv {
	redisAsyncContext *ac;
	uv_poll_t poll;
	int events;
};

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct redis_uv *r = h->data;
	redisAsyncContext *ac = r->ac;

	if (ac == NULL)
		return;
	/* An error on the socket: let hiredis read it and fail the context. */
	if (status < 0)
		events = r->events != 0 ? r->events : UV_READABLE;
	if ((events & UV_READABLE) && r->ac != NULL)
		redisAsyncHandleRead(ac);
	if ((events & UV_WRITABLE) && r->ac != NULL)
		redisAsyncHandleWrite(ac);
}

static void
update(struct redis_uv *r, int events)
{
	if (events == r->events)
		return;
	r->events = events;
	if (events != 0)
		uv_poll_start(&r->poll, events, on_poll);
	else
		uv_poll_stop(&r->poll);
}

static void
add_read(void *p)
{
	struct redis_uv *r = p;

	update(r, r->events | UV_READABLE);
}

static void
del_read(void *p)
{
	struct redis_uv *r = p;

	update(r, r->events & ~UV_READABLE);
}

static void
add_write(void *p)
{
	struct redis_uv *r = p;

	update(r, r->events | UV_WRITABLE);
}

static void
del_write(void *p)
{
	struct redis_uv *r = p;

	update(r, r->events & ~UV_WRITABLE);
}

static void
on_close(uv_handle_t *h)
{
	free(h->data);
}

static void
cleanup(void *p)
{
	struct redis_uv *r = p;

	r->ac = NULL;
	uv_poll_stop(&r->poll);
	uv_close((uv_handle_t *)&r->poll, on_close);
}

int
redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
	struct redis_uv *r;

	if (ac->ev.data != NULL)
		return REDIS_ERR;
	r = xcalloc(1, sizeof *r);
	if (uv_poll_init(loop, &r->poll, ac->c.fd) != 0) {
		free(r);
		return REDIS_ERR;
	}
	r->ac = ac;
	r->poll.data = r;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	ac->ev.data = r;
	return REDIS_OK;
}
