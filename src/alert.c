/* execmon - alerts: rules judged over the figures, and their states. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "event.h"
#include "metrics.h"
#include "xmalloc.h"

/*
 * The contract.
 *
 * Figures. A rule's figure is taken from metrics_compute(store, its filter,
 * now, its "over" window) (metrics.c says what each number is), except:
 * queue_depth, oldest_wait, running and stuck_runs are the state at now,
 * taken over the figures' window (so stuck runs are the screen's);
 * anomalies and failure_surge count the anomalies (of any kind, of the
 * failure_surge kind) found over the figures' window that held in
 * (now - over, now], since the anomaly rules need history that a 5 minute
 * window does not have; source_down and no_events come from the env.
 * failure_rate and success_rate are failed (completed) / finished, in
 * percent, and need ALERT_MIN_RUNS finished runs; a percentile needs a
 * sample; no_events needs an event. A figure that cannot be judged leaves
 * the state as it is and says why.
 *
 * States. cond = the figure is known and "value OP threshold" holds.
 *   ok/resolved, cond:  -> pending (cond_ms = now), or firing when for = 0
 *   pending, !cond:     -> ok
 *   pending, cond for at least "for":  -> firing
 *   firing, !cond for at least hold_ms: -> resolved (clear_ms marks the start)
 *   resolved for resolved_ms:           -> ok
 * The hold is the flap guard: a value hovering at the threshold keeps the
 * alert firing rather than firing and resolving on every evaluation.
 */

struct cached {
	const char *where;     /* NULL = no filter */
	const struct filter *filter;
	int64_t window_ms;
	struct metrics *m;
};

struct alert_set {
	const struct alert_config *cfg;
	struct alert *alerts;
	size_t n;
	struct budget_status *budgets;
	size_t nbudgets;
	struct alert_transition *tr;
	size_t ntr, trcap;
	struct cached *cache;
	size_t ncache;
	const struct metrics *hint; /* unfiltered, at some now and window; borrowed */
};

static const char *const state_names[] = { "ok", "pending", "firing", "resolved" };

const char *
alert_state_name(enum alert_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "?";
}

struct alert_set *
alert_set_create(const struct alert_config *cfg)
{
	struct alert_set *s = xcalloc(1, sizeof *s);

	s->cfg = cfg;
	s->alerts = xcalloc(cfg->nrules + 1, sizeof *s->alerts);
	for (size_t i = 0; i < cfg->nrules; i++) {
		if (cfg->rules[i].off)
			continue;
		s->alerts[s->n].rule = &cfg->rules[i];
		s->alerts[s->n].value = NAN;
		snprintf(s->alerts[s->n].why, sizeof s->alerts[s->n].why, "not judged yet");
		s->n++;
	}
	s->nbudgets = cfg->nbudgets;
	s->budgets = xcalloc(cfg->nbudgets + 1, sizeof *s->budgets);
	for (size_t i = 0; i < cfg->nbudgets; i++) {
		s->budgets[i].budget = &cfg->budgets[i];
		s->budgets[i].burn_usd_per_hour = -1;
		s->budgets[i].projected_nusd = -1;
		s->budgets[i].runs_out_ms = -1;
	}
	s->cache = xcalloc(cfg->nrules + 1, sizeof *s->cache);
	return s;
}

void
alert_set_free(struct alert_set *s)
{
	if (s == NULL)
		return;
	free(s->alerts);
	free(s->budgets);
	free(s->tr);
	free(s->cache);
	free(s);
}

/* The metrics for (filter, window), computed once per evaluation. */
static const struct metrics *
metrics_for(struct alert_set *s, const struct store *st, const struct alert_rule *r,
    int64_t window_ms, int64_t now_ms)
{
	const char *w = r->where;
	size_t i;

	if (w == NULL && s->hint != NULL && s->hint->now_ms == now_ms &&
	    s->hint->window_ms == window_ms)
		return s->hint;
	for (i = 0; i < s->ncache; i++) {
		const struct cached *c = &s->cache[i];

		if (c->window_ms == window_ms && ((c->where == NULL && w == NULL) ||
		    (c->where != NULL && w != NULL && strcmp(c->where, w) == 0)))
			return c->m;
	}
	if (s->ncache == s->cfg->nrules + 1) /* cannot happen: one per rule at most */
		return NULL;
	s->cache[s->ncache].where = w;
	s->cache[s->ncache].filter = &r->filter;
	s->cache[s->ncache].window_ms = window_ms;
	s->cache[s->ncache].m = metrics_compute(st, w != NULL ? &r->filter : NULL,
	    now_ms, window_ms);
	return s->cache[s->ncache++].m;
}

