/* execmon-gen - events to stream entries: encodings, defects, pipelines. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "gen.h"
#include "xmalloc.h"

/*
 * An event becomes one stream entry in its run's encoding: flat fields, or
 * one "json" field. With --malformed, some events are followed by an extra
 * entry made from a copy of the event with exactly one defect. Entries go to
 * Redis in pipelines of --pipeline XADDs; a round's replies are all read
 * before the next round, so at most --pipeline entries (and, with
 * --out-of-order, one shuffle window per stream) are held at a time.
 */

#define GEN_ENTRY_STRINGS (2 * (GEN_FIELDS_MAX + 2))

/* One stream entry to write: alternate names and values, and where it goes. */
struct gen_entry {
	int stream;
	int64_t id_ms;         /* time of an explicit entry ID, or -1 for "*" */
	const char *malformed; /* NULL, or the defect */
	int run_start;         /* a run.queued */
	size_t n;              /* strings: name, value, name, value, ... */
	size_t off[GEN_ENTRY_STRINGS]; /* where each string starts in text */
	size_t len[GEN_ENTRY_STRINGS];
	struct gen_buf text;   /* the strings, each NUL-terminated */
};

struct gen_out {
	redisContext *c;
	const struct gen_opts *o;
	struct gen_rng mal;    /* which events get a malformed twin, and how */
	struct gen_rng shuf;   /* --out-of-order */
	struct gen_buf json;   /* scratch: one event as JSON */
	struct gen_buf cmd;    /* scratch: one XADD in the Redis protocol */

	struct gen_entry **pend; /* sent, reply not read yet */
	size_t npend;

	struct gen_entry **window[GEN_STREAMS_MAX]; /* --out-of-order buffers */
	size_t nwindow[GEN_STREAMS_MAX];

	int64_t last_ms[GEN_STREAMS_MAX];  /* explicit IDs: last one used */
	uint64_t last_seq[GEN_STREAMS_MAX];

	uint64_t runs, events, malformed;
	uint64_t per_stream[GEN_STREAMS_MAX];
	int failed;            /* 1 = Redis refused an entry, 2 = connection */
	char err[512];
};

static const char *
gen_entry_string(const struct gen_entry *e, size_t i)
{
	return e->text.p + e->off[i];
}

static void
gen_entry_string_add(struct gen_entry *e, const char *s, size_t len)
{
	e->off[e->n] = e->text.len;
	e->len[e->n] = len;
	gen_buf_add(&e->text, s, len);
	gen_buf_add(&e->text, "", 1);
	e->n++;
}

static void
gen_entry_add(struct gen_entry *e, const char *name, const char *value,
    size_t len)
{
	if (e->n + 2 > GEN_ENTRY_STRINGS) {
		fprintf(stderr, "execmon-gen: too many fields in one entry\n");
		abort();
	}
	gen_entry_string_add(e, name, strlen(name));
	gen_entry_string_add(e, value, len);
}

static void
gen_entry_free(struct gen_entry *e)
{
	if (e == NULL)
		return;
	gen_buf_free(&e->text);
	free(e);
}

/*
 * Encode ev as an entry, flat or json. skip names a field to leave out; bad
 * names a field whose value is replaced by the string bad_value (added when
 * the event has no such field). ts goes right after type.
 */
