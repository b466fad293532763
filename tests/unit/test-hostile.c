/* execmon - unit tests for the defences against hostile input (decoder bounds, config, replay). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "event.h"
#include "replay-line.h"
#include "source.h"
#include "xmalloc.h"
#include "tap.h"

#define MAXKV 64
#define YEAR_9999_MS INT64_C(253402300799000)

/* Decode a flat entry given as name, value, ..., NULL; frees the event. */
static enum event_malformed
flat(int64_t id_ms, ...)
{
	struct event_field_kv kv[MAXKV];
	enum event_malformed r;
	struct event ev;
	const char *name;
	size_t n = 0;
	va_list ap;

	va_start(ap, id_ms);
	while (n < MAXKV && (name = va_arg(ap, const char *)) != NULL) {
		kv[n].name = name;
		kv[n].name_len = strlen(name);
		kv[n].value = va_arg(ap, const char *);
		kv[n].value_len = strlen(kv[n].value);
		n++;
	}
	va_end(ap);
	r = event_decode_fields(&ev, kv, n, id_ms);
	event_done(&ev);
	return r;
}

/* Decode JSON text as a feed message; frees the event. */
static enum event_malformed
jtext(const char *text, int64_t recv_ms)
{
	enum event_malformed r;
	struct event ev;
	json_t *o;

	if ((r = event_json_parse(text, strlen(text), &o)) != MAL_NONE)
		return r;
	r = event_decode_json(&ev, o, recv_ms);
	event_done(&ev);
	json_decref(o);
	return r;
}

static void
test_entry_time(void)
{
	/* Found by fuzzing: the entry ID's time was taken unchecked. */
	is_int(flat(YEAR_9999_MS, "type", "log", "run_id", "r", NULL),
	    MAL_BAD_TS, "an entry ID in year 9999 is no time");
	is_int(flat(INT64_C(1700000000000900), "type", "log", "run_id", "r",
	    NULL), MAL_BAD_TS, "an entry ID far past 2200 is no time");
	is_int(jtext("{\"type\":\"log\",\"run_id\":\"r\"}", YEAR_9999_MS),
	    MAL_BAD_TS, "json form: the fallback time is checked too");
	is_int(flat(INT64_C(1700000000000), "type", "log", "run_id", "r", NULL),
	    MAL_NONE, "an entry ID of today is a time");
	is_int(flat(-1, "type", "log", "run_id", "r", "ts",
	    "9999-12-31T23:59:59Z", NULL), MAL_BAD_TS, "ts in year 9999");
	is_int(jtext("{\"type\":\"log\",\"run_id\":\"r\",\"ts\":253402300799000}",
	    -1), MAL_BAD_TS, "json ts in year 9999");
}

static void
test_absurd_numbers(void)
{
	static const struct {
		const char *field, *value;
		enum event_malformed want;
	} cases[] = {
		{ "cost_usd", "1e300", MAL_BAD_VALUE },
		{ "cost_usd", "1000000.01", MAL_BAD_VALUE },
		{ "cost_usd", "1000000", MAL_NONE },
		{ "cost_usd", "NaN", MAL_BAD_NUMBER },
		{ "cost_usd", "inf", MAL_BAD_NUMBER },
		{ "cost_usd", "-0.5", MAL_BAD_VALUE },
		{ "input_tokens", "9223372036854775807", MAL_BAD_VALUE },
		{ "input_tokens", "1000000000000", MAL_NONE },
		{ "output_tokens", "1000000000001", MAL_BAD_VALUE },
		{ "duration_ms", "-5", MAL_BAD_VALUE },
		{ "duration_ms", "31622400000", MAL_NONE },
		{ "duration_ms", "31622400001", MAL_BAD_VALUE },
		{ "ttft_ms", "9e18", MAL_BAD_VALUE },
		{ "estimated_ms", "1e15", MAL_BAD_VALUE },
		{ "attempt", "1e13", MAL_BAD_VALUE },
		{ "depth", "1e13", MAL_BAD_VALUE },
		{ "workers_total", "1e13", MAL_BAD_VALUE },
		{ "output_bytes", "1e16", MAL_BAD_VALUE },
		{ "priority", "-9223372036854775808", MAL_NONE },
	};
	char json[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		is_int(flat(INT64_C(1700000000000), "type", "llm.call",
		    "run_id", "r", cases[i].field, cases[i].value, NULL),
		    cases[i].want, "flat %s = %s", cases[i].field,
		    cases[i].value);
		if (strcmp(cases[i].value, "NaN") == 0 ||
		    strcmp(cases[i].value, "inf") == 0)
			continue;
		snprintf(json, sizeof json,
		    "{\"type\":\"llm.call\",\"run_id\":\"r\",\"%s\":%s}",
		    cases[i].field, cases[i].value);
		is_int(jtext(json, INT64_C(1700000000000)), cases[i].want,
		    "json %s: %s", cases[i].field, cases[i].value);
	}
	is_int(jtext("{\"type\":\"llm.call\",\"run_id\":\"r\",\"cost_usd\":1e999}",
	    0), MAL_BAD_JSON, "json 1e999 is not JSON jansson reads");
}

