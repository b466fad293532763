#!/usr/bin/env bash
# The backfill's read-ahead, on a real redis-server behind a proxy that can
# hold one command: the next XRANGE goes out before the XINFO of the chunk
# before it is answered; a stream recreated, or trimmed, between a chunk and
# its XINFO loses nothing and reads nothing twice.
. "$(dirname "$0")/lib.sh"

# addn KEY FROM TO ID_BASE [PREFIX]: entries FROM..TO (run_id PREFIX I, default
# rI), IDs ID_BASE+I-0
addn() {
	python3 -c '
import sys
key, a, b, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pre = sys.argv[5] if len(sys.argv) > 5 else "r"
for i in range(a, b + 1):
    args = ["XADD", key, "%d-0" % (base + i), "type", "log", "run_id", "%s%d" % (pre, i)]
    sys.stdout.write("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(x), x) for x in args))
' "$@" | redis-cli -p "$P" --pipe >/dev/null
}
field() { python3 -c 'import json,sys; [print(json.loads(l).get(sys.argv[2])) for l in open(sys.argv[1])]' "$1" "$2"; }

start_redis ra || exit 1
P=$REDIS_PORT_ra
rc() { redis-cli -p "$P" "$@"; }

# proxy NAME [CMD AFTER]: a hold-proxy in front of the server; sets PX (its port), PD (its dir)
proxy() {
	PD="$TMP/px-$1"
	mkdir -p "$PD"
	PX=$(free_port)
	shift
	python3 "$(dirname "$0")/hold-proxy.py" "$PX" "$P" "$PD" "$@" &
	BG_PIDS="$BG_PIDS $!"
	wait_for 10 test -e "$PD/ready"
}
xranges() { grep -c "^XRANGE" "$PD/log"; }
xranges_reach() { [ "$(xranges)" -ge "$1" ]; }
# follow NAME [ARGS...]: record the stream NAME through the proxy, in the
# background, into $TMP/NAME.jsonl and NAME.err; sets pid
follow() {
	local name=$1
	shift
	"$EXECMON" record --redis "redis://127.0.0.1:$PX" --stream "$name" "$@" -o - \
		>"$TMP/$name.jsonl" 2>"$TMP/$name.err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
}
[ -n "$KEEP_LOGS" ] && trap 'cp -r "$TMP" "$KEEP_LOGS"; cleanup' EXIT

# --- 1. the next read goes out before the last one's XINFO is answered -------
base=$(( $(ms_now) - 60000 ))
addn plain 1 3500 "$base"
proxy plain XINFO XRANGE
follow plain --count 3500
wait_for 10 test -e "$PD/held"
ok $? "the first chunk's XINFO is held at the proxy"
wait_for 5 xranges_reach 2
ok $? "the second XRANGE was sent while that XINFO was unanswered (read-ahead)"
touch "$PD/release"
wait "$pid"
ok $? "record exits 0 at --count"
is "$(field "$TMP/plain.jsonl" run_id | tr '\n' ' ' | md5sum)" \
	"$(seq 1 3500 | sed 's/^/r/' | tr '\n' ' ' | md5sum)" "every entry once, in order"
is "$(xranges)" 4 "four chunks, four reads: none sent twice"

# --- 2. recreated (lower IDs) between a chunk and its XINFO ------------------
# Held after the second chunk, whose XINFO finds the stream new: the
# read-ahead asked for the entries after the old 2000th, so the new
# stream's entries (IDs of the old first chunk's, which the XINFO before had
# confirmed as read) are found only by reading it from its start again.
base=$(( $(ms_now) - 60000 ))
addn re 1 3500 "$base"
proxy re XINFO XRANGE 2
follow re
wait_for 10 test -e "$PD/held"
ok $? "held after the second chunk"
wait_for 5 xranges_reach 3
ok $? "the read-ahead is in flight"
rc DEL re >/dev/null
addn re 1 3 "$base" n
touch "$PD/release"
wait_lines 10 "$TMP/re.jsonl" 2003
ok $? "the new stream's three entries are read after the first two chunks"
sleep 1
kill -INT "$pid"
wait "$pid"
is "$(lines "$TMP/re.jsonl")" 2003 "and nothing else: 2000 old, 3 new"
is "$(field "$TMP/re.jsonl" run_id | tail -3 | tr '\n' ' ')" "n1 n2 n3 " "the new ones in order"
is "$(field "$TMP/re.jsonl" _id | tail -3 | grep -c '#1$')" 3 "tagged #1"
is "$(field "$TMP/re.jsonl" run_id | head -2000 | tr '\n' ' ' | md5sum)" \
	"$(seq 1 2000 | sed 's/^/r/' | tr '\n' ' ' | md5sum)" "the old ones: the first two chunks, once"
grep -q "stream recreated" "$TMP/re.err"
ok $? "stderr says the stream was recreated"
grep -q "^XRANGE re - " "$PD/log"
ok $? "the new stream was read from its start"

# The same for a snapshot, which does not go on to follow the stream: what
# the backfill misses is missed.
base=$(( $(ms_now) - 60000 ))
addn re2 1 3500 "$base"
proxy re2 XINFO XRANGE 2
"$EXECMON" runs --redis "redis://127.0.0.1:$PX" --stream re2 --window 1h --limit 5000 --format tsv \
	>"$TMP/re2.tsv" 2>"$TMP/re2.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_for 10 test -e "$PD/held"
ok $? "runs: held after the second chunk"
rc DEL re2 >/dev/null
addn re2 1 3 "$base" n
touch "$PD/release"
wait "$pid"
ok $? "runs exits 0"
is "$(cut -f2 "$TMP/re2.tsv" | grep -c -E '^n[123]$')" 3 "runs lists the new stream's three runs"
grep -q "2003 events" "$TMP/re2.err"
ok $? "2003 events read: the 2000 before and the 3 new"

# --- 3. trimmed between a chunk and its XINFO: the read-ahead is kept ---------
base=$(( $(ms_now) - 60000 ))
addn tr 1 2500 "$base"
proxy tr XINFO XRANGE
follow tr
wait_for 10 test -e "$PD/held"
ok $? "held after the first chunk"
rc XTRIM tr MAXLEN 100 >/dev/null
touch "$PD/release"
wait_lines 10 "$TMP/tr.jsonl" 1100
ok $? "the entries left after the trim are read"
sleep 1
kill -INT "$pid"
wait "$pid"
lost=$(sed -n 's/.*gap: \([0-9]*\) entries.*/\1/p' "$TMP/tr.err" | awk '{ s += $1 } END { print s + 0 }')
is "$(( $(lines "$TMP/tr.jsonl") + lost ))" 2500 "read + lost = added ($(lines "$TMP/tr.jsonl") read, $lost lost)"
is "$(field "$TMP/tr.jsonl" run_id | sort | uniq -d | wc -l)" 0 "nothing read twice"
is "$(field "$TMP/tr.jsonl" run_id | tail -1)" r2500 "the last entry is read"
is "$(xranges)" 2 "the read-ahead was used, not sent again"

done_testing
