/* execmon - the inside of an event map, shared by its parser and its applier. */
#ifndef EXECMON_EVMAP_INT_H
#define EXECMON_EVMAP_INT_H

#include <stdint.h>

#include "event-fields.h"
#include "evmap.h"

struct map;

/* Bounds on one map: far beyond any real one, so a hostile file stays small. */
#define EVMAP_ALTS_MAX 8      /* alternatives of an expression (a | b) */
#define EVMAP_TERMS_MAX 8     /* terms of one alternative (a + b) */
#define EVMAP_SEGS_MAX 8      /* parts of a path (a.b.c) */
#define EVMAP_SCOPES_MAX 32
#define EVMAP_TYPES_MAX 1024  /* entries in the type table */

enum evmap_term_kind {
	TERM_PATH,
	TERM_CONST,
	TERM_GUARD             /* ?path: must be present, adds no text */
};

/* A path into the entry (segs) or a constant (text). */
struct evmap_term {
	enum evmap_term_kind kind;
	char *text;            /* the constant, or the path as written */
	char *segs[EVMAP_SEGS_MAX];
	int nsegs;
};

/* Terms joined with '+': present when every term is. */
struct evmap_alt {
	struct evmap_term terms[EVMAP_TERMS_MAX];
	int nterms;
};

/* Alternatives joined with '|': the first one present gives the value. */
struct evmap_expr {
	struct evmap_alt *alts; /* NULL = not set */
	int nalts;
	char *src;             /* as written, for messages */
};

enum evmap_unit { UNIT_S, UNIT_MS, UNIT_US, UNIT_NS, UNIT_RFC3339 };

/* The time: alternatives of a path with its unit. */
struct evmap_time {
	struct evmap_term path[EVMAP_ALTS_MAX];
	enum evmap_unit unit[EVMAP_ALTS_MAX];
	int nalts;             /* 0 = the entry ID's time, or the receive time */
};

/* A set of rules: the map's own (scope 0) or a named scope's. */
struct evmap_scope {
	char *name;            /* NULL for the base rules */
	struct evmap_expr fields[FD__COUNT];
	char **agent_from;     /* producer types that carry the agent; NULL = all */
	int nagent_from;
	int line;              /* first line that names it */
	int used;              /* named by the type table */
};

#define TYPE_LOG_ONLY (-1)     /* keep the producer's own type name */

/* One line of the type table. */
struct evmap_type {
	char *from;            /* the producer's type name */
	int to;                /* enum event_type, or TYPE_LOG_ONLY */
	int scope;             /* index in scopes */
};

struct evmap {
	char *name;
	char *description;
	struct evmap_expr type_field;  /* default: the field "type" */
	struct evmap_time time;
	struct evmap_type *types;
	int ntypes;
	struct map *type_index; /* from -> index in types + 1 */
	int other_to;          /* unlisted types: TYPE_LOG_ONLY or -2 = as sent */
	struct evmap_scope scopes[EVMAP_SCOPES_MAX];
	int nscopes;
};

#define TYPE_AS_SENT (-2)

#endif
