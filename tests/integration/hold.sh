#!/usr/bin/env bash
# A snapshot lets finished runs go as it reads them (src/snap-hold.c), and
# is still the snapshot that holding every run gives, byte for byte: over
# execmon-gen workloads in a real redis-server, windows 1h and 6h, now at
# the end and in the past, two streams read together; a run that gets an
# event after it was let go makes the snapshot read again, holding every
# run; a filter holds every run from the start.
. "$(dirname "$0")/lib.sh"

start_redis h || { echo "Bail out! redis-server did not start"; exit 1; }
R="redis://127.0.0.1:$REDIS_PORT_h"
NOW=1767225600000                # 2026-01-01T00:00:00.000Z
export EXECMON_HOLD_PASS=300     # a pass every 300 new runs: small workloads show it

# seven hours of light history, then a busy last hour with a failure surge
# (entry IDs are the event times)
"$EXECMON_GEN" --redis "$R" --stream h --seed 5 --start-ts $((NOW - 8 * 3600000)) \
	--duration 7h --rate 0.1 --ts-mode id 2>"$TMP/gen.err" >/dev/null
"$EXECMON_GEN" --redis "$R" --stream h.b --seed 6 --start-ts $((NOW - 3600000)) \
	--duration 55m --rate 1.5 --inject surge@20m+300s --ts-mode id --print \
	>"$TMP/b.jsonl" 2>>"$TMP/gen.err"
ok $? "the workload is in Redis ($(redis-cli -p "$REDIS_PORT_h" XLEN h) + $(wc -l <"$TMP/b.jsonl") entries)"

let_go() { sed -n 's/.*; \([0-9]*\) runs let go.*/\1/p' "$1"; }
held() { sed -n 's/.* from \([0-9]*\) runs held.*/\1/p' "$1"; }

snap() { # snap OUT ERR ARGS...: a snapshot of h and h.b
	local out=$1 err=$2
	shift 2
	"$EXECMON" snapshot --redis "$R" --stream h --stream h.b -v -o "$out" "$@" 2>"$err"
}

for win in 1h 6h; do
	for now in "$NOW" $((NOW - 1234567)); do
		snap "$TMP/let.json" "$TMP/let.err" --window "$win" --now "$now"
		EXECMON_HOLD_ALL=1 snap "$TMP/all.json" "$TMP/all.err" --window "$win" --now "$now"
		n=$(let_go "$TMP/let.err")
		cmp -s "$TMP/let.json" "$TMP/all.json" && [ "${n:-0}" -gt 0 ] &&
			! grep -q "reading again" "$TMP/let.err"
		ok $? "window $win, now $now: $n runs let go, $(held "$TMP/let.err") held against $(held "$TMP/all.err"), the same snapshot byte for byte"
		[ "$(held "$TMP/let.err")" -lt "$(held "$TMP/all.err")" ]
		ok $? "window $win, now $now: fewer runs held at the end"
	done
done
python3 - "$TMP/let.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["runCounts"]["finished"] > 0 and s["topErrors"] and len(s["runs"]) > 0, s["runCounts"]
PY
ok $? "the snapshot compared has finished runs, top errors and a runs list"

# The same against the reference engine (which holds every run).
snap "$TMP/let.json" "$TMP/let.err" --window 1h --now "$NOW"
EXECMON_METRICS=full snap "$TMP/full.json" "$TMP/full.err" --window 1h --now "$NOW"
cmp -s "$TMP/let.json" "$TMP/full.json"
ok $? "window 1h: the same bytes as the reference engine over every run"

# A replay of the same events (execmon record): the file's own progress
# decides what has been read past, not that of the streams its lines name.
N=$(( $(redis-cli -p "$REDIS_PORT_h" XLEN h) + $(redis-cli -p "$REDIS_PORT_h" XLEN h.b) ))
"$EXECMON" record --redis "$R" --stream h --stream h.b --window 24h --now "$NOW" -o - \
	>"$TMP/rec.jsonl" 2>"$TMP/rec.err" &
RPID=$!
wait_lines 120 "$TMP/rec.jsonl" "$N"
ok $? "record wrote the $N entries"
kill "$RPID" 2>/dev/null
wait "$RPID" 2>/dev/null
for win in 1h 6h; do
	"$EXECMON" snapshot --replay "$TMP/rec.jsonl" --window "$win" --now "$NOW" -v \
		-o "$TMP/let.json" 2>"$TMP/let.err"
	EXECMON_HOLD_ALL=1 "$EXECMON" snapshot --replay "$TMP/rec.jsonl" --window "$win" \
		--now "$NOW" -o "$TMP/all.json" 2>"$TMP/all.err"
	n=$(let_go "$TMP/let.err")
	cmp -s "$TMP/let.json" "$TMP/all.json" && [ "${n:-0}" -gt 0 ] &&
		! grep -q "reading again" "$TMP/let.err"
	ok $? "--replay, window $win: $n runs let go, the same snapshot byte for byte"
