/* execmon - kinds of source: the table the command line adds specs from and collect starts. */
#ifndef EXECMON_SOURCE_KIND_H
#define EXECMON_SOURCE_KIND_H

#include "cli.h"
#include "source.h"

struct url;
struct source_redis_opts;

/* What a kind is (struct source_kind's flags). */
enum {
	SK_REDIS = 1 << 0,    /* read from each --redis server: started once a server */
	SK_MAP = 1 << 1,      /* read through the --map in force where it is given */
	SK_ONE = 1 << 2,      /* one at most: a later one replaces it */
	SK_FLAG = 1 << 3,     /* takes no argument: one spec however often named */
	SK_ALONE = 1 << 4,    /* when given, no other kind is read */
	SK_FINITE = 1 << 5,   /* it ends (a file): headless commands do not follow, and
	                         "now" is its newest event */
	SK_ENDLESS = 1 << 6,  /* never done by itself: snapshot, runs and events need --duration */
	SK_PAST = 1 << 7,     /* its past can be read again over a longer window */
	SK_NO_PAST = 1 << 8,  /* it has no past: a longer window is never read again */
};

/* What a kind's start is given, and what it gives back. */
struct source_start {
	const struct opts *o;      /* the kind-wide settings (--ws-ca, --bullmq-prefix, ...) */
	const struct sink *sink;
	int follow;                /* go on live after the backfill */
	const struct url *server;  /* SK_REDIS: the server; else NULL */
	const struct source_redis_opts *ro; /* SK_REDIS: the stream follower's options */
	void *handle;              /* out: for stop, duration_up and free; NULL = none */
	int reports;               /* out: caught-up reports it will make */
};

struct source_kind {
	const char *name;          /* the option that adds one, without "--" */
	unsigned flags;            /* SK_* */
	/*
	 * Check an argument as the command line or config file gives it
	 * (option is the name it came by): 0, or 2 after a one-line error.
	 * NULL = any.
	 */
	int (*check)(const char *option, const char *arg);
	/*
	 * Start every spec of this kind, in the order given (on ss->server for
	 * SK_REDIS). Returns 0, or an exit status after a one-line error; a
	 * handle set on failure is still stopped and freed.
	 */
	int (*start)(struct source_start *ss, const struct source_spec *const *specs,
	    int n);
	void (*stop)(void *handle);      /* in the loop, as it stops */
	/* --duration is up; follow: the command stops the loop itself (may be NULL). */
	void (*duration_up)(void *handle, int follow);
	void (*free)(void *handle);      /* after the loop has returned (may be NULL) */
};

extern const struct source_kind source_kind_stream, source_kind_bullmq,
    source_kind_celery, source_kind_ws, source_kind_otlp, source_kind_replay;

/* Every kind, in start order: the Redis ones in the order read on each server. */
extern const struct source_kind *const source_kinds[];
extern const int source_nkinds;

/* The kind of this name, or NULL. */
const struct source_kind *source_kind_find(const char *name);
/* Its place in source_kinds[], or -1. */
int source_kind_index(const struct source_kind *);

#endif
