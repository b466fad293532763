/* execmon - parsing of source addresses (redis[s]://, redis[s]-sentinel://, unix://, ws[s]://). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "xmalloc.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Copy s[0..n) decoding %XX escapes; NULL if an escape is broken. */
static char *
pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* A decimal number of 1 to 5 digits in s[0..n), within [lo, hi]. */
static int
parse_small(const char *s, size_t n, long lo, long hi, int *out)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int
parse_port(const char *s, size_t n, int *port)
{
	return parse_small(s, n, 1, 65535, port);
}

static int
parse_db(const char *s, size_t n, int *db)
{
	return parse_small(s, n, 0, 99999, db);
}

static int
fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

/*
 * An IPv6 address as written between brackets: hex digits, ':' (at least
 * one) and '.' (an embedded IPv4 address), optionally a "%zone" suffix.
 */
static int
valid_v6(const char *s, size_t n)
{
	size_t i;
	int colons = 0;

	for (i = 0; i < n && s[i] != '%'; i++) {
		if (s[i] == ':')
			colons++;
		else if (!isxdigit((unsigned char)s[i]) && s[i] != '.')
			return 0;
	}
	if (colons == 0 || i == n - 1)
		return 0;
	for (i++; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '-' && s[i] != '_')
			return 0;
	}
	return 1;
}

/* host[:port] or [v6][:port] in s[0..n). */
static int
parse_hostport(struct url *u, const char *s, size_t n, char *err, size_t errlen)
{
	const char *colon;
	size_t hl;

	if (n == 0)
		return fail(err, errlen, "missing host");
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (rb == NULL || !valid_v6(s + 1, (size_t)(rb - s - 1)))
			return fail(err, errlen, "bad IPv6 address");
		u->host = xstrndup(s + 1, (size_t)(rb - s - 1));
		if ((size_t)(rb - s) + 1 < n) {
			if (rb[1] != ':' || parse_port(rb + 2, n - (size_t)(rb - s) - 2, &u->port) != 0)
				return fail(err, errlen, "bad port");
		}
		return 0;
	}
	colon = memchr(s, ':', n);
	hl = colon != NULL ? (size_t)(colon - s) : n;
	if (hl == 0)
		return fail(err, errlen, "missing host");
	for (size_t i = 0; i < hl; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '-' && c != '_')
			return fail(err, errlen, "bad character in host");
	}
	u->host = xstrndup(s, hl);
	if (colon != NULL && parse_port(colon + 1, n - hl - 1, &u->port) != 0)
		return fail(err, errlen, "bad port");
	return 0;
}

/* The rest of a sentinel URL: host[:port][,host[:port]...]/master[/db]. */
static int
parse_sentinel(struct url *u, const char *p, const char *slash, char *err,
    size_t errlen)
{
	const char *name, *nend;

	while (p <= slash) {
		const char *comma = memchr(p, ',', (size_t)(slash - p));
		const char *e = comma != NULL ? comma : slash;
		struct url one;

		memset(&one, 0, sizeof one);
		one.port = 26379;
		if (parse_hostport(&one, p, (size_t)(e - p), err, errlen) != 0) {
			free(one.host);
			url_done(u);
			return -1;
		}
		if (u->nsentinels == URL_MAX_SENTINELS) {
			free(one.host);
			url_done(u);
			return fail(err, errlen, "too many sentinels");
		}
		u->sentinels = xreallocarray(u->sentinels, (size_t)u->nsentinels + 1,
		    sizeof *u->sentinels);
		u->sentinels[u->nsentinels].host = one.host;
		u->sentinels[u->nsentinels++].port = one.port;
		p = e + 1;
	}
	u->host = xstrdup(u->sentinels[0].host);
	u->port = u->sentinels[0].port;
	if (*slash != '/' || slash[1] == '\0' || slash[1] == '/') {
		url_done(u);
		return fail(err, errlen, "missing /master name");
	}
	name = slash + 1;
	nend = strchr(name, '/');
	if (nend == NULL)
		nend = name + strlen(name);
	u->master = pct_decode(name, (size_t)(nend - name));
	if (u->master != NULL && strlen(u->master) > URL_MAX_MASTER) {
		url_done(u);
		return fail(err, errlen, "master name longer than 255 bytes");
	}
	if (u->master == NULL || u->master[0] == '\0') {
		url_done(u);
		return fail(err, errlen, "bad master name");
	}
	for (const char *q = u->master; *q != '\0'; q++) {
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f) {
			url_done(u);
			return fail(err, errlen, "bad master name");
		}
	}
	if (*nend == '/' && parse_db(nend + 1, strlen(nend + 1), &u->db) != 0) {
		url_done(u);
		return fail(err, errlen, "bad database number");
	}
	return 0;
}

