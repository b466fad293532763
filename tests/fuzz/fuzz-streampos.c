/* execmon - fuzz where a reader stands in a stream (the gap rule) and the refusal kinds. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "redis-err.h"
#include "stream-pos.h"

/*
 * The input drives a model stream (IDs 1..added, a front that trimming
 * moves, XDELs ahead of the reader) and a reader that reads it in chunks,
 * asks XINFO after every chunk (as the follower does) and at will, and
 * reads to the end at last. Each byte is an operation, the next one its
 * argument. read + lost = added must hold, with no
 * loss of unknown size (the reader starts at the stream's start), and no
 * loss reported when nothing was removed. A failover (spos_rebase) may come
 * at any point: the stream is never taken for a new one, and then read +
 * lost stays within added. Separately, the input as an
 * error reply: its kind and words are one printable line that fits.
 */

#define MAXN 4096

struct model {
	uint64_t added, first;  /* first 0: empty */
	unsigned char deleted[MAXN + 2];
	uint64_t md, ndel;      /* max deleted ID, deletions of present entries */
	int removed;            /* anything trimmed or deleted at all */
};

static uint64_t
length(const struct model *m)
{
	return m->first ? m->added - m->first + 1 - m->ndel : 0;
}

static void
info(const struct model *m, struct xinfo *x)
{
	memset(x, 0, sizeof *x);
	x->exists = 1;
	x->have_added = 1;
	x->added = m->added;
	x->length = length(m);
	if (x->length > 0) {
		uint64_t f = m->first;

		while (m->deleted[f])
			f++;
		x->have_first = 1;
		x->first = (struct sid){ f, 0 };
		for (f = m->added; m->deleted[f]; f--)
			;
		x->have_last_entry = 1;
		x->last_entry = (struct sid){ f, 0 };
	}
	x->have_gen = 1;
	x->last_gen = (struct sid){ m->added, 0 };
	x->have_md = 1;
	x->max_deleted = (struct sid){ m->md, 0 };
}

static void
trim(struct model *m, uint64_t maxlen)
{
	while (m->first && length(m) > maxlen) {
		if (m->deleted[m->first]) {
			m->deleted[m->first] = 0;
			m->ndel--;
		}
		m->first = m->first < m->added ? m->first + 1 : 0;
		m->removed = 1;
	}
	/* the front never rests on a deleted entry */
	while (m->first && m->deleted[m->first]) {
		m->deleted[m->first] = 0;
		m->ndel--;
		m->first = m->first < m->added ? m->first + 1 : 0;
	}
}

struct reader {
	struct spos p;
	uint64_t read;
	int64_t lost;
	int unknown;
	int rebased;           /* a failover to a replica that holds it all */
};

static void
count(struct reader *r, int64_t lost)
{
	FUZZ_CHECK(lost >= -1, "lost %lld", (long long)lost);
	if (lost < 0)
		r->unknown = 1;
	else
		r->lost += lost;
}

static void
ask(struct reader *r, const struct model *m)
{
	struct spos_result res;
	struct xinfo x;

	info(m, &x);
	spos_info(&r->p, &x, &res);
	FUZZ_CHECK(res.verdict == SPOS_OK, "verdict %d (%s) for one stream", res.verdict,
	    res.why);
	count(r, res.lost);
}

static void
chunk(struct reader *r, const struct model *m, uint64_t n)
{
	uint64_t id = r->p.have_last ? r->p.last.ms + 1 : 1;

	if (m->first == 0)
		id = m->added + 1;
	else if (id < m->first)
		id = m->first;
	for (; id <= m->added && n > 0; id++) {
		if (m->deleted[id])
			continue;
		count(r, spos_entry(&r->p, (struct sid){ id, 0 }));
		r->read++;
		n--;
	}
	ask(r, m);
}

static void
check_words(const uint8_t *data, size_t size)
{
	char out[300];

	(void)redis_err_kind((const char *)data, size);
	redis_err_words((const char *)data, size, size & 1, out, sizeof out);
	FUZZ_CHECK(strlen(out) < sizeof out, "too long");
	FUZZ_CHECK(strchr(out, '\n') == NULL && strchr(out, '\r') == NULL,
	    "not one line");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct reader r;
	struct xinfo x;
	struct spos_result res;

	check_words(data, size);
	memset(&m, 0, sizeof m);
	memset(&r, 0, sizeof r);
	spos_init(&r.p, (struct sid){ 0, 0 });
	info(&m, &x);
	x.exists = 0;
	spos_info(&r.p, &x, &res); /* not there yet */
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint64_t arg = data[i + 1];

		switch (data[i] % 6) {
		case 0: /* XADD arg+1 entries */
			if (m.added + arg + 1 > MAXN)
				break;
			if (m.first == 0)
				m.first = m.added + 1;
			m.added += arg + 1;
			break;
		case 1: /* XTRIM MAXLEN arg */
			trim(&m, arg);
			break;
		case 2: /* read a chunk, then XINFO */
			chunk(&r, &m, arg % 64 + 1);
			break;
		case 3: /* XINFO alone */
			ask(&r, &m);
			break;
		case 4: { /* XDEL an entry ahead of the reader */
			uint64_t id = (r.p.have_last ? r.p.last.ms : 0) + arg % 16 + 1;

			if (m.first == 0 || id < m.first || id > m.added || m.deleted[id])
				break;
			m.deleted[id] = 1;
			m.ndel++;
			m.removed = 1;
			if (id > m.md)
				m.md = id;
			trim(&m, length(&m)); /* the front skips it */
			break;
		}
		case 5: /* a failover: the same stream on another server */
			spos_rebase(&r.p);
			r.rebased = 1;
			break;
		}
	}
	while (!r.p.have_last || r.p.last.ms < m.added) {
		uint64_t before = r.read;

		chunk(&r, &m, 64);
		if (r.read == before)
			break;
	}
	ask(&r, &m);
	/* After a failover positions start afresh: a loss may be of unknown size. */
	FUZZ_CHECK(r.rebased || !r.unknown, "a loss of unknown size for a reader from the start");
	FUZZ_CHECK(r.rebased ? r.read + (uint64_t)r.lost <= m.added :
	    r.read + (uint64_t)r.lost == m.added,
		    "read %llu + lost %lld != added %llu", (unsigned long long)r.read,
		    (long long)r.lost, (unsigned long long)m.added);
	FUZZ_CHECK(m.removed || (r.lost == 0 && !r.unknown), "a loss where none was");
	return 0;
}