static void
cache_clear(struct alert_set *s)
{
	for (size_t i = 0; i < s->ncache; i++)
		metrics_free(s->cache[i].m);
	s->ncache = 0;
}

static int
unknown(struct alert *a, const char *why)
{
	a->known = 0;
	a->value = NAN;
	snprintf(a->why, sizeof a->why, "%s", why);
	return 0;
}

static int
known(struct alert *a, double v)
{
	a->known = 1;
	a->value = v;
	a->why[0] = '\0';
	return 1;
}

static int
pct_figure(struct alert *a, const struct lat_stats *l, int p)
{
	double v = p == 50 ? l->p50 : p == 90 ? l->p90 : p == 95 ? l->p95 : l->p99;

	if (l->n == 0)
		return unknown(a, "no run in the window has this latency");
	return known(a, v);
}

/* Anomalies (of one type, or any when type < 0) that held in (now - over, now]. */
static int
anomalies_in(const struct metrics *m, int type, int64_t from_ms)
{
	int n = 0;

	for (size_t i = 0; i < m->nanomalies; i++)
		if ((type < 0 || (int)m->anomalies[i].type == type) &&
		    m->anomalies[i].end_ms > from_ms)
			n++;
	return n;
}

/* Judge one rule's figure at now into a->value; 1 = known. */
static int
figure(struct alert_set *s, struct alert *a, const struct store *st,
    const struct alert_env *env, int64_t now)
{
	const struct alert_rule *r = a->rule;
	const struct metrics *m;
	int64_t w = r->over_ms;
	double v;

	switch (r->figure) {
	case AF_SOURCE_DOWN:
		if (env->source_down_ms < 0)
			return unknown(a, "no source");
		return known(a, (double)env->source_down_ms);
	case AF_NO_EVENTS:
		if (env->last_event_ms <= 0)
			return unknown(a, "no event seen yet");
		return known(a, (double)(now > env->last_event_ms ? now - env->last_event_ms : 0));
	case AF_BUDGET_SPENT:
	case AF_BUDGET_PROJECTED: {
		const struct budget_status *b = &s->budgets[r->budget];

		if (r->figure == AF_BUDGET_SPENT)
			return known(a, (double)b->spent_nusd / 1e9);
		if (b->projected_nusd < 0)
			return unknown(a, "less than an hour of the period to project from");
		return known(a, (double)b->projected_nusd / 1e9);
	}
	case AF_ANOMALIES:
	case AF_FAILURE_SURGE:
		if ((m = metrics_for(s, st, r, env->window_ms, now)) == NULL)
			return unknown(a, "no figures");
		return known(a, anomalies_in(m, r->figure == AF_ANOMALIES ? -1 :
		    ANOM_FAILURE_SURGE, now - r->over_ms));
	case AF_QUEUE_DEPTH:
	case AF_OLDEST_WAIT:
	case AF_RUNNING:
	case AF_STUCK_RUNS:
		/* the state at now: the same figures as the screen's, over its window */
		w = env->window_ms;
		break;
	default:
		break;
	}
	if ((m = metrics_for(s, st, r, w, now)) == NULL)
		return unknown(a, "no figures");
	switch (r->figure) {
	case AF_FAILURE_RATE:
	case AF_SUCCESS_RATE:
		if (m->total < ALERT_MIN_RUNS)
			return unknown(a, "fewer than 5 runs finished in the window");
		v = (double)(r->figure == AF_FAILURE_RATE ? m->failed : m->completed);
		return known(a, 100.0 * v / (double)m->total);
	case AF_P50_EXEC: return pct_figure(a, &m->exec, 50);
	case AF_P90_EXEC: return pct_figure(a, &m->exec, 90);
	case AF_P95_EXEC: return pct_figure(a, &m->exec, 95);
	case AF_P99_EXEC: return pct_figure(a, &m->exec, 99);
	case AF_P50_QUEUE: return pct_figure(a, &m->queue, 50);
	case AF_P90_QUEUE: return pct_figure(a, &m->queue, 90);
	case AF_P95_QUEUE: return pct_figure(a, &m->queue, 95);
	case AF_P99_QUEUE: return pct_figure(a, &m->queue, 99);
	case AF_P50_E2E: return pct_figure(a, &m->e2e, 50);
	case AF_P90_E2E: return pct_figure(a, &m->e2e, 90);
	case AF_P95_E2E: return pct_figure(a, &m->e2e, 95);
	case AF_P99_E2E: return pct_figure(a, &m->e2e, 99);
	case AF_THROUGHPUT:
		return known(a, (double)m->total * 60000.0 / (double)w);
	case AF_QUEUE_DEPTH:
		if (r->filter.queue != NULL) {
			for (size_t i = 0; i < m->nqueues; i++)
				if (strcmp(m->queues[i].name, r->filter.queue) == 0)
					return known(a, (double)m->queues[i].depth);
			return known(a, 0);
		}
		return known(a, r->where != NULL ? (double)m->nqueued :
		    (double)m->queue_depth);
	case AF_OLDEST_WAIT:
		v = 0;
		for (size_t i = 0; i < m->nqueued; i++)
			if ((double)m->queued[i].elapsed_ms > v)
				v = (double)m->queued[i].elapsed_ms;
		return known(a, v);
	case AF_RUNNING:
		return known(a, (double)m->nrunning);
	case AF_STUCK_RUNS:
		return known(a, (double)m->nflags);
	case AF_COST:
		return known(a, (double)m->cost_nusd / 1e9);
	default:
		return unknown(a, "not a figure");
	}
}