int
url_parse(struct url *u, const char *text, char *err, size_t errlen)
{
	const char *p, *at, *slash, *end;
	int sentinel = 0;

	memset(u, 0, sizeof *u);
	if (text == NULL || *text == '\0')
		return fail(err, errlen, "empty URL");
	for (p = text; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return fail(err, errlen, "URL holds a space or control character");
	}
	end = p;

	if (strncmp(text, "unix://", 7) == 0) {
		const char *q;

		u->scheme = URL_UNIX;
		p = text + 7;
		if (*p != '/')
			return fail(err, errlen, "unix:// needs an absolute path");
		q = strchr(p, '?');
		u->path = xstrndup(p, q != NULL ? (size_t)(q - p) : strlen(p));
		if (q != NULL) {
			if (strncmp(q, "?db=", 4) != 0 ||
			    parse_db(q + 4, strlen(q + 4), &u->db) != 0) {
				url_done(u);
				return fail(err, errlen, "bad query (only ?db=N)");
			}
		}
		return 0;
	}
	if (strncmp(text, "redis://", 8) == 0 || strncmp(text, "rediss://", 9) == 0) {
		u->scheme = URL_REDIS;
		u->port = 6379;
		u->tls = text[5] == 's';
		p = text + 8 + u->tls;
	} else if (strncmp(text, "redis-sentinel://", 17) == 0 ||
	    strncmp(text, "rediss-sentinel://", 18) == 0) {
		u->scheme = URL_REDIS;
		u->port = 26379;
		u->tls = text[5] == 's';
		sentinel = 1;
		p = text + 17 + u->tls;
	} else if (strncmp(text, "ws://", 5) == 0) {
		u->scheme = URL_WS;
		u->port = 80;
		p = text + 5;
	} else if (strncmp(text, "wss://", 6) == 0) {
		u->scheme = URL_WSS;
		u->port = 443;
		p = text + 6;
	} else
		return fail(err, errlen, "unknown scheme (want redis://, rediss://, "
		    "redis-sentinel://, rediss-sentinel://, unix://, ws:// or wss://)");

	slash = strchr(p, '/');
	if (slash == NULL)
		slash = end;
	at = NULL;
	for (const char *q = p; q < slash; q++) {
		if (*q == '@')
			at = q;
	}
	if (at != NULL) {
		const char *colon;

		if (u->scheme != URL_REDIS)
			return fail(err, errlen, "credentials are only allowed in redis:// URLs");
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon == NULL) {
			url_done(u);
			return fail(err, errlen, "credentials must be [user]:password@");
		}
		if (colon > p)
			u->user = xstrndup(p, (size_t)(colon - p));
		u->password = pct_decode(colon + 1, (size_t)(at - colon - 1));
		if (u->password == NULL) {
			url_done(u);
			return fail(err, errlen, "bad %-escape in password");
		}
		p = at + 1;
	}
	if (sentinel)
		return parse_sentinel(u, p, slash, err, errlen);
	if (parse_hostport(u, p, (size_t)(slash - p), err, errlen) != 0) {
		url_done(u);
		return -1;
	}
	if (u->scheme == URL_REDIS) {
		if (*slash == '/' && slash[1] != '\0' &&
		    parse_db(slash + 1, strlen(slash + 1), &u->db) != 0) {
			url_done(u);
			return fail(err, errlen, "bad database number");
		}
	} else
		u->path = xstrdup(*slash == '/' ? slash : "/");
	return 0;
}

void
url_done(struct url *u)
{
	free(u->host);
	free(u->path);
	if (u->password != NULL) {
		memset(u->password, 0, strlen(u->password));
		free(u->password);
	}
	free(u->user);
	free(u->master);
	for (int i = 0; i < u->nsentinels; i++)
		free(u->sentinels[i].host);
	free(u->sentinels);
	memset(u, 0, sizeof *u);
}

/* redis[s]-sentinel://[user:***@]h1:p1,h2:p2/master/db */
static void
display_sentinel(const struct url *u, char *buf, size_t size)
{
	size_t n;

	snprintf(buf, size, "redis%s-sentinel://%s%s", u->tls ? "s" : "",
	    u->password ? (u->user ? u->user : "") : "",
	    u->password ? ":***@" : "");
	for (int i = 0; i < u->nsentinels; i++) {
		int v6 = strchr(u->sentinels[i].host, ':') != NULL;

		n = strlen(buf);
		snprintf(buf + n, size - n, "%s%s%s%s:%d", i > 0 ? "," : "",
		    v6 ? "[" : "", u->sentinels[i].host, v6 ? "]" : "",
		    u->sentinels[i].port);
	}
	n = strlen(buf);
	snprintf(buf + n, size - n, "/");
	for (const char *q = u->master; *q != '\0'; q++) {
		n = strlen(buf);
		if (*q == '/' || *q == '%' || *q == ',' || *q == '@')
			snprintf(buf + n, size - n, "%%%02X", (unsigned char)*q);
		else
			snprintf(buf + n, size - n, "%c", *q);
	}
	n = strlen(buf);
	snprintf(buf + n, size - n, "/%d", u->db);
}

void
url_display(const struct url *u, char *buf, size_t size)
{
	const char *cred = u->password != NULL ? ":***@" : "";
	const char *user = u->user != NULL ? u->user : "";
	int v6 = u->host != NULL && strchr(u->host, ':') != NULL;

	switch (u->scheme) {
	case URL_UNIX:
		if (u->db != 0)
			snprintf(buf, size, "unix://%s?db=%d", u->path, u->db);
		else
			snprintf(buf, size, "unix://%s", u->path);
		break;
	case URL_REDIS:
		if (u->master != NULL) {
			display_sentinel(u, buf, size);
			break;
		}
		snprintf(buf, size, "redis%s://%s%s%s%s%s:%d/%d", u->tls ? "s" : "",
		    u->password ? user : "", cred, v6 ? "[" : "", u->host,
		    v6 ? "]" : "", u->port, u->db);
		break;
	case URL_WS:
	case URL_WSS:
		snprintf(buf, size, "%s://%s%s%s:%d%s", u->scheme == URL_WS ? "ws" : "wss",
		    v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, u->path);
		break;
	}
}
