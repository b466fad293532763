/* execmon - the dashboard's --stats file (dash.c calls these when d->stats is open). */
#ifndef EXECMON_DASH_STATS_H
#define EXECMON_DASH_STATS_H

#include <stddef.h>

struct dash;

/* An event arrived: time it. */
void dash_stats_event(struct dash *);
/* The figures were recomputed: they hold every event received so far. */
void dash_stats_computed(struct dash *);
/* A frame was drawn: write its line, and time the events it showed. */
void dash_stats_frame(struct dash *);
/*
 * The dashboard ends: write the per-event summary and close the file.
 * Returns 0, or -1 with the cause of a failed write (this one or an earlier
 * line's) in err.
 */
int dash_stats_end(struct dash *, char *err, size_t errlen);

#endif
