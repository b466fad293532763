/* execmon - write output files atomically and safely. */
#ifndef EXECMON_OUTFILE_H
#define EXECMON_OUTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct outfile {
	FILE *f;
	char *path;    /* final path, NULL for stdout */
	char *tmp;     /* temporary file in the same directory, or NULL */
	int err;       /* errno of the first failed write or flush; 0 = none */
	uint64_t lines; /* complete lines outfile_write() got to the system */
};

/*
 * Open path for writing ("-" = stdout). A regular file is written to a
 * temporary file beside it and renamed over it on commit; a character device
 * (/dev/null) is written directly; anything else (a FIFO, a directory, a
 * symbolic link) is refused. Opening never blocks. Returns 0, or -1 with a
 * one-line reason in err.
 */
int outfile_open(struct outfile *, const char *path, char *err, size_t errlen);
/*
 * Open path for a log written as it goes (no temporary file): created or
 * truncated, a regular file or a character device only, never a FIFO, a
 * directory or a symbolic link; opening never blocks. Returns the stream,
 * or NULL with a one-line reason in err.
 */
FILE *outfile_open_log(const char *path, char *err, size_t errlen);
/*
 * Whether a write through of->f has failed; call it right after each write
 * (fwrite, fprintf, ...) so that the first failure's cause is kept in err.
 */
int outfile_failed(struct outfile *);
/*
 * Write n bytes straight to the file, past of->f's buffer (do not mix the
 * two without fflush). Counts in lines the lines whose newline the system
 * took. Returns 0, or -1 with the cause in of->err.
 */
int outfile_write(struct outfile *, const char *p, size_t n);
/*
 * Whether the reader of a pipe or socket we write to has gone (nothing
 * written can ever be read); sets of->err to EPIPE. Never blocks.
 */
int outfile_gone(struct outfile *);
/* What to call the output in a message: the path as given, or "stdout". */
const char *outfile_name(const struct outfile *);
/*
 * Flush, close, rename into place. Returns 0, or -1 with the cause of the
 * first failure (of any write so far, or of the flush) in err.
 */
int outfile_commit(struct outfile *, char *err, size_t errlen);
/* Remove the temporary file. */
void outfile_abort(struct outfile *);

#endif
