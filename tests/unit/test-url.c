/* execmon - unit tests for URL parsing and display. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "url.h"

static void
good(const char *text, int scheme, const char *host, int port, const char *path,
    const char *pw, int db, const char *display)
{
	struct url u;
	char err[128] = "", disp[256];
	int rc = url_parse(&u, text, err, sizeof err);

	ok(rc == 0, "parses %s", text);
	if (rc != 0) {
		printf("#   error: %s\n", err);
		return;
	}
	is_int(u.scheme, scheme, "%s: scheme", text);
	is_str(u.host, host, "%s: host", text);
	is_int(u.port, port, "%s: port", text);
	is_str(u.path, path, "%s: path", text);
	is_str(u.password, pw, "%s: password", text);
	is_int(u.db, db, "%s: db", text);
	url_display(&u, disp, sizeof disp);
	is_str(disp, display, "%s: display", text);
	url_done(&u);
}

static void
bad(const char *text, const char *why)
{
	struct url u;
	char err[128] = "";
	int rc = url_parse(&u, text, err, sizeof err);

	ok(rc == -1, "rejects %s", text);
	ok(strstr(err, why) != NULL, "%s: says '%s' (got '%s')", text, why, err);
	ok(strstr(err, "hunter2") == NULL, "%s: error never holds the password", text);
	if (rc == 0)
		url_done(&u);
}

/* The sentinels and the master's name of a sentinel URL. */
static void
sentinel_fields(void)
{
	struct url u;
	char err[128] = "";

	ok(url_parse(&u, "rediss-sentinel://a:1,b,[::1]:3/m.x-1/2", err,
	    sizeof err) == 0, "parses a three-sentinel URL");
	is_int(u.nsentinels, 3, "three sentinels");
	is_str(u.sentinels[1].host, "b", "the second one's host");
	is_int(u.sentinels[1].port, 26379, "the sentinel port is the default");
	is_str(u.sentinels[2].host, "::1", "an IPv6 sentinel");
	is_int(u.sentinels[2].port, 3, "its port");
	is_str(u.master, "m.x-1", "the master's name");
	is_int(u.tls, 1, "rediss-sentinel: is TLS");
	url_done(&u);
	ok(url_parse(&u, "redis://h", err, sizeof err) == 0 && u.master == NULL &&
	    u.nsentinels == 0 && !u.tls, "a redis:// URL has no sentinels, no TLS");
	url_done(&u);
}

int
main(void)
{
	good("redis://127.0.0.1", URL_REDIS, "127.0.0.1", 6379, NULL, NULL, 0,
	    "redis://127.0.0.1:6379/0");
	good("redis://localhost:6380/3", URL_REDIS, "localhost", 6380, NULL, NULL, 3,
	    "redis://localhost:6380/3");
	good("redis://:hunter2@db.example:7000", URL_REDIS, "db.example", 7000, NULL,
	    "hunter2", 0, "redis://:***@db.example:7000/0");
	good("redis://:p%40ss%3Aw@h/2", URL_REDIS, "h", 6379, NULL, "p@ss:w", 2,
	    "redis://:***@h:6379/2");
	good("redis://alice:pw@h", URL_REDIS, "h", 6379, NULL, "pw", 0,
	    "redis://alice:***@h:6379/0");
	good("redis://[::1]:6390", URL_REDIS, "::1", 6390, NULL, NULL, 0,
	    "redis://[::1]:6390/0");
	good("unix:///run/redis.sock", URL_UNIX, NULL, 0, "/run/redis.sock", NULL, 0,
	    "unix:///run/redis.sock");
	good("unix:///tmp/r.sock?db=4", URL_UNIX, NULL, 0, "/tmp/r.sock", NULL, 4,
	    "unix:///tmp/r.sock?db=4");
	good("redis://[fe80::1%eth0]:7000", URL_REDIS, "fe80::1%eth0", 7000, NULL,
	    NULL, 0, "redis://[fe80::1%eth0]:7000/0");
	good("redis://[::ffff:10.0.0.1]", URL_REDIS, "::ffff:10.0.0.1", 6379, NULL,
	    NULL, 0, "redis://[::ffff:10.0.0.1]:6379/0");
	good("ws://feed.local:8080/events", URL_WS, "feed.local", 8080, "/events", NULL,
	    0, "ws://feed.local:8080/events");
	good("wss://feed.local", URL_WSS, "feed.local", 443, "/", NULL, 0,
	    "wss://feed.local:443/");
	good("rediss://:hunter2@cache.example:6380/1", URL_REDIS, "cache.example", 6380,
	    NULL, "hunter2", 1, "rediss://:***@cache.example:6380/1");
	good("rediss://h", URL_REDIS, "h", 6379, NULL, NULL, 0, "rediss://h:6379/0");
	good("redis-sentinel://s1,s2:26380,[::1]/mymaster", URL_REDIS, "s1", 26379,
	    NULL, NULL, 0, "redis-sentinel://s1:26379,s2:26380,[::1]:26379/mymaster/0");
	good("rediss-sentinel://bob:hunter2@10.0.0.1:5000/my%2Fmaster/3", URL_REDIS,
	    "10.0.0.1", 5000, NULL, "hunter2", 3,
	    "rediss-sentinel://bob:***@10.0.0.1:5000/my%2Fmaster/3");
	sentinel_fields();

	bad("", "empty");
	bad("redis-sentinel://h", "missing /master");
	bad("redis-sentinel://h/", "missing /master");
	bad("redis-sentinel://h//3", "missing /master");
	bad("redis-sentinel://h,/m", "missing host");
	bad("redis-sentinel://h:0/m", "bad port");
	bad("redis-sentinel://h/m/x", "bad database");
	bad("redis-sentinel://:hunter2@h/m%zz", "bad master");
	bad("redis-sentinel://h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h/m", "too many");
	bad("rediss-sentinel://[::1/m", "IPv6");
	{
		char long_name[300 + 32];

		snprintf(long_name, sizeof long_name, "redis-sentinel://h/%0300d", 7);
		bad(long_name, "longer than 255");
	}
	bad("http://x", "unknown scheme");
	bad("redis://", "missing host");
	bad("redis://h:0", "bad port");
	bad("redis://h:65536", "bad port");
	bad("redis://h:12ab", "bad port");
	bad("redis://h/x", "bad database");
	bad("redis://hunter2@h", "credentials");
	bad("redis://:hunter2%zz@h", "escape");
	bad("redis://h o", "space");
	bad("redis://h\x1b[2J", "control");
	bad("ws://u:hunter2@h", "only allowed in redis");
	bad("unix://relative.sock", "absolute");
	bad("redis://[::1", "IPv6");
	/* Found by fuzzing: any byte was taken between brackets. */
	bad("redis://[[]:7000/1", "IPv6");
	bad("redis://[host]", "IPv6");
	bad("redis://[::1%]", "IPv6");
	bad("redis://[]", "IPv6");
	bad("redis://ho$t", "bad character");
	return tap_done();
}
