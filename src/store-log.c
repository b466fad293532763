/* execmon - a run's event log: events packed into one buffer per run. */
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
#include "store-int.h"
#include "store-log-int.h"
#include "store-pack.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The log holds what the drill-down and reports need of every event, in far
 * less memory than a struct event (384 bytes before its strings): each event
 * is packed into the run's byte buffer (store-pack.c), and a 16-byte struct
 * logent keeps its time, type, source and flags in sorted order.
 *
 * A packed event:
 *   the entry ID: a stream ID as numbers, else a string (see pb_eid)
 *   varint  has (enum event_field bits)
 *   varint  strings present (bit i = str_fields[i])
 *   varint  strings that are the run's own value (a subset: not stored)
 *   each present, not shared string: varint length, the bytes, a NUL
 *   each number whose has bit is set, in num_fields order: a zigzag varint
 *           (integers), 8 bytes (doubles) or 1 byte (booleans)
 *   varint  extra's JSON text length + 1 (0 = none), the text, a NUL; in a
 *           slim pack (LOGENT_SLIM) instead its keys and strings, each
 *           followed by a NUL, for search
 * The type name is stored only when it is not the type's own name.
 *
 * Sharing. An event whose run_id, agent, trace, span, request, user,
 * workspace, source or queue equals the run's value refers to it. The run's
 * identity strings only ever change to a smaller value (store.c); before such
 * a change the store unpacks the log and packs it again afterwards, so every
 * event reads back exactly as it came. After LOG_FIXUPS_MAX such changes a
 * run's packs hold copies instead, so hostile identities cost O(log) at most
 * that many times.
 *
 * Bounds. At most STORE_LOG_MAX events and LOG_BYTES_MAX packed bytes per
 * run; beyond either the oldest events by event time go (log_dropped). Space
 * of dropped events is reclaimed when the buffer would otherwise grow.
 */

#define LOG_BYTES_MAX (16u << 20)
#define LOG_FIXUPS_MAX 8

/* The source index a log entry holds for s. */
static int
log_source(int s)
{
	return s >= 0 && s < LOGENT_SOURCES ? s : -1;
}

static int
strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Log order: event time, source, entry ID (arrival breaks the rest). */
static int
log_cmp(const struct run *r, const struct logent *e, const struct event *ev)
{
	if (e->ts_ms != ev->ts_ms)
		return e->ts_ms < ev->ts_ms ? -1 : 1;
	if (e->source != log_source(ev->source))
		return e->source < log_source(ev->source) ? -1 : 1;
	char buf[EID_MAX];

	return strcmp_null(log_entry_id(r, e, buf), ev->entry_id);
}

/* Make room for one more entry at the end of the log's allocation. */
static void
log_reserve(struct run *r)
{
	size_t off = (size_t)(r->log - r->log_base);

	if (r->log_base == NULL) {
		r->log_cap = 4;
		r->log_base = r->log = xreallocarray(NULL, r->log_cap,
		    sizeof *r->log);
		return;
	}
	if (off + r->nlog < r->log_cap)
		return;
	if (off > 0) {
		memmove(r->log_base, r->log, r->nlog * sizeof *r->log);
		r->log = r->log_base;
		if (r->nlog <= r->log_cap / 2)
			return;
	}
	r->log_cap *= 2;
	r->log_base = r->log = xreallocarray(r->log_base, r->log_cap,
	    sizeof *r->log);
}

/* Copy the live packs into a new buffer with room for extra more bytes (and half as much again unless exact). */
static void
pk_compact_to(struct run *r, size_t extra, int exact)
{
	size_t live = r->pk_len - r->pk_dead, cap = live + extra + (exact ? 0 : live / 2);
	unsigned char *np = xmalloc(cap > 64 || exact ? (cap > 0 ? cap : 1) : 64);
	uint32_t at = 0;

	for (size_t i = 0; i < r->nlog; i++) {
		uint32_t len = log_pack_len(r, &r->log[i]);

		memcpy(np + at, r->pk + r->log[i].off, len);
		r->log[i].off = at;
		at += len;
	}
	free(r->pk);
	r->pk = np;
	r->pk_len = at;
	r->pk_cap = (uint32_t)(cap > 64 || exact ? (cap > 0 ? cap : 1) : 64);
	r->pk_dead = 0;
}

static void
pk_compact(struct run *r, size_t extra)
{
	pk_compact_to(r, extra, 0);
}

/* Make room for n more packed bytes. */
static void
pk_reserve(struct run *r, size_t n)
{
	size_t cap;

	if ((size_t)r->pk_len + n <= r->pk_cap)
		return;
	if (r->pk_dead > 0 && r->pk_dead >= r->pk_len / 4) {
		pk_compact(r, n);
		return;
	}
	cap = (size_t)r->pk_cap + r->pk_cap / 2;
	if (cap < (size_t)r->pk_len + n)
		cap = (size_t)r->pk_len + n;
	if (cap < 96)
		cap = 96;
	r->pk = xrealloc(r->pk, cap);
	r->pk_cap = (uint32_t)cap;
}

