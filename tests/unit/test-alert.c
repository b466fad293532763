/* execmon - unit tests for alert rules, states, budgets and the kept marks. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alert.h"
#include "alert-rule.h"
#include "alert-state.h"
#include "event.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

/* 2026-12-03T12:00:00Z, a Thursday. */
#define NOON 1796299200000LL
#define HOUR 3600000LL
#define MIN 60000LL

static int seq;

/* Apply one event, written as JSON, to the store. */
static void __attribute__((format(printf, 2, 3)))
add(struct store *st, const char *fmt, ...)
{
	char text[1024], id[32];
	va_list ap;
	json_t *j;
	struct event ev;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	j = json_loads(text, 0, NULL);
	if (j == NULL) {
		printf("# bad test JSON: %s\n", text);
		exit(1);
	}
	event_init(&ev);
	if (event_decode_json(&ev, j, 0) != MAL_NONE) {
		printf("# malformed test event: %s\n", text);
		exit(1);
	}
	snprintf(id, sizeof id, "%d-0", ++seq);
	ev.entry_id = xstrdup(id);
	store_apply(st, &ev);
	event_done(&ev);
	json_decref(j);
}

/* A run that started at s and finished at f (failed or not), with a cost. */
static void
run(struct store *st, const char *agent, int64_t s, int64_t f, int failed, double cost)
{
	char id[32];

	snprintf(id, sizeof id, "r%d", seq);
	add(st, "{\"type\":\"run.started\",\"run_id\":\"%s\",\"agent_name\":\"%s\",\"ts\":%lld}",
	    id, agent, (long long)s);
	if (f > 0)
		add(st, "{\"type\":\"%s\",\"run_id\":\"%s\",\"ts\":%lld,\"cost_usd\":%g}",
		    failed ? "run.failed" : "run.completed", id, (long long)f, cost);
	else if (cost > 0)
		add(st, "{\"type\":\"llm.call\",\"run_id\":\"%s\",\"ts\":%lld,\"cost_usd\":%g,"
		    "\"model_id\":\"m\"}", id, (long long)s + 1000, cost);
}

