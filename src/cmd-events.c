/* execmon - the events command: one run's event log, as a table or JSON. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "event-json.h"
#include "event-text.h"
#include "outfile.h"
#include "record.h"
#include "report.h"
#include "report-int.h"
#include "store.h"
#include "textwidth.h"

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
	if (n >= sizeof raw)
		utf8_trim_cut(raw); /* cut: no character left in pieces at the end */
	event_sanitize(raw, buf, size, 0);
}

/* Print one run's event log. */
static int
cmd_events_exec(const struct opts *o)
{
	struct store *st = store_create();
	struct outfile out;
	struct run *run;
	char err[256];
	int64_t now;
	/* two windows back, for runs that began before it */
	int status = report_load(o, st, 2 * o->window_ms, 0, &now);

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
	if (outfile_open(&out, "-", err, sizeof err) != 0) {
		fprintf(stderr, "execmon: events: stdout: %s\n", err);
		store_free(st);
		return 1;
	}
	if (strcmp(o->format, "json") == 0) {
		json_t *arr = json_array();

		for (size_t i = 0; i < run->nlog; i++) {
			struct event ev;

			run_log_get(run, i, &ev);
			json_array_append_new(arr, record_json(&ev));
			event_done(&ev);
		}
		if (event_json_write(arr, out.f, JSON_INDENT(2),
		    isatty(fileno(out.f))) != 0 || fputc('\n', out.f) == EOF)
			outfile_failed(&out);
		json_decref(arr);
	} else {
		/* out.f is stdout */
		printf("%-24s  %-16s  %s\n", "TIME", "TYPE", "DETAIL"); /* ASCII: bytes are cells */
		for (size_t i = 0; i < run->nlog && !outfile_failed(&out); i++) {
			struct event ev;
			char t[40], type[256], detail[1024];

			run_log_get(run, i, &ev);
			event_format_time(ev.ts_ms, t, sizeof t);
			tw_fit(ev.type_name, 16, TW_TILDE, type, sizeof type);
			event_summary(&ev, detail, sizeof detail);
			printf("%-24s  %s  %s\n", t, type, detail);
			event_done(&ev);
		}
		if (run->log_dropped > 0 && !outfile_failed(&out))
			printf("(%" PRIu64 " older events not kept)\n", run->log_dropped);
	}
	status = report_finish(&out, "events", "stdout");
	store_free(st);
	return status;
}

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.id = CMD_EVENTS,
	.synopsis = "events RUN_ID",
	.summary = "one run's event log",
	.usage = "Usage: execmon events [OPTIONS] RUN_ID [--format table|json]\n\n"
	    "Print one run's event log in event-time order.\n\n",
	.sections = { SEC_CMD, SEC_SOURCE, SEC_COMMON },
	.exec = cmd_events_exec,
};