static struct gen_entry *
gen_out_encode(struct gen_out *out, const struct gen_event *ev, int json,
    const char *skip, const char *bad, const char *bad_value)
{
	struct gen_entry *e = xcalloc(1, sizeof *e);
	struct gen_field ts;
	const struct gen_field *f, *list[GEN_FIELDS_MAX + 1];
	struct gen_buf *j = &out->json;
	const char *value;
	size_t i, n = 0;
	char buf[64];
	int want_ts, seen_bad = 0;

	e->stream = ev->stream;
	e->run_start = ev->run_start && skip == NULL && bad == NULL;
	e->id_ms = (out->o->ts_id && out->o->start_ts >= 0) ? ev->ts_ms : -1;

	memset(&ts, 0, sizeof ts);
	ts.name = "ts";
	ts.kind = GEN_INT;
	ts.i = ev->ts_ms;
	want_ts = !out->o->ts_id || (bad != NULL && strcmp(bad, "ts") == 0);
	for (i = 0; i < ev->nfields; i++) {
		f = &ev->fields[i];
		if (skip == NULL || strcmp(f->name, skip) != 0)
			list[n++] = f;
		if (i == 0 && want_ts)
			list[n++] = &ts;
	}
	if (ev->nfields == 0 && want_ts)
		list[n++] = &ts;

	j->len = 0;
	gen_buf_add(j, "{", 1);
	for (i = 0; i <= n; i++) {
		if (i < n) {
			f = list[i];
			if (bad == NULL || strcmp(f->name, bad) != 0)
				value = NULL;
			else {
				value = bad_value;
				seen_bad = 1;
			}
		} else if (bad != NULL && !seen_bad) {
			f = NULL;
			value = bad_value;
		} else
			break;
		if (!json) {
			if (value == NULL)
				value = gen_field_text(f, buf, sizeof buf);
			gen_entry_add(e, f != NULL ? f->name : bad, value,
			    strlen(value));
			continue;
		}
		if (j->len > 1)
			gen_buf_add(j, ",", 1);
		gen_buf_json_str(j, f != NULL ? f->name : bad);
		gen_buf_add(j, ":", 1);
		if (value != NULL)
			gen_buf_json_str(j, value);
		else
			gen_field_json(f, j);
	}
	gen_buf_add(j, "}", 1);
	if (json)
		gen_entry_add(e, "json", j->p, j->len);
	return e;
}

static const char *const gen_bad_numbers[] = {
	"12x", "fast", "1.2.3", "0x1G", "--5", "seven"
};
static const char *const gen_bad_times[] = {
	"yesterday", "2024-13-45T25:61:00Z", "12:30", "17OO000000000"
};
static const char *const gen_bad_json[] = {
	"not json", "{\"type\": run.started}", "{\"type\":\"log\",\"run_id\":}",
	"[1, 2"
};

#define GEN_NELEM(a) (sizeof (a) / sizeof (a)[0])

/* An extra entry: a copy of ev with exactly one defect. */
static struct gen_entry *
gen_out_malformed(struct gen_out *out, const struct gen_event *ev)
{
	static const char *const kinds[] = {
		"no_type", "bad_json", "bad_number", "bad_ts", "no_run_id"
	};
	struct gen_rng *r = &out->mal;
	const struct gen_field *nums[GEN_FIELDS_MAX];
	struct gen_entry *e;
	const char *kind, *field, *text;
	size_t i, n, cut;

	n = gen_event_find(ev, "run_id") != NULL ? 5 : 4;
	kind = kinds[gen_rng_below(r, n)];
	if (strcmp(kind, "no_type") == 0)
		e = gen_out_encode(out, ev, ev->json, "type", NULL, NULL);
	else if (strcmp(kind, "no_run_id") == 0)
		e = gen_out_encode(out, ev, ev->json, "run_id", NULL, NULL);
	else if (strcmp(kind, "bad_ts") == 0)
		e = gen_out_encode(out, ev, ev->json, NULL, "ts",
		    gen_bad_times[gen_rng_below(r, GEN_NELEM(gen_bad_times))]);
	else if (strcmp(kind, "bad_number") == 0) {
		/* Flat: in JSON, a string for a number is ambiguous. */
		for (i = n = 0; i < ev->nfields; i++) {
			if (ev->fields[i].kind == GEN_INT ||
			    ev->fields[i].kind == GEN_REAL)
				nums[n++] = &ev->fields[i];
		}
		field = n > 0 ? nums[gen_rng_below(r, n)]->name : "duration_ms";
		e = gen_out_encode(out, ev, 0, NULL, field, gen_bad_numbers[
		    gen_rng_below(r, GEN_NELEM(gen_bad_numbers))]);
	} else if (gen_rng_chance(r, 0.25)) {
		e = xcalloc(1, sizeof *e);
		e->stream = ev->stream;
		e->id_ms = (out->o->ts_id && out->o->start_ts >= 0) ?
		    ev->ts_ms : -1;
		text = gen_bad_json[gen_rng_below(r, GEN_NELEM(gen_bad_json))];
		gen_entry_add(e, "json", text, strlen(text));
	} else {
		/* A proper prefix of an object is never valid JSON. */
		e = gen_out_encode(out, ev, 1, NULL, NULL, NULL);
		cut = 1 + (size_t)gen_rng_below(r, e->len[1] - 1);
		while (cut > 1 && (gen_entry_string(e, 1)[cut] & 0xc0) == 0x80)
			cut--;
		e->text.p[e->off[1] + cut] = '\0';
		e->len[1] = cut;
	}
	e->malformed = kind;
	e->run_start = 0;
	return e;
}

