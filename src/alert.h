/* execmon - alerts: rules judged over the figures, their states, and cost budgets. */
#ifndef EXECMON_ALERT_H
#define EXECMON_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "alert-rule.h"
#include "alert-state.h"
#include "metrics.h"
#include "store.h"

/*
 * The core of alerting, with no terminal, no network and no clock: the
 * caller passes now, and what it knows of its sources in an alert_env. The
 * same store, env and series of nows give the same states (tests pin them).
 */

enum alert_state { AS_OK, AS_PENDING, AS_FIRING, AS_RESOLVED };

/* Rates need this many runs finished in the "over" window to be judged. */
#define ALERT_MIN_RUNS 5
/* A budget's burn rate and projection need this much of the period. */
#define BUDGET_MIN_MS (3600 * (int64_t)1000)
/* One-shot evaluation (execmon alerts) steps through time this finely, in
 * at most ALERT_REPLAY_STEPS steps (coarser for longer windows). */
#define ALERT_STEP_MS 10000
#define ALERT_REPLAY_STEPS 360

struct alert {
	const struct alert_rule *rule; /* borrowed from the config */
	enum alert_state state;
	int64_t since_ms;      /* when it entered its state; 0 = never evaluated */
	int64_t cond_ms;       /* the condition has held since; 0 = it does not */
	int64_t clear_ms;      /* firing: the condition has been false since; 0 = holds */
	int known;             /* the figure could be judged at the last evaluation */
	double value;          /* the figure then, in the rule's unit; NaN if unknown */
	char why[96];          /* when not known: why not */
};

struct alert_transition {
	size_t alert;          /* index */
	enum alert_state from, to;
	int64_t at_ms;
};

/* What the caller knows besides the store. */
struct alert_env {
	int64_t window_ms;     /* the figures' window: anomalies are found over it */
	int64_t data_from_ms;  /* the oldest time the store covers (its backfill) */
	int64_t source_down_ms;/* longest any source has not been live; -1 = none known */
	int64_t last_event_ms; /* newest event time seen; 0 = none */
};

struct budget_status {
	const struct budget *budget;   /* borrowed from the config */
	int64_t period_start_ms, period_end_ms; /* UTC day, ISO week, month */
	int64_t from_ms;       /* start of what was counted: max(period start, data held) */
	int partial;           /* the data held starts after the period did */
	int64_t finished_nusd; /* runs finished in [from, now] */
	int64_t in_flight_nusd;/* cost so far of the runs running at now */
	uint64_t in_flight_runs;
	int64_t spent_nusd;    /* finished + in flight */
	double burn_usd_per_hour; /* spent / time counted; < 0 = too early to say */
	int64_t projected_nusd;/* at the end of the period at this rate; -1 = unknown */
	int64_t runs_out_ms;   /* when spent reaches the budget at this rate: now if
	                          already over; -1 = not in this period or unknown */
};

struct alert_set;

/* An alert per rule (rules switched off have none). The config must outlive the set. */
struct alert_set *alert_set_create(const struct alert_config *);
void alert_set_free(struct alert_set *);

/*
 * Judge every rule at now and move the states: ok -> pending while the
 * condition holds for less than the rule's "for", -> firing, and -> resolved
 * once it has been false for the config's hold_ms (so a value that hovers at
 * the threshold does not flap); resolved -> ok after resolved_ms. A figure
 * that cannot be judged moves nothing. Returns the number of transitions
 * this call made (alert_set_transitions).
 */
size_t alert_set_eval(struct alert_set *, const struct store *,
    const struct alert_env *, int64_t now_ms);
/*
 * Metrics already computed with no filter (at the now and window of the
 * next alert_set_eval): rules without a filter that need them use these
 * instead of computing their own. Used by that one eval only; borrowed.
 */
void alert_set_hint(struct alert_set *, const struct metrics *);
/*
 * One-shot: judge the rules on a grid of ALERT_STEP_MS (or window /
 * ALERT_REPLAY_STEPS when coarser) up to now, so that "for", the hold and
 * "since" mean what they mean in a live process. whole: from the start of
 * the window (or further back when the longest "for" plus the holds is
 * longer); else from only that far back (cheaper: "since" is then never
 * earlier than that). Never before the data held.
 */
void alert_set_replay(struct alert_set *, const struct store *,
    const struct alert_env *, int64_t now_ms, int whole);
/* How far back from now alert_set_replay() judges when not whole. */
int64_t alert_replay_back_ms(const struct alert_config *);

/* Every alert back to ok, never judged. */
void alert_set_reset(struct alert_set *);
const struct alert_transition *alert_set_transitions(const struct alert_set *, size_t *n);
size_t alert_set_count(const struct alert_set *);
const struct alert *alert_set_get(const struct alert_set *, size_t i);
void alert_set_tally(const struct alert_set *, int *firing, int *pending);
size_t alert_set_nbudgets(const struct alert_set *);
const struct budget_status *alert_set_budget(const struct alert_set *, size_t i);
const struct alert_config *alert_set_config(const struct alert_set *);

/* Budgets over the store at now (alert_budget.c). */
void alert_budget_compute(struct budget_status *, const struct budget *,
    const struct store *, int64_t data_from_ms, int64_t now_ms);
/* [start, end) of the UTC period holding now. */
void alert_budget_period(enum budget_period, int64_t now_ms, int64_t *start, int64_t *end);

const char *alert_state_name(enum alert_state);
/* Acknowledged, snoozed or silenced: no bell, no notification, no command. */
int alert_quiet(const struct alert *, const struct alert_marks *, int64_t now_ms);

/* An alert as JSON (doc/snapshot.md, "alerts"); marks may be NULL. */
json_t *alert_json(const struct alert *, const struct alert_marks *, int64_t now_ms);
json_t *alert_set_json(const struct alert_set *, const struct alert_marks *, int64_t now_ms);
json_t *alert_budgets_json(const struct alert_set *);

/* "planner-failing FIRING failure_rate 35.0% > 20.0%" and the like. */
void alert_summary(const struct alert *, char *buf, size_t size);
/*
 * Text for a desktop notification (inside an OSC): only printable ASCII
 * other than ';' goes through; anything else becomes '?'; at most size - 1
 * bytes. So no byte can end the sequence or start another.
 */
void alert_osc_text(const char *in, char *out, size_t size);

#endif
