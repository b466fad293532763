#!/usr/bin/env bash
# Redis under hostile conditions, on real servers: a stream deleted and
# recreated (or rewound) while followed, trimmed while execmon is behind,
# XINFO refused by an ACL, a key that is not a stream, the same stream given
# twice, the server's own refusals (maxclients, LOADING, NOAUTH, WRONGPASS),
# a stream that does not exist; the dashboard's header and snapshot say so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

# addn KEY PORT FROM TO [ID_BASE]: entries FROM..TO (run_id rI); IDs * or ID_BASE+I
addn() {
	python3 -c '
import sys
key, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = int(sys.argv[4]) if len(sys.argv) > 4 else None
pad = "x" * 1000
for i in range(a, b + 1):
    eid = "*" if base is None else "%d-0" % (base + i)
    args = ["XADD", key, eid, "type", "log", "run_id", "r%d" % i, "message", pad]
    sys.stdout.write("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(x), x) for x in args))
' "$1" "$3" "$4" ${5:+"$5"} | redis-cli -p "$2" --pipe >/dev/null
}
# field FILE KEY: the values of KEY in a JSONL file, one a line
field() { python3 -c 'import json,sys; [print(json.loads(l).get(sys.argv[2])) for l in open(sys.argv[1])]' "$1" "$2"; }
# states FILE: the states of a snapshot's sources, sorted, on one line
states() { python3 -c 'import json,sys; print(" ".join(sorted(s["state"] for s in json.load(open(sys.argv[1]))["sources"])))' "$1"; }
# src FILE N KEY: sources[N].KEY of a snapshot
src() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sources"][int(sys.argv[2])][sys.argv[3]])' "$@"; }

start_redis f || exit 1
P=$REDIS_PORT_f
R="redis://127.0.0.1:$P"
rc() { redis-cli -p "$P" "$@"; }
export EXECMON_BLOCK_MS=300

# --- 1. a stream deleted and recreated with lower (here: the same) IDs ---------
base=$(ms_now)
addn re "$P" 1 5 "$base"
"$EXECMON" record --redis "$R" --stream re -o - >"$TMP/re.jsonl" 2>"$TMP/re.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 10 "$TMP/re.jsonl" 5
ok $? "record reads the first stream (5 entries)"
rc DEL re >/dev/null
addn re "$P" 1 3 "$base"        # IDs base+1..base+3: lower than the last one read
wait_lines 10 "$TMP/re.jsonl" 8
ok $? "the recreated stream's entries are read, though their IDs are not past the old ones"
wait_for 5 grep -q "stream recreated" "$TMP/re.err"
ok $? "stderr says the stream was recreated"
is "$(field "$TMP/re.jsonl" _id | tail -3 | grep -c "#1$")" 3 "the new stream's IDs are tagged #1, apart from the old ones"
is "$(field "$TMP/re.jsonl" run_id | tr '\n' ' ')" "r1 r2 r3 r4 r5 r1 r2 r3 " "each entry of both streams once, in order"
# the same again, without the DEL being seen: DEL and XADD between two reads
rc DEL re >/dev/null
addn re "$P" 1 2 "$((base - 100))"
wait_lines 10 "$TMP/re.jsonl" 10
ok $? "a second recreation, found at the next read, is read too"
kill -INT "$pid"
wait "$pid"
is "$?" 0 "record exits 0"
grep -q "2 streams recreated" "$TMP/re.err"
ok $? "the summary counts the recreations"
grep -q "0 gaps (0 entries lost)" "$TMP/re.err"
ok $? "and no gap"

# a stream whose last entry is in year 2100, deleted; new entries get now's IDs
rc XADD far 4102444800000-0 type log run_id far message m >/dev/null
"$EXECMON" record --redis "$R" --stream far -o - >"$TMP/far.jsonl" 2>"$TMP/far.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 10 "$TMP/far.jsonl" 1
# DEL and the new entries at once, so no read finds the key missing between
printf 'MULTI\nDEL far\nXADD far * type log run_id r1\nXADD far * type log run_id r2\nXADD far * type log run_id r3\nXADD far * type log run_id r4\nEXEC\n' |
	redis-cli -p "$P" >/dev/null
wait_lines 10 "$TMP/far.jsonl" 5
ok $? "after a rewind from 2100 to now the new entries are read at once"
grep -q "stream recreated (its last ID went back from 4102444800000-0" "$TMP/far.err"
ok $? "stderr says why: its last ID went back"
# the key vanishing, then a new stream with higher IDs
rc DEL far >/dev/null
wait_for 5 grep -q "stream far was deleted" "$TMP/far.err"
ok $? "a key that vanishes is reported as deleted"
addn far "$P" 11 12 4102444900000
wait_lines 10 "$TMP/far.jsonl" 7
ok $? "the stream made anew after it is read from its start"
kill -INT "$pid"
wait "$pid"
is "$(field "$TMP/far.jsonl" run_id | tr '\n' ' ')" "far r1 r2 r3 r4 r11 r12 " "each entry once"

# --- 2. trimmed while execmon is behind (still backfilling) --------------------
rc DEL bf >/dev/null
addn bf "$P" 1 3000
mkfifo "$TMP/pipe"
# The reader takes one line, then stalls while the stream is trimmed.
python3 -c '
import sys, time
f = open(sys.argv[1], "rb")
out = open(sys.argv[2], "wb")
out.write(f.readline())
out.flush()
time.sleep(3)
for line in f:
    out.write(line)
    out.flush()
' "$TMP/pipe" "$TMP/bf.jsonl" &
reader=$!
BG_PIDS="$BG_PIDS $reader"
"$EXECMON" record --redis "$R" --stream bf -o - >"$TMP/pipe" 2>"$TMP/bf.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
sleep 1
rc XTRIM bf MAXLEN 100 >/dev/null
addn bf "$P" 3001 3050
wait_for 20 grep -q "gap" "$TMP/bf.err"
ok $? "entries trimmed during the backfill are reported as a gap"
lost_sum() { sed -n 's/.*gap: \([0-9]*\) entries.*/\1/p' "$TMP/bf.err" | awk '{ s += $1 } END { print s + 0 }'; }
caught_up() { [ "$(lines "$TMP/bf.jsonl")" -ge $((3050 - $(lost_sum))) ]; }
wait_for 20 caught_up
kill -INT "$pid"
wait "$pid"
n=$(lines "$TMP/bf.jsonl")
lost=$(lost_sum)
is "$((n + lost))" 3050 "read + lost = added ($n read, $lost lost)"
is "$(field "$TMP/bf.jsonl" run_id | sort | uniq -d | wc -l)" 0 "nothing read twice"
grep -q "gaps ($lost entries lost)" "$TMP/bf.err"
ok $? "the summary counts them"
wait "$reader"

# --- 3. XINFO refused by an ACL: gap detection off, said so --------------------
rc ACL SETUSER noxinfo on '>pw' '~*' '&*' +@all -xinfo >/dev/null
rc DEL acl >/dev/null
addn acl "$P" 1 4
"$EXECMON" snapshot --redis "redis://noxinfo:pw@127.0.0.1:$P" --stream acl -o "$TMP/acl.json" 2>"$TMP/acl.err"
is "$?" 0 "snapshot works without XINFO"
is "$(src "$TMP/acl.json" 0 events)" 4 "the stream is still read"
is "$(src "$TMP/acl.json" 0 gapDetection)" "off: NOPERM (XINFO is not allowed)" "the snapshot says gap detection is off, and why"
grep -q "gap detection off: NOPERM" "$TMP/acl.err"
ok $? "so does stderr"
grep -q "0 gaps" "$TMP/acl.err"
is "$?" 1 "no '0 gaps' claimed"
# a key the ACL does not allow: that stream alone fails, named
rc ACL SETUSER onlyacl on '>pw' '~acl' '&*' +@all >/dev/null
"$EXECMON" snapshot --redis "redis://onlyacl:pw@127.0.0.1:$P" --stream secret --stream acl \
	-o "$TMP/acl2.json" 2>"$TMP/acl2.err"
is "$?" 0 "a stream the ACL refuses does not stop the others"
is "$(src "$TMP/acl2.json" 1 events)" 4 "the allowed stream is read"
is "$(src "$TMP/acl2.json" 0 state)" error "the refused one is in the error state"
grep -q "secret.*NOPERM" "$TMP/acl2.err"
ok $? "stderr names the key and the refusal"
"$EXECMON" record --redis "redis://onlyacl:pw@127.0.0.1:$P" --stream secret --stream acl \
	-o - >"$TMP/acl3.jsonl" 2>"$TMP/acl3.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 10 "$TMP/acl3.jsonl" 4
addn acl "$P" 5 6
wait_lines 10 "$TMP/acl3.jsonl" 6
ok $? "following: the allowed stream goes on live beside the refused one"
kill -INT "$pid"
wait "$pid"
grep -q "gap detection off" "$TMP/acl3.err"
is "$?" 1 "a refused key is not mistaken for a refused XINFO"

# a BullMQ queue whose keys the ACL refuses, but for its events stream
rc XADD bull:bq:events '*' event added jobId 1 name j >/dev/null
rc ACL SETUSER bqonly on '>pw' '~bull:bq:events' '&*' +@all >/dev/null
"$EXECMON" snapshot --redis "redis://bqonly:pw@127.0.0.1:$P" --bullmq bq -o "$TMP/bq.json" 2>"$TMP/bq.err"
grep -q "bull:bq:events: LRANGE: NOPERM this user has no permissions" "$TMP/bq.err"
ok $? "BullMQ: a refused command of a queue's is said, in Redis's words"
src "$TMP/bq.json" 0 note | grep -q "NOPERM"
ok $? "BullMQ: and noted in the queue's source"

# --- 4. a key that is not a stream does not stall the others -------------------
rc SET str x >/dev/null
rc DEL ok1 >/dev/null
addn ok1 "$P" 1 3
timeout 20 "$EXECMON" record --redis "$R" --stream str --stream ok1 -o - --count 6 >"$TMP/wt.jsonl" 2>"$TMP/wt.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 10 "$TMP/wt.jsonl" 3
ok $? "the good stream is read"
addn ok1 "$P" 4 6
wait "$pid"
is "$?" 0 "and followed live, past the broken one (record --count 6 ends)"
grep -q "/str: .*str: WRONGTYPE" "$TMP/wt.err"
ok $? "the error names the key and says WRONGTYPE"
"$EXECMON" snapshot --redis "$R" --stream str --stream ok1 -o "$TMP/wt.json" 2>/dev/null
is "$(src "$TMP/wt.json" 0 state)" error "its own state says it is in error"
src "$TMP/wt.json" 0 error | grep -q WRONGTYPE
ok $? "its error says why"
is "$(src "$TMP/wt.json" 1 state)" done "the other one is done"
"$EXECMON" runs --redis "$R" --stream str 2>"$TMP/wt-only.err" >/dev/null
is "$?" 1 "runs on nothing but a wrong-type key exits 1"
grep -q "str: WRONGTYPE" "$TMP/wt-only.err"
ok $? "and says why"
# a followed stream that turns into another type
"$EXECMON" record --redis "$R" --stream turn --stream ok1 -o - >"$TMP/turn.jsonl" 2>"$TMP/turn.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
rc XADD turn '*' type log run_id t1 >/dev/null
wait_lines 10 "$TMP/turn.jsonl" 7
rc DEL turn >/dev/null
rc SET turn x >/dev/null
sleep 1
addn ok1 "$P" 7 8
wait_lines 10 "$TMP/turn.jsonl" 9
ok $? "a stream that turns into a string while followed does not hold back the other"
kill -INT "$pid"
wait "$pid"

# --- 5. the same stream given twice, the same server under two names -----------
rc DEL twice >/dev/null
addn twice "$P" 1 5
"$EXECMON" record --redis "$R" --stream twice --stream twice -o "$TMP/tw.jsonl" --count 100 \
	--duration 2s 2>/dev/null
is "$(lines "$TMP/tw.jsonl")" 5 "--stream twice: each entry once"
"$EXECMON" snapshot --redis "$R" --redis "redis://localhost:$P" --stream twice \
	-o "$TMP/tw.json" 2>"$TMP/tw.err"
is "$(python3 -c 'import json,sys; print(sum(s["events"] for s in json.load(open(sys.argv[1]))["sources"]))' "$TMP/tw.json")" 5 \
	"127.0.0.1 and localhost: the same server (run_id), read once"
is "$(states "$TMP/tw.json")" "done duplicate" "one of the two names is shown as a duplicate (the first to connect keeps it)"
grep -q "same stream as" "$TMP/tw.err"
ok $? "stderr says so"
"$EXECMON" runs --redis "$R" --redis "redis://localhost:$P" --stream twice --format json 2>/dev/null >"$TMP/tw-runs.json"
is "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/tw-runs.json")" 5 "runs lists each run once"

