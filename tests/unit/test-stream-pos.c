/* execmon - unit tests: the gap rule at every position, recreated streams, refusal kinds. */
#include "config.h"

#include <string.h>

#include "redis-err.h"
#include "stream-pos.h"
#include "tap.h"

/*
 * A model stream: entries 1..n with IDs (i, 0); first, length and
 * entries-added as a real one keeps them (trimming moves first; nothing
 * inside is deleted unless md is set).
 */
struct model {
	uint64_t added;        /* entries ever added: IDs 1..added */
	uint64_t first;        /* first present ID, 0 = empty */
	uint64_t md;           /* max deleted, 0 = none */
	int exists;
};

static struct sid
id(uint64_t n)
{
	return (struct sid){ n, 0 };
}

static void
info(const struct model *m, struct xinfo *x)
{
	memset(x, 0, sizeof *x);
	x->exists = m->exists;
	if (!m->exists)
		return;
	x->have_added = 1;
	x->added = m->added;
	x->length = m->first ? m->added - m->first + 1 : 0;
	x->have_first = m->first != 0;
	x->first = id(m->first);
	x->have_last_entry = m->first != 0;
	x->last_entry = id(m->added);
	x->have_gen = 1;
	x->last_gen = id(m->added);
	x->have_md = 1;
	x->max_deleted = id(m->md);
}

static void
add(struct model *m, uint64_t n)
{
	m->exists = 1;
	if (m->first == 0)
		m->first = m->added + 1;
	m->added += n;
}

static void
trim(struct model *m, uint64_t maxlen)
{
	if (m->first && m->added - m->first + 1 > maxlen)
		m->first = maxlen ? m->added - maxlen + 1 : 0;
}

/* Read up to count entries after the reader's last (as XRANGE would), then XINFO. */
static uint64_t
read_chunk(struct spos *p, const struct model *m, uint64_t count, int64_t *lost,
    struct spos_result *r)
{
	uint64_t from = p->have_last ? p->last.ms + 1 : p->start.ms, got = 0;
	struct xinfo x;

	if (m->first && from < m->first)
		from = m->first;
	for (uint64_t i = from; m->first && i <= m->added && got < count; i++, got++) {
		int64_t l = spos_entry(p, id(i));

		*lost = (*lost < 0 || l < 0) ? -1 : *lost + l;
	}
	info(m, &x);
	spos_info(p, &x, r);
	*lost = (*lost < 0 || r->lost < 0) ? -1 : *lost + r->lost;
	return got;
}

static void
test_trim_during_backfill(void)
{
	struct model m = { 0 };
	struct spos p;
	struct spos_result r;
	struct xinfo x;
	uint64_t read = 0;
	int64_t lost = 0;

	add(&m, 10000);
	spos_init(&p, id(0));
	info(&m, &x);
	spos_info(&p, &x, &r);
	read += read_chunk(&p, &m, 1000, &lost, &r);
	trim(&m, 100);                 /* XTRIM MAXLEN 100 while behind */
	while (p.last.ms < m.added)
		read += read_chunk(&p, &m, 1000, &lost, &r);
	is_int(read + (uint64_t)lost, 10000, "trimmed during the backfill: read + lost = added");
	is_int(lost, 8900, "the lost entries are counted exactly");
}

static void
test_trim_between_chunks_every_position(void)
{
	/* A trim at any point of a backfill, with adds going on. */
	for (uint64_t at = 0; at <= 6; at++) {
		struct model m = { 0 };
		struct spos p;
		struct spos_result r;
		struct xinfo x;
		uint64_t read = 0, step = 0;
		int64_t lost = 0;

		add(&m, 5000);
		spos_init(&p, id(0));
		info(&m, &x);
		spos_info(&p, &x, &r);
		do {
			if (step++ == at) {
				add(&m, 700);
				trim(&m, 300);
			}
			read += read_chunk(&p, &m, 1000, &lost, &r);
		} while (p.last.ms < m.added);
		ok(lost >= 0 && read + (uint64_t)lost == m.added,
		    "trim before chunk %llu: read %llu + lost %lld = added %llu",
		    (unsigned long long)at, (unsigned long long)read, (long long)lost,
		    (unsigned long long)m.added);
	}
}

