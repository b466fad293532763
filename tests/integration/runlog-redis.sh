#!/usr/bin/env bash
# The run log of a run read from Redis: the dashboard holds only the figures
# of its events and reads their bodies back with XRANGE when the log opens
# ("loading", then the events); entries deleted (XDEL) or trimmed (XTRIM)
# since are said to be gone, with a count; a WebSocket run's events are held
# and shown as they came. The snapshot of the same stream is unchanged by it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis b || exit 1
R="redis://127.0.0.1:$REDIS_PORT_b"
cli() { redis-cli -p "$REDIS_PORT_b" "$@"; }
NOW=$(date +%s%3N)
T=$((NOW - 120000))

# run A: five events, bodies with text the store does not keep (a log line,
# an unknown field); run B: four; run C: three, to be trimmed away
add() { # add RUN TYPE OFFSET_MS FIELD VALUE...
	local run=$1 type=$2 off=$3
	shift 3
	cli XADD s '*' type "$type" run_id "$run" ts $((T + off)) agent_id planner "$@" >>"$TMP/ids.$run"
}
add run-a run.started 0
add run-a llm.call 1000 model_id gpt-x input_tokens 10 output_tokens 5 message "thinking about alpha"
add run-a log 2000 message "body-only text alpha" customer_tier gold
add run-a tool.call 3000 tool_id search outcome success duration_ms 40
add run-a run.completed 4000
add run-b run.started 10
add run-b log 1010 message "text bravo one" detail_field "payload-only-b1"
add run-b log 2010 message "text bravo two" detail_field "payload-only-b2"
add run-b run.completed 3010
add run-c run.started 20
add run-c log 1020 message "body-only text charlie"
add run-c run.completed 2020
add run-d run.started 30
add run-d log 1030 message "text delta"
add run-d run.completed 2030
is "$(cat "$TMP"/ids.run-* | grep -c -- -)" 15 "fifteen entries written"

"$EXECMON" snapshot --redis "$R" --stream s --window 1h --now "$NOW" -o "$TMP/snap-before.json" 2>"$TMP/snap.err"
ok $? "a snapshot of the stream"

tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
# open RUN: the runs pane filtered to that run, Enter on it
tui_run L 160 45 --redis "$R" --stream s --window 1h
tui_wait L 20 '^ planner +4 '
ok $? "the dashboard holds the four runs"

open_run() { # open_run RUN: search for RUN, the recent runs (R), Enter on it
	tui_keys L /
	tui_keys L -l "$1"
	tui_keys L Enter
	tui_wait L 10 "filter text=$1" || return 1
	tui_keys L R
	tui_wait L 10 "^. [0-9:]+Z $1 " || return 1
	tui_keys L Enter
	tui_wait L 10 "^ run $1 "
}
close_run() { # back to the dashboard
	tui_keys L Escape
	tui_wait L 10 '^ recent runs' && tui_keys L Escape && tui_wait_titles L 10
}

open_run run-a
ok $? "Enter opens run-a's log"
tui_wait L 15 'customer_tier=gold'
ok $? "its events are read back from Redis: the log line's payload is shown"
tui_cap L >"$TMP/a.cap"
grep -q 'message=body-only text alpha' "$TMP/a.cap"
ok $? "with its message"
grep -q 'loading' "$TMP/a.cap"
is "$?" 1 "nothing is left loading"
grep -q 'gone' "$TMP/a.cap"
is "$?" 1 "nothing is gone"
close_run

# two of run B's entries deleted after the dashboard read them
B2=$(sed -n 2p "$TMP/ids.run-b")
B3=$(sed -n 3p "$TMP/ids.run-b")
is "$(cli XDEL s "$B2" "$B3")" 2 "XDEL two of run-b's entries"
open_run run-b
ok $? "Enter opens run-b's log"
tui_wait L 15 '\(2 gone from Redis\)'
ok $? "the two deleted entries are counted gone"
tui_cap L >"$TMP/b.cap"
is "$(grep -c 'gone: Redis no longer holds this entry' "$TMP/b.cap")" 2 "and each one's row says so"
grep -q 'run.started' "$TMP/b.cap" && grep -q 'run.completed' "$TMP/b.cap"
ok $? "the others are shown"
grep -q 'payload-only-b' "$TMP/b.cap"
is "$?" 1 "the deleted events' payloads are not shown"
grep -q 'message=text bravo one' "$TMP/b.cap"
ok $? "what execmon kept of them is (their message)"
close_run

