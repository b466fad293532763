#!/usr/bin/env bash
# record: backfill then follow, multiple streams, replay round trip, malformed
# counting, Redis killed and restarted, a frozen server, a trimmed stream.
. "$(dirname "$0")/lib.sh"

start_redis a --appendonly yes --appendfsync always || exit 1
P=$REDIS_PORT_a
R="redis://127.0.0.1:$P"
cli() { redis-cli -p "$P" "$@" >/dev/null; }

# --- backfill then follow
for i in 1 2 3; do cli XADD s1 '*' type run.queued run_id "r$i" queue q1 agent_name planner; done
cli XADD s1 '*' json '{"type":"run.started","run_id":"r1","agent_name":"planner"}'
"$EXECMON" record --redis "$R" --stream s1 -o - --count 7 >"$TMP/rec1" 2>"$TMP/rec1.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 5 "$TMP/rec1" 4
is "$(lines "$TMP/rec1")" 4 "backfill writes the 4 entries already in the stream"
cli XADD s1 '*' type run.completed run_id r1
cli XADD s1 '*' type run.started run_id r2
cli XADD s1 '*' type log run_id r2 message hello
wait "$pid"
is "$?" 0 "record --count exits 0"
is "$(lines "$TMP/rec1")" 7 "then follows live until --count"
ids=$(redis-cli -p "$P" XRANGE s1 - + | awk '/^[0-9]+-[0-9]+$/' | tr '\n' ' ')
got=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["_id"] for l in open(sys.argv[1])))' "$TMP/rec1")
is "$got " "$ids" "every entry once, in stream order, with its _id"
check "json entries decode to typed fields" python3 -c '
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])]
assert l[3]["type"]=="run.started" and l[3]["agent_name"]=="planner"
assert l[0]["queue"]=="q1" and l[0]["_source"].endswith("/s1")
assert isinstance(l[0]["ts"], int)' "$TMP/rec1"
grep -q "7 events, 0 malformed" "$TMP/rec1.err"
ok $? "summary line on stderr counts the events"

# --- window: entries older than --window are not backfilled
old=$(( $(date +%s%3N) - 7200000 ))
cli XADD s2 "$old-0" type log run_id old message old
cli XADD s2 '*' type log run_id new message new
"$EXECMON" record --redis "$R" --stream s2 -o - --count 1 >"$TMP/rec2" 2>/dev/null
is "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["run_id"])' "$TMP/rec2")" new \
	"backfill covers exactly --window"

# --- multiple streams, malformed entries counted by reason
cli XADD m1 '*' type run.started run_id a1
cli XADD m2 '*' type run.started run_id b1
cli XADD m2 '*' run_id nothing
cli XADD m2 '*' json '{broken'
cli XADD m2 '*' type llm.call run_id b1 input_tokens many
cli XADD m1 '*' type run.completed run_id a1
"$EXECMON" record --redis "$R" --stream m1 --stream m2 -o "$TMP/multi.jsonl" --duration 1s 2>"$TMP/multi.err"
is "$?" 0 "record over two streams exits 0 after --duration"
is "$(lines "$TMP/multi.jsonl")" 3 "well-formed entries of both streams recorded"
grep -q "3 malformed (no_type 1, bad_json 1, bad_number 1)" "$TMP/multi.err"
ok $? "malformed entries counted per reason"
cat "$TMP/multi.err" | sed 's/^/#   /' | tail -3

# --- record -> replay round trip gives the same events
"$EXECMON" record --replay "$TMP/multi.jsonl" -o "$TMP/again.jsonl" 2>/dev/null
is "$?" 0 "record --replay exits 0"
cmp -s <(sort "$TMP/multi.jsonl") <(sort "$TMP/again.jsonl")
ok $? "replay of a record gives the same lines"
cat "$TMP/multi.jsonl" "$TMP/multi.jsonl" >"$TMP/dup.jsonl"
"$EXECMON" events a1 --replay "$TMP/dup.jsonl" --format json >"$TMP/ev.json" 2>/dev/null
is "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/ev.json")" 2 \
	"replay dedups on (_source, _id)"

