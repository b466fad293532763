/* execmon - the dashboard command. */
#ifndef EXECMON_DASH_H
#define EXECMON_DASH_H

#include "cli.h"

struct dash;

/*
 * Can the dashboard draw on the terminal TERM names? 0, or -1 with one line
 * in err (TERM unset, unknown to terminfo, or unable to place the cursor).
 */
int dash_term_check(char *err, size_t errlen);
/* Run the interactive dashboard; returns the exit status. */
int dash_main(const struct opts *);
/* Change the frame period (clamped to 25..2000 ms). */
void dash_set_refresh(struct dash *, int ms);
/* Write a snapshot of what is shown (filters included); returns 0 or -1. */
int dash_write_snapshot(struct dash *, char *path, size_t size, char *err, size_t errlen);

#endif
