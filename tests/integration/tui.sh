#!/usr/bin/env bash
# The dashboard in a real terminal: tmux runs execmon against a private
# redis-server that execmon-gen fills (30 minutes of history, then live), and
# the test reads the screen back: panes at three sizes, colours and themes,
# exit and terminal restore, header, drill-down, trace, filters, snapshot,
# pause, help, the numbers against `execmon snapshot`, hostile strings, resize.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis d || exit 1
R="redis://127.0.0.1:$REDIS_PORT_d"
NOW=$(ms_now)
FROM=$((NOW - 31 * 60000))

# History: three streams, 30 minutes of runs ending a minute ago, written at
# once. live: then fed by a real-time generator; its history's entry IDs are
# the event times (so headless commands with a short window read little) and
# all in the past (so the live entries' IDs are the wall clock); fixed: nothing
# more, for exact numbers with a pinned now; hostile: escape sequences.
gen() { "$EXECMON_GEN" --redis "$R" --start-ts "$FROM" --duration 30m "$@" >/dev/null 2>>"$TMP/gen.err"; }
gen --stream live --rate 1 --ts-mode id --seed 11 &&
	gen --stream fixed --rate 1 --seed 12 &&
	gen --stream hostile --rate 0.3 --hostile 0.5 --seed 13
ok $? "execmon-gen wrote the history"
last=$(redis-cli -p "$REDIS_PORT_d" XINFO STREAM live | grep -A1 '^last-generated-id$' | tail -1)
[ -n "$last" ] && [ "${last%-*}" -lt "$(ms_now)" ]
ok $? "the live history ends in the past (last entry ID $last)"
"$EXECMON_GEN" --redis "$R" --stream live --rate 5 --seed 21 >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"
"$EXECMON_GEN" --redis "$R" --stream hostile --rate 2 --hostile 1 --seed 23 >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"

# now pinned after every history entry was written: the snapshot reads the
# stream up to now by entry ID, the dashboard follows; both then hold the same
PIN=$(($(ms_now) + 1000))
LIVE=(--redis "$R" --stream live)
FIXED=(--redis "$R" --stream fixed --now "$PIN")

# the headless snapshots of the fixed stream, computed meanwhile
"$EXECMON" snapshot "${FIXED[@]}" --window 1h -o "$TMP/snap-all.json" 2>"$TMP/snap-all.err" &
BG_PIDS="$BG_PIDS $!"
SNAP_ALL_PID=$!
"$EXECMON" snapshot "${FIXED[@]}" --window 1h --filter agent=planner \
	-o "$TMP/snap-planner.json" 2>"$TMP/snap-planner.err" &
BG_PIDS="$BG_PIDS $!"
SNAP_PL_PID=$!

tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
# The dashboards, side by side; each check below reads one, and those done
# with quit early. Secondary ones draw less often to leave the CPU to M.
SLOW=(--refresh 300)
tui_run M 200 60 "${LIVE[@]}"                               # keys, pause, resize, q
tui_run S80 80 24 "${LIVE[@]}" "${SLOW[@]}"                 # smallest size
tui_run S120 120 40 "${LIVE[@]}" "${SLOW[@]}" --theme mono  # medium size, mono theme
tui_run NC 80 24 NO_COLOR=1 "${LIVE[@]}" "${SLOW[@]}"       # NO_COLOR
tui_run NCF 80 24 "${LIVE[@]}" "${SLOW[@]}" --no-color      # --no-color
tui_run T 80 24 "${LIVE[@]}" "${SLOW[@]}" --stats "$TMP/T.stats" # SIGTERM, --stats
tui_run BAD 80 24 "${LIVE[@]}" --theme nosuch               # unknown theme
tui_run F 200 60 "${FIXED[@]}"                              # fixed data, pinned now
tui_run FC 200 60 "${FIXED[@]}" --filter agent=planner      # the same, filtered
tui_run HO 120 40 --redis "$R" --stream hostile "${SLOW[@]}" # hostile strings

