# execmon terminal tests: run the real binary in a private tmux server and read
# the screen back. Sourced after tests/integration/lib.sh (which provides TMP,
# ok/is/check and the cleanup trap); this file extends that trap so the tmux
# server is always killed.
#
#   tui_init                     start the private server (no status line)
#   tui_run NAME W H [VAR=V..] [ARG..]
#                                run execmon ARGS in a new WxH session; its exit
#                                status lands in $TMP/NAME.exit as EXIT=N, its
#                                stderr in $TMP/NAME.err, `stty -a` taken after
#                                it exits in $TMP/NAME.stty
#   tui_pid NAME                 the execmon process id
#   tui_alive NAME               execmon still runs in that session
#   tui_keys NAME KEY..          tmux send-keys
#   tui_cap NAME [-e]            the screen, one line per row
#   tui_match NAME ERE           the screen matches the regex now
#   tui_wait NAME SECS ERE       until the screen matches the regex
#   tui_wait_titles NAME SECS    until every pane title is on the screen
#   tui_missing_titles FILE      the pane titles a capture lacks
#   tui_resize NAME W H          resize the session's window
#   tui_fmt NAME FORMAT          tmux display-message -p for the pane
#   tui_pane FILE TITLE          the rows of the pane under TITLE in a capture
#   tui_pick FILE WIDTH          the items of the pick list in a capture
#   tui_body FILE                a capture without its header and status lines
#   tui_sgr FILE, tui_colours FILE   the attributes / colours a -e capture uses
# The pane titles are listed once, in TITLES of $TMP/tui_screen.py.

TUI_SOCK="execmon-tui-$$-${TMP##*.}"  # unique while $TMP exists
TUI_DIR="$TMP/run"
: "${SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

tui() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }

# Kill the server (and with it every session) even if its socket is gone.
tui_cleanup() {
	tmux -L "$TUI_SOCK" -f /dev/null kill-server >/dev/null 2>&1
	if [ -n "$TUI_SERVER_PID" ] && kill -0 "$TUI_SERVER_PID" 2>/dev/null; then
		sleep 0.2
		kill "$TUI_SERVER_PID" 2>/dev/null
	fi
	[ -n "$TUI_SOCK_PATH" ] && rm -f "$TUI_SOCK_PATH"
}
trap 'tui_cleanup; cleanup' EXIT
trap 'exit 130' INT TERM

tui_init() {
	mkdir -p "$TUI_DIR" "$TMP/xdg/execmon" || return 1
	# themes found by name from the user's config folder, no config file
	ln -sfn "$SRCDIR/themes" "$TMP/xdg/execmon/themes"
	tui_write_py
	tui new-session -d -s _keep -x 80 -y 24 "exec sleep 3600" \; \
		set-option -g status off \; \
		set-option -g set-clipboard on \; \
		set-option -g history-limit 0 >/dev/null 2>&1 || return 1
	TUI_SOCK_PATH=$(tui display-message -p -t =_keep: '#{socket_path}')
	TUI_SERVER_PID=$(tui display-message -p -t =_keep: '#{pid}')
}