static void
move_to(struct alert_set *s, size_t i, enum alert_state to, int64_t now)
{
	struct alert *a = &s->alerts[i];

	if (s->ntr == s->trcap) {
		s->trcap = s->trcap ? 2 * s->trcap : 16;
		s->tr = xreallocarray(s->tr, s->trcap, sizeof *s->tr);
	}
	s->tr[s->ntr++] = (struct alert_transition){ i, a->state, to, now };
	a->state = to;
	a->since_ms = now;
}

/* The state machine of the contract above, for one alert. */
static void
step(struct alert_set *s, size_t i, int is_known, int64_t now)
{
	struct alert *a = &s->alerts[i];
	const struct alert_rule *r = a->rule;
	int cond = is_known && alert_op_holds(r->op, a->value, r->threshold);

	if (a->since_ms == 0)
		a->since_ms = now;
	if (!is_known)
		return;
	switch (a->state) {
	case AS_RESOLVED:
		if (!cond && now - a->since_ms >= s->cfg->resolved_ms) {
			move_to(s, i, AS_OK, now);
			break;
		}
		/* fall through */
	case AS_OK:
		if (!cond)
			break;
		a->cond_ms = now;
		a->clear_ms = 0;
		move_to(s, i, r->for_ms > 0 ? AS_PENDING : AS_FIRING, now);
		break;
	case AS_PENDING:
		if (!cond) {
			a->cond_ms = 0;
			move_to(s, i, AS_OK, now);
		} else if (now - a->cond_ms >= r->for_ms)
			move_to(s, i, AS_FIRING, now);
		break;
	case AS_FIRING:
		if (cond) {
			a->clear_ms = 0;
			break;
		}
		if (a->clear_ms == 0)
			a->clear_ms = now;
		if (now - a->clear_ms >= s->cfg->hold_ms) {
			a->cond_ms = a->clear_ms = 0;
			move_to(s, i, AS_RESOLVED, now);
		}
		break;
	}
}

