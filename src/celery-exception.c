/* execmon - Celery's exception text parsed into error class and message. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "celery-decode.h"
#include "xmalloc.h"

/*
 * Celery's exception text: "ValueError('boom')", "Retry(...)", or a
 * wrapper ("ExceptionWithTraceback()") whose traceback's last line says
 * "ValueError: boom". Class and message are new strings (NULL when unknown).
 */
static int
parse_repr(const char *s, char **cls, char **msg)
{
	const char *p = s, *open, *end;
	size_t n, alen;

	while (*p == ' ')
		p++;
	for (open = p; *open != '\0' && *open != '('; open++) {
		if (!(*open == '_' || *open == '.' || (*open >= 'a' && *open <= 'z') ||
		    (*open >= 'A' && *open <= 'Z') || (*open >= '0' && *open <= '9')))
			return -1;
	}
	n = (size_t)(open - p);
	end = p + strlen(p);
	while (end > open && (end[-1] == ' ' || end[-1] == '\n'))
		end--;
	if (n == 0 || *open != '(' || end[-1] != ')')
		return -1;
	*cls = xstrndup(p, n);
	open++;
	alen = (size_t)(end - 1 - open);
	/* One quoted argument: the message without its quotes. */
	if (alen >= 2 && (open[0] == '\'' || open[0] == '"') &&
	    open[alen - 1] == open[0] && memchr(open + 1, open[0], alen - 2) == NULL)
		*msg = xstrndup(open + 1, alen - 2);
	else
		*msg = alen > 0 ? xstrndup(open, alen) : NULL;
	return 0;
}

/* The last non-blank line of a traceback, "Class: message". */
static int
parse_tb_line(const char *tb, char **cls, char **msg)
{
	const char *end = tb + strlen(tb), *start, *colon;

	while (end > tb && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		end--;
	for (start = end; start > tb && start[-1] != '\n'; start--)
		;
	if (start == end || *start == ' ')
		return -1;
	colon = memchr(start, ':', (size_t)(end - start));
	if (colon == NULL) {
		*cls = xstrndup(start, (size_t)(end - start));
		*msg = NULL;
		return 0;
	}
	*cls = xstrndup(start, (size_t)(colon - start));
	colon++;
	while (colon < end && *colon == ' ')
		colon++;
	*msg = colon < end ? xstrndup(colon, (size_t)(end - colon)) : NULL;
	return 0;
}

void
celery_parse_exception(const char *exc, const char *tb, char **cls, char **msg)
{
	char *c = NULL, *m = NULL;

	*cls = *msg = NULL;
	if (exc != NULL && parse_repr(exc, &c, &m) == 0 &&
	    strcmp(c, "ExceptionWithTraceback") != 0 && strcmp(c, "Retry") != 0) {
		*cls = c;
		*msg = m;
		return;
	}
	/* A wrapper: the traceback names the real one. */
	if (tb != NULL) {
		char *tc = NULL, *tm = NULL;

		if (parse_tb_line(tb, &tc, &tm) == 0) {
			const char *dot = strrchr(tc, '.');
			const char *in;

			/* "celery.exceptions.Retry: Retry in 1s: RuntimeError('flaky')" */
			if (strcmp(dot != NULL ? dot + 1 : tc, "Retry") == 0 &&
			    tm != NULL && strncmp(tm, "Retry in ", 9) == 0 &&
			    (in = strstr(tm, ": ")) != NULL) {
				char *rc, *rm;

				if (parse_repr(in + 2, &rc, &rm) == 0) {
					free(tc);
					free(tm);
					tc = rc;
					tm = rm;
				}
			}
			free(c);
			free(m);
			*cls = tc;
			*msg = tm;
			return;
		}
	}
	if (c != NULL) {
		*cls = c;
		*msg = m;
		return;
	}
	if (exc != NULL && *exc != '\0')
		*msg = xstrdup(exc);
}
