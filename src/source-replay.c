/* execmon - read events from a JSONL file written by `execmon record`. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "event.h"
#include "loop.h"
#include "replay-line.h"
#include "source-replay.h"
#include "xmalloc.h"

#define REPLAY_CHUNK (256 * 1024)

struct replay {
	int fd;
	int source;
	int is_file;           /* regular file: read on idle; else poll */
	uv_idle_t idle;
	uv_poll_t poll;
	int have_poll;
	struct sink sink;
	struct replay_lines lines;
	int eof;
};

static void
finish(struct replay *r)
{
	if (r->eof)
		return;
	r->eof = 1;
	replay_lines_finish(&r->lines);
	if (r->is_file)
		uv_idle_stop(&r->idle);
	else if (r->have_poll)
		uv_poll_stop(&r->poll);
	source_set_state(r->source, SRC_DONE, loop_now_ms());
	if (r->sink.caught_up != NULL)
		r->sink.caught_up(r->sink.ctx, r->source);
}

/* Read one chunk; returns 0 at end of input or error. */
static int
read_chunk(struct replay *r)
{
	char chunk[REPLAY_CHUNK];
	ssize_t n = read(r->fd, chunk, sizeof chunk);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		if (n < 0)
			source_set_error(r->source, "read: %s", strerror(errno));
		finish(r);
		return 0;
	}
	replay_lines_feed(&r->lines, chunk, (size_t)n);
	return 1;
}

static void
on_idle(uv_idle_t *h)
{
	struct replay *r = h->data;

	/* A few chunks a turn, so timers and input still get their share. */
	for (int i = 0; i < 8 && !r->eof; i++) {
		if (!read_chunk(r))
			break;
	}
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct replay *r = h->data;

	(void)events;
	if (status < 0) {
		finish(r);
		return;
	}
	read_chunk(r);
}

void
source_replay_set_map(struct replay *r, const struct evmap *map)
{
	r->lines.map = map;
}

struct replay *
source_replay_start(const char *path, const struct sink *sink, char *errstr,
    size_t errlen)
{
	struct replay *r;
	struct stat st;
	int fd;
	char name[600];

	if (strcmp(path, "-") == 0)
		fd = dup(0);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(errstr, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(errstr, errlen, "is a directory");
		close(fd);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->sink = *sink;
	snprintf(name, sizeof name, "replay:%s", path);
	r->source = sources_add("replay", name);
	source_set_state(r->source, SRC_BACKFILLING, loop_now_ms());
	replay_lines_init(&r->lines, r->source, sink);
	r->is_file = S_ISREG(st.st_mode);
	uv_idle_init(loop_uv(), &r->idle);
	r->idle.data = r;
	if (r->is_file) {
		uv_idle_start(&r->idle, on_idle);
	} else {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (uv_poll_init(loop_uv(), &r->poll, fd) == 0) {
			r->have_poll = 1;
			r->poll.data = r;
			uv_poll_start(&r->poll, UV_READABLE | UV_DISCONNECT, on_poll);
		} else {
			/* Not pollable: read it like a file. */
			r->is_file = 1;
			uv_idle_start(&r->idle, on_idle);
		}
	}
	return r;
}

/* Close callbacks run in the order the closes were asked: idle goes last. */
static void
closed(uv_handle_t *h)
{
	struct replay *r = h->data;

	replay_lines_done(&r->lines);
	close(r->fd);
	free(r);
}

void
source_replay_stop(struct replay *r)
{
	if (r == NULL)
		return;
	uv_idle_stop(&r->idle);
	if (r->have_poll) {
		uv_poll_stop(&r->poll);
		uv_close((uv_handle_t *)&r->poll, NULL);
	}
	uv_close((uv_handle_t *)&r->idle, closed);
}