static void
test_trim_to_empty_live(void)
{
	struct model m = { 0 };
	struct spos p;
	struct spos_result r;
	struct xinfo x;
	uint64_t read = 0;
	int64_t lost = 0;

	add(&m, 10);
	spos_init(&p, id(0));
	info(&m, &x);
	spos_info(&p, &x, &r);
	read += read_chunk(&p, &m, 1000, &lost, &r);
	add(&m, 50);
	trim(&m, 0);                   /* XTRIM MAXLEN 0: empty, key kept */
	info(&m, &x);
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_OK, "an emptied stream is the same stream");
	is_int(r.lost, 50, "its 50 unread entries are lost");
	is_int(read, 10, "the 10 read before");
}

static void
test_recreated(void)
{
	struct model m = { 0 };
	struct spos p;
	struct spos_result r;
	struct xinfo x;
	int64_t lost = 0;

	add(&m, 20);
	spos_init(&p, id(0));
	info(&m, &x);
	spos_info(&p, &x, &r);
	read_chunk(&p, &m, 1000, &lost, &r);
	/* DEL and 5 new entries with lower IDs. */
	memset(&m, 0, sizeof m);
	add(&m, 5);
	info(&m, &x);
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_RECREATED, "last ID going back: recreated");
	ok(strstr(r.why, "went back") != NULL, "why: %s", r.why);
	ok(!p.have_last && p.start.ms == 0, "read again from the start");
	lost = 0;
	read_chunk(&p, &m, 1000, &lost, &r);
	is_int(p.last.ms, 5, "the new stream's 5 entries are read");
	is_int(lost, 0, "nothing lost");

	/* The key vanishing. */
	memset(&m, 0, sizeof m);
	info(&m, &x);
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_DELETED, "a key that vanished: deleted");
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_MISSING, "then missing, once");
}

/* A failover to a replica that had not received the last 3 entries read. */
static void
test_failover_rebase(void)
{
	struct model m = { 0 };
	struct spos p;
	struct spos_result r;
	struct xinfo x;
	int64_t lost = 0;

	add(&m, 20);
	spos_init(&p, id(0));
	info(&m, &x);
	spos_info(&p, &x, &r);
	read_chunk(&p, &m, 1000, &lost, &r);
	m.added = 17; /* the new master holds 1..17 */
	spos_rebase(&p);
	info(&m, &x);
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_OK, "after a failover a last ID behind the entries read is the same stream");
	ok(p.have_last && p.last.ms == 20, "reads resume after the last entry read");
	m.added = 30; /* the new master goes on: 21..30 */
	info(&m, &x);
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_OK, "still the same stream at the next look");
	memset(&m, 0, sizeof m);
	add(&m, 5);
	info(&m, &x);
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_RECREATED, "a recreation after that is found again");
}

static void
test_recreated_higher_ids(void)
{
	/* DEL and XADD * (higher IDs, fewer entries-added): found by the count. */
	struct model m = { 0 }, n = { 0 };
	struct spos p;
	struct spos_result r;
	struct xinfo x;
	int64_t lost = 0;

	add(&m, 100);
	spos_init(&p, id(0));
	info(&m, &x);
	spos_info(&p, &x, &r);
	read_chunk(&p, &m, 1000, &lost, &r);
	n.exists = 1;
	n.added = 3;
	n.first = 0;
	info(&n, &x);
	x.length = 3;
	x.have_first = 1;
	x.first = id(200);
	x.last_gen = id(202);
	spos_info(&p, &x, &r);
	is_int(r.verdict, SPOS_RECREATED, "entries-added below the entries read: recreated");
	ok(spos_skip(&p, id(50)) == 0, "nothing read since the last check is skipped");
}

