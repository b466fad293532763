#!/usr/bin/env bash
# The dashboard in a real terminal: tmux runs execmon against a private
# redis-server that execmon-gen fills (30 minutes of history, then live), and
# the test reads the screen back: panes at three sizes, header, filters,
# drill-down, trace, pause, snapshot, help, resize, colours, themes, exit and
# hostile strings, and the numbers against `execmon snapshot`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

for tool in tmux redis-server python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done

start_redis d || exit 1
R="redis://127.0.0.1:$REDIS_PORT_d"
NOW=$(python3 -c 'import time; print(int(time.time() * 1000))')
FROM=$((NOW - 30 * 60000))

# History: three streams over the last 30 minutes, written at once.
# live: then followed by a real-time generator; fixed: nothing more (for exact
# numbers with a pinned now); hostile: escape sequences in names and messages.
gen() { "$EXECMON_GEN" --redis "$R" --start-ts "$FROM" --duration 30m "$@" >/dev/null 2>>"$TMP/gen.err"; }
gen --stream live --rate 2 --seed 11 &&
	gen --stream fixed --rate 2 --seed 12 &&
	gen --stream hostile --rate 0.5 --hostile 0.5 --seed 13
ok $? "execmon-gen wrote the history"
"$EXECMON_GEN" --redis "$R" --stream live --rate 5 --seed 21 >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"
"$EXECMON_GEN" --redis "$R" --stream hostile --rate 2 --hostile 1 --seed 23 >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"

LIVE=(--redis "$R" --stream live)
FIXED=(--redis "$R" --stream fixed --now "$NOW")

tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
# Every dashboard starts now, side by side; each check below reads one.
tui_run M 200 60 "${LIVE[@]}"                       # the main one: keys, resize, q
tui_run S80 80 24 "${LIVE[@]}"                      # smallest size, default theme
tui_run S120 120 40 "${LIVE[@]}" --theme mono       # medium size, mono theme
tui_run NC 80 24 NO_COLOR=1 "${LIVE[@]}"            # NO_COLOR
tui_run NCF 120 40 "${LIVE[@]}" --no-color          # --no-color
tui_run T 80 24 "${LIVE[@]}"                        # SIGTERM
tui_run F 200 60 "${FIXED[@]}"                      # fixed data, pinned now
tui_run HO 120 40 --redis "$R" --stream hostile     # hostile strings
tui_run BAD 80 24 "${LIVE[@]}" --theme nosuch       # unknown theme

snapfile() { # the execmon snapshot of the fixed stream, as a file
	local out="$TMP/snap-$1.json"
	shift
	[ -s "$out" ] || "$EXECMON" snapshot "${FIXED[@]}" --window 1h "$@" -o "$out" 2>>"$TMP/snap.err"
	echo "$out"
}

# --- every pane at 80x24, 120x40 and 200x60 ---------------------------------
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
done

# --- header -------------------------------------------------------------------
tui_wait M 10 '^ execmon .* live .*window 1h'
ok $? "the header names the source (live) and the window 1h"
tui_cap M >"$TMP/cap"
head -1 "$TMP/cap" | grep -Eq '[0-9]{2}:[0-9]{2}:[0-9]{2}Z *$'
ok $? "the header ends with the clock"
sed -n 2p "$TMP/cap" | grep -Eq '[0-9]+ running +[0-9]+ queued'
ok $? "the summary line shows running and queued counts"
tui_match M 'window 1h.*filter'
is "$?" 1 "no filter is shown when none is set"

# --- drill-down: Enter on a run, its log; t, its trace; Esc back ----------------
tui_keys M Enter
tui_wait M 10 '^ run [^ ]+ '
ok $? "Enter on a live run opens its event log"
sleep 0.3
tui_cap M >"$TMP/log.cap"
RID=$(sed -n 3p "$TMP/log.cap" | sed -n 's/^ run \([^ ]*\) .*/\1/p')
TID=$(sed -n 3p "$TMP/log.cap" | sed -n 's/.* trace \([^ ]*\) .*/\1/p')
[ -n "$RID" ]
ok $? "the log names the run ($RID)"
"$EXECMON" events "$RID" "${LIVE[@]}" --format json >"$TMP/events.json" 2>"$TMP/events.err"
is "$?" 0 "execmon events finds the same run"
check "the log shows that run's events, in order, as execmon events does" python3 - "$TMP/log.cap" "$TMP/events.json" <<'EOF'
import json, re, sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
want = [e["type"] for e in json.load(open(sys.argv[2]))]
shown = []
for r in rows[3:]:
    if r.startswith(" event "):
        break
    m = re.match(r"^\s*(\+\S+|\d{4}-\S+)\s+(\S+)", r)
    if m:
        shown.append(m.group(2))