static void
test_parse(void)
{
	struct alert_rule r;
	char err[256];
	struct alert_config c;
	size_t i;
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "x = nosuch > 1", "'nosuch' is not a figure" },
		{ "x = failure_rate > 120%", "a percentage is at most 100" },
		{ "x = failure_rate 20%", "expected >, >=, < or <=" },
		{ "x = failure_rate >", "missing a value after '>'" },
		{ "x = cost > 5%", "in dollars" },
		{ "x = p95_exec > fast", "not a duration" },
		{ "x = running > 3 severity urgent", "'severity' wants low, medium or high" },
		{ "x = running > 3 soon", "unexpected 'soon'" },
		{ "x = running where > 3", "'where' wants a filter" },
		{ "x = running where colour=red > 3", "where: " },
		{ "x = running over 0s > 3", "'over' wants a duration" },
		{ "= running > 3", "missing a name" },
		{ "x running > 3", "a name holds letters" },
		{ "x =", "missing a figure" },
	};

	ok(alert_rule_parse(&r, "planner-failing = failure_rate where agent=planner over 5m"
	    " > 20% for 1m severity high", err, sizeof err) == 0, "the issue's example parses");
	ok(r.figure == AF_FAILURE_RATE && r.op == AO_GT && r.threshold == 20 &&
	    r.over_ms == 5 * MIN && r.for_ms == MIN && r.severity == SEV_HIGH,
	    "figure, op, value, over, for and severity as written");
	is_str(r.where, "agent=planner", "the filter as written");
	is_str(r.filter.agent, "planner", "the filter parsed");
	is_str(r.name, "planner-failing", "the name");
	alert_rule_done(&r);

	ok(alert_rule_parse(&r, "slow = p95_exec>30s", err, sizeof err) == 0 &&
	    r.threshold == 30000 && r.over_ms == ALERT_OVER_DEFAULT &&
	    r.severity == SEV_MEDIUM, "an operator against its neighbours; over defaults to 5m");
	alert_rule_done(&r);
	ok(alert_rule_parse(&r, "spend = cost where agent=a, model=b over 1h >= $12.5",
	    err, sizeof err) == 0 && r.threshold == 12.5 && r.filter.model != NULL &&
	    r.op == AO_GE, "a filter with a space after its comma; a dollar value");
	alert_rule_done(&r);
	ok(alert_rule_parse(&r, "idle = no_events > 90", err, sizeof err) == 0 &&
	    r.threshold == 90000, "a plain duration is seconds");
	alert_rule_done(&r);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ok(alert_rule_parse(&r, bad[i].text, err, sizeof err) != 0 &&
		    strstr(err, bad[i].want) != NULL, "'%s' fails: %s", bad[i].text, err);
	}

	alert_config_init(&c);
	is_int(c.nrules, 4, "four built-in rules");
	ok(alert_config_rule(&c, "queue-wait = off", err, sizeof err) == 0 &&
	    c.rules[2].off, "a built-in is switched off by name");
	ok(alert_config_rule(&c, "stuck-runs = stuck_runs > 2 for 5m", err, sizeof err) == 0 &&
	    c.rules[3].threshold == 2 && !c.rules[3].builtin, "a built-in redefined");
	ok(alert_config_rule(&c, "mine = running > 3", err, sizeof err) == 0, "a rule added");
	ok(alert_config_rule(&c, "mine = running > 4", err, sizeof err) != 0 &&
	    strstr(err, "defined twice") != NULL, "a rule twice: %s", err);
	ok(alert_config_rule(&c, "nosuch = off", err, sizeof err) != 0,
	    "switching off what is not there: %s", err);
	ok(alert_config_budget(&c, "team = cost where agent=planner per day <= $50", err,
	    sizeof err) == 0 && c.nbudgets == 1 && c.budgets[0].limit_nusd == 50000000000LL &&
	    c.budgets[0].period == BP_DAY, "a budget");
	is_str(c.rules[c.nrules - 2].name, "team.projected", "its projected-overrun rule");
	is_str(c.rules[c.nrules - 1].name, "team.over", "its overrun rule");
	ok(alert_config_budget(&c, "b2 = cost per fortnight <= $5", err, sizeof err) != 0 &&
	    strstr(err, "per day") != NULL, "a period that is not one: %s", err);
	ok(alert_config_budget(&c, "b2 = cost per week <= five", err, sizeof err) != 0 &&
	    strstr(err, "amount") != NULL, "an amount that is not one: %s", err);
	ok(alert_config_budget(&c, "b2 = tokens per week <= $5", err, sizeof err) != 0,
	    "a budget is of cost: %s", err);
	ok(alert_config_budget(&c, "team = cost per week <= $5", err, sizeof err) != 0,
	    "a budget twice: %s", err);
	ok(alert_bell_parse("high") == BELL_HIGH && alert_bell_parse("loud") < 0, "bell settings");
	ok(alert_notify_parse(&c, "osc9") == 0 && c.osc9 && !c.osc777 &&
	    alert_notify_parse(&c, "x") < 0, "notify settings");
	alert_config_done(&c);
}

/* The transitions one eval made, as "from>to" words. */
static void
log_tr(struct alert_set *s, char *buf, size_t size, int64_t t0, int64_t now)
{
	size_t n, len = strlen(buf);
	const struct alert_transition *tr = alert_set_transitions(s, &n);

	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s>%s@%lld",
		    len ? " " : "", alert_state_name(tr[i].from), alert_state_name(tr[i].to),
		    (long long)((now - t0) / 1000));
}

