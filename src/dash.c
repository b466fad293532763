/* execmon - the dashboard: terminal set-up, the frame tick, input, layout. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <uv.h>

#include "collect.h"
#include "dash.h"
#include "rollup.h"
#include "dash-runs.h"
#include "dash-stats.h"
#include "event-text.h"
#include "log.h"
#include "outfile.h"
#include "snapshot.h"
#include "loop.h"
#include "source.h"
#include "source-kind.h"
#include "ui.h"
#include "xmalloc.h"

#define DASH_MIN_W 80
#define DASH_MIN_H 24

static struct dash D;
static int curses_on;
static uv_timer_t frame;
static uv_poll_t input;
static int have_input;
static int reloading;     /* the loop stops to read the sources again */

/* Restore the terminal; safe to call from any exit path, twice. */
static void
terminal_restore(void)
{
	if (!curses_on)
		return;
	curses_on = 0;
	endwin();
}

static void
crash(int sig)
{
	static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";

	/* Only async-signal-safe calls: put the terminal back, then die. */
	if (curses_on) {
		struct termios t;

		if (tcgetattr(STDIN_FILENO, &t) == 0) {
			t.c_lflag |= ICANON | ECHO;
			tcsetattr(STDIN_FILENO, TCSANOW, &t);
		}
		if (write(STDOUT_FILENO, reset, sizeof reset - 1) < 0) {
			/* nothing more we can do */
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Whether the sources can be read again from further back: Redis streams
 * and BullMQ keep their past, a replay file is read again; a WebSocket
 * feed has no past, so its runs held would be lost.
 */
int
dash_can_reload(const struct opts *o)
{
	return !cli_specs_any(o, SK_NO_PAST) && cli_specs_any(o, SK_PAST);
}

/* Stop the loop so that dash_main reads every source again over the window. */
void
dash_reload(struct dash *d)
{
	(void)d;
	reloading = 1;
	loop_stop(DASH_RELOAD);
}

void
dash_set_status(struct dash *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(d->status, sizeof d->status, fmt, ap) >= (int)sizeof d->status)
		utf8_trim_cut(d->status);
	va_end(ap);
	d->status_until_ms = loop_now_ms() + 5000;
	d->dirty = 1;
}

/* With --replay and no --now, now is the newest event's time. */
static int64_t
replay_now(void)
{
	int64_t now = 0;

	for (size_t i = 0; i < sources_count(); i++) {
		if (sources_get((int)i)->last_event_ms > now)
			now = sources_get((int)i)->last_event_ms;
	}
	return now ? now : loop_now_ms();
}

/*
 * While paused, events are held here and not applied: what is shown (the
 * metrics and the runs they point to, the run log, the trace) lives in the
 * store, so leaving the store alone is what freezes the screen. They are
 * applied in order when the pause ends; past HELD_MAX they are applied anyway.
 */
#define HELD_MAX 200000
static struct event *held;
static size_t nheld, held_cap;

/* Runs held after the last eviction. */
static size_t runs_kept;

static void
held_apply(struct dash *d)
{
	for (size_t i = 0; i < nheld; i++)
		store_apply(d->store, &held[i]);
	nheld = 0;
}

static void
held_free(void)
{
	for (size_t i = 0; i < nheld; i++)
		event_done(&held[i]);
	free(held);
	held = NULL;
	nheld = held_cap = 0;
}

int64_t
dash_live_now(struct dash *d)
{
	if (d->pinned_now_ms)
		return d->pinned_now_ms;
	return d->replay ? replay_now() : loop_now_ms();
}

void
dash_recompute(struct dash *d)
{
	int64_t now;

	if (!d->paused && nheld > 0)
		held_apply(d);
	uint64_t t0 = uv_hrtime();

	now = d->asof_ms ? d->asof_ms : dash_live_now(d);
	metrics_free(d->m);
	d->m = metrics_compute(d->store, &d->filter, now, d->window_ms);
	dash_compare_compute(d);
	dash_runs_invalidate();
	d->now_ms = now;
	d->drawn_version = store_version(d->store);
	d->dirty = 1;
	d->compute_ns = uv_hrtime() - t0;
	d->computed_at_ms = loop_now_ms();
	if (d->stats != NULL)
		dash_stats_computed(d);
}

struct run *
dash_selected_run(struct dash *d)
{
	struct ui_rows rows = dash_runs_rows(d);
	const struct live_run *const *v = rows.ctx;
	int i;

	ui_list_sync(&d->pane[0], &rows);
	if ((i = ui_list_selected(&d->pane[0])) < 0)
		return NULL;
	return store_find(d->store, v[i]->run->id);
}

static void
draw(struct dash *d)
{
	int H = LINES, W = COLS;

	if (d->need_clear) {
		clearok(curscr, TRUE);
		d->need_clear = 0;
	}
	erase();
	if (H < DASH_MIN_H || W < DASH_MIN_W) {
		char msg[128];

		snprintf(msg, sizeof msg, "execmon needs %dx%d, this terminal is %dx%d",
		    DASH_MIN_W, DASH_MIN_H, W, H);
		ui_text(d, H / 2, 0, W, TH_WARN, msg);
		refresh();
		return;
	}
	dash_draw_header(d, W);
	if (d->m != NULL) {
		struct rect body = { 2, 0, H - 3, W };

		dash_draw_summary(d, W);
		view_kinds[d->view]->draw(d, body);
		if (d->overlay == OV_HELP)
			keys_help_draw(d, body);
		else if (d->overlay == OV_MESSAGES)
			view_messages_draw(d, body);
		else if (d->overlay == OV_PICK)
			dash_draw_pick(d, H, W);
	}
	dash_draw_status(d, H - 1, W);
	if (d->overlay != OV_PROMPT)
		move(H - 1, W - 1);
	refresh();
	d->dirty = 0;
	if (d->stats != NULL)
		dash_stats_frame(d);
	if (!d->paused) {
		d->pending_ns = 0;
		d->pending_events = 0;
	}
}

static void
update_rate(struct dash *d, int64_t now)
{
	int64_t sec = now / 1000;

	if (d->rate_sec == 0)
		d->rate_sec = sec;
	while (d->rate_sec < sec) {
		uint64_t sum = 0;

		for (int i = 4; i > 0; i--)
			d->rate_hist[i] = d->rate_hist[i - 1];
		d->rate_hist[0] = 0;
		for (int i = 1; i < 5; i++)
			sum += d->rate_hist[i];
		d->events_per_s = (double)sum / 4.0;
		d->rate_sec++;
		d->dirty = 1; /* the clock and elapsed times move */
	}
}

/* True while a source is still reading what was there before it started. */
static int
backfilling(void)
{
	for (size_t i = 0; i < sources_count(); i++) {
		enum source_state st = sources_get((int)i)->state;

		if (st == SRC_BACKFILLING)
			return 1;
	}
	return 0;
}

static void
on_frame(uv_timer_t *t)
{
	struct dash *d = t->data;
	int64_t now = loop_now_ms();
	uint64_t t0 = uv_hrtime(), spent_ms;
	int64_t gap_ms, tick_ms;

	update_rate(d, now);
	/*
	 * Every 10 s, and whenever the runs held have doubled (a backfill of a
	 * stream whose entry IDs are newer than its event times can hold hours
	 * of them), drop the finished runs whose every event is more than two
	 * of the longest window shown old (so that going back to a longer
	 * window after a shorter one reads nothing again; the metrics hold
	 * pointers into the store: recompute right after).
	 */
	if (!d->paused && (now - d->evicted_at_ms >= 10000 ||
	    store_nruns(d->store) >= 2 * runs_kept + 4096)) {
		uint64_t before = store_evicted(d->store);

		/* the screen's now: a replay's newest event, or the time looked back at */
		int64_t horizon = (d->asof_ms ? d->asof_ms : dash_live_now(d)) -
		    2 * (d->hold_ms > d->window_ms ? d->hold_ms : d->window_ms);

		d->evicted_at_ms = now;
		store_evict(d->store, horizon);
		/* the minutes outlive the runs: look-back and w reach back this far */
		rollup_forget(rollup_of(d->store), dash_live_now(d) - ROLLUP_KEEP_MS);
		runs_kept = store_nruns(d->store);
		if (store_evicted(d->store) != before) {
			if (d->loaded_from_ms < horizon)
				d->loaded_from_ms = horizon;
			dash_recompute(d);
		}
	}
	/*
	 * Recompute when the model changed, but keep the work under half of
	 * the time: a big backfill must not starve the loop of reading. While
	 * a source is still backfilling, the figures are recomputed once a
	 * second at most (and under a fifth of the time): each recompute is a
	 * pass over every run read so far, and the header's progress bar,
	 * drawn every frame, says how far the reading is.
	 */
	gap_ms = (int64_t)(d->compute_ns * 2 / 1000000);
	if (backfilling()) {
		gap_ms = (int64_t)(d->compute_ns * 5 / 1000000);
		if (gap_ms < 1000)
			gap_ms = 1000;
		if (store_version(d->store) != d->drawn_version && d->m != NULL)
			d->dirty = 1; /* the header: progress, events read */
	}
	/*
	 * With nothing new, only the clock moves the figures (elapsed times,
	 * the window sliding): recompute once a second, or less often when a
	 * recompute is costly, so that it takes at most a twentieth of the
	 * time. A pinned now (--now, a replay) does not move. Keys that change
	 * the figures (filter, window, pause) recompute themselves; other keys
	 * only redraw.
	 */
	tick_ms = (int64_t)(d->compute_ns * 20 / 1000000);
	if (tick_ms < 1000)
		tick_ms = 1000;
	if (!d->paused && (d->m == NULL ||
	    (store_version(d->store) != d->drawn_version &&
	    now - d->computed_at_ms >= gap_ms) ||
	    (!d->pinned_now_ms && !d->replay && !d->asof_ms &&
	    now - d->computed_at_ms >= tick_ms)))
		dash_recompute(d);
	dash_alerts_tick(d);
	if (d->dirty)
		draw(d);
	/*
	 * Frames start refresh_ms apart minus the work of this one, so an event
	 * waits at most one period from its arrival to the frame that shows it.
	 */
	spent_ms = (uv_hrtime() - t0 + 999999) / 1000000 + 2; /* + the timer's slack */
	uv_timer_start(&frame, on_frame, spent_ms + 10 < (uint64_t)d->refresh_ms ?
	    (uint64_t)d->refresh_ms - spent_ms : 10, 0);
}

void
dash_set_refresh(struct dash *d, int ms)
{
	if (ms < 25)
		ms = 25;
	if (ms > 2000)
		ms = 2000;
	d->refresh_ms = ms; /* the next frame is scheduled with it */
}

static void
on_input(uv_poll_t *h, int status, int events)
{
	struct dash *d = h->data;
	int ch;

	(void)events;
	if (status < 0) {
		loop_stop(0);
		return;
	}
	while ((ch = getch()) != ERR) {
		struct reaction re = keys_dispatch(d, ch);

		if (dash_react(d, &re) < 0) {
			loop_stop(0);
			return;
		}
	}
	/*
	 * Show the key's effect now, with the figures as they are: a key that
	 * changes what they cover has recomputed them already, and new events
	 * wait for the next frame, so a key never waits for a recompute.
	 */
	if (d->dirty)
		draw(d);
}

static void
on_winch(int signum, void *arg)
{
	struct dash *d = arg;
	struct winsize ws;

	(void)signum;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	d->need_clear = 1;
	d->dirty = 1;
	draw(d);
}

static void
ui_stop(void *arg)
{
	struct dash *d = arg;

	uv_timer_stop(&frame);
	uv_close((uv_handle_t *)&frame, NULL);
	if (have_input) {
		uv_poll_stop(&input);
		uv_close((uv_handle_t *)&input, NULL);
	}
	(void)d;
	if (!reloading)
		terminal_restore();
}

static void
on_event(struct collect *c, struct event *ev)
{
	struct dash *d = c->ctx;

	d->events_total++;
	d->rate_hist[0]++;
	if (d->pending_ns == 0)
		d->pending_ns = uv_hrtime();
	d->pending_events++;
	if (d->stats != NULL)
		dash_stats_event(d);
	if (d->paused && nheld < HELD_MAX) {
		if (nheld == held_cap) {
			held_cap = held_cap ? 2 * held_cap : 1024;
			held = xreallocarray(held, held_cap, sizeof *held);
		}
		held[nheld++] = *ev; /* the event's strings move with it */
		event_init(ev);
		return;
	}
	held_apply(d);
	store_apply(d->store, ev);
}

/* Bring the screen up once the loop runs. */
/*
 * The last source has read its backfill: show everything now rather than at
 * the next frame, and recompute even if the last recompute was recent.
 */
static void
backfilled(struct collect *c)
{
	struct dash *d = c->ctx;

	if (c->caught_up < c->nsources || d->paused || frame.data == NULL)
		return; /* frame.data: the frame timer is set up (started) */
	d->computed_at_ms = 0;
	d->dirty = 1;
	if (d->asof_ms && strstr(d->status, "reading its history") != NULL) {
		char b[64];

		dash_set_status(d, "%s: its history is read", dash_asof_text(d, b, sizeof b));
	}
	uv_timer_start(&frame, on_frame, 0, 0);
}

/*
 * Home and End as terminals send them whatever TERM says: PuTTY, rxvt and
 * tmux or screen under an xterm TERM send ESC [ 1 ~ / ESC [ 4 ~ (or 7 ~ and
 * 8 ~, ESC [ H / F, ESC O H / F), which would otherwise read as Esc and a
 * key. Sequences terminfo already knows are left as they are.
 */
static void
home_end_keys(void)
{
	static const char *const home[] = { "\033[1~", "\033[7~", "\033[H", "\033OH" };
	static const char *const end[] = { "\033[4~", "\033[8~", "\033[F", "\033OF" };
	size_t i;

	for (i = 0; i < sizeof home / sizeof home[0]; i++) {
		if (key_defined(home[i]) == 0)
			define_key(home[i], KEY_HOME);
		if (key_defined(end[i]) == 0)
			define_key(end[i], KEY_END);
	}
}

static void
started(struct collect *c)
{
	struct dash *d = c->ctx;

	if (!curses_on) { /* not again when the sources are read anew */
		initscr();
		curses_on = 1;
		cbreak();
		noecho();
		nonl();
		intrflush(stdscr, FALSE);
		keypad(stdscr, TRUE);
		nodelay(stdscr, TRUE);
		set_escdelay(25);
		home_end_keys();
		curs_set(0);
		if (d->color && has_colors()) {
			start_color();
			use_default_colors();
		}
		ui_colors_init(d);
		if (d->mouse) {
			mousemask(ALL_MOUSE_EVENTS, NULL);
			mouseinterval(300); /* a double click within 0.3 s */
		}
		xmalloc_fatal_hook = terminal_restore;
		signal(SIGSEGV, crash);
		signal(SIGBUS, crash);
		signal(SIGFPE, crash);
		signal(SIGABRT, crash);
	}
	reloading = 0;
	loop_on_signal(SIGWINCH, on_winch, d);

	uv_timer_init(loop_uv(), &frame);
	frame.data = d;
	uv_timer_start(&frame, on_frame, 0, 0);
	if (uv_poll_init(loop_uv(), &input, STDIN_FILENO) == 0) {
		have_input = 1;
		input.data = d;
		uv_poll_start(&input, UV_READABLE, on_input);
	}
	loop_on_stop(ui_stop, d);
	dash_alerts_start(d);
	dash_recompute(d);
	draw(d);
}

static void
on_exit_restore(void)
{
	terminal_restore();
}

int
dash_main(const struct opts *o)
{
	struct collect c;
	struct dash *d = &D;
	char err[256];
	const char *nc = getenv("NO_COLOR");
	int status;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "execmon: the dashboard needs a terminal (try execmon snapshot, runs or record)\n");
		return 1;
	}
	if (dash_term_check(err, sizeof err) != 0) {
		fprintf(stderr, "execmon: %s\n", err);
		return 2;
	}
	memset(d, 0, sizeof *d);
	filter_init(&d->filter);
	if (o->filter != NULL && filter_parse(&d->filter, o->filter, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: --filter: %s\n", err);
		filter_done(&d->filter);
		return 2;
	}
	if (theme_load(&d->theme, o->theme ? o->theme : "default", err, sizeof err) != 0) {
		fprintf(stderr, "execmon: --theme: %s\n", err);
		filter_done(&d->filter);
		return 2;
	}
	d->color = !o->no_color && !(nc != NULL && nc[0] != '\0');
	{
		const char *cs = nl_langinfo(CODESET);

		d->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	}
	d->store = store_create();
	store_set_bodies(d->store, STORE_BODIES_REREAD);
	store_set_log_budget(d->store, (size_t)o->log_budget);
	rollup_attach(d->store);
	d->window_ms = o->window_ms;
	d->hold_ms = o->window_ms;
	d->can_reload = dash_can_reload(o);
	d->views = o->views;
	d->mouse = o->mouse;
	d->pinned_now_ms = o->now_ms;
	d->replay = cli_specs_any(o, SK_FINITE);
	if (o->stats != NULL &&
	    (d->stats = outfile_open_log(o->stats, err, sizeof err)) == NULL) {
		fprintf(stderr, "execmon: --stats %s: %s\n", o->stats, err);
		filter_done(&d->filter);
		store_free(d->store);
		return 1;
	}
	d->refresh_ms = o->refresh_ms;
	dash_alerts_create(d, o->alerts);
	d->log.follow = 1;
	d->help.scroll_only = d->msgs.scroll_only = d->detail.scroll_only = 1;
	d->need_clear = 1;
	log_set_stderr(0);
	atexit(on_exit_restore);

	memset(&c, 0, sizeof c);
	c.o = o;
	c.from_ms = (o->now_ms ? o->now_ms : loop_now_ms()) - 2 * o->window_ms;
	d->loaded_from_ms = c.from_ms;
	c.to_ms = -1;
	c.follow = 1;
	c.interactive = 1;
	c.event = on_event;
	c.ctx = d;
	c.started = started;
	c.backfilled = backfilled;
	while ((status = collect_run(&c)) == DASH_RELOAD) {
		/*
		 * The window grew past the history held: read the sources
		 * again over the new window, as a start with that window
		 * would, so that every figure equals a snapshot of it.
		 */
		metrics_free(d->m);
		metrics_free(d->mprev);
		d->m = d->mprev = NULL;
		store_free(d->store);
		d->store = store_create();
		store_set_bodies(d->store, STORE_BODIES_REREAD);
		store_set_log_budget(d->store, (size_t)o->log_budget);
		rollup_attach(d->store);
		sources_clear();
		/* two windows before the screen's now: the one looked back at too */
		c.from_ms = (d->asof_ms ? d->asof_ms : o->now_ms ? o->now_ms :
		    loop_now_ms()) - 2 * d->window_ms;
		d->loaded_from_ms = c.from_ms;
		c.events = 0;
		c.caught_up = 0;
		d->dirty = 1;
	}
	terminal_restore();
	log_set_stderr(1);
	if (d->stats != NULL && dash_stats_end(d, err, sizeof err) != 0) {
		fprintf(stderr, "execmon: --stats %s: %s\n", o->stats, err);
		if (status == 0)
			status = 1;
	}

	dash_alerts_free(d);
	metrics_free(d->m);
	metrics_free(d->mprev);
	held_free();
	store_free(d->store);
	filter_done(&d->filter);
	free(d->run_id);
	free(d->trace_id);
	for (int i = 0; i < PANES_MAX; i++)
		ui_list_done(&d->pane[i]);
	ui_list_done(&d->rec);
	ui_list_done(&d->err);
	ui_list_done(&d->log);
	ui_list_done(&d->trace);
	ui_list_done(&d->pick);
	view_recent_done();
	pane_queues_done();
	view_errors_done();
	for (int i = 0; i < d->pick_n; i++)
		free(d->pick_items[i]);
	free(d->pick_items);
	return status;
}

int
dash_write_snapshot(struct dash *d, char *path, size_t size, char *err, size_t errlen)
{
	struct outfile of;
	char expr[256], stamp[32], why[200];
	time_t secs = (time_t)(loop_now_ms() / 1000);
	struct tm tm;
	json_t *j;
	int rc;

	if (d->m == NULL) {
		snprintf(err, errlen, "nothing computed yet");
		return -1;
	}
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(path, size, "%s/execmon-snapshot-%s.json",
	    d->snapshot_dir ? d->snapshot_dir : ".", stamp);
	if (outfile_open(&of, path, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	filter_format(&d->filter, expr, sizeof expr);
	j = snapshot_build(d->m, d->store, &d->filter, expr[0] ? expr : NULL);
	dash_alerts_snapshot(d, j);
	dash_lookback_snapshot(d, j);
	if (snapshot_write(j, of.f) != 0)
		outfile_failed(&of);
	json_decref(j);
	if ((rc = outfile_commit(&of, why, sizeof why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		outfile_abort(&of);
	}
	return rc;
}
