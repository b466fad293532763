/* execmon - the model and tool figures, from the llm.call and tool.call events of the runs' logs. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "metrics-int.h"
#include "store.h"
#include "xmalloc.h"

size_t
metrics_model_index(struct ctx *c, const char *key)
{
	struct metrics *m = c->m;
	struct model_stats *ms;
	void *v;
	size_t i;

	if (c->last_model != NULL && strcmp(c->last_model, key) == 0)
		return c->last_model_i;
	v = map_get(c->model_map, key);
	if (v != NULL)
		i = (size_t)(uintptr_t)v - 1;
	else if (m->nmodels >= METRICS_GROUPS_MAX && c->other_model != 0)
		i = c->other_model - 1;
	else {
		int other = m->nmodels >= METRICS_GROUPS_MAX;

		if (other)
			key = METRICS_OTHER;
		i = m->nmodels++;
		m->models = metrics_grow(m->models, &c->mcap, m->nmodels,
		    sizeof *m->models);
		c->macc = xreallocarray(c->macc, c->mcap, sizeof *c->macc);
		ms = &m->models[i];
		memset(ms, 0, sizeof *ms);
		ms->model_id = key;
		ms->avg_latency_ms = -1;
		memset(&c->macc[i], 0, sizeof c->macc[i]);
		if (other)
			c->other_model = i + 1;
		else
			map_put(c->model_map, key, (void *)(uintptr_t)(i + 1));
	}
	c->last_model = key;
	c->last_model_i = i;
	return i;
}

size_t
metrics_tool_index(struct ctx *c, const char *key)
{
	struct metrics *m = c->m;
	struct tool_stats *ts;
	void *v;
	size_t i;

	if (c->last_tool != NULL && strcmp(c->last_tool, key) == 0)
		return c->last_tool_i;
	v = map_get(c->tool_map, key);
	if (v != NULL)
		i = (size_t)(uintptr_t)v - 1;
	else if (m->ntools >= METRICS_GROUPS_MAX && c->other_tool != 0)
		i = c->other_tool - 1;
	else {
		int other = m->ntools >= METRICS_GROUPS_MAX;

		if (other)
			key = METRICS_OTHER;
		i = m->ntools++;
		m->tools = metrics_grow(m->tools, &c->tcap, m->ntools,
		    sizeof *m->tools);
		c->tacc = xreallocarray(c->tacc, c->tcap, sizeof *c->tacc);
		ts = &m->tools[i];
		memset(ts, 0, sizeof *ts);
		ts->tool_id = key;
		ts->p95_ms = -1;
		hist_init(&ts->dur);
		memset(&c->tacc[i], 0, sizeof c->tacc[i]);
		if (other)
			c->other_tool = i + 1;
		else
			map_put(c->tool_map, key, (void *)(uintptr_t)(i + 1));
	}
	c->last_tool = key;
	c->last_tool_i = i;
	return i;
}

void
metrics_tool_kind(struct tool_acc *ta, const char *kind, uint64_t n)
{
	void *v;
	size_t i;

	if (ta->kinds == NULL)
		ta->kinds = map_create();
	v = map_get(ta->kinds, kind);
	if (v != NULL) {
		ta->k[(size_t)(uintptr_t)v - 1].count += n;
		return;
	}
	i = ta->nk++;
	ta->k = metrics_grow(ta->k, &ta->capk, ta->nk, sizeof *ta->k);
	ta->k[i].kind = kind;
	ta->k[i].count = n;
	map_put(ta->kinds, kind, (void *)(uintptr_t)(i + 1));
}

/* Fold the llm.call and tool.call events of r's log that lie in W. */
void
metrics_scan_log(struct ctx *c, const struct run *r)
{
	struct log_figures fig, *ev = &fig;
	struct model_stats *ms;
	struct tool_stats *ts;
	size_t lo = 0, hi = r->first_ms > c->from ? 0 : r->nlog, mid, i, at;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->log[mid].ts_ms <= c->from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (at = lo; at < r->nlog && r->log[at].ts_ms <= c->now; at++) {
		if (r->log[at].type != EV_LLM_CALL &&
		    r->log[at].type != EV_TOOL_CALL)
			continue;
		run_log_figures(r, at, ev);
		if (r->log[at].type == EV_LLM_CALL) {
			i = metrics_model_index(c, ev->model_id != NULL ?
			    ev->model_id : NONE_NAME);
			ms = &c->m->models[i];
			ms->calls++;
			if (ev->has & EF_INPUT_TOKENS)
				ms->input_tokens = store_add_sat(ms->input_tokens,
				    ev->input_tokens);
			if (ev->has & EF_OUTPUT_TOKENS)
				ms->output_tokens = store_add_sat(ms->output_tokens,
				    ev->output_tokens);
			if (ev->has & EF_COST_USD)
				ms->cost_nusd = store_add_sat(ms->cost_nusd,
				    store_usd_to_nusd(ev->cost_usd));
			if (ev->has & EF_DURATION_MS) {
				c->macc[i].dur_sum = store_add_sat(c->macc[i].dur_sum,
				    ev->duration_ms);
				c->macc[i].dur_n++;
			}
			if (ev->finish_reason != NULL &&
			    strcmp(ev->finish_reason, "error") == 0)
				ms->errors++;
		} else {
			i = metrics_tool_index(c, ev->tool_id != NULL ?
			    ev->tool_id : NONE_NAME);
			ts = &c->m->tools[i];
			ts->calls++;
			if (ev->outcome != NULL &&
			    strcmp(ev->outcome, "error") == 0)
				ts->errors++;
			else if (ev->outcome != NULL &&
			    strcmp(ev->outcome, "timeout") == 0)
				ts->timeouts++;
			if (ev->has & EF_DURATION_MS)
				hist_record(&ts->dur, ev->duration_ms);
			if (ev->error_kind != NULL && (ev->outcome == NULL ||
			    strcmp(ev->outcome, "success") != 0))
				metrics_tool_kind(&c->tacc[i], ev->error_kind, 1);
		}
	}
}
