/* execmon - the dashboard's drawing helpers: colours, clipped text, bars, sparklines. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "event.h"
#include "textwidth.h"
#include "ui.h"
#include "xmalloc.h"

/* The rgb of an xterm-256 palette index. */
static void
xterm_rgb(int i, int *r, int *g, int *b)
{
	static const int base[16][3] = {
		{0,0,0},{205,0,0},{0,205,0},{205,205,0},{0,0,238},{205,0,205},{0,205,205},{229,229,229},
		{127,127,127},{255,0,0},{0,255,0},{255,255,0},{92,92,255},{255,0,255},{0,255,255},{255,255,255}
	};

	if (i < 16) {
		*r = base[i][0], *g = base[i][1], *b = base[i][2];
	} else if (i < 232) {
		static const int lv[6] = { 0, 95, 135, 175, 215, 255 };

		i -= 16;
		*r = lv[i / 36], *g = lv[(i / 6) % 6], *b = lv[i % 6];
	} else {
		*r = *g = *b = 8 + (i - 232) * 10;
	}
}

/* The nearest of the first n palette colours to an rgb. */
static int
nearest(int r, int g, int b, int n)
{
	int best = 0;
	long bestd = -1;

	for (int i = 0; i < n; i++) {
		int pr, pg, pb;
		long d;

		xterm_rgb(i, &pr, &pg, &pb);
		d = (long)(pr - r) * (pr - r) + (long)(pg - g) * (pg - g) + (long)(pb - b) * (pb - b);
		if (bestd < 0 || d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* Map a theme colour onto what the terminal has. */
static int
map_color(int c)
{
	int r, g, b;

	if (c < 0)
		return -1;
	if (c & 0x1000000) {
		r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
		if (COLORS >= 0x1000000)
			return c & 0xffffff;
		if (COLORS >= 256) {
			int best = 16;
			long bestd = -1;

			for (int i = 16; i < 256; i++) {
				int pr, pg, pb;
				long d;

				xterm_rgb(i, &pr, &pg, &pb);
				d = (long)(pr - r) * (pr - r) + (long)(pg - g) * (pg - g) +
				    (long)(pb - b) * (pb - b);
				if (bestd < 0 || d < bestd) {
					bestd = d;
					best = i;
				}
			}
			return best;
		}
		return nearest(r, g, b, COLORS >= 16 ? 16 : 8);
	}
	if (c < COLORS)
		return c;
	xterm_rgb(c, &r, &g, &b);
	return nearest(r, g, b, COLORS >= 16 ? 16 : 8);
}

static int role_attr[TH__COUNT];

void
ui_colors_init(struct dash *d)
{
	for (int i = 0; i < TH__COUNT; i++) {
		const struct theme_style *s = &d->theme.s[i];
		int a = 0;

		if (s->attrs & THEME_BOLD)
			a |= A_BOLD;
		if (s->attrs & THEME_UNDERLINE)
			a |= A_UNDERLINE;
		if (s->attrs & THEME_REVERSE)
			a |= A_REVERSE;
		if (s->attrs & THEME_DIMATTR)
			a |= A_DIM;
		if (d->color && has_colors()) {
			init_extended_pair(i + 1, map_color(s->fg), map_color(s->bg));
			a |= (int)COLOR_PAIR(i + 1);
		} else if (i == TH_HEADER || i == TH_SELECT || i == TH_BADGE || i == TH_FOCUS) {
			a |= A_REVERSE; /* without colour, keep them apart by reverse video */
		}
		role_attr[i] = a;
	}
}

int
ui_attr(const struct dash *d, enum theme_role r)
{
	(void)d;
	return role_attr[r];
}

int
ui_width(const char *s)
{
	return tw_width(s, 0);
}

int
ui_text(const struct dash *d, int y, int x, int w, enum theme_role role, const char *s)
{
	char fit[4096];
	wchar_t wide[1024];
	const char *p = fit;
	mbstate_t st;
	size_t n;
	int used;

	if (w <= 0 || s == NULL)
		return 0;
	/* sanitized and clipped by cells, between characters (textwidth.c) */
	used = tw_fit(s, w, TW_NOPAD | TW_CLIP | (d->utf8 ? 0 : TW_ASCII), fit, sizeof fit);
	attrset(ui_attr(d, role));
	move(y, x);
	if (!d->utf8) {
		addstr(fit);
	} else {
		memset(&st, 0, sizeof st);
		while (*p != '\0') {
			n = mbsrtowcs(wide, &p, sizeof wide / sizeof wide[0], &st);
			if (n == (size_t)-1)
				break; /* cannot happen: tw_fit writes valid UTF-8 */
			addnwstr(wide, (int)n);
			if (p == NULL)
				break;
		}
	}
	attrset(A_NORMAL);
	return used;
}

int
ui_textf(const struct dash *d, int y, int x, int w, enum theme_role role, const char *fmt, ...)
{
	char buf[1024], *big = NULL;
	va_list ap;
	int n, used;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof buf) {
		/* never cut a character in two: format it whole */
		big = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	used = ui_text(d, y, x, w, role, big != NULL ? big : buf);
	free(big);
	return used;
}

void
ui_blank(int y, int x, int w)
{
	attrset(A_NORMAL);
	if (w > 0)
		mvhline(y, x, ' ', w);
}

void
ui_more(const struct dash *d, int y, int x, int w, int n)
{
	char buf[32];
	int len;

	if (n <= 0)
		return;
	len = snprintf(buf, sizeof buf, " +%d more ", n);
	if (len > w)
		len = w;
	ui_text(d, y, x + w - len, len, TH_DIM, buf);
}

struct rect
ui_box(const struct dash *d, struct rect b, const char *title)
{
	/*
	 * An overlay owns its rectangle: every cell is written (so nothing of
	 * the screen below shows through, a wide character cut by the edge
	 * included), then the border, then the title in the top border.
	 */
	const char *h = d->utf8 ? "─" : "-", *v = d->utf8 ? "│" : "|";
	const char *c[4] = { d->utf8 ? "┌" : "+", d->utf8 ? "┐" : "+",
		d->utf8 ? "└" : "+", d->utf8 ? "┘" : "+" };
	struct rect in = { b.y + 1, b.x + 2, b.h - 2, b.w - 4 };

	if (b.w < 6 || b.h < 3)
		return (struct rect){ b.y, b.x, 0, 0 };
	for (int y = b.y; y < b.y + b.h; y++)
		ui_blank(y, b.x, b.w);
	attrset(ui_attr(d, TH_DIM));
	for (int x = b.x + 1; x < b.x + b.w - 1; x++) {
		mvaddstr(b.y, x, h);
		mvaddstr(b.y + b.h - 1, x, h);
	}
	for (int y = b.y + 1; y < b.y + b.h - 1; y++) {
		mvaddstr(y, b.x, v);
		mvaddstr(y, b.x + b.w - 1, v);
	}
	mvaddstr(b.y, b.x, c[0]);
	mvaddstr(b.y, b.x + b.w - 1, c[1]);
	mvaddstr(b.y + b.h - 1, b.x, c[2]);
	mvaddstr(b.y + b.h - 1, b.x + b.w - 1, c[3]);
	if (title != NULL)
		ui_text(d, b.y, b.x + 2, b.w - 4, TH_FOCUS, title);
	attrset(A_NORMAL);
	return in;
}

void
ui_bar(const struct dash *d, int y, int x, int w, double frac, enum theme_role role)
{
	static const wchar_t *const eighths = L" ▏▎▍▌▋▊▉";
	int full, rem, i;

	if (w <= 0)
		return;
	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	full = (int)(frac * w);
	rem = (int)((frac * w - full) * 8);
	attrset(ui_attr(d, role));
	move(y, x);
	for (i = 0; i < full; i++) {
		if (d->utf8)
			addnwstr(L"█", 1);
		else
			addch('#');
	}
	if (i < w && rem > 0 && (d->utf8 || rem >= 4)) {
		/* a partial cell only when something of it is filled */
		if (d->utf8)
			addnwstr(&eighths[rem], 1);
		else
			addch('=');
		i++;
	}
	attrset(ui_attr(d, TH_DIM));
	for (; i < w; i++) {
		if (d->utf8)
			addnwstr(L"·", 1);
		else
			addch('.');
	}
	attrset(A_NORMAL);
}

void
ui_spark(const struct dash *d, int y, int x, int w, const double *v, int n, enum theme_role role)
{
	ui_spark_scaled(d, y, x, w, v, n, 0, role);
}

void
ui_spark_scaled(const struct dash *d, int y, int x, int w, const double *v, int n,
    double max, enum theme_role role)
{
	static const wchar_t *const blocks = L"▁▂▃▄▅▆▇█";
	static const char *const ascii = "_.-:=+*#";
	int start = n > w ? n - w : 0;

	for (int i = start; max <= 0 && i < n; i++) {
		if (v[i] > max)
			max = v[i];
	}
	for (int i = start; i < n; i++) {
		if (v[i] > max) /* never taller than the scale */
			max = v[i];
	}
	attrset(ui_attr(d, role));
	move(y, x);
	for (int i = 0; i < w - (n - start); i++)
		addch(' ');
	for (int i = start; i < n; i++) {
		int k = max > 0 ? (int)(v[i] / max * 7.0 + 0.5) : 0;

		if (k < 0)
			k = 0;
		if (k > 7)
			k = 7;
		if (v[i] <= 0 && d->utf8)
			addch(' ');
		else if (d->utf8)
			addnwstr(&blocks[k], 1);
		else
			addch((chtype)(v[i] <= 0 ? ' ' : ascii[k]));
	}
	attrset(A_NORMAL);
}





const char *
status_glyph(const struct dash *d, enum run_status s)
{
	static const char *const u[RUN__COUNT] = { "?", "◷", "▶", "✔", "✖", "⊘" };
	static const char *const a[RUN__COUNT] = { "?", "q", ">", "+", "x", "-" };

	return d->utf8 ? u[s] : a[s];
}

enum theme_role
status_role(enum run_status s)
{
	switch (s) {
	case RUN_COMPLETED:
		return TH_OK;
	case RUN_FAILED:
		return TH_ERR;
	case RUN_CANCELLED:
	case RUN_QUEUED:
		return TH_WARN;
	case RUN_RUNNING:
		return TH_ACCENT;
	default:
		return TH_DIM;
	}
}

void
ui_chart(const struct dash *d, struct rect r, const double *v, int n, enum theme_role role)
{
	ui_chart_vs(d, r, v, NULL, n, role);
}

void
ui_chart_vs(const struct dash *d, struct rect r, const double *v,
    const double *pv, int n, enum theme_role role)
{
	static const wchar_t *const blocks = L" ▁▂▃▄▅▆▇█";
	static const char *const ascii = " ..::||##";
	int start = n > r.w ? n - r.w : 0, off = r.w - (n - start);
	double max = 0;

	for (int i = start; i < n; i++) {
		max = v[i] > max ? v[i] : max;
		if (pv != NULL)
			max = pv[i] > max ? pv[i] : max;
	}
	for (int i = start; i < n; i++) {
		int e = max > 0 ? (int)(v[i] / max * r.h * 8 + 0.5) : 0;
		int pe = pv != NULL && max > 0 ? (int)(pv[i] / max * r.h * 8 + 0.5) : 0;

		e = v[i] > 0 && e == 0 ? 1 : e;
		pe = pv != NULL && pv[i] > 0 && pe == 0 ? 1 : pe;
		for (int row = 0; row < r.h; row++) {
			int base = (r.h - 1 - row) * 8, fill = e - base, pfill = pe - base;

			fill = fill < 0 ? 0 : fill > 8 ? 8 : fill;
			pfill = pfill < 0 ? 0 : pfill > 8 ? 8 : pfill;
			if (fill == 0 && pfill > 0) {
				attrset(ui_attr(d, TH_DIM));
				fill = pfill;
			} else
				attrset(ui_attr(d, role));
			move(r.y + row, r.x + off + (i - start));
			if (d->utf8)
				addnwstr(&blocks[fill], 1);
			else
				addch((chtype)ascii[fill]);
		}
	}
	attrset(A_NORMAL);
}
