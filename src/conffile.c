/* execmon - the config file format: "name = value" lines, read from a buffer. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conffile.h"
#include "infile.h"
#include "xmalloc.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A byte that may be part of a setting's name: printable ASCII but '='. */
static int
is_name_char(char c)
{
	return c > 0x20 && c < 0x7f && c != '=';
}

static int
fail(char *err, size_t errlen, int lineno, const char *why)
{
	snprintf(err, errlen, "%d: %s", lineno, why);
	return -1;
}

int
conffile_parse(const char *text, size_t len, conffile_fn fn, void *ctx,
    char *err, size_t errlen)
{
	char line[CONFFILE_LINE_MAX + 1], *p, *name, *value, *end;
	size_t pos = 0, n;
	const char *nl;
	int lineno = 0, rc;

	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > CONFFILE_LINE_MAX)
			return fail(err, errlen, lineno, "line too long");
		if (memchr(text + pos, '\0', n) != NULL)
			return fail(err, errlen, lineno, "a NUL byte");
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = nl != NULL ? (size_t)(nl - text) + 1 : len;

		for (p = line; is_blank(*p); p++)
			;
		if (*p == '#' || *p == '\0')
			continue;
		name = p;
		while (is_name_char(*p))
			p++;
		if (p == name)
			return fail(err, errlen, lineno, "missing setting name");
		if (*p != '\0' && *p != '=' && !is_blank(*p))
			return fail(err, errlen, lineno,
			    "bad character in setting name");
		end = p;
		while (is_blank(*p))
			p++;
		if (*p == '=')
			p++;
		while (is_blank(*p))
			p++;
		*end = '\0';
		value = p;
		for (end = value + strlen(value); end > value &&
		    is_blank(end[-1]); end--)
			;
		*end = '\0';
		if ((rc = fn(ctx, name, value, lineno)) != 0)
			return rc;
	}
	return 0;
}

int
conffile_read(const char *path, char **text, size_t *len, int *private,
    char *err, size_t errlen)
{
	struct stat st;

	if (infile_read(path, CONFFILE_MAX, text, len, &st, err, errlen) != 0)
		return -1;
	*private = (st.st_mode & 077) == 0;
	return 0;
}
