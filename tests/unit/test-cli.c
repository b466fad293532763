/* execmon - unit tests: the source specs a command line gives, the kinds table, the options table. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli-int.h"
#include "cmd.h"
#include "evmap.h"
#include "source-kind.h"
#include "tap.h"

#ifndef SRCDIR_MAPS
#define SRCDIR_MAPS "maps"
#endif
#ifndef SRCDIR_DOC
#define SRCDIR_DOC "doc"
#endif

static char cfgdir[64];

/* The commands as main.c has them. */
static const struct cmd_entry *const commands[] = {
	&cmd_dash_entry, &cmd_snapshot_entry, &cmd_runs_entry, &cmd_errors_entry,
	&cmd_events_entry, &cmd_record_entry, &cmd_alerts_entry, NULL
};

/* Parse a NULL-ended command line (after "execmon") into o; cli_parse's result. */
static int
parse(struct opts *o, const char *const *args)
{
	const struct cmd_entry *cmd;
	char *argv[160];
	int argc = 0;

	argv[argc++] = (char *)"execmon";
	for (; *args != NULL; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	return cli_parse(o, commands, &cmd, argc, argv);
}

/* "kind:arg:map" of each spec, joined by spaces. */
static const char *
specs(const struct opts *o)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < o->nspecs && n < sizeof buf; i++) {
		const struct source_spec *sp = &o->specs[i];

		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s:%s:%s", i ? " " : "",
		    sp->kind->name, sp->arg != NULL ? sp->arg : "-",
		    sp->map != NULL ? evmap_name(sp->map) : "native");
	}
	return buf;
}

static int
count(const struct opts *o, const char *kind)
{
	int n = 0;

	for (int i = 0; i < o->nspecs; i++)
		n += strcmp(o->specs[i].kind->name, kind) == 0;
	return n;
}

static void
write_config(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/execmon", cfgdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/execmon/config", cfgdir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void
test_specs(void)
{
	struct opts o;

	{
		const char *a[] = { "snapshot", NULL };

		is_int(parse(&o, a), 0, "no source: parses");
		is_str(specs(&o), "stream:execmon:events:native", "no source: the default stream");
		is_int(o.nredis, 1, "no source: the default Redis");
		cli_free(&o);
	}
	{
		const char *a[] = { "snapshot", "--stream", "a", "--map", "shannon",
			"--bullmq", "q1", "--stream", "b", "--ws", "ws://h/x", "--map", "native",
			"--stream", "c", "--bullmq", "q2", "--stream", "a", NULL };

		is_int(parse(&o, a), 0, "mixed kinds and maps: parses");
		is_str(specs(&o), "stream:a:native bullmq:q1:native stream:b:shannon "
		    "ws:ws://h/x:shannon stream:c:native bullmq:q2:native stream:a:native",
		    "specs in the order given, each with the --map in force before it");
		is_int(count(&o, "stream"), 4, "four --stream specs (the same key twice kept;"
		    " the start reads it once)");
		is_int(count(&o, "bullmq"), 2, "two --bullmq specs");
		is_int(count(&o, "ws"), 1, "one --ws spec");
		ok(cli_specs_any(&o, SK_NO_PAST) && cli_specs_any(&o, SK_PAST),
		    "kinds with and without a past are seen");
		ok(!cli_specs_any(&o, SK_FINITE), "no finite source");
		cli_free(&o);
	}
	{
		const char *a[] = { "snapshot", "--stream", "a", "--ws", "ws://h/y", "--map",
			"shannon", NULL };

		is_int(parse(&o, a), 0, "a trailing --map: parses");
		is_str(specs(&o), "stream:a:shannon ws:ws://h/y:shannon",
		    "a trailing --map reads the sources before it that no --map covers");
		cli_free(&o);
	}
	{
		const char *a[] = { "snapshot", "--celery", "--celery-queue", "x",
			"--celery-enable-events", "--celery", NULL };

		is_int(parse(&o, a), 0, "celery thrice: parses");
		is_str(specs(&o), "celery:-:native", "--celery and its options: one spec");
		is_int(o.ncelery_queues, 1, "its queue kept as a kind-wide setting");
		cli_free(&o);
	}
	{
		const char *a[] = { "snapshot", "--replay", "one.jsonl", "--stream", "s",
			"--replay", "two.jsonl", NULL };

		is_int(parse(&o, a), 0, "two --replay: parses");
		is_str(specs(&o), "stream:s:native replay:two.jsonl:native",
		    "a later --replay replaces the earlier");
		ok(cli_specs_any(&o, SK_FINITE) && cli_specs_any(&o, SK_ALONE),
		    "a replay is finite and read alone");
		cli_free(&o);
	}
	{
		const char *a[] = { "snapshot", "--map", "shannon", "--bullmq",
			"q", NULL };

		is_int(parse(&o, a), 2, "a --map before only a BullMQ queue is a usage error");
		cli_free(&o);
	}
	{
		const char *a[] = { "snapshot", "--stream", "", NULL };

		is_int(parse(&o, a), 2, "an empty stream key is a usage error");
		cli_free(&o);
	}
	{
		const char *a[] = { "snapshot", "--otlp-listen", "4318", NULL };

		is_int(parse(&o, a), 2, "--otlp-listen without --duration on snapshot: usage error");
		cli_free(&o);
	}
	/* The config file's list of a kind is replaced by argv's, the others kept. */
	write_config("stream = from-config\nws = ws://c/feed\nbullmq = cq\n");
	{
		const char *a[] = { "runs", "--stream", "a", "--bullmq", "q", NULL };

		is_int(parse(&o, a), 0, "config and argv: parses");
		is_str(specs(&o), "ws:ws://c/feed:native stream:a:native bullmq:q:native",
		    "argv's --stream and --bullmq replace the config's; its --ws stays");
		cli_free(&o);
	}
	{
		const char *a[] = { "runs", NULL };

		is_int(parse(&o, a), 0, "config alone: parses");
		is_str(specs(&o), "stream:from-config:native ws:ws://c/feed:native bullmq:cq:native",
		    "the config's sources in its order");
		cli_free(&o);
	}
	write_config("");
	{
		char many[65][16];
		const char *a[2 * 66 + 2];
		int n = 0;

		a[n++] = "snapshot";
		for (int i = 0; i < 65; i++) {
			snprintf(many[i], sizeof many[0], "s%d", i);
			a[n++] = "--stream";
			a[n++] = many[i];
		}
		a[n] = NULL;
		is_int(parse(&o, a), 2, "a 65th --stream is a usage error");
		cli_free(&o);
	}
}


/* Whether text holds "--name" as a whole option name. */
static int
has_option(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; (p = strstr(p, "--")) != NULL; p += 2) {
		char c = p[2 + n];

		if (strncmp(p + 2, name, n) == 0 && !(c == '-' || (c >= 'a' && c <= 'z')))
			return 1;
	}
	return 0;
}