# a BullMQ queue on one server under two names: its events and depth once
for j in 1 2 3; do rc XADD bull:bq2:events '*' event added jobId "$j" name j >/dev/null; done
rc RPUSH bull:bq2:wait 1 2 >/dev/null
rc HSET bull:bq2:meta opts.maxLenEvents 10000 >/dev/null
"$EXECMON" snapshot --connect-timeout 30s --redis "$R" --redis "redis://localhost:$P" --bullmq bq2 \
	-o "$TMP/bq2.json" 2>"$TMP/bq2.err"
is "$(states "$TMP/bq2.json")" "done duplicate" "BullMQ: the queue under one of the names is a duplicate"
[ -s "$TMP/bq2.json" ] || sed 's/^/#   /' "$TMP/bq2.err"
grep -q "execmon: 4 events" "$TMP/bq2.err"
ok $? "BullMQ: its 3 events and 1 depth reading are counted once"

# --- 12. a stream that does not exist, an empty database -----------------------
"$EXECMON" snapshot --redis "$R/5" --stream execmon:events -o "$TMP/none.json" 2>"$TMP/none.err"
is "$?" 0 "snapshot of a missing stream succeeds"
grep -q "stream execmon:events does not exist (yet); database 5 holds no keys" "$TMP/none.err"
ok $? "stderr says the stream does not exist and the database is empty"
is "$(src "$TMP/none.json" 0 note)" "stream execmon:events does not exist (yet); database 5 holds no keys" \
	"the snapshot's sources say so"
