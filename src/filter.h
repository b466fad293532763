/* execmon - filters on runs: agent, status, trace, model, user, workspace, queue, error, text. */
#ifndef EXECMON_FILTER_H
#define EXECMON_FILTER_H

#include <stddef.h>

#include "store.h"

/* Every set field must match (AND). NULL/-1 = any. */
struct filter {
	char *agent;   /* agent_name or agent_id, exact */
	int status;    /* enum run_status, -1 = any */
	char *trace;   /* trace_id prefix */
	char *model;   /* model_id, exact */
	char *user;    /* user_id, exact */
	char *workspace; /* workspace_id, exact */
	char *queue;   /* queue name, exact ("default" when the run has none) */
	char *error;   /* an error class, or "CLASS: folded message" (errors.h) */
	char *tool;    /* runs that called this tool (a tool.call with this tool_id) */
	char *text;    /* case-insensitive substring of id, agent, trace, error, model,
	                  queue, or the text of any event the run holds */
};

void filter_init(struct filter *);
void filter_done(struct filter *);
/*
 * Parse "agent=planner,status=failed,trace=4bf9,model=..,user=..,
 * workspace=..,queue=..,error=..,text=..". Returns 0, or -1 with a one-line reason in err. f must have been
 * filter_init'ed: on success its old contents are replaced, on error it is
 * left as it was. Spaces around keys and values are ignored, empty items
 * skipped; a value cannot contain ',' (it may contain '='); a key given
 * twice, an unknown key, an empty value or an unknown status is an error.
 */
int filter_parse(struct filter *, const char *expr, char *err, size_t errlen);
int filter_active(const struct filter *);
int filter_match(const struct filter *, const struct run *);
/*
 * The filter as an expression, keys in the order above (parseable by
 * filter_parse unless a value holds a ','); "" when none. Always
 * NUL-terminated; cut short when size is too small.
 */
void filter_format(const struct filter *, char *buf, size_t size);

#endif
