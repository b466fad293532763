/* execmon - one event of a run's log, packed: the format, reading it back. */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "event.h"
#include "store-log-int.h"
#include "store-pack.h"
#include "store.h"
#include "xmalloc.h"

/* The format is described in store-log.c. */

#define EOFF(m) offsetof(struct event, m)
#define ROFF(m) offsetof(struct run, m)
#define NONE ((size_t)-1)

/* String fields of struct event, and the run field each may share. */
static const struct {
	size_t ev, run;
} str_fields[] = {
	{ EOFF(type_name), NONE },
	{ EOFF(run_id), ROFF(id) },
	{ EOFF(agent_id), ROFF(agent_id) },
	{ EOFF(agent_name), ROFF(agent_name) },
	{ EOFF(agent_version), ROFF(agent_version) },
	{ EOFF(trace_id), ROFF(trace_id) },
	{ EOFF(span_id), ROFF(span_id) },
	{ EOFF(parent_run_id), ROFF(parent_run_id) },
	{ EOFF(root_run_id), ROFF(root_run_id) },
	{ EOFF(request_id), ROFF(request_id) },
	{ EOFF(user_id), ROFF(user_id) },
	{ EOFF(workspace_id), ROFF(workspace_id) },
	{ EOFF(origin), ROFF(origin) },
	{ EOFF(queue), ROFF(queue) },
	{ EOFF(message), NONE },
	{ EOFF(model_id), NONE },
	{ EOFF(finish_reason), NONE },
	{ EOFF(fallback_reason), NONE },
	{ EOFF(error_class), NONE },
	{ EOFF(error_message), NONE },
	{ EOFF(tool_id), NONE },
	{ EOFF(outcome), NONE },
	{ EOFF(error_kind), NONE },
};
#define NSTR (sizeof str_fields / sizeof str_fields[0])

enum num_kind { NK_INT, NK_DBL, NK_BOOL };

/* Numeric and boolean fields of struct event, each with its has bit. */
static const struct {
	uint32_t bit;
	enum num_kind kind;
	size_t off;
} num_fields[] = {
	{ EF_PRIORITY, NK_INT, EOFF(priority) },
	{ EF_ESTIMATED_MS, NK_INT, EOFF(estimated_ms) },
	{ EF_PROGRESS, NK_DBL, EOFF(progress) },
	{ EF_INPUT_TOKENS, NK_INT, EOFF(input_tokens) },
	{ EF_OUTPUT_TOKENS, NK_INT, EOFF(output_tokens) },
	{ EF_COST_USD, NK_DBL, EOFF(cost_usd) },
	{ EF_DURATION_MS, NK_INT, EOFF(duration_ms) },
	{ EF_TTFT_MS, NK_INT, EOFF(ttft_ms) },
	{ EF_STREAMING, NK_BOOL, EOFF(streaming) },
	{ EF_CACHE_HIT, NK_BOOL, EOFF(cache_hit) },
	{ EF_ATTEMPT, NK_INT, EOFF(attempt) },
	{ EF_RETRYABLE, NK_BOOL, EOFF(retryable) },
	{ EF_RATE_LIMITED, NK_BOOL, EOFF(rate_limited) },
	{ EF_EXIT_CODE, NK_INT, EOFF(exit_code) },
	{ EF_OUTPUT_BYTES, NK_INT, EOFF(output_bytes) },
	{ EF_DEPTH, NK_INT, EOFF(depth) },
	{ EF_WORKERS_TOTAL, NK_INT, EOFF(workers_total) },
	{ EF_WORKERS_BUSY, NK_INT, EOFF(workers_busy) },
	{ EF_CPU, NK_DBL, EOFF(cpu) },
	{ EF_MEMORY, NK_DBL, EOFF(memory) },
	{ EF_PAUSED, NK_BOOL, EOFF(paused) },
};
#define NNUM (sizeof num_fields / sizeof num_fields[0])

#define FIELD(base, off, t) ((t *)(void *)((char *)(base) + (off)))
#define CFIELD(base, off, t) ((const t *)(const void *)((const char *)(base) + (off)))

