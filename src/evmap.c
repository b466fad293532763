/* execmon - event maps: reading map files and finding presets. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "evmap-int.h"
#include "map.h"
#include "xmalloc.h"

#ifndef MAPDIR
#define MAPDIR "/usr/local/share/execmon/maps"
#endif

/* What the parse of one file carries from line to line. */
struct pctx {
	struct evmap *m;
	const char *file;      /* sanitized, for messages */
	char *err;
	size_t errlen;
	int type_line;         /* line of the "type" setting, 0 = none */
	int time_line;
	int other_line;
	int desc_line;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
perr(struct pctx *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Say what is wrong with line of the file; returns -1 for the parser to stop. */
static int
perr(struct pctx *p, int line, const char *fmt, ...)
{
	char msg[400], safe[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Names and values from the file are in it: nothing may act on a terminal. */
	event_sanitize(msg, safe, sizeof safe, 0);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->file, line, safe);
	return -1;
}

static void
term_done(struct evmap_term *t)
{
	free(t->text);
	for (int i = 0; i < t->nsegs; i++)
		free(t->segs[i]);
	memset(t, 0, sizeof *t);
}

static void
expr_done(struct evmap_expr *e)
{
	for (int i = 0; i < e->nalts; i++)
		for (int j = 0; j < e->alts[i].nterms; j++)
			term_done(&e->alts[i].terms[j]);
	free(e->alts);
	free(e->src);
	memset(e, 0, sizeof *e);
}

/* Split path text into its dotted parts. */
static int
path_parse(struct evmap_term *t, const char *s, size_t len, char *why,
    size_t whylen)
{
	const char *p = s, *end = s + len, *dot;

	t->kind = TERM_PATH;
	t->text = xstrndup(s, len);
	while (p <= end) {
		dot = memchr(p, '.', (size_t)(end - p));
		if (dot == NULL)
			dot = end;
		if (dot == p) {
			snprintf(why, whylen, "an empty part in the path '%s'",
			    t->text);
			return -1;
		}
		if (t->nsegs == EVMAP_SEGS_MAX) {
			snprintf(why, whylen, "the path '%s' has more than %d parts",
			    t->text, EVMAP_SEGS_MAX);
			return -1;
		}
		t->segs[t->nsegs++] = xstrndup(p, (size_t)(dot - p));
		p = dot + 1;
	}
	return 0;
}

/* Read one term at *sp: a "constant", a number or a path. */
static int
term_parse(struct evmap_term *t, const char **sp, char *why, size_t whylen)
{
	const char *s = *sp, *start;
	char *buf, *end;
	size_t n = 0;

	memset(t, 0, sizeof *t);
	if (*s == '"') {
		buf = xmalloc(strlen(s));
		for (s++; *s != '"'; s++) {
			if (*s == '\0') {
				free(buf);
				snprintf(why, whylen, "a string without its closing '\"'");
				return -1;
			}
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			buf[n++] = *s;
		}
		buf[n] = '\0';
		t->kind = TERM_CONST;
		t->text = buf;
		*sp = s + 1;
		return 0;
	}
	if (*s == '?') {
		start = ++s;
		while (*s != '\0' && !is_blank(*s) && *s != '|' && *s != '+' &&
		    *s != '"')
			s++;
		*sp = s;
		if (s == start) {
			snprintf(why, whylen, "a field or path expected after '?'");
			return -1;
		}
		if (path_parse(t, start, (size_t)(s - start), why, whylen) != 0)
			return -1;
		t->kind = TERM_GUARD;
		return 0;
	}
	start = s;
	while (*s != '\0' && !is_blank(*s) && *s != '|' && *s != '+' && *s != '"')
		s++;
	if (s == start) {
		snprintf(why, whylen, "a field, a path or a \"constant\" expected");
		return -1;
	}
	*sp = s;
	if (isdigit((unsigned char)*start) || *start == '-') {
		buf = xstrndup(start, (size_t)(s - start));
		(void)strtod(buf, &end);
		if (*end != '\0') {
			snprintf(why, whylen, "'%s' is not a number", buf);
			free(buf);
			return -1;
		}
		t->kind = TERM_CONST;
		t->text = buf;
		return 0;
	}
	return path_parse(t, start, (size_t)(s - start), why, whylen);
}

/* Parse "a + b | c | "x"" into e. */
static int
expr_parse(struct evmap_expr *e, const char *s, char *why, size_t whylen)
{
	struct evmap_alt *alt;

	e->src = xstrdup(s);
	e->alts = xcalloc(EVMAP_ALTS_MAX, sizeof *e->alts);
	e->nalts = 1;
	alt = &e->alts[0];
	for (;;) {
		while (is_blank(*s))
			s++;
		if (alt->nterms == EVMAP_TERMS_MAX) {
			snprintf(why, whylen, "more than %d terms joined with '+'",
			    EVMAP_TERMS_MAX);
			return -1;
		}
		if (term_parse(&alt->terms[alt->nterms], &s, why, whylen) != 0) {
			alt->nterms++;
			return -1;
		}
		alt->nterms++;
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			return 0;
		if (*s == '+') {
			s++;
			continue;
		}
		if (*s != '|') {
			snprintf(why, whylen, "'+' or '|' expected before '%.20s'", s);
			return -1;
		}
		s++;
		if (e->nalts == EVMAP_ALTS_MAX) {
			snprintf(why, whylen, "more than %d alternatives joined with '|'",
			    EVMAP_ALTS_MAX);
			return -1;
		}
		alt = &e->alts[e->nalts++];
	}
}

static const char *const unit_names[] = {
	[UNIT_S] = "s", [UNIT_MS] = "ms", [UNIT_US] = "us", [UNIT_NS] = "ns",
	[UNIT_RFC3339] = "rfc3339",
};

/* Parse "path unit | path unit". */
static int
time_parse(struct evmap_time *t, const char *s, char *why, size_t whylen)
{
	const char *w;
	size_t n;
	int u;

	for (;;) {
		while (is_blank(*s))
			s++;
		w = s;
		while (*s != '\0' && !is_blank(*s) && *s != '|')
			s++;
		if (s == w) {
			snprintf(why, whylen, "a field or path expected, then its unit");
			return -1;
		}
		if (t->nalts == EVMAP_ALTS_MAX) {
			snprintf(why, whylen, "more than %d alternatives", EVMAP_ALTS_MAX);
			return -1;
		}
		if (path_parse(&t->path[t->nalts], w, (size_t)(s - w), why, whylen) != 0) {
			t->nalts++;
			return -1;
		}
		t->nalts++;
		while (is_blank(*s))
			s++;
		w = s;
		while (*s != '\0' && !is_blank(*s) && *s != '|')
			s++;
		n = (size_t)(s - w);
		for (u = 0; u < (int)(sizeof unit_names / sizeof unit_names[0]); u++)
			if (strlen(unit_names[u]) == n && memcmp(unit_names[u], w, n) == 0)
				break;
		if (n == 0) {
			snprintf(why, whylen, "'%s' has no unit (s, ms, us, ns or rfc3339)",
			    t->path[t->nalts - 1].text);
			return -1;
		}
		if (u == (int)(sizeof unit_names / sizeof unit_names[0])) {
			snprintf(why, whylen, "unknown time unit '%.*s' (s, ms, us, ns or"
			    " rfc3339)", (int)(n > 20 ? 20 : n), w);
			return -1;
		}
		t->unit[t->nalts - 1] = (enum evmap_unit)u;
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			return 0;
		if (*s != '|') {
			snprintf(why, whylen, "'|' expected before '%.20s'", s);
			return -1;
		}
		s++;
	}
}

/* The scope named name (created on first use), or -1 when there are too many. */
static int
scope_get(struct evmap *m, const char *name, size_t len, int line)
{
	for (int i = 1; i < m->nscopes; i++)
		if (strlen(m->scopes[i].name) == len &&
		    memcmp(m->scopes[i].name, name, len) == 0)
			return i;
	if (m->nscopes == EVMAP_SCOPES_MAX)
		return -1;
	m->scopes[m->nscopes].name = xstrndup(name, len);
	m->scopes[m->nscopes].line = line;
	return m->nscopes++;
}

static int
field_id(const char *name)
{
	for (int f = FD_TYPE; f < FD__COUNT; f++)
		if (strcmp(event_fields[f].name, name) == 0)
			return f;
	return FD_NONE;
}

/* "type.NAME = TYPE [@scope]" */
static int
type_setting(struct pctx *p, const char *from, const char *v, int line)
{
	struct evmap *m = p->m;
	char word[64], why[200];
	const char *s = v, *w;
	struct evmap_type *t;
	int to = -3, sc = 0;
	size_t n;

	while (*s != '\0' && !is_blank(*s))
		s++;
	n = (size_t)(s - v);
	if (n == 0)
		return perr(p, line, "type.%s: an execmon type or log-only expected", from);
	snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), v);
	if (strcmp(word, "log-only") == 0)
		to = TYPE_LOG_ONLY;
	else if (strcmp(word, "as-sent") == 0 && strcmp(from, "*") == 0)
		to = TYPE_AS_SENT;
	else if (strcmp(word, "other") != 0 &&
	    event_type_from_name(word) != EV_OTHER)
		to = (int)event_type_from_name(word);
	if (to == -3) {
		event_sanitize(word, why, sizeof why, 0);
		return perr(p, line, "type.%s: unknown execmon type '%s' (run.started,"
		    " llm.call, ... or log-only)", from, why);
	}
	while (is_blank(*s))
		s++;
	if (*s == '@') {
		w = ++s;
		while (*s != '\0' && !is_blank(*s))
			s++;
		if (s == w)
			return perr(p, line, "type.%s: a scope name expected after '@'", from);
		if ((sc = scope_get(m, w, (size_t)(s - w), line)) < 0)
			return perr(p, line, "more than %d scopes", EVMAP_SCOPES_MAX - 1);
		m->scopes[sc].used = 1;
		while (is_blank(*s))
			s++;
	}
	if (*s != '\0') {
		event_sanitize(s, why, 40, 0);
		return perr(p, line, "type.%s: unexpected '%s'", from, why);
	}
	if (strcmp(from, "*") == 0) {
		if (p->other_line != 0)
			return perr(p, line, "type.* set twice (first on line %d)",
			    p->other_line);
		if (to >= 0 || sc != 0)
			return perr(p, line, "type.* is log-only or as-sent");
		p->other_line = line;
		m->other_to = to;
		return 0;
	}
	if (map_get(m->type_index, from) != NULL)
		return perr(p, line, "type.%s set twice", from);
	if (m->ntypes == EVMAP_TYPES_MAX)
		return perr(p, line, "more than %d types", EVMAP_TYPES_MAX);
	if (m->ntypes % 64 == 0)
		m->types = xreallocarray(m->types, (size_t)m->ntypes + 64, sizeof *m->types);
	t = &m->types[m->ntypes++];
	t->from = xstrdup(from);
	t->to = to;
	t->scope = sc;
	map_put(m->type_index, from, (void *)(intptr_t)m->ntypes);
	return 0;
}

