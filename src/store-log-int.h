/* execmon - a run's event log, packed: what store.c asks of store-log.c (private to the two). */
#ifndef EXECMON_STORE_LOG_INT_H
#define EXECMON_STORE_LOG_INT_H

#include "event.h"
#include "store.h"

/*
 * Move ev into r's log at its place, dropping the oldest when full. With
 * slim, only what the metrics, the errors table and the filters read of it
 * is packed (LOGENT_SLIM): its body can be read back from its source.
 */
void log_insert(struct run *r, struct event *ev, int slim);
/*
 * Whether r's log holds an event with ev's time, source and entry ID (one
 * with an entry ID: the same event again).
 */
int log_has(const struct run *r, const struct event *ev);
/*
 * The keys and strings of the payload of slim entry i, each followed by a
 * NUL, *len bytes in all (what search reads); NULL if none or not slim.
 */
const char *log_texts(const struct run *r, size_t i, size_t *len);
/*
 * fn(text, arg) on every key and string of v, at any depth (to 64), in
 * order, until it returns nonzero: that value, else 0.
 */
int log_json_texts(json_t *v, int (*fn)(const char *, void *), void *arg);
/* Give back the room r's log holds for more events (a finished run rarely gets more). */
void log_shrink(struct run *r);
/* Make every entry of r's log slim; the number of bodies let go. */
size_t log_slim_all(struct run *r);
/* Free r's log. */
void log_free(struct run *r);

/*
 * True when folding ev into r would change one of the run's identity strings
 * that packed events may refer to instead of holding a copy. Call
 * log_unpack_all() before such a fold and log_repack_all() after it.
 */
int log_identity_changes(const struct run *r, const struct event *ev);
/* Every event of r's log as an owned copy (r->nlog of them), and which were slim. */
struct event *log_unpack_all(const struct run *r, unsigned char **slim);
/* Pack evs (from log_unpack_all, consumed and freed with slim) again against r's identity. */
void log_repack_all(struct run *r, struct event *evs, unsigned char *slim);

#endif