static void
test_states(void)
{
	struct alert_config c;
	struct alert_set *s;
	struct store *st = store_create();
	struct alert_env env = { HOUR, NOON - 2 * HOUR, 0, 0 };
	char err[256], log[1024] = "";
	int64_t t0 = NOON - HOUR, t;
	const struct alert *a;

	/*
	 * A run finishes every 10 s for an hour; between minutes 20 and 30
	 * every second one fails (50 %), else none. The rule wants more than
	 * 20 % over 2 minutes for 1 minute; the hold is 1 minute.
	 */
	for (t = t0; t < t0 + HOUR; t += 10000)
		run(st, "planner", t - 5000, t, t >= t0 + 20 * MIN && t < t0 + 30 * MIN &&
		    (t / 10000) % 2 == 0, 0.01);
	alert_config_init(&c);
	for (size_t i = 0; i < c.nrules; i++)
		c.rules[i].off = 1;
	ok(alert_config_rule(&c, "fail = failure_rate over 2m > 20% for 1m severity high",
	    err, sizeof err) == 0, "the rule parses");
	s = alert_set_create(&c);
	is_int(alert_set_count(s), 1, "only the rule switched on is judged");
	for (t = t0 + 5 * MIN; t <= t0 + 50 * MIN; t += 10000) {
		env.last_event_ms = t;
		alert_set_eval(s, st, &env, t);
		log_tr(s, log, sizeof log, t0, t);
	}
	/*
	 * By hand: failures finish every 20 s from 1200 s to 1780 s after t0;
	 * a 2 minute window holds 12 runs, so more than 20 % is 3 failures.
	 * The third failure lands at 1240: pending; a minute on, 1300: firing.
	 * At 1850 the window (1730, 1850] holds 1740, 1760, 1780: still 25 %;
	 * at 1860, (1740, 1860] holds two: clear. A minute's hold: resolved
	 * at 1920; shown resolved for 5 minutes: ok at 2220.
	 */
	diag("transitions: %s", log);
	is_str(log, "ok>pending@1240 pending>firing@1300 firing>resolved@1920 resolved>ok@2220",
	    "pending when the rate passes 20 %%, firing a minute later, resolved a "
	    "minute after it clears, ok 5 minutes later");
	a = alert_set_get(s, 0);
	ok(a->state == AS_OK && a->known && a->value == 0, "ok at the end, 0 %% failed");
	alert_set_free(s);

	/* One-shot: stepping through the window gives what a live process saw. */
	for (int64_t at = t0 + 21 * MIN; at <= t0 + 40 * MIN; at += 7 * MIN) {
		struct alert_set *live = alert_set_create(&c), *once = alert_set_create(&c);
		struct alert_env e1 = env;

		e1.window_ms = 30 * MIN;
		for (t = at - 30 * MIN; t <= at; t += 10000)
			alert_set_eval(live, st, &e1, t);
		alert_set_eval(once, st, &e1, at - MIN);   /* some state to be reset */
		alert_set_reset(once);
		alert_set_replay(once, st, &e1, at, 1);
		ok(alert_set_get(once, 0)->state == alert_set_get(live, 0)->state &&
		    alert_set_get(once, 0)->since_ms == alert_set_get(live, 0)->since_ms,
		    "at %lld s: judged once, %s since %lld, as live", (long long)(at - t0) / 1000,
		    alert_state_name(alert_set_get(once, 0)->state),
		    (long long)(alert_set_get(once, 0)->since_ms - t0) / 1000);
		alert_set_free(live);
		alert_set_free(once);
	}

	/* Fewer than 5 finished runs: cannot be judged, so nothing moves. */
	s = alert_set_create(&c);
	alert_set_eval(s, st, &env, t0 - 30 * MIN);
	a = alert_set_get(s, 0);
	ok(!a->known && isnan(a->value) && strstr(a->why, "fewer than 5") != NULL &&
	    a->state == AS_OK, "no runs: not judged (%s)", a->why);
	alert_set_free(s);
	alert_config_done(&c);
	store_free(st);
}

