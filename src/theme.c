/* execmon - colour themes: a small file format, 8/256/direct colour, NO_COLOR. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "infile.h"
#include "theme.h"
#include "xmalloc.h"

#ifndef THEMEDIR
#define THEMEDIR "/usr/local/share/execmon/themes"
#endif

#define THEME_FILE_MAX (64 * 1024)

static const char *const role_names[TH__COUNT] = {
	[TH_NORMAL] = "normal", [TH_HEADER] = "header", [TH_TITLE] = "title",
	[TH_FOCUS] = "focus", [TH_DIM] = "dim", [TH_OK] = "ok", [TH_WARN] = "warn",
	[TH_ERR] = "error", [TH_ACCENT] = "accent", [TH_BAR] = "bar",
	[TH_SPARK] = "spark", [TH_SELECT] = "select", [TH_BADGE] = "badge",
};

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};


void
theme_default(struct theme *t)
{
	static const struct theme_style d[TH__COUNT] = {
		[TH_NORMAL] = { -1, -1, 0 },
		[TH_HEADER] = { 15, 24, THEME_BOLD },
		[TH_TITLE] = { 75, -1, THEME_BOLD },
		[TH_FOCUS] = { 16, 75, THEME_BOLD },
		[TH_DIM] = { 245, -1, 0 },
		[TH_OK] = { 78, -1, 0 },
		[TH_WARN] = { 214, -1, THEME_BOLD },
		[TH_ERR] = { 203, -1, THEME_BOLD },
		[TH_ACCENT] = { 229, -1, THEME_BOLD },
		[TH_BAR] = { 75, -1, 0 },
		[TH_SPARK] = { 114, -1, 0 },
		[TH_SELECT] = { 15, 238, THEME_BOLD },
		[TH_BADGE] = { 16, 214, THEME_BOLD },
	};

	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "default");
	memcpy(t->s, d, sizeof d);
}

/* One colour word: name, bright-name, default, 0-255 or #rrggbb. */
static int
parse_color(const char *w, int *out)
{
	char *end;
	long v;

	if (strcmp(w, "default") == 0 || strcmp(w, "none") == 0) {
		*out = -1;
		return 0;
	}
	if (w[0] == '#') {
		if (strlen(w) != 7)
			return -1;
		for (int i = 1; i < 7; i++) {
			if (!isxdigit((unsigned char)w[i]))
				return -1;
		}
		v = strtol(w + 1, NULL, 16);
		*out = 0x1000000 | (int)v;
		return 0;
	}
	if (isdigit((unsigned char)w[0])) {
		errno = 0;
		v = strtol(w, &end, 10);
		if (errno != 0 || *end != '\0' || v < 0 || v > 255)
			return -1;
		*out = (int)v;
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		if (strcmp(w, color_names[i]) == 0) {
			*out = i;
			return 0;
		}
		if (strncmp(w, "bright-", 7) == 0 && strcmp(w + 7, color_names[i]) == 0) {
			*out = i + 8;
			return 0;
		}
	}
	return -1;
}

/* Whether w starts a #rrggbb colour word. */
static int
is_rgb_word(const char *w)
{
	for (int i = 1; i < 7; i++) {
		if (!isxdigit((unsigned char)w[i]))
			return 0;
	}
	return w[7] == '\0' || isspace((unsigned char)w[7]);
}

/* Cut a '#' comment off: one that starts a word and is not a #rrggbb colour. */
static void
strip_comment(char *line)
{
	for (char *p = line; (p = strchr(p, '#')) != NULL; p++) {
		if (p != line && !isspace((unsigned char)p[-1]))
			continue;
		if (is_rgb_word(p))
			continue;
		*p = '\0';
		return;
	}
}

