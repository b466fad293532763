/* execmon - the alerts command's work (cmd-alerts.c), and what it shares with the dashboard. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert-cmd.h"
#include "collect.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "report.h"
#include "source.h"
#include "store.h"

/* Exit status of `execmon alerts` when an alert fires. */
#define ALERTS_EXIT_FIRING 3
/* --follow judges the rules this often. */
#define ALERTS_TICK_MS 1000

void
alerts_env(struct alert_env *env, int64_t window_ms, int64_t data_from_ms, int64_t wall_ms)
{
	memset(env, 0, sizeof *env);
	env->window_ms = window_ms;
	env->data_from_ms = data_from_ms;
	env->source_down_ms = sources_count() > 0 ? 0 : -1;
	for (size_t i = 0; i < sources_count(); i++) {
		const struct source_info *si = sources_get((int)i);
		int up = si->state == SRC_LIVE || si->state == SRC_BACKFILLING ||
		    si->state == SRC_DONE;

		if (!up && si->state_since_ms > 0 && wall_ms - si->state_since_ms >
		    env->source_down_ms)
			env->source_down_ms = wall_ms - si->state_since_ms;
		if (si->last_event_ms > env->last_event_ms)
			env->last_event_ms = si->last_event_ms;
	}
}

int64_t
alerts_span_ms(const struct alert_config *c, int64_t window_ms, int64_t now_ms)
{
	int64_t span = 2 * window_ms, start, end;

	for (size_t i = 0; i < c->nbudgets; i++) {
		alert_budget_period(c->budgets[i].period, now_ms, &start, &end);
		if (now_ms - start + 60000 > span)
			span = now_ms - start + 60000;
	}
	return span;
}

void
alerts_snapshot_set(json_t *snap, const struct alert_set *s,
    const struct alert_marks *mk, int64_t now_ms)
{
	json_object_set_new(snap, "alerts", alert_set_json(s, mk, now_ms));
	json_object_set_new(snap, "budgets", alert_budgets_json(s));
}

/* The alert as --alert-exec and --follow --format json give it. */
static char *
transition_json(const struct alert *a, const struct alert_transition *tr,
    const struct alert_marks *mk, int64_t now_ms)
{
	json_t *o = alert_json(a, mk, now_ms);
	char at[64], *text;

	event_format_time(tr->at_ms, at, sizeof at);
	json_object_set_new(o, "previousState", json_string(alert_state_name(tr->from)));
	json_object_set_new(o, "at", json_string(at));
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
	json_decref(o);
	return text;
}

int
alerts_act(const struct alert_set *s, const struct alert_transition *tr,
    struct alert_marks *mk, const char *marks_path, struct alert_exec *x, int64_t now_ms)
{
	const struct alert *a = alert_set_get(s, tr->alert);
	const char *name = a->rule->name;
	int fired = tr->to == AS_FIRING, resolved = tr->to == AS_RESOLVED &&
	    tr->from == AS_FIRING, muted, announce = 0;
	char err[256], *json;

	if (!fired && !resolved)
		return 0;
	muted = mk != NULL && (alert_marks_snooze(mk, name, now_ms) != NULL ||
	    alert_marks_silence(mk, name, now_ms) != NULL);
	if (fired)
		announce = !alert_quiet(a, mk, now_ms);
	else
		announce = !muted ? 2 : 0;
	if (x != NULL && announce) {
		json = transition_json(a, tr, mk, now_ms);
		alert_exec_run(x, name, alert_state_name(tr->to),
		    severity_name(a->rule->severity), json);
		free(json);
	}
	/* An acknowledgement covers one firing: it goes when the alert resolves. */
	if (resolved && mk != NULL && marks_path != NULL && alert_marks_ack(mk, name) != NULL &&
	    alert_marks_update(mk, marks_path, MARK_UNACK, name, NULL, 0, now_ms, err,
	    sizeof err) != 0)
		log_msg(LOG_WARN, "alerts: %s", err);
	return announce;
}

