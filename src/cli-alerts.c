/* execmon - the alert options on the command line and in the config file: --alert-*, and the alerts command's marks (--ack, --snooze, ...). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert-rule.h"
#include "alert-state.h"
#include "cli.h"
#include "cli-int.h"
#include "event.h"
#include "xmalloc.h"

int
cli_alerts_option(struct alert_config *c, const char *name, const char *v, char *err,
    size_t errlen)
{
	int64_t n;
	char *end;
	long k;

	if (strcmp(name, "alert-exec") == 0) {
		free(c->exec);
		c->exec = xstrdup(v);
	} else if (strcmp(name, "alert-exec-timeout") == 0 || strcmp(name, "alert-hold") == 0) {
		int timeout = strcmp(name, "alert-exec-timeout") == 0;

		/* a hold of 0 resolves at once; a timeout of 0 would kill at once */
		if ((n = cli_parse_duration(v)) < 0 || (n == 0 && timeout)) {
			snprintf(err, errlen, "not a duration");
			return -1;
		}
		if (timeout)
			c->exec_timeout_ms = n;
		else
			c->hold_ms = n;
	} else if (strcmp(name, "alert-exec-max") == 0) {
		k = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || k < 1 || k > 64) {
			snprintf(err, errlen, "not a number from 1 to 64");
			return -1;
		}
		c->exec_max = (int)k;
	} else if (strcmp(name, "alert-bell") == 0) {
		if ((k = alert_bell_parse(v)) < 0) {
			snprintf(err, errlen, "want off, on or high");
			return -1;
		}
		c->bell = (enum alert_bell)k;
	} else if (alert_notify_parse(c, v) != 0) {
		snprintf(err, errlen, "want off, osc9, osc777 or both");
		return -1;
	}
	return 0;
}

int
cli_alerts_mark(struct opts *o, int op, const char *v, char *err, size_t errlen)
{
	const char *eq = strchr(v, '=');
	size_t n = eq != NULL ? (size_t)(eq - v) : strlen(v);

	if (o->mark_op != 0) {
		snprintf(err, errlen, "one of --ack, --unack, --snooze, --silence, --unsilence at a time");
		return -1;
	}
	if (n == 0 || n >= MARK_NAME_MAX) {
		snprintf(err, errlen, "an alert name (for --silence, a glob) is wanted");
		return -1;
	}
	if (eq != NULL && op != MARK_SNOOZE && op != MARK_SILENCE) {
		snprintf(err, errlen, "an alert name holds no '='");
		return -1;
	}
	o->mark_until_ms = eq != NULL ? cli_parse_duration(eq + 1) : 0;
	o->mark_until_abs = 0;
	if (eq != NULL && o->mark_until_ms <= 0 && strchr(eq + 1, 'T') != NULL &&
	    event_parse_time(eq + 1, strlen(eq + 1), &o->mark_until_ms) == 0)
		o->mark_until_abs = 1; /* until a time: NAME=2026-12-03T18:00:00Z */
	if ((eq != NULL && o->mark_until_ms <= 0) || (op == MARK_SNOOZE && eq == NULL)) {
		snprintf(err, errlen, "not NAME=DURATION or NAME=TIME (like queue-wait=1h,"
		    " queue-wait=2026-12-03T18:00:00Z)");
		return -1;
	}
	free(o->mark_name);
	o->mark_name = xstrndup(v, n);
	o->mark_op = op + 1;
	return 0;
}
