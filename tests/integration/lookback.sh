#!/usr/bin/env bash
# The dashboard in time: compare (c) shows the previous window's figures as
# `execmon snapshot` has them in vsLastPeriod; look-back ([ ] l) shows the
# screen as of an earlier now, equal to a headless snapshot with that --now,
# keeps reading meanwhile, stops at the oldest event held, and goes live.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis lb || exit 1
R="redis://127.0.0.1:$REDIS_PORT_lb"
W=900000 # 15m
STEP=90000 # a tenth of it
# An hour of history ending a minute ago, a failure surge 40 minutes in. The
# entry IDs are the event times (--ts-mode id), so that a snapshot with a
# --now in the past reads what was there then; a second stream takes the
# events written later.
G=$(ms_now)
"$EXECMON_GEN" --redis "$R" --stream lb:events --start-ts $((G - 3600000 - 60000)) --duration 1h \
	--rate 0.5 --inject surge@40m+300s --seed 11 --ts-mode id >/dev/null 2>"$TMP/gen.err"
ok $? "an hour of history is in Redis"
NOW=$(ms_now)
SRC=(--redis "$R" --stream lb:events --stream lb:late)

tui_init || exit 1

# settle NAME: wait until no source is reading its history (again)
settle() {
	sleep 0.5
	for _ in $(seq 1 160); do
		tui_match "$1" 'reading its history|backfill|%\]' || break
		sleep 0.25
	done
}

# same_figures A B [KEY...]: every figure but the ones about this process,
# asOf, alerts, budgets and the KEYs named.
same_figures() {
	python3 "$SRCDIR/tests/integration/same-snapshot.py" "$@" asOf alerts budgets
}
# Looking back, the runs list, the unfinished count and the runs in progress
# at the as-of time do not yet agree with execmon snapshot --now (a run that
# finishes just before it is shown finished on the screen, unfinished by the
# snapshot): the as-of comparisons leave those out.
ASOF_SKIP=(runs runCounts realtime)

# --- compare: the previous window equals the snapshot's vsLastPeriod ---------
# check_compare NAME CAPTURE: the throughput pane's "prev N runs C ok R% ..."
# and the latency pane's "avg X prev Y C" against vsLastPeriod, and every
# agent's, model's and tool's change against a snapshot of the window before.
cat >"$TMP/compare.py" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[4])
from tui_screen import pane
cap, cur_f, prev_f = sys.argv[1:4]
big = sys.argv[5] == "big"
cur, prev = json.load(open(cur_f)), json.load(open(prev_f))
vs = cur["performance"]["vsLastPeriod"]
bad = []

def change(c, p):
    # format_change() in src/format.c
    if c < 0 or p < 0 or (c == 0 and p == 0):
        return "-"
    if p == 0:
        return "new"
    pct = (c - p) * 100.0 / p
    if pct == 0:
        return "0%"
    if -0.95 < pct < 0.95:
        return "%+.1f%%" % pct
    return "%+.0f%%" % pct

def near(shown, want, digits):
    # the screen rounds the exact figure, the snapshot rounds to 2 decimals
    return abs(float(shown) - want) <= 0.5 * 10 ** -digits + 0.006

tp = "\n".join(pane(cap, "Throughput (finished / min)") or [])
m = re.search(r"prev (\d+) runs (\S+)(?:\s+ok ([0-9.]+)% ([-+][0-9.]+)pt)?", tp)
if not m:
    bad.append("no 'prev N runs' line in the throughput pane")
else:
    if int(m.group(1)) != vs["previousExecutions"]:
        bad.append("prev runs %s against previousExecutions %s" % (m.group(1), vs["previousExecutions"]))
    if vs["executionsChange"] is None:
        if m.group(2) != "new":
            bad.append("change %s against null executionsChange" % m.group(2))
    elif m.group(2) != change(cur["performance"]["totalExecutions"], vs["previousExecutions"]):
        bad.append("change %s against executionsChange %s" % (m.group(2), vs["executionsChange"]))
    elif not near(m.group(2).rstrip("%"), vs["executionsChange"], 0 if abs(vs["executionsChange"]) >= 0.95 else 1):
        bad.append("change %s against executionsChange %s" % (m.group(2), vs["executionsChange"]))
    if vs["previousSuccessRate"] is not None:
        if m.group(3) is None or not near(m.group(3), vs["previousSuccessRate"], 1):
            bad.append("prev ok %s against previousSuccessRate %s" % (m.group(3), vs["previousSuccessRate"]))
        if m.group(4) is None or not near(m.group(4), vs["successRateChange"], 1):
            bad.append("ok change %s against successRateChange %s" % (m.group(4), vs["successRateChange"]))