/* --ack, --unack, --snooze, --silence, --unsilence: change the marks and exit. */
int
alerts_change_mark(const struct opts *o)
{
	static struct alert_marks mk;
	char *path = alert_marks_path(), err[256];
	enum mark_op op = (enum mark_op)(o->mark_op - 1);
	int64_t now = loop_now_ms(), until = 0;
	int known = op == MARK_SILENCE || op == MARK_UNSILENCE;
	static const char *const said[] = { "acknowledged", "acknowledgement taken back from",
		"snoozed", "snooze taken back from", "silenced", "silence taken back from" };

	if (path == NULL) {
		fprintf(stderr, "execmon: alerts: neither XDG_STATE_HOME nor HOME is set\n");
		return 1;
	}
	for (size_t i = 0; i < o->alerts->nrules && !known; i++)
		known = strcmp(o->alerts->rules[i].name, o->mark_name) == 0;
	if (!known)
		fprintf(stderr, "execmon: alerts: note: no rule here is named %s\n", o->mark_name);
	if (o->mark_until_ms > 0)
		until = o->mark_until_abs ? o->mark_until_ms : now + o->mark_until_ms;
	if (until != 0 && until <= now) {
		fprintf(stderr, "execmon: alerts: %s: that time has passed\n", o->mark_name);
		free(path);
		return 2;
	}
	if (alert_marks_update(&mk, path, op, o->mark_name, o->note, until, now, err,
	    sizeof err) != 0) {
		fprintf(stderr, "execmon: alerts: %s\n", err);
		free(path);
		return 1;
	}
	if (until > 0) {
		char t[64];

		event_format_time(until, t, sizeof t);
		printf("%s %s until %s\n", said[op], o->mark_name, t);
	} else
		printf("%s %s\n", said[op], o->mark_name);
	free(path);
	return 0;
}

static void
load_marks(struct alert_marks *mk, const char *path)
{
	char err[256];

	if (path != NULL && alert_marks_load(mk, path, err, sizeof err) != 0)
		log_msg(LOG_WARN, "alerts: %s (acknowledgements ignored)", err);
}

/* One line of the table; cells sanitised (notes come from people, names from the config). */
static void
table_row(const struct alert *a, const struct alert_marks *mk, int64_t now)
{
	const struct alert_rule *r = a->rule;
	enum alert_unit u = alert_figure_unit(r->figure);
	const struct mark *ack = alert_marks_ack(mk, r->name);
	const struct mark *sn = alert_marks_snooze(mk, r->name, now);
	const struct mark *si = alert_marks_silence(mk, r->name, now);
	char v[32], t[32], since[64] = "-", note[256] = "", raw[400];

	alert_format_value(u, a->value, v, sizeof v);
	alert_format_value(u, r->threshold, t, sizeof t);
	if (a->state != AS_OK && a->since_ms > 0)
		event_format_time(a->since_ms, since, sizeof since);
	raw[0] = '\0';
	if (!a->known)
		snprintf(raw, sizeof raw, "not judged: %s", a->why);
	else if (ack != NULL)
		snprintf(raw, sizeof raw, "acknowledged%s%s", ack->note[0] ? ": " : "", ack->note);
	else if (sn != NULL)
		snprintf(raw, sizeof raw, "snoozed");
	else if (si != NULL)
		snprintf(raw, sizeof raw, "silenced by %s", si->name);
	event_sanitize(raw, note, sizeof note, 0);
	printf("%-9s %-8s %-26s %10s %2s %-9s %-24s %s\n", alert_state_name(a->state),
	    severity_name(r->severity), r->name, a->known ? v : "-",
	    alert_op_name(r->op), t, since, note);
}