static void
test_entry_bounds(void)
{
	struct event_field_kv *kv;
	enum event_malformed r;
	struct event ev;
	char *big, *text, *p;
	size_t i, n;

	/* More fields than EVENT_FIELDS_MAX: too_large, not a 100k-key event. */
	n = EVENT_FIELDS_MAX + 1;
	kv = xcalloc(n, sizeof *kv);
	kv[0] = (struct event_field_kv){ "type", 4, "log", 3 };
	kv[1] = (struct event_field_kv){ "run_id", 6, "r", 1 };
	for (i = 2; i < n; i++)
		kv[i] = (struct event_field_kv){ "f", 1, "v", 1 };
	r = event_decode_fields(&ev, kv, n, INT64_C(1700000000000));
	is_int(r, MAL_TOO_LARGE, "%zu fields are too many", n);
	r = event_decode_fields(&ev, kv, n - 1, INT64_C(1700000000000));
	is_int(r, MAL_NONE, "%d fields are fine", EVENT_FIELDS_MAX);
	event_done(&ev);

	/* Fields each under 1 MiB, 5 MiB together. */
	big = xmalloc(EVENT_FIELD_MAX);
	memset(big, 'x', EVENT_FIELD_MAX);
	for (i = 2; i < 7; i++)
		kv[i] = (struct event_field_kv){ "f", 1, big, EVENT_FIELD_MAX };
	r = event_decode_fields(&ev, kv, 7, INT64_C(1700000000000));
	is_int(r, MAL_TOO_LARGE, "an entry over 4 MiB in all is too large");
	r = event_decode_fields(&ev, kv, 4, INT64_C(1700000000000));
	is_int(r, MAL_NONE, "two fields of 1 MiB are fine");
	event_done(&ev);
	free(big);
	free(kv);

	/* A json-form object with more keys than that. */
	text = xmalloc(32 + 16 * (EVENT_FIELDS_MAX + 1));
	p = text + sprintf(text, "{\"type\":\"log\",\"run_id\":\"r\"");
	for (i = 0; i < EVENT_FIELDS_MAX; i++)
		p += sprintf(p, ",\"k%zu\":1", i);
	strcpy(p, "}");
	is_int(jtext(text, INT64_C(1700000000000)), MAL_TOO_LARGE,
	    "a json object with %d keys is too large", EVENT_FIELDS_MAX + 2);
	{
		struct event_field_kv one = { "json", 4, text, strlen(text) };

		is_int(event_decode_fields(&ev, &one, 1, 1), MAL_TOO_LARGE,
		    "so is a json field holding it");
	}
	free(text);
}

struct got {
	int events;
	char last_run[64];
};

static void
on_event(void *ctx, struct event *ev)
{
	struct got *g = ctx;

	g->events++;
	snprintf(g->last_run, sizeof g->last_run, "%s",
	    ev->run_id != NULL ? ev->run_id : "");
}

/* Feed text in chunks of step bytes; returns the replay's own source. */
static int
replay(const char *text, size_t len, size_t step, size_t max, struct got *g)
{
	struct sink sink = { on_event, NULL, NULL, NULL };
	struct replay_lines rl;
	size_t i, k;
	int src;

	memset(g, 0, sizeof *g);
	sink.ctx = g;
	sources_clear();
	src = sources_add("replay", "replay:test");
	replay_lines_init(&rl, src, &sink);
	if (max > 0)
		rl.max = max;
	for (i = 0; i < len; i += k) {
		k = len - i < step ? len - i : step;
		replay_lines_feed(&rl, text + i, k);
	}
	replay_lines_finish(&rl);
	replay_lines_done(&rl);
	return src;
}

