/* execmon - the one event loop (libuv): clock, signals, stop. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>

#include "loop.h"
#include "xmalloc.h"

#define LOOP_MAX_HOOKS 32

struct hook {
	void (*fn)(void *);
	void *arg;
};

struct sig {
	uv_signal_t h;
	void (*fn)(int, void *);
	void *arg;
};

static uv_loop_t loop;
static struct hook hooks[LOOP_MAX_HOOKS];
static int nhooks;
static struct sig *sigs[8];
static int nsigs;
static int stopping;
static int exit_status;

static void
default_signal(int signum, void *arg)
{
	(void)signum;
	(void)arg;
	loop_stop(0);
}

static void
signal_cb(uv_signal_t *h, int signum)
{
	struct sig *s = h->data;

	s->fn(signum, s->arg);
}

void
loop_init(void)
{
	uv_loop_init(&loop);
	stopping = 0; /* the dashboard runs the loop again after a reload */
	exit_status = 0;
	loop_on_signal(SIGINT, default_signal, NULL);
	loop_on_signal(SIGTERM, default_signal, NULL);
	loop_on_signal(SIGHUP, default_signal, NULL);
	/* a reader gone, a file over its size limit: write errors, told in words */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

uv_loop_t *
loop_uv(void)
{
	return &loop;
}

void
loop_on_signal(int signum, void (*fn)(int, void *), void *arg)
{
	struct sig *s;

	for (int i = 0; i < nsigs; i++) {
		if (sigs[i]->h.signum == signum) {
			sigs[i]->fn = fn;
			sigs[i]->arg = arg;
			return;
		}
	}
	if (nsigs == (int)(sizeof sigs / sizeof sigs[0]))
		abort();
	s = xcalloc(1, sizeof *s);
	s->fn = fn;
	s->arg = arg;
	uv_signal_init(&loop, &s->h);
	s->h.data = s;
	uv_signal_start(&s->h, signal_cb, signum);
	uv_unref((uv_handle_t *)&s->h);
	sigs[nsigs++] = s;
}

void
loop_on_stop(void (*fn)(void *), void *arg)
{
	if (nhooks == LOOP_MAX_HOOKS)
		abort();
	hooks[nhooks].fn = fn;
	hooks[nhooks].arg = arg;
	nhooks++;
}

static void
close_free(uv_handle_t *h)
{
	free(h->data);
}

void
loop_stop(int status)
{
	if (stopping)
		return;
	stopping = 1;
	exit_status = status;
	while (nhooks > 0) {
		nhooks--;
		hooks[nhooks].fn(hooks[nhooks].arg);
	}
	for (int i = 0; i < nsigs; i++) {
		uv_signal_stop(&sigs[i]->h);
		uv_close((uv_handle_t *)&sigs[i]->h, close_free);
	}
	nsigs = 0;
}

int
loop_stopping(void)
{
	return stopping;
}

int
loop_run(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
	return exit_status;
}

static void
walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void
loop_done(void)
{
	/* Anything still open after the stop hooks: close and drain. */
	uv_walk(&loop, walk_close, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

int64_t
loop_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}
