/* execmon - follow WebSocket feeds (ws://, wss://) with libwebsockets on the loop. */
#ifndef EXECMON_SOURCE_WS_H
#define EXECMON_SOURCE_WS_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

struct source_ws_opts {
	int follow;            /* reconnect after the server closes; else that ends the feed */
	const char *ca_file;   /* --ws-ca; NULL = the system's CA bundle */
	int insecure;          /* --ws-insecure: no certificate checks at all */
	char *const *headers;  /* "Name: value" (env:VAR already resolved) */
	int nheaders;
	size_t max_message;    /* bound on one message, bytes (default 1 MiB) */
	int connect_timeout_ms;/* TCP + TLS + upgrade, per attempt (default 5000) */
	int ping_s;            /* ping after this long without a valid frame (10) */
	int hangup_s;          /* hang up after this long without one (30) */
	int64_t backoff_min_ms, backoff_max_ms; /* 500, 10000 */
	int64_t healthy_ms;    /* up this long, a lost connection retries from backoff_min_ms (10000) */
};

void source_ws_opts_default(struct source_ws_opts *);

struct source_ws;

/*
 * Follow every URL (already validated as ws:// or wss://) on the loop; each
 * is one source in the registry. NULL with a one-line reason in err when the
 * library cannot be set up.
 */
struct source_ws *source_ws_start(char *const *urls, int nurls,
    const struct source_ws_opts *, const struct sink *, char *err,
    size_t errlen);
/* Headless, not following: end every feed now (--duration is up). */
void source_ws_finish(struct source_ws *);
/* In the loop: close every connection and tear the library down. */
void source_ws_stop(struct source_ws *);
/* After the loop has returned: free what is left. */
void source_ws_free(struct source_ws *);

/*
 * Resolve a --ws-header value: "env:VAR" reads the environment. Returns a
 * new "Name: value" string, or NULL with the reason in err.
 */
char *source_ws_header(const char *spec, char *err, size_t errlen);
/* The system's CA bundle: $SSL_CERT_FILE, else the first readable one known, or NULL. */
const char *source_ws_ca_bundle(void);

#endif
