/* execmon - alert rules and cost budgets: the config grammar, parsed from text. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert-rule.h"
#include "event.h"
#include "xmalloc.h"

/*
 * Tokens. After "NAME =", the text is split on blanks, and an operator
 * (>, >=, <, <=) is a token of its own even when written against its
 * neighbours ("p95_exec>30s"). The FILTER after "where" runs to the next
 * "over", "per" or operator, so "where agent=a, model=b" is one filter.
 * At most ALERT_TOKENS_MAX tokens of ALERT_TOKEN_MAX bytes each.
 */
#define ALERT_TOKENS_MAX 32
#define ALERT_TOKEN_MAX 512

struct toks {
	char v[ALERT_TOKENS_MAX][ALERT_TOKEN_MAX];
	int n;
};

static const struct {
	const char *name;
	enum alert_unit unit;
} figures[AF__COUNT] = {
	[AF_FAILURE_RATE] = { "failure_rate", AU_PERCENT },
	[AF_SUCCESS_RATE] = { "success_rate", AU_PERCENT },
	[AF_P50_EXEC] = { "p50_exec", AU_MS }, [AF_P90_EXEC] = { "p90_exec", AU_MS },
	[AF_P95_EXEC] = { "p95_exec", AU_MS }, [AF_P99_EXEC] = { "p99_exec", AU_MS },
	[AF_P50_QUEUE] = { "p50_queue", AU_MS }, [AF_P90_QUEUE] = { "p90_queue", AU_MS },
	[AF_P95_QUEUE] = { "p95_queue", AU_MS }, [AF_P99_QUEUE] = { "p99_queue", AU_MS },
	[AF_P50_E2E] = { "p50_e2e", AU_MS }, [AF_P90_E2E] = { "p90_e2e", AU_MS },
	[AF_P95_E2E] = { "p95_e2e", AU_MS }, [AF_P99_E2E] = { "p99_e2e", AU_MS },
	[AF_THROUGHPUT] = { "throughput", AU_COUNT },
	[AF_QUEUE_DEPTH] = { "queue_depth", AU_COUNT },
	[AF_OLDEST_WAIT] = { "oldest_wait", AU_MS },
	[AF_RUNNING] = { "running", AU_COUNT },
	[AF_STUCK_RUNS] = { "stuck_runs", AU_COUNT },
	[AF_COST] = { "cost", AU_USD },
	[AF_SOURCE_DOWN] = { "source_down", AU_MS },
	[AF_NO_EVENTS] = { "no_events", AU_MS },
	[AF_ANOMALIES] = { "anomalies", AU_COUNT },
	[AF_FAILURE_SURGE] = { "failure_surge", AU_COUNT },
	[AF_BUDGET_SPENT] = { "budget_spent", AU_USD },
	[AF_BUDGET_PROJECTED] = { "budget_projected", AU_USD },
};

static const char *const op_names[] = { ">", ">=", "<", "<=" };
static const char *const period_names[] = { "day", "week", "month" };

/* The built-in rules, as a user would write them. */
static const char *const builtins[] = {
	"source-down = source_down > 30s severity high",
	"failure-surge = failure_surge over 5m > 0 severity high",
	"queue-wait = oldest_wait > 5m severity medium",
	"stuck-runs = stuck_runs > 0 for 1m severity medium",
};

const char *
alert_figure_name(enum alert_figure f)
{
	return (unsigned)f < AF__COUNT ? figures[f].name : "?";
}

enum alert_unit
alert_figure_unit(enum alert_figure f)
{
	return (unsigned)f < AF__COUNT ? figures[f].unit : AU_COUNT;
}

const char *
alert_op_name(enum alert_op op)
{
	return (unsigned)op < 4 ? op_names[op] : "?";
}

const char *
budget_period_name(enum budget_period p)
{
	return (unsigned)p < 3 ? period_names[p] : "?";
}

int
alert_op_holds(enum alert_op op, double v, double t)
{
	switch (op) {
	case AO_GT:
		return v > t;
	case AO_GE:
		return v >= t;
	case AO_LT:
		return v < t;
	case AO_LE:
		return v <= t;
	}
	return 0;
}

