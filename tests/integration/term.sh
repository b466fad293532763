#!/usr/bin/env bash
# A terminal the dashboard cannot draw on: TERM unset, empty, unknown to
# terminfo, or without cursor addressing (dumb). Each is refused before any
# source is touched, with execmon's own one line and exit 2, never ncurses's
# message; a real pty (tmux) each time, since without one the dashboard
# stops earlier.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux python3

tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
# an unreachable Redis: a dashboard that did start would keep retrying it
DEAD="redis://127.0.0.1:$(free_port)"

# term NAME [-u VAR | VAR=V]...: execmon in a new tmux session with that
# environment; its stderr in $TMP/NAME.err, its status in $TMP/NAME.exit
term() {
	local name=$1 q=""
	shift
	for a in env -u NO_COLOR "$@" LANG=C.UTF-8 LC_ALL=C.UTF-8 "$EXECMON" --redis "$DEAD"; do
		q+=$(printf '%q ' "$a")
	done
	tui new-session -d -s "$name" -x 80 -y 24 \
		"$q 2>$(printf '%q' "$TMP/$name.err"); echo \$? >$(printf '%q' "$TMP/$name.exit"); sleep 30"
	wait_for 10 test -s "$TMP/$name.exit"
}

# refused NAME DESCRIPTION PATTERN: exit 2, one line of execmon's own
refused() {
	local name=$1 d=$2 pat=$3
	is "$(cat "$TMP/$name.exit" 2>/dev/null)" 2 "$d: exit 2"
	[ "$(wc -l <"$TMP/$name.err")" -eq 1 ] && grep -q "^execmon: $pat" "$TMP/$name.err"
	ok $? "$d: one line naming the cause"
	! grep -qi "error opening terminal" "$TMP/$name.err"
	ok $? "$d: not ncurses's message"
	sed 's/^/#   /' "$TMP/$name.err"
}

term UNSET -u TERM
refused UNSET "TERM unset" "TERM is not set: the dashboard needs the terminal's type"
term EMPTY TERM=
refused EMPTY "TERM empty" "TERM is not set"
term UNKNOWN TERM=no-such-terminal-xyz
refused UNKNOWN "TERM unknown" "TERM=no-such-terminal-xyz: unknown terminal type (try TERM=xterm-256color"
term DUMB TERM=dumb
refused DUMB "TERM=dumb" "TERM=dumb: the terminal cannot move the cursor"
term NODB TERM=no-such-terminal-xyz TERMINFO=/nonexistent TERMINFO_DIRS=/nonexistent HOME=/nonexistent
grep -q "no terminfo database\|unknown terminal type" "$TMP/NODB.err" &&
	is "$(cat "$TMP/NODB.exit")" 2 "no terminfo entry reachable: exit 2" ||
	ok 0 "# SKIP the system terminfo is found anyway"
term ESC "TERM=$(printf 'x\033]0;pwned\007')"
refused ESC "TERM with an escape sequence" "TERM=x\\\\x1b\]0;pwned\\\\x07: unknown terminal type"

# a terminal that can draw still gets the dashboard
tui_run OK 80 24 --redis "$DEAD"
tui_wait OK 10 '^ execmon '
ok $? "TERM=xterm-256color: the dashboard is drawn"
tui_keys OK q
wait_for 5 test -e "$TMP/OK.exit"
is "$(cat "$TMP/OK.exit" 2>/dev/null)" "EXIT=0" "and quits with 0"

done_testing