static void
test_mid_stream_start(void)
{
	/* A reader that starts inside the stream (a window): unknown until a landmark. */
	struct model m = { 0 };
	struct spos p;
	struct spos_result r;
	struct xinfo x;
	int64_t lost = 0;

	add(&m, 1000);
	spos_init(&p, id(500));
	info(&m, &x);
	spos_info(&p, &x, &r);
	ok(!p.anchored, "no position yet for a start inside the stream");
	read_chunk(&p, &m, 100, &lost, &r);
	add(&m, 10);
	trim(&m, 5);
	while (p.last.ms < m.added)
		read_chunk(&p, &m, 100, &lost, &r);
	is_int(lost, -1, "overtaken before a landmark: a gap of unknown size, not 0");
}

static void
test_xdel(void)
{
	struct model m = { 0 };
	struct spos p;
	struct spos_result r;
	struct xinfo x;
	int64_t lost = 0;
	uint64_t read = 0;

	add(&m, 10);
	spos_init(&p, id(0));
	info(&m, &x);
	spos_info(&p, &x, &r);
	read += read_chunk(&p, &m, 3, &lost, &r);   /* reads 1..3 */
	/* XDEL 5: read 4, 6..10 */
	m.md = 5;
	for (uint64_t i = 4; i <= 10; i++) {
		int64_t l;

		if (i == 5)
			continue;
		l = spos_entry(&p, id(i));
		lost += l;
		read++;
	}
	m.first = 1;
	info(&m, &x);
	x.length = 9;
	spos_info(&p, &x, &r);
	lost += r.lost;
	is_int(read + (uint64_t)lost, 10, "an entry deleted before it was read is counted");
}

static void
test_err_kinds(void)
{
	char buf[512];
	const char *denied = "DENIED Redis is running in protected mode because protected"
	    " mode is enabled and no password is set for the default user. In this mode"
	    " connections are only accepted from the loopback interface.";

	is_int(redis_err_kind("ERR no such key", 15), RERR_NO_KEY, "no such key");
	is_int(redis_err_kind("WRONGTYPE Operation", 19), RERR_WRONGTYPE, "WRONGTYPE");
	is_int(redis_err_kind("NOPERM this user", 16), RERR_NOPERM, "NOPERM");
	is_int(redis_err_kind("NOAUTH Authentication required.", 31), RERR_AUTH, "NOAUTH");
	is_int(redis_err_kind("WRONGPASS invalid", 17), RERR_AUTH, "WRONGPASS");
	is_int(redis_err_kind("LOADING Redis is loading", 24), RERR_SERVER, "LOADING");
	is_int(redis_err_kind("ERR max number of clients reached", 33), RERR_SERVER,
	    "maxclients");
	is_int(redis_err_kind(denied, strlen(denied)), RERR_SERVER, "DENIED");
	is_int(redis_err_kind("ERR unknown command", 19), RERR_OTHER, "other");
	redis_err_words(denied, strlen(denied), 0, buf, sizeof buf);
	ok(strstr(buf, "DENIED Redis is running in protected mode") == buf &&
	    strstr(buf, "loopback") == NULL, "DENIED cut to its first sentence: %s", buf);
	redis_err_words("NOAUTH Authentication required.", 31, 0, buf, sizeof buf);
	ok(strstr(buf, "EXECMON_REDIS_PASSWORD") != NULL && strstr(buf, "redis://:") != NULL,
	    "NOAUTH hints at the URL and the variable: %s", buf);
	redis_err_words("a\r\nb", 4, 0, buf, sizeof buf);
	is_str(buf, "a  b", "one line");
}

int
main(void)
{
	test_trim_during_backfill();
	test_trim_between_chunks_every_position();
	test_trim_to_empty_live();
	test_recreated();
	test_recreated_higher_ids();
	test_failover_rebase();
	test_mid_stream_start();
	test_xdel();
	test_err_kinds();
	return tap_done();
}