/* "agent-from = T1 T2 ...": a list of producer type names. */
static int
agent_from_setting(struct pctx *p, struct evmap_scope *sc, const char *v,
    int line)
{
	const char *s = v, *w;

	if (sc->agent_from != NULL)
		return perr(p, line, "agent-from set twice");
	sc->agent_from = xcalloc(1, sizeof *sc->agent_from);
	for (;;) {
		while (is_blank(*s) || *s == ',')
			s++;
		if (*s == '\0')
			break;
		w = s;
		while (*s != '\0' && !is_blank(*s) && *s != ',')
			s++;
		if (sc->nagent_from == EVMAP_TYPES_MAX)
			return perr(p, line, "agent-from: more than %d types", EVMAP_TYPES_MAX);
		sc->agent_from = xreallocarray(sc->agent_from, (size_t)sc->nagent_from + 1,
		    sizeof *sc->agent_from);
		sc->agent_from[sc->nagent_from++] = xstrndup(w, (size_t)(s - w));
	}
	if (sc->nagent_from == 0)
		return perr(p, line, "agent-from: a list of the producer's type names"
		    " expected");
	return 0;
}

/* One line of a map file. */
static int
setting(void *arg, const char *name, const char *v, int line)
{
	struct pctx *p = arg;
	struct evmap *m = p->m;
	struct evmap_scope *sc = &m->scopes[0];
	char why[300];
	const char *dot;
	int f, i;

	for (const char *c = v; *c != '\0'; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			return perr(p, line, "%s: a control byte in the value", name);
	if (strncmp(name, "type.", 5) == 0 && name[5] != '\0')
		return type_setting(p, name + 5, v, line);
	if (strcmp(name, "description") == 0) {
		if (p->desc_line != 0)
			return perr(p, line, "description set twice");
		p->desc_line = line;
		free(m->description);
		m->description = xstrdup(v);
		return 0;
	}
	if (strcmp(name, "time") == 0) {
		if (p->time_line != 0)
			return perr(p, line, "time set twice (first on line %d)",
			    p->time_line);
		p->time_line = line;
		if (strcmp(v, "-") == 0)
			return 0;
		if (time_parse(&m->time, v, why, sizeof why) != 0)
			return perr(p, line, "time: %s", why);
		return 0;
	}
	if (strcmp(name, "type") == 0) {
		if (p->type_line != 0)
			return perr(p, line, "type set twice (first on line %d)",
			    p->type_line);
		p->type_line = line;
		expr_done(&m->type_field);
		if (*v == '\0')
			return perr(p, line, "type: a field or path expected");
		if (expr_parse(&m->type_field, v, why, sizeof why) != 0)
			return perr(p, line, "type: %s", why);
		return 0;
	}
	if (name[0] == '@') {
		if ((dot = strchr(name, '.')) == NULL || dot == name + 1 || dot[1] == '\0')
			return perr(p, line, "'%s': @SCOPE.FIELD expected", name);
		if ((i = scope_get(m, name + 1, (size_t)(dot - name - 1), line)) < 0)
			return perr(p, line, "more than %d scopes", EVMAP_SCOPES_MAX - 1);
		sc = &m->scopes[i];
		name = dot + 1;
	}
	if (strcmp(name, "agent-from") == 0)
		return agent_from_setting(p, sc, v, line);
	f = field_id(name);
	if (f == FD_NONE || f == FD_TYPE || f == FD_TS)
		return perr(p, line, "unknown setting '%s' (an execmon field such as"
		    " run_id, or type, time, type.NAME, agent-from, description)", name);
	if (sc->fields[f].alts != NULL)
		return perr(p, line, "%s set twice", name);
	if (*v == '\0')
		return perr(p, line, "%s: a field, a path or a \"constant\" expected", name);
	if (expr_parse(&sc->fields[f], v, why, sizeof why) != 0)
		return perr(p, line, "%s: %s", name, why);
	return 0;
}

void
evmap_free(struct evmap *m)
{
	if (m == NULL)
		return;
	free(m->name);
	free(m->description);
	expr_done(&m->type_field);
	for (int i = 0; i < m->time.nalts; i++)
		term_done(&m->time.path[i]);
	for (int i = 0; i < m->ntypes; i++)
		free(m->types[i].from);
	free(m->types);
	map_free(m->type_index);
	for (int i = 0; i < m->nscopes; i++) {
		struct evmap_scope *sc = &m->scopes[i];

		free(sc->name);
		for (int f = 0; f < FD__COUNT; f++)
			expr_done(&sc->fields[f]);
		for (int j = 0; j < sc->nagent_from; j++)
			free(sc->agent_from[j]);
		free(sc->agent_from);
	}
	free(m);
}

struct evmap *
evmap_parse(const char *text, size_t len, const char *name, const char *file,
    char *err, size_t errlen)
{
	struct evmap *m = xcalloc(1, sizeof *m);
	struct pctx p;
	char safe[256], why[256];
	int rc;

	event_sanitize(file, safe, sizeof safe, 0);
	memset(&p, 0, sizeof p);
	p.m = m;
	p.file = safe;
	p.err = err;
	p.errlen = errlen;
	m->name = xstrdup(name);
	m->type_index = map_create();
	m->other_to = TYPE_LOG_ONLY;
	m->nscopes = 1;
	err[0] = '\0';
	why[0] = '\0';
	rc = conffile_parse(text, len, setting, &p, why, sizeof why);
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s:%s", safe, why);
		evmap_free(m);
		return NULL;
	}
	for (int i = 1; i < m->nscopes; i++) {
		if (!m->scopes[i].used) {
			perr(&p, m->scopes[i].line, "scope @%s is given to no type"
			    " (type.NAME = TYPE @%s)", m->scopes[i].name, m->scopes[i].name);
			evmap_free(m);
			return NULL;
		}
	}
	if (m->type_field.alts == NULL)
		expr_parse(&m->type_field, "type", why, sizeof why);
	if (m->description == NULL)
		m->description = xstrdup("");
	return m;
}