static void
pb_uv(struct buf *b, uint64_t v)
{
	buf_reserve(b, 10);
	while (v >= 0x80) {
		b->p[b->len++] = (char)(unsigned char)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (char)(unsigned char)v;
}

/* A length-prefixed, NUL-terminated string; NULL is written as length 0. */
static void
pb_opt(struct buf *b, const char *s, size_t n)
{
	if (s == NULL) {
		pb_uv(b, 0);
		return;
	}
	pb_uv(b, (uint64_t)n + 1);
	buf_put(b, s, n);
	buf_put(b, "", 1);
}

static uint64_t
get_uv(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	do {
		v |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
	} while (*p++ & 0x80 && shift < 64);
	*pp = p;
	return v;
}

/* The string at *pp written by pb_opt (pointing into the pack), or NULL. */
static const char *
get_opt(const unsigned char **pp, size_t *lenp)
{
	uint64_t n = get_uv(pp);
	const char *s;

	if (n == 0) {
		*lenp = 0;
		return NULL;
	}
	s = (const char *)*pp;
	*lenp = (size_t)n - 1;
	*pp += n; /* the bytes and the NUL */
	return s;
}

/*
 * Entry IDs. A stream ID ("ms-seq", or "ms-seq#N" of a stream found new)
 * that reads back the same is packed as numbers: a varint tag 2(N + 1),
 * then ms and seq as varints (about 9 bytes instead of 17). Any other ID is
 * a string: tag 2 * length + 1, the bytes, a NUL. Tag 0 = none.
 */

/* v in decimal at p; returns the end. */
static char *
eid_put(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static void
eid_fmt(uint64_t ms, uint64_t seq, uint64_t gen, char *buf)
{
	char *p = eid_put(buf, ms);

	*p++ = '-';
	p = eid_put(p, seq);
	if (gen > 0) {
		*p++ = '#';
		p = eid_put(p, gen);
	}
	*p = '\0';
}

/*
 * Digits at *pp into *v, as eid_fmt writes them (no sign, no leading zero,
 * no overflow); 0, or -1.
 */
static int
eid_num(const char **pp, uint64_t *v)
{
	const char *p = *pp;

	*v = 0;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	return 0;
}

/* As numbers when eid_fmt gives the ID back byte for byte, else as a string. */
static void
pb_eid(struct buf *b, const char *id)
{
	uint64_t ms, seq, gen = 0;
	const char *p = id;
	size_t n;

	if (id == NULL) {
		pb_uv(b, 0);
		return;
	}
	if (eid_num(&p, &ms) == 0 && *p++ == '-' && eid_num(&p, &seq) == 0 &&
	    (*p == '\0' || (*p++ == '#' && eid_num(&p, &gen) == 0 && gen > 0 &&
	    gen < UINT32_MAX)) && *p == '\0') {
		pb_uv(b, 2 * (gen + 1));
		pb_uv(b, ms);
		pb_uv(b, seq);
		return;
	}
	n = strlen(id);
	pb_uv(b, 2 * (uint64_t)n + 1);
	buf_put(b, id, n);
	buf_put(b, "", 1);
}

/* Step over the entry ID at *pp. */
static void
skip_eid(const unsigned char **pp)
{
	uint64_t t = get_uv(pp);

	if (t == 0)
		return;
	if (t & 1)
		*pp += (t - 1) / 2 + 1;
	else {
		(void)get_uv(pp);
		(void)get_uv(pp);
	}
}

/* The entry ID at *pp: in the pack, or formatted into buf (EID_MAX); NULL = none. */
static const char *
get_eid(const unsigned char **pp, char *buf)
{
	uint64_t t = get_uv(pp), ms, seq;
	const char *s;

	if (t == 0)
		return NULL;
	if (t & 1) {
		s = (const char *)*pp;
		*pp += (t - 1) / 2 + 1;
		return s;
	}
	ms = get_uv(pp);
	seq = get_uv(pp);
	eid_fmt(ms, seq, t / 2 - 1, buf);
	return buf;
}

static const char *
run_str(const struct run *r, size_t i)
{
	return *CFIELD(r, str_fields[i].run, char *);
}

/*
 * fn on every key and string of v, at any depth (to 64), in order, until it
 * returns nonzero; that value, else 0.
 */
static int
texts_walk(json_t *v, int (*fn)(const char *, void *), void *arg, int depth)
{
	const char *k;
	json_t *e;
	size_t i;
	int r = 0;

	if (v == NULL || depth > 64)
		return 0;
	if (json_is_string(v))
		return fn(json_string_value(v), arg);
	if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			if ((r = fn(k, arg)) != 0 ||
			    (r = texts_walk(e, fn, arg, depth + 1)) != 0)
				return r;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if ((r = texts_walk(e, fn, arg, depth + 1)) != 0)
				return r;
		}
	}
	return 0;
}

int
log_json_texts(json_t *v, int (*fn)(const char *, void *), void *arg)
{
	return texts_walk(v, fn, arg, 0);
}

/* One text into the buffer, followed by a NUL. */
static int
put_text(const char *s, void *arg)
{
	buf_put(arg, s, strlen(s) + 1);
	return 0;
}

/*
 * Whether a slim pack keeps string field i: every one but identity that is
 * not the run's own (the run's costs a bit). The payload goes too, but for
 * its keys and strings (log_json_texts), which search reads.
 */
