/* execmon - the one list widget: selection kept by identity, scrolling, paging, "+N more". */
#ifndef EXECMON_UI_LIST_H
#define EXECMON_UI_LIST_H

#include <stddef.h>

/*
 * The rows a list shows, as its owner has them now: n rows and, for a list
 * whose rows have an identity (a run id, a row's name), the key of row i,
 * written into buf or returned from the row itself. key NULL: rows are
 * known by position only (a log, help lines).
 */
struct ui_rows {
	int n;
	const char *(*key)(const void *ctx, int i, char *buf, size_t size);
	const void *ctx;
};

/*
 * A list's state. The selection is kept by identity: when rows are
 * inserted, removed or sorted again, it stays on the row it was on (found by
 * its key); when that row is gone, it stays at the same place and takes the
 * row now there. A list that scrolls only (no selection: help, messages,
 * an event's detail) moves its top instead.
 */
struct ui_list {
	int sel;          /* the selected row, 0..n-1 */
	int top;          /* the first row shown */
	int n;            /* rows at the last sync */
	int h;            /* rows shown at the last ui_list_show (a page) */
	int shown;        /* of which rows, not the "+N more" line */
	int follow;       /* End was pressed: the selection stays on the last row as rows come */
	int scroll_only;  /* no selection: the keys move the top */
	/*
	 * Until a key or a click moves the selection (moved), it is the first
	 * row by place, not by identity: an untouched table shows its top rows
	 * as they re-sort, instead of following whichever row was first.
	 */
	int lead;
	int moved;
	char *key;        /* the selected row's key; NULL = none yet */
};

/* Movement deltas besides a number of rows: a page, the first and the last row. */
#define UI_LIST_PAGE_DOWN (1 << 20)
#define UI_LIST_PAGE_UP (-(1 << 20))
#define UI_LIST_END (1 << 28)
#define UI_LIST_HOME (-(1 << 28))

void ui_list_init(struct ui_list *);
void ui_list_done(struct ui_list *);
/* Back to the first row, the identity forgotten (a new list: a new sort, a new filter). */
void ui_list_reset(struct ui_list *);
/* The rows changed (or may have): find the selected row again, keep everything in range. */
void ui_list_sync(struct ui_list *, const struct ui_rows *);
/* Move by delta rows (or a page, home, end, as above); the row reached is remembered. */
void ui_list_move(struct ui_list *, const struct ui_rows *, int delta);
/* Select row i (a click, a search hit); remembered. */
void ui_list_select(struct ui_list *, const struct ui_rows *, int i);
/*
 * Place the list in h screen rows: sync, then scroll so that the selection
 * is shown and no row is left empty below the last one. With more_line, the
 * last screen row says "+N more" when rows are hidden below, and the list
 * gets one row less. Returns the rows to draw, from top.
 */
int ui_list_show(struct ui_list *, const struct ui_rows *, int h, int more_line);
/* Rows hidden below the ones shown by the last ui_list_show. */
int ui_list_more(const struct ui_list *);
/* The selected row, or -1 when the list is empty (after a sync). */
int ui_list_selected(const struct ui_list *);

#endif