# --- unwritable output, unreadable replay
"$EXECMON" record --redis "$R" --stream s1 -o /nonexistent/dir/x.jsonl --count 1 2>"$TMP/err"
is "$?" 1 "unwritable output exits 1"
grep -q "^execmon: record: /nonexistent/dir/x.jsonl: No such file or directory$" "$TMP/err"
ok $? "and says why in one line"
"$EXECMON" record --replay "$TMP/nope.jsonl" -o - 2>"$TMP/err"
is "$?" 1 "unreadable replay file exits 1"

# --- Redis killed (SIGKILL) and restarted mid-stream: every entry exactly once
cli DEL k
for i in $(seq 1 50); do cli XADD k '*' type log run_id "k$i" message "m$i"; done
EXECMON_BLOCK_MS=500 "$EXECMON" record --redis "$R" --stream k -o - --count 150 >"$TMP/kill" 2>"$TMP/kill.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 5 "$TMP/kill" 50
for i in $(seq 51 100); do cli XADD k '*' type log run_id "k$i" message "m$i"; done
wait_lines 5 "$TMP/kill" 100
kill -9 "$REDIS_PID_a"; wait "$REDIS_PID_a" 2>/dev/null
sleep 1
restart_redis a --appendonly yes --appendfsync always
for i in $(seq 101 150); do cli XADD k '*' type log run_id "k$i" message "m$i"; done
wait_lines 20 "$TMP/kill" 150
sleep 0.5
kill -0 "$pid" 2>/dev/null && kill "$pid"
wait "$pid"
is "$(lines "$TMP/kill")" 150 "150 entries recorded across a Redis restart"
is "$(python3 -c 'import json,sys; print(len({json.loads(l)["_id"] for l in open(sys.argv[1])}))' "$TMP/kill")" 150 \
	"each exactly once"
grep -q "reconnected" "$TMP/kill.err"
ok $? "the reconnect is reported"

# --- a frozen server (SIGSTOP): the watchdog gives up and reconnects
EXECMON_BLOCK_MS=300 "$EXECMON" record --redis "$R" --stream k -o - >"$TMP/frz" 2>"$TMP/frz.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 5 "$TMP/frz" 150
kill -STOP "$REDIS_PID_a"
wait_for 10 grep -q "stopped answering" "$TMP/frz.err"
ok $? "watchdog notices a server that stopped answering"
kill -CONT "$REDIS_PID_a"
cli XADD k '*' type log run_id after message thaw
wait_lines 15 "$TMP/frz" 151
is "$(lines "$TMP/frz")" 151 "after the thaw it reconnects and goes on"
kill "$pid"; wait "$pid"
is "$?" 0 "SIGTERM ends record with status 0"
check "last line complete" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/frz"

# --- a stream trimmed while the reader is away: gap reported with its size
cli DEL t
for i in $(seq 1 5); do cli XADD t '*' type log run_id "t$i"; done
EXECMON_BLOCK_MS=300 "$EXECMON" record --redis "$R" --stream t -o - >"$TMP/gap" 2>"$TMP/gap.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 5 "$TMP/gap" 5
sleep 0.5
kill -STOP "$pid"
sleep 0.5
for i in $(seq 6 25); do cli XADD t '*' type log run_id "t$i"; done
cli XTRIM t MAXLEN 3
sleep 0.2
kill -CONT "$pid"
wait_for 10 grep -q "gap" "$TMP/gap.err"
ok $? "a trimmed stream is reported as a gap"
kill "$pid"; wait "$pid"
n=$(lines "$TMP/gap")
lost=$(sed -n 's/.*gap: \([0-9]*\) entries.*/\1/p' "$TMP/gap.err" | head -1)
is "$((n + lost))" 25 "gap size + entries read = entries written ($n read, $lost lost)"

done_testing
