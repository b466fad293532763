/* execmon - unit tests: WebSocket message reassembly and decoding. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "tap.h"
#include "wsmsg.h"

#define MAXEV 16

struct got {
	struct event ev[MAXEV];
	char *id[MAXEV];
	int n;
	int bad[MAL__COUNT];
	int nbad;
};

static void
got_event(void *arg, struct event *ev, const char *id)
{
	struct got *g = arg;

	if (g->n == MAXEV)
		return;
	g->ev[g->n] = *ev;
	event_init(ev);
	g->id[g->n] = id != NULL ? strdup(id) : NULL;
	g->n++;
}

static void
got_bad(void *arg, enum event_malformed why)
{
	struct got *g = arg;

	g->bad[why]++;
	g->nbad++;
}

static size_t
decode(struct got *g, const char *text, int64_t recv_ms)
{
	struct wsmsg_sink s = { got_event, got_bad, g, NULL, NULL };

	memset(g, 0, sizeof *g);
	return wsmsg_decode(text, strlen(text), recv_ms, &s);
}

static void
got_done(struct got *g)
{
	for (int i = 0; i < g->n; i++) {
		event_done(&g->ev[i]);
		free(g->id[i]);
	}
	memset(g, 0, sizeof *g);
}

static void
test_reassembly(void)
{
	struct wsmsg_buf b;
	enum event_malformed why;
	char big[100];

	wsmsg_buf_init(&b, 16);
	is_int(wsmsg_buf_add(&b, "{\"a\":", 5, 0, 0, &why), 0,
	    "a first fragment is held");
	is_int(wsmsg_buf_add(&b, "", 0, 0, 0, &why), 0,
	    "an empty fragment changes nothing");
	is_int(wsmsg_buf_add(&b, "1}", 2, 1, 0, &why), 1,
	    "the final fragment completes the message");
	ok(b.len == 7 && memcmp(b.p, "{\"a\":1}", 7) == 0,
	    "fragments are joined in order");

	is_int(wsmsg_buf_add(&b, "0123456789abcdef", 16, 1, 0, &why), 1,
	    "a message of exactly the bound is kept");
	is_int(wsmsg_buf_add(&b, "0123456789", 10, 0, 0, &why), 0,
	    "the next message starts afresh");
	is_int(wsmsg_buf_add(&b, "0123456", 7, 0, 0, &why), 0,
	    "passing the bound mid-message is not the end yet");
	is_int(wsmsg_buf_add(&b, "x", 1, 1, 0, &why), -1,
	    "an oversized message is skipped when it ends");
	is_int(why, MAL_TOO_LARGE, "and counted as too large");
	ok(b.cap <= 16, "the buffer never grows past the bound (%zu)", b.cap);

	is_int(wsmsg_buf_add(&b, "\x00\x01", 2, 0, 1, &why), 0,
	    "a binary fragment is held back");
	is_int(wsmsg_buf_add(&b, "more", 4, 1, 0, &why), -1,
	    "the kind of a message is that of its first frame");
	is_int(why, MAL_BINARY, "binary messages are counted as binary");

	is_int(wsmsg_buf_add(&b, "{}", 2, 1, 0, &why), 1,
	    "after skipped messages the next one is whole");
	ok(b.len == 2, "and holds only itself");

	memset(big, 'x', sizeof big);
	is_int(wsmsg_buf_add(&b, big, sizeof big, 1, 0, &why), -1,
	    "one piece over the bound is skipped at once");
	wsmsg_buf_add(&b, "{\"a\":", 5, 0, 0, &why);
	wsmsg_buf_reset(&b);
	is_int(wsmsg_buf_add(&b, "{}", 2, 1, 0, &why), 1,
	    "a reset drops a half message");
	ok(b.len == 2, "and nothing of it stays");
	wsmsg_buf_done(&b);
}

static void
test_decode(void)
{
	struct got g;

	is_int(decode(&g, "{\"type\":\"run.started\",\"run_id\":\"r1\"}", 5000),
	    1, "one event object");
	is_int(g.ev[0].ts_ms, 5000, "without ts it gets the receive time");
	ok(g.id[0] == NULL, "and no entry id");
	got_done(&g);

	is_int(decode(&g, "{\"type\":\"log\",\"run_id\":\"r1\",\"ts\":1700000000000,"
	    "\"_id\":\"17-3\",\"_source\":\"redis://x/s\"}", 5000), 1,
	    "a recorded line");
	is_int(g.ev[0].ts_ms, 1700000000000LL, "keeps its own ts");
	is_str(g.id[0], "17-3", "and passes its _id on for dedup");
	got_done(&g);

	is_int(decode(&g, "[{\"type\":\"run.queued\",\"run_id\":\"a\"},42,"
	    "{\"run_id\":\"b\"},{\"type\":\"run.completed\",\"run_id\":\"a\"},"
	    "\"s\"]", 1), 2, "an array: each element on its own");
	is_int(g.bad[MAL_BAD_JSON], 2, "non-objects in it are bad JSON");
	is_int(g.bad[MAL_NO_TYPE], 1, "an element without type is counted");
	ok(g.ev[0].type == EV_RUN_QUEUED && g.ev[1].type == EV_RUN_COMPLETED,
	    "the good ones in order");
	got_done(&g);

	is_int(decode(&g, "[]", 1), 0, "an empty array is nothing");
	is_int(g.nbad, 0, "and not an error");
	is_int(decode(&g, "{\"type\":\"log\",", 1), 0, "broken JSON");
	is_int(g.bad[MAL_BAD_JSON], 1, "is bad JSON");
	is_int(decode(&g, "17", 1), 0, "a bare number");
	is_int(g.bad[MAL_BAD_JSON], 1, "is bad JSON too");
	is_int(decode(&g, "{\"type\":\"log\",\"run_id\":\"\xff\xfe\"}", 1), 1,
	    "invalid UTF-8 is repaired, not rejected");
	got_done(&g);

	is_int(decode(&g, "{\"event\":\"execution_update\",\"data\":{"
	    "\"currentlyRunning\":3,\"queueDepth\":7,\"avgQueueWaitTime\":1.5,"
	    "\"systemLoad\":{\"cpu\":55.5,\"memory\":40,"
	    "\"workers\":{\"total\":10,\"idle\":4}}}}", 9000), 2,
	    "a realtime message gives two gauges");
	ok(g.ev[0].type == EV_WORKER_STATUS, "systemLoad is a worker.status");
	is_int(g.ev[0].workers_total, 10, "workers total");
	is_int(g.ev[0].workers_busy, 6, "busy = total - idle when busy is missing");
	ok(g.ev[0].cpu == 55.5 && g.ev[0].memory == 40, "cpu and memory");
	is_int(g.ev[0].ts_ms, 9000, "at the receive time");
	ok(g.ev[1].type == EV_QUEUE_DEPTH, "queueDepth is a queue.depth");
	is_str(g.ev[1].queue, "default", "of the default queue");
	is_int(g.ev[1].depth, 7, "depth");
	got_done(&g);

	is_int(decode(&g, "{\"event\":\"execution_update\",\"data\":{"
	    "\"ts\":\"2026-01-02T03:04:05Z\",\"queue\":\"gpu\",\"queueDepth\":2}}",
	    9000), 1, "a realtime message with only a depth");
	is_str(g.ev[0].queue, "gpu", "names its queue when it says so");
	is_int(g.ev[0].ts_ms, 1767323045000LL, "and its own time when it has one");
	got_done(&g);

	is_int(decode(&g, "{\"event\":\"execution_update\",\"data\":{"
	    "\"systemLoad\":{\"cpu\":\"hot\"},\"queueDepth\":-1}}", 1), 0,
	    "bad gauges are rejected");
	is_int(g.nbad, 2, "each counted");
	is_int(decode(&g, "{\"event\":\"execution_update\",\"data\":[]}", 1), 0,
	    "data that is not an object");
	is_int(g.bad[MAL_BAD_TYPE], 1, "is the wrong type");
	is_int(decode(&g, "{\"event\":\"execution_update\",\"data\":{"
	    "\"currentlyRunning\":1}}", 1), 0,
	    "a realtime message without gauges gives nothing");
	is_int(g.nbad, 0, "and is no error");
	is_int(decode(&g, "{\"event\":\"something_else\",\"data\":{}}", 1), 0,
	    "another kind of message");
	is_int(g.bad[MAL_NO_TYPE], 1, "is an entry without type");
	got_done(&g);
}

int
main(void)
{
	test_reassembly();
	test_decode();
	return tap_done();
}