/* The explicit entry ID for time ms on a stream: ms-seq, always increasing. */
static void
gen_out_id(struct gen_out *out, int stream, int64_t ms, char *buf,
    size_t size)
{
	if (ms > out->last_ms[stream]) {
		out->last_ms[stream] = ms;
		out->last_seq[stream] = ms == 0 ? 1 : 0;
	} else
		out->last_seq[stream]++;
	snprintf(buf, size, "%" PRId64 "-%" PRIu64, out->last_ms[stream],
	    out->last_seq[stream]);
}

static void
gen_out_print(const struct gen_entry *e, const char *stream, const char *id)
{
	json_t *line, *fields, *v;
	char *text;
	size_t i;

	fields = json_object();
	for (i = 0; i + 1 < e->n; i += 2) {
		v = json_stringn(gen_entry_string(e, i + 1), e->len[i + 1]);
		json_object_set_new(fields, gen_entry_string(e, i),
		    v != NULL ? v : json_null());
	}
	line = json_object();
	json_object_set_new(line, "stream", json_string(stream));
	json_object_set_new(line, "id", json_string(id));
	json_object_set_new(line, "fields", fields);
	if (e->malformed != NULL)
		json_object_set_new(line, "malformed",
		    json_string(e->malformed));
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text != NULL) {
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
	}
	json_decref(line);
}

/* Read the replies of every command sent; count and print what was written. */
static int
gen_out_drain(struct gen_out *out)
{
	struct gen_entry *e;
	redisReply *reply;
	const char *stream;
	size_t i;
	void *r;

	for (i = 0; i < out->npend; i++) {
		e = out->pend[i];
		stream = out->o->streams[e->stream];
		if (out->failed == 2 || redisGetReply(out->c, &r) != REDIS_OK) {
			if (out->failed != 2)
				snprintf(out->err, sizeof out->err, "%s",
				    out->c->errstr[0] != '\0' ?
				    out->c->errstr : "connection lost");
			out->failed = 2;
			gen_entry_free(e);
			continue;
		}
		reply = r;
		if (reply->type == REDIS_REPLY_ERROR) {
			if (!out->failed)
				snprintf(out->err, sizeof out->err,
				    "XADD %s: %s", stream, reply->str);
			out->failed = 1;
		} else if (reply->type == REDIS_REPLY_STRING) {
			out->per_stream[e->stream]++;
			if (e->malformed != NULL)
				out->malformed++;
			else
				out->events++;
			if (e->run_start)
				out->runs++;
			if (out->o->print)
				gen_out_print(e, stream, reply->str);
		}
		freeReplyObject(reply);
		gen_entry_free(e);
	}
	out->npend = 0;
	return out->failed ? -1 : 0;
}

/* Append a protocol header: the mark ('*' or '$'), n in decimal, CRLF. */
static void
gen_out_head(struct gen_buf *cmd, char mark, size_t n)
{
	char buf[32], *p = buf + sizeof buf;

	*--p = '\n';
	*--p = '\r';
	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	*--p = mark;
	gen_buf_add(cmd, p, (size_t)(buf + sizeof buf - p));
}

/* Append one argument in the Redis protocol: $len CRLF bytes CRLF. */
static void
gen_out_arg(struct gen_buf *cmd, const char *s, size_t len)
{
	gen_out_head(cmd, '$', len);
	gen_buf_add(cmd, s, len);
	gen_buf_add(cmd, "\r\n", 2);
}

static int
gen_out_send(struct gen_out *out, struct gen_entry *e)
{
	const char *stream = out->o->streams[e->stream];
	struct gen_buf *cmd = &out->cmd;
	char maxlen[32], id[64];
	size_t i;

	cmd->len = 0;
	gen_out_head(cmd, '*', 3 + e->n + (out->o->maxlen > 0 ? 3 : 0));
	gen_out_arg(cmd, "XADD", 4);
	gen_out_arg(cmd, stream, strlen(stream));
	if (out->o->maxlen > 0) {
		gen_out_arg(cmd, "MAXLEN", 6);
		gen_out_arg(cmd, "~", 1);
		gen_out_arg(cmd, maxlen, (size_t)snprintf(maxlen,
		    sizeof maxlen, "%lld", out->o->maxlen));
	}
	if (e->id_ms >= 0) {
		gen_out_id(out, e->stream, e->id_ms, id, sizeof id);
		gen_out_arg(cmd, id, strlen(id));
	} else
		gen_out_arg(cmd, "*", 1);
	for (i = 0; i < e->n; i++)
		gen_out_arg(cmd, gen_entry_string(e, i), e->len[i]);
	if (redisAppendFormattedCommand(out->c, cmd->p, cmd->len) !=
	    REDIS_OK) {
		snprintf(out->err, sizeof out->err, "%s", out->c->errstr);
		out->failed = 2;
		gen_entry_free(e);
		return -1;
	}
	out->pend[out->npend++] = e;
	if (out->npend >= (size_t)out->o->pipeline)
		return gen_out_drain(out);
	return 0;
}

