/* execmon - unit tests for the list widget (ui-list.c): identity, clamp, paging, "+N more". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ui-list.h"

/* Rows are names in an array. */
struct names {
	const char *v[64];
	int n;
};

static const char *
name_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct names *s = ctx;

	(void)buf;
	(void)size;
	return s->v[i];
}

static struct ui_rows
rows(const struct names *s)
{
	return (struct ui_rows){ s->n, name_key, s };
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_str_rev(const void *a, const void *b)
{
	return -cmp_str(a, b);
}

/* Rows named r00..r(n-1). */
static void
fill(struct names *s, int n)
{
	static char buf[64][8];

	for (int i = 0; i < n; i++) {
		snprintf(buf[i], sizeof buf[i], "r%02d", i);
		s->v[i] = buf[i];
	}
	s->n = n;
}

static void
test_identity(void)
{
	struct ui_list l;
	struct names s;
	struct ui_rows r;

	ui_list_init(&l);
	fill(&s, 10);
	r = rows(&s);
	ui_list_move(&l, &r, 3);
	is_int(l.sel, 3, "moved down three rows");
	is_str(l.key, "r03", "the row reached is remembered by its key");

	/* a row inserted above: the selection follows its row */
	memmove(s.v + 1, s.v, 10 * sizeof s.v[0]);
	s.v[0] = "new";
	s.n = 11;
	r = rows(&s);
	ui_list_sync(&l, &r);
	is_int(l.sel, 4, "a row inserted above: the selection moves down with its row");
	is_str(s.v[l.sel], "r03", "and stays on r03");

	/* sorted again, reversed */
	qsort(s.v, (size_t)s.n, sizeof s.v[0], cmp_str_rev);
	r = rows(&s);
	ui_list_show(&l, &r, 5, 1);
	is_str(s.v[l.sel], "r03", "re-sorted: the selection stays on r03");
	ok(l.sel >= l.top && l.sel < l.top + l.shown, "re-sorted: the selected row is shown");

	/* rows above removed */
	qsort(s.v, (size_t)s.n, sizeof s.v[0], cmp_str);
	memmove(s.v, s.v + 2, (size_t)(s.n - 2) * sizeof s.v[0]);
	s.n -= 2;
	r = rows(&s);
	ui_list_sync(&l, &r);
	is_str(s.v[l.sel], "r03", "rows above removed: still on r03");

	/* the selected row itself removed: the place is kept, its new row taken */
	{
		int at = l.sel;

		memmove(s.v + at, s.v + at + 1, (size_t)(s.n - at - 1) * sizeof s.v[0]);
		s.n--;
		r = rows(&s);
		ui_list_sync(&l, &r);
		is_int(l.sel, at, "the selected row gone: the selection keeps its place");
		is_str(l.key, s.v[at], "and takes the row now there");
	}
	ui_list_done(&l);
}

static void
test_clamp_and_paging(void)
{
	struct ui_list l;
	struct names s;
	struct ui_rows r;
	int shown;

	ui_list_init(&l);
	fill(&s, 30);
	r = rows(&s);
	shown = ui_list_show(&l, &r, 10, 1);
	is_int(shown, 9, "30 rows in 10: 9 rows and a '+N more' line");
	is_int(ui_list_more(&l), 21, "+21 more");
	ui_list_move(&l, &r, UI_LIST_PAGE_DOWN);
	is_int(l.sel, 9, "PgDn moves a page (the rows shown less one)");
	shown = ui_list_show(&l, &r, 10, 1);
	ok(l.sel >= l.top && l.sel < l.top + shown, "the selection is shown after PgDn");
	is_int(ui_list_more(&l), 30 - l.top - shown, "+N more counts the rows below");
	ui_list_move(&l, &r, UI_LIST_END);
	shown = ui_list_show(&l, &r, 10, 1);
	is_int(l.sel, 29, "End: the last row");
	is_int(l.top, 20, "End: the last rows fill the screen, no empty row below");
	is_int(shown, 10, "at the end nothing is hidden: no '+N more' line");
	is_int(ui_list_more(&l), 0, "+0 more at the end");
	ui_list_move(&l, &r, UI_LIST_PAGE_UP);
	is_int(l.sel, 20, "PgUp moves a page back");
	ui_list_move(&l, &r, UI_LIST_HOME);
	ui_list_show(&l, &r, 10, 1);
	is_int(l.sel, 0, "Home: the first row");
	is_int(l.top, 0, "Home: the list from its top");
	ui_list_move(&l, &r, -5);
	is_int(l.sel, 0, "no row above the first");
	ui_list_move(&l, &r, 500);
	is_int(l.sel, 29, "no row past the last");

	/* the list shrinks under the selection */
	s.n = 4;
	r = rows(&s);
	shown = ui_list_show(&l, &r, 10, 1);
	is_int(l.sel, 3, "shrunk: the selection clamped to the last row");
	is_int(l.top, 0, "shrunk: the list from its top");
	is_int(shown, 4, "shrunk: every row shown");
	is_int(ui_list_more(&l), 0, "shrunk: nothing more");

	/* empty */
	s.n = 0;
	r = rows(&s);
	shown = ui_list_show(&l, &r, 10, 1);
	is_int(shown, 0, "empty: nothing shown");
	is_int(ui_list_selected(&l), -1, "empty: nothing selected");
	ui_list_done(&l);
}

static void
test_follow_and_scroll_only(void)
{
	struct ui_list l;
	struct ui_rows r = { 5, NULL, NULL };

	ui_list_init(&l);
	ui_list_move(&l, &r, UI_LIST_END);
	r.n = 8;
	ui_list_sync(&l, &r);
	is_int(l.sel, 7, "End follows: new rows keep the selection on the last");
	ui_list_move(&l, &r, -1);
	r.n = 12;
	ui_list_sync(&l, &r);
	is_int(l.sel, 6, "moved off the end: following stops");
	ui_list_done(&l);

	ui_list_init(&l);
	l.scroll_only = 1;
	r.n = 40;
	ui_list_show(&l, &r, 10, 0);
	ui_list_move(&l, &r, 3);
	is_int(l.top, 3, "scroll only: the keys move the top");
	ui_list_move(&l, &r, UI_LIST_END);
	is_int(l.top, 30, "scroll only: End shows the last page");
	ui_list_move(&l, &r, 100);
	is_int(l.top, 30, "scroll only: not past the last page");
	r.n = 15;
	ui_list_show(&l, &r, 10, 0);
	is_int(l.top, 5, "scroll only: fewer lines pull the top back");
	ui_list_done(&l);
}

/* A table read from its top: untouched, it shows its leaders; moved, identity. */
static void
test_lead(void)
{
	struct ui_list l;
	struct names s;
	struct ui_rows r;

	ui_list_init(&l);
	l.lead = 1;
	fill(&s, 5);
	r = rows(&s);
	ui_list_show(&l, &r, 2, 0);
	is_str(s.v[l.sel], "r00", "untouched: the first row is selected");

	/* the rows re-sort: r00 goes last */
	qsort(s.v, (size_t)s.n, sizeof s.v[0], cmp_str_rev);
	r = rows(&s);
	ui_list_show(&l, &r, 2, 0);
	is_int(l.sel, 0, "untouched and re-sorted: still the first row, by place");
	is_int(l.top, 0, "the top rows are shown");
	is_int(ui_list_more(&l), 3, "three hidden below");

	/* a key moves in it: from then on, by identity */
	ui_list_move(&l, &r, 1);
	is_str(s.v[l.sel], "r03", "moved to the second row");
	qsort(s.v, (size_t)s.n, sizeof s.v[0], cmp_str);
	r = rows(&s);
	ui_list_show(&l, &r, 2, 0);
	is_str(s.v[l.sel], "r03", "moved, then re-sorted: the selection stays on its row");

	/* a reset (a new sort or filter) leads again */
	ui_list_reset(&l);
	qsort(s.v, (size_t)s.n, sizeof s.v[0], cmp_str_rev);
	r = rows(&s);
	ui_list_show(&l, &r, 2, 0);
	is_int(l.sel, 0, "after a reset: the first row again");
	ui_list_done(&l);
}

int
main(void)
{
	test_identity();
	test_lead();
	test_clamp_and_paging();
	test_follow_and_scroll_only();
	return tap_done();
}
