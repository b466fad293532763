/* execmon - BullMQ's events stream and job hashes mapped onto the event model. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bullmq-decode.h"
#include "event-text.h"
#include "map.h"
#include "xmalloc.h"

/*
 * The mapping (BullMQ 5.x and 6.x write the same events). Every event of a
 * job carries run_id "queue:jobId", queue and, once known, agent_name = the
 * job's name.
 *
 *   added             run.queued, unless the next entry says the job is
 *                     delayed or waits for children: then "bullmq.added"
 *   waiting           run.queued (from delayed, waiting-children or new)
 *   waiting prev=active
 *                     run.retry "retry" (an attempt failed, no backoff), or
 *                     run.retry "stalled" when "stalled" follows at once
 *   delayed           "bullmq.delayed" right after its "added" (not queued
 *                     until due); otherwise run.retry "backoff"
 *   active            run.started
 *   progress          run.progress (a number 0-100), or the object in the log
 *   completed         run.completed (the return value in the log)
 *   failed            run.failed (only the final failure is written)
 *   removed           run.cancelled, unless the job had already finished
 *   stalled           run.retry "stalled" (see above)
 *   anything else     "bullmq.<event>": on the run when it names a job,
 *                     counted for the queue otherwise
 *
 * Each stream entry gives exactly one event, with the entry's ID, so
 * duplicates are recognised by the store. The events made from job hashes
 * carry IDs of their own ("job:<id>", "active:<id>:<ms>").
 */

enum kind {
	K_OTHER, K_ADDED, K_WAITING, K_DELAYED, K_ACTIVE, K_PROGRESS,
	K_COMPLETED, K_FAILED, K_REMOVED, K_STALLED, K_WAITING_CHILDREN
};

static const struct {
	const char *name;
	enum kind kind;
} kinds[] = {
	{ "added", K_ADDED }, { "waiting", K_WAITING }, { "delayed", K_DELAYED },
	{ "active", K_ACTIVE }, { "progress", K_PROGRESS },
	{ "completed", K_COMPLETED }, { "failed", K_FAILED },
	{ "removed", K_REMOVED }, { "stalled", K_STALLED },
	{ "waiting-children", K_WAITING_CHILDREN },
};

/* Longest text kept from a return value or a progress object. */
#define TEXT_MAX 240

struct bullmq_dec {
	char *queue;
	int source;
	bullmq_emit_fn *emit;
	void *arg;
	struct map *names;     /* job id -> name (owned) */

	/* The entry held back to see the next one. */
	int holding;
	enum kind held_kind;   /* K_ADDED, or K_WAITING from active */
	char *held_job;
	struct event held;
};

/* One entry's fields, pointing into the reply. */
struct fields {
	const struct event_field_kv *event, *job, *name, *prev, *data,
	    *delay, *returnvalue, *reason, *attempts;
};

struct bullmq_dec *
bullmq_dec_create(const char *queue, int source, bullmq_emit_fn *emit,
    void *arg)
{
	struct bullmq_dec *d = xcalloc(1, sizeof *d);

	d->queue = xstrdup(queue);
	d->source = source;
	d->emit = emit;
	d->arg = arg;
	d->names = map_create();
	event_init(&d->held);
	return d;
}

static void
names_clear(struct bullmq_dec *d)
{
	size_t i = 0;
	void *v;

	while (map_next(d->names, &i, NULL, &v))
		free(v);
	map_free(d->names);
	d->names = map_create();
}

void
bullmq_dec_free(struct bullmq_dec *d)
{
	if (d == NULL)
		return;
	names_clear(d);
	map_free(d->names);
	event_done(&d->held);
	free(d->held_job);
	free(d->queue);
	free(d);
}

static int
kv_is(const struct event_field_kv *kv, const char *s)
{
	return kv != NULL && kv->value_len == strlen(s) &&
	    memcmp(kv->value, s, kv->value_len) == 0;
}

/* A valid UTF-8 JSON string of bytes from the feed. */
static json_t *
jstr(const char *s, size_t len)
{
	size_t n;
	char *u = utf8_dup(s, len, &n);
	json_t *j = json_stringn_nocheck(u, n);

	free(u);
	return j;
}

static const char *
name_of(const struct bullmq_dec *d, const char *job)
{
	return job == NULL ? NULL : map_get(d->names, job);
}

static void
name_put(struct bullmq_dec *d, const char *job, const char *name)
{
	char *old;

	if (map_count(d->names) >= BULLMQ_NAMES_MAX &&
	    map_get(d->names, job) == NULL)
		names_clear(d);
	old = map_put(d->names, job, xstrdup(name));
	free(old);
}

