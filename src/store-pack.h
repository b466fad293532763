/* execmon - one event of a run's log, packed (private to the store). */
#ifndef EXECMON_STORE_PACK_H
#define EXECMON_STORE_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "store.h"

struct buf;

/* Room for an entry ID formatted from a pack. */
#define EID_MAX 64

/*
 * Append ev packed against r's identity to b; slim keeps only what the
 * figures, the errors, the filters and search read (LOGENT_SLIM).
 */
void log_pack(const struct run *r, const struct event *ev, struct buf *b, int slim);
/*
 * Read entry e of r into ev. With copy, ev owns copies of everything;
 * without, its strings point into the store and extra stays NULL.
 */
void log_unpack(const struct run *r, const struct logent *e, struct event *ev,
    int copy);
/* The length of entry e's pack, read from the pack itself. */
uint32_t log_pack_len(const struct run *r, const struct logent *e);
/* The entry ID of entry e (maybe formatted into buf, EID_MAX), or NULL. */
const char *log_entry_id(const struct run *r, const struct logent *e, char *buf);

#endif
