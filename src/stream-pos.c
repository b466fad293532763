/* execmon - where a follower stands in a Redis stream: the gap rule and recreated streams. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stream-pos.h"

/*
 * The rules, in the terms of stream-pos.h.
 *
 * Gaps. Positions only grow, and an entry's position never changes. With
 * the anchor exact, a landmark at position p reached by reading it means
 * p - anchor - 1 entries between were added and never read; one passed
 * unseen (the next entry read is past it) means p - anchor were. When
 * XINFO finds the stream's front past the last entry read (or the stream
 * empty), every entry it holds is unread, so entries-added - anchor -
 * length were lost; when it finds nothing held after our last (its
 * last-entry is at or before it), entries-added - anchor were. Each loss found moves the anchor up
 * by its size, so nothing is counted twice. Before the first read the
 * anchor is the position just before the stream's front, when the reader
 * starts at or before that front and nothing inside the stream was
 * deleted; a reader that starts inside the stream takes its anchor at the
 * first landmark it reaches, and a loss before that is reported with its
 * size unknown.
 *
 * Recreated streams. In one stream's life entries-added, the first entry's
 * ID and last-generated-id never go back, and the stream never holds more
 * entries than were added after the last one read. Any of those broken, or
 * last-generated-id below the last entry read, or the key gone, means a new
 * stream under the same key: it is read from its start, anchored at 0.
 * Entries read between the last XINFO and the one that found it new may
 * have come from the new stream already; those (skip_lo, skip_hi] are not
 * handed on twice.
 */

static const struct sid sid_zero = { 0, 0 };

/* The decimal digits at the start of s[0..len) (at most UINT64_MAX); how many, 0 if none. */
static size_t
parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return i;
}

int
sid_parse(const char *s, size_t len, struct sid *out)
{
	struct sid id;
	size_t n, m;

	n = parse_u64(s, len, &id.ms);
	if (n == 0 || n == len || s[n] != '-')
		return -1;
	m = parse_u64(s + n + 1, len - n - 1, &id.seq);
	if (m == 0 || n + 1 + m != len)
		return -1;
	*out = id;
	return 0;
}

int
sid_cmp(struct sid a, struct sid b)
{
	if (a.ms != b.ms)
		return a.ms < b.ms ? -1 : 1;
	if (a.seq != b.seq)
		return a.seq < b.seq ? -1 : 1;
	return 0;
}

void
sid_fmt(struct sid s, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 "-%" PRIu64, s.ms, s.seq);
}

void
spos_init(struct spos *p, struct sid start)
{
	memset(p, 0, sizeof *p);
	p->start = start;
}

/* A new stream under the same key: read it from its start. */
static void
restart(struct spos *p)
{
	struct sid lo = p->have_checked ? p->checked : sid_zero;

	p->skip = 0;
	if (p->have_last && sid_cmp(lo, p->last) < 0) {
		p->skip = 1;
		p->skip_lo = lo;
		p->skip_hi = p->last;
	}
	p->start = sid_zero;
	p->have_last = 0;
	p->anchored = 1;
	p->anchor = 0;
	p->mark[0].set = p->mark[1].set = 0;
	p->seen = 0;
	p->gap_seen = sid_zero;
	p->have_checked = 0;
}

static int64_t
add_lost(int64_t acc, int64_t n)
{
	if (acc < 0 || n < 0)
		return -1;
	return acc + n;
}

/* Why this XINFO cannot be of the stream seen before; NULL if it can. */
static const char *
recreated_why(const struct spos *p, const struct xinfo *x, char *buf, size_t size)
{
	char a[48], b[48];
	int front_past = x->length == 0 || (x->have_first && sid_cmp(x->first, p->last) > 0);

	if (!p->moved && p->have_last && x->have_gen && sid_cmp(x->last_gen, p->last) < 0) {
		sid_fmt(p->last, a, sizeof a);
		sid_fmt(x->last_gen, b, sizeof b);
		snprintf(buf, size, "its last ID went back from %s to %s", a, b);
	} else if (p->seen && x->have_gen && p->prev.have_gen &&
	    sid_cmp(x->last_gen, p->prev.last_gen) < 0) {
		sid_fmt(p->prev.last_gen, a, sizeof a);
		sid_fmt(x->last_gen, b, sizeof b);
		snprintf(buf, size, "its last ID went back from %s to %s", a, b);
	} else if (p->seen && x->have_first && p->prev.have_first &&
	    sid_cmp(x->first, p->prev.first) < 0) {
		sid_fmt(p->prev.first, a, sizeof a);
		sid_fmt(x->first, b, sizeof b);
		snprintf(buf, size, "its first entry went back from %s to %s", a, b);
	} else if (p->seen && x->have_added && p->prev.have_added &&
	    x->added < p->prev.added)
		snprintf(buf, size, "entries-added went back from %" PRIu64 " to %" PRIu64,
		    p->prev.added, x->added);
	else if (p->anchored && p->have_last && x->have_added && x->added < p->anchor)
		snprintf(buf, size, "entries-added %" PRIu64 " is below the %" PRIu64
		    " entries already read", x->added, p->anchor);
	else if (p->anchored && p->have_last && x->have_added && front_past &&
	    x->added - p->anchor < x->length)
		snprintf(buf, size, "it holds %" PRIu64 " entries, more than the %" PRIu64
		    " added since the last one read", x->length, x->added - p->anchor);
	else
		return NULL;
	return buf;
}