"$EXECMON" record --redis "$R/6" --stream late -o - >"$TMP/late.jsonl" 2>"$TMP/late.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_for 5 grep -q "does not exist (yet)" "$TMP/late.err"
redis-cli -p "$P" -n 6 XADD late 1-1 type log run_id old >/dev/null
wait_lines 10 "$TMP/late.jsonl" 1
ok $? "a stream made after the start is read from its start (even an entry older than the window)"
wait_for 5 grep -q "stream late exists now" "$TMP/late.err"
ok $? "and said to exist"
kill -INT "$pid"
wait "$pid"

# --- 11. the server's refusals, in its own words -------------------------------
start_redis pw --requirepass sekret || exit 1
PW=$REDIS_PORT_pw
"$EXECMON" runs --redis "redis://127.0.0.1:$PW" --stream s 2>"$TMP/noauth.err"
is "$?" 1 "NOAUTH: runs fails"
grep -q "NOAUTH Authentication required.*EXECMON_REDIS_PASSWORD.*" "$TMP/noauth.err" &&
	grep -q "redis://:PASSWORD@host:port" "$TMP/noauth.err"
ok $? "NOAUTH in Redis's words, with the URL form and EXECMON_REDIS_PASSWORD"
"$EXECMON" runs --redis "redis://:wrong@127.0.0.1:$PW" --stream s 2>"$TMP/wrongpass.err"
is "$?" 1 "WRONGPASS: runs fails"
grep -q "WRONGPASS invalid username-password pair" "$TMP/wrongpass.err"
ok $? "WRONGPASS in Redis's words"
is "$(grep -c "WRONGPASS" "$TMP/wrongpass.err")" 1 "not retried: said once"
EXECMON_REDIS_PASSWORD=sekret "$EXECMON" runs --redis "redis://127.0.0.1:$PW" --stream s >/dev/null 2>&1
is "$?" 0 "the password from EXECMON_REDIS_PASSWORD works"