assert len(shown) >= 2, "fewer than 2 events shown: %r" % rows[3:8]
assert set(shown) <= {"run.queued", "run.started", "run.progress", "run.completed", "run.failed",
                      "run.cancelled", "run.retry", "llm.call", "tool.call", "agent.thinking",
                      "log"}, shown
# the log follows live, so it shows a run of consecutive events of the run
ok = any(want[i:i + len(shown)] == shown for i in range(len(want) - len(shown) + 1))
assert ok, "shown %r not within %r" % (shown, want)
EOF
grep -q '^ event ' "$TMP/log.cap" && grep -q "\"run_id\": \"$RID\"" "$TMP/log.cap"
ok $? "the selected event's payload is pretty-printed below the list"

[ -n "$TID" ] && [ "$TID" != "-" ]
ok $? "the run has a trace id ($TID)"
tui_keys M t
tui_wait M 10 "^ trace $TID: [0-9]+ runs"
ok $? "t in the log opens the trace view of that trace"
tui_cap M >"$TMP/trace.cap"
"$EXECMON" runs "${LIVE[@]}" --trace "$TID" --format json --limit 1000 >"$TMP/trace.json" 2>/dev/null
check "the trace tree holds the run and only runs of that trace" python3 - "$TMP/trace.cap" "$TMP/trace.json" "$RID" <<'EOF'
import json, re, sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
data = json.load(open(sys.argv[2]))
if isinstance(data, dict):
    data = data.get("runs", [])
ids = {r.get("id") or r.get("runId") or r.get("run_id") for r in data}
head = [i for i, r in enumerate(rows) if r.startswith(" trace ")][0]
n = int(re.search(r": (\d+) runs", rows[head]).group(1))
shown = []
for r in rows[head + 1:-1]:
    m = re.search(r"(\S+)\s+(\S+)\s{2}(queued|running|completed|failed|cancelled)\s{2}", r)
    if m:
        shown.append(m.group(1))
assert sys.argv[3] in shown, "%s not in %r" % (sys.argv[3], shown)
assert len(shown) == n, "header says %d runs, %d shown" % (n, len(shown))
assert set(shown) <= ids, "not in the trace: %r" % (set(shown) - ids)
EOF
tui_keys M Escape
tui_wait M 5 "^ run $RID "
ok $? "Esc goes back from the trace to the run's log"
tui_keys M Escape
tui_wait_titles M 5
ok $? "Esc again goes back to the dashboard"

# --- filters on the live dashboard ------------------------------------------
tui_keys M a
tui_wait M 5 ' pick an agent '
ok $? "a opens the agent pick list"
tui_cap M >"$TMP/pick.cap"
mapfile -t PICK < <(awk '/ pick an agent /{on=1; next} on && NF==0 {exit} on' "$TMP/pick.cap" |
	sed 's/^ *//; s/ *$//' | grep -v '^$')
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
tui_pane "$TMP/fa.cap" Agents | sed 1d | grep -v '^ *$' >"$TMP/fa.agents"
is "$(awk '{print $1}' "$TMP/fa.agents" | sort -u | tr '\n' ' ')" "$AG " \
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
tui_pane "$TMP/fs.cap" "Live runs" | grep -c ' queued .* in ' >"$TMP/n"
is "$(cat "$TMP/n")" 0 "with status=running no queued run is listed"
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

# --- pause --------------------------------------------------------------------
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
ok $rc "while paused the screen (all but the clock line) stays frozen"
[ $rc -eq 0 ] || diff <(tui_body "$TMP/p1.cap") <(tui_body "$TMP/p2.cap") | head -10 | sed 's/^/#   /'
head -1 "$TMP/p2.cap" | grep -q ' PAUSED '
ok $? "and still says PAUSED"
tui_keys M p
changed() { ! cmp -s <(tui_body "$TMP/p1.cap") <(tui_cap M | tui_body /dev/stdin); }
wait_for 5 changed
ok $? "p again resumes: the screen catches up"
tui_match M '^ execmon .* PAUSED '
is "$?" 1 "and PAUSED is gone"

