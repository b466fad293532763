/* execmon - parsing of source addresses (redis[s]://, redis[s]-sentinel://, unix://, ws[s]://). */
#ifndef EXECMON_URL_H
#define EXECMON_URL_H

#include <stddef.h>

enum url_scheme { URL_REDIS, URL_UNIX, URL_WS, URL_WSS };

/* The most sentinels one URL names. */
#define URL_MAX_SENTINELS 16
/* The longest master name. */
#define URL_MAX_MASTER 255

struct url_host {
	char *host;
	int port;
};

/* A redis scheme (rediss://, redis-sentinel://...) is URL_REDIS with tls/master set. */
struct url {
	enum url_scheme scheme;
	char *host;     /* NULL for unix://; IPv6 without brackets */
	int port;       /* default 6379 (redis), 80 (ws), 443 (wss) */
	char *path;     /* unix socket path, or ws path ("/" default); NULL for redis */
	char *password; /* redis only; NULL = none */
	char *user;     /* redis ACL user (redis://user:pw@host), or NULL */
	int db;         /* redis only; 0 default */
	int tls;        /* rediss:// or rediss-sentinel:// */
	char *master;   /* redis-sentinel: the master's name; NULL otherwise */
	struct url_host *sentinels; /* redis-sentinel: every sentinel, in order */
	int nsentinels; /* (host and port are the first one's) */
};

/*
 * Parse a URL. Accepted forms:
 *   redis://[[user]:password@]host[:port][/db]   (host may be [v6])
 *   rediss://...                                  (the same, over TLS)
 *   redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db]
 *   rediss-sentinel://...                         (sentinels and master over TLS)
 *   unix:///path/to.sock[?db=N]
 *   ws://host[:port][/path]   wss://host[:port][/path]
 * Percent-escapes in the password are decoded. Returns 0 on success; on error
 * returns -1 and writes a one-line reason (without the password) to err.
 */
int url_parse(struct url *, const char *text, char *err, size_t errlen);
void url_done(struct url *);
/* The URL for display, password masked: "redis://:***@host:6379/0". */
void url_display(const struct url *, char *buf, size_t size);

#endif
