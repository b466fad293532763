/* execmon - write output files atomically and safely. */
#ifndef EXECMON_OUTFILE_H
#define EXECMON_OUTFILE_H

#include <stdio.h>

struct outfile {
	FILE *f;
	char *path;    /* final path, NULL for stdout */
	char *tmp;     /* temporary file in the same directory, or NULL */
};

/*
 * Open path for writing ("-" = stdout). A regular file is written to a
 * temporary file beside it and renamed over it on commit; a character device
 * (/dev/null) is written directly; anything else is refused. Returns 0, or -1
 * with a one-line reason in err.
 */
int outfile_open(struct outfile *, const char *path, char *err, size_t errlen);
/* Flush, close, rename into place. Returns 0, or -1 with err. */
int outfile_commit(struct outfile *, char *err, size_t errlen);
/* Remove the temporary file. */
void outfile_abort(struct outfile *);

#endif