static void
drop_oldest(struct run *r)
{
	char buf[EID_MAX];

	store_run_gone_add(r, store_key_of(log_entry_id(r, &r->log[0], buf),
	    r->log[0].source));
	uint32_t len = log_pack_len(r, &r->log[0]);

	if (!(r->log[0].flags & LOGENT_SLIM))
		r->pk_held -= len;
	r->log_dropped++;
	r->pk_dead += len;
	r->log++;
	r->nlog--;
}

/* Put a packed event at position at of the log. */
static void
place(struct run *r, size_t at, const struct event *ev, const struct buf *b,
    int slim)
{
	struct logent *e;

	while (r->nlog > 0 && (size_t)r->pk_len - r->pk_dead + b->len >
	    LOG_BYTES_MAX) {
		drop_oldest(r);
		if (at > 0)
			at--;
	}
	pk_reserve(r, b->len);
	log_reserve(r);
	memmove(r->log + at + 1, r->log + at, (r->nlog - at) * sizeof *r->log);
	e = &r->log[at];
	e->ts_ms = ev->ts_ms;
	e->off = r->pk_len;
	e->source = log_source(ev->source);
	e->type = (unsigned)ev->type & 0x3f;
	e->flags = slim ? LOGENT_SLIM : 0;
	if (!slim)
		r->pk_held += (uint32_t)b->len;
	memcpy(r->pk + r->pk_len, b->p, b->len);
	r->pk_len += (uint32_t)b->len;
	r->nlog++;
}

void
log_insert(struct run *r, struct event *ev, int slim)
{
	size_t lo = 0, hi = r->nlog, mid;
	struct buf b;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (log_cmp(r, &r->log[mid], ev) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (r->nlog >= STORE_LOG_MAX) {
		if (lo == 0) {
			store_run_gone_add(r, store_event_key(ev));
			r->log_dropped++;
			event_done(ev);
			return;
		}
		drop_oldest(r);
		lo--;
	}
	buf_init(&b);
	log_pack(r, ev, &b, slim);
	if (b.len > LOG_BYTES_MAX) {
		store_run_gone_add(r, store_event_key(ev));
		r->log_dropped++;
	} else
		place(r, lo, ev, &b, slim);
	buf_done(&b);
	event_done(ev);
}

int
log_has(const struct run *r, const struct event *ev)
{
	size_t lo = 0, hi = r->nlog, mid;

	if (ev->entry_id == NULL)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (log_cmp(r, &r->log[mid], ev) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nlog && log_cmp(r, &r->log[lo], ev) == 0;
}

void
log_free(struct run *r)
{
	free(r->log_base);
	free(r->pk);
	r->log = r->log_base = NULL;
	r->pk = NULL;
	r->nlog = r->log_cap = 0;
	r->pk_len = r->pk_cap = r->pk_dead = r->pk_held = 0;
}

void
log_shrink(struct run *r)
{
	if (r->log_base != NULL && r->nlog > 0 && r->log_cap > r->nlog) {
		if (r->log != r->log_base)
			memmove(r->log_base, r->log, r->nlog * sizeof *r->log);
		r->log_cap = r->nlog;
		r->log_base = r->log = xreallocarray(r->log_base, r->log_cap,
		    sizeof *r->log);
	}
	if (r->pk != NULL && r->pk_cap > r->pk_len - r->pk_dead + 16)
		pk_compact_to(r, 0, 1);
}

size_t
log_slim_all(struct run *r)
{
	unsigned char *slim;
	struct event *evs;
	size_t n = 0;

	if (r->pk_held == 0)
		return 0;
	evs = log_unpack_all(r, &slim);
	for (size_t i = 0; i < r->nlog; i++) {
		n += slim[i] == 0;
		slim[i] = 1;
	}
	r->pk_fixups--; /* not an identity change */
	log_repack_all(r, evs, slim);
	/* the slim packs fit in the old buffer: give the rest back */
	log_shrink(r);
	return n;
}

struct event *
log_unpack_all(const struct run *r, unsigned char **slim)
{
	struct event *evs = xreallocarray(NULL, r->nlog ? r->nlog : 1,
	    sizeof *evs);

	*slim = xmalloc(r->nlog ? r->nlog : 1);
	for (size_t i = 0; i < r->nlog; i++) {
		log_unpack(r, &r->log[i], &evs[i], 1);
		(*slim)[i] = (r->log[i].flags & LOGENT_SLIM) != 0;
	}
	return evs;
}

void
log_repack_all(struct run *r, struct event *evs, unsigned char *slim)
{
	size_t n = r->nlog;
	struct buf b;

	if (++r->pk_fixups > LOG_FIXUPS_MAX)
		r->pk_plain = 1;
	r->pk_len = r->pk_dead = r->pk_held = 0;
	r->log = r->log_base;
	r->nlog = 0;
	for (size_t i = 0; i < n; i++) {
		buf_init(&b);
		log_pack(r, &evs[i], &b, slim[i]);
		place(r, i, &evs[i], &b, slim[i]);
		buf_done(&b);
		event_done(&evs[i]);
	}
	free(evs);
	free(slim);
}
