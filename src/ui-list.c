/* execmon - the one list widget: selection kept by identity, scrolling, paging, "+N more". */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui-list.h"
#include "xmalloc.h"

void
ui_list_init(struct ui_list *l)
{
	memset(l, 0, sizeof *l);
}

void
ui_list_done(struct ui_list *l)
{
	free(l->key);
	l->key = NULL;
}

void
ui_list_reset(struct ui_list *l)
{
	l->sel = l->top = 0;
	l->follow = 0;
	l->moved = 0;
	free(l->key);
	l->key = NULL;
}

/* Row i's key, or NULL when rows have none. */
static const char *
key_at(const struct ui_rows *r, int i, char *buf, size_t size)
{
	if (r->key == NULL || i < 0 || i >= r->n)
		return NULL;
	buf[0] = '\0';
	return r->key(r->ctx, i, buf, size);
}

static void
remember(struct ui_list *l, const struct ui_rows *r)
{
	char buf[512];
	const char *k = key_at(r, l->sel, buf, sizeof buf);

	if (k != NULL && l->key != NULL && strcmp(k, l->key) == 0)
		return;
	free(l->key);
	l->key = k != NULL ? xstrdup(k) : NULL;
}

static void
clamp_sel(struct ui_list *l)
{
	if (l->sel >= l->n)
		l->sel = l->n - 1;
	if (l->sel < 0)
		l->sel = 0;
}

void
ui_list_sync(struct ui_list *l, const struct ui_rows *r)
{
	char buf[512];
	const char *k;

	l->n = r->n > 0 ? r->n : 0;
	if (l->scroll_only)
		return;
	if (l->follow)
		l->sel = l->n - 1;
	else if (l->lead && !l->moved)
		l->sel = 0;
	clamp_sel(l);
	if (l->n == 0)
		return;
	k = key_at(r, l->sel, buf, sizeof buf);
	if (l->key != NULL && k != NULL && strcmp(k, l->key) != 0 && !l->follow &&
	    !(l->lead && !l->moved)) {
		/* the rows moved under the selection: find its row again */
		for (int i = 0; i < l->n; i++) {
			const char *ki = key_at(r, i, buf, sizeof buf);

			if (ki != NULL && strcmp(ki, l->key) == 0) {
				l->sel = i;
				break;
			}
		}
	}
	remember(l, r);
}

void
ui_list_move(struct ui_list *l, const struct ui_rows *r, int delta)
{
	int page = l->h > 1 ? l->h - 1 : 1;

	ui_list_sync(l, r);
	if (delta == UI_LIST_PAGE_DOWN)
		delta = page;
	else if (delta == UI_LIST_PAGE_UP)
		delta = -page;
	if (l->scroll_only) {
		int max = l->n - l->h > 0 ? l->n - l->h : 0;

		l->top = delta >= UI_LIST_END ? max : delta <= UI_LIST_HOME ? 0 : l->top + delta;
		if (l->top > max)
			l->top = max;
		if (l->top < 0)
			l->top = 0;
		return;
	}
	l->follow = delta >= UI_LIST_END;
	l->moved = 1;
	if (delta >= UI_LIST_END)
		l->sel = l->n - 1;
	else if (delta <= UI_LIST_HOME)
		l->sel = 0;
	else
		l->sel += delta;
	clamp_sel(l);
	remember(l, r);
}

void
ui_list_select(struct ui_list *l, const struct ui_rows *r, int i)
{
	ui_list_sync(l, r);
	l->follow = 0;
	l->moved = 1;
	l->sel = i;
	clamp_sel(l);
	remember(l, r);
}

/* Scroll so that the selection is among rows rows from top, none empty below the last. */
static void
place(struct ui_list *l, int rows)
{
	if (!l->scroll_only) {
		if (l->top > l->sel)
			l->top = l->sel;
		if (l->sel >= l->top + rows)
			l->top = l->sel - rows + 1;
	}
	if (l->top > l->n - rows)
		l->top = l->n - rows;
	if (l->top < 0)
		l->top = 0;
}

int
ui_list_show(struct ui_list *l, const struct ui_rows *r, int h, int more_line)
{
	int rows;

	ui_list_sync(l, r);
	l->h = h > 0 ? h : 0;
	rows = l->h > 0 ? l->h : 1;
	place(l, rows);
	if (more_line && rows > 1 && l->top + rows < l->n) {
		/* rows are hidden below: the last screen row says how many */
		place(l, rows - 1);
		if (l->top + rows < l->n)
			rows--;
	}
	l->shown = l->h == 0 ? 0 : l->n - l->top < rows ? l->n - l->top : rows;
	return l->shown;
}

int
ui_list_more(const struct ui_list *l)
{
	int more = l->n - l->top - l->shown;

	return more > 0 ? more : 0;
}

int
ui_list_selected(const struct ui_list *l)
{
	return l->n > 0 && !l->scroll_only ? l->sel : -1;
}