static void
test_replay_lines(void)
{
	static const char file[] =
	    "{\"type\":\"log\",\"run_id\":\"a\",\"ts\":1}\n"
	    "\n   \r\n"
	    "{broken\n"
	    "{\"type\":\"log\",\"run_id\":\"" "0123456789012345678901234567890123456789" "\",\"ts\":2}\n"
	    "{\"type\":\"log\",\"run_id\":\"c\",\"ts\":3}\r\n"
	    "{\"type\":\"log\",\"run_id\":\"d\",\"ts\":4}";
	struct source_info *si;
	struct got g;
	const char *line;
	size_t step;
	char *buf, *p;
	int src, i, same = 1;

	for (step = 1; step <= sizeof file; step++) {
		src = replay(file, sizeof file - 1, step, 64, &g);
		si = sources_get(src);
		if (g.events != 3 || si->malformed[MAL_BAD_JSON] != 1 ||
		    si->malformed[MAL_TOO_LARGE] != 1 ||
		    strcmp(g.last_run, "d") != 0)
			same = 0;
	}
	ok(same, "any chunking: 3 events, 1 bad line, 1 line over the bound, "
	    "the unterminated last line read");

	/* A line over the bound is counted once, even split over chunks. */
	buf = xmalloc(10000);
	memset(buf, 'x', 9999);
	buf[9999] = '\n';
	src = replay(buf, 10000, 7, 100, &g);
	is_int(sources_get(src)->malformed[MAL_TOO_LARGE], 1,
	    "a long line is one too_large");
	free(buf);

	/* Deep JSON in a replay line: bounded like a feed message. */
	buf = xmalloc(30000);
	p = buf + sprintf(buf, "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":1,\"x\":");
	for (i = 0; i < 10000; i++)
		*p++ = '[';
	for (i = 0; i < 10000; i++)
		*p++ = ']';
	strcpy(p, "}\n");
	src = replay(buf, strlen(buf), 4096, 0, &g);
	is_int(sources_get(src)->malformed[MAL_TOO_LARGE], 1,
	    "10000-deep JSON in a replay line is too_large");
	free(buf);

	/* Invalid UTF-8 in a line is repaired, as in a feed. */
	line = "{\"type\":\"log\",\"run_id\":\"r\xff\",\"ts\":1}\n";
	src = replay(line, strlen(line), 5, 0, &g);
	is_int(g.events, 1, "a line with invalid UTF-8 is read");
	is_str(g.last_run, "r\xef\xbf\xbd", "with U+FFFD in place of the byte");

	/* A replay file naming endless sources cannot grow the registry. */
	buf = xmalloc(100 * (REPLAY_SOURCES_MAX + 100));
	p = buf;
	for (i = 0; i < REPLAY_SOURCES_MAX + 100; i++)
		p += sprintf(p, "{\"type\":\"log\",\"run_id\":\"r\",\"ts\":1,"
		    "\"_source\":\"s%d\",\"_id\":\"1-0\"}\n", i);
	src = replay(buf, (size_t)(p - buf), 65536, 0, &g);
	is_int(g.events, REPLAY_SOURCES_MAX + 100, "every line is read");
	is_int(sources_count(), REPLAY_SOURCES_MAX,
	    "but the sources it names stop at %d", REPLAY_SOURCES_MAX);
	ok(sources_get(src)->events >= 100,
	    "the rest count under the replay itself");
	free(buf);
	sources_clear();
}

struct settings {
	char text[1024];
	int stop_at;
};

static int
on_setting(void *ctx, const char *name, const char *value, int lineno)
{
	struct settings *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%d:%s=%s;", lineno, name,
	    value);
	return lineno == s->stop_at ? 9 : 0;
}

static int
conf(const char *text, size_t len, struct settings *s, char *err)
{
	memset(s, 0, sizeof *s);
	err[0] = '\0';
	return conffile_parse(text, len, on_setting, s, err, 256);
}

