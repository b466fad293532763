/* execmon - filters on runs: parse, match and print key=value lists. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors-match.h"
#include "event-text.h"
#include "filter.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The expression is a comma-separated list of key=value items; every item
 * must hold (AND). Keys: agent, status, trace, model, user, workspace,
 * queue, error, text. error=CLASS matches a run that failed with that error
 * class or has an llm.call or tool.call error of it in its log;
 * error=CLASS: MESSAGE also needs the folded message (errors_run_has).
 * Spaces around keys and values are ignored, empty items are skipped, a value
 * runs to the next comma (so it cannot contain one) and may contain '='.
 * A key given twice, an unknown key, an empty value or an unknown status is
 * an error; on error the filter is left as it was.
 */

static const char *const filter_keys[] = {
	"agent", "status", "trace", "model", "user", "workspace", "queue",
	"error", "text", "tool"
};
#define FILTER_NKEYS (sizeof filter_keys / sizeof filter_keys[0])

void
filter_init(struct filter *f)
{
	memset(f, 0, sizeof *f);
	f->status = -1;
}

void
filter_done(struct filter *f)
{
	free(f->agent);
	free(f->trace);
	free(f->model);
	free(f->user);
	free(f->workspace);
	free(f->queue);
	free(f->error);
	free(f->text);
	free(f->tool);
	filter_init(f);
}

/* The string slot of key number k (status, number 1, has none). */
static char **
filter_slot(struct filter *f, size_t k)
{
	switch (k) {
	case 0:
		return &f->agent;
	case 2:
		return &f->trace;
	case 3:
		return &f->model;
	case 4:
		return &f->user;
	case 5:
		return &f->workspace;
	case 6:
		return &f->queue;
	case 7:
		return &f->error;
	case 8:
		return &f->text;
	case 9:
		return &f->tool;
	}
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim spaces from both ends of [*s, *e). */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

int
filter_parse(struct filter *f, const char *expr, char *err, size_t errlen)
{
	struct filter nf;
	const char *p, *end, *eq, *ks, *ke, *vs, *ve;
	unsigned seen = 0;
	size_t k, klen;
	char *value;
	int st;

	filter_init(&nf);
	if (err != NULL && errlen > 0)
		*err = '\0';
	p = expr != NULL ? expr : "";
	for (; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		ks = p;
		ke = end;
		trim(&ks, &ke);
		if (ks == ke)
			continue;
		eq = memchr(ks, '=', (size_t)(ke - ks));
		if (eq == NULL) {
			snprintf(err, errlen, "filter item '%.*s' is not "
			    "key=value", (int)(ke - ks), ks);
			goto fail;
		}
		vs = eq + 1;
		ve = ke;
		ke = eq;
		trim(&ks, &ke);
		trim(&vs, &ve);
		klen = (size_t)(ke - ks);
		for (k = 0; k < FILTER_NKEYS; k++) {
			if (strlen(filter_keys[k]) == klen &&
			    memcmp(filter_keys[k], ks, klen) == 0)
				break;
		}
		if (k == FILTER_NKEYS) {
			snprintf(err, errlen, "unknown filter key '%.*s' "
			    "(expected agent, status, trace, model, user, "
			    "workspace, queue, error, text or tool)", (int)klen, ks);
			goto fail;
		}
		if (seen & (1u << k)) {
			snprintf(err, errlen, "filter key '%s' given twice",
			    filter_keys[k]);
			goto fail;
		}
		seen |= 1u << k;
		if (vs == ve) {
			snprintf(err, errlen, "filter key '%s' has an empty "
			    "value", filter_keys[k]);
			goto fail;
		}
		value = xstrndup(vs, (size_t)(ve - vs));
		if (k == 1) {
			st = run_status_from_name(value);
			if (st < 0) {
				snprintf(err, errlen, "unknown status '%s' "
				    "(expected queued, running, completed, "
				    "failed, cancelled or unknown)", value);
				free(value);
				goto fail;
			}
			nf.status = st;
			free(value);
		} else
			*filter_slot(&nf, k) = value;
	}
	filter_done(f);
	*f = nf;
	return 0;

fail:
	filter_done(&nf);
	return -1;
}

int
filter_active(const struct filter *f)
{
	return f != NULL && (f->agent != NULL || f->status >= 0 ||
	    f->trace != NULL || f->model != NULL || f->user != NULL ||
	    f->workspace != NULL || f->queue != NULL || f->error != NULL ||
	    f->text != NULL || f->tool != NULL);
}

static int
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
has_text(const char *hay, const char *needle)
{
	return hay != NULL && strcasestr(hay, needle) != NULL;
}

/* The run holds a tool.call of that tool. */
static int
run_called_tool(const struct run *r, const char *tool)
{
	for (size_t i = 0; i < r->nlog; i++) {
		struct event ev;

		if (r->log[i].type != EV_TOOL_CALL)
			continue;
		run_log_peek(r, i, &ev);
		if (ev.tool_id != NULL && strcmp(ev.tool_id, tool) == 0)
			return 1;
	}
	return 0;
}

int
filter_match(const struct filter *f, const struct run *r)
{
	const char *t;

	if (f == NULL)
		return 1;
	if (f->status >= 0 && (int)r->status != f->status)
		return 0;
	if (f->agent != NULL && !str_eq(r->agent_name, f->agent) &&
	    !str_eq(r->agent_id, f->agent))
		return 0;
	if (f->trace != NULL && (r->trace_id == NULL ||
	    strncmp(r->trace_id, f->trace, strlen(f->trace)) != 0))
		return 0;
	if (f->model != NULL && !str_eq(r->model_id, f->model))
		return 0;
	if (f->user != NULL && !str_eq(r->user_id, f->user))
		return 0;
	if (f->workspace != NULL && !str_eq(r->workspace_id, f->workspace))
		return 0;
	if (f->queue != NULL && strcmp(r->queue != NULL ? r->queue :
	    "default", f->queue) != 0)
		return 0;
	if (f->tool != NULL && !run_called_tool(r, f->tool))
		return 0;
	if (f->error != NULL && !errors_run_has(r, f->error))
		return 0;
	if ((t = f->text) != NULL && !has_text(r->id, t) &&
	    !has_text(r->agent_name, t) && !has_text(r->agent_id, t) &&
	    !has_text(r->trace_id, t) && !has_text(r->error_class, t) &&
	    !has_text(r->error_message, t) && !has_text(r->model_id, t) &&
	    !has_text(r->queue, t) && !run_log_has_text(r, t))
		return 0; /* nor in the text of any event it holds */
	return 1;
}

void
filter_format(const struct filter *f, char *buf, size_t size)
{
	const char *vals[FILTER_NKEYS];
	size_t k, n = 0;
	int w;

	if (size == 0)
		return;
	*buf = '\0';
	if (f == NULL)
		return;
	vals[0] = f->agent;
	vals[1] = f->status >= 0 ? run_status_name(f->status) : NULL;
	vals[2] = f->trace;
	vals[3] = f->model;
	vals[4] = f->user;
	vals[5] = f->workspace;
	vals[6] = f->queue;
	vals[7] = f->error;
	vals[8] = f->text;
	vals[9] = f->tool;
	for (k = 0; k < FILTER_NKEYS; k++) {
		if (vals[k] == NULL)
			continue;
		w = snprintf(buf + n, size - n, "%s%s=%s", n > 0 ? "," : "",
		    filter_keys[k], vals[k]);
		if (w < 0 || (size_t)w >= size - n) {
			utf8_trim_cut(buf); /* truncated, never inside a character */
			return;
		}
		n += (size_t)w;
	}
}