size_t
alert_set_eval(struct alert_set *s, const struct store *st,
    const struct alert_env *env, int64_t now_ms)
{
	s->ntr = 0;
	for (size_t b = 0; b < s->nbudgets; b++)
		alert_budget_compute(&s->budgets[b], s->budgets[b].budget, st,
		    env->data_from_ms, now_ms);
	for (size_t i = 0; i < s->n; i++) {
		int k = figure(s, &s->alerts[i], st, env, now_ms);

		step(s, i, k, now_ms);
	}
	cache_clear(s);
	s->hint = NULL;
	return s->ntr;
}

void
alert_set_reset(struct alert_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct alert_rule *r = s->alerts[i].rule;

		memset(&s->alerts[i], 0, sizeof s->alerts[i]);
		s->alerts[i].rule = r;
		s->alerts[i].value = NAN;
		snprintf(s->alerts[i].why, sizeof s->alerts[i].why, "not judged yet");
	}
	s->ntr = 0;
}

void
alert_set_hint(struct alert_set *s, const struct metrics *m)
{
	s->hint = m;
}

int64_t
alert_replay_back_ms(const struct alert_config *c)
{
	int64_t back = 0;

	for (size_t i = 0; i < c->nrules; i++)
		if (!c->rules[i].off && c->rules[i].for_ms > back)
			back = c->rules[i].for_ms;
	return back + c->hold_ms + c->resolved_ms + ALERT_STEP_MS;
}

void
alert_set_replay(struct alert_set *s, const struct store *st,
    const struct alert_env *env, int64_t now_ms, int whole)
{
	int64_t back = alert_replay_back_ms(s->cfg), t, stepms = ALERT_STEP_MS;

	if (whole && env->window_ms > back)
		back = env->window_ms;
	if (back / ALERT_REPLAY_STEPS > stepms)
		stepms = back / ALERT_REPLAY_STEPS / 1000 * 1000;
	t = now_ms - back;
	if (t < env->data_from_ms)
		t = env->data_from_ms;
	/* steps on a fixed grid ending exactly at now */
	t = now_ms - (now_ms - t) / stepms * stepms;
	for (; t < now_ms; t += stepms)
		alert_set_eval(s, st, env, t);
	alert_set_eval(s, st, env, now_ms);
}

const struct alert_transition *
alert_set_transitions(const struct alert_set *s, size_t *n)
{
	*n = s->ntr;
	return s->tr;
}

size_t
alert_set_count(const struct alert_set *s)
{
	return s->n;
}

const struct alert *
alert_set_get(const struct alert_set *s, size_t i)
{
	return i < s->n ? &s->alerts[i] : NULL;
}

void
alert_set_tally(const struct alert_set *s, int *firing, int *pending)
{
	*firing = *pending = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->alerts[i].state == AS_FIRING)
			(*firing)++;
		else if (s->alerts[i].state == AS_PENDING)
			(*pending)++;
	}
}

size_t
alert_set_nbudgets(const struct alert_set *s)
{
	return s->nbudgets;
}

const struct budget_status *
alert_set_budget(const struct alert_set *s, size_t i)
{
	return i < s->nbudgets ? &s->budgets[i] : NULL;
}

const struct alert_config *
alert_set_config(const struct alert_set *s)
{
	return s->cfg;
}

int
alert_quiet(const struct alert *a, const struct alert_marks *mk, int64_t now_ms)
{
	if (mk == NULL)
		return 0;
	return alert_marks_ack(mk, a->rule->name) != NULL ||
	    alert_marks_snooze(mk, a->rule->name, now_ms) != NULL ||
	    alert_marks_silence(mk, a->rule->name, now_ms) != NULL;
}

void
alert_summary(const struct alert *a, char *buf, size_t size)
{
	const struct alert_rule *r = a->rule;
	enum alert_unit u = alert_figure_unit(r->figure);
	char v[32], t[32], state[16];
	size_t i;

	snprintf(state, sizeof state, "%s", alert_state_name(a->state));
	for (i = 0; state[i] != '\0'; i++)
		state[i] = (char)(state[i] - 'a' + 'A');
	alert_format_value(u, a->value, v, sizeof v);
	alert_format_value(u, r->threshold, t, sizeof t);
	snprintf(buf, size, "%s %s %s %s %s %s%s%s", r->name, state,
	    alert_figure_name(r->figure), a->known ? v : "unknown",
	    alert_op_name(r->op), t, r->where ? " where " : "", r->where ? r->where : "");
}