static void
test_flapping(void)
{
	struct alert_config c;
	struct alert_set *s;
	struct store *st = store_create();
	struct alert_env env = { HOUR, NOON - 2 * HOUR, 0, 0 };
	char err[256], log[2048] = "";
	int64_t t0 = NOON, t;
	int fired = 0, resolved = 0;
	size_t n;

	alert_config_init(&c);
	for (size_t i = 0; i < c.nrules; i++)
		c.rules[i].off = 1;
	alert_config_rule(&c, "quiet = no_events > 30s", err, sizeof err);
	alert_config_rule(&c, "quiet-for = no_events > 30s for 20s", err, sizeof err);
	s = alert_set_create(&c);
	/* The figure hovers at the threshold: 31 s, 29 s, 31 s, ... for 10 min. */
	for (t = t0; t < t0 + 10 * MIN; t += 5000) {
		env.last_event_ms = t - ((t / 5000) % 2 ? 31000 : 29000);
		alert_set_eval(s, st, &env, t);
		const struct alert_transition *tr = alert_set_transitions(s, &n);

		for (size_t i = 0; i < n; i++) {
			fired += tr[i].alert == 0 && tr[i].to == AS_FIRING;
			resolved += tr[i].alert == 0 && tr[i].to == AS_RESOLVED;
			if (tr[i].alert == 1 && tr[i].to == AS_FIRING)
				fired += 100;
		}
		log_tr(s, log, sizeof log, t0, t);
	}
	is_int(fired, 1, "a value hovering at the threshold fires once");
	is_int(resolved, 0, "and does not resolve while it hovers");
	ok(alert_set_get(s, 0)->state == AS_FIRING, "still firing");
	ok(alert_set_get(s, 1)->state != AS_FIRING, "with 'for 20s' it never fires");
	/* Below the threshold for good: resolved after the hold, once. */
	for (; t < t0 + 20 * MIN; t += 5000) {
		env.last_event_ms = t - 1000;
		alert_set_eval(s, st, &env, t);
		const struct alert_transition *tr = alert_set_transitions(s, &n);

		for (size_t i = 0; i < n; i++)
			if (tr[i].alert == 0 && tr[i].to == AS_RESOLVED) {
				resolved++;
				is_int(tr[i].at_ms - t0, 10 * MIN + 60000,
				    "resolved a minute (the hold) after it cleared");
			}
	}
	is_int(resolved, 1, "resolved once");
	alert_set_free(s);
	alert_config_done(&c);
	store_free(st);
}

static void
test_budgets(void)
{
	struct store *st = store_create();
	struct budget_status bs;
	struct alert_config c;
	struct alert_set *s;
	struct alert_env env = { HOUR, NOON - 24 * HOUR, 0, NOON };
	char err[256];
	int64_t a, b;

	alert_budget_period(BP_DAY, NOON, &a, &b);
	ok(a == NOON - 12 * HOUR && b == NOON + 12 * HOUR, "a day is 00:00Z to 00:00Z");
	alert_budget_period(BP_WEEK, NOON, &a, &b);
	ok(a == 1795996800000LL && b == a + 7 * 24 * HOUR, "a week starts on Monday");
	alert_budget_period(BP_MONTH, NOON, &a, &b);
	ok(a == 1796083200000LL && b == 1798761600000LL, "a month is the 1st to the 1st");

	run(st, "planner", NOON - 9 * HOUR - MIN, NOON - 9 * HOUR, 0, 1.5); /* 03:00 */
	run(st, "planner", NOON - 3 * HOUR - MIN, NOON - 3 * HOUR, 1, 1.5); /* 09:00 */
	run(st, "planner", NOON - HOUR, 0, 0, 0.6);                       /* in flight */
	run(st, "planner", NOON - 20 * HOUR, NOON - 19 * HOUR, 0, 5);     /* yesterday */
	run(st, "coder", NOON - HOUR, NOON - MIN, 0, 7);                  /* filtered out */

	alert_config_init(&c);
	for (size_t i = 0; i < c.nrules; i++)
		c.rules[i].off = 1;
	ok(alert_config_budget(&c, "ten = cost where agent=planner per day <= $10", err,
	    sizeof err) == 0 && alert_config_budget(&c, "five = cost where agent=planner"
	    " per day <= $5", err, sizeof err) == 0 && alert_config_budget(&c,
	    "three = cost where agent=planner per day <= $3", err, sizeof err) == 0,
	    "three budgets");
	alert_budget_compute(&bs, &c.budgets[0], st, NOON - 24 * HOUR, NOON);
	/* By hand: 1.5 + 1.5 finished + 0.6 in flight = 3.6 over 12 h = 0.3 $/h;
	 * 12 h to go: 3.6 + 3.6 = 7.2 projected; $10 is not reached today. */
	is_int(bs.finished_nusd, 3000000000LL, "finished today: $3");
	is_int(bs.in_flight_nusd, 600000000LL, "in flight: $0.60");
	is_int(bs.in_flight_runs, 1, "one run in flight");
	is_int(bs.spent_nusd, 3600000000LL, "spent: $3.60");
	ok(fabs(bs.burn_usd_per_hour - 0.3) < 1e-9, "burn rate $0.30/h (%g)", bs.burn_usd_per_hour);
	is_int(bs.projected_nusd, 7200000000LL, "projected $7.20 at midnight");
	is_int(bs.runs_out_ms, -1, "$10 lasts the day");
	ok(!bs.partial, "the data covers the whole day");

	alert_budget_compute(&bs, &c.budgets[1], st, NOON - 24 * HOUR, NOON);
	/* $5: (5 - 3.6) / 0.3 = 4 h 40 min from noon = 16:40Z. */
	is_int(bs.runs_out_ms, 1796316000000LL, "$5 runs out at 16:40Z");

	alert_budget_compute(&bs, &c.budgets[0], st, NOON - 6 * HOUR, NOON);
	ok(bs.partial && bs.from_ms == NOON - 6 * HOUR && bs.spent_nusd == 2100000000LL &&
	    fabs(bs.burn_usd_per_hour - 0.35) < 1e-9,
	    "data from 06:00 only: partial, $2.10 over 6 h, $0.35/h");
	alert_budget_compute(&bs, &c.budgets[0], st, NOON - 24 * HOUR, NOON - 11 * HOUR - 30 * MIN);
	ok(bs.burn_usd_per_hour < 0 && bs.projected_nusd < 0,
	    "half an hour into the day: too early to project");

	s = alert_set_create(&c);
	alert_set_eval(s, st, &env, NOON);
	for (size_t i = 0; i < alert_set_count(s); i++) {
		const struct alert *al = alert_set_get(s, i);
		int want = strcmp(al->rule->name, "five.projected") == 0 ||
		    strcmp(al->rule->name, "three.projected") == 0 ||
		    strcmp(al->rule->name, "three.over") == 0;

		ok((al->state == AS_FIRING) == want, "%s %s", al->rule->name,
		    want ? "fires" : "does not fire");
	}
	{
		json_t *j = alert_budgets_json(s);
		char *txt = json_dumps(json_array_get(j, 0), JSON_COMPACT);

		ok(strstr(txt, "\"spent\": 3.6") != NULL || strstr(txt, "\"spent\":3.6") != NULL,
		    "the budget's JSON: %s", txt);
		free(txt);
		json_decref(j);
	}
	alert_set_free(s);
	alert_config_done(&c);
	store_free(st);
}

