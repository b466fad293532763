/* execmon - what kind of refusal a Redis error reply is, and how to say it. */
#ifndef EXECMON_REDIS_ERR_H
#define EXECMON_REDIS_ERR_H

#include <stddef.h>

enum redis_err {
	RERR_NONE,
	RERR_NO_KEY,           /* ERR no such key (XINFO on a missing stream) */
	RERR_WRONGTYPE,        /* the key holds something else: that key alone */
	RERR_NOPERM,           /* an ACL refuses the command or the key */
	RERR_AUTH,             /* NOAUTH, WRONGPASS, a bad AUTH: retrying won't mend it */
	RERR_SERVER,           /* the server as a whole refuses (LOADING, DENIED, maxclients, BUSY...) */
	RERR_OTHER,            /* anything else: about the command that got it */
};

/* The kind of the error reply text s[0..len). */
enum redis_err redis_err_kind(const char *s, size_t len);

/*
 * Redis's own words for an error reply, on one line and cut to its first
 * sentence when long (DENIED explains itself at length), with a hint of
 * what to do for the kinds that have one; has_password: one was given.
 */
void redis_err_words(const char *s, size_t len, int has_password, char *out,
    size_t size);

#endif
