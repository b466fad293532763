/* execmon - what errors.c and errors-match.c share (private to the two). */
#ifndef EXECMON_ERRORS_INT_H
#define EXECMON_ERRORS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "errors-match.h"
#include "store.h"

/* The class of an error that names none. */
#define NONE_CLASS "(none)"

/* One error seen: where, class and text borrow from the store. */
struct occ {
	enum errors_where where;
	const char *class;
	const char *text;      /* raw message, NULL = none */
	int64_t ts_ms;
	const char *model, *tool;
};

/* The raw first line of text (as the normaliser reads it), into buf. */
void first_line(const char *text, char *buf, size_t size);
/*
 * Whether event i of r's log is an error occurrence; if so fill o (strings
 * borrowed from the store until it next changes).
 */
int log_occ(const struct run *r, size_t i, struct occ *o);
/* The occurrence of r's failure (where run). */
void run_occ(const struct run *r, struct occ *o);

#endif
