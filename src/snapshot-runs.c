/* execmon - the snapshot's runs: each run as JSON, and which runs to list. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "snapshot.h"
#include "store.h"
#include "xmalloc.h"
#include "snapshot-int.h"

void
snapshot_error_summary(const char *msg, char *buf, size_t size)
{
	size_t i = 0, n = 0, chars = 0, len;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (msg == NULL)
		return;
	while (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\n' ||
	    msg[i] == '\r')
		i++;
	while (msg[i] != '\0' && msg[i] != '\n' && msg[i] != '\r' &&
	    chars < SNAPSHOT_ERROR_SUMMARY) {
		len = 1;
		while ((msg[i + len] & 0xc0) == 0x80)
			len++;
		if (n + len >= size)
			break;
		memcpy(buf + n, msg + i, len);
		n += len;
		i += len;
		chars++;
	}
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
}

json_t *
snapshot_run_json(const struct run *r, int64_t now_ms)
{
	json_t *o = json_object();
	char summary[SNAPSHOT_ERROR_SUMMARY * 4 + 1];
	int finished = run_is_finished(r);
	int usage = r->llm_calls > 0 || r->has_totals;

	snap_set(o, "runId", json_string(r->id));
	snap_set(o, "agentId", snap_str(r->agent_id));
	snap_set(o, "agentName", snap_str(r->agent_name));
	snap_set(o, "status", json_string(run_status_name(r->status)));
	snap_set(o, "queuedAt", snap_time(r->queued_ms));
	snap_set(o, "startedAt", snap_time(r->started_ms));
	snap_set(o, "finishedAt", finished ? snap_time(r->finished_ms) : NULL);
	if (r->started_ms > 0 && finished && r->finished_ms > 0)
		snap_set(o, "duration", snap_span(r->finished_ms - r->started_ms));
	else if (r->started_ms > 0 && r->status == RUN_RUNNING)
		snap_set(o, "duration", snap_span(now_ms > r->started_ms ?
		    now_ms - r->started_ms : 0));
	else
		snap_set(o, "duration", NULL);
	if (r->queued_ms > 0 && r->started_ms > 0)
		snap_set(o, "queueWait", snap_span(r->started_ms - r->queued_ms));
	else if (r->queued_ms > 0 && r->status == RUN_QUEUED)
		snap_set(o, "queueWait", snap_span(now_ms > r->queued_ms ?
		    now_ms - r->queued_ms : 0));
	else
		snap_set(o, "queueWait", NULL);
	snap_set(o, "model", snap_str(r->model_id));
	snap_set(o, "inputTokens", usage ? json_integer(r->input_tokens) : NULL);
	snap_set(o, "outputTokens", usage ? json_integer(r->output_tokens) : NULL);
	snap_set(o, "cost", usage ? snap_usd(r->cost_nusd) : NULL);
	snap_set(o, "costEstimated", json_boolean(usage && r->cost_estimated));
	snap_set(o, "traceId", snap_str(r->trace_id));
	snap_set(o, "parentRunId", snap_str(r->parent_run_id));
	snap_set(o, "errorClass", snap_str(r->error_class));
	if (r->error_message != NULL) {
		snapshot_error_summary(r->error_message, summary, sizeof summary);
		snap_set(o, "errorSummary", json_string(summary));
	} else
		snap_set(o, "errorSummary", NULL);
	snap_set(o, "queue", r->queued_ms > 0 || r->queue != NULL ?
	    json_string(r->queue != NULL ? r->queue : "default") : NULL);
	snap_set(o, "userId", snap_str(r->user_id));
	snap_set(o, "progress", r->progress >= 0 ? snap_num(r->progress, 4) : NULL);
	snap_set(o, "llmCalls", json_integer(r->llm_calls));
	snap_set(o, "toolCalls", json_integer(r->tool_calls));
	snap_set(o, "toolErrors", json_integer(r->tool_errors));
	snap_set(o, "retries", json_integer(r->retries));
	return o;
}

struct snap_pick {
	const struct run *run;
	int active;            /* not finished */
	int64_t key;           /* start (active) or finish time */
};

static int
snap_pick_cmp(const void *a, const void *b)
{
	const struct snap_pick *x = a, *y = b;

	if (x->active != y->active)
		return x->active ? -1 : 1;
	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return strcmp(x->run->id, y->run->id);
}

/*
 * snapshot_select_runs() with a bound on the unfinished runs too (0 = all);
 * counts[0] and counts[1] get how many unfinished and finished runs there
 * were before the bounds.
 */
size_t
snap_select_runs(const struct store *st, const struct filter *f, int64_t now_ms,
    int64_t since_ms, size_t max_active, size_t max_finished,
    const struct run ***out, size_t counts[2])
{
	size_t i, n = store_nruns(st), np = 0, nout = 0, nfin = 0;
	struct snap_pick *p = xcalloc(n > 0 ? n : 1, sizeof *p);
	const struct run **list;
	int64_t from = now_ms - since_ms;

	for (i = 0; i < n; i++) {
		const struct run *r = store_run_at(st, i);
		struct snap_pick *k = &p[np];

		if (r->first_ms > now_ms || (f != NULL && !filter_match(f, r)))
			continue;
		if (run_is_finished(r)) {
			if (r->finished_ms <= from || r->finished_ms > now_ms)
				continue;
			k->active = 0;
			k->key = r->finished_ms;
		} else {
			if (r->status != RUN_QUEUED && r->status != RUN_RUNNING &&
			    r->last_ms <= from)
				continue;
			k->active = 1;
			k->key = r->started_ms > 0 ? r->started_ms :
			    r->queued_ms > 0 ? r->queued_ms : r->first_ms;
		}
		k->run = r;
		np++;
	}
	qsort(p, np, sizeof *p, snap_pick_cmp);
	list = xcalloc(np > 0 ? np : 1, sizeof *list);
	counts[0] = counts[1] = 0;
	for (i = 0; i < np; i++) {
		counts[p[i].active ? 0 : 1]++;
		if (p[i].active && max_active > 0 && counts[0] > max_active)
			continue;
		if (!p[i].active && max_finished > 0 && nfin++ >= max_finished)
			continue;
		list[nout++] = p[i].run;
	}
	free(p);
	*out = list;
	return nout;
}

size_t
snapshot_select_runs(const struct store *st, const struct filter *f,
    int64_t now_ms, int64_t since_ms, size_t max_finished,
    const struct run ***out)
{
	size_t counts[2];

	return snap_select_runs(st, f, now_ms, since_ms, 0, max_finished, out,
	    counts);
}

