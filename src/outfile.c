/* execmon - write output files atomically and safely. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "xmalloc.h"

/* Open a character device (/dev/null, a terminal) without waiting on it. */
static int
open_device(struct outfile *of, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	/* What was opened is what was looked at, and writes may wait again. */
	if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    (of->f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s", errno != 0 ? strerror(errno) :
		    "not a regular file (refusing to overwrite it)");
		close(fd);
		return -1;
	}
	of->path = xstrdup(path);
	return 0;
}

int
outfile_open(struct outfile *of, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	memset(of, 0, sizeof *of);
	if (strcmp(path, "-") == 0) {
		of->f = stdout;
		return 0;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISCHR(st.st_mode)) {
			errno = 0;
			return open_device(of, path, err, errlen);
		}
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "is a symbolic link (refusing to follow it)");
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "is a directory");
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "not a regular file (refusing to overwrite it)");
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	xasprintf(&of->tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(of->tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(of->tmp);
		of->tmp = NULL;
		return -1;
	}
	fchmod(fd, 0644);
	if ((of->f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		unlink(of->tmp);
		free(of->tmp);
		of->tmp = NULL;
		return -1;
	}
	of->path = xstrdup(path);
	return 0;
}

FILE *
outfile_open_log(const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;
	int fd;

	/* O_NONBLOCK: a FIFO with a reader is refused below, one without fails here. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
	    O_NONBLOCK, 0644);
	if (fd < 0) {
		int saved = errno;

		/* ENXIO: a FIFO no one reads (or a device that is not there) */
		snprintf(err, errlen, "%s", saved == ELOOP ?
		    "is a symbolic link (refusing to follow it)" : saved == ENXIO &&
		    lstat(path, &st) == 0 && S_ISFIFO(st.st_mode) ?
		    "not a regular file (a FIFO)" : strerror(saved));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		snprintf(err, errlen, "not a regular file (refusing to write to it)");
		close(fd);
		return NULL;
	}
	if ((S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

int
outfile_failed(struct outfile *of)
{
	if (of->err == 0 && of->f != NULL && ferror(of->f))
		of->err = errno != 0 ? errno : EIO;
	return of->err != 0;
}

int
outfile_write(struct outfile *of, const char *p, size_t n)
{
	struct pollfd pfd;
	ssize_t w;
	int fd;

	if (of->err != 0)
		return -1;
	fd = fileno(of->f);
	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* an output someone else made non-blocking: wait on it */
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		if (w <= 0) {
			of->err = w < 0 ? errno : EIO;
			return -1;
		}
		for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + w - q))) != NULL; q++)
			of->lines++;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
outfile_gone(struct outfile *of)
{
	struct pollfd pfd;
	struct stat st;

	if (of->f == NULL || fstat(fileno(of->f), &st) != 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	/* POLLERR and POLLHUP are reported whatever is asked for. */
	pfd.fd = fileno(of->f);
	pfd.events = 0;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & (POLLERR | POLLHUP)))
		return 0;
	if (of->err == 0)
		of->err = EPIPE;
	return 1;
}

const char *
outfile_name(const struct outfile *of)
{
	return of->path != NULL ? of->path : "stdout";
}

int
outfile_commit(struct outfile *of, char *err, size_t errlen)
{
	int rc = 0;

	if (of->f == NULL)
		return 0;
	errno = 0;
	if (fflush(of->f) != 0 && of->err == 0)
		of->err = errno != 0 ? errno : EIO;
	outfile_failed(of);
	if (of->f == stdout) {
		of->f = NULL;
		if (of->err != 0) {
			snprintf(err, errlen, "%s", strerror(of->err));
			return -1;
		}
		return 0;
	}
	/* A disk that is full or gone may say so only when the data goes down. */
	if (of->err == 0 && of->tmp != NULL && fsync(fileno(of->f)) != 0)
		of->err = errno;
	if (fclose(of->f) != 0 && of->err == 0)
		of->err = errno != 0 ? errno : EIO;
	of->f = NULL;
	if (of->err != 0) {
		snprintf(err, errlen, "%s", strerror(of->err));
		rc = -1;
	}
	if (of->tmp != NULL) {
		if (rc == 0 && rename(of->tmp, of->path) != 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(of->tmp);
	}
	free(of->tmp);
	free(of->path);
	of->tmp = of->path = NULL;
	return rc;
}

void
outfile_abort(struct outfile *of)
{
	if (of->f != NULL && of->f != stdout)
		fclose(of->f);
	if (of->tmp != NULL)
		unlink(of->tmp);
	free(of->tmp);
	free(of->path);
	memset(of, 0, sizeof *of);
}