# tables_whole CAPTURE: every row of the Agents, Models and Tools panes is a
# name, then figures each whole (a count, 1.2k, 96.5%, 342ms, 1.5s, 2m05s,
# $1.234 or -): no cut-off figure, nothing spilled from another pane
tables_whole() {
	python3 - "$TMP" "$1" <<'EOF'
import re, sys
sys.path.insert(0, sys.argv[1])
from tui_screen import pane
fig = re.compile(r"^(-|\d+|\d+(\.\d+)?[kMG]|\d+\.\d%|\d+ms|\d+\.\ds|\d+s|\d+m\d\ds|\d+h\d\dm|\d+d\d\dh|\$\d+\.\d+k?)$")
bad = []
for title in ("Agents", "Models (tokens, cost)", "Tools"):
    rows = [r for r in pane(sys.argv[2], title)[1:] if r.strip()]
    if not rows:
        bad.append("%s: no rows" % title)
    for r in rows:
        if r.strip().startswith("no "):
            continue
        if re.fullmatch(r"\s*\+\d+ more\s*", r):
            continue  # the list's "+N more" line
        t = r.split()
        if fig.match(t[0]) or not all(fig.match(x) for x in t[1:]) or len(t) < 2:
            bad.append("%s: %r" % (title, r))
assert not bad, bad
EOF
}

quit() { # quit NAME: q, then its exit status
	tui_keys "$1" q
	wait_for 5 test -s "$TMP/$1.exit"
	cat "$TMP/$1.exit" 2>/dev/null
}

# --- every pane at 80x24, 120x40 and 200x60 -----------------------------------
for s in S80:80x24 S120:120x40 M:200x60; do
	name=${s%%:*}
	tui_wait_titles "$name" 20
	ok $? "every pane title is shown at ${s#*:}"
	if ! tui_has_titles "$name"; then
		tui_cap "$name" >"$TMP/cap"
		tui_missing_titles "$TMP/cap" | sed 's/^/#   /'
		sed 's/^/#   |/' "$TMP/cap" | head -30
	fi
	is "$(tui_fmt "$name" '#{pane_width}x#{pane_height}')" "${s#*:}" "the terminal really is ${s#*:}"
	tui_cap "$name" >"$TMP/cap"
	check "the tables' rows are whole at ${s#*:}: a name, then whole figures" tables_whole "$TMP/cap"
done
tui_alive S120 && tui_has_titles S120
ok $? "--theme mono works"
is "$(quit S120)" EXIT=0 "q exits with status 0 (mono)"

# --- colours and themes -----------------------------------------------------------
tui_wait_titles NC 15
ok $? "NO_COLOR=1: the dashboard is shown"
tui_cap NC -e >"$TMP/nc.cap"
is "$(tui_colours "$TMP/nc.cap")" 0 "NO_COLOR=1: no colour escapes on the screen"
tui_wait_titles NCF 15
tui_cap NCF -e >"$TMP/ncf.cap"
is "$(tui_colours "$TMP/ncf.cap")" 0 "--no-color: no colour escapes on the screen"
tui_cap S80 -e >"$TMP/col.cap"
[ "$(tui_colours "$TMP/col.cap")" -gt 0 ]
ok $? "the default theme does use colours ($(tui_colours "$TMP/col.cap") escapes)"
quit NC >/dev/null
quit NCF >/dev/null
wait_for 10 test -s "$TMP/BAD.exit"
is "$(cat "$TMP/BAD.exit" 2>/dev/null)" "EXIT=2" "--theme nosuch exits 2"
[ "$(lines "$TMP/BAD.err")" -eq 1 ] && grep -q "^execmon: .*nosuch" "$TMP/BAD.err"
ok $? "with one line naming the theme"

