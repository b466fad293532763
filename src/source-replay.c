/* execmon - read events from a JSONL file written by `execmon record`. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "event.h"
#include "loop.h"
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
	char *buf;             /* partial line */
	size_t len, cap;
	int skipping;          /* inside a line over REPLAY_LINE_MAX */
	int eof;
};

static const char *
kind_of(const char *name)
{
	if (strncmp(name, "redis://", 8) == 0 || strncmp(name, "unix://", 7) == 0)
		return "redis";
	if (strncmp(name, "ws://", 5) == 0 || strncmp(name, "wss://", 6) == 0)
		return "ws";
	if (strncmp(name, "bullmq:", 7) == 0)
		return "bullmq";
	return "replay";
}

void
source_replay_line(int source, const char *line, size_t len, const struct sink *sink)
{
	json_t *obj, *jsrc, *jid;
	json_error_t jerr;
	struct event ev;
	enum event_malformed why;
	int src = source;
	const char *id = NULL;
	int64_t id_ms = -1;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return;
	obj = json_loadb(line, len, 0, &jerr);
	if (obj == NULL || !json_is_object(obj)) {
		json_decref(obj);
		source_count_malformed(source, MAL_BAD_JSON);
		return;
	}
	jsrc = json_object_get(obj, "_source");
	jid = json_object_get(obj, "_id");
	if (json_is_string(jsrc))
		src = sources_intern(kind_of(json_string_value(jsrc)),
		    json_string_value(jsrc));
	if (json_is_string(jid)) {
		id = json_string_value(jid);
		id_ms = event_id_ms(id);
	}
	event_init(&ev);
	why = event_decode_json(&ev, obj, id_ms);
	if (why != MAL_NONE) {
		source_count_malformed(src, why);
		json_decref(obj);
		return;
	}
	sources_get(src)->events++;
	if (ev.ts_ms > sources_get(src)->last_event_ms)
		sources_get(src)->last_event_ms = ev.ts_ms;
	ev.source = src;
	if (id != NULL && json_is_string(jsrc))
		ev.entry_id = xstrdup(id);
	json_decref(obj);
	sink->event(sink->ctx, &ev);
	event_done(&ev);
}

/* Split buffered bytes into lines; keep the unfinished tail. */
static void
feed(struct replay *r, const char *data, size_t n)
{
	const char *p = data, *end = data + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t take = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (!r->skipping) {
			if (r->len + take > REPLAY_LINE_MAX) {
				source_count_malformed(r->source, MAL_TOO_LARGE);
				r->skipping = 1;
				r->len = 0;
			} else if (nl != NULL && r->len == 0) {
				source_replay_line(r->source, p, take, &r->sink);
			} else {
				if (r->len + take > r->cap) {
					r->cap = (r->len + take) * 2;
					r->buf = xrealloc(r->buf, r->cap);
				}
				memcpy(r->buf + r->len, p, take);
				r->len += take;
				if (nl != NULL) {
					source_replay_line(r->source, r->buf, r->len, &r->sink);
					r->len = 0;
				}
			}
		}
		if (nl == NULL)
			break;
		r->skipping = 0;
		p = nl + 1;
	}
}

static void
finish(struct replay *r)
{
	if (r->eof)
		return;
	r->eof = 1;
	if (r->len > 0 && !r->skipping)
		source_replay_line(r->source, r->buf, r->len, &r->sink);
	r->len = 0;
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
	feed(r, chunk, (size_t)n);
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

	free(r->buf);
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
