/* execmon - read the files the user names (config, theme): never wait, never trust the type. */
#ifndef EXECMON_INFILE_H
#define EXECMON_INFILE_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Read the whole of the regular file at path, at most max bytes, into *text
 * (NUL-terminated after *len bytes; free it). The open never waits (a FIFO
 * with no writer would block a plain open for ever), and the type is taken
 * from what was opened, not from the name: a directory, FIFO, device or
 * socket is refused before any read. Every read is checked. st (may be NULL)
 * gets the file's status. Returns 0, or -1 with errno set (ENOENT for a
 * missing file, EISDIR, EFBIG over max; EINVAL for another type) and a
 * one-line reason, without the path, in err.
 */
int infile_read(const char *path, size_t max, char **text, size_t *len,
    struct stat *st, char *err, size_t errlen);

/*
 * Check that path names a regular file we may read, the same way, without
 * reading it (for a file a library opens by its name). Returns 0, or -1 with
 * errno and err set as infile_read() does.
 */
int infile_check(const char *path, char *err, size_t errlen);

#endif
