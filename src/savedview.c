/* execmon - saved views: a named filter, runs order, window and table columns. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert-rule.h"
#include "filter.h"
#include "savedview.h"

static const char *const columns[SV__TABLES][8] = {
	{ "runs", "ok%", "avg", "live", "cost", "$/run", NULL },
	{ "calls", "tokens", "cost", "avg", "err", NULL },
	{ "calls", "p95", "err", "t/out", NULL },
};
static const char *const tables[SV__TABLES] = { "agents", "models", "tools" };
static const char *const orders[] = { "newest", "longest", "agent", "status", NULL };

const char *
savedview_column(int table, int k)
{
	if (table < 0 || table >= SV__TABLES || k < 0 || k >= 8)
		return NULL;
	return columns[table][k];
}

static void
add(struct savedviews *s, const char *name, const char *filter, int sort, int recent,
    int agents_by)
{
	struct savedview *v = &s->v[s->n++];

	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", name);
	snprintf(v->filter, sizeof v->filter, "%s", filter);
	v->sort = sort;
	v->recent = recent;
	v->tsort[SV_AGENTS] = agents_by;
}

void
savedviews_init(struct savedviews *s)
{
	memset(s, 0, sizeof *s);
	/* agents-by counts as O does: 1 name, 2 + k column k (6 = cost) */
	add(s, "Errors", "status=failed", -1, 1, 0);
	add(s, "Slow", "", 1, 0, 4);
	add(s, "Expensive", "", -1, 0, 6);
	add(s, "Stuck", "status=running", 1, 0, 0);
}