/* The whole of a file, NUL-ended, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/*
 * Every entry of the options table: getopt knows it, some --help lists it,
 * the man page documents it, and the config file takes it as a key unless
 * it is for the command line only.
 */
static void
test_options(void)
{
	char *help = NULL, *man = slurp(SRCDIR_DOC "/execmon.1"), errpath[160];
	size_t helplen = 0;
	FILE *f = open_memstream(&help, &helplen);
	const struct option *lo = cli_longopts();
	int nlo = 0, same = 0;

	for (int i = 0; commands[i] != NULL; i++)
		cli_usage(f, commands, commands[i]);
	fclose(f);
	ok(man != NULL, "the man page is read (%s)", SRCDIR_DOC "/execmon.1");
	while (lo[nlo].name != NULL)
		nlo++;
	is_int(nlo, cli_noptions, "getopt's long options are the table's");
	snprintf(errpath, sizeof errpath, "%s/stderr", cfgdir);
	for (int i = 0; i < cli_noptions; i++) {
		const struct cli_option *op = &cli_options[i];
		char pat[80], *q = pat, *err;
		int rc;

		for (int j = 0; j < i; j++)
			same += strcmp(cli_options[j].name, op->name) == 0 ||
			    cli_options[j].id == op->id;
		ok(cli_option_by_id(op->id) == op && cli_option_by_name(op->name) == op,
		    "--%s: found by id and name", op->name);
		ok(strcmp(lo[i].name, op->name) == 0 && lo[i].val == op->id &&
		    lo[i].has_arg == (op->arg != NULL ? required_argument : no_argument),
		    "--%s: in getopt's table as it is in ours", op->name);
		if (op->letter != 0) {
			snprintf(pat, sizeof pat, "%c%s", op->letter, op->arg != NULL ? ":" : "");
			ok(strstr(cli_shortopts(), pat) != NULL, "-%c: a short option",
			    op->letter);
		}
		ok(has_option(help, op->name), "--%s: in --help", op->name);
		/* The man page writes each '-' as "\-". */
		for (const char *p = "--"; *p != '\0'; p++) {
			*q++ = '\\';
			*q++ = *p;
		}
		for (const char *p = op->name; *p != '\0' && q < pat + sizeof pat - 3; p++) {
			if (*p == '-')
				*q++ = '\\';
			*q++ = *p;
		}
		*q = '\0';
		ok(man != NULL && strstr(man, pat) != NULL, "--%s: in the man page", op->name);
		/* A config file naming it: a bad value may be refused, the key never. */
		snprintf(pat, sizeof pat, "%s = %s\n", op->name, op->arg != NULL ? "@" : "true");
		write_config(pat);
		{
			struct opts o;
			const char *a[] = { "runs", NULL };
			int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);

			fflush(stderr);
			dup2(fd, 2);
			close(fd);
			rc = parse(&o, a);
			cli_free(&o);
			fflush(stderr);
			dup2(saved, 2);
			close(saved);
		}
		err = slurp(errpath);
		if (op->flags & OPT_ARGV)
			ok(rc == 2 && err != NULL && strstr(err, "unknown setting") != NULL,
			    "--%s: the command line's only, no config key", op->name);
		else
			ok(err != NULL && strstr(err, "unknown setting") == NULL,
			    "--%s: a config key", op->name);
		free(err);
	}
	write_config("");
	unlink(errpath);
	is_int(same, 0, "every option's name and id are its own");
	free(help);
	free(man);
}