lat = "\n".join(pane(cap, "Latency (finished in window)") or [])
m = re.search(r"avg\s+(\S+)\s+prev (\S+) (\S+)", lat)
if not m:
    bad.append("no 'avg X prev Y C' line in the latency pane")
elif vs["latencyChange"] is None:
    if m.group(3) != "-":
        bad.append("latency change %s against null" % m.group(3))
elif not m.group(3).endswith("%") or not near(m.group(3).rstrip("%"), vs["latencyChange"], 0):
    bad.append("latency change %s against latencyChange %s" % (m.group(3), vs["latencyChange"]))
if big and vs["previousAvgLatency"] is not None:
    if not re.search(r"\b(exec)\b.*\n\s*prev\s", lat):
        bad.append("no previous percentiles under exec")
# the tables: each row's change against the window before
def rows(title, key, name, count):
    p = pane(cap, title) or []
    got = {}
    for line in p[1:]:
        f = line.split()
        if len(f) >= 2:
            got[f[0]] = f[-1]
    before = {name(x): count(x) for x in prev.get(key[0], {}).get(key[1], [])} if key[0] else \
        {name(x): count(x) for x in prev[key[1]]}
    now = {name(x): count(x) for x in cur[key[0]][key[1]]} if key[0] else \
        {name(x): count(x) for x in cur[key[1]]}
    n = 0
    for k, shown in got.items():
        if k not in now or k.endswith("…"):
            continue
        n += 1
        want = change(now[k], before.get(k, 0))
        if shown != want:
            bad.append("%s %s: %s against %s (%s then %s)" % (title, k, shown, want, before.get(k, 0), now[k]))
    if n == 0:
        bad.append("%s: no row with a change" % title)
rows("Agents", ("performance", "byAgent"), lambda a: a["agentName"], lambda a: a["executions"])
rows("Tools", (None, "tools"), lambda t: t["toolId"], lambda t: t["calls"])
rows("Models (tokens, cost)", (None, "byModel"), lambda t: t["modelId"], lambda t: t["calls"])
for b in bad[:12]:
    print("#   " + b)
sys.exit(1 if bad else 0)
PY

compare_at() {
	local name=$1 w=$2 h=$3
	tui_run "$name" "$w" "$h" "${SRC[@]}" --window 15m --now "$NOW"
	tui_wait "$name" 30 ' window 15m |15m' >/dev/null
	tui_wait "$name" 30 'ok +p50|ok p50' >/dev/null
	settle "$name"
	tui_keys "$name" c
	tui_wait "$name" 10 'prev [0-9]+ runs'
	ok $? "$name (${w}x${h}): c shows the previous window"
	tui_match "$name" 'vs previous'
	ok $? "$name: the header says the screen compares"
	sleep 0.3
	tui_cap "$name" >"$TMP/$name.cap"
	python3 "$TMP/compare.py" "$TMP/$name.cap" "$TMP/cur.json" "$TMP/prev.json" "$TMP" \
		"$([ "$h" -ge 40 ] && echo big || echo small)"
	ok $? "$name: the previous window's runs, success, latency and the tables' changes equal execmon snapshot's"
	tui_snap "$name" "$TMP/$name.snap.json"
	ok $? "$name: S writes a snapshot"
	same_figures "$TMP/$name.snap.json" "$TMP/cur.json"
	ok $? "$name: it equals execmon snapshot --now, vsLastPeriod included"
	tui_keys "$name" c
	wait_for 5 sh -c "! tmux -L '$TUI_SOCK' -f /dev/null capture-pane -p -t '=$name:' | grep -q 'prev [0-9]* runs'"
	ok $? "$name: c again hides it"
	tui_keys "$name" q
}