static int
slim_keeps(size_t i, int same)
{
	return str_fields[i].run == NONE || same;
}

void
log_pack(const struct run *r, const struct event *ev, struct buf *b, int slim)
{
	uint64_t present = 0, same = 0;
	const char *s;
	char *text;
	size_t i;

	pb_eid(b, ev->entry_id);
	pb_uv(b, ev->has);
	for (i = 0; i < NSTR; i++) {
		s = *CFIELD(ev, str_fields[i].ev, char *);
		if (s == NULL || (i == 0 &&
		    strcmp(s, event_type_name(ev->type)) == 0))
			continue;
		if (str_fields[i].run != NONE && !r->pk_plain &&
		    run_str(r, i) != NULL && strcmp(s, run_str(r, i)) == 0)
			same |= 1ull << i;
		if (slim && !slim_keeps(i, (same >> i) & 1))
			continue;
		present |= 1ull << i;
	}
	pb_uv(b, present);
	pb_uv(b, same);
	for (i = 0; i < NSTR; i++) {
		if (!(present & ~same & (1ull << i)))
			continue;
		s = *CFIELD(ev, str_fields[i].ev, char *);
		pb_opt(b, s, strlen(s));
	}
	for (i = 0; i < NNUM; i++) {
		const void *m = CFIELD(ev, num_fields[i].off, char);
		int64_t iv;
		unsigned char c;

		if (!(ev->has & num_fields[i].bit))
			continue;
		switch (num_fields[i].kind) {
		case NK_INT:
			memcpy(&iv, m, sizeof iv);
			pb_uv(b, ((uint64_t)iv << 1) ^ (uint64_t)(iv >> 63));
			break;
		case NK_DBL:
			buf_put(b, m, sizeof(double));
			break;
		case NK_BOOL:
			c = *(const int *)m != 0;
			buf_put(b, &c, 1);
			break;
		}
	}
	if (slim) {
		/* what search reads of the payload: its keys and strings */
		struct buf t;

		buf_init(&t);
		log_json_texts(ev->extra, put_text, &t);
		pb_opt(b, t.len > 0 ? t.p : NULL, t.len);
		buf_done(&t);
		return;
	}
	text = ev->extra != NULL ? json_dumps(ev->extra,
	    JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	pb_opt(b, text, text != NULL ? strlen(text) : 0);
	free(text);
}

/* The entry ID run_log_peek formats (valid until the next peek). */
static char peek_eid[EID_MAX];

/*
 * Read entry e of r into ev. With copy, ev owns copies of everything;
 * without, its strings point into the store and extra stays NULL.
 */
void
log_unpack(const struct run *r, const struct logent *e, struct event *ev,
    int copy)
{
	const unsigned char *p = r->pk + e->off;
	uint64_t present, same;
	char eid[EID_MAX];
	const char *s;
	size_t i, n;

	event_init(ev);
	ev->ts_ms = e->ts_ms;
	ev->type = (enum event_type)e->type;
	ev->source = e->source;
	s = get_eid(&p, eid);
	if (s == eid && !copy)
		s = memcpy(peek_eid, eid, sizeof peek_eid);
	if (s != NULL)
		ev->entry_id = copy ? xstrdup(s) : (char *)(uintptr_t)s;
	ev->has = (uint32_t)get_uv(&p);
	present = get_uv(&p);
	same = get_uv(&p);
	for (i = 0; i < NSTR; i++) {
		char **dst = FIELD(ev, str_fields[i].ev, char *);

		if (!(present & (1ull << i)))
			s = i == 0 ? event_type_name(ev->type) : NULL;
		else if (same & (1ull << i))
			s = run_str(r, i);
		else
			s = get_opt(&p, &n);
		if (s != NULL)
			*dst = copy ? xstrdup(s) : (char *)(uintptr_t)s;
	}
	for (i = 0; i < NNUM; i++) {
		void *m = FIELD(ev, num_fields[i].off, char);
		uint64_t u;
		int64_t iv;

		if (!(ev->has & num_fields[i].bit))
			continue;
		switch (num_fields[i].kind) {
		case NK_INT:
			u = get_uv(&p);
			iv = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
			memcpy(m, &iv, sizeof iv);
			break;
		case NK_DBL:
			memcpy(m, p, sizeof(double));
			p += sizeof(double);
			break;
		case NK_BOOL:
			*(int *)m = *p++;
			break;
		}
	}
	s = get_opt(&p, &n);
	if (s != NULL && copy && !(e->flags & LOGENT_SLIM))
		ev->extra = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		    NULL);
}

