#!/usr/bin/env bash
# Scale faults: a ten-year window over a tiny stream costs what the stream
# holds; --window has a maximum; a snapshot over 200 000 running runs writes
# bounded lists with the true counts; the dashboard over them answers a key.
# No timing is asserted: memory is measured with a generous bound, and the
# dashboard is only asked to change its screen after a key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
SCHEMA="$SRCDIR/doc/snapshot.schema.json"

need_tools tmux redis-server redis-cli python3
if [ ! -x /usr/bin/time ] || ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "1..0 # SKIP /usr/bin/time and python3-jsonschema are needed"
	exit 0
fi

start_redis s || { echo "Bail out! redis-server did not start"; exit 1; }
P=$REDIS_PORT_s
R="redis://127.0.0.1:$P"
NOW=$(ms_now)

# --- a ten-year window over 45 runs -----------------------------------------
"$EXECMON_GEN" --redis "$R" --stream tiny --runs 45 --rate 0 --seed 7 \
	--ts-mode id --start-ts $((NOW - 2 * 3600000)) >/dev/null 2>"$TMP/gen.err"
ok $? "execmon-gen wrote a tiny stream"
PIN=$(($(ms_now) + 1000))
TINY=(--redis "$R" --stream tiny --now "$PIN")

# peak_kb COMMAND..: run it; its peak RSS in KB (from /usr/bin/time) in $kb
peak_kb() {
	local rc
	/usr/bin/time -f '%M' -o "$TMP/rss" "$@"
	rc=$?
	kb=$(tail -1 "$TMP/rss")
	return $rc
}
peak_kb "$EXECMON" snapshot "${TINY[@]}" --window 3650d -o "$TMP/ten.json" 2>"$TMP/ten.err"
ok $? "snapshot --window 3650d completes (peak RSS ${kb} KB)"
# one minute a bucket over ten years was 5.3 million buckets: gigabytes
[ -n "$kb" ] && [ "$kb" -lt 400000 ]
ok $? "its peak RSS stays under 400 MB (${kb} KB)"
"$EXECMON" snapshot "${TINY[@]}" --window 7d -o "$TMP/week.json" 2>/dev/null
python3 - "$TMP/ten.json" "$TMP/week.json" "$SCHEMA" >"$TMP/ten.out" 2>&1 <<'EOF'
import json, sys, jsonschema
ten, week = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.validate(ten, json.load(open(sys.argv[3])))
assert ten["timeframe"] == "3650d", ten["timeframe"]
tot = ten["performance"]["totalExecutions"]
assert tot > 0 and tot == week["performance"]["totalExecutions"], tot
tl, tr = ten["patterns"]["timeline"], ten["throughput"]["throughputTrend"]
# one entry a UTC day: 3650 days and the partial one
assert len(tl) == len(tr) == 3651, (len(tl), len(tr))
assert all(e["timestamp"].endswith("T00:00:00.000Z") for e in tl)
assert sum(e["executions"] for e in tl) == tot
assert sum(e["value"] for e in tr) == tot
assert sum(e["started"] for e in tl) == sum(e["started"] for e in week["patterns"]["timeline"])
print("ok")
EOF
ok $? "the ten-year snapshot is valid, one entry a day, the same runs as 7d"
sed 's/^/#   /' "$TMP/ten.out" | grep -v '^#   ok$' | head -5
peak_kb "$EXECMON" runs "${TINY[@]}" --window 3650d --format json >"$TMP/ten-runs.json" 2>/dev/null &&
	[ -n "$kb" ] && [ "$kb" -lt 400000 ]
ok $? "runs --window 3650d: peak RSS under 400 MB (${kb} KB)"

# --- the maximum ---------------------------------------------------------------
"$EXECMON" snapshot "${TINY[@]}" --window 3651d -o "$TMP/x.json" 2>"$TMP/max.err"
is $? 2 "--window 3651d is a usage error (exit 2)"
[ "$(wc -l <"$TMP/max.err")" -eq 1 ] && grep -q -- "--window" "$TMP/max.err" &&
	grep -q "3650d" "$TMP/max.err"
ok $? "one line naming --window and the maximum: $(head -1 "$TMP/max.err")"
[ ! -e "$TMP/x.json" ]
ok $? "nothing written"
"$EXECMON" snapshot "${TINY[@]}" --window 87601h -o "$TMP/x.json" 2>/dev/null
is $? 2 "--window 87601h (past 3650d in hours) is a usage error too"
"$EXECMON" snapshot "${TINY[@]}" --window 99999999999999999999d -o "$TMP/x.json" 2>"$TMP/huge.err"
is $? 2 "--window 99999999999999999999d is a usage error"
grep -q "longer than the maximum, 3650d" "$TMP/huge.err"
ok $? "  saying so, not 'not a duration': $(head -1 "$TMP/huge.err")"
printf 'window = 4000d\n' >"$TMP/big.conf"
"$EXECMON" snapshot --config "$TMP/big.conf" "${TINY[@]}" -o "$TMP/x.json" 2>"$TMP/conf.err"
is $? 2 "window = 4000d in a config file is a usage error"
grep -q "3650d" "$TMP/conf.err"
ok $? "  naming the maximum: $(head -1 "$TMP/conf.err")"

# --- 200 000 running runs and 1500 queued ones ------------------------------
NRUN=200000
NQ=1500
BASE=$(($(ms_now) - 3600000))
python3 - "$NRUN" "$NQ" "$BASE" >"$TMP/load.resp" <<'EOF'
import sys
n, nq, base = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out = sys.stdout.buffer
def cmd(*a):
    return b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a)