# --- SIGTERM exits 0 and restores the terminal --------------------------------------
restored() { # restored NAME: normal screen, cursor on, cooked mode, the shell after
	[ "$(tui_fmt "$1" '#{alternate_on}')" = 0 ] &&
		[ "$(tui_fmt "$1" '#{cursor_flag}')" = 1 ] &&
		grep -Eq '(^| )icanon' "$TMP/$1.stty" && grep -Eq '(^| )echo( |$)' "$TMP/$1.stty" &&
		tui_match "$1" '^\[execmon has exited\]'
}
tui_wait_titles T 15 && tui_alive T
ok $? "the SIGTERM target is running"
[ "$(tui_fmt T '#{alternate_on}')" = 1 ]
ok $? "the dashboard runs on the alternate screen"
kill -TERM "$(tui_pid T)"
wait_for 5 test -s "$TMP/T.exit"
is "$(cat "$TMP/T.exit" 2>/dev/null)" "EXIT=0" "SIGTERM exits with status 0"
wait_for 3 restored T
ok $? "after SIGTERM the terminal is restored (normal screen, cursor, echo, icanon)"
# --stats: a line a frame, and the per-event summary when the dashboard ends
python3 - "$TMP/T.stats" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
frames = [l.split() for l in lines if not l.startswith("#")]
assert len(frames) >= 3, "only %d frame lines" % len(frames)
for f in frames:
    assert len(f) == 8 and re.match(r"^[cblrdgi?]+$|^-$", f[6]), f
    int(f[0]); int(f[1]); float(f[2]); int(f[3]); int(f[4]); float(f[5])
    assert int(f[7]) == 3600, f  # the default window, 1h
total = int(frames[-1][3])
m = re.match(r"^# event-to-screen: (\d+) events timed, (\d+) not timed; "
             r"ms p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)$", lines[-1])
assert m, "no summary: %r" % lines[-1]
timed, untimed, p50, p99, mx = int(m[1]), int(m[2]), float(m[3]), float(m[4]), float(m[5])
assert 0 < timed <= total and untimed == 0, (timed, total, untimed)
assert 0 <= p50 <= p99 <= mx * 1.01 + 0.01 and mx < 60000, (p50, p99, mx)
EOF
ok $? "--stats: a line for each frame and, at the end, event-to-screen percentiles"

# --- header -------------------------------------------------------------------------
tui_wait M 10 '^ execmon .* live .*window 1h '
ok $? "the header names the source (live) and the window 1h"
tui_cap M >"$TMP/cap"
head -1 "$TMP/cap" | grep -Eq '[0-9]{2}:[0-9]{2}:[0-9]{2}Z *$'
ok $? "the header ends with the clock"
sed -n 2p "$TMP/cap" | grep -Eq '[0-9]+ running +[0-9]+ queued'
ok $? "the summary line shows running and queued counts"
tui_match M 'window 1h.*filter'
is "$?" 1 "no filter is shown when none is set"

# --- drill-down: Enter on a run, its log; t, its trace; Esc back ----------------------
open_log() { # open_log NAME: Enter on the first live run, once there is one
	local _
	for _ in 1 2 3 4 5 6; do
		tui_keys "$1" Enter
		tui_wait "$1" 1 '^ run [^ ]+ ' && return 0
	done
	return 1
}
open_log M
ok $? "Enter on a live run opens its event log"
# the events' bodies are read back from Redis: wait for the selected one's
tui_wait M 10 '^ event( \(lines 1-[0-9]+ of [0-9]+, J/K scroll\))? *$'
tui_cap M >"$TMP/log.cap"
RID=$(sed -n 3p "$TMP/log.cap" | sed -n 's/^ run \([^ ]*\) .*/\1/p')
TID=$(sed -n 3p "$TMP/log.cap" | sed -n 's/.* trace \([^ ]*\) .*/\1/p')
[ -n "$RID" ]
ok $? "the log names the run ($RID)"
# what execmon events says about it, read meanwhile
"$EXECMON" events "$RID" "${LIVE[@]}" --window 5m --format json >"$TMP/events.json" 2>"$TMP/events.err" &
EVENTS_PID=$!
grep -Eq '^ event( \(lines 1-[0-9]+ of [0-9]+, J/K scroll\))? *$' "$TMP/log.cap" &&
	grep -q "\"run_id\": \"$RID\"" "$TMP/log.cap"
ok $? "the selected event's payload is pretty-printed below the list"
[ -n "$TID" ] && [ "$TID" != "-" ]
ok $? "the run has a trace id ($TID)"
tui_keys M t
tui_wait M 10 "^ trace $TID: [0-9]+ runs"
ok $? "t in the log opens the trace view of that trace"
# A trace of several runs makes a real tree: try the next runs for one.
TRID=$RID
for try in 1 2 3 4 5 6 7 8 last; do
	sleep 0.3
	tui_cap M >"$TMP/trace.cap"
	[ "$(sed -n 's/^ trace [^ ]*: \([0-9]*\) runs.*/\1/p' "$TMP/trace.cap")" -ge 2 ] 2>/dev/null && break
	[ "$try" = last ] && break
	tui_keys M Escape
	tui_wait M 5 '^ run ' || break
	tui_keys M Escape
	tui_wait_titles M 5 || break
	tui_keys M j
	open_log M || break
	TRID=$(tui_cap M | sed -n 3p | sed -n 's/^ run \([^ ]*\) .*/\1/p')
	tui_keys M t
	tui_wait M 5 '^ trace [^ ]+: [0-9]+ runs' || break