/* Words of a line, split at blanks; quotes are not special. */
static int
split(char *line, char **w, int max)
{
	int n = 0;

	for (char *p = line; *p != '\0';) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (n == max)
			return -1;
		w[n++] = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

static int
column_index(int table, const char *name)
{
	for (int k = 0; columns[table][k] != NULL; k++) {
		if (strcmp(columns[table][k], name) == 0)
			return k;
	}
	return -1;
}

/* A printable copy of a word for a message. */
static const char *
shown(const char *w, char *buf, size_t size)
{
	size_t i;

	for (i = 0; w[i] != '\0' && i + 1 < size; i++)
		buf[i] = (unsigned char)w[i] >= 0x20 && (unsigned char)w[i] < 0x7f ? w[i] : '?';
	buf[i] = '\0';
	return buf;
}

int
savedviews_parse(struct savedviews *s, const char *line, char *err, size_t errlen)
{
	char buf[1024], *w[32], name[SAVEDVIEW_NAME], safe[64];
	const char *eq = strchr(line, '=');
	struct savedview v;
	int n, at;

	if (eq == NULL || eq == line) {
		snprintf(err, errlen, "expected 'view NAME = SETTINGS'");
		return -1;
	}
	snprintf(buf, sizeof buf, "%.*s", (int)(eq - line), line);
	if ((n = split(buf, w, 2)) != 1 || strlen(w[0]) >= sizeof name) {
		snprintf(err, errlen, "a view's name is one word of at most %d characters",
		    SAVEDVIEW_NAME - 1);
		return -1;
	}
	for (const char *p = w[0]; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(err, errlen, "view name '%s': letters, digits, - and _ only",
			    shown(w[0], safe, sizeof safe));
			return -1;
		}
	}
	snprintf(name, sizeof name, "%s", w[0]);
	memset(&v, 0, sizeof v);
	snprintf(v.name, sizeof v.name, "%s", name);
	v.sort = -1;
	if (strlen(eq + 1) >= sizeof buf) {
		snprintf(err, errlen, "view %s: too long", name);
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", eq + 1);
	if ((n = split(buf, w, 32)) < 0) {
		snprintf(err, errlen, "view %s: too many words", name);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *k = w[i], *val = i + 1 < n ? w[i + 1] : NULL;

		if (strcmp(k, "recent") == 0) {
			v.recent = 1;
			continue;
		}
		if (val == NULL) {
			snprintf(err, errlen, "view %s: '%s' needs a value", name,
			    shown(k, safe, sizeof safe));
			return -1;
		}
		i++;
		if (strcmp(k, "filter") == 0) {
			struct filter f;
			char why[200], safewhy[200];

			filter_init(&f);
			if (filter_parse(&f, val, why, sizeof why) != 0) {
				filter_done(&f);
				/* the parser quotes the input: printable only */
				snprintf(err, errlen, "view %s: filter: %s", name,
				    shown(why, safewhy, sizeof safewhy));
				return -1;
			}
			filter_done(&f);
			snprintf(v.filter, sizeof v.filter, "%s", val);
		} else if (strcmp(k, "sort") == 0) {
			for (at = 0; orders[at] != NULL && strcmp(orders[at], val) != 0; at++)
				;
			if (orders[at] == NULL) {
				snprintf(err, errlen, "view %s: sort '%s': newest, longest, agent or status",
				    name, shown(val, safe, sizeof safe));
				return -1;
			}
			v.sort = at;
		} else if (strcmp(k, "window") == 0) {
			int64_t ms = alert_parse_duration(val, strlen(val));

			if (ms <= 0 || ms > 3650LL * 86400000) {
				snprintf(err, errlen, "view %s: window '%s' is not a duration up to 3650d",
				    name, shown(val, safe, sizeof safe));
				return -1;
			}
			v.window_ms = ms;
		} else {
			int t;

			for (t = 0; t < SV__TABLES; t++) {
				char by[16];

				snprintf(by, sizeof by, "%s-by", tables[t]);
				if (strcmp(k, by) == 0)
					break;
			}
			if (t == SV__TABLES) {
				snprintf(err, errlen, "view %s: unknown setting '%s' (filter, sort,"
				    " window, recent, agents-by, models-by, tools-by)", name,
				    shown(k, safe, sizeof safe));
				return -1;
			}
			if (strcmp(val, "name") == 0)
				v.tsort[t] = 1;
			else if ((at = column_index(t, val)) >= 0)
				v.tsort[t] = 2 + at;
			else {
				snprintf(err, errlen, "view %s: %s has no column '%s'", name, tables[t],
				    shown(val, safe, sizeof safe));
				return -1;
			}
		}
	}
	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].name, name) == 0) {
			s->v[i] = v;
			return 0;
		}
	}
	if (s->n == SAVEDVIEW_MAX) {
		snprintf(err, errlen, "view %s: at most %d views", name, SAVEDVIEW_MAX);
		return -1;
	}
	s->v[s->n++] = v;
	return 0;
}

int
savedviews_columns(struct savedviews *s, const char *line, char *err, size_t errlen)
{
	char buf[512], *tok, *save = NULL, safe[64];
	const char *eq = strchr(line, '=');
	int t;
	unsigned mask = 0;

	if (eq == NULL || strlen(line) >= sizeof buf) {
		snprintf(err, errlen, "expected 'columns TABLE = COL,COL,...'");
		return -1;
	}
	snprintf(buf, sizeof buf, "%.*s", (int)(eq - line), line);
	for (t = 0; t < SV__TABLES; t++) {
		char *p = buf;

		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, tables[t], strlen(tables[t])) == 0) {
			p += strlen(tables[t]);
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '\0')
				break;
		}
	}
	if (t == SV__TABLES) {
		snprintf(err, errlen, "columns: the table is agents, models or tools");
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", eq + 1);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save)) {
		int k = column_index(t, tok);

		if (k < 0) {
			snprintf(err, errlen, "columns %s: no column '%s'", tables[t],
			    shown(tok, safe, sizeof safe));
			return -1;
		}
		mask |= 1u << k;
	}
	if (mask == 0) {
		snprintf(err, errlen, "columns %s: name at least one column", tables[t]);
		return -1;
	}
	s->columns[t] = mask;
	return 0;
}