/* Send a stream's shuffle window in a random order. */
static int
gen_out_window(struct gen_out *out, int stream)
{
	struct gen_entry **w = out->window[stream], *tmp;
	size_t i, j, n = out->nwindow[stream];
	int rc = 0;

	for (i = n; i > 1; i--) {
		j = (size_t)gen_rng_below(&out->shuf, i);
		tmp = w[i - 1];
		w[i - 1] = w[j];
		w[j] = tmp;
	}
	out->nwindow[stream] = 0;
	for (i = 0; i < n; i++) {
		if (rc != 0)
			gen_entry_free(w[i]);
		else
			rc = gen_out_send(out, w[i]);
	}
	return rc;
}

static int
gen_out_push(struct gen_out *out, struct gen_entry *e)
{
	int s = e->stream;

	if (out->o->out_of_order <= 0)
		return gen_out_send(out, e);
	out->window[s][out->nwindow[s]++] = e;
	if (out->nwindow[s] < (size_t)out->o->out_of_order)
		return 0;
	return gen_out_window(out, s);
}

struct gen_out *
gen_out_create(redisContext *c, const struct gen_opts *o)
{
	struct gen_out *out = xcalloc(1, sizeof *out);
	int i;

	out->c = c;
	out->o = o;
	gen_rng_seed(&out->mal, o->seed, 4);
	gen_rng_seed(&out->shuf, o->seed, 5);
	out->pend = xreallocarray(NULL, (size_t)o->pipeline, sizeof *out->pend);
	for (i = 0; i < o->nstreams; i++) {
		out->last_ms[i] = -1;
		if (o->out_of_order > 0)
			out->window[i] = xreallocarray(NULL,
			    (size_t)o->out_of_order, sizeof *out->window[i]);
	}
	return out;
}

void
gen_out_free(struct gen_out *out)
{
	size_t j;
	int i;

	if (out == NULL)
		return;
	for (j = 0; j < out->npend; j++)
		gen_entry_free(out->pend[j]);
	for (i = 0; i < GEN_STREAMS_MAX; i++) {
		for (j = 0; j < out->nwindow[i]; j++)
			gen_entry_free(out->window[i][j]);
		free(out->window[i]);
	}
	free(out->pend);
	gen_buf_free(&out->json);
	gen_buf_free(&out->cmd);
	free(out);
}

int
gen_out_event(struct gen_out *out, struct gen_event *ev)
{
	int rc = -1;

	if (!out->failed) {
		rc = gen_out_push(out, gen_out_encode(out, ev, ev->json, NULL,
		    NULL, NULL));
		if (rc == 0 && out->o->malformed > 0 &&
		    gen_rng_chance(&out->mal, out->o->malformed))
			rc = gen_out_push(out, gen_out_malformed(out, ev));
	}
	free(ev);
	return rc;
}

int
gen_out_flush(struct gen_out *out, int final)
{
	int i;

	if (out->failed)
		return -1;
	for (i = 0; final && i < out->o->nstreams; i++) {
		if (out->nwindow[i] > 0 && gen_out_window(out, i) != 0)
			return -1;
	}
	if (out->npend > 0)
		return gen_out_drain(out);
	return 0;
}

const char *
gen_out_error(const struct gen_out *out)
{
	return out->err;
}

void
gen_out_summary(const struct gen_out *out, char *buf, size_t size)
{
	size_t len;
	int i;

	snprintf(buf, size, "%" PRIu64 " runs, %" PRIu64 " events, %" PRIu64
	    " malformed", out->runs, out->events, out->malformed);
	if (out->o->nstreams < 2)
		return;
	for (i = 0; i < out->o->nstreams; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s %" PRIu64,
		    i == 0 ? " (" : ", ", out->o->streams[i],
		    out->per_stream[i]);
	}
	len = strlen(buf);
	snprintf(buf + len, size - len, ")");
}