buf = []
# run-0000000 started first, run-0199999 last: one a few ms apart, in an hour
for i in range(n + nq):
    ts = base + i * 3000000 // (n + nq)
    kind = b"run.started" if i < n else b"run.queued"
    # the oldest 1500 said they would take a second: all flagged
    est = (b"estimated_ms", b"1000") if i < 1500 else ()
    buf.append(cmd(b"XADD", b"many", b"%d-1" % ts, b"type", kind,
                   b"run_id", b"run-%07d" % i, b"agent_name", b"agent-%d" % (i % 7),
                   b"ts", b"%d" % ts, *est))
    if len(buf) >= 10000:
        out.write(b"".join(buf))
        buf = []
out.write(b"".join(buf))
EOF
redis-cli -p "$P" --pipe <"$TMP/load.resp" >"$TMP/pipe.out" 2>&1
is "$(redis-cli -p "$P" XLEN many)" $((NRUN + NQ)) "redis-cli --pipe loaded $NRUN running and $NQ queued runs"
rm -f "$TMP/load.resp"

MANY=(--redis "$R" --stream many)
"$EXECMON" snapshot "${MANY[@]}" -o "$TMP/many.json" 2>"$TMP/many.err"
ok $? "snapshot over $NRUN running runs"
size=$(stat -c %s "$TMP/many.json")
[ "$size" -lt 5000000 ]
ok $? "it writes a bounded document ($size bytes; every run twice was ~200 MB)"
python3 - "$TMP/many.json" "$SCHEMA" "$NRUN" "$NQ" >"$TMP/many.out" 2>&1 <<'EOF'
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
n, nq = int(sys.argv[3]), int(sys.argv[4])
jsonschema.validate(d, json.load(open(sys.argv[2])))
rt = d["realtime"]
assert rt["currentlyRunning"] == n, rt["currentlyRunning"]
assert rt["currentlyQueued"] == nq, rt["currentlyQueued"]
eip = rt["executionsInProgress"]
assert len(eip) == 1000, len(eip)
# the newest 1000, latest start first
assert [e["runId"] for e in eip] == ["run-%07d" % i for i in range(n - 1, n - 1001, -1)], eip[:2]
q = rt["queuedExecutions"]
assert len(q) == 1000 and q[0]["runId"] == "run-%07d" % n, (len(q), q[:1])
assert d["runCounts"] == {"unfinished": n + nq, "finished": 0}, d["runCounts"]
assert len(d["runs"]) == 1000, len(d["runs"])
assert d["runs"][0]["runId"] == "run-%07d" % (n + nq - 1), d["runs"][0]["runId"]
fl = d["flagged"]
assert d["flaggedTotal"] == 1500 and len(fl) == 1000, (d["flaggedTotal"], len(fl))
# in the order of executionsInProgress: the newest of the flagged first
assert fl[0]["runId"] == "run-0001499" and fl[-1]["runId"] == "run-0000500", (fl[0], fl[-1])
assert all(f["reason"] == "past_estimate" and "its estimate of 1.0s" in f["why"] for f in fl), fl[0]
print("ok")
EOF
ok $? "bounded lists: the first 1000 of each (flagged too), with the true counts; schema valid"
sed 's/^/#   /' "$TMP/many.out" | grep -v '^#   ok$' | head -5

# --- the dashboard over them ----------------------------------------------------
tui_init || { echo "Bail out! tmux did not start"; exit 1; }
tui_run W 120 40 "${TINY[@]}" --window 3650d
tui_run D 160 45 "${MANY[@]}"
# the ten-year window in the dashboard: its throughput chart reads only the
# minutes it shows
tui_wait W 30 "window 3650d" && tui_wait W 10 "peak [0-9]+/min at"
ok $? "the dashboard runs with --window 3650d"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$(tui_pid W)/status" 2>/dev/null)
[ -n "$hwm" ] && [ "$hwm" -lt 400000 ]
ok $? "  its peak RSS stays under 400 MB (${hwm} KB)"
tui_keys W q
tui_wait D 60 "$NRUN running"
ok $? "the dashboard shows $NRUN running runs"
tui_wait D 10 "1/$((NRUN + NQ))"
ok $? "the runs pane counts them all (1/$((NRUN + NQ)))"
# keys: each must change the screen; the poll is generous, nothing is timed
key_changes() { # key_changes KEY ERE: after KEY the screen matches ERE
	tui_keys D "$1"
	tui_wait D 10 "$2"
}
key_changes j "2/$((NRUN + NQ))"
ok $? "j moves the selection (2/$((NRUN + NQ)))"
key_changes G "$((NRUN + NQ))/$((NRUN + NQ))"
ok $? "G goes to the last run"
key_changes g "1/$((NRUN + NQ))"
ok $? "g back to the first"
key_changes o "runs sorted by longest"
ok $? "o: sorted by longest"
tui_wait D 10 "run-0000000 "
ok $? "  the longest-running run is on screen"
key_changes o "runs sorted by agent"
ok $? "o: sorted by agent"
tui_wait D 10 "run-0199997 +agent-0 "
ok $? "  agent-0's newest run first"
key_changes '?' "cycle the runs order"
ok $? "? opens the help"
tui_keys D Escape q
tui_wait D 10 "execmon has exited"
ok $? "q quits"
grep -q '^EXIT=0$' "$TMP/D.exit" 2>/dev/null
ok $? "exit status 0"

done_testing