"$EXECMON" snapshot "${SRC[@]}" --window 15m --now "$NOW" -o "$TMP/cur.json" 2>"$TMP/snap.err"
ok $? "execmon snapshot --now"
"$EXECMON" snapshot "${SRC[@]}" --window 15m --now $((NOW - W)) -o "$TMP/prev.json" 2>>"$TMP/snap.err"
python3 - "$TMP/cur.json" "$TMP/prev.json" <<'PY'
import json, sys
c, p = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if c["performance"]["vsLastPeriod"]["previousExecutions"] == p["performance"]["totalExecutions"] else 1)
PY
ok $? "vsLastPeriod's previous window is the window before: snapshot --now now-15m"
compare_at cmpbig 120 40
compare_at cmpsmall 80 24

# --- look back: the screen as of an earlier now ------------------------------
hms() { python3 -c 'import sys, time; print(time.strftime("%H:%M:%S", time.gmtime(int(sys.argv[1]) // 1000)))' "$1"; }
iso() { python3 -c 'import sys, time; t = int(sys.argv[1]); print(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1000)) + ".%03dZ" % (t % 1000))' "$1"; }

tui_run lb 120 40 "${SRC[@]}" --window 15m --now "$NOW"
tui_wait lb 30 ' window 15m ' >/dev/null
tui_wait lb 30 'ok +p50' >/dev/null
settle lb
tui_snap lb "$TMP/live0.json"
same_figures "$TMP/live0.json" "$TMP/cur.json"
ok $? "live: the screen equals execmon snapshot --now"
N=3
for _ in $(seq 1 "$N"); do
	tui_keys lb '['
	settle lb
done
ASOF=$(( (NOW - 1) / STEP * STEP - (N - 1) * STEP ))
tui_wait lb 10 "as of $(hms "$ASOF"), not live"
ok $? "after $N steps back the header says: as of $(hms "$ASOF"), not live"
tui_cap lb -e | head -1 >"$TMP/lb.head"
tui_sgr "$TMP/lb.head" >"$TMP/lb.sgr"
grep -qE '^(7|bg)$' "$TMP/lb.sgr"
ok $? "in a style of its own (reverse or a background)"
tui_snap lb "$TMP/lb.json"
ok $? "S while looking back writes a snapshot"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("asOf"))' "$TMP/lb.json")" \
	"$(iso "$ASOF")" "it says asOf"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generatedAt"])' "$TMP/lb.json")" \
	"$(iso "$ASOF")" "and is generated at that time"
if python3 -c 'import jsonschema' 2>/dev/null; then
	python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
		"$TMP/lb.json" "$SRCDIR/doc/snapshot.schema.json" 2>"$TMP/schema.err"
	ok $? "it follows doc/snapshot.schema.json ($(tail -1 "$TMP/schema.err"))"
fi
"$EXECMON" snapshot "${SRC[@]}" --window 15m --now "$ASOF" -o "$TMP/asof.json" 2>>"$TMP/snap.err"
same_figures "$TMP/lb.json" "$TMP/asof.json" "${ASOF_SKIP[@]}"
ok $? "every figure equals execmon snapshot --now $(hms "$ASOF")"
python3 - "$TMP/asof.json" "$TMP/cur.json" <<'PY'
import json, sys
a, c = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if a["performance"]["totalExecutions"] != c["performance"]["totalExecutions"] else 1)
PY
ok $? "(and they differ from the live ones)"
want=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["performance"]; print("%.1f%% ok" % p["successRate"])' "$TMP/asof.json")
tui_match lb "$want"
ok $? "the summary line shows the success rate then ($want)"

# Events keep being read while looking back; going live shows them.
"$EXECMON_GEN" --redis "$R" --stream lb:late --start-ts $((NOW - 120000)) --runs 6 \
	--time-scale 0.2 --seed 12 --ts-mode id >/dev/null 2>>"$TMP/gen.err"
