/* execmon - run a fuzz harness over its checked-in corpus, one TAP test a file. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"
#include "xmalloc.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME='\"harness\"'"
#endif

/* Largest corpus file replayed, bytes. */
#define REPLAY_FILE_MAX (8 * 1024 * 1024)

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a whole file; NULL on error. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = xmalloc(REPLAY_FILE_MAX);
	n = fread(buf, 1, REPLAY_FILE_MAX, f);
	fclose(f);
	if (n == REPLAY_FILE_MAX) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/*
 * The corpus files' names. Static, so the leak checker in a child always
 * finds them reachable (a local of main may live only in a register).
 */
static char **corpus;

/* Run the harness on one file in a child, so a crash fails only this test. */
static int
run_one(const char *path)
{
	uint8_t *data;
	size_t len;
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if ((data = slurp(path, &len)) == NULL) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			_exit(3);
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		exit(0); /* through atexit: the leak checker runs */
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Add a file, or every file of a directory, to the list. */
static int
collect(const char *where, char ***names, size_t *n)
{
	char path[8192];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(where)) == NULL) {
		if (errno != ENOTDIR)
			return -1;
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup(where);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", where, de->d_name);
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup(path);
	}
	closedir(d);
	return 0;
}

/*
 * Replay every file of tests/fuzz/corpus/FUZZ_NAME (under $SRCDIR, else
 * the current directory), or the files and directories given as arguments.
 */
int
main(int argc, char **argv)
{
	const char *srcdir = getenv("SRCDIR"), *base;
	char dir[4096];
	size_t n = 0, i;
	int failed = 0, a;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s",
	    srcdir != NULL ? srcdir : ".", FUZZ_NAME);
	for (a = argc > 1 ? 1 : 0; a < argc; a++) {
		if (collect(a == 0 ? dir : argv[a], &corpus, &n) != 0) {
			printf("Bail out! %s: %s\n", a == 0 ? dir : argv[a],
			    strerror(errno));
			return 1;
		}
	}
	if (n == 0) {
		printf("Bail out! no corpus files for %s\n", FUZZ_NAME);
		return 1;
	}
	qsort(corpus, n, sizeof *corpus, cmp_names);
	for (i = 0; i < n; i++) {
		base = strrchr(corpus[i], '/');
		base = base != NULL ? base + 1 : corpus[i];
		if (run_one(corpus[i]) != 0) {
			failed++;
			printf("not ok %zu - %s: %s\n", i + 1, FUZZ_NAME, base);
		} else
			printf("ok %zu - %s: %s\n", i + 1, FUZZ_NAME, base);
		free(corpus[i]);
	}
	free(corpus);
	printf("1..%zu\n", n);
	return failed > 0;
}
