/* execmon - write output files atomically and safely. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "xmalloc.h"

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
			fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0 || (of->f = fdopen(fd, "w")) == NULL) {
				snprintf(err, errlen, "%s", strerror(errno));
				if (fd >= 0)
					close(fd);
				return -1;
			}
			of->path = xstrdup(path);
			return 0;
		}
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "is a symbolic link (refusing to follow it)");
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

int
outfile_commit(struct outfile *of, char *err, size_t errlen)
{
	int rc = 0;

	if (of->f == NULL)
		return 0;
	if (of->f == stdout) {
		if (fflush(stdout) != 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			rc = -1;
		}
		of->f = NULL;
		return rc;
	}
	if (fflush(of->f) != 0 || ferror(of->f)) {
		snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
		rc = -1;
	}
	if (fclose(of->f) != 0 && rc == 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = -1;
	}
	of->f = NULL;
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
