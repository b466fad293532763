/* execmon - can the dashboard draw on this terminal? Checked before anything starts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "dash.h"
#include "event.h"

/* A terminfo string capability is present. */
static int
has_str(const char *cap)
{
	const char *s = tigetstr(cap);

	return s != NULL && s != (const char *)-1 && *s != '\0';
}

/*
 * The dashboard needs a terminal type terminfo knows and that can place the
 * cursor anywhere on the screen. Left to itself, ncurses prints its own
 * message and exits when TERM is unknown, and draws a dumb terminal's
 * screen as one long line. Returns 0, or -1 with one line in err.
 */
int
dash_term_check(char *err, size_t errlen)
{
	static const char hint[] = "try TERM=xterm-256color, or execmon snapshot, runs or record";
	const char *term = getenv("TERM");
	char safe[64];
	int rc = 0, status = 0;

	if (term == NULL || *term == '\0') {
		snprintf(err, errlen, "TERM is not set: the dashboard needs the terminal's type (%s)",
		    hint);
		return -1;
	}
	event_sanitize(term, safe, sizeof safe, 0);
	if (setupterm(term, STDOUT_FILENO, &status) != OK) {
		if (status == -1)
			snprintf(err, errlen, "TERM=%s: no terminfo database found (is ncurses-base"
			    " installed?)", safe);
		else
			snprintf(err, errlen, "TERM=%s: unknown terminal type (%s)", safe, hint);
		return -1;
	}
	if (tigetflag("hc") > 0 || tigetflag("gn") > 0 || !has_str("cup") || !has_str("clear"))
		rc = -1;
	if (rc != 0)
		snprintf(err, errlen, "TERM=%s: the terminal cannot move the cursor, and the"
		    " dashboard draws a full screen (%s)", safe, hint);
	del_curterm(cur_term);
	return rc;
}