# the whole stream trimmed: run C's entries are all gone
cli XTRIM s MAXLEN 0 >/dev/null
is "$(cli XLEN s)" 0 "XTRIM emptied the stream"
open_run run-c
ok $? "Enter opens run-c's log"
tui_wait L 15 '\(3 gone from Redis\)'
ok $? "its three trimmed entries are counted gone"
tui_match L 'run.completed'
ok $? "its events are still listed, by type and time"
close_run
tui_keys L f
tui_wait L 10 '^ planner +4 '
ok $? "the runs and their figures are still held"

# --- a WebSocket run keeps its bodies
PY=$(ws_python)
if [ -n "$PY" ]; then
	WSP=$(free_port)
	cat >"$TMP/ws.jsonl" <<EOF
{"type":"run.started","run_id":"run-w","ts":$((T + 30)),"agent_id":"planner"}
{"type":"log","run_id":"run-w","ts":$((T + 1030)),"message":"held websocket body"}
{"type":"run.completed","run_id":"run-w","ts":$((T + 2030))}
EOF
	start_ws run "$WSP" serve "$TMP/ws.jsonl"
	ok $? "a WebSocket server"
	tui_run W 160 45 --ws "ws://127.0.0.1:$WSP/" --window 1h
	tui_wait W 20 '^ planner +1 '
	ok $? "the WebSocket run is held"
	tui_keys W R
	tui_wait W 10 '^. [0-9:]+Z run-w '
	tui_keys W Enter
	tui_wait W 10 '^ run run-w '
	ok $? "its log opens"
	tui_wait W 10 'message=held websocket body'
	ok $? "its log shows the held bodies at once"
	tui_match W 'loading|gone'
	is "$?" 1 "nothing is read back"
	tui_keys W q
else
	skip 5 "python3-websockets is not installed"
fi

# --- a byte budget for held bodies: the oldest runs' go first
python3 - "$TMP/big.jsonl" "$T" <<'EOF'
import json, sys
out, t = open(sys.argv[1], "w"), int(sys.argv[2])
for i in range(600):
    for k, typ in enumerate(("run.started", "log", "run.completed")):
        out.write(json.dumps({"type": typ, "run_id": "big-%03d" % i, "ts": t + i * 10 + k,
                              "agent_id": "bulk", "message": "held body %03d " % i + "x" * 1000,
                              "_source": "feed", "_id": "%d-%d" % (i, k)}) + "\n")
EOF
tui_run P 160 45 --replay "$TMP/big.jsonl" --window 1h --log-budget 1M
tui_wait P 20 '^ bulk +600 '
ok $? "600 replayed runs (1.8 MB of bodies) held under --log-budget 1M"
open_run_p() { # open_run_p RUN
	tui_keys P /
	tui_keys P -l "$1"
	tui_keys P Enter
	tui_wait P 10 "filter text=$1" && tui_keys P R &&
		tui_wait P 10 "^. [0-9:]+Z $1 " && tui_keys P Enter && tui_wait P 10 "^ run $1 "
}
open_run_p big-000
ok $? "the first run's log opens"
tui_wait P 10 'body not kept \(log budget\)'
ok $? "its bodies were let go, and the rows say so"
tui_match P 'run.completed'
ok $? "its events are still listed"
tui_keys P Escape
tui_wait P 10 '^ recent runs' && tui_keys P Escape
open_run_p big-599
ok $? "the last run's log opens"
tui_wait P 10 'message=held body 599'
ok $? "its bodies are held"
tui_keys P q

# a server that does not answer: the log says loading, and quitting is clean
cli CLIENT PAUSE 8000 >/dev/null
open_run run-d
ok $? "Enter opens run-d's log while Redis does not answer"
tui_wait L 5 '\(loading [0-9]+ from Redis\)'
ok $? "the log says it is loading"
tui_match L 'message=text delta'
ok $? "and shows meanwhile what it holds"
tui_keys L q
wait_for 10 test -e "$TMP/L.exit"
ok $? "the dashboard quits"
grep -q 'EXIT=0' "$TMP/L.exit"
ok $? "with status 0"
[ ! -s "$TMP/L.err" ]
ok $? "and nothing on stderr (no leak, no error), though a read-back was in flight" ||
	sed 's/^/#   /' "$TMP/L.err"

done_testing
