#!/usr/bin/env bash
# A reader that stops reading (a stalled SSH session, a paused pager): record
# blocks on its output, Redis holds the events, and once the reader goes on
# every entry arrives exactly once, in order.
. "$(dirname "$0")/lib.sh"

start_redis st || exit 1
P=$REDIS_PORT_st
pad=$(head -c 1000 /dev/zero | tr '\0' x)
add() { # add FROM TO: entries FROM..TO, 1 kB each
	python3 -c '
import sys
pad = sys.argv[3]
for i in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    args = ["XADD", "st", "*", "type", "log", "run_id", "r%d" % i, "message", pad]
    sys.stdout.write("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args))
' "$1" "$2" "$pad" | redis-cli -p "$P" --pipe >/dev/null
}
add 1 2000

mkfifo "$TMP/pipe"
# The reader takes one line, stalls 6 s (past the 2.3 s watchdog), then reads on.
python3 -c '
import sys, time
f = open(sys.argv[1], "rb")
out = open(sys.argv[2], "wb")
out.write(f.readline())
out.flush()
time.sleep(6)
for line in f:
    out.write(line)
' "$TMP/pipe" "$TMP/got" &
reader=$!
BG_PIDS="$BG_PIDS $reader"
EXECMON_BLOCK_MS=300 "$EXECMON" record --redis "redis://127.0.0.1:$P" --stream st \
	-o - --count 4000 >"$TMP/pipe" 2>"$TMP/err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
sleep 1
add 2001 4000
wait_for 30 sh -c "! kill -0 $pid 2>/dev/null"
ok $? "record finishes once the reader reads again"
wait "$pid"
is "$?" 0 "record exits 0"
wait "$reader"
is "$(lines "$TMP/got")" 4000 "the reader gets all 4000 entries"
ids=$(redis-cli -p "$P" XRANGE st - + | awk '/^[0-9]+-[0-9]+$/' | tr '\n' ' ')
got=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["_id"] for l in open(sys.argv[1])))' "$TMP/got")
[ "$got " = "$ids" ]
ok $? "each exactly once, in stream order"
grep -q "stopped answering\|reconnect" "$TMP/err"
is "$?" 1 "a stalled reader is not mistaken for a stalled server (no reconnect)"
sed 's/^/#   /' "$TMP/err" | grep -v malformed | head -5

done_testing