static void
budget_rows(const struct alert_set *s)
{
	char a[32], b[32], c[32], d[32], e[32], f[64];

	if (alert_set_nbudgets(s) == 0)
		return;
	printf("\n%-20s %-6s %10s %10s %10s %10s %10s  %s\n", "BUDGET", "PERIOD", "SPENT",
	    "IN FLIGHT", "BUDGET", "BURN/H", "PROJECTED", "RUNS OUT");
	for (size_t i = 0; i < alert_set_nbudgets(s); i++) {
		const struct budget_status *bs = alert_set_budget(s, i);

		alert_format_value(AU_USD, (double)bs->spent_nusd / 1e9, a, sizeof a);
		alert_format_value(AU_USD, (double)bs->in_flight_nusd / 1e9, b, sizeof b);
		alert_format_value(AU_USD, (double)bs->budget->limit_nusd / 1e9, c, sizeof c);
		alert_format_value(AU_USD, bs->burn_usd_per_hour >= 0 ?
		    bs->burn_usd_per_hour : NAN, d, sizeof d);
		alert_format_value(AU_USD, bs->projected_nusd >= 0 ?
		    (double)bs->projected_nusd / 1e9 : NAN, e, sizeof e);
		if (bs->runs_out_ms > 0)
			event_format_time(bs->runs_out_ms, f, sizeof f);
		else
			snprintf(f, sizeof f, bs->projected_nusd >= 0 ? "not this %s" : "-",
			    budget_period_name(bs->budget->period));
		printf("%-20s %-6s %10s %10s %10s %10s %10s  %s%s\n", bs->budget->name,
		    budget_period_name(bs->budget->period), a, b, c, d, e, f,
		    bs->partial ? "  (partial: data held starts after the period)" : "");
	}
}

/* Judge once at now and print every rule's state. */
int
alerts_once(const struct opts *o)
{
	static struct alert_marks mk;
	struct store *st = store_create();
	struct alert_set *s;
	struct alert_env env;
	char *path = alert_marks_path();
	int64_t now = o->now_ms ? o->now_ms : loop_now_ms(), span;
	int status, firing, pending;

	span = alerts_span_ms(o->alerts, o->window_ms, now);
	if ((status = report_load(o, st, span, 1, &now)) != 0) {
		store_free(st);
		free(path);
		return status;
	}
	load_marks(&mk, path);
	s = alert_set_create(o->alerts);
	alerts_env(&env, o->window_ms, now - span, loop_now_ms());
	alert_set_replay(s, st, &env, now, 1);
	alert_set_tally(s, &firing, &pending);
	if (strcmp(o->format, "json") == 0) {
		json_t *j = json_object();
		char t[64];

		event_format_time(now, t, sizeof t);
		json_object_set_new(j, "generatedAt", json_string(t));
		json_object_set_new(j, "firing", json_integer(firing));
		json_object_set_new(j, "pending", json_integer(pending));
		/* acknowledgements, snoozes and silences are of the wall clock */
		alerts_snapshot_set(j, s, &mk, loop_now_ms());
		if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII |
		    JSON_REAL_PRECISION(15)) != 0 || fputc('\n', stdout) == EOF)
			status = 1;
		json_decref(j);
	} else {
		printf("%-9s %-8s %-26s %10s %2s %-9s %-24s %s\n", "STATE", "SEVERITY", "NAME",
		    "VALUE", "", "THRESHOLD", "SINCE", "NOTE");
		for (size_t i = 0; i < alert_set_count(s); i++)
			table_row(alert_set_get(s, i), &mk, loop_now_ms());
		budget_rows(s);
	}
	if (fflush(stdout) != 0)
		status = 1;
	alert_set_free(s);
	store_free(st);
	free(path);
	if (status == 0 && firing > 0)
		status = ALERTS_EXIT_FIRING;
	return status;
}

/* --follow: a store fed live, judged every second. */
struct follower {
	const struct opts *o;
	struct store *st;
	struct alert_set *s;
	struct alert_marks *mk;
	char *path;
	struct alert_exec *x;
	uv_timer_t tick;
	int ready;             /* every source has read its backfill */
	int64_t span_ms, evicted_ms, data_from_ms;
};

static void
f_event(struct collect *c, struct event *ev)
{
	struct follower *f = c->ctx;

	store_apply(f->st, ev);
}