int
theme_parse(struct theme *t, const char *text, size_t len, char *err, size_t errlen)
{
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		char line[512], *p, *words[16];
		size_t n = 0, e = pos;
		int nw = 0, role = -1, i;
		struct theme_style st = { -1, -1, 0 };

		while (e < len && text[e] != '\n')
			e++;
		lineno++;
		if (e - pos >= sizeof line) {
			snprintf(err, errlen, "line %d: too long", lineno);
			return -1;
		}
		memcpy(line, text + pos, e - pos);
		line[e - pos] = '\0';
		pos = e + 1;
		strip_comment(line);
		for (p = line; *p != '\0';) {
			while (isspace((unsigned char)*p) || *p == '=')
				p++;
			if (*p == '\0')
				break;
			if (nw == 16) {
				snprintf(err, errlen, "line %d: too many words", lineno);
				return -1;
			}
			words[nw++] = p;
			while (*p != '\0' && !isspace((unsigned char)*p) && *p != '=')
				p++;
			if (*p != '\0')
				*p++ = '\0';
		}
		(void)n;
		if (nw == 0)
			continue;
		if (strcmp(words[0], "name") == 0) {
			if (nw < 2) {
				snprintf(err, errlen, "line %d: name needs a value", lineno);
				return -1;
			}
			snprintf(t->name, sizeof t->name, "%s", words[1]);
			continue;
		}
		for (i = 0; i < TH__COUNT; i++) {
			if (strcmp(words[0], role_names[i]) == 0)
				role = i;
		}
		if (role < 0) {
			char safe[32];

			snprintf(safe, sizeof safe, "%s", words[0]);
			for (char *q = safe; *q; q++) {
				if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
					*q = '?';
			}
			snprintf(err, errlen, "line %d: unknown role '%s'", lineno, safe);
			return -1;
		}
		if (nw < 2) {
			snprintf(err, errlen, "line %d: %s needs a colour", lineno, words[0]);
			return -1;
		}
		for (i = 1; i < nw; i++) {
			if (strcmp(words[i], "bold") == 0)
				st.attrs |= THEME_BOLD;
			else if (strcmp(words[i], "underline") == 0)
				st.attrs |= THEME_UNDERLINE;
			else if (strcmp(words[i], "reverse") == 0)
				st.attrs |= THEME_REVERSE;
			else if (strcmp(words[i], "dim") == 0)
				st.attrs |= THEME_DIMATTR;
			else if (strcmp(words[i], "on") == 0 && i + 1 < nw) {
				if (parse_color(words[++i], &st.bg) != 0) {
					snprintf(err, errlen, "line %d: bad background colour", lineno);
					return -1;
				}
			} else if (i == 1) {
				if (parse_color(words[i], &st.fg) != 0) {
					snprintf(err, errlen, "line %d: bad colour", lineno);
					return -1;
				}
			} else {
				snprintf(err, errlen, "line %d: unexpected word", lineno);
				return -1;
			}
		}
		t->s[role] = st;
	}
	return 0;
}

/*
 * Load a theme file by infile_read()'s rules (a regular file only, opened
 * without waiting, every read checked). err names the path; *missing is set
 * when there is no file there.
 */
static int
load_path(struct theme *t, const char *path, int *missing, char *err,
    size_t errlen)
{
	char *buf, why[200], safe[256];
	size_t n;
	int rc;

	*missing = 0;
	event_sanitize(path, safe, sizeof safe, 0);
	if (infile_read(path, THEME_FILE_MAX, &buf, &n, NULL, why, sizeof why) != 0) {
		*missing = errno == ENOENT || errno == ENOTDIR;
		snprintf(err, errlen, "%s: %s", safe, why);
		return -1;
	}
	theme_default(t);
	rc = theme_parse(t, buf, n, why, sizeof why);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", safe, why);
	free(buf);
	return rc;
}

int
theme_load(struct theme *t, const char *name, char *err, size_t errlen)
{
	char path[1024];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *dirs[5];
	int nd = 0, missing;
	char xdgdir[900], exedir[900];
	ssize_t n;

	if (strchr(name, '/') != NULL)
		return load_path(t, name, &missing, err, errlen);
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(err, errlen, "bad theme name");
			return -1;
		}
	}
	if (xdg != NULL && *xdg != '\0') {
		snprintf(xdgdir, sizeof xdgdir, "%s/execmon/themes", xdg);
		dirs[nd++] = xdgdir;
	} else if (home != NULL && *home != '\0') {
		snprintf(xdgdir, sizeof xdgdir, "%s/.config/execmon/themes", home);
		dirs[nd++] = xdgdir;
	}
	dirs[nd++] = THEMEDIR;
	/* next to a binary that is not installed (a build tree) */
	if ((n = readlink("/proc/self/exe", exedir, sizeof exedir - 8)) > 0) {
		char *slash;

		exedir[n] = '\0';
		if ((slash = strrchr(exedir, '/')) != NULL) {
			snprintf(slash, sizeof exedir - (size_t)(slash - exedir), "/themes");
			dirs[nd++] = exedir;
		}
	}
	dirs[nd++] = "themes";
	for (int i = 0; i < nd; i++) {
		snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
		if (load_path(t, path, &missing, err, errlen) == 0)
			return 0;
		if (!missing)
			return -1;
	}
	if (strcmp(name, "default") == 0) {
		theme_default(t);
		return 0;
	}
	snprintf(err, errlen, "no theme '%s' (looked in %s, %s and ./themes)", name,
	    nd > 2 ? dirs[0] : "~/.config/execmon/themes", THEMEDIR);
	return -1;
}