void
alert_format_value(enum alert_unit u, double v, char *buf, size_t size)
{
	int64_t s;

	if (isnan(v)) {
		snprintf(buf, size, "-");
		return;
	}
	switch (u) {
	case AU_PERCENT:
		snprintf(buf, size, "%.1f%%", v);
		break;
	case AU_USD:
		snprintf(buf, size, v < 100 ? "$%.2f" : "$%.0f", v);
		break;
	case AU_MS:
		s = (int64_t)(v / 1000);
		if (v < 1000)
			snprintf(buf, size, "%.0fms", v);
		else if (v < 60000)
			snprintf(buf, size, "%.1fs", v / 1000);
		else if (s < 3600)
			snprintf(buf, size, "%lldm%02llds", (long long)(s / 60),
			    (long long)(s % 60));
		else
			snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600),
			    (long long)(s / 60 % 60));
		break;
	default:
		if (v == floor(v) && fabs(v) < 1e15)
			snprintf(buf, size, "%.0f", v);
		else
			snprintf(buf, size, "%.2f", v);
		break;
	}
}

int64_t
alert_parse_duration(const char *s, size_t len)
{
	char buf[64], *end;
	double v;
	int64_t mul;

	if (len == 0 || len >= sizeof buf || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (errno != 0 || end == buf)
		return -1;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else if (strcmp(end, "d") == 0)
		mul = 86400000;
	else
		return -1;
	if (!(v >= 0) || v * (double)mul > 1e15)
		return -1;
	return (int64_t)(v * (double)mul + 0.5);
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A token for an error message: sanitized and cut short. */
static const char *
shown(const char *t, char *buf, size_t size)
{
	event_sanitize(t, buf, size < 48 ? size : 48, 0);
	return buf;
}

static int
is_op_char(char c)
{
	return c == '<' || c == '>';
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split text into tokens; -1 with the cause in err when over the bounds. */
static int
tokenize(const char *s, struct toks *t, char *err, size_t errlen)
{
	size_t n;

	t->n = 0;
	for (;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			return 0;
		if (t->n == ALERT_TOKENS_MAX)
			return fail(err, errlen, "more than %d words", ALERT_TOKENS_MAX);
		if (is_op_char(*s))
			n = s[1] == '=' ? 2 : 1;
		else
			for (n = 0; s[n] != '\0' && !is_blank(s[n]) && !is_op_char(s[n]); n++)
				;
		if (n >= ALERT_TOKEN_MAX)
			return fail(err, errlen, "a word longer than %d bytes",
			    ALERT_TOKEN_MAX - 1);
		memcpy(t->v[t->n], s, n);
		t->v[t->n][n] = '\0';
		t->n++;
		s += n;
	}
}

static int
op_of(const char *t)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(t, op_names[i]) == 0)
			return i;
	return -1;
}

/* Split "NAME = REST": check the name, return REST or NULL with err. */
static const char *
split_name(const char *text, char *name, char *err, size_t errlen)
{
	const char *p = text, *start;
	size_t n;
	char b[64];

	while (is_blank(*p))
		p++;
	start = p;
	while (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')
		p++;
	n = (size_t)(p - start);
	if (n == 0) {
		fail(err, errlen, "missing a name (letters, digits, - _ .) before '='");
		return NULL;
	}
	if (n >= ALERT_NAME_MAX) {
		fail(err, errlen, "a name longer than %d characters", ALERT_NAME_MAX - 1);
		return NULL;
	}
	memcpy(name, start, n);
	name[n] = '\0';
	while (is_blank(*p))
		p++;
	if (*p != '=') {
		if (*p == '\0')
			fail(err, errlen, "%s: missing '= FIGURE ...'", name);
		else
			fail(err, errlen, "%s: a name holds letters, digits, - _ . "
			    "(found '%s')", name, shown(p, b, sizeof b));
		return NULL;
	}
	return p + 1;
}

/*
 * Read VALUE in the unit u into *out: percent ("20%" or "20"), a duration
 * ("30s", "5m", "250ms"; plain = seconds), dollars ("$5", "5.50"), a count.
 */
static int
parse_value(const char *t, enum alert_unit u, double *out, char *err,
    size_t errlen)
{
	char *end, b[64];
	const char *p = t;
	double v;
	int64_t ms;
	size_t len = strlen(t);

	if (u == AU_MS) {
		if ((ms = alert_parse_duration(t, len)) < 0)
			return fail(err, errlen, "'%s' is not a duration (like 30s, 5m, 1h)",
			    shown(t, b, sizeof b));
		*out = (double)ms;
		return 0;
	}
	if (u == AU_USD && *p == '$')
		p++;
	if (!isdigit((unsigned char)*p) && *p != '.')
		return fail(err, errlen, "'%s' is not a number", shown(t, b, sizeof b));
	errno = 0;
	v = strtod(p, &end);
	if (errno != 0 || end == p || !isfinite(v) || v < 0 || v > 1e12)
		return fail(err, errlen, "'%s' is not a number", shown(t, b, sizeof b));
	if (u == AU_PERCENT && *end == '%')
		end++;
	if (*end != '\0') {
		if (*t == '$' || *end == '%' || isalpha((unsigned char)*end))
			return fail(err, errlen, "'%s': this figure is %s", shown(t, b, sizeof b),
			    u == AU_PERCENT ? "a percentage (like 20%)" :
			    u == AU_USD ? "in dollars (like $5)" : "a plain number");
		return fail(err, errlen, "'%s' is not a number", shown(t, b, sizeof b));
	}
	if (u == AU_PERCENT && v > 100)
		return fail(err, errlen, "'%s': a percentage is at most 100",
		    shown(t, b, sizeof b));
	*out = v;
	return 0;
}

/* Join tokens [i, j) with spaces into a filter expression and parse it. */
static int
parse_where(struct toks *t, int i, int j, char **where, struct filter *f,
    char *err, size_t errlen)
{
	char expr[ALERT_TOKEN_MAX * 2], why[256], safe[256];
	size_t n = 0;

	if (i == j)
		return fail(err, errlen, "'where' wants a filter (like agent=planner)");
	for (int k = i; k < j; k++) {
		size_t l = strlen(t->v[k]);

		if (n + l + 2 > sizeof expr)
			return fail(err, errlen, "the filter is too long");
		if (k > i)
			expr[n++] = ' ';
		memcpy(expr + n, t->v[k], l);
		n += l;
	}
	expr[n] = '\0';
	if (filter_parse(f, expr, why, sizeof why) != 0) {
		/* the filter's message quotes what it was given */
		event_sanitize(why, safe, errlen > 8 && errlen - 7 < sizeof safe ?
		    errlen - 7 : sizeof safe, 0); /* "where: " + it fits: no cut character */
		return fail(err, errlen, "where: %s", safe);
	}
	*where = xstrdup(expr);
	return 0;
}

static int
is_stop_word(const char *w)
{
	return strcmp(w, "over") == 0 || strcmp(w, "per") == 0 || op_of(w) >= 0 ||
	    strcmp(w, "for") == 0 || strcmp(w, "severity") == 0;
}

void
alert_rule_done(struct alert_rule *r)
{
	free(r->where);
	r->where = NULL;
	filter_done(&r->filter);
}

int
alert_rule_parse(struct alert_rule *r, const char *text, char *err, size_t errlen)
{
	static struct toks t; /* 16 KiB: not on the stack */
	const char *rest;
	char b[64];
	int i = 0, j, fig = -1, op;
	int64_t d;

	memset(r, 0, sizeof *r);
	filter_init(&r->filter);
	r->over_ms = ALERT_OVER_DEFAULT;
	r->budget = -1;
	r->severity = SEV_MEDIUM;
	if ((rest = split_name(text, r->name, err, errlen)) == NULL)
		return -1;
	if (tokenize(rest, &t, err, errlen) != 0)
		goto bad;
	if (t.n == 0) {
		fail(err, errlen, "missing a figure after '='");
		goto bad;
	}
	if (t.n == 1 && strcmp(t.v[0], "off") == 0) {
		r->off = 1;
		return 0;
	}
	for (int k = 0; k < AF_BUDGET_SPENT; k++)
		if (strcmp(t.v[0], figures[k].name) == 0)
			fig = k;
	if (fig < 0) {
		fail(err, errlen, "'%s' is not a figure (failure_rate, p95_exec,"
		    " queue_depth, cost, ... see doc/alerts.md)", shown(t.v[0], b, sizeof b));
		goto bad;
	}
	r->figure = (enum alert_figure)fig;
	i = 1;
	if (i < t.n && strcmp(t.v[i], "where") == 0) {
		for (j = i + 1; j < t.n && !is_stop_word(t.v[j]); j++)
			;
		if (parse_where(&t, i + 1, j, &r->where, &r->filter, err, errlen) != 0)
			goto bad;
		i = j;
	}
	if (i < t.n && strcmp(t.v[i], "over") == 0) {
		if (i + 1 >= t.n || (d = alert_parse_duration(t.v[i + 1],
		    strlen(t.v[i + 1]))) <= 0) {
			fail(err, errlen, "'over' wants a duration (like 5m)");
			goto bad;
		}
		r->over_ms = d;
		i += 2;
	}
	if (i >= t.n || (op = op_of(t.v[i])) < 0) {
		fail(err, errlen, "expected >, >=, < or <= %s'%s'", i < t.n ? "at " : "after ",
		    shown(t.v[i < t.n ? i : t.n - 1], b, sizeof b));
		goto bad;
	}
	r->op = (enum alert_op)op;
	if (++i >= t.n) {
		fail(err, errlen, "missing a value after '%s'", op_names[op]);
		goto bad;
	}
	if (parse_value(t.v[i], figures[fig].unit, &r->threshold, err, errlen) != 0)
		goto bad;
	i++;
	if (i < t.n && strcmp(t.v[i], "for") == 0) {
		if (i + 1 >= t.n || (d = alert_parse_duration(t.v[i + 1],
		    strlen(t.v[i + 1]))) < 0) {
			fail(err, errlen, "'for' wants a duration (like 1m)");
			goto bad;
		}
		r->for_ms = d;
		i += 2;
	}
	if (i < t.n && strcmp(t.v[i], "severity") == 0) {
		const char *s = i + 1 < t.n ? t.v[i + 1] : "";

		if (strcmp(s, "low") == 0)
			r->severity = SEV_LOW;
		else if (strcmp(s, "medium") == 0)
			r->severity = SEV_MEDIUM;
		else if (strcmp(s, "high") == 0)
			r->severity = SEV_HIGH;
		else {
			fail(err, errlen, "'severity' wants low, medium or high");
			goto bad;
		}
		i += 2;
	}
	if (i < t.n) {
		fail(err, errlen, "unexpected '%s'", shown(t.v[i], b, sizeof b));
		goto bad;
	}
	return 0;
bad:
	alert_rule_done(r);
	return -1;
}

static int
find_rule(const struct alert_config *c, const char *name)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Append r (moved) to the rules. */
static int
add_rule(struct alert_config *c, struct alert_rule *r, char *err, size_t errlen)
{
	if (c->nrules >= ALERT_RULES_MAX) {
		alert_rule_done(r);
		return fail(err, errlen, "more than %d rules", ALERT_RULES_MAX);
	}
	c->rules = xreallocarray(c->rules, c->nrules + 1, sizeof *c->rules);
	c->rules[c->nrules++] = *r;
	return 0;
}

int
alert_config_rule(struct alert_config *c, const char *text, char *err, size_t errlen)
{
	struct alert_rule r;
	int at;

	if (alert_rule_parse(&r, text, err, errlen) != 0)
		return -1;
	at = find_rule(c, r.name);
	if (at >= 0 && !c->rules[at].builtin) {
		fail(err, errlen, "%s: defined twice", r.name);
		alert_rule_done(&r);
		return -1;
	}
	if (r.off && at < 0) {
		fail(err, errlen, "%s: no such rule to switch off (built-in: "
		    "source-down, failure-surge, queue-wait, stuck-runs)", r.name);
		alert_rule_done(&r);
		return -1;
	}
	if (at >= 0) {
		/* a built-in redefined or switched off keeps its place */
		if (r.off) {
			c->rules[at].off = 1;
			alert_rule_done(&r);
		} else {
			alert_rule_done(&c->rules[at]);
			c->rules[at] = r;
		}
		c->rules[at].builtin = 0;
		return 0;
	}
	return add_rule(c, &r, err, errlen);
}

int
alert_config_budget(struct alert_config *c, const char *text, char *err, size_t errlen)
{
	static struct toks t;
	struct budget b;
	struct alert_rule r;
	const char *rest;
	char s[64], *end;
	double v;
	int i, j, period = -1;

	memset(&b, 0, sizeof b);
	filter_init(&b.filter);
	if ((rest = split_name(text, b.name, err, errlen)) == NULL)
		return -1;
	if (tokenize(rest, &t, err, errlen) != 0)
		goto bad;
	for (size_t k = 0; k < c->nbudgets; k++)
		if (strcmp(c->budgets[k].name, b.name) == 0) {
			fail(err, errlen, "%s: defined twice", b.name);
			goto bad;
		}
	if (c->nbudgets >= ALERT_BUDGETS_MAX) {
		fail(err, errlen, "more than %d budgets", ALERT_BUDGETS_MAX);
		goto bad;
	}
	if (t.n == 0 || strcmp(t.v[0], "cost") != 0) {
		fail(err, errlen, "a budget is 'cost [where FILTER] per day|week|month <= $AMOUNT'");
		goto bad;
	}
	i = 1;
	if (i < t.n && strcmp(t.v[i], "where") == 0) {
		for (j = i + 1; j < t.n && !is_stop_word(t.v[j]); j++)
			;
		if (parse_where(&t, i + 1, j, &b.where, &b.filter, err, errlen) != 0)
			goto bad;
		i = j;
	}
	if (i + 1 < t.n && strcmp(t.v[i], "per") == 0)
		for (int k = 0; k < 3; k++)
			if (strcmp(t.v[i + 1], period_names[k]) == 0)
				period = k;
	if (period < 0) {
		fail(err, errlen, "expected 'per day', 'per week' or 'per month'");
		goto bad;
	}
	b.period = (enum budget_period)period;
	i += 2;
	if (i >= t.n || (strcmp(t.v[i], "<=") != 0 && strcmp(t.v[i], "<") != 0)) {
		fail(err, errlen, "expected '<= $AMOUNT' after 'per %s'", period_names[period]);
		goto bad;
	}
	if (++i >= t.n) {
		fail(err, errlen, "missing the amount after '<='");
		goto bad;
	}
	rest = t.v[i][0] == '$' ? t.v[i] + 1 : t.v[i];
	errno = 0;
	v = isdigit((unsigned char)*rest) ? strtod(rest, &end) : -1;
	if (v <= 0 || errno != 0 || *end != '\0' || v > 1e9) {
		fail(err, errlen, "'%s' is not an amount of dollars (like $50)",
		    shown(t.v[i], s, sizeof s));
		goto bad;
	}
	b.limit_nusd = (int64_t)(v * 1e9 + 0.5);
	if (++i < t.n) {
		fail(err, errlen, "unexpected '%s'", shown(t.v[i], s, sizeof s));
		goto bad;
	}
	/* Its two rules: spend projected past the budget, and spend past it. */
	for (int k = 0; k < 2; k++) {
		char name[ALERT_NAME_MAX + 16];

		snprintf(name, sizeof name, "%s.%s", b.name, k == 0 ? "projected" : "over");
		if (strlen(name) >= ALERT_NAME_MAX || find_rule(c, name) >= 0) {
			fail(err, errlen, "%s: the name is too long or taken by a rule", b.name);
			goto bad;
		}
	}
	c->budgets = xreallocarray(c->budgets, c->nbudgets + 1, sizeof *c->budgets);
	c->budgets[c->nbudgets++] = b;
	for (int k = 0; k < 2; k++) {
		char name[ALERT_NAME_MAX + 16];

		memset(&r, 0, sizeof r);
		filter_init(&r.filter);
		snprintf(name, sizeof name, "%s.%s", b.name, k == 0 ? "projected" : "over");
		memcpy(r.name, name, strlen(name) + 1); /* checked to fit above */
		r.figure = k == 0 ? AF_BUDGET_PROJECTED : AF_BUDGET_SPENT;
		r.op = AO_GT;
		r.threshold = (double)b.limit_nusd / 1e9;
		r.severity = k == 0 ? SEV_MEDIUM : SEV_HIGH;
		r.budget = (int)c->nbudgets - 1;
		r.over_ms = ALERT_OVER_DEFAULT;
		if (add_rule(c, &r, err, errlen) != 0)
			return -1;
	}
	return 0;
bad:
	free(b.where);
	filter_done(&b.filter);
	return -1;
}

void
alert_config_init(struct alert_config *c)
{
	char err[256];

	memset(c, 0, sizeof *c);
	c->bell = BELL_ON;
	c->osc9 = c->osc777 = 1;
	c->hold_ms = 60000;
	c->resolved_ms = 5 * 60000;
	c->exec_timeout_ms = 10000;
	c->exec_max = 4;
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
		struct alert_rule r;

		if (alert_rule_parse(&r, builtins[i], err, sizeof err) == 0) {
			r.builtin = 1;
			add_rule(c, &r, err, sizeof err);
		}
	}
}

void
alert_config_done(struct alert_config *c)
{
	for (size_t i = 0; i < c->nrules; i++)
		alert_rule_done(&c->rules[i]);
	free(c->rules);
	for (size_t i = 0; i < c->nbudgets; i++) {
		free(c->budgets[i].where);
		filter_done(&c->budgets[i].filter);
	}
	free(c->budgets);
	free(c->exec);
	memset(c, 0, sizeof *c);
}

int
alert_bell_parse(const char *s)
{
	if (strcmp(s, "off") == 0)
		return BELL_OFF;
	if (strcmp(s, "on") == 0)
		return BELL_ON;
	if (strcmp(s, "high") == 0)
		return BELL_HIGH;
	return -1;
}

int
alert_notify_parse(struct alert_config *c, const char *s)
{
	int o9, o777;

	if (strcmp(s, "off") == 0)
		o9 = o777 = 0;
	else if (strcmp(s, "osc9") == 0)
		o9 = 1, o777 = 0;
	else if (strcmp(s, "osc777") == 0)
		o9 = 0, o777 = 1;
	else if (strcmp(s, "both") == 0)
		o9 = o777 = 1;
	else
		return -1;
	c->osc9 = o9;
	c->osc777 = o777;
	return 0;
}