tui_run() {
	local name=$1 w=$2 h=$3 envs=() args=() q a
	shift 3
	while [ $# -gt 0 ] && [[ $1 == [A-Z_]*=* ]]; do
		envs+=("$1")
		shift
	done
	args=("$@")
	rm -f "$TMP/$name.exit" "$TMP/$name.pid" "$TMP/$name.stty"
	q=""
	for a in env -u NO_COLOR -u COLORTERM -u EXECMON_REDIS_URL -u EXECMON_REDIS_PASSWORD \
		TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
		XDG_CONFIG_HOME="$TMP/xdg" "${envs[@]}" "$EXECMON" "${args[@]}"; do
		q+=$(printf '%q ' "$a")
	done
	cat >"$TMP/$name.sh" <<EOF
cd $(printf '%q' "$TUI_DIR") || exit 1
bash -c 'echo \$\$ >"\$0"; exec "\$@"' $(printf '%q' "$TMP/$name.pid") $q 2>$(printf '%q' "$TMP/$name.err")
echo "EXIT=\$?" >$(printf '%q' "$TMP/$name.exit")
stty -a >$(printf '%q' "$TMP/$name.stty") 2>&1
echo "[execmon has exited]"
exec sleep 3600
EOF
	tui new-session -d -s "$name" -x "$w" -y "$h" "bash $(printf '%q' "$TMP/$name.sh")"
}

tui_pid() {
	wait_for 5 test -s "$TMP/$1.pid" && cat "$TMP/$1.pid"
}

tui_alive() { # tui_alive NAME: the execmon process still runs
	local pid
	pid=$(cat "$TMP/$1.pid" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		[ ! -e "$TMP/$1.exit" ]
}

# Targets are exact ("=NAME:"), so that NC never means NCF.
tui_keys() {
	local name=$1
	shift
	tui send-keys -t "=$name:" "$@"
}

tui_cap() {
	local name=$1
	shift
	tui capture-pane -p -t "=$name:" "$@"
}

# tui_snap NAME OUT: S on the screen; the snapshot it writes moved to OUT.
# 0 once it is there.
tui_snap() {
	local f=""
	rm -f "$TUI_DIR"/execmon-snapshot-*.json
	tui_keys "$1" S
	for _ in $(seq 1 60); do
		f=$(ls "$TUI_DIR"/execmon-snapshot-*.json 2>/dev/null | head -1)
		[ -n "$f" ] && break
		sleep 0.25
	done
	[ -n "$f" ] && sleep 0.2 && mv "$f" "$2"
}

tui_fmt() { tui display-message -p -t "=$1:" "$2"; }

tui_match() { tui_cap "$1" | grep -Eq -- "$2"; }

tui_wait() { # tui_wait NAME SECS ERE
	wait_for "$2" tui_match "$1" "$3"
}

# a title counts when it stands alone: " Title" then a space or the line's end
tui_has_titles() {
	tui_cap "$1" >"$TMP/titles.$1" && [ -z "$(tui_missing_titles "$TMP/titles.$1")" ]
}

tui_wait_titles() { wait_for "$2" tui_has_titles "$1"; }

tui_missing_titles() { python3 "$TMP/tui_screen.py" --missing "$1"; }

# tui_pick FILE WIDTH: the items of the pick list overlay in a capture
tui_pick() { python3 "$TMP/tui_screen.py" --pick "$1" "$2"; }

tui_resize() {
	tui resize-window -t "=$1:" -x "$2" -y "$3" >/dev/null 2>&1
}

# tui_pane FILE TITLE: print the lines of the pane titled TITLE in a capture.
# The pane spans from its title's column to the next title on that row, and
# down to the next title below it (or to the status line). The same function
# is pane(path, title) in the Python module $TMP/tui_screen.py.
tui_pane() { python3 "$TMP/tui_screen.py" "$1" "$2"; }

tui_write_py() {
	cat >"$TMP/tui_screen.py" <<'EOF'
import sys

TITLES = ["Live runs", "Throughput (finished / min)", "Latency (finished in window)",
          "Queues (depth, oldest wait)", "Anomalies & stuck runs", "Agents",
          "Models (tokens, cost)", "Tools"]


def find_title(row, t):
    """Column of " t" standing alone in row (a space or the end after it), or -1."""
    i = row.find(" " + t)
    while i >= 0:
        end = i + 1 + len(t)
        if end == len(row) or row[end] == " ":
            return i
        i = row.find(" " + t, i + 1)
    return -1


def missing(path):
    rs = rows(path)
    return [t for t in TITLES if not any(find_title(r, t) >= 0 for r in rs[1:-1])]


def pick(path, width):
    """Items of the pick list overlay: the rows inside its box."""
    rs = rows(path)
    for y, r in enumerate(rs):
        if " pick an " not in r:
            continue
        left = r.find("┌")
        right = r.find("┐")
        if left < 0 or right < 0:
            left, right = r.find("+"), r.rfind("+")
        items = []
        for r2 in rs[y + 1:]:
            if "└" in r2[left:left + 1] or r2[left:left + 1] == "+":
                break
            item = r2[left + 1:right].strip()
            if not item or item.startswith("+") and item.endswith("more"):
                break
            items.append(item)
        return items
    return None


def rows(path):
    r = open(path, encoding="utf-8", errors="replace").read().split("\n")
    if r and r[-1] == "":
        r.pop()
    return r


def pane(path, want):
    rs = rows(path)
    H = len(rs)
    W = max((len(r) for r in rs), default=0)
    rs = [r.ljust(W) for r in rs]
    found = []
    for t in TITLES:
        for y in range(1, H - 1):
            x = find_title(rs[y], t)
            if x >= 0:
                found.append((y, x, t))
                break
    me = [f for f in found if f[2] == want]
    if not me:
        return None
    y0, x0, _ = me[0]
    x1 = min([x for (y, x, t) in found if y == y0 and x > x0] + [W])
    y1 = min([y for (y, x, t) in found if y > y0 and x < x1] + [H - 1])
    return [rs[y][x0:x1].rstrip() for y in range(y0 + 1, y1)]


if __name__ == "__main__":
    if sys.argv[1] == "--missing":
        for t in missing(sys.argv[2]):
            print("missing: " + t)
        sys.exit(0)
    if sys.argv[1] == "--pick":
        for item in pick(sys.argv[2], int(sys.argv[3])) or []:
            print(item)
        sys.exit(0)
    p = pane(sys.argv[1], sys.argv[2])
    if p is None:
        sys.exit(1)
    for line in p:
        print(line)
EOF
}

# tui_body FILE: the rows between the header and the status line
tui_body() { sed '1d;$d' "$1"; }

# tui_sgr FILE: the SGR attributes a `capture-pane -e` uses, one a line:
# "fg", "bg" (any colour, 8/16, 256 or direct), or the plain number (1 bold,
# 5 blink, 7 reverse...)
tui_sgr() {
	python3 - "$1" <<'EOF'
import re, sys
s = open(sys.argv[1], encoding="utf-8", errors="replace").read()
for m in re.finditer(r"\x1b\[([0-9;:]*)m", s):
    ps = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", m.group(1))]
    i = 0
    while i < len(ps):
        p = ps[i]
        if p in (38, 48):
            print("fg" if p == 38 else "bg")
            i += 3 if i + 1 < len(ps) and ps[i + 1] == 5 else 5
            continue
        if 30 <= p <= 37 or 90 <= p <= 97:
            print("fg")
        elif 40 <= p <= 47 or 100 <= p <= 107:
            print("bg")
        elif p not in (0, 39, 49):
            print(p)
        i += 1
EOF
}

# tui_colours FILE: how many colour settings a `capture-pane -e` holds
tui_colours() { tui_sgr "$1" | grep -c '^[fb]g$'; }
