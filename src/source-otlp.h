/* execmon - an OTLP/HTTP trace receiver (--otlp-listen) on the loop. */
#ifndef EXECMON_SOURCE_OTLP_H
#define EXECMON_SOURCE_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* Default bound on one request body, bytes (--otlp-max-body), before and after gzip. */
#define OTLP_MAX_BODY_DEFAULT (4 * 1024 * 1024)

struct source_otlp_opts {
	const char *listen;    /* "[HOST:]PORT" */
	size_t max_body;       /* bytes */
	const char *token;     /* bearer token required, or NULL */
	int body_timeout_s;    /* a request's body must arrive within this */
	int64_t grace_ms;      /* how long a span waits for its parent */
};

struct source_otlp;

void source_otlp_opts_default(struct source_otlp_opts *);
/*
 * Check "[HOST:]PORT" (HOST defaults to 127.0.0.1); fills host (size hostlen)
 * and port. Returns 0, or -1 with err saying why.
 */
int source_otlp_parse_listen(const char *spec, char *host, size_t hostlen,
    int *port, char *err, size_t errlen);
/*
 * Resolve --otlp-token's value: "env:VAR" reads the environment, anything
 * else is the token itself. Returns a new string, or NULL with err.
 */
char *source_otlp_token(const char *spec, char *err, size_t errlen);

/*
 * Listen on the loop. Returns NULL, or a receiver that source_otlp_failed()
 * says could not listen (to be freed after the loop), with err naming the
 * address and the cause.
 */
struct source_otlp *source_otlp_start(const struct source_otlp_opts *,
    const struct sink *, char *err, size_t errlen);
int source_otlp_failed(const struct source_otlp *);
/* Settle the spans still waiting for a parent and report caught up (end of --duration). */
void source_otlp_finish(struct source_otlp *);
void source_otlp_stop(struct source_otlp *);
void source_otlp_free(struct source_otlp *);

#endif