static void
test_marks(void)
{
	static struct alert_marks m1, m2, m3;
	char dir[] = "/tmp/execmon-alert-XXXXXX", path[256], err[256];
	pid_t kids[2];
	int status, both = 1;

	ok(mkdtemp(dir) != NULL, "a temporary directory");
	snprintf(path, sizeof path, "%s/execmon/alerts.json", dir);
	ok(alert_marks_load(&m1, path, err, sizeof err) == 0 && m1.nacks == 0,
	    "no file: no marks");
	ok(alert_marks_load(&m2, path, err, sizeof err) == 0, "a second reader");
	ok(alert_marks_update(&m1, path, MARK_ACK, "a", "on it", 0, NOON, err,
	    sizeof err) == 0, "the first acknowledges a");
	ok(alert_marks_update(&m2, path, MARK_ACK, "b", NULL, 0, NOON, err, sizeof err) == 0,
	    "the second, which never saw that, acknowledges b");
	ok(alert_marks_load(&m3, path, err, sizeof err) == 0 && m3.nacks == 2 &&
	    alert_marks_ack(&m3, "a") != NULL && alert_marks_ack(&m3, "b") != NULL,
	    "both acknowledgements are kept");
	is_str(alert_marks_ack(&m3, "a")->note, "on it", "with its note");
	ok(alert_marks_update(&m1, path, MARK_SNOOZE, "q", NULL, NOON + HOUR, NOON, err,
	    sizeof err) == 0 && alert_marks_snooze(&m1, "q", NOON + 59 * MIN) != NULL &&
	    alert_marks_snooze(&m1, "q", NOON + HOUR) == NULL, "a snooze for an hour");
	ok(alert_marks_update(&m1, path, MARK_SILENCE, "budget-*", NULL, 0, NOON, err,
	    sizeof err) == 0 && alert_marks_silence(&m1, "budget-team", NOON) != NULL &&
	    alert_marks_silence(&m1, "queue-wait", NOON) == NULL, "a silence by glob");
	ok(alert_marks_refresh(&m2, path, err, sizeof err) == 1 && m2.nsilences == 1,
	    "the other process sees the change");
	ok(alert_marks_refresh(&m2, path, err, sizeof err) == 0, "and only once");
	ok(alert_marks_update(&m2, path, MARK_UNACK, "a", NULL, 0, NOON, err, sizeof err) == 0 &&
	    alert_marks_ack(&m2, "a") == NULL && alert_marks_ack(&m2, "b") != NULL,
	    "an acknowledgement taken back");

	/* Two processes, 60 acknowledgements each, at once: all 120 kept. */
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			static struct alert_marks mk;

			for (int i = 0; i < 60; i++) {
				char name[32];

				snprintf(name, sizeof name, "p%d-%d", k, i);
				if (alert_marks_update(&mk, path, MARK_ACK, name, NULL, 0, NOON,
				    err, sizeof err) != 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++)
		both &= waitpid(kids[k], &status, 0) == kids[k] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0;
	ok(both, "both writers finished");
	ok(alert_marks_load(&m3, path, err, sizeof err) == 0 && m3.nacks == 121,
	    "every acknowledgement of both is there (%d)", m3.nacks);

	ok(alert_marks_parse(&m3, "{\"acks\":[{\"name\":7},{\"name\":\"x\",\"note\":1}]}",
	    strlen("{\"acks\":[{\"name\":7},{\"name\":\"x\",\"note\":1}]}")) == 0 && m3.nacks == 1, "a damaged entry is skipped");
	ok(alert_marks_parse(&m3, "[", 1) != 0, "a damaged file is an error");
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		ok(system(cmd) == 0, "cleaned up");
	}
}