/*
 * Start the json form of one event: type, ts, queue and, for a job, run_id
 * and the name when known.
 */
static json_t *
base(const struct bullmq_dec *d, const char *type, int64_t ts_ms,
    const char *job)
{
	json_t *o = json_object();
	const char *name = name_of(d, job);

	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "ts", json_integer(ts_ms));
	json_object_set_new(o, "queue", jstr(d->queue, strlen(d->queue)));
	if (job != NULL) {
		char *run;

		xasprintf(&run, "%s:%s", d->queue, job);
		json_object_set_new(o, "run_id", jstr(run, strlen(run)));
		free(run);
		if (name != NULL)
			json_object_set_new(o, "agent_name", jstr(name, strlen(name)));
	}
	return o;
}

static void
set_msg(json_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_msg(json_t *o, const char *fmt, ...)
{
	char *m;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	json_object_set_new(o, "message", jstr(m, (size_t)n));
	free(m);
}

/* Feed text cut to TEXT_MAX bytes on a character boundary, as a C string. */
static char *
cut(const struct event_field_kv *kv)
{
	char *s;
	size_t n;

	if (kv == NULL)
		return xstrdup("");
	s = utf8_dup(kv->value, kv->value_len > TEXT_MAX ? TEXT_MAX :
	    kv->value_len, &n);
	if (kv->value_len > TEXT_MAX) {
		/* drop a partial character the cut made into U+FFFD */
		while (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)s[n - 1] >= 0xc0)
			n--;
		s[n] = '\0';
		s = xrealloc(s, n + 4);
		memcpy(s + n, "...", 4);
	}
	return s;
}

/* Decode the json form into ev with our identity; MAL_NONE or why not. */
static enum event_malformed
finish(const struct bullmq_dec *d, json_t *o, struct event *ev,
    const char *entry_id)
{
	enum event_malformed why;

	why = event_decode_json(ev, o, -1);
	json_decref(o);
	if (why != MAL_NONE)
		return why;
	ev->source = d->source;
	ev->entry_id = xstrdup(entry_id);
	return MAL_NONE;
}

static void
emit(struct bullmq_dec *d, struct event *ev, const char *job)
{
	d->emit(d->arg, ev, job, job != NULL && name_of(d, job) == NULL);
	event_done(ev);
	event_init(ev);
}

void
bullmq_dec_flush(struct bullmq_dec *d)
{
	char *job;

	if (!d->holding)
		return;
	d->holding = 0;
	job = d->held_job;
	d->held_job = NULL;
	/* The name may have been learned since it was held. */
	if (d->held.agent_name == NULL && name_of(d, job) != NULL)
		d->held.agent_name = xstrdup(name_of(d, job));
	emit(d, &d->held, job);
	free(job);
}

int
bullmq_dec_holding(const struct bullmq_dec *d)
{
	return d->holding;
}

/* Change the type of the held event (its time, run and ID stay). */
static void
held_retype(struct bullmq_dec *d, const char *type, const char *message)
{
	event_set_text(&d->held, &d->held.type_name, type);
	d->held.type = event_type_from_name(type);
	if (message != NULL)
		event_set_text(&d->held, &d->held.message, message);
}

static void
field_find(struct fields *f, const struct event_field_kv *kv, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} known[] = {
		{ "event", offsetof(struct fields, event) },
		{ "jobId", offsetof(struct fields, job) },
		{ "name", offsetof(struct fields, name) },
		{ "prev", offsetof(struct fields, prev) },
		{ "data", offsetof(struct fields, data) },
		{ "delay", offsetof(struct fields, delay) },
		{ "returnvalue", offsetof(struct fields, returnvalue) },
		{ "failedReason", offsetof(struct fields, reason) },
		{ "attemptsMade", offsetof(struct fields, attempts) },
	};

	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
			const struct event_field_kv **slot;

			if (kv[i].name_len != strlen(known[k].name) ||
			    memcmp(kv[i].name, known[k].name, kv[i].name_len) != 0)
				continue;
			slot = (const struct event_field_kv **)(void *)
			    ((char *)f + known[k].off);
			*slot = &kv[i];
		}
	}
}

/* An integer field ("delay", "attemptsMade"); -1 when absent or not one. */
static int64_t
kv_int(const struct event_field_kv *kv)
{
	char buf[32], *end;
	long long v;

	if (kv == NULL || kv->value_len == 0 || kv->value_len >= sizeof buf)
		return -1;
	memcpy(buf, kv->value, kv->value_len);
	buf[kv->value_len] = '\0';
	v = strtoll(buf, &end, 10);
	return *end == '\0' && v >= 0 ? v : -1;
}

