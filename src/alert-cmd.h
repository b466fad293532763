/* execmon - the alerts command, and what it shares with the dashboard. */
#ifndef EXECMON_ALERT_CMD_H
#define EXECMON_ALERT_CMD_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "alert.h"
#include "alert-exec.h"
#include "cli.h"

/* execmon alerts (cmd-alerts.c): change a mark and exit; judge once (exit 0 or 3); --follow. */
int alerts_change_mark(const struct opts *);
int alerts_once(const struct opts *);
int alerts_follow(const struct opts *);

/* What the source registry says, at wall clock wall_ms, for the rules. */
void alerts_env(struct alert_env *, int64_t window_ms, int64_t data_from_ms,
    int64_t wall_ms);
/* How far back to load so that the budgets' periods are covered too. */
int64_t alerts_span_ms(const struct alert_config *, int64_t window_ms, int64_t now_ms);
/* Add "alerts" and "budgets" to a snapshot object. */
void alerts_snapshot_set(json_t *snap, const struct alert_set *,
    const struct alert_marks *, int64_t now_ms);

/*
 * Act on one transition: firing (from ok or pending) and resolved (from
 * firing) run --alert-exec unless the alert is quiet (acknowledged,
 * snoozed, silenced); resolved also takes back its acknowledgement (kept in
 * marks_path). Returns 1 for a firing to announce (bell, notification), 2 for
 * a resolve to announce (notification), 0 for nothing.
 */
int alerts_act(const struct alert_set *, const struct alert_transition *,
    struct alert_marks *, const char *marks_path, struct alert_exec *, int64_t now_ms);

#endif