/* The stream holds nothing after the last entry read. */
static int
caught_up(const struct spos *p, const struct xinfo *x)
{
	if (x->have_gen && sid_cmp(p->last, x->last_gen) == 0)
		return 1;
	return x->have_last_entry && sid_cmp(x->last_entry, p->last) <= 0;
}

void
spos_info(struct spos *p, const struct xinfo *x, struct spos_result *r)
{
	int md_ok, front_past;
	int64_t lost = 0;
	const char *why;

	memset(r, 0, sizeof *r);
	if (!x->exists) {
		if (p->seen || p->have_last) {
			restart(p);
			r->verdict = SPOS_DELETED;
		} else {
			/* It does not exist yet: all of it will be new. */
			p->start = sid_zero;
			p->anchored = 1;
			p->anchor = 0;
			r->verdict = SPOS_MISSING;
		}
		return;
	}
	if ((p->seen || p->have_last) &&
	    (why = recreated_why(p, x, r->why, sizeof r->why)) != NULL) {
		restart(p);
		r->verdict = SPOS_RECREATED;
	}
	p->moved = 0;
	p->seen = 1;
	p->prev = *x;
	p->have_checked = p->have_last;
	p->checked = p->last;
	p->mark[0].set = p->mark[1].set = 0;
	if (!x->have_added)
		return; /* no positions on this server: no gap rule */

	md_ok = !x->have_md || sid_cmp(x->max_deleted, sid_zero) == 0 ||
	    (x->have_first && sid_cmp(x->max_deleted, x->first) < 0);
	if (p->have_last)
		front_past = x->length == 0 ||
		    (x->have_first && sid_cmp(x->first, p->last) > 0);
	else
		front_past = x->length == 0 ||
		    (x->have_first && sid_cmp(p->start, x->first) <= 0);

	if (p->anchored) {
		if (front_past) {
			if (x->added > p->anchor + x->length) {
				lost = (int64_t)(x->added - p->anchor - x->length);
				p->anchor = x->added - x->length;
			}
		} else if (p->have_last && caught_up(p, x) && x->added > p->anchor) {
			/* Nothing after last is left: all added since is lost. */
			lost = (int64_t)(x->added - p->anchor);
			p->anchor = x->added;
		}
	} else if (front_past && md_ok) {
		/* From the front on, positions are known; before it, a reader that
		 * started inside the stream cannot tell what it missed. */
		if (p->have_last)
			lost = -1;
		p->anchored = 1;
		p->anchor = x->added - x->length;
	} else if (p->have_last && x->have_gen && sid_cmp(p->last, x->last_gen) == 0) {
		p->anchored = 1;
		p->anchor = x->added;
	} else if (p->have_last && x->have_md && sid_cmp(x->max_deleted, p->last) > 0 &&
	    sid_cmp(x->max_deleted, p->gap_seen) > 0)
		lost = -1; /* deleted after last; how many, Redis can't tell */
	if (x->have_md && sid_cmp(x->max_deleted, p->gap_seen) > 0)
		p->gap_seen = x->max_deleted;

	/* Landmarks ahead of the reader. */
	if (x->length > 0 && x->have_first && md_ok &&
	    (p->have_last ? sid_cmp(x->first, p->last) > 0 :
	    sid_cmp(x->first, p->start) >= 0)) {
		p->mark[0].set = 1;
		p->mark[0].id = x->first;
		p->mark[0].pos = x->added - x->length + 1;
	}
	if (x->length > 0 && x->have_gen &&
	    (p->have_last ? sid_cmp(x->last_gen, p->last) > 0 :
	    sid_cmp(x->last_gen, p->start) >= 0) &&
	    !(p->mark[0].set && sid_cmp(p->mark[0].id, x->last_gen) == 0)) {
		p->mark[1].set = 1;
		p->mark[1].id = x->last_gen;
		p->mark[1].pos = x->added;
	}
	r->lost = lost;
}

int64_t
spos_entry(struct spos *p, struct sid id)
{
	int64_t lost = 0;

	for (int k = 0; k < 2; k++) {
		int c;

		if (!p->mark[k].set || (c = sid_cmp(p->mark[k].id, id)) > 0)
			continue;
		if (c == 0) {
			/* Reached: it is the entry being read. */
			if (p->anchored && p->mark[k].pos > p->anchor + 1)
				lost = add_lost(lost, (int64_t)(p->mark[k].pos - p->anchor - 1));
			p->anchor = p->mark[k].pos - 1;
		} else {
			/* Passed: it and everything before it that we have not read is gone. */
			if (p->anchored) {
				if (p->mark[k].pos > p->anchor)
					lost = add_lost(lost, (int64_t)(p->mark[k].pos - p->anchor));
			} else if (sid_cmp(p->mark[k].id, p->start) >= 0)
				lost = -1;
			p->anchor = p->mark[k].pos;
		}
		p->anchored = 1;
		p->mark[k].set = 0;
	}
	if (p->anchored)
		p->anchor++;
	if (p->skip && sid_cmp(id, p->skip_hi) > 0)
		p->skip = 0;
	p->last = id;
	p->have_last = 1;
	return lost;
}

int
spos_skip(const struct spos *p, struct sid id)
{
	return p->skip && sid_cmp(id, p->skip_lo) > 0 && sid_cmp(id, p->skip_hi) <= 0;
}

void
spos_rebase(struct spos *p)
{
	memset(&p->prev, 0, sizeof p->prev);
	p->anchored = 0;
	p->mark[0].set = p->mark[1].set = 0;
	p->have_checked = 0;
	p->moved = 1;
}
