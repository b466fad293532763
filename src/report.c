/* execmon - the runs and events commands: tables and JSON for people and scripts. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "loop.h"
#include "record.h"
#include "report.h"
#include "store.h"

static void
to_store(struct collect *c, struct event *ev)
{
	store_apply(c->ctx, ev);
}

/* Load the window (two back, for runs that began before it) into a store. */
static int
load(const struct opts *o, struct store *st, int64_t *now_out)
{
	struct collect c;
	int64_t now = o->now_ms ? o->now_ms : loop_now_ms();
	int status;

	memset(&c, 0, sizeof c);
	c.o = o;
	c.from_ms = now - 2 * o->window_ms;
	c.to_ms = o->now_ms ? o->now_ms : -1;
	c.follow = 0;
	c.event = to_store;
	c.ctx = st;
	status = collect_run(&c);
	if (o->verbose)
		collect_summary(&c);
	*now_out = now;
	return status;
}

/* A short human summary of what an event says. */
static void
event_summary(const struct event *ev, char *buf, size_t size)
{
	char raw[1024];
	size_t n = 0;

#define ADD(...) do { if (n < sizeof raw) n += (size_t)snprintf(raw + n, sizeof raw - n, __VA_ARGS__); } while (0)
	raw[0] = '\0';
	if (ev->agent_name)
		ADD("agent=%s ", ev->agent_name);
	else if (ev->agent_id)
		ADD("agent=%s ", ev->agent_id);
	if (ev->queue)
		ADD("queue=%s ", ev->queue);
	if (ev->has & EF_PROGRESS)
		ADD("progress=%.0f%% ", ev->progress * 100);
	if (ev->model_id)
		ADD("model=%s ", ev->model_id);
	if (ev->has & EF_INPUT_TOKENS)
		ADD("in=%" PRId64 " ", ev->input_tokens);
	if (ev->has & EF_OUTPUT_TOKENS)
		ADD("out=%" PRId64 " ", ev->output_tokens);
	if (ev->has & EF_COST_USD)
		ADD("cost=$%.4f ", ev->cost_usd);
	if (ev->tool_id)
		ADD("tool=%s ", ev->tool_id);
	if (ev->outcome)
		ADD("outcome=%s ", ev->outcome);
	if (ev->has & EF_DURATION_MS)
		ADD("dur=%" PRId64 "ms ", ev->duration_ms);
	if (ev->has & EF_ATTEMPT)
		ADD("attempt=%" PRId64 " ", ev->attempt);
	if (ev->error_class)
		ADD("error=%s ", ev->error_class);
	if (ev->error_message)
		ADD("\"%s\" ", ev->error_message);
	if (ev->message)
		ADD("%s", ev->message);
#undef ADD
	event_sanitize(raw, buf, size, 0);
}

int
report_events_main(const struct opts *o)
{
	struct store *st = store_create();
	struct run *run;
	int64_t now;
	int status = load(o, st, &now);

	if (status != 0) {
		store_free(st);
		return status;
	}
	run = store_find(st, o->run_id);
	if (run == NULL) {
		char safe[128];

		event_sanitize(o->run_id, safe, sizeof safe, 0);
		fprintf(stderr, "execmon: run %s: not found in the last %" PRId64 " s\n",
		    safe, 2 * o->window_ms / 1000);
		store_free(st);
		return 1;
	}
	if (strcmp(o->format, "json") == 0) {
		json_t *arr = json_array();

		for (size_t i = 0; i < run->nlog; i++)
			json_array_append_new(arr, record_json(&run->log[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("%-24s  %-16s  %s\n", "TIME", "TYPE", "DETAIL");
		for (size_t i = 0; i < run->nlog; i++) {
			const struct event *ev = &run->log[i];
			char t[40], type[64], detail[1024];

			event_format_time(ev->ts_ms, t, sizeof t);
			event_sanitize(ev->type_name, type, sizeof type, 0);
			event_summary(ev, detail, sizeof detail);
			printf("%-24s  %-16s  %s\n", t, type, detail);
		}
		if (run->log_dropped > 0)
			printf("(%" PRIu64 " older events not kept)\n", run->log_dropped);
	}
	store_free(st);
	return 0;
}