void
run_log_get(const struct run *r, size_t i, struct event *ev)
{
	log_unpack(r, &r->log[i], ev, 1);
}

void
run_log_peek(const struct run *r, size_t i, struct event *ev)
{
	log_unpack(r, &r->log[i], ev, 0);
}

/* Skip a string written by pb_opt. */
static void
skip_opt(const unsigned char **pp)
{
	uint64_t n = get_uv(pp);

	*pp += n;
}

void
run_log_figures(const struct run *r, size_t i, struct log_figures *f)
{
	const unsigned char *p = r->pk + r->log[i].off;
	uint64_t present, same;
	const char **dst;
	size_t k, n;

	memset(f, 0, sizeof *f);
	skip_eid(&p);
	f->has = (uint32_t)get_uv(&p);
	present = get_uv(&p);
	same = get_uv(&p);
	for (k = 0; k < NSTR; k++) {
		if (!(present & ~same & (1ull << k)))
			continue;
		switch (str_fields[k].ev) {
		case EOFF(model_id): dst = &f->model_id; break;
		case EOFF(finish_reason): dst = &f->finish_reason; break;
		case EOFF(tool_id): dst = &f->tool_id; break;
		case EOFF(outcome): dst = &f->outcome; break;
		case EOFF(error_kind): dst = &f->error_kind; break;
		default:
			skip_opt(&p);
			continue;
		}
		*dst = get_opt(&p, &n);
	}
	for (k = 0; k < NNUM; k++) {
		uint64_t u;
		int64_t iv;

		if (!(f->has & num_fields[k].bit))
			continue;
		switch (num_fields[k].kind) {
		case NK_INT:
			u = get_uv(&p);
			iv = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
			if (num_fields[k].bit == EF_INPUT_TOKENS)
				f->input_tokens = iv;
			else if (num_fields[k].bit == EF_OUTPUT_TOKENS)
				f->output_tokens = iv;
			else if (num_fields[k].bit == EF_DURATION_MS)
				f->duration_ms = iv;
			break;
		case NK_DBL:
			if (num_fields[k].bit == EF_COST_USD)
				memcpy(&f->cost_usd, p, sizeof f->cost_usd);
			p += sizeof(double);
			break;
		case NK_BOOL:
			p++;
			break;
		}
		if (num_fields[k].bit == EF_DURATION_MS)
			break; /* the last one the metrics read */
	}
}

/* Where the last field of the pack at p (its payload) starts. */
static const unsigned char *
pack_extra(const unsigned char *p)
{
	uint64_t t = get_uv(&p), has, present, same;
	size_t i;

	if (t & 1)
		p += (t - 1) / 2 + 1;
	else if (t != 0) {
		get_uv(&p);
		get_uv(&p);
	}
	has = get_uv(&p);
	present = get_uv(&p);
	same = get_uv(&p);
	for (i = 0; i < NSTR; i++) {
		if (present & ~same & (1ull << i))
			skip_opt(&p);
	}
	for (i = 0; i < NNUM; i++) {
		if (!(has & num_fields[i].bit))
			continue;
		switch (num_fields[i].kind) {
		case NK_INT:
			get_uv(&p);
			break;
		case NK_DBL:
			p += sizeof(double);
			break;
		case NK_BOOL:
			p++;
			break;
		}
	}
	return p;
}

/* The length of entry e's pack, read from the pack itself. */
uint32_t
log_pack_len(const struct run *r, const struct logent *e)
{
	const unsigned char *start = r->pk + e->off, *p = pack_extra(start);

	skip_opt(&p);
	return (uint32_t)(p - start);
}

/* The entry ID of a packed event (maybe formatted into buf, EID_MAX), or NULL. */
const char *
log_entry_id(const struct run *r, const struct logent *e, char *buf)
{
	const unsigned char *p = r->pk + e->off;

	return get_eid(&p, buf);
}

int
log_identity_changes(const struct run *r, const struct event *ev)
{
	const char *s, *cur;

	if (r->pk_plain)
		return 0;
	for (size_t i = 0; i < NSTR; i++) {
		if (str_fields[i].run == NONE)
			continue;
		s = *CFIELD(ev, str_fields[i].ev, char *);
		cur = run_str(r, i);
		if (s != NULL && cur != NULL && strcmp(s, cur) < 0)
			return 1;
	}
	return 0;
}

const char *
log_texts(const struct run *r, size_t i, size_t *len)
{
	const unsigned char *p = pack_extra(r->pk + r->log[i].off);

	*len = 0;
	if (!(r->log[i].flags & LOGENT_SLIM))
		return NULL;
	return get_opt(&p, len);
}

int
run_log_held(const struct run *r, size_t i)
{
	return !(r->log[i].flags & LOGENT_SLIM);
}