done
TTID=$(sed -n 's/^ trace \([^ ]*\): [0-9]* runs.*/\1/p' "$TMP/trace.cap")
echo "# trace $TTID of run $TRID: $(sed -n 's/^ trace [^ ]*: \([0-9]*\) runs.*/\1/p' "$TMP/trace.cap") runs"
# the stream itself says which runs have that trace and who their parents are
redis-cli -p "$REDIS_PORT_d" --raw XRANGE live - + >"$TMP/stream.txt"
tui_keys M Escape
tui_wait M 5 "^ run $TRID "
ok $? "Esc goes back from the trace to the run's log"
tui_keys M Escape
tui_wait_titles M 5
ok $? "Esc again goes back to the dashboard"

wait "$EVENTS_PID"
is "$?" 0 "execmon events finds the same run"
check "the log shows that run's events, in order, as execmon events does" python3 - "$TMP/log.cap" "$TMP/events.json" <<'EOF'
import json, re, sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
want = [e["type"] for e in json.load(open(sys.argv[2]))]
shown = []
for r in rows[3:]:
    if r.strip() == "event":
        break
    m = re.match(r"^\s*(\+\S+|\d{4}-\S+)\s+(\S+)", r)
    if m:
        shown.append(m.group(2))
assert len(shown) >= 2, "fewer than 2 events shown: %r" % rows[3:8]
# the log follows live: it shows consecutive events of the run, in order
ok = any(want[i:i + len(shown)] == shown for i in range(len(want) - len(shown) + 1))
assert ok, "shown %r not within %r" % (shown, want)
EOF
check "the trace view is that trace's tree: its runs, each under its parent" python3 - "$TMP/trace.cap" "$TMP/stream.txt" "$TRID" "$TTID" <<'EOF'
import json, re, sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
rid, tid = sys.argv[3], sys.argv[4]
# the raw stream: an entry ID line, then field and value lines
trace, parent = {}, {}
lines = open(sys.argv[2], encoding="utf-8", errors="replace").read().split("\n")
i = 0
while i < len(lines):
    if not re.match(r"^\d+-\d+$", lines[i]):
        i += 1
        continue
    j, f = i + 1, {}
    while j + 1 < len(lines) and not re.match(r"^\d+-\d+$", lines[j]):
        f[lines[j]] = lines[j + 1]
        j += 2
    if "json" in f:
        try:
            f = json.loads(f["json"])
        except ValueError:
            f = {}
    if f.get("run_id") and f.get("trace_id"):
        trace[f["run_id"]] = f["trace_id"]
    if f.get("run_id") and f.get("parent_run_id"):
        parent[f["run_id"]] = f["parent_run_id"]
    i = j