start_redis mc --maxclients 1 || exit 1
redis-cli -p "$REDIS_PORT_mc" BLPOP nokey 8 >/dev/null &
BG_PIDS="$BG_PIDS $!"
sleep 0.5
"$EXECMON" runs --redis "redis://127.0.0.1:$REDIS_PORT_mc" --stream s --connect-timeout 2s 2>"$TMP/mc.err"
is "$?" 1 "maxclients reached: runs fails"
grep -q "ERR max number of clients reached" "$TMP/mc.err"
ok $? "in Redis's words"

# DENIED: protected mode refuses clients from outside the loopback interface;
# one comes from an address of a network namespace of the test's own
if command -v ip >/dev/null 2>&1 && unshare -n ip link set lo up 2>/dev/null; then
	DP=$(free_port)
	unshare -n bash -c '
		ip link set lo up && ip -6 addr add fd00::7/128 dev lo nodad || exit 3
		redis-server --port "$1" --bind fd00::7 --protected-mode yes --save "" \
			--dir "$2" --daemonize no --logfile "$2/denied.log" &
		srv=$!
		for _ in $(seq 1 100); do redis-cli -h fd00::7 -p "$1" ping >/dev/null 2>&1 && break; sleep 0.05; done
		"$3" runs --redis "redis://[fd00::7]:$1" --stream s --connect-timeout 2s 2>"$2/denied.err"
		rc=$?
		{ kill -9 "$srv" && wait "$srv"; } 2>/dev/null
		exit $rc
	' _ "$DP" "$TMP" "$EXECMON"
	is "$?" 1 "protected mode (DENIED): runs fails"
	grep -q "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\.\( \|$\)" "$TMP/denied.err" &&
		! grep -q "If you want to connect" "$TMP/denied.err"
	ok $? "DENIED in Redis's words, cut to its first sentence"
