/* execmon - alerts in the dashboard: judging, the bell and notifications, the alerts view. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "alert-cmd.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "source.h"
#include "ui.h"
#include "xmalloc.h"

/* Rules are judged this often (wall clock). */
#define DASH_ALERTS_TICK_MS 1000

enum prompt_kind { PR_NONE, PR_ACK, PR_SNOOZE, PR_SILENCE };

struct dash_alerts {
	const struct alert_config *cfg;
	struct alert_set *set;
	struct alert_marks *marks;
	char *path;            /* the marks file; NULL = none (no HOME) */
	struct alert_exec *x;
	int64_t judged_ms;     /* wall clock of the last judgement */
	int64_t judged_now_ms; /* a frozen now (--now, a replay): the figures' now */
	uint64_t judged_version; /* and the store's version then */
	int64_t replayed_ms;   /* wall clock of that judgement */
	struct ui_list list;     /* the rules, by name */
	enum prompt_kind prompt;
	char text[128];
	int len;
};

void
dash_alerts_create(struct dash *d, const struct alert_config *cfg)
{
	struct dash_alerts *a = xcalloc(1, sizeof *a);
	char err[256];

	a->cfg = cfg;
	a->set = alert_set_create(cfg);
	a->marks = xcalloc(1, sizeof *a->marks);
	a->path = alert_marks_path();
	if (a->path != NULL && alert_marks_load(a->marks, a->path, err, sizeof err) != 0)
		log_msg(LOG_WARN, "alerts: %s", err);
	d->alerts = a;
}

void
dash_alerts_start(struct dash *d)
{
	struct dash_alerts *a = d->alerts;

	if (a->cfg->exec != NULL)
		a->x = alert_exec_create(a->cfg->exec, a->cfg->exec_timeout_ms,
		    a->cfg->exec_max, 0);
}

void
dash_alerts_free(struct dash *d)
{
	struct dash_alerts *a = d->alerts;

	if (a == NULL)
		return;
	alert_exec_free(a->x);
	alert_set_free(a->set);
	free(a->marks);
	free(a->path);
	ui_list_done(&a->list);
	free(a);
	d->alerts = NULL;
}

/* Write bytes to the terminal as they are (curses does not see them: they move nothing). */
static void
tty_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The bell (firing only) and the desktop notifications for an alert. */
static void
announce(struct dash *d, const struct alert *al, int fired)
{
	const struct alert_config *c = d->alerts->cfg;
	char sum[300], text[300], seq[700];
	int n;

	if (fired && (c->bell == BELL_ON || (c->bell == BELL_HIGH &&
	    al->rule->severity == SEV_HIGH)))
		tty_write("\a", 1);
	alert_summary(al, sum, sizeof sum);
	/* Only printable ASCII but ';' goes inside the sequences. */
	alert_osc_text(sum, text, sizeof text);
	if (c->osc9) {
		n = snprintf(seq, sizeof seq, "\033]9;execmon: %s\a", text);
		tty_write(seq, (size_t)n);
	}
	if (c->osc777) {
		n = snprintf(seq, sizeof seq, "\033]777;notify;execmon alert;%s\a", text);
		tty_write(seq, (size_t)n);
	}
}

void
dash_alerts_tick(struct dash *d)
{
	struct dash_alerts *a = d->alerts;
	int64_t wall = loop_now_ms();
	struct alert_env env;
	const struct alert_transition *tr;
	char err[256];
	size_t n;

	if (a == NULL || d->m == NULL || d->paused || wall - a->judged_ms < DASH_ALERTS_TICK_MS)
		return;
	for (size_t i = 0; i < sources_count(); i++)
		if (sources_get((int)i)->state == SRC_BACKFILLING)
			return; /* half-read history would fire on figures not yet true */
	a->judged_ms = wall;
	if (a->path != NULL && alert_marks_refresh(a->marks, a->path, err, sizeof err) < 0)
		log_msg(LOG_WARN, "alerts: %s", err);
	alerts_env(&env, d->window_ms, d->loaded_from_ms, wall);
	if (d->pinned_now_ms || d->replay) {
		/*
		 * Time stands still: judge the window once again, stepping up to
		 * now as `execmon alerts` does, whenever the figures change; no
		 * bell or command for what happened in the past.
		 */
		if (d->now_ms == a->judged_now_ms && (store_version(d->store) ==
		    a->judged_version || wall - a->replayed_ms < 10000))
			return; /* at most every 10 s while events come in */
		a->replayed_ms = wall;
		a->judged_now_ms = d->now_ms;
		a->judged_version = store_version(d->store);
		alert_set_reset(a->set);
		alert_set_replay(a->set, d->store, &env, d->now_ms, 1);
		d->dirty = 1;
		return;
	}
	if (!filter_active(&d->filter))
		alert_set_hint(a->set, d->m); /* what the screen shows, computed once */
	alert_set_eval(a->set, d->store, &env, d->now_ms);
	tr = alert_set_transitions(a->set, &n);
	for (size_t i = 0; i < n; i++) {
		const struct alert *al = alert_set_get(a->set, tr[i].alert);
		int how = alerts_act(a->set, &tr[i], a->marks, a->path, a->x, wall);

		if (how > 0)
			announce(d, al, how == 1);
		d->dirty = 1;
	}
	/* the figures move every second: the view shows them */
	if (d->view == VIEW_ALERTS)
		d->dirty = 1;
}

