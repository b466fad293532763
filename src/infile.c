/* execmon - read the files the user names (config, theme): never wait, never trust the type. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infile.h"
#include "xmalloc.h"

static const char *
type_name(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" :
	    "not a file";
}

/* Open path for reading and check its type; the fd, or -1 with errno and err. */
static int
infile_open(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "%s", strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) != 0) {
		saved = errno;
		snprintf(err, errlen, "%s", strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	if (S_ISREG(st->st_mode))
		return fd;
	close(fd);
	if (S_ISDIR(st->st_mode)) {
		snprintf(err, errlen, "is a directory");
		errno = EISDIR;
	} else {
		snprintf(err, errlen, "not a regular file (%s)", type_name(st->st_mode));
		errno = EINVAL;
	}
	return -1;
}

int
infile_read(const char *path, size_t max, char **text, size_t *len,
    struct stat *st_out, char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0;
	ssize_t got;
	char *buf;
	int fd, saved;

	*text = NULL;
	*len = 0;
	if ((fd = infile_open(path, &st, err, errlen)) < 0)
		return -1;
	if (st_out != NULL)
		*st_out = st;
	/* One byte more than the bound tells a file that is too big. */
	buf = xmalloc(max + 2);
	while (n < max + 1) {
		got = read(fd, buf + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			saved = errno;
			snprintf(err, errlen, "%s", strerror(saved));
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n > max) {
		free(buf);
		snprintf(err, errlen, "larger than %zu bytes", max);
		errno = EFBIG;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int
infile_check(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = infile_open(path, &st, err, errlen);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}
