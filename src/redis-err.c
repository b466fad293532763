/* execmon - what kind of refusal a Redis error reply is, and how to say it. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "redis-err.h"

static int
starts(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && strncmp(s, word, n) == 0;
}

enum redis_err
redis_err_kind(const char *s, size_t len)
{
	if (s == NULL || len == 0)
		return RERR_OTHER;
	if (starts(s, len, "ERR no such key"))
		return RERR_NO_KEY;
	if (starts(s, len, "WRONGTYPE"))
		return RERR_WRONGTYPE;
	if (starts(s, len, "NOPERM"))
		return RERR_NOPERM;
	if (starts(s, len, "NOAUTH") || starts(s, len, "WRONGPASS") ||
	    starts(s, len, "ERR invalid password") ||
	    starts(s, len, "ERR invalid username-password") ||
	    starts(s, len, "ERR AUTH") || starts(s, len, "ERR Client sent AUTH"))
		return RERR_AUTH;
	if (starts(s, len, "LOADING") || starts(s, len, "DENIED") ||
	    starts(s, len, "BUSY") || starts(s, len, "MASTERDOWN") ||
	    starts(s, len, "TRYAGAIN") || starts(s, len, "CLUSTERDOWN") ||
	    starts(s, len, "MOVED") || starts(s, len, "ASK ") ||
	    starts(s, len, "ERR max number of clients"))
		return RERR_SERVER;
	return RERR_OTHER;
}

void
redis_err_words(const char *s, size_t len, int has_password, char *out, size_t size)
{
	char first[200];
	size_t n = 0;

	/* One line; a long reply is cut after its first sentence. */
	for (size_t i = 0; i < len && n + 1 < sizeof first; i++) {
		char ch = s[i];

		if (ch == '\r' || ch == '\n')
			ch = ' ';
		first[n++] = ch;
		if (ch == '.' && n > 40 && i + 1 < len && s[i + 1] == ' ')
			break;
	}
	first[n] = '\0';
	if (redis_err_kind(s, len) != RERR_AUTH)
		snprintf(out, size, "%s", first);
	else if (!has_password)
		snprintf(out, size, "%s (give the password in the URL,"
		    " redis://:PASSWORD@host:port, or in EXECMON_REDIS_PASSWORD)", first);
	else
		snprintf(out, size, "%s (check the user and password in the URL,"
		    " redis://USER:PASSWORD@host:port, or EXECMON_REDIS_PASSWORD)", first);
}