int
dash_alerts_badge(struct dash *d, char *buf, size_t size)
{
	int firing, pending;

	if (d->alerts == NULL)
		return 0;
	alert_set_tally(d->alerts->set, &firing, &pending);
	if (firing == 0 && pending == 0)
		return 0;
	if (firing > 0 && pending > 0)
		snprintf(buf, size, " %d firing %d pending ", firing, pending);
	else if (firing > 0)
		snprintf(buf, size, " %d firing ", firing);
	else
		snprintf(buf, size, " %d pending ", pending);
	return firing > 0 ? 2 : 1;
}

int
dash_alerts_firing(struct dash *d, int y, int x, int w)
{
	struct dash_alerts *a = d->alerts;
	int used = 0, any = 0;

	if (a == NULL)
		return 0;
	for (size_t i = 0; i < alert_set_count(a->set) && used < w; i++) {
		const struct alert *al = alert_set_get(a->set, i);

		if (al->state != AS_FIRING)
			continue;
		if (!any)
			used += ui_text(d, y, x + used, w - used, TH_ERR, d->utf8 ? "▲ " : "! ");
		used += ui_textf(d, y, x + used, w - used, TH_ERR, "%s%s", any ? ", " : "",
		    al->rule->name);
		any = 1;
	}
	return used;
}

void
dash_alerts_snapshot(struct dash *d, json_t *snap)
{
	if (d->alerts != NULL)
		alerts_snapshot_set(snap, d->alerts->set, d->alerts->marks, loop_now_ms());
}

static enum theme_role
state_role(enum alert_state s)
{
	return s == AS_FIRING ? TH_ERR : s == AS_PENDING ? TH_WARN : s == AS_RESOLVED ?
	    TH_OK : TH_DIM;
}

/* The marks of an alert, for its row. */
static void
marks_text(struct dash_alerts *a, const struct alert *al, int64_t now, char *buf,
    size_t size)
{
	const struct mark *ack = alert_marks_ack(a->marks, al->rule->name);
	const struct mark *sn = alert_marks_snooze(a->marks, al->rule->name, now);
	const struct mark *si = alert_marks_silence(a->marks, al->rule->name, now);
	char t[32];
	size_t n = 0;

	buf[0] = '\0';
	if (!al->known)
		n += (size_t)snprintf(buf + n, size - n, "not judged: %s ", al->why);
	if (ack != NULL && n < size)
		n += (size_t)snprintf(buf + n, size - n, "ACK%s%s ", ack->note[0] ? " " : "",
		    ack->note);
	if (sn != NULL && n < size)
		n += (size_t)snprintf(buf + n, size - n, "snoozed %s ",
		    format_dur(sn->until_ms - now, t, sizeof t));
	if (si != NULL && n < size)
		snprintf(buf + n, size - n, "silenced (%s)", si->name);
}

static const char *
rule_key(const void *ctx, int i, char *buf, size_t size)
{
	const struct dash_alerts *a = ctx;

	(void)buf;
	(void)size;
	return alert_set_get(a->set, (size_t)i)->rule->name;
}

/* The alerts as rows, known by their rule's name. */
static struct ui_rows
rows_of(const struct dash_alerts *a)
{
	return (struct ui_rows){ (int)alert_set_count(a->set), rule_key, a };
}