ok $? "six more runs are written while looking back"
sleep 2
tui_snap lb "$TMP/lb2.json"
same_figures "$TMP/lb2.json" "$TMP/asof.json" "${ASOF_SKIP[@]}"
ok $? "new events after the as-of time leave the screen as it was"
tui_keys lb ']'
settle lb
tui_wait lb 10 "as of $(hms $((ASOF + STEP))), not live"
ok $? "] steps forward"
tui_keys lb l
wait_for 10 sh -c "! tmux -L '$TUI_SOCK' -f /dev/null capture-pane -p -t '=lb:' | head -1 | grep -q 'not live'"
ok $? "l goes live: the header no longer says not live"
"$EXECMON" snapshot "${SRC[@]}" --window 15m --now "$NOW" -o "$TMP/cur2.json" 2>>"$TMP/snap.err"
tui_snap lb "$TMP/live1.json"
same_figures "$TMP/live1.json" "$TMP/cur2.json"
ok $? "live again: every figure equals execmon snapshot --now, the new events included"
python3 -c 'import json,sys; sys.exit(0 if "asOf" not in json.load(open(sys.argv[1])) else 1)' "$TMP/live1.json"
ok $? "a live snapshot has no asOf"
python3 - "$TMP/cur2.json" "$TMP/cur.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if a["performance"]["totalExecutions"] > b["performance"]["totalExecutions"] else 1)
PY
ok $? "(the new runs are in)"
tui_keys lb ']'
tui_wait lb 5 'live already'
ok $? "] when live says so"
tui_keys lb q

# --- a replay file: its now is its newest event; it is read again ----------
N_EV=$(redis-cli -p "$REDIS_PORT_lb" XLEN lb:events)
"$EXECMON" record --redis "$R" --stream lb:events --window 3h --count "$N_EV" \
	-o "$TMP/lb.jsonl" 2>"$TMP/record.err"
ok $? "the history recorded to a file ($N_EV events)"
LAST=$(python3 -c '
import json, sys
print(max(json.loads(l)["ts"] for l in open(sys.argv[1]) if l.strip()))' "$TMP/lb.jsonl")
tui_run rp 120 40 --replay "$TMP/lb.jsonl" --window 15m
tui_wait rp 30 ' window 15m ' >/dev/null
tui_wait rp 30 'ok +p50' >/dev/null
settle rp
for _ in 1 2; do
	tui_keys rp '['
	settle rp
done
RASOF=$(( (LAST - 1) / STEP * STEP - STEP ))
tui_wait rp 10 "as of $(hms "$RASOF"), not live"
ok $? "--replay: two steps back from its newest event show as of $(hms "$RASOF")"
tui_snap rp "$TMP/rp.json"
"$EXECMON" snapshot --replay "$TMP/lb.jsonl" --window 15m --now "$RASOF" -o "$TMP/rp.head.json" 2>>"$TMP/snap.err"
same_figures "$TMP/rp.json" "$TMP/rp.head.json"
ok $? "--replay: every figure equals execmon snapshot --replay --now of that time"
tui_keys rp q

# --- the limit: no screen before the oldest event held ----------------------
tui_run lim 80 24 "${SRC[@]}" --window 1h --now "$NOW"
tui_wait lim 30 ' window 1h ' >/dev/null
tui_wait lim 30 'ok p50|ok +p50' >/dev/null
settle lim
OLDEST=$((G - 3600000 - 60000))
found=1
for _ in $(seq 1 16); do
	tui_keys lim '['
	settle lim
	if tui_match lim 'look-back limit: the oldest event held is at'; then
		found=0
		break
	fi
done
ok $found "stepping back stops at the oldest event held, and says so"
tui_cap lim >"$TMP/lim.cap"
shown=$(head -1 "$TMP/lim.cap" | grep -oE 'as of [0-9:]+' | awk '{print $3}')
python3 - "$shown" "$OLDEST" "$NOW" <<'PY'
import sys, time, calendar
hms, oldest, now = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
day = time.strftime("%Y-%m-%d", time.gmtime(oldest // 1000))
t = calendar.timegm(time.strptime(day + " " + hms, "%Y-%m-%d %H:%M:%S")) * 1000
step = 360000
sys.exit(0 if oldest <= t < oldest + step + 60000 else 1)
PY
ok $? "the last screen ($shown) is the last step at or after the oldest event"
tui_keys lim q

done_testing
