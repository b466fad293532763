/* execmon - test knobs: timings the tests shorten, read from the environment once. */
#ifndef EXECMON_KNOBS_H
#define EXECMON_KNOBS_H

/*
 * Each is 0 when its variable is unset or not a positive number: the
 * source's own default then holds. Documented in doc/architecture.md.
 */
struct knobs {
	int block_ms;            /* EXECMON_BLOCK_MS: XREAD BLOCK timeout, ms */
	int ws_ping_s;           /* EXECMON_WS_PING_S: a quiet feed is pinged after this, s */
	int ws_hangup_s;         /* EXECMON_WS_HANGUP_S: and hung up on after this, s */
	int otlp_body_timeout_s; /* EXECMON_OTLP_BODY_TIMEOUT_S: a request body's deadline, s */
	int otlp_grace_ms;       /* EXECMON_OTLP_GRACE_MS: a span waits this for its parent, ms */
	int hold_all;            /* EXECMON_HOLD_ALL: a snapshot holds every run it reads */
	int hold_pass;           /* EXECMON_HOLD_PASS: and else lets runs go every this many new runs */
};

/* Fill k from the environment. */
void knobs_read(struct knobs *k);

#endif