void
view_alerts_draw(struct dash *d, struct rect r)
{
	struct dash_alerts *a = d->alerts;
	int64_t now = loop_now_ms();
	int n = (int)alert_set_count(a->set), nb = (int)alert_set_nbudgets(a->set);
	int listh = r.h - 2 - (nb > 0 ? nb + 2 : 0), y = r.y;
	char v[32], t[32], since[32], note[300];

	struct ui_rows rows = rows_of(a);
	int shown;

	if (listh < 3)
		listh = 3;
	shown = ui_list_show(&a->list, &rows, listh - 1, 1);
	ui_blank(y, r.x, r.w);
	ui_textf(d, y, r.x, r.w, TH_FOCUS, " Alerts (%d rules) ", n);
	ui_text(d, y, r.x + 22, r.w - 22, TH_DIM,
	    " a acknowledge  z snooze  x silence  u undo  Esc back");
	y++;
	ui_textf(d, y++, r.x, r.w, TH_TITLE, " %-9s %-6s %-24s %10s %-11s %-9s %s", "STATE", "SEV",
	    "NAME", "VALUE", "THRESHOLD", "SINCE", "NOTE");
	for (int i = a->list.top; i < a->list.top + shown; i++) {
		const struct alert *al = alert_set_get(a->set, i);
		enum alert_unit u = alert_figure_unit(al->rule->figure);
		int x = r.x;

		alert_format_value(u, al->value, v, sizeof v);
		alert_format_value(u, al->rule->threshold, t, sizeof t);
		if (al->state != AS_OK && al->since_ms > 0)
			format_dur(d->now_ms - al->since_ms, since, sizeof since);
		else
			snprintf(since, sizeof since, "-");
		marks_text(a, al, now, note, sizeof note);
		ui_blank(y, r.x, r.w);
		if (i == a->list.sel)
			x += ui_text(d, y, x, 1, TH_SELECT, ">");
		else
			x += ui_text(d, y, x, 1, TH_NORMAL, " ");
		x += ui_textf(d, y, x, 10, state_role(al->state), "%-9s ",
		    alert_state_name(al->state));
		x += ui_textf(d, y, x, 7, al->rule->severity == SEV_HIGH ? TH_ERR :
		    al->rule->severity == SEV_MEDIUM ? TH_WARN : TH_DIM, "%-6s ",
		    severity_name(al->rule->severity));
		x += ui_textf(d, y, x, 25, i == a->list.sel ? TH_SELECT : TH_NORMAL, "%-24.24s ",
		    al->rule->name);
		x += ui_textf(d, y, x, r.w - x, TH_ACCENT, "%10s ", al->known ? v : "-");
		x += ui_textf(d, y, x, r.w - x, TH_NORMAL, "%-2s %-8s %-9s ",
		    alert_op_name(al->rule->op), t, since);
		ui_text(d, y, x, r.w - x, TH_DIM, note);
		y++;
	}
	ui_blank(y, r.x, r.w);
	ui_more(d, y, r.x, r.w, ui_list_more(&a->list));
	if (nb > 0) {
		y = r.y + r.h - nb - 2;
		ui_blank(y, r.x, r.w);
		ui_textf(d, y++, r.x, r.w, TH_TITLE, " %-20s %-6s %9s %9s %9s %9s %10s  %s", "BUDGET",
		    "PER", "SPENT", "IN FLIGHT", "BUDGET", "BURN/H", "PROJECTED", "RUNS OUT");
		for (int i = 0; i < nb && y < r.y + r.h - 1; i++, y++) {
			const struct budget_status *bs = alert_set_budget(a->set, i);
			char s1[32], s2[32], s3[32], s4[32], s5[32], s6[48], s7[32];

			alert_format_value(AU_USD, (double)bs->spent_nusd / 1e9, s1, sizeof s1);
			alert_format_value(AU_USD, (double)bs->in_flight_nusd / 1e9, s2, sizeof s2);
			alert_format_value(AU_USD, (double)bs->budget->limit_nusd / 1e9, s3, sizeof s3);
			alert_format_value(AU_USD, bs->burn_usd_per_hour >= 0 ?
			    bs->burn_usd_per_hour : NAN, s4, sizeof s4);
			alert_format_value(AU_USD, bs->projected_nusd >= 0 ?
			    (double)bs->projected_nusd / 1e9 : NAN, s5, sizeof s5);
			if (bs->runs_out_ms > 0)
				snprintf(s6, sizeof s6, "in %s", format_dur(bs->runs_out_ms - d->now_ms,
				    s7, sizeof s7));
			else
				snprintf(s6, sizeof s6, "-");
			ui_blank(y, r.x, r.w);
			ui_textf(d, y, r.x, r.w, bs->spent_nusd > bs->budget->limit_nusd ? TH_ERR :
			    bs->projected_nusd > bs->budget->limit_nusd ? TH_WARN : TH_NORMAL,
			    " %-20.20s %-6s %9s %9s %9s %9s %10s  %s%s", bs->budget->name,
			    budget_period_name(bs->budget->period), s1, s2, s3, s4, s5, s6,
			    bs->partial ? "  (since the data held)" : "");
		}
	}
	ui_blank(r.y + r.h - 1, r.x, r.w);
	if (a->prompt != PR_NONE) {
		static const char *const asks[] = { "", "acknowledge, note: ",
			"snooze for (15m, 1h, 4h) or until (HH:MM UTC): ", "silence names matching: " };
		int x = ui_text(d, r.y + r.h - 1, r.x, r.w, TH_ACCENT, asks[a->prompt]);

		x += ui_text(d, r.y + r.h - 1, r.x + x, r.w - x, TH_NORMAL, a->text);
		ui_text(d, r.y + r.h - 1, r.x + x, r.w - x, TH_SELECT, " ");
	}
}