# --- help: every key of the key table, at 200x60 and at 80x24 -------------------
python3 - "$SRCDIR/src/keys.c" >"$TMP/keys.tsv" <<'EOF'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
table = re.search(r"static const struct key keys\[\] = \{(.*?)\n\};", src, re.S).group(1)
for line in table.split("\n"):
    s = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
    if len(s) >= 2:
        print("%s\t%s" % (s[0], s[1]))
EOF
is "$([ "$(lines "$TMP/keys.tsv")" -ge 20 ] && echo yes)" yes "the key table in src/keys.c parses ($(lines "$TMP/keys.tsv") keys)"
help_lists_all() { # help_lists_all CAPTURE
	python3 - "$TMP/keys.tsv" "$1" <<'EOF'
import re, sys
keys = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
screen = open(sys.argv[2], encoding="utf-8").read()
missing = [k for k, h in keys
           if not re.search(re.escape(k) + r"\s+" + re.escape(h[:12]), screen)]
assert not missing, "not in the help: %r" % missing
EOF
}
for name in M S80; do
	tui_keys "$name" '?'
	tui_wait "$name" 5 ' keys \(any key closes this\) '
	ok $? "? opens the help ($(tui_fmt "$name" '#{pane_width}x#{pane_height}'))"
	tui_cap "$name" >"$TMP/help.cap"
	check "the help lists every key of the key table with its text ($name)" help_lists_all "$TMP/help.cap"
	tui_keys "$name" x
	tui_wait_titles "$name" 5
	ok $? "any key closes the help ($name)"
done

# --- the numbers agree with execmon snapshot (same data, same now) -------------
tui_wait_titles F 15
sleep 0.5
tui_cap F >"$TMP/F.cap"
S_ALL=$(snapfile all)
check "the Agents pane's runs equal the snapshot's byAgent executions" python3 - "$TMP" "$TMP/F.cap" "$S_ALL" <<'EOF'
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
check "the Models and Tools panes' calls equal the snapshot's" python3 - "$TMP" "$TMP/F.cap" "$S_ALL" <<'EOF'
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

# --- filters narrow every pane (fixed data: exact before/after) ----------------
# the same filter from the command line, to compare with
tui_run FC 200 60 "${FIXED[@]}" --filter agent=planner
tui_keys F a
tui_wait F 5 ' pick an agent '
tui_cap F >"$TMP/pickF.cap"
idx=$(awk '/ pick an agent /{on=1; next} on && NF==0 {exit} on' "$TMP/pickF.cap" |
	sed 's/^ *//; s/ *$//' | grep -nx planner | cut -d: -f1)
[ -n "$idx" ]
ok $? "planner is in the pick list"
for _ in $(seq 2 "${idx:-1}"); do tui_keys F Down; done
tui_keys F Enter
tui_wait F 5 '^ execmon .*filter agent=planner '
ok $? "picking planner sets filter agent=planner"
sleep 0.5
tui_cap F >"$TMP/Ff.cap"
S_PL=$(snapfile planner --filter agent=planner)
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
def flagged(cap):
    return {m.group(1) for r in pane(cap, "Anomalies & stuck runs")
            for m in [re.match(r"^\s*(?:STUCK|RUNAWAY) (\S+):", r)] if m}
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
# queue depths are global gauges; the queues listed stay the known ones
if not queues(Fi) <= queues(U):
    err.append("queues %r vs %r" % (queues(Fi), queues(U)))
# stuck/runaway runs under the filter are among those flagged without it
if not flagged(Fi) <= flagged(U) | set():
    err.append("flagged %r vs %r" % (flagged(Fi), flagged(U)))
assert not err, err
EOF
tui_wait FC 15 '^ execmon .*filter agent=planner '
ok $? "--filter agent=planner on the command line shows the filter in the header"
sleep 0.5
tui_cap FC >"$TMP/FC.cap"
cmp -s <(tui_body "$TMP/Ff.cap") <(tui_body "$TMP/FC.cap")
rc=$?
ok $rc "--filter agent=planner shows the same screen as picking planner with a"
[ $rc -eq 0 ] || diff <(tui_body "$TMP/Ff.cap") <(tui_body "$TMP/FC.cap") | head -10 | sed 's/^/#   /'
check "and the filtered Agents row equals the filtered snapshot's" python3 - "$TMP" "$TMP/FC.cap" "$S_PL" <<'EOF'
import json, re, sys
sys.path.insert(0, sys.argv[1])
from tui_screen import pane
a = json.load(open(sys.argv[3]))["performance"]["byAgent"]
shown = [(m.group(1), int(m.group(2))) for r in pane(sys.argv[2], "Agents")[1:]
         for m in [re.match(r"^\s*(\S+)\s+(\d+)\s", r)] if m]
