/* execmon - what a snapshot holds as it reads: the runs it can still show. */
#ifndef EXECMON_SNAP_HOLD_H
#define EXECMON_SNAP_HOLD_H

#include <stddef.h>
#include <stdint.h>

struct alert_config;
struct errors_acc;
struct store;

/*
 * A snapshot shows its figures from the rollup (rollup.h), and of the runs
 * only the unfinished ones, the newest finished ones, the top errors and
 * how many finished. So while it reads it lets go of every other finished
 * run once nothing more can arrive for it. Where a window's edge can fall at the end (the snapshot's window, the
 * one before it, an alert rule's), what a run let go gave is kept beside
 * its minute as a record (rollup_keep), so that the edge still splits the
 * minute exactly; with --now, the errors a run let go shows are counted
 * as it goes (errors_acc), else runs with errors are held.
 *
 * What is let go is counted, so the snapshot is the one it would be with
 * every run held, or the reading is done again holding them all: when a
 * run let go gets another event, when the rollup could not answer exactly
 * (rollup_inexact), when the top errors could not be counted apart
 * (errors_acc_exact), or when now moved further than the passes allowed for.
 */
struct snap_hold;

/*
 * For a snapshot of window_ms at now_ms (fixed: --now; else now_ms is when
 * the reading began, and now is when it ends), showing keep finished runs,
 * with the alert rules of alerts judged at the end. A pass comes whenever
 * the runs held have grown by every runs (0: the default, 16384) or have
 * doubled, whichever is more.
 */
struct snap_hold *snap_hold_create(const struct alert_config *alerts,
    int64_t window_ms, int64_t now_ms, int fixed, size_t keep, size_t every);
void snap_hold_free(struct snap_hold *);

/* Whether, after an event applied to st, a pass is due. */
int snap_hold_due(const struct snap_hold *, const struct store *st);
/* A pass: let go what can be, wall_ms being the wall clock now. */
void snap_hold_pass(struct snap_hold *, struct store *st, int64_t wall_ms);

/* Runs let go so far. */
uint64_t snap_hold_evicted(const struct snap_hold *);
/*
 * Whether what was let go leaves the snapshot at now_ms exact (after the
 * figures, the lists and the alert rules were computed); if not, why, into
 * buf.
 */
int snap_hold_exact(const struct snap_hold *, const struct store *st,
    int64_t now_ms, char *buf, size_t size);
/* Runs let go that finished in the window (the snapshot's runCounts). */
uint64_t snap_hold_finished(const struct snap_hold *);
/*
 * The workspace_id of the runs let go: NULL when none had one; *several
 * set when they had more than one.
 */
const char *snap_hold_workspace(const struct snap_hold *, int *several);
/* The top errors of the runs let go, for errors_compute_from(); NULL = none. */
struct errors_acc *snap_hold_errors(const struct snap_hold *);

#endif