/* Until HH:MM (UTC, the next one) or a duration; -1 if neither. */
static int64_t
snooze_until(const char *s, int64_t now)
{
	int h, m;
	char tail;
	int64_t dur;

	if (sscanf(s, "%d:%d%c", &h, &m, &tail) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60) {
		int64_t day = now / 86400000 * 86400000, t = day + (h * 60 + m) * 60000LL;

		return t > now ? t : t + 86400000;
	}
	if (event_parse_time(s, strlen(s), &dur) == 0 && strchr(s, 'T') != NULL)
		return dur > now ? dur : -1;
	dur = alert_parse_duration(s, strlen(s));
	return dur > 0 ? now + dur : -1;
}

static void
mark(struct dash *d, enum mark_op op, const char *name, const char *note, int64_t until,
    struct reaction *re)
{
	struct dash_alerts *a = d->alerts;
	char err[256];

	if (a->path == NULL) {
		react_say(re, "alerts: no HOME or XDG_STATE_HOME to keep marks in");
		return;
	}
	if (alert_marks_update(a->marks, a->path, op, name, note, until, loop_now_ms(), err,
	    sizeof err) != 0)
		react_say(re, "alerts: %s", err);
}

static void
prompt_done(struct dash *d, struct reaction *re)
{
	struct dash_alerts *a = d->alerts;
	const struct alert *al = alert_set_get(a->set, (size_t)a->list.sel);
	int64_t now = loop_now_ms(), until;
	char t[32];

	switch (a->prompt) {
	case PR_ACK:
		mark(d, MARK_ACK, al->rule->name, a->text, 0, re);
		react_say(re, "acknowledged %s", al->rule->name);
		break;
	case PR_SNOOZE:
		if ((until = snooze_until(a->text, now)) < 0) {
			react_say(re, "snooze: '%s' is not 15m, 1h, 4h, or HH:MM", a->text);
			break;
		}
		mark(d, MARK_SNOOZE, al->rule->name, NULL, until, re);
		react_say(re, "snoozed %s for %s", al->rule->name,
		    format_dur(until - now, t, sizeof t));
		break;
	case PR_SILENCE:
		if (a->len == 0)
			break;
		mark(d, MARK_SILENCE, a->text, NULL, 0, re);
		react_say(re, "silenced alerts matching %s (u on one of them undoes)", a->text);
		break;
	default:
		break;
	}
	a->prompt = PR_NONE;
}

static void
prompt_open(struct dash_alerts *a, enum prompt_kind k, const char *text)
{
	a->prompt = k;
	snprintf(a->text, sizeof a->text, "%s", text);
	a->len = (int)strlen(a->text);
}

static void
alerts_move(struct dash *d, int delta)
{
	struct dash_alerts *a = d->alerts;
	struct ui_rows rows = rows_of(a);

	ui_list_move(&a->list, &rows, delta);
}