static void
test_conffile(void)
{
	struct settings s;
	char err[256], path[] = "/tmp/execmon-conf.XXXXXX", *text, *big;
	char fifo[64];
	const char *t;
	size_t len;
	int fd, priv;

	t = "# c\n\n a = 1 \nb=2\r\n\tc\t \t3 4\t\nflag\n";
	is_int(conf(t, strlen(t), &s, err), 0, "a config parses");
	is_str(s.text, "3:a=1;4:b=2;5:c=3 4;6:flag=;",
	    "names, values trimmed, CRLF, no '=', no value");
		memset(&s, 0, sizeof s);
	s.stop_at = 2;
	t = "a = 1\nb = 2\nc = 3\n";
	is_int(conffile_parse(t, strlen(t), on_setting, &s, err,
	    sizeof err), 9, "the callback's status stops the parse");
	is_str(s.text, "1:a=1;2:b=2;", "after that line");
	t = "a = 1\nwin\x1b[2Jdow = 2\n";
	is_int(conf(t, strlen(t), &s, err), -1,
	    "a control byte in a name is refused");
	is_str(err, "2: bad character in setting name", "naming the line");
	is_int(conf("a = 1\0b\n", 8, &s, err), -1, "a NUL byte is refused");
	is_str(err, "1: a NUL byte", "naming the line");
	is_int(conf(" = 5\n", 5, &s, err), -1, "a missing name is refused");
	is_str(err, "1: missing setting name", "naming the line");
	big = xmalloc(CONFFILE_LINE_MAX + 20);
	memset(big, 'x', CONFFILE_LINE_MAX + 19);
	memcpy(big, "filter = ", 9);
	big[CONFFILE_LINE_MAX + 19] = '\n';
	is_int(conf(big, CONFFILE_LINE_MAX + 20, &s, err), -1,
	    "a line over %d bytes is refused, not split in two",
	    CONFFILE_LINE_MAX);
	is_str(err, "1: line too long", "naming the line");

	/* Reading: size bound, directories, who may read it. */
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, "redis = redis://:pw@h\n", 22) == 22,
	    "a config file is written");
	close(fd);
	chmod(path, 0600);
	ok(conffile_read(path, &text, &len, &priv, err, sizeof err) == 0 && len == 22 && priv,
	    "a 0600 file is private");
	free(text);
	chmod(path, 0644);
	ok(conffile_read(path, &text, &len, &priv, err, sizeof err) == 0 && !priv,
	    "a 0644 file is not");
	free(text);
	chmod(path, 0640);
	ok(conffile_read(path, &text, &len, &priv, err, sizeof err) == 0 && !priv,
	    "nor is a 0640 file");
	free(text);
	fd = open(path, O_WRONLY | O_TRUNC);
	for (len = 0; len <= CONFFILE_MAX; len += CONFFILE_LINE_MAX)
		if (write(fd, big, CONFFILE_LINE_MAX) < 0)
			break;
	close(fd);
	errno = 0;
	ok(conffile_read(path, &text, &len, &priv, err, sizeof err) == -1 && errno == EFBIG,
	    "a file over %d bytes is refused", CONFFILE_MAX);
	unlink(path);
	errno = 0;
	ok(conffile_read("/tmp", &text, &len, &priv, err, sizeof err) == -1 &&
	    errno == EISDIR, "a directory is refused");
	errno = 0;
	ok(conffile_read("/nonexistent/x", &text, &len, &priv,
	    err, sizeof err) == -1 && errno == ENOENT,
	    "a missing file says ENOENT");
	/* A FIFO with no writer: refused at once, not waited on. */
	snprintf(fifo, sizeof fifo, "/tmp/execmon-fifo.%d", (int)getpid());
	ok(mkfifo(fifo, 0600) == 0, "a FIFO is made");
	errno = 0;
	ok(conffile_read(fifo, &text, &len, &priv, err, sizeof err) == -1 &&
	    errno == EINVAL, "a FIFO is refused without waiting for a writer");
	is_str(err, "not a regular file (a FIFO)", "saying what it is");
	unlink(fifo);
	errno = 0;
	ok(conffile_read("/dev/zero", &text, &len, &priv, err, sizeof err) == -1 &&
	    errno == EINVAL, "a device that never ends is refused, not read");
	free(big);
}

static void
test_json_write(void)
{
	json_t *j, *back;
	char buf[512];
	size_t n, i;
	FILE *f;
	int clean = 1;

	j = json_pack("{s:s, s:[s]}", "message",
	    "\x1b]52;c;eA==\x07 \x7f \xc2\x9b" "2J \xe2\x80\xae \xe2\x80\x8b caf\xc3\xa9",
	    "k\x7f", "\xef\xbb\xbf");
	f = tmpfile();
	ok(event_json_write(j, f, JSON_COMPACT, 1) == 0, "json to a terminal: written");
	rewind(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	for (i = 0; i < n; i++) {
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
			clean = 0;
	}
	ok(n > 0 && clean, "only printable ASCII: %s", buf);
	back = json_loads(buf, 0, NULL);
	ok(back != NULL && json_equal(back, j), "the same JSON, escapes and all");
	json_decref(back);

	f = tmpfile();
	ok(event_json_write(j, f, JSON_COMPACT, 0) == 0, "json to a file: written");
	rewind(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	ok(strstr(buf, "\xc2\x9b") != NULL && strstr(buf, "caf\xc3\xa9") != NULL,
	    "to a file, UTF-8 is written as it is");
	json_decref(j);
}

int
main(void)
{
	test_entry_time();
	test_absurd_numbers();
	test_entry_bounds();
	test_replay_lines();
	test_conffile();
	test_json_write();
	return tap_done();
}