/* The progress value: a number 0-100 sets progress, anything else is logged. */
static void
progress(json_t *o, const struct event_field_kv *data)
{
	json_t *v = NULL;
	char *text;

	if (data != NULL && event_json_parse(data->value, data->value_len, &v) ==
	    MAL_NONE && json_is_number(v) && isfinite(json_number_value(v))) {
		double p = json_number_value(v) / 100.0;

		json_object_set_new(o, "progress", json_real(p < 0 ? 0 : p > 1 ?
		    1 : p));
	} else {
		text = cut(data);
		set_msg(o, "progress %s", text);
		free(text);
	}
	json_decref(v);
}

enum event_malformed
bullmq_dec_entry(struct bullmq_dec *d, const char *id, size_t id_len,
    const struct event_field_kv *kv, size_t n)
{
	struct fields f;
	enum kind kind = K_OTHER;
	enum event_malformed why;
	struct event ev;
	char *job = NULL, *entry, *ename, *type = NULL, *text, when[40];
	int64_t ts, v;
	json_t *o;
	int hold = 0;

	if (n == 0) {
		bullmq_dec_flush(d);
		return MAL_EMPTY;
	}
	field_find(&f, kv, n);
	if (f.event == NULL || f.event->value_len == 0) {
		bullmq_dec_flush(d);
		return MAL_NO_TYPE;
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (kv_is(f.event, kinds[i].name))
			kind = kinds[i].kind;
	}
	if (f.job != NULL)
		job = utf8_dup(f.job->value, f.job->value_len, NULL);
	if (kind != K_OTHER && (job == NULL || *job == '\0')) {
		bullmq_dec_flush(d);
		free(job);
		return MAL_NO_RUN_ID;
	}
	entry = utf8_dup(id, id_len, NULL);
	ts = event_id_ms(entry);

	/* Settle the held entry with what this one says about its job. */
	if (d->holding && job != NULL && strcmp(job, d->held_job) == 0) {
		if (d->held_kind == K_ADDED && kind == K_DELAYED)
			held_retype(d, "bullmq.added", "added, delayed");
		else if (d->held_kind == K_ADDED && kind == K_WAITING_CHILDREN)
			held_retype(d, "bullmq.added", "added, waits for its children");
		else if (d->held_kind == K_WAITING && kind == K_STALLED) {
			event_set_text(&d->held, &d->held.fallback_reason, "stalled");
			event_set_text(&d->held, &d->held.message, "stalled: back to wait");
			kind = K_OTHER; /* the stall is counted once, on the held entry */
		}
	}
	if (d->holding && d->held_kind == K_ADDED && kind == K_DELAYED &&
	    job != NULL && strcmp(job, d->held_job) == 0)
		type = xstrdup("bullmq.delayed");
	bullmq_dec_flush(d);

	if (kind == K_ADDED && f.name != NULL) {
		char *name = utf8_dup(f.name->value, f.name->value_len, NULL);

		name_put(d, job, name);
		free(name);
	}

	o = base(d, "bullmq.other", ts, job);
	switch (kind) {
	case K_ADDED:
		json_object_set_new(o, "type", json_string("run.queued"));
		set_msg(o, "added");
		hold = 1;
		break;
	case K_WAITING:
		if (kv_is(f.prev, "active")) {
			json_object_set_new(o, "type", json_string("run.retry"));
			json_object_set_new(o, "fallback_reason", json_string("retry"));
			set_msg(o, "attempt failed: back to wait");
			hold = 1;
		} else {
			json_object_set_new(o, "type", json_string("run.queued"));
			if (f.prev != NULL) {
				text = cut(f.prev);
				set_msg(o, "waiting (was %s)", text);
				free(text);
			} else
				set_msg(o, "waiting");
		}
		break;
	case K_DELAYED:
		v = kv_int(f.delay);
		if (v > 0)
			event_format_time(v, when, sizeof when);
		else
			snprintf(when, sizeof when, "?");
		if (type != NULL) {
			json_object_set_new(o, "type", json_string(type));
			set_msg(o, "delayed until %s", when);
		} else {
			json_object_set_new(o, "type", json_string("run.retry"));
			json_object_set_new(o, "fallback_reason", json_string("backoff"));
			set_msg(o, "attempt failed: retry after backoff, due %s", when);
		}
		break;
	case K_ACTIVE:
		json_object_set_new(o, "type", json_string("run.started"));
		break;
	case K_PROGRESS:
		json_object_set_new(o, "type", json_string("run.progress"));
		progress(o, f.data);
		break;
	case K_COMPLETED:
		json_object_set_new(o, "type", json_string("run.completed"));
		if (f.returnvalue != NULL) {
			text = cut(f.returnvalue);
			set_msg(o, "returned %s", text);
			free(text);
		}
		break;
	case K_FAILED:
		json_object_set_new(o, "type", json_string("run.failed"));
		if (f.reason != NULL)
			json_object_set_new(o, "error_message",
			    jstr(f.reason->value, f.reason->value_len));
		break;
	case K_REMOVED:
		if (kv_is(f.prev, "completed") || kv_is(f.prev, "failed"))
			json_object_set_new(o, "type", json_string("bullmq.removed"));
		else
			json_object_set_new(o, "type", json_string("run.cancelled"));
		if (f.prev != NULL) {
			text = cut(f.prev);
			set_msg(o, "removed from %s", text);
			free(text);
		} else
			set_msg(o, "removed");
		break;
	case K_STALLED:
		json_object_set_new(o, "type", json_string("run.retry"));
		json_object_set_new(o, "fallback_reason", json_string("stalled"));
		set_msg(o, "stalled: back to wait");
		break;
	case K_WAITING_CHILDREN:
	case K_OTHER:
		ename = utf8_dup(f.event->value, f.event->value_len, NULL);
		xasprintf(&text, "bullmq.%s", ename);
		json_object_set_new(o, "type", jstr(text, strlen(text)));
		free(text);
		free(ename);
		if (f.attempts != NULL && (v = kv_int(f.attempts)) >= 0)
			json_object_set_new(o, "attempt", json_integer(v));
		break;
	}
	free(type);

	event_init(&ev);
	why = finish(d, o, &ev, entry);
	free(entry);
	if (why != MAL_NONE) {
		free(job);
		return why;
	}
	if (hold) {
		d->holding = 1;
		d->held_kind = kind;
		d->held = ev;
		d->held_job = job;
		return MAL_NONE;
	} else
		emit(d, &ev, job);
	free(job);
	return MAL_NONE;
}