static void
test_osc(void)
{
	char out[64];
	const char hostile[] = "x\033]52;c;AAAA\a\033\\\x9c\xc2\x9c\xe2\x80\xae;end\r\n";
	int clean = 1;

	alert_osc_text(hostile, out, sizeof out);
	for (const char *p = out; *p; p++)
		clean &= *p >= 0x20 && *p < 0x7f && *p != ';';
	ok(clean, "no control byte, no 8-bit byte, no ';' in notification text: %s", out);
	alert_osc_text("abcdefghij", out, 5);
	is_str(out, "abcd", "cut to the buffer");
}

static void
test_json(void)
{
	struct alert_config c;
	struct alert_set *s;
	struct store *st = store_create();
	struct alert_env env = { HOUR, NOON - 2 * HOUR, 45000, NOON };
	static struct alert_marks mk;
	json_t *j, *e;
	char sum[256];

	alert_config_init(&c);
	s = alert_set_create(&c);
	alert_set_eval(s, st, &env, NOON);
	alert_marks_apply(&mk, MARK_ACK, "source-down", "db restarting", 0, NOON);
	j = alert_set_json(s, &mk, NOON);
	e = json_array_get(j, 0);
	is_str(json_string_value(json_object_get(e, "name")), "source-down", "first: source-down");
	is_str(json_string_value(json_object_get(e, "state")), "firing", "firing at 45 s down");
	ok(json_real_value(json_object_get(e, "value")) == 45 &&
	    json_real_value(json_object_get(e, "threshold")) == 30, "value and threshold in seconds");
	ok(json_is_true(json_object_get(e, "acknowledged")), "acknowledged");
	is_str(json_string_value(json_object_get(e, "note")), "db restarting", "with its note");
	ok(alert_quiet(alert_set_get(s, 0), &mk, NOON), "an acknowledged alert is quiet");
	alert_summary(alert_set_get(s, 0), sum, sizeof sum);
	is_str(sum, "source-down FIRING source_down 45.0s > 30.0s", "the summary line");
	json_decref(j);
	alert_set_free(s);
	alert_config_done(&c);
	store_free(st);
}

int
main(void)
{
	test_parse();
	test_states();
	test_flapping();
	test_budgets();
	test_marks();
	test_osc();
	test_json();
	return tap_done();
}
