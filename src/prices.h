/* execmon - estimated LLM costs from a table of model prices. */
#ifndef EXECMON_PRICES_H
#define EXECMON_PRICES_H

#include <stddef.h>

#include "event.h"

/* The key an estimated cost carries in an event's extra fields. */
#define PRICES_ESTIMATED_KEY "cost_estimated"

/*
 * Read a price table from text: lines "MODEL INPUT OUTPUT" in US dollars per
 * million tokens, '#' comments, and one "date YYYY-MM-DD" line. Entries
 * read later replace earlier ones for the same model. Returns 0, or -1 with
 * err naming the line and the cause.
 */
int prices_parse(const char *text, size_t len, char *err, size_t errlen);
/* Read a file into the table (as above); err also covers I/O. */
int prices_load(const char *path, char *err, size_t errlen);
/* Add or replace one entry: "MODEL INPUT OUTPUT". */
int prices_set(const char *spec, char *err, size_t errlen);
/* Forget every entry. */
void prices_clear(void);
size_t prices_count(void);
/* The table's date line, or "" when it had none. */
const char *prices_date(void);

/*
 * Dollars per million input and output tokens for a model id: the entry of
 * that name, else (after any "provider/" part) the longest entry that the id
 * starts with, followed by '-', ':' or '@'. Returns 0, or -1 when unknown.
 */
int prices_lookup(const char *model, double *in_usd, double *out_usd);

/*
 * An llm.call without cost_usd whose model is in the table and that says
 * how many tokens it used gets an estimated cost_usd, marked in its extra
 * fields as PRICES_ESTIMATED_KEY: true. Returns 1 when it did.
 */
int prices_apply(struct event *ev);

/* True when ev's cost was estimated here (or by a recording of it). */
int prices_is_estimated(const struct event *ev);

#endif