/* The command table: names, help, entry points. */
static void
test_commands(void)
{
	char *help = NULL;
	size_t helplen = 0;
	FILE *f;
	int dash = 0;

	for (int i = 0; commands[i] != NULL; i++) {
		const struct cmd_entry *c = commands[i];
		char *out = NULL;
		size_t outlen = 0;
		struct opts o;
		char want[64];

		dash += c->name[0] == '\0';
		for (int j = 0; j < i; j++)
			ok(strcmp(commands[j]->name, c->name) != 0 && commands[j]->id != c->id,
			    "'%s' and '%s': names and ids differ", commands[j]->name, c->name);
		ok(c->exec != NULL && c->usage != NULL && c->synopsis != NULL &&
		    c->summary != NULL, "'%s': usage, list line and entry point", c->name);
		snprintf(want, sizeof want, "Usage: execmon %s", c->name[0] ? c->name : "[COMMAND]");
		ok(strncmp(c->usage, want, strlen(want)) == 0, "'%s': its usage begins '%s'",
		    c->name, want);
		if (c->name[0] != '\0') {
			const char *a[] = { c->name, "--help", NULL };
			int fd, saved, rc;

			/* --help goes to stdout: keep it out of the TAP stream */
			fflush(stdout);
			saved = dup(1);
			fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			close(fd);
			rc = parse(&o, a);
			fflush(stdout);
			dup2(saved, 1);
			close(saved);
			is_int(rc, 1, "'%s --help' is help", c->name);
			is_int(o.command, c->id, "'%s' is parsed as its command", c->name);
			cli_free(&o);
		}
		f = open_memstream(&out, &outlen);
		cli_usage(f, commands, c);
		fclose(f);
		ok(strstr(out, "Common options:") != NULL && strstr(out, "--redis URL") != NULL,
		    "'%s --help' lists the sources and common options", c->name);
		free(out);
	}
	is_int(dash, 1, "one entry for no command, the dashboard");
	f = open_memstream(&help, &helplen);
	cli_usage(f, commands, &cmd_dash_entry);
	fclose(f);
	for (int i = 1; commands[i] != NULL; i++) {
		char line[128];

		snprintf(line, sizeof line, "\n  %-20s %s\n", commands[i]->synopsis,
		    commands[i]->summary);
		ok(strstr(help, line) != NULL, "execmon --help lists '%s'", commands[i]->name);
	}
	ok(strstr(help, "Keys in the dashboard:") != NULL, "execmon --help ends with the keys");
	free(help);
}

static void
test_kinds(void)
{
	int dup = 0, redis = 0;

	ok(source_nkinds >= 6, "the table holds the kinds (%d)", source_nkinds);
	for (int i = 0; i < source_nkinds; i++) {
		const struct source_kind *k = source_kinds[i];

		for (int j = 0; j < i; j++)
			dup += strcmp(source_kinds[j]->name, k->name) == 0;
		ok(k->start != NULL && k->stop != NULL, "%s: start and stop", k->name);
		ok(source_kind_find(k->name) == k, "%s: found by name", k->name);
		is_int(source_kind_index(k), i, "%s: its index", k->name);
		ok(!((k->flags & SK_PAST) && (k->flags & SK_NO_PAST)),
		    "%s: a past or none, not both", k->name);
		ok(!((k->flags & SK_ONE) && (k->flags & SK_FLAG)), "%s: one or a flag", k->name);
		/* The Redis-backed kinds come first: each server reads them in order. */
		if (k->flags & SK_REDIS)
			ok(redis++ == i, "%s: the Redis-backed kinds lead the table", k->name);
	}
	is_int(dup, 0, "every kind name is unique");
	ok(source_kind_find("nope") == NULL, "an unknown name finds nothing");
	ok(source_kind_find("stream") == &source_kind_stream, "stream is the stream kind");
	ok(source_kind_find("otlp-listen") == &source_kind_otlp, "otlp-listen is the OTLP kind");
	is_int(source_kind_index(NULL), -1, "no kind has no index");
}

int
main(void)
{
	snprintf(cfgdir, sizeof cfgdir, "/tmp/execmon-test-cli-%ld", (long)getpid());
	mkdir(cfgdir, 0700);
	setenv("XDG_CONFIG_HOME", cfgdir, 1);
	setenv("EXECMON_MAP_PATH", SRCDIR_MAPS, 1);
	unsetenv("EXECMON_REDIS_URL");
	unsetenv("EXECMON_REDIS_PASSWORD");
	test_specs();
	test_kinds();
	test_options();
	test_commands();
	{
		char path[160];

		snprintf(path, sizeof path, "%s/execmon/config", cfgdir);
		unlink(path);
		snprintf(path, sizeof path, "%s/execmon", cfgdir);
		rmdir(path);
		rmdir(cfgdir);
	}
	return tap_done();
}