head = [k for k, r in enumerate(rows) if r.startswith(" trace ")][0]
n = int(re.search(r": (\d+) runs", rows[head]).group(1))
shown = []  # (depth, run id)
for r in rows[head + 1:-1]:
    m = re.match(r"^ (.*?)\S (\S+)  \S+  (queued|running|completed|failed|cancelled|unknown)  ", r)
    if m:
        # a child's prefix: 3 columns per level between it and the root
        # ("│  " or blank), then "├─ " or "└─ "; a root has none
        shown.append((len(m.group(1)) // 3, m.group(2)))
ids = [x for _, x in shown]
assert rid in ids, "%s not in %r" % (rid, ids)
assert len(shown) == n, "the header says %d runs, %d shown" % (n, len(shown))
assert all(trace.get(x) == tid for x in ids), [(x, trace.get(x)) for x in ids if trace.get(x) != tid]
for k, (depth, x) in enumerate(shown):
    if depth == 0:
        assert parent.get(x) not in ids, "%s is at the top but its parent %s is shown" % (x, parent.get(x))
        continue
    up = [y for d, y in shown[:k] if d == depth - 1]
    assert up and up[-1] == parent.get(x), "%s drawn under %s, its parent is %s: %r" % (
        x, up[-1:], parent.get(x), rows[head:head + 1 + n])
EOF

# --- filters on the live dashboard ------------------------------------------------
tui_keys M a
tui_wait M 5 ' pick an agent '
ok $? "a opens the agent pick list"
tui_cap M >"$TMP/pick.cap"
mapfile -t PICK < <(tui_pick "$TMP/pick.cap" 200)
check "the pick list holds the generator's agents, sorted" python3 -c '
import sys
items = sys.argv[1:]
assert len(items) >= 5 and items == sorted(items), items
assert {"planner", "coder", "reviewer"} <= set(items), items' "${PICK[@]}"
AG=${PICK[1]}
tui_keys M j Enter
tui_wait M 5 "^ execmon .*filter agent=$AG "
ok $? "j, Enter picks the second agent: the header shows filter agent=$AG"
sleep 0.3
tui_cap M >"$TMP/fa.cap"
is "$(tui_pane "$TMP/fa.cap" Agents | sed 1d | awk 'NF {print $1}' | sort -u | tr '\n' ' ')" "$AG " \
	"the Agents pane lists only $AG"
tui_pane "$TMP/fa.cap" "Live runs" | grep -v '^ *$' >"$TMP/fa.runs"
check "every live run shown is one of $AG's" awk -v a="$AG" '
	/no running or queued runs match the filter/ { n++; next }
	{ n++; if ($3 != substr(a, 1, length($3))) { print "row: " $0; bad = 1 } }
	END { exit bad || n == 0 }' "$TMP/fa.runs"

tui_keys M s
tui_wait M 5 "filter agent=$AG,status=running "
ok $? "s sets the status filter (running), kept with the agent filter"
sleep 0.3
tui_cap M >"$TMP/fs.cap"
is "$(tui_pane "$TMP/fs.cap" "Live runs" | grep -c ' queued .* in ')" 0 "with status=running no queued run is listed"
tui_keys M s
tui_wait M 5 "filter agent=$AG,status=queued "
ok $? "s again cycles to status=queued"

# S: a snapshot of what is shown, with the filter
tui_keys M S
tui_wait M 5 'snapshot written to '
ok $? "S reports the snapshot in the status line"
SNAP=$(tui_cap M | sed -n 's/^.*snapshot written to \([^ ]*\).*$/\1/p' | head -1)
case $SNAP in /*) ;; *) SNAP="$TUI_DIR/$SNAP" ;; esac
[[ $(basename "$SNAP") =~ ^execmon-snapshot-[0-9]{8}T[0-9]{6}Z\.json$ ]] && [ -f "$SNAP" ]
ok $? "the snapshot is execmon-snapshot-<UTC stamp>.json in the current directory"
check "the snapshot parses as JSON" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$SNAP"
is "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("filter"))' "$SNAP" 2>&1)" \
	"agent=$AG,status=queued" "the snapshot records the active filter"
check "the snapshot's byAgent holds only $AG" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
names = {a.get("agentName") for a in s["performance"]["byAgent"]}
assert names <= {sys.argv[2]}, names' "$SNAP" "$AG"

tui_keys M f
wait_for 5 eval '! tui_match M "^ execmon .*filter "'
ok $? "f clears every filter"
sleep 0.3
tui_cap M >"$TMP/ff.cap"
is "$(tui_pane "$TMP/ff.cap" Agents | sed 1d | grep -c '[0-9]')" 5 "all five agents are back in the Agents pane"

# --- pause ---------------------------------------------------------------------------
tui_keys M p
tui_wait M 5 '^ execmon .* PAUSED '
ok $? "p shows PAUSED in the header"
sleep 0.5
tui_cap M >"$TMP/p1.cap"
n1=$(redis-cli -p "$REDIS_PORT_d" XLEN live)
sleep 2
tui_cap M >"$TMP/p2.cap"
n2=$(redis-cli -p "$REDIS_PORT_d" XLEN live)
[ "$n2" -gt "$n1" ]
ok $? "events keep arriving meanwhile ($n1 -> $n2)"
cmp -s <(tui_body "$TMP/p1.cap") <(tui_body "$TMP/p2.cap")
rc=$?
ok $rc "while paused the screen (all but the header and status lines) stays frozen"
[ $rc -eq 0 ] || diff <(tui_body "$TMP/p1.cap") <(tui_body "$TMP/p2.cap") | head -10 | sed 's/^/#   /'
head -1 "$TMP/p2.cap" | grep -q ' PAUSED '
ok $? "and still says PAUSED"
tui_keys M p
changed() { ! cmp -s <(tui_body "$TMP/p1.cap") <(tui_cap M | tui_body /dev/stdin); }
wait_for 5 changed
ok $? "p again resumes: the screen catches up"
tui_match M '^ execmon .* PAUSED '
is "$?" 1 "and PAUSED is gone"

# --- help: every key of the key table, at 200x60 and at 80x24 --------------------------
python3 - "$SRCDIR/src/keys.c" >"$TMP/keys.tsv" <<'EOF'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
table = re.search(r"static const struct key keys\[\] = \{(.*?)\n\};", src, re.S).group(1)
for line in table.split("\n"):
    s = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
    if len(s) >= 2:
        print("%s\t%s" % (s[0], s[1]))
EOF
[ "$(lines "$TMP/keys.tsv")" -ge 20 ]
ok $? "the key table in src/keys.c parses ($(lines "$TMP/keys.tsv") keys)"
help_lists_all() { # help_lists_all CAPTURE: each label, then the start of its text
	python3 - "$TMP/keys.tsv" "$1" <<'EOF'
import re, sys
keys = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
screen = open(sys.argv[2], encoding="utf-8").read()
missing = [k for k, h in keys
           if not re.search(r"(^|\s)" + re.escape(k) + r"\s+" + re.escape(h[:12]), screen, re.M)]
assert not missing, "not in the help: %r" % missing
EOF
}
for name in M S80; do
	tui_keys "$name" '?'
	tui_wait "$name" 5 ' keys( \(any key closes this\)| [0-9]+-[0-9]+ of [0-9]+ )'
	ok $? "? opens the help ($(tui_fmt "$name" '#{pane_width}x#{pane_height}'))"
	# a help taller than the screen scrolls: read it page by page
	tui_cap "$name" >"$TMP/help.cap"
	for _ in 1 2 3 4 5; do
		tui_match "$name" ' keys [0-9]+-([0-9]+) of \1 ' && break
		tui_match "$name" ' keys \(any key' && break
		tui_keys "$name" PageDown
		sleep 0.3
		tui_cap "$name" >>"$TMP/help.cap"
	done
	check "the help lists every key of the key table with its text ($name)" help_lists_all "$TMP/help.cap"
	tui_keys "$name" x
	tui_wait_titles "$name" 5
	ok $? "any key closes the help ($name)"
done
quit S80 >/dev/null

# --- the numbers agree with execmon snapshot (same data, same now) --------------------
wait "$SNAP_ALL_PID"
is "$?" 0 "execmon snapshot of the fixed stream"
tui_wait_titles F 15
sleep 0.3
tui_cap F >"$TMP/F.cap"
check "the Agents pane's runs equal the snapshot's byAgent executions" python3 - "$TMP" "$TMP/F.cap" "$TMP/snap-all.json" <<'EOF'
import json, re, sys
sys.path.insert(0, sys.argv[1])
from tui_screen import pane
snap = json.load(open(sys.argv[3]))["performance"]["byAgent"]
shown = []
for r in pane(sys.argv[2], "Agents")[1:]:
    m = re.match(r"^\s*(\S+)\s+(\d+)\s+(\S+%|-)\s", r)
    if m:
        shown.append((m.group(1), int(m.group(2))))
want = [(a["agentName"], a["executions"]) for a in snap][:len(shown)]
assert len(shown) >= 3, shown
assert shown == want, "screen %r, snapshot %r" % (shown, want)
assert sum(n for _, n in shown) > 0
EOF
check "the Models and Tools panes' calls equal the snapshot's" python3 - "$TMP" "$TMP/F.cap" "$TMP/snap-all.json" <<'EOF'
import json, re, sys
sys.path.insert(0, sys.argv[1])
from tui_screen import pane
s = json.load(open(sys.argv[3]))
def table(title):
    out = []
    for r in pane(sys.argv[2], title)[1:]:
        m = re.match(r"^\s*(\S+)\s+(\d+)\s", r)
        if m:
            out.append((m.group(1), int(m.group(2))))
    return out
models, tools = table("Models (tokens, cost)"), table("Tools")
wm = {m["modelId"]: m["calls"] for m in s["byModel"]}
wt = {t["toolId"]: t["calls"] for t in s["tools"]}
assert models and tools, (models, tools)
for k, n in models:
    assert wm.get(k) == n, ("model", k, n, wm)
for k, n in tools:
    assert wt.get(k) == n, ("tool", k, n, wt)
EOF

# --- filters narrow every pane (fixed data: exact before and after) -------------------
tui_keys F a
tui_wait F 5 ' pick an agent '
tui_cap F >"$TMP/pickF.cap"
idx=$(tui_pick "$TMP/pickF.cap" 200 | grep -nx planner | cut -d: -f1)
[ -n "$idx" ]
ok $? "planner is in the pick list"
for _ in $(seq 2 "${idx:-1}"); do tui_keys F Down; done
tui_keys F Enter
tui_wait F 5 '^ execmon .*filter agent=planner '
ok $? "picking planner sets filter agent=planner"
sleep 0.3
tui_cap F >"$TMP/Ff.cap"
check "the filter narrows every pane" python3 - "$TMP" "$TMP/F.cap" "$TMP/Ff.cap" <<'EOF'
import re, sys
sys.path.insert(0, sys.argv[1])
from tui_screen import pane
U, Fi = sys.argv[2], sys.argv[3]
def num(v):
    m = re.match(r"([\d.]+)([kM]?)", v)
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6}[m.group(2)]
def avg(cap):
    return num(re.search(r"avg (\S+)/min", "\n".join(pane(cap, "Throughput (finished / min)"))).group(1))
def dist(cap):
    return sum(int(m.group(1)) for r in pane(cap, "Latency (finished in window)")
               for m in [re.search(r"(\d+)\s+[\d.]+%$", r)] if m)
def calls(cap, t):
    return sum(int(m.group(1)) for r in pane(cap, t)[1:]
               for m in [re.match(r"^\s*\S+\s+(\d+)\s", r)] if m)
def queues(cap):
    return {m.group(1) for r in pane(cap, "Queues (depth, oldest wait)")
            for m in [re.match(r"^\s*(\S+)\s+(\d+)\s", r)] if m}
err = []
if not 0 < avg(Fi) < avg(U):
    err.append("throughput avg %s !< %s" % (avg(Fi), avg(U)))
if not 0 < dist(Fi) < dist(U):
    err.append("latency counts %d !< %d" % (dist(Fi), dist(U)))
for t in ("Models (tokens, cost)", "Tools"):
    if not 0 < calls(Fi, t) < calls(U, t):
        err.append("%s: %d !< %d" % (t, calls(Fi, t), calls(U, t)))
ag = [r.split()[0] for r in pane(Fi, "Agents")[1:] if r.strip()]
if ag != ["planner"]:
    err.append("agents %r" % ag)
for r in pane(Fi, "Live runs"):
    if r.strip() and "match the filter" not in r and r.split()[2] != "planner":
        err.append("a live run of another agent: " + r)
# queue depths are global gauges (SPEC): the same queues stay listed
if queues(Fi) != queues(U):
    err.append("queues %r vs %r" % (queues(Fi), queues(U)))
assert not err, err
EOF
tui_wait FC 15 '^ execmon .*filter agent=planner '
ok $? "--filter agent=planner on the command line shows the filter in the header"
tui_cap FC >"$TMP/FC.cap"
cmp -s <(tui_body "$TMP/Ff.cap") <(tui_body "$TMP/FC.cap")
rc=$?
ok $rc "--filter agent=planner shows the same screen as picking planner with a"
[ $rc -eq 0 ] || diff <(tui_body "$TMP/Ff.cap") <(tui_body "$TMP/FC.cap") | head -10 | sed 's/^/#   /'
wait "$SNAP_PL_PID"
check "and the filtered Agents row equals the filtered snapshot's" python3 - "$TMP" "$TMP/FC.cap" "$TMP/snap-planner.json" <<'EOF'
import json, re, sys
sys.path.insert(0, sys.argv[1])
from tui_screen import pane
a = json.load(open(sys.argv[3]))["performance"]["byAgent"]
shown = [(m.group(1), int(m.group(2))) for r in pane(sys.argv[2], "Agents")[1:]
         for m in [re.match(r"^\s*(\S+)\s+(\d+)\s", r)] if m]
assert shown and shown == [(x["agentName"], x["executions"]) for x in a], (shown, a)
EOF
quit F >/dev/null
quit FC >/dev/null

# --- hostile strings never reach the terminal -----------------------------------------
tui_wait_titles HO 15
ok $? "hostile data: the dashboard is shown"
clean() { # clean CAPTURE: no escape, no C1, no bidi or zero-width, header intact
	python3 - "$1" <<'EOF'
import sys
s = open(sys.argv[1], encoding="utf-8", errors="replace").read()
bad = [c for c in s if c == "\x1b" or "\x80" <= c <= "\x9f" or c in "\u200b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
assert not bad, "found %r" % sorted(set(bad))
rows = s.split("\n")
assert rows[0].startswith(" execmon "), "row 0 is %r" % rows[0]
assert not any(r.startswith("[ok] all systems normal") for r in rows), "a forged line"
EOF
}
tui_cap HO >"$TMP/ho.cap"
check "hostile data: no escape or control character is on the screen, the header is on row 0" clean "$TMP/ho.cap"
[ -z "$(tui_missing_titles "$TMP/ho.cap")" ]
ok $? "hostile data: no pane was wiped"
[ "$(tui_pane "$TMP/ho.cap" Agents | sed 1d | grep -c '[0-9]')" -gt 5 ]
ok $? "hostile agent names are listed (sanitized) in the Agents pane"
open_log HO
ok $? "hostile data: a run's log opens"
# and its bodies, read back from Redis, are on the screen
tui_wait HO 10 '^ event( \(lines 1-[0-9]+ of [0-9]+, J/K scroll\))? *$'
tui_cap HO >"$TMP/ho-log.cap"
check "hostile data: the log view holds no escape either" clean "$TMP/ho-log.cap"
tui_cap HO -e >"$TMP/ho-e.cap"
is "$(tui_sgr "$TMP/ho-e.cap" | grep -c '^5$')" 0 "hostile data: nothing blinks"
[ "$(tui_fmt HO '#{pane_title}')" != pwned ]
ok $? "hostile data: the terminal title was not changed"
is "$(tui list-buffers 2>/dev/null | grep -c .)" 0 "hostile data: OSC 52 never reached the clipboard"
quit HO >/dev/null

# --- resize ---------------------------------------------------------------------------
tui_resize M 100 30
tui_wait_titles M 5
ok $? "resized to 100x30: every pane is shown"
tui_resize M 60 20
tui_wait M 5 'execmon needs 80x24, this terminal is 60x20'
ok $? "at 60x20: the message names the size needed"
tui_resize M 10 3
sleep 0.8
tui_alive M
ok $? "at 10x3 execmon is still running"
tui_match M '^execmon'
ok $? "at 10x3 the message is cut to the width, not wrapped"
tui_resize M 120 40
tui_wait_titles M 5
ok $? "back at 120x40: every pane again"
tui_match M '^ execmon .* live .*window 1h '
ok $? "and the header"

# --- q exits 0 and restores the terminal ----------------------------------------------
is "$(quit M)" "EXIT=0" "q exits with status 0"
wait_for 3 restored M
ok $? "after q the terminal is restored (normal screen, cursor, echo, icanon)"
for name in S80 S120 NC NCF F FC HO; do
	is "$(cat "$TMP/$name.exit" 2>/dev/null)" EXIT=0 "the $name dashboard ended with q and status 0"
done
grep -l 'runtime error\|AddressSanitizer\|LeakSanitizer' "$TMP"/*.err >"$TMP/san" 2>/dev/null
is "$(lines "$TMP/san")" 0 "no sanitizer report on any dashboard's stderr"
[ "$(lines "$TMP/san")" -eq 0 ] || head -5 "$(head -1 "$TMP/san")" | sed 's/^/#   /'

done_testing
