/* execmon - where a follower stands in a Redis stream: the gap rule and recreated streams. */
#ifndef EXECMON_STREAM_POS_H
#define EXECMON_STREAM_POS_H

#include <stddef.h>
#include <stdint.h>

/* A stream entry ID, ms-seq. */
struct sid {
	uint64_t ms, seq;
};

/* An ID "ms-seq", both parts decimal; 0 on success. */
int sid_parse(const char *s, size_t len, struct sid *out);
int sid_cmp(struct sid a, struct sid b);
void sid_fmt(struct sid s, char *buf, size_t size);

/* What XINFO STREAM said, the fields this file reads. */
struct xinfo {
	int exists;            /* 0: no such key */
	int have_added;        /* entries-added known (Redis 7 and later) */
	uint64_t added;        /* entries-added: every entry ever added */
	uint64_t length;
	int have_first;
	struct sid first;      /* first-entry */
	int have_gen;
	struct sid last_gen;   /* last-generated-id */
	int have_last_entry;
	struct sid last_entry; /* last-entry: the newest entry it holds */
	int have_md;
	struct sid max_deleted;/* max-deleted-entry-id, 0-0 = none */
};

/*
 * A position is an entry's ordinal among every entry ever added to the
 * stream (entries-added counts them). spos keeps the position of the last
 * entry read (the anchor) and the positions XINFO reveals ahead of it
 * (landmarks): the stream's first entry, when nothing inside the stream was
 * deleted, is at entries-added - length + 1; its last generated entry is at
 * entries-added. Reaching or passing a landmark, finding the stream's front
 * past the last entry read, or being caught up, tells exactly how many
 * entries were added and never read: read + lost = added, at every position.
 */
struct spos {
	struct sid start;      /* the first ID the reader asks for */
	int have_last;
	struct sid last;       /* the last entry read */
	int anchored;
	uint64_t anchor;       /* position of last (of the start, before any read) */
	struct {
		int set;
		struct sid id;
		uint64_t pos;
	} mark[2];             /* landmarks ahead of last, in ID order */
	int seen;              /* the key was found to exist */
	struct xinfo prev;     /* the last XINFO that found it */
	struct sid gap_seen;   /* max-deleted-entry-id already reported */
	int have_checked;
	struct sid checked;    /* last, as of the last XINFO */
	int moved;             /* on another server since the last XINFO (a failover) */
	int skip;              /* (skip_lo, skip_hi]: read before the stream was found new */
	struct sid skip_lo, skip_hi;
};

enum spos_verdict {
	SPOS_OK,
	SPOS_MISSING,          /* no such key (yet) */
	SPOS_DELETED,          /* the key existed and is gone: a new one starts afresh */
	SPOS_RECREATED,        /* a new stream under the same key: read from its start */
};

struct spos_result {
	enum spos_verdict verdict;
	int64_t lost;          /* entries lost: 0, a count, or -1 (some, count unknown) */
	char why[160];         /* for SPOS_RECREATED: what gave it away */
};

void spos_init(struct spos *, struct sid start);
/* Take one XINFO STREAM reply (sent after the last read was handled). */
void spos_info(struct spos *, const struct xinfo *, struct spos_result *);
/*
 * The stream is read from another server now (a sentinel's new master, a
 * cluster node after failover or resharding): the same stream, whose
 * counters may be behind what was read from the old one (asynchronous
 * replication). Keep the last entry read (reads resume after it); forget
 * the old server's positions, and do not take the next XINFO's last ID
 * below the last entry read for a new stream.
 */
void spos_rebase(struct spos *);
/* A new entry id is read; the entries lost just before it (0, n or -1). */
int64_t spos_entry(struct spos *, struct sid id);
/* Whether id was already handed on before its stream was found new. */
int spos_skip(const struct spos *, struct sid id);

#endif