const char *
evmap_name(const struct evmap *m)
{
	return m != NULL ? m->name : "native";
}

const char *
evmap_description(const struct evmap *m)
{
	return m != NULL ? m->description : "";
}

int
evmap_dirs(const char **dirs, int max)
{
	static char user[1024], exe[1024];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *env = getenv("EXECMON_MAP_PATH");
	ssize_t n;
	char *slash;
	int nd = 0;

	if (max < 5)
		return 0;
	if (env != NULL && *env != '\0')
		dirs[nd++] = env;
	if (xdg != NULL && *xdg != '\0') {
		snprintf(user, sizeof user, "%s/execmon/maps", xdg);
		dirs[nd++] = user;
	} else if (home != NULL && *home != '\0') {
		snprintf(user, sizeof user, "%s/.config/execmon/maps", home);
		dirs[nd++] = user;
	}
	dirs[nd++] = MAPDIR;
	/* An uninstalled build: the maps beside the program. */
	n = readlink("/proc/self/exe", exe, sizeof exe - 8);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			strcpy(slash, "/maps");
			dirs[nd++] = exe;
		}
	}
	dirs[nd++] = "maps";
	return nd;
}

/* Read and parse one map file; *missing says it was not there. */
static struct evmap *
load_path(const char *path, const char *name, int *missing, char *err,
    size_t errlen)
{
	struct evmap *m;
	char *text, why[256], safe[256];
	size_t len;
	int private;

	*missing = 0;
	if (conffile_read(path, &text, &len, &private, why, sizeof why) != 0) {
		*missing = errno == ENOENT || errno == ENOTDIR;
		event_sanitize(path, safe, sizeof safe, 0);
		snprintf(err, errlen, "map %s: %s", safe,
		    errno == EFBIG ? "larger than 256 KiB" : why);
		return NULL;
	}
	m = evmap_parse(text, len, name, path, err, errlen);
	free(text);
	return m;
}