void
alert_osc_text(const char *in, char *out, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	for (; *in != '\0' && n + 1 < size; in++) {
		unsigned char c = (unsigned char)*in;

		out[n++] = c >= 0x20 && c < 0x7f && c != ';' ? (char)c : '?';
	}
	out[n] = '\0';
}

static json_t *
time_json(int64_t ms)
{
	char buf[64];

	if (ms <= 0)
		return json_null();
	event_format_time(ms, buf, sizeof buf);
	return json_string(buf);
}

static json_t *
num_json(double v, int decimals)
{
	double scale = pow(10, decimals);

	if (!isfinite(v))
		return json_null();
	v = round(v * scale) / scale;
	return json_real(v == 0 ? 0 : v);
}

/* A figure in its unit as the snapshot writes it: seconds, percent, dollars, count. */
static json_t *
value_json(enum alert_unit u, double v)
{
	if (!isfinite(v))
		return json_null();
	switch (u) {
	case AU_MS:
		return num_json(v / 1000, 3);
	case AU_PERCENT:
		return num_json(v, 2);
	case AU_USD:
		return num_json(v, 6);
	default:
		return num_json(v, 3);
	}
}

static const char *const unit_names[] = { "count", "percent", "seconds", "usd" };

json_t *
alert_json(const struct alert *a, const struct alert_marks *mk, int64_t now_ms)
{
	const struct alert_rule *r = a->rule;
	enum alert_unit u = alert_figure_unit(r->figure);
	const struct mark *ack = mk ? alert_marks_ack(mk, r->name) : NULL;
	const struct mark *sn = mk ? alert_marks_snooze(mk, r->name, now_ms) : NULL;
	const struct mark *si = mk ? alert_marks_silence(mk, r->name, now_ms) : NULL;
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "state", json_string(alert_state_name(a->state)));
	json_object_set_new(o, "since", time_json(a->since_ms));
	json_object_set_new(o, "severity", json_string(severity_name(r->severity)));
	json_object_set_new(o, "figure", json_string(alert_figure_name(r->figure)));
	json_object_set_new(o, "where", r->where ? json_string(r->where) : json_null());
	json_object_set_new(o, "over", num_json((double)r->over_ms / 1000, 3));
	json_object_set_new(o, "op", json_string(alert_op_name(r->op)));
	json_object_set_new(o, "unit", json_string(unit_names[u]));
	json_object_set_new(o, "value", a->known ? value_json(u, a->value) : json_null());
	json_object_set_new(o, "threshold", value_json(u, r->threshold));
	json_object_set_new(o, "for", num_json((double)r->for_ms / 1000, 3));
	json_object_set_new(o, "unknownReason", a->known ? json_null() : json_string(a->why));
	json_object_set_new(o, "builtin", json_boolean(r->builtin));
	if (r->budget >= 0) {
		/* NAME.projected or NAME.over: the budget is NAME */
		const char *dot = strrchr(r->name, '.');

		json_object_set_new(o, "budget", json_stringn(r->name, dot ?
		    (size_t)(dot - r->name) : strlen(r->name)));
	} else
		json_object_set_new(o, "budget", json_null());
	json_object_set_new(o, "acknowledged", json_boolean(ack != NULL));
	json_object_set_new(o, "note", ack && ack->note[0] ? json_string(ack->note) : json_null());
	json_object_set_new(o, "snoozedUntil", sn ? (sn->until_ms ? time_json(sn->until_ms) :
	    json_string("forever")) : json_null());
	json_object_set_new(o, "silencedBy", si ? json_string(si->name) : json_null());
	return o;
}

json_t *
alert_set_json(const struct alert_set *s, const struct alert_marks *mk, int64_t now_ms)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(arr, alert_json(&s->alerts[i], mk, now_ms));
	return arr;
}
