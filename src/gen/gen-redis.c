/* execmon-gen - the Redis address (redis://, unix://) and the connection. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "gen.h"
#include "xmalloc.h"

/* Decode %XX escapes; returns NULL on a broken escape. */
static char *
gen_redis_unescape(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), hex[3];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(out);
			return NULL;
		}
		hex[0] = s[i + 1];
		hex[1] = s[i + 2];
		hex[2] = '\0';
		if (strspn(hex, "0123456789abcdefABCDEF") != 2) {
			free(out);
			return NULL;
		}
		out[n++] = (char)strtol(hex, NULL, 16);
		i += 2;
	}
	out[n] = '\0';
	return out;
}

static int
gen_redis_number(const char *s, size_t len, long lo, long hi, long *out)
{
	char buf[16], *end;
	long v;

	if (len == 0 || len >= sizeof buf || s[0] == '-' || s[0] == '+')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
gen_redis_fail(struct gen_redis_addr *a, char *err, size_t errlen,
    const char *why)
{
	gen_redis_addr_done(a);
	snprintf(err, errlen, "%s", why);
	return -1;
}

/*
 * Parse redis://[[user]:password@]host[:port][/db] (host may be [v6]) or
 * unix:///path[?db=N]. Messages never include the password.
 */
int
gen_redis_parse(const char *url, struct gen_redis_addr *a, char *err,
    size_t errlen)
{
	const char *p, *at, *colon, *slash, *end;
	long v;

	memset(a, 0, sizeof *a);
	a->port = 6379;
	if (strncmp(url, "unix://", 7) == 0) {
		p = url + 7;
		if (*p != '/')
			return gen_redis_fail(a, err, errlen,
			    "a unix:// URL needs an absolute path");
		end = strchr(p, '?');
		if (end != NULL) {
			if (strncmp(end, "?db=", 4) != 0 || gen_redis_number(
			    end + 4, strlen(end + 4), 0, 1000000, &v) != 0)
				return gen_redis_fail(a, err, errlen,
				    "unix:// takes only ?db=N");
			a->db = (int)v;
		} else
			end = p + strlen(p);
		a->path = xstrndup(p, (size_t)(end - p));
		snprintf(a->name, sizeof a->name, "%s", a->path);
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0)
		return gen_redis_fail(a, err, errlen,
		    "expected redis://[:password@]host[:port][/db] or "
		    "unix:///path");
	p = url + 8;
	slash = strchr(p, '/');
	end = slash != NULL ? slash : p + strlen(p);
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon != NULL) {
			if (colon > p)
				a->user = gen_redis_unescape(p,
				    (size_t)(colon - p));
			a->password = gen_redis_unescape(colon + 1,
			    (size_t)(at - colon - 1));
			if ((colon > p && a->user == NULL) ||
			    a->password == NULL)
				return gen_redis_fail(a, err, errlen, "bad "
				    "%-escape in the URL's user or password");
		} else if ((a->password = gen_redis_unescape(p,
		    (size_t)(at - p))) == NULL)
			return gen_redis_fail(a, err, errlen,
			    "bad %-escape in the URL's password");
		p = at + 1;
	}
	if (*p == '[') {
		colon = memchr(p, ']', (size_t)(end - p));
		if (colon == NULL)
			return gen_redis_fail(a, err, errlen,
			    "unclosed [ in the URL's host");
		a->host = xstrndup(p + 1, (size_t)(colon - p - 1));
		p = colon + 1;
		if (p < end && *p != ':')
			return gen_redis_fail(a, err, errlen,
			    "junk after the URL's ]");
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		a->host = xstrndup(p, (size_t)((colon != NULL ? colon : end) -
		    p));
		p = colon != NULL ? colon : end;
	}
	if (a->host[0] == '\0')
		return gen_redis_fail(a, err, errlen, "the URL has no host");
	if (p < end) {
		if (gen_redis_number(p + 1, (size_t)(end - p - 1), 1, 65535,
		    &v) != 0)
			return gen_redis_fail(a, err, errlen,
			    "bad port in the URL");
		a->port = (int)v;
	}
	if (slash != NULL && slash[1] != '\0') {
		if (gen_redis_number(slash + 1, strlen(slash + 1), 0, 1000000,
		    &v) != 0)
			return gen_redis_fail(a, err, errlen,
			    "bad database number in the URL");
		a->db = (int)v;
	}
	snprintf(a->name, sizeof a->name, strchr(a->host, ':') != NULL ?
	    "[%s]:%d" : "%s:%d", a->host, a->port);
	return 0;
}

void
gen_redis_addr_done(struct gen_redis_addr *a)
{
	free(a->host);
	free(a->path);
	free(a->user);
	if (a->password != NULL)
		explicit_bzero(a->password, strlen(a->password));
	free(a->password);
	memset(a, 0, sizeof *a);
}

/* Run one command; 0 if it did not fail, else the reason in err. */
static int
gen_redis_command(redisContext *c, int argc, const char **argv,
    const char *what, char *err, size_t errlen)
{
	redisReply *reply;
	int rc = 0;

	reply = redisCommandArgv(c, argc, argv, NULL);
	if (reply == NULL) {
		snprintf(err, errlen, "%s", c->errstr[0] != '\0' ? c->errstr :
		    "connection lost");
		return -1;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s: %s", what, reply->str);
		rc = -1;
	}
	freeReplyObject(reply);
	return rc;
}

redisContext *
gen_redis_connect(const struct gen_redis_addr *a, char *err, size_t errlen)
{
	struct timeval connect_tv = { 5, 0 }, io_tv = { 10, 0 };
	const char *argv[3];
	redisContext *c;
	char db[16];

	if (a->path != NULL)
		c = redisConnectUnixWithTimeout(a->path, connect_tv);
	else
		c = redisConnectWithTimeout(a->host, a->port, connect_tv);
	if (c == NULL) {
		snprintf(err, errlen, "cannot allocate a connection");
		return NULL;
	}
	if (c->err != 0) {
		snprintf(err, errlen, "%s", c->errstr);
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, io_tv);
	if (a->password != NULL) {
		argv[0] = "AUTH";
		if (a->user != NULL) {
			argv[1] = a->user;
			argv[2] = a->password;
		} else
			argv[1] = a->password;
		if (gen_redis_command(c, a->user != NULL ? 3 : 2, argv, "AUTH",
		    err, errlen) != 0)
			goto fail;
	}
	if (a->db != 0) {
		snprintf(db, sizeof db, "%d", a->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (gen_redis_command(c, 2, argv, "SELECT", err, errlen) != 0)
			goto fail;
	}
	argv[0] = "PING";
	if (gen_redis_command(c, 1, argv, "PING", err, errlen) != 0)
		goto fail;
	return c;

fail:
	redisFree(c);
	return NULL;
}