const char *
bullmq_dec_name(const struct bullmq_dec *d, const char *job_id)
{
	return name_of(d, job_id);
}

void
bullmq_dec_set_name(struct bullmq_dec *d, const char *job_id,
    const char *name, int64_t ts_ms)
{
	struct event ev;
	char *entry;
	json_t *o;

	if (name == NULL)
		return;
	name_put(d, job_id, name);
	o = base(d, "bullmq.job", ts_ms, job_id);
	set_msg(o, "name from the job's hash");
	xasprintf(&entry, "job:%s", job_id);
	event_init(&ev);
	if (finish(d, o, &ev, entry) == MAL_NONE)
		emit(d, &ev, job_id);
	free(entry);
}

void
bullmq_dec_active(struct bullmq_dec *d, const char *job_id, const char *name,
    int64_t processed_ms)
{
	struct event ev;
	char *entry;
	json_t *o;

	if (name != NULL)
		name_put(d, job_id, name);
	o = base(d, "run.started", processed_ms, job_id);
	set_msg(o, "active at start-up (processedOn from the job's hash)");
	xasprintf(&entry, "active:%s:%" PRId64, job_id, processed_ms);
	event_init(&ev);
	if (finish(d, o, &ev, entry) == MAL_NONE)
		emit(d, &ev, job_id);
	free(entry);
}

void
bullmq_depth_event(struct event *ev, const char *queue, int source,
    const struct bullmq_counts *c, int64_t now_ms)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string("queue.depth"));
	json_object_set_new(o, "ts", json_integer(now_ms));
	json_object_set_new(o, "queue", jstr(queue, strlen(queue)));
	json_object_set_new(o, "depth", json_integer(c->wait + c->paused +
	    c->prioritized));
	json_object_set_new(o, "paused", json_boolean(c->queue_paused));
	json_object_set_new(o, "waiting", json_integer(c->wait));
	json_object_set_new(o, "paused_jobs", json_integer(c->paused));
	json_object_set_new(o, "prioritized", json_integer(c->prioritized));
	json_object_set_new(o, "delayed", json_integer(c->delayed));
	json_object_set_new(o, "active", json_integer(c->active));
	json_object_set_new(o, "waiting_children",
	    json_integer(c->waiting_children));
	event_init(ev);
	if (event_decode_json(ev, o, now_ms) == MAL_NONE)
		ev->source = source;
	json_decref(o);
}
