/* execmon - the record command: events as JSON lines. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "collect.h"
#include "log.h"
#include "loop.h"
#include "outfile.h"
#include "record.h"
#include "source.h"

#define RECORD_FLUSH_MS 100
#define RECORD_BUF_MAX (64 * 1024) /* bytes of whole lines held before a write */

/*
 * Lines are built in pending and written with write(2), so that what the
 * system took is known to the line: the summary counts only those. Every
 * write and every flush is checked; the first failure (a full disk, a pipe
 * whose reader has gone) ends the command with exit status 1.
 */
struct recorder {
	struct collect *c;
	struct outfile out;
	struct buf pending;    /* whole lines not yet written */
	char name[256];        /* the output as messages name it */
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

/* Say why the output failed, once. */
static void
record_fail(struct recorder *r)
{
	if (r->failed)
		return;
	r->failed = 1;
	log_msg(LOG_ERROR, "record: %s: %s", r->name, strerror(r->out.err));
}

/* Write the pending lines; -1 when the output failed. */
static int
drain(struct recorder *r)
{
	int rc;

	if (r->failed)
		return -1;
	if (r->pending.len == 0)
		return 0;
	rc = outfile_write(&r->out, r->pending.p, r->pending.len);
	r->pending.len = 0;
	if (rc != 0)
		record_fail(r);
	return rc;
}

/* The line of ev for a terminal: every non-ASCII character escaped. */
static int
pend_escaped(struct recorder *r, const struct event *ev)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	json_t *o;
	int bad;

	if (m == NULL)
		return -1;
	o = record_json(ev);
	bad = event_json_write(o, m, JSON_COMPACT | JSON_REAL_PRECISION(15), 1) != 0 ||
	    fputc('\n', m) == EOF;
	json_decref(o);
	if (fclose(m) != 0)
		bad = 1;
	if (!bad)
		buf_put(&r->pending, text, n);
	free(text);
	return bad ? -1 : 0;
}

static void
on_event(struct collect *c, struct event *ev)
{
	struct recorder *r = c->ctx;

	if (r->failed || (r->limit > 0 && (int64_t)c->events > r->limit))
		return;
	if (r->tty) {
		if (pend_escaped(r, ev) != 0) {
			r->out.err = errno != 0 ? errno : ENOMEM;
			record_fail(r);
		}
	} else {
		const struct source_info *si = sources_get(ev->source);

		event_json_line_buf(ev, si != NULL ? si->name : NULL, &r->pending);
	}
	if (r->pending.len >= RECORD_BUF_MAX || r->tty)
		drain(r);
	if (r->failed)
		collect_stop(c, 1);
	else if (r->limit > 0 && (int64_t)c->events >= r->limit)
		collect_stop(c, 0);
}

/* Every 100 ms: write what is pending; notice a reader that has gone. */
static void
flush_due(uv_timer_t *t)
{
	struct recorder *r = t->data;

	if (r->failed)
		return;
	if (drain(r) == 0 && outfile_gone(&r->out))
		record_fail(r);
	if (r->failed)
		collect_stop(r->c, 1);
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

/* Write every event as a JSON line until --count, --duration or a signal. */
static int
cmd_record_exec(const struct opts *o)
{
	struct recorder r;
	struct collect c;
	char err[256];
	int64_t now = o->now_ms ? o->now_ms : loop_now_ms();
	uint64_t wanted, written;
	int status, replaces;

	memset(&r, 0, sizeof r);
	buf_init(&r.pending);
	r.limit = o->count;
	if (strcmp(o->output, "-") == 0)
		snprintf(r.name, sizeof r.name, "stdout");
	else
		event_sanitize(o->output, r.name, sizeof r.name, 0);
	if (outfile_open(&r.out, o->output, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: record: %s: %s\n", r.name, err);
		return 1;
	}
	replaces = r.out.tmp != NULL;
	r.tty = isatty(fileno(r.out.f));
	memset(&c, 0, sizeof c);
	r.c = &c;
	c.o = o;
	c.from_ms = now - o->window_ms;
	c.to_ms = -1;
	c.follow = 1;
	c.event = on_event;
	c.ctx = &r;
	c.started = started;
	status = collect_run(&c);
	drain(&r);
	buf_done(&r.pending);
	written = r.out.lines;
	if (status == 0 && !r.failed) {
		if (outfile_commit(&r.out, err, sizeof err) != 0) {
			fprintf(stderr, "execmon: record: %s: %s\n", r.name, err);
			status = 1;
		}
	} else {
		/*
		 * A failed record replaces nothing: the temporary file goes and
		 * a file already at the path stays as it was. On stdout what was
		 * written stays written, each line complete.
		 */
		outfile_abort(&r.out);
		if (status == 0)
			status = 1;
	}
	if (status != 0 && replaces)
		written = 0;
	wanted = r.limit > 0 && c.events > (uint64_t)r.limit ? (uint64_t)r.limit :
	    c.events;
	if (wanted > written)
		log_msg(LOG_ERROR, "record: %" PRIu64 " of %" PRIu64 " events read"
		    " were not written", wanted - written, wanted);
	c.events = written;
	collect_summary(&c);
	return status;
}

const struct cmd_entry cmd_record_entry = {
	.name = "record",
	.id = CMD_RECORD,
	.synopsis = "record -o FILE",
	.summary = "write events as JSON lines (for --replay)",
	.usage = "Usage: execmon record [OPTIONS] -o FILE.jsonl [--count N] [--duration DUR]\n\n"
	    "Write every event (backfill over --window, then live) as one JSON object a\n"
	    "line, with \"_source\" and \"_id\". Stops after --count events, --duration,\n"
	    "or SIGINT/SIGTERM; the last line is always complete. -o - = stdout.\n\n",
	.sections = { SEC_CMD, SEC_SOURCE, SEC_COMMON },
	.exec = cmd_record_exec,
};
