/* execmon - colour themes: a small file format, 8/256/direct colour, NO_COLOR. */
#ifndef EXECMON_THEME_H
#define EXECMON_THEME_H

#include <stddef.h>

enum theme_role {
	TH_NORMAL = 0,
	TH_HEADER,      /* the top line */
	TH_TITLE,       /* pane titles */
	TH_FOCUS,       /* the focused pane's title */
	TH_DIM,         /* secondary text */
	TH_OK,          /* completed, live */
	TH_WARN,        /* amber: stale, retrying, medium */
	TH_ERR,         /* red: failed, high, gone */
	TH_ACCENT,      /* numbers that matter */
	TH_BAR,         /* progress and distribution bars */
	TH_SPARK,       /* sparklines */
	TH_SELECT,      /* the selected row */
	TH_BADGE,       /* PAUSED */
	TH__COUNT
};

/* A colour: -1 = terminal default, 0..255 = palette index, or 0x1RRGGBB = rgb. */
#define THEME_RGB(r, g, b) (0x1000000 | ((r) << 16) | ((g) << 8) | (b))

struct theme_style {
	int fg, bg;
	int attrs;      /* THEME_BOLD | THEME_UNDERLINE | THEME_REVERSE | THEME_DIM */
};
#define THEME_BOLD 1
#define THEME_UNDERLINE 2
#define THEME_REVERSE 4
#define THEME_DIMATTR 8

struct theme {
	char name[64];
	struct theme_style s[TH__COUNT];
};

/* The built-in default (dark). */
void theme_default(struct theme *);
/*
 * Parse theme text: lines "role = fg [on bg] [bold] [underline] [reverse] [dim]"
 * with colours as names (black red green yellow blue magenta cyan white,
 * bright-*, default), 0-255, or #rrggbb. Returns 0, or -1 with "line N: why".
 */
int theme_parse(struct theme *, const char *text, size_t len, char *err, size_t errlen);
/*
 * Load a theme by name (from $XDG_CONFIG_HOME/execmon/themes, then the
 * installed themes directory, then ./themes) or by path (contains '/').
 */
int theme_load(struct theme *, const char *name_or_path, char *err, size_t errlen);

#endif