else
	echo "ok $((T_N += 1)) # SKIP no network namespace here (unshare -n, ip)"
	echo "ok $((T_N += 1)) # SKIP no network namespace here (unshare -n, ip)"
fi

# LOADING: a server that takes seconds to load its data set
start_redis ld || exit 1
python3 -c '
import sys
for i in range(40000):
    k = "k%d" % i
    sys.stdout.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k))
' | redis-cli -p "$REDIS_PORT_ld" --pipe >/dev/null
redis-cli -p "$REDIS_PORT_ld" SAVE >/dev/null
redis-cli -p "$REDIS_PORT_ld" SHUTDOWN NOSAVE >/dev/null 2>&1
wait_for 5 sh -c "! redis-cli -p $REDIS_PORT_ld ping"
restart_redis ld --dbfilename dump.rdb --key-load-delay 100 --loading-process-events-interval-bytes 1024
"$EXECMON" runs --redis "redis://127.0.0.1:$REDIS_PORT_ld" --stream s --connect-timeout 2s 2>"$TMP/ld.err"
grep -q "LOADING Redis is loading the dataset in memory" "$TMP/ld.err"
ok $? "LOADING in Redis's words"

# --- the dashboard: its header and its snapshot say the same -------------------
if ! command -v tmux >/dev/null 2>&1; then
	echo "# tmux is not installed: the dashboard checks are skipped"
	done_testing
fi
tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
DEAD=$(free_port)
rc DEL dre >/dev/null
base=$(ms_now)
addn dre "$P" 1 5 "$base"
tui_run MISS 200 30 --redis "$R/7" --stream execmon:events
tui_run DEAD 200 30 --redis "redis://127.0.0.1:$DEAD" --stream execmon:events
tui_run WT 200 30 --redis "$R" --stream str --stream ok1
tui_run RE 200 30 --redis "$R" --stream dre
tui_wait MISS 10 "127\.0\.0\.1:$P/7 stream execmon:events does not exist \(yet\); database 7 holds no keys"
ok $? "header: the stream does not exist (yet), the database is empty, on which host"
tui_wait DEAD 10 "127\.0\.0\.1:$DEAD/0/execmon:events retrying"
ok $? "header: a failing source is named with its host"
tui_wait WT 10 "str error.*WRONGTYPE"
ok $? "header: the wrong-type key is in error and says why"
tui_match WT "ok1( |$)" && ! tui_match WT "ok1 (error|retrying)"
ok $? "header: the other stream is not"
tui_wait RE 10 "dre"
rc DEL dre >/dev/null
addn dre "$P" 1 2 "$((base - 50))"
tui_wait RE 10 "127\\.0\\.0\\.1:$P/0/dre stream recreated"
ok $? "header: stream recreated"
# the snapshot once the two new entries are in (a loaded machine reads late)
for _ in 1 2 3 4 5 6 7 8 9 10; do
	rm -f "$TUI_DIR"/execmon-snapshot-*.json
	tui_keys RE S
	tui_wait RE 5 "snapshot written to " >/dev/null
	SNAP=$(ls "$TUI_DIR"/execmon-snapshot-*.json 2>/dev/null | head -1)
	[ -n "$SNAP" ] && [ "$(src "$SNAP" 0 events)" = 7 ] && break
	sleep 1.1
done
is "$(src "$SNAP" 0 recreated)" 1 "the dashboard's snapshot counts the recreation"
is "$(src "$SNAP" 0 note)" "stream recreated" "and notes it in its sources"
is "$(src "$SNAP" 0 events)" 7 "every entry of both streams was read"
tui_keys RE q
tui_keys MISS q
tui_keys DEAD q
tui_keys WT q

done_testing