/* The alerts view's keys (its prompt takes every key while open); 0 = not its key. */
static int
alerts_key(struct dash *d, int ch, struct reaction *re)
{
	struct dash_alerts *a = d->alerts;
	int n = (int)alert_set_count(a->set);
	struct ui_rows rows = rows_of(a);
	const struct alert *al;

	ui_list_sync(&a->list, &rows);
	al = n > 0 ? alert_set_get(a->set, (size_t)a->list.sel) : NULL;

	if (a->prompt != PR_NONE) {
		if (ch == 27) {
			a->prompt = PR_NONE;
		} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
			prompt_done(d, re);
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (a->len > 0)
				a->text[--a->len] = '\0';
		} else if (ch >= 0x20 && ch < 0x7f && a->len + 1 < (int)sizeof a->text) {
			a->text[a->len++] = (char)ch;
			a->text[a->len] = '\0';
		}
		return 1;
	}
	switch (ch) {
	case 27:
	case '!':
	case KEY_BACKSPACE:
		react_view(re, VIEW_DASH);
		return 1;
	case '\r':
	case '\n':
	case KEY_ENTER:
		return 1;
	case 'a':
		if (al != NULL)
			prompt_open(a, PR_ACK, "");
		return 1;
	case 'z':
		if (al != NULL)
			prompt_open(a, PR_SNOOZE, "1h");
		return 1;
	case 'x':
		if (al != NULL)
			prompt_open(a, PR_SILENCE, al->rule->name);
		return 1;
	case 'u':
		if (al == NULL)
			return 1;
		mark(d, MARK_UNACK, al->rule->name, NULL, 0, re);
		mark(d, MARK_UNSNOOZE, al->rule->name, NULL, 0, re);
		for (int k = 0; a->path != NULL && k < MARKS_MAX; k++) {
			const struct mark *s = alert_marks_silence(a->marks, al->rule->name,
			    loop_now_ms());
			char glob[MARK_NAME_MAX];

			if (s == NULL)
				break;
			snprintf(glob, sizeof glob, "%s", s->name);
			mark(d, MARK_UNSILENCE, glob, NULL, 0, re);
		}
		react_say(re, "%s: acknowledgement, snooze and silences taken back",
		    al->rule->name);
		return 1;
	}
	return 0;
}

int
dash_budgets_count(struct dash *d)
{
	struct dash_alerts *a = d->alerts;

	return a == NULL ? 0 : (int)alert_set_nbudgets(a->set);
}

void
dash_budgets_draw(struct dash *d, struct rect r)
{
	struct dash_alerts *a = d->alerts;
	int nb = dash_budgets_count(d), y = r.y;

	if (nb == 0) {
		ui_text(d, y, r.x + 1, r.w - 1, TH_DIM, "no budget in the config (doc/alerts.md)");
		return;
	}
	for (int i = 0; i < nb && y < r.y + r.h; i++, y++) {
		const struct budget_status *bs = alert_set_budget(a->set, i);
		char s1[32], s3[32], s5[32], s6[48], s7[32];
		enum theme_role role = bs->spent_nusd > bs->budget->limit_nusd ? TH_ERR :
		    bs->projected_nusd > bs->budget->limit_nusd ? TH_WARN : TH_NORMAL;

		alert_format_value(AU_USD, (double)bs->spent_nusd / 1e9, s1, sizeof s1);
		alert_format_value(AU_USD, (double)bs->budget->limit_nusd / 1e9, s3, sizeof s3);
		alert_format_value(AU_USD, bs->projected_nusd >= 0 ?
		    (double)bs->projected_nusd / 1e9 : NAN, s5, sizeof s5);
		if (bs->spent_nusd > bs->budget->limit_nusd)
			snprintf(s6, sizeof s6, ", OVER");
		else if (bs->runs_out_ms > d->now_ms)
			snprintf(s6, sizeof s6, ", out in %s", format_dur(bs->runs_out_ms - d->now_ms,
			    s7, sizeof s7));
		else
			s6[0] = '\0';
		ui_textf(d, y, r.x + 1, r.w - 1, role, "%s/%s: %s of %s, projected %s%s%s",
		    bs->budget->name, budget_period_name(bs->budget->period), s1, s3, s5, s6,
		    bs->partial ? " (partial)" : "");
	}
}

/* The alerts view's own keys move and act; the table has no more to do. */
const struct view_kind view_alerts = {
	.name = "alerts",
	.draw = view_alerts_draw,
	.step = alerts_move,
	.key = alerts_key,
};