assert shown == [(x["agentName"], x["executions"]) for x in a], (shown, a)
EOF

# --- resize -------------------------------------------------------------------
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
tui_match M '^ execmon .* live .*window 1h'
ok $? "and the header"

# --- colours and themes ---------------------------------------------------------
tui_wait_titles NC 10
ok $? "NO_COLOR=1: the dashboard is shown"
tui_cap NC -e >"$TMP/nc.cap"
is "$(tui_colours "$TMP/nc.cap")" 0 "NO_COLOR=1: no colour escapes on the screen"
tui_wait_titles NCF 10
tui_cap NCF -e >"$TMP/ncf.cap"
is "$(tui_colours "$TMP/ncf.cap")" 0 "--no-color: no colour escapes on the screen"
tui_cap S80 -e >"$TMP/col.cap"
[ "$(tui_colours "$TMP/col.cap")" -gt 0 ]
ok $? "the default theme does use colours ($(tui_colours "$TMP/col.cap") escapes)"
tui_alive S120 && tui_has_titles S120
ok $? "--theme mono works"
wait_for 10 test -s "$TMP/BAD.exit"
is "$(cat "$TMP/BAD.exit" 2>/dev/null)" "EXIT=2" "--theme nosuch exits 2"
[ "$(lines "$TMP/BAD.err")" -eq 1 ] && grep -q "^execmon: .*nosuch" "$TMP/BAD.err"
ok $? "with one line naming the theme"

# --- hostile strings never reach the terminal ------------------------------------
tui_wait_titles HO 15
ok $? "hostile data: the dashboard is shown"
sleep 1
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
tui_pane "$TMP/ho.cap" Agents | sed 1d | grep -c '[0-9]' >"$TMP/n"
[ "$(cat "$TMP/n")" -gt 5 ]
ok $? "hostile agent names are listed (sanitized) in the Agents pane"
tui_keys HO Enter
tui_wait HO 5 '^ run [^ ]+ '
ok $? "hostile data: a run's log opens"
sleep 0.3
tui_cap HO >"$TMP/ho-log.cap"
check "hostile data: the log view holds no escape either" clean "$TMP/ho-log.cap"
tui_cap HO -e | grep -Eq $'\e\\[([0-9;]*;)?5(;[0-9;]*)?m'
is "$?" 1 "hostile data: nothing blinks"
[ "$(tui_fmt HO '#{pane_title}')" != pwned ]
ok $? "hostile data: the terminal title was not changed"
is "$(tui list-buffers 2>/dev/null | grep -c .)" 0 "hostile data: OSC 52 never reached the clipboard"

# --- q and SIGTERM exit 0 and restore the terminal --------------------------------
restored() { # restored NAME: normal screen, cursor on, cooked mode, the shell after
	[ "$(tui_fmt "$1" '#{alternate_on}')" = 0 ] &&
		[ "$(tui_fmt "$1" '#{cursor_flag}')" = 1 ] &&
		grep -Eq '(^| )icanon' "$TMP/$1.stty" && grep -Eq '(^| )echo( |$)' "$TMP/$1.stty" &&
		tui_match "$1" '^\[execmon has exited\]'
}
tui_keys M q
wait_for 5 test -s "$TMP/M.exit"
is "$(cat "$TMP/M.exit" 2>/dev/null)" "EXIT=0" "q exits with status 0"
wait_for 3 restored M
ok $? "after q the terminal is restored (normal screen, cursor, echo, icanon)"
tui_alive T
ok $? "the SIGTERM target is running"
kill -TERM "$(tui_pid T)"
wait_for 5 test -s "$TMP/T.exit"
is "$(cat "$TMP/T.exit" 2>/dev/null)" "EXIT=0" "SIGTERM exits with status 0"
wait_for 3 restored T
ok $? "after SIGTERM the terminal is restored"
for name in S80 S120 NC NCF F FC HO; do
	tui_alive "$name" || echo "# $name died: $(cat "$TMP/$name.exit" 2>/dev/null) $(head -3 "$TMP/$name.err")"
done
[ -z "$(cat "$TMP"/{S80,S120,NC,NCF,F,FC,HO}.exit 2>/dev/null)" ]
ok $? "no other dashboard died along the way"
grep -l 'runtime error\|AddressSanitizer' "$TMP"/*.err >"$TMP/san" 2>/dev/null
is "$(lines "$TMP/san")" 0 "no sanitizer report on any dashboard's stderr"

done_testing
