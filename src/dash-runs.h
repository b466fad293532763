/* execmon - the dashboard's live runs list (dash-runs.c); dash_runs() is in ui.h. */
#ifndef EXECMON_DASH_RUNS_H
#define EXECMON_DASH_RUNS_H

/* The figures were recomputed: build the list again on its next use. */
void dash_runs_invalidate(void);

#endif
