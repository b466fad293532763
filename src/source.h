/* execmon - sources of events: the registry of their state and the kinds table. */
#ifndef EXECMON_SOURCE_H
#define EXECMON_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum source_state {
	SRC_IDLE = 0,
	SRC_CONNECTING,
	SRC_BACKFILLING,
	SRC_LIVE,
	SRC_RETRYING,  /* waiting to reconnect; see retry_at_ms and error */
	SRC_DONE,      /* a finite source (replay) reached its end */
	SRC_GONE,      /* the thing it follows no longer exists */
	SRC_ERROR,     /* cannot be read (wrong key type, no permission); rechecked */
	SRC_DUPLICATE, /* the same stream as another source: read there, once */
	SRC__COUNT
};

/* What every source reports, for the header, the snapshot and stderr. */
struct source_info {
	char *name;            /* display name, password masked */
	const char *kind;      /* "redis", "ws", "bullmq", "replay" */
	enum source_state state;
	char error[256];       /* last error, sanitized; "" = none */
	int64_t retry_at_ms;   /* wall clock of the next attempt (SRC_RETRYING) */
	int64_t state_since_ms;/* wall clock of the last state change */
	uint64_t events;       /* well-formed events received (duplicates included) */
	uint64_t malformed[MAL__COUNT];
	uint64_t malformed_total;
	uint64_t reconnects;
	uint64_t gaps;         /* times entries were found trimmed away */
	int64_t gap_entries;   /* entries lost in total, -1 = unknown size */
	int64_t last_recv_ms;  /* wall clock of the last entry, 0 = none */
	int64_t last_event_ms; /* event time of the newest entry, 0 = none */
	int64_t read_event_ms; /* the same of the entries read for other
	                          sources (a replay file's lines, the queues
	                          BullMQ's discovery found), 0 = none */
	double backfill;       /* 0..1 while backfilling */
	int insecure;          /* TLS verification disabled */
	int tls;               /* read over TLS */
	char node[80];         /* server it is read from now ("host:port"), "" = none yet */
	char via[80];          /* how that server was found: "" = as addressed,
	                          "sentinel MASTER" */
	char note[192];        /* a standing condition beside the state, or what the source says of itself ("live since 14:02Z"), sanitized; "" = none */
	uint64_t recreated;    /* times the stream was found deleted and recreated */
	char gap_off[128];     /* why gaps cannot be detected, "" = they can */
	int fatal;             /* the last error is one retrying cannot mend */
	int quiet_gone;        /* gone and not worth a look: a stream a pattern dropped */
	int rereadable;        /* an entry can be read back by its ID (source_redis_fetch) */
	int found_by;          /* registry index of the pattern that found it; -1 = named */
};

/* Registry: sources are added once and live until sources_clear(). */
int sources_add(const char *kind, const char *name);
size_t sources_count(void);
struct source_info *sources_get(int idx);
void sources_clear(void);

void source_set_state(int idx, enum source_state, int64_t now_ms);
void source_set_error(int idx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void source_set_note(int idx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void source_count_malformed(int idx, enum event_malformed);
const char *source_state_name(enum source_state);

/* Where decoded events go. ev is handed over: the sink owns its contents. */
struct sink {
	void (*event)(void *ctx, struct event *ev);
	/* Called when a source changes state or reports something (may be NULL). */
	void (*notice)(void *ctx, int source, const char *msg);
	/* Called once a source has read everything its backfill asked for. */
	void (*caught_up)(void *ctx, int source);
	void *ctx;
};

/* Format a notice and hand it to the sink's notice hook (if it has one). */
void sink_notice(const struct sink *, int source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
