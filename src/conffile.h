/* execmon - the config file format: "name = value" lines, read from a buffer. */
#ifndef EXECMON_CONFFILE_H
#define EXECMON_CONFFILE_H

#include <stddef.h>

/* Largest config file read, bytes; a bigger one is an error. */
#define CONFFILE_MAX (256 * 1024)
/* Longest line, bytes (without its newline); a longer one is an error. */
#define CONFFILE_LINE_MAX 4096

/*
 * Called for each setting in file order. name is never empty and holds only
 * printable ASCII other than '='; value has no leading or trailing blank, no
 * newline and no NUL (it may be empty). A non-zero return stops the parse.
 */
typedef int (*conffile_fn)(void *ctx, const char *name, const char *value,
    int lineno);

/*
 * Parse config text: one setting a line, "name = value" or "name value";
 * blank lines and lines whose first non-blank is '#' are skipped; a line
 * ends at LF or CRLF. Returns 0, the first non-zero return of fn, or -1 with
 * "N: why" in err (N the line number) for a line that cannot be a setting:
 * a NUL byte, a missing name, a control byte in the name, a line longer
 * than CONFFILE_LINE_MAX.
 */
int conffile_parse(const char *text, size_t len, conffile_fn fn, void *ctx,
    char *err, size_t errlen);

/*
 * Read a whole config file (at most CONFFILE_MAX bytes) into *text (free it),
 * by infile_read()'s rules: only a regular file, opened without waiting.
 * *private is 0 when the file's group or others may read it. Returns 0, or
 * -1 with errno set (ENOENT for a missing file, EFBIG for a file over the
 * bound, EISDIR for a directory, EINVAL for a FIFO, device or socket) and a
 * one-line reason in err.
 */
int conffile_read(const char *path, char **text, size_t *len, int *private,
    char *err, size_t errlen);

#endif