static void
f_print(struct follower *f, const struct alert_transition *tr, int64_t now)
{
	const struct alert *a = alert_set_get(f->s, tr->alert);
	char line[512], safe[512], t[64];

	if (strcmp(f->o->format, "json") == 0) {
		char *j = transition_json(a, tr, f->mk, now);

		puts(j);
		free(j);
	} else {
		event_format_time(tr->at_ms, t, sizeof t);
		alert_summary(a, line, sizeof line);
		event_sanitize(line, safe, sizeof safe, 0);
		printf("%s %s (was %s, severity %s)\n", t, safe, alert_state_name(tr->from),
		    severity_name(a->rule->severity));
	}
	fflush(stdout);
}

static void
f_tick(uv_timer_t *t)
{
	struct follower *f = t->data;
	int64_t now = loop_now_ms();
	struct alert_env env;
	const struct alert_transition *tr;
	char err[256];
	size_t n;

	if (!f->ready)
		return;
	if (now - f->evicted_ms >= 10000) {
		f->evicted_ms = now;
		f->span_ms = alerts_span_ms(f->o->alerts, f->o->window_ms, now);
		store_evict(f->st, now - f->span_ms);
		if (f->data_from_ms < now - f->span_ms)
			f->data_from_ms = now - f->span_ms;
	}
	if (f->path != NULL && alert_marks_refresh(f->mk, f->path, err, sizeof err) < 0)
		log_msg(LOG_WARN, "alerts: %s", err);
	alerts_env(&env, f->o->window_ms, f->data_from_ms, now);
	alert_set_eval(f->s, f->st, &env, now);
	tr = alert_set_transitions(f->s, &n);
	for (size_t i = 0; i < n; i++) {
		f_print(f, &tr[i], now);
		alerts_act(f->s, &tr[i], f->mk, f->path, f->x, now);
	}
}

static void
f_stop(void *arg)
{
	struct follower *f = arg;

	uv_timer_stop(&f->tick);
	uv_close((uv_handle_t *)&f->tick, NULL);
}

static void
f_started(struct collect *c)
{
	struct follower *f = c->ctx;

	if (f->o->alerts->exec != NULL)
		f->x = alert_exec_create(f->o->alerts->exec, f->o->alerts->exec_timeout_ms,
		    f->o->alerts->exec_max, 1);
	uv_timer_init(loop_uv(), &f->tick);
	f->tick.data = f;
	uv_timer_start(&f->tick, f_tick, ALERTS_TICK_MS, ALERTS_TICK_MS);
	loop_on_stop(f_stop, f);
}

static void
f_backfilled(struct collect *c)
{
	struct follower *f = c->ctx;

	if (c->caught_up >= c->nsources && !f->ready) {
		f->ready = 1;
		log_msg(LOG_INFO, "alerts: %zu rules, judged every second from now on",
		    alert_set_count(f->s));
	}
}

/* Judge every second on live sources, a line a transition, until a signal. */
int
alerts_follow(const struct opts *o)
{
	static struct alert_marks mk;
	struct follower f;
	struct collect c;
	int64_t now = loop_now_ms();
	int status;

	memset(&f, 0, sizeof f);
	f.o = o;
	f.st = store_create();
	f.s = alert_set_create(o->alerts);
	f.mk = &mk;
	f.path = alert_marks_path();
	load_marks(&mk, f.path);
	f.span_ms = alerts_span_ms(o->alerts, o->window_ms, now);
	f.data_from_ms = now - f.span_ms;
	f.evicted_ms = now;
	memset(&c, 0, sizeof c);
	c.o = o;
	c.from_ms = now - f.span_ms;
	c.to_ms = -1;
	c.follow = 1;
	c.event = f_event;
	c.ctx = &f;
	c.started = f_started;
	c.backfilled = f_backfilled;
	status = collect_run(&c);
	collect_summary(&c);
	alert_exec_free(f.x);
	alert_set_free(f.s);
	store_free(f.st);
	free(f.path);
	return status;
}
