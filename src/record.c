/* execmon - the record command: events as JSON lines. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "log.h"
#include "loop.h"
#include "outfile.h"
#include "record.h"
#include "source.h"

#define RECORD_FLUSH_MS 100

struct recorder {
	struct outfile out;
	uv_timer_t flush;      /* readers of a pipe see lines within 100 ms */
	int64_t limit;
	int tty;               /* the output is a terminal */
	int failed;
};

json_t *
record_json(const struct event *ev)
{
	json_t *o = event_to_json(ev);
	const struct source_info *si = sources_get(ev->source);

	if (si != NULL)
		json_object_set_new(o, "_source", json_string(si->name));
	if (ev->entry_id != NULL)
		json_object_set_new(o, "_id", json_string(ev->entry_id));
	return o;
}

static void
on_event(struct collect *c, struct event *ev)
{
	struct recorder *r = c->ctx;
	json_t *o;
	int failed;

	if (r->failed || (r->limit > 0 && (int64_t)c->events > r->limit))
		return;
	if (r->tty) {
		/* to a terminal: every non-ASCII character escaped */
		o = record_json(ev);
		failed = event_json_write(o, r->out.f, JSON_COMPACT |
		    JSON_REAL_PRECISION(15), 1) != 0 || fputc('\n', r->out.f) == EOF;
		json_decref(o);
	} else {
		const struct source_info *si = sources_get(ev->source);

		failed = event_json_line(ev, si != NULL ? si->name : NULL,
		    r->out.f) != 0;
	}
	if (failed) {
		log_msg(LOG_ERROR, "record: write failed");
		r->failed = 1;
		collect_stop(c, 1);
	}
	if (r->limit > 0 && (int64_t)c->events >= r->limit)
		collect_stop(c, 0);
}

static void
flush_due(uv_timer_t *t)
{
	struct recorder *r = t->data;

	if (r->out.f != NULL)
		fflush(r->out.f);
}

static void
flush_stop(void *arg)
{
	struct recorder *r = arg;

	uv_timer_stop(&r->flush);
	uv_close((uv_handle_t *)&r->flush, NULL);
}

static void
started(struct collect *c)
{
	struct recorder *r = c->ctx;

	uv_timer_init(loop_uv(), &r->flush);
	r->flush.data = r;
	uv_timer_start(&r->flush, flush_due, RECORD_FLUSH_MS, RECORD_FLUSH_MS);
	loop_on_stop(flush_stop, r);
}

int
record_main(const struct opts *o)
{
	struct recorder r;
	struct collect c;
	char err[256];
	int64_t now = o->now_ms ? o->now_ms : loop_now_ms();
	int status;

	memset(&r, 0, sizeof r);
	r.limit = o->count;
	if (outfile_open(&r.out, o->output, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: record %s: %s\n", o->output, err);
		return 1;
	}
	r.tty = isatty(fileno(r.out.f));
	memset(&c, 0, sizeof c);
	c.o = o;
	c.from_ms = now - o->window_ms;
	c.to_ms = -1;
	c.follow = 1;
	c.event = on_event;
	c.ctx = &r;
	c.started = started;
	status = collect_run(&c);
	if (status == 0 && !r.failed) {
		if (outfile_commit(&r.out, err, sizeof err) != 0) {
			fprintf(stderr, "execmon: record %s: %s\n", o->output, err);
			status = 1;
		}
	} else {
		/*
		 * A failed record replaces nothing: the temporary file goes and
		 * a file already at the path stays as it was. On stdout what was
		 * written stays written, each line complete.
		 */
		if (r.out.f == stdout)
			fflush(stdout);
		outfile_abort(&r.out);
		if (status == 0)
			status = 1;
	}
	collect_summary(&c);
	return status;
}
