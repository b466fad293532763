/* execmon - the dashboard: its state, the pane table, drawing helpers. */
#ifndef EXECMON_UI_H
#define EXECMON_UI_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "filter.h"
#include "metrics.h"
#include "store.h"
#include "format.h"
#include "theme.h"
#include "ui-list.h"

struct rect {
	int y, x, h, w;
};

struct dash;
struct dash_alerts;
struct alert_config;

/* A kind of pane: one file pane-x.c and one line in the pane table (ui.c). */
struct pane_kind {
	const char *name;
	const char *title;
	/* Draw the pane's content into r (the title line is drawn by ui.c). */
	void (*draw)(struct dash *, struct rect r, int focused);
	/* The rows the pane selects in, for its list (NULL: none). */
	struct ui_rows (*rows)(struct dash *);
	/*
	 * Read from the top (a table sorted by size, a feed newest first): until
	 * a key moves in it, its selection is its first row, wherever that row
	 * goes (see struct ui_list's lead).
	 */
	int lead;
};

enum view { VIEW_DASH, VIEW_LOG, VIEW_TRACE, VIEW_RECENT, VIEW_ERRORS, VIEW_ALERTS, VIEW__COUNT };

enum overlay { OV_NONE, OV_HELP, OV_PICK, OV_PROMPT, OV_MESSAGES };

/*
 * What a key asks of the dashboard. A key handler changes only its own
 * view's or pane's list state and returns a reaction; the dashboard
 * (dash_react, dash-react.c) acts on it, in the order of these bits. Every
 * key redraws.
 */
enum react_what {
	RE_QUIT = 1 << 0,       /* leave the dashboard */
	RE_PAUSE = 1 << 1,      /* pause, or resume and catch up */
	RE_FILTER = 1 << 2,     /* install filter: selections to the top, figures recomputed, said */
	RE_WINDOW = 1 << 3,     /* the window to window_ms (its history read again when short) */
	RE_RECOMPUTE = 1 << 4,  /* compute the figures again */
	RE_COMPARE = 1 << 5,    /* show or hide the previous window beside (c) */
	RE_TIME = 1 << 6,       /* the screen's now a step by time_step: back, forward, or live */
	RE_VIEW = 1 << 7,       /* show view */
	RE_OPEN_LOG = 1 << 8,   /* open the log of run arg */
	RE_OPEN_TRACE = 1 << 9, /* open trace arg */
	RE_OVERLAY = 1 << 10,   /* open overlay over the view (OV_NONE closes it) */
	RE_SNAPSHOT = 1 << 11,  /* write a snapshot of what is shown */
	RE_REFRESH = 1 << 12,   /* the frame period to refresh_ms */
	RE_STATUS = 1 << 13,    /* say status on the status line (after any said above) */
	RE_CLEAR = 1 << 14,     /* repaint the whole screen */
};

struct reaction {
	unsigned what;          /* enum react_what bits; 0 = only redraw */
	enum view view;         /* RE_VIEW */
	enum overlay overlay;   /* RE_OVERLAY */
	int undo;               /* RE_FILTER: 1 keep the old filter for Esc, -1 forget the kept one, 0 leave it */
	int refresh_ms;         /* RE_REFRESH */
	int time_step;          /* RE_TIME: -1 a step back, 1 a step forward, 0 live again */
	int64_t window_ms;      /* RE_WINDOW */
	struct filter filter;   /* RE_FILTER: the new filter, owned here until the dashboard takes it */
	char arg[256];          /* RE_OPEN_LOG: a run id; RE_OPEN_TRACE: a trace id */
	char status[256];       /* RE_STATUS */
};