struct evmap *
evmap_load(const char *spec, char *err, size_t errlen)
{
	const char *dirs[8];
	char path[1200];
	struct evmap *m;
	size_t n = strlen(spec);
	int nd, missing;

	err[0] = '\0';
	if (strcmp(spec, "native") == 0)
		return NULL;
	if (strchr(spec, '/') != NULL || (n > 4 && strcmp(spec + n - 4, ".map") == 0))
		return load_path(spec, spec, &missing, err, errlen);
	for (const char *p = spec; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(err, errlen, "--map: bad map name (a preset's name, or a"
			    " file: a path with '/' or ending in .map)");
			return NULL;
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "--map: empty map name");
		return NULL;
	}
	nd = evmap_dirs(dirs, 8);
	for (int i = 0; i < nd; i++) {
		snprintf(path, sizeof path, "%s/%s.map", dirs[i], spec);
		if ((m = load_path(path, spec, &missing, err, errlen)) != NULL)
			return m;
		if (!missing)
			return NULL;
	}
	snprintf(err, errlen, "--map: no map '%s' (looked in %s and %s; try"
	    " --map list)", spec, nd > 0 ? dirs[0] : "", MAPDIR);
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
evmap_list(FILE *f)
{
	const char *dirs[8];
	char *names[512], path[1200], err[512], safe[200];
	int nd = evmap_dirs(dirs, 8), nn = 0;
	struct map *seen = map_create();

	fprintf(f, "native    execmon's own format (doc/events.md)\n");
	for (int i = 0; i < nd; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;
		int first = nn;

		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL && nn < 512) {
			size_t n = strlen(de->d_name);

			if (n <= 4 || strcmp(de->d_name + n - 4, ".map") != 0)
				continue;
			names[nn] = xstrndup(de->d_name, n - 4);
			if (map_get(seen, names[nn]) != NULL) {
				free(names[nn]);
				continue;
			}
			map_put(seen, names[nn], names[nn]);
			nn++;
		}
		closedir(d);
		qsort(names + first, (size_t)(nn - first), sizeof *names, cmp_str);
		for (int j = first; j < nn; j++) {
			struct evmap *m;
			int missing;

			snprintf(path, sizeof path, "%s/%s.map", dirs[i], names[j]);
			m = load_path(path, names[j], &missing, err, sizeof err);
			event_sanitize(names[j], safe, sizeof safe, 0);
			fprintf(f, "%-9s ", safe);
			if (m == NULL) {
				event_sanitize(err, safe, sizeof safe, 0);
				fprintf(f, "(broken: %s)\n", safe);
				continue;
			}
			event_sanitize(m->description, safe, sizeof safe, 0);
			fprintf(f, "%s\n", safe);
			event_sanitize(path, safe, sizeof safe, 0);
			fprintf(f, "          %s\n", safe);
			evmap_free(m);
		}
	}
	for (int j = 0; j < nn; j++)
		free(names[j]);
	map_free(seen);
}