done

# A run let go gets one more event, read last: a log line at its finish.
python3 - "$TMP/b.jsonl" "$NOW" >"$TMP/late.args" <<'PY'
import json, sys
now = int(sys.argv[2])
runs, bad = {}, set()
for line in open(sys.argv[1]):
    o = json.loads(line)
    f = o.get("fields", {})
    if "json" in f:
        f = json.loads(f["json"])
    rid = f.get("run_id")
    if rid is None:
        continue
    if f.get("type") in ("run.failed", "run.retry") or f.get("finish_reason") == "error" \
            or f.get("outcome") in ("error", "timeout"):
        bad.add(rid)
    if f.get("type") == "run.completed":
        runs[rid] = int(f.get("ts", o["id"].split("-")[0]))
for rid, ts in sorted(runs.items(), key=lambda x: x[1]):
    if rid not in bad and now - 45 * 60000 < ts < now - 30 * 60000:
        print(rid, ts + 1000)
        break
PY
read -r RID LATE <"$TMP/late.args"
[ -n "$RID" ]
ok $? "a run without errors that finished 30 to 45 minutes before now: $RID"
redis-cli -p "$REDIS_PORT_h" XADD h.b "$((NOW - 1))-0" type log ts "$LATE" run_id "$RID" \
	message "a note after the end" >/dev/null
snap "$TMP/let.json" "$TMP/let.err" --window 1h --now "$NOW"
EXECMON_HOLD_ALL=1 snap "$TMP/all.json" "$TMP/all.err" --window 1h --now "$NOW"
grep -q "reading again with every run held: a run let go had another event" "$TMP/let.err"
ok $? "the late event is noticed, and the snapshot read again"
cmp -s "$TMP/let.json" "$TMP/all.json"
ok $? "which is then the same, byte for byte"
[ "$(grep -c ' events, ' "$TMP/let.err")" = 2 ]
ok $? "the reading's summary is said twice: the reading was done twice"

# BullMQ's '*': what the queues discovery found have read counts as read.
# 600 jobs 3 s apart in BullMQ's layout (meta, job hashes, events stream).
python3 - "$NOW" >"$TMP/bq.cmd" <<'PY'
import sys
t0 = int(sys.argv[1]) - 1800000
print("HSET bull:jobs:meta opts.maxLenEvents 10000")
for i in range(600):
    t = t0 + i * 3000
    print("HSET bull:jobs:%d name task%d timestamp %d" % (i, i % 3, t))
    print("XADD bull:jobs:events %d-0 event added jobId %d name task%d" % (t, i, i % 3))
    print("XADD bull:jobs:events %d-0 event active jobId %d prev waiting" % (t + 500, i))
    print("XADD bull:jobs:events %d-0 event completed jobId %d returnvalue 1 prev active" % (t + 2000, i))
PY
redis-cli -p "$REDIS_PORT_h" <"$TMP/bq.cmd" >"$TMP/bq.out"
"$EXECMON" snapshot --redis "$R" --bullmq '*' --window 1h --now "$NOW" -v -o "$TMP/let.json" 2>"$TMP/let.err"
EXECMON_HOLD_ALL=1 "$EXECMON" snapshot --redis "$R" --bullmq '*' --window 1h --now "$NOW" \
	-o "$TMP/all.json" 2>"$TMP/all.err"
n=$(let_go "$TMP/let.err")
cmp -s "$TMP/let.json" "$TMP/all.json" && [ "${n:-0}" -gt 0 ] &&
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["runCounts"]["finished"] == 600' "$TMP/let.json"
ok $? "--bullmq '*': $n of 600 runs let go, the same snapshot byte for byte"

# What makes it hold every run from the start.
snap "$TMP/f.json" "$TMP/f.err" --window 1h --now "$NOW" --filter status=completed
is "$(let_go "$TMP/f.err")" 0 "a filter: nothing let go"
EXECMON_HOLD_ALL=1 snap "$TMP/k.json" "$TMP/k.err" --window 1h --now "$NOW"
is "$(let_go "$TMP/k.err")" 0 "EXECMON_HOLD_ALL=1: nothing let go"

# Without --now: now is when the reading ends (a stream of the last 2 h).
T=$(ms_now)
"$EXECMON_GEN" --redis "$R" --stream live --seed 7 --start-ts $((T - 7200000)) \
	--duration 115m --rate 0.5 --ts-mode id 2>>"$TMP/gen.err" >/dev/null
"$EXECMON" snapshot --redis "$R" --stream live --window 1h -v -o "$TMP/live.json" 2>"$TMP/live.err"
n=$(let_go "$TMP/live.err")
[ "${n:-0}" -gt 0 ] && ! grep -q "reading again" "$TMP/live.err" &&
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["runCounts"]["finished"] > 0' "$TMP/live.json"
ok $? "without --now: $n runs let go, not read again, finished runs counted"

done_testing