/* Reactions (keys-act.c): a reaction of these bits; say a status; open a view or a run's log. */
struct reaction react(unsigned what);
void react_say(struct reaction *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void react_view(struct reaction *, enum view);
void react_open(struct reaction *, unsigned what, const char *id); /* RE_OPEN_LOG or RE_OPEN_TRACE */
/* A copy of the filter shown, to change: the dashboard installs it (undo as in struct reaction). */
struct filter *react_filter(struct reaction *, const struct dash *, int undo);
/* The dashboard acts on a key's reaction (dash-react.c); -1 = quit. */
int dash_react(struct dash *, struct reaction *);

/*
 * A full-screen view: what it draws over the body, what the movement keys,
 * Enter and its own keys do there, and which run it shows (y copies it).
 * Adding a view is one file with its kind and one line in view_kinds
 * (dash-layout.c).
 */
struct dash;
struct rect;
struct run;
struct view_kind {
	const char *name;
	void (*draw)(struct dash *, struct rect);
	void (*step)(struct dash *, int delta);   /* movement keys; NULL: nothing */
	struct reaction (*enter)(struct dash *);  /* NULL: Enter does nothing */
	/* The view's own keys, before the key table: 1 = taken (re says what follows). */
	int (*key)(struct dash *, int ch, struct reaction *re);
	struct run *(*selected)(struct dash *);   /* NULL: no run */
};
extern const struct view_kind *const view_kinds[VIEW__COUNT];
extern const struct view_kind view_dashboard, view_runlog, view_trace, view_recent,
    view_errors, view_alerts;
#define PANES_MAX 12
#define SORT_COUNT 4

struct dash {
	struct store *store;
	struct metrics *m;        /* what is shown (kept while paused) */
	struct filter filter;
	int64_t window_ms;
	int64_t hold_ms;          /* the longest window shown: runs are held for two of it */
	int64_t loaded_from_ms;   /* oldest time the backfill covers */
	int can_reload;           /* the sources keep their past (dash_can_reload) */
	int64_t pinned_now_ms;    /* --now, 0 = wall clock */
	int64_t now_ms;           /* the now of m */
	int64_t asof_ms;          /* looking back: the now shown (epoch ms); 0 = live */
	int compare;              /* the previous window is shown beside (c) */
	struct metrics *mprev;    /* the previous window's figures when compare is on */
	int paused;
	int refresh_ms;
	int sort;                 /* runs pane: 0 newest, 1 longest, 2 agent, 3 status */
	int utf8, color;
	struct theme theme;

	enum view view;
	enum overlay overlay;
	int focus;                /* index into the visible panes */
	struct ui_list pane[PANES_MAX]; /* each pane's list (the runs pane's by run id) */
	struct ui_list rec;       /* the recent runs view's (by run id) */
	struct ui_list err;       /* the top errors view's (by class and message) */
	int64_t rec_from_ms, rec_to_ms; /* recent runs: only those finished in [from, to); 0 = the window */
	enum view log_from;       /* the view a run's log goes back to */
	char filter_undo[512];    /* the filter before Enter on a row put one on */
	int has_undo;
	int tsort[3], tdesc[3];   /* agents, models, tools: sort column and direction */
	const struct savedviews *views; /* saved views (1-9) and table columns */
	int mouse;                /* --mouse */
	int npanes_shown;         /* panes on screen, for Tab */
	char log_search[128];     /* the run log's search, "" = none (/, n, N) */
	int prompt_log;           /* the prompt searches the run log, not the runs */

	/* run log / trace views */
	char *run_id;
	struct ui_list log;       /* the run's events, by position; End follows them live */
	int log_abs;
	struct ui_list detail;    /* the selected event's lines (J/K), scroll only */
	struct ui_list help;      /* the help's lines, scroll only */
	struct ui_list msgs;      /* the messages overlay's rows, scroll only */
	char *trace_id;
	struct ui_list trace;     /* the trace's runs (by run id) */

	/* pick list (agent/model filter) and prompt (text filter) */
	int pick_kind;            /* 'a' or 'm' */
	char **pick_items;
	int pick_n;
	struct ui_list pick;      /* by item */
	char prompt[128];
	int prompt_len;

	char status[256];
	int64_t status_until_ms;

	/* rates for the header */
	uint64_t events_total;
	uint64_t rate_hist[5];    /* events in each of the last 5 seconds */
	int64_t rate_sec;
	double events_per_s;

	uint64_t drawn_version;   /* store version of the last recompute */
	uint64_t compute_ns;      /* how long the last recompute took */
	int64_t computed_at_ms;
	int64_t evicted_at_ms;    /* last store_evict() */
	int replay;               /* reading --replay: now is its newest event */
	FILE *stats;              /* --stats: one line per frame */
	uint64_t pending_ns;      /* arrival of the oldest event not yet drawn, 0 = none */
	uint64_t pending_events;  /* events since the last frame */
	int dirty;                /* something to redraw */
	int need_clear;           /* full repaint (resize, view change) */
	char *snapshot_dir;
	struct dash_alerts *alerts; /* view-alerts.c */
};

/*
 * ui.c: colours and text. Every string passes through event_sanitize and is
 * measured, cut and padded in cells by textwidth.c (tw_fit), never in bytes.
 */
void ui_colors_init(struct dash *);
int ui_attr(const struct dash *, enum theme_role);
/* Draw text clipped to w columns (between characters); returns the columns used. */
int ui_text(const struct dash *, int y, int x, int w, enum theme_role, const char *utf8);
/* printf-style ui_text. */
int ui_textf(const struct dash *, int y, int x, int w, enum theme_role, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void ui_blank(int y, int x, int w);
/* A "+N more" line, right-aligned in w columns at (y, x), when n > 0. */
void ui_more(const struct dash *, int y, int x, int w, int n);
/* A bordered overlay that clears its whole area; returns the inside. */
struct rect ui_box(const struct dash *, struct rect, const char *title);
/* A bar of frac (0..1) over w columns, eighth blocks in UTF-8. */
void ui_bar(const struct dash *, int y, int x, int w, double frac, enum theme_role);
/* A sparkline of n values scaled to their max, the last w values. */
void ui_spark(const struct dash *, int y, int x, int w, const double *v, int n, enum theme_role);
/* The same on a given scale (max > 0), so several rows compare. */
void ui_spark_scaled(const struct dash *, int y, int x, int w, const double *v, int n,
    double max, enum theme_role);
/* A bar chart of n values over a rectangle, the last r.w values, eighth blocks. */
void ui_chart(const struct dash *, struct rect r, const double *v, int n, enum theme_role);
/*
 * ui_chart with pv[0..n) (NULL: none), the previous values on the same
 * scale: where one stood higher, its part is drawn dim above the bar.
 */
void ui_chart_vs(const struct dash *, struct rect r, const double *v,
    const double *pv, int n, enum theme_role);
/* Text width in columns of a UTF-8 string. */
int ui_width(const char *utf8);

const char *status_glyph(const struct dash *, enum run_status);
enum theme_role status_role(enum run_status);

/* The runs shown in the runs pane, in the current sort (used by several panes). */
int dash_runs(struct dash *, const struct live_run ***out);
struct run *dash_selected_run(struct dash *);
/* The runs pane's rows, known by run id (dash-runs.c). */
struct ui_rows dash_runs_rows(struct dash *);
void dash_set_status(struct dash *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dash_recompute(struct dash *);
/* The now of the live screen: --now, a replay's newest event, or the clock. */
int64_t dash_live_now(struct dash *);

/*
 * Look-back and compare (dash-lookback.c). dash_lookback_step() moves the
 * screen's now by a step (dir -1 back, +1 forward, 0 back to live);
 * dash_compare_toggle() shows or hides the previous window.
 */
int64_t dash_lookback_step_ms(int64_t window_ms);
void dash_lookback_step(struct dash *, int dir);
void dash_compare_toggle(struct dash *);
/* The previous window's figures, computed with the current ones (compare on). */
void dash_compare_compute(struct dash *);
/* "as of 14:05:00" (with the date when it is not the live day) into buf. */
const char *dash_asof_text(struct dash *, char *buf, size_t size);
/* The snapshot written from the screen: asOf while looking back. */
void dash_lookback_snapshot(struct dash *, json_t *snap);
/* collect_run's status when the window grew past the history held. */
#define DASH_RELOAD 100
struct opts;
int dash_can_reload(const struct opts *);
void dash_reload(struct dash *);

/* The header (sources, rates, window, filter, PAUSED, clock), the summary line, the status line. */
void dash_draw_header(struct dash *, int w);
int dash_sources_down(char *name, size_t size);
void dash_draw_summary(struct dash *, int w);
void dash_draw_status(struct dash *, int y, int w);

/* The dashboard pane under the screen cell (y, x): its index, or -1 (dash-layout.c). */
int layout_pane_at(struct dash *, int y, int x, struct rect *out);
/* Pane i's rows (n = 0 when it has none), for its list (dash-layout.c). */
struct ui_rows layout_pane_rows(struct dash *, int i);
/* The picker's items, known by themselves (keys-act.c). */
struct ui_rows keys_pick_rows(struct dash *);
/* The agent/model/user/workspace/saved-view picker over the screen. */
void dash_draw_pick(struct dash *, int H, int W);
/* Enter on a row of a dashboard pane other than the runs (keys-act.c). */
struct reaction enter_row(struct dash *);
/* The sort code (as O cycles it) of table t's header cell at column x, or -1. */
int pane_table_header_at(int t, int x);
/* Mouse events (--mouse): select, open, scroll, sort. */
struct reaction keys_mouse(struct dash *);

/* Row i of table t (0 agents, 1 models, 2 tools) as shown: the figures' index. */
size_t pane_table_row(struct dash *, int t, size_t i);

/* Views. */
void view_recent_draw(struct dash *, struct rect);
struct run *view_recent_selected(struct dash *);
void view_recent_move(struct dash *, int delta);
void view_recent_done(void);
struct error_group;
void view_errors_draw(struct dash *, struct rect);
const struct error_group *view_errors_selected(struct dash *);
void view_errors_move(struct dash *, int delta);
void view_errors_done(void);
void view_messages_draw(struct dash *, struct rect);
void view_runlog_draw(struct dash *, struct rect);

void view_trace_draw(struct dash *, struct rect);
/* The run highlighted in the trace view (NULL when none). */
struct run *view_trace_selected(struct dash *);

void view_alerts_draw(struct dash *, struct rect);

/* Alerts (view-alerts.c): judged every second, announced, badge and names. */
void dash_alerts_create(struct dash *, const struct alert_config *);
void dash_alerts_start(struct dash *);   /* once the loop runs */
void dash_alerts_free(struct dash *);
void dash_alerts_tick(struct dash *);    /* from the frame timer */
/* Budgets (view-alerts.c): how many, and one line each (the budgets pane). */
int dash_budgets_count(struct dash *);
void dash_budgets_draw(struct dash *, struct rect);
/* The header badge ("2 firing 1 pending"): 0 none, 1 pending only, 2 firing. */
int dash_alerts_badge(struct dash *, char *buf, size_t size);
/* The firing alerts' names at (y, x) within w columns; returns the columns used. */
int dash_alerts_firing(struct dash *, int y, int x, int w);
void dash_alerts_snapshot(struct dash *, json_t *snap);

/* Keys (keys.c): the one table that both dispatch and help come from. */
struct reaction keys_dispatch(struct dash *, int ch);
void keys_help_draw(struct dash *, struct rect);
void keys_write_help(FILE *); /* for the man page / tests */

/* Panes. */
void pane_queues_done(void);
extern const struct pane_kind pane_budgets;
extern const struct pane_kind pane_runs, pane_queues, pane_throughput,
    pane_latency, pane_anomalies, pane_agents, pane_models, pane_tools;

#endif
