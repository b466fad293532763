#!/usr/bin/env bash
# WebSocket feeds: a server that is not ours (python3-websockets) and
# execmon-gen's own feed; the same workload counted as from Redis; merging
# with Redis; fragments, oversized, binary and broken messages; a frame
# header announcing 1 GiB; a server that closes every upgrade at once (1011);
# a blackhole, a server killed and restarted, a frozen one; wss:// with a self-signed CA;
# request headers; the command line.
. "$(dirname "$0")/lib.sh"

PY=$(ws_python)
if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3-websockets is not installed"
	exit 0
fi

stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

start_redis w || exit 1
R="redis://127.0.0.1:$REDIS_PORT_w"
T0=$(( $(date +%s%3N) - 1800000 ))

# --- the command line
"$EXECMON" --help >"$TMP/help" 2>&1
for w in --ws --ws-ca --ws-insecure --ws-header --ws-max-message --duration; do
	grep -q -- "$w " "$TMP/help"
	ok $? "--help mentions $w"
done
usage() { # usage DESCRIPTION PATTERN ARGS...
	local d=$1 pat=$2
	shift 2
	"$EXECMON" "$@" >"$TMP/out" 2>"$TMP/err"
	is "$?" 2 "$d: exit 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^execmon: .*$pat" "$TMP/err"
	ok $? "$d: one line naming the cause"
}
usage "--ws with another scheme" "not a ws:// or wss:// URL" snapshot --ws redis://127.0.0.1:1
usage "--ws-header without a colon" "want 'Name: value'" snapshot --ws ws://127.0.0.1:1/ --ws-header Token
usage "--ws-header from an unset variable" "EXECMON_TEST_UNSET is not set" \
	snapshot --ws ws://127.0.0.1:1/ --ws-header 'X-Token: env:EXECMON_TEST_UNSET'
usage "--ws-max-message too small" "--ws-max-message '10'" snapshot --ws ws://127.0.0.1:1/ --ws-max-message 10
usage "--ws-ca unreadable" "--ws-ca '$TMP/none.pem'" snapshot --ws ws://127.0.0.1:1/ --ws-ca "$TMP/none.pem"

# --- Done when: a server that is not ours streams a workload; execmon counts
# it exactly as it counts the same workload from Redis.
"$EXECMON_GEN" --redis "$R" --stream work --start-ts "$T0" --runs 300 --seed 11 \
	>/dev/null 2>&1
"$EXECMON" record --redis "$R" --stream work --window 1h -o "$TMP/work.jsonl" \
	--duration 1s 2>/dev/null
n=$(lines "$TMP/work.jsonl")
NOW=$(( $(date +%s%3N) + 1000 ))
[ "$n" -gt 1000 ]
ok $? "the workload has $n events"
P=$(free_port)
start_ws feed "$P" serve "$TMP/work.jsonl" --batch 25 --fragment --close || exit 1
"$EXECMON" snapshot --ws "ws://127.0.0.1:$P/feed" --now "$NOW" -o "$TMP/ws.json" 2>"$TMP/ws.err"
is "$?" 0 "snapshot over a WebSocket ends when the server closes"
"$EXECMON" snapshot --redis "$R" --stream work --now "$NOW" -o "$TMP/redis.json" 2>/dev/null
is "$(jq_ "$TMP/ws.json" 'd["sources"][0]["events"]')" "$n" "every event of the feed is counted"
check "performance totals are the same as from Redis" python3 -c '
import json,sys
a=json.load(open(sys.argv[1]))["performance"]; b=json.load(open(sys.argv[2]))["performance"]
assert b["totalExecutions"] > 250, b["totalExecutions"]
for k in a:
    if k != "byAgent": assert a[k] == b[k], (k, a[k], b[k])' "$TMP/ws.json" "$TMP/redis.json"
check "byAgent is the same as from Redis" python3 -c '
import json,sys
a=json.load(open(sys.argv[1]))["performance"]["byAgent"]; b=json.load(open(sys.argv[2]))["performance"]["byAgent"]
assert len(b) >= 3 and a == b, (a, b)' "$TMP/ws.json" "$TMP/redis.json"
check "and so is everything else but the sources" python3 -c '
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
bad=[k for k in a if k != "sources" and a[k] != b[k]]
assert not bad, bad' "$TMP/ws.json" "$TMP/redis.json"
"$EXECMON" record --ws "ws://127.0.0.1:$P/feed" -o "$TMP/ws.jsonl" --count "$n" 2>"$TMP/rec.err"
is "$?" 0 "record --count over a WebSocket exits 0"
check "record writes the events it was sent, each with its _id" python3 -c '
import json,sys
def load(p):
    out=[]
    for l in open(p):
        e=json.loads(l); e.pop("_source"); out.append(json.dumps(e, sort_keys=True))
    return sorted(out)
assert load(sys.argv[1]) == load(sys.argv[2])' "$TMP/work.jsonl" "$TMP/ws.jsonl"
grep -q "^execmon: $n events, 0 malformed" "$TMP/rec.err"
ok $? "record's summary counts them"
stop_pid "$WS_PID_feed"

# --- execmon-gen's own feed: the same seed gives the same figures as Redis
"$EXECMON_GEN" --ws-listen 99999 --runs 1 2>"$TMP/err"
is "$?:$(wc -l <"$TMP/err")" 2:1 "execmon-gen --ws-listen with a bad port: usage error, one line"
P=$(free_port)
start_ws busy "$P" blackhole || exit 1
"$EXECMON_GEN" --ws-listen "$P" --runs 1 2>"$TMP/err"
is "$?" 1 "execmon-gen on a port in use exits 1"
grep -q "^execmon-gen: ws: cannot listen on 127.0.0.1:$P: Address already in use" "$TMP/err"
ok $? "saying why"
stop_pid "$WS_PID_busy"
P=$(free_port)
"$EXECMON_GEN" --ws-listen "$P" --start-ts "$T0" --runs 300 --seed 11 2>"$TMP/gen.err" &
gen=$!
BG_PIDS="$BG_PIDS $gen"
wait_for 10 grep -q "serving ws://127.0.0.1:$P/" "$TMP/gen.err"
ok $? "execmon-gen --ws-listen says where it serves"
"$EXECMON" snapshot --ws "ws://127.0.0.1:$P/" --now "$NOW" -o "$TMP/gen.json" 2>"$TMP/gen-snap.err"
is "$?" 0 "snapshot reads execmon-gen's feed to its end"
wait "$gen"
is "$?" 0 "execmon-gen exits 0 once its client has everything"
check "execmon-gen's feed counts as its Redis stream does" python3 -c '
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
bad=[k for k in a if k != "sources" and a[k] != b[k]]
assert not bad, bad' "$TMP/gen.json" "$TMP/redis.json"
grep -q "runs, $n events" "$TMP/gen.err"
ok $? "execmon-gen's summary counts the $n events it served"

# --- execmon-gen in real time, with Redis at the same time
P=$(free_port)
"$EXECMON_GEN" --redis "$R" --stream rt --ws-listen "$P" --rate 20 --duration 2s --time-scale 0.05 \
	2>"$TMP/gen-rt.err" &
gen=$!
BG_PIDS="$BG_PIDS $gen"
wait_for 10 grep -q serving "$TMP/gen-rt.err"
"$EXECMON" record --ws "ws://127.0.0.1:$P/" -o "$TMP/rt.jsonl" --duration 3s 2>/dev/null
wait "$gen"
is "$?" 0 "execmon-gen serves live and writes Redis at once"
grep -q '"type":"worker.status"' "$TMP/rt.jsonl"
ok $? "its execution_update messages arrive as worker.status"
grep -q '"type":"run.started"' "$TMP/rt.jsonl"
ok $? "its events arrive live"
is "$(redis-cli -p "$REDIS_PORT_w" EXISTS rt)" 1 "and the same workload went to Redis"

# --- events about one run from two sources merge into one run
redis-cli -p "$REDIS_PORT_w" XADD merge '*' type run.queued run_id m1 agent_name mixer queue q9 >/dev/null
redis-cli -p "$REDIS_PORT_w" XADD merge '*' type run.started run_id m1 agent_name mixer >/dev/null
now=$(date +%s%3N)
printf '{"type":"llm.call","run_id":"m1","ts":%s,"model_id":"m-1","input_tokens":10,"output_tokens":5}\n{"type":"run.completed","run_id":"m1","ts":%s}\n' \
	$((now + 100)) $((now + 200)) >"$TMP/merge.jsonl"
P=$(free_port)
start_ws merge "$P" serve "$TMP/merge.jsonl" --close || exit 1
"$EXECMON" events m1 --redis "$R" --stream merge --ws "ws://127.0.0.1:$P/" --format json \
	>"$TMP/m1.json" 2>/dev/null
is "$?" 0 "events reads a stream and a feed together"
check "one run's log holds the events of both sources" python3 -c '
import json,sys
l=json.load(open(sys.argv[1]))
assert [e["type"] for e in l] == ["run.queued","run.started","llm.call","run.completed"], l
assert len({e["_source"] for e in l}) == 2' "$TMP/m1.json"
"$EXECMON" runs --redis "$R" --stream merge --ws "ws://127.0.0.1:$P/" --format json \
	>"$TMP/m1-runs.json" 2>/dev/null
check "and it is one run, completed, with the feed's tokens" python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
r=r["runs"] if isinstance(r, dict) else r
m=[x for x in r if x["runId"] == "m1"]
assert len(m) == 1 and m[0]["status"] == "completed", m
assert m[0]["agentName"] == "mixer" and m[0]["inputTokens"] == 10, m' "$TMP/m1-runs.json"
stop_pid "$WS_PID_merge"

# --- fragments, oversized, binary and broken messages; realtime; _id dedup
P=$(free_port)
start_ws nasty "$P" nasty || exit 1
"$EXECMON" snapshot --ws "ws://127.0.0.1:$P/" --ws-max-message 2k -o "$TMP/nasty.json" \
	2>"$TMP/nasty.err"
is "$?" 0 "a nasty feed never stops the snapshot"
is "$(jq_ "$TMP/nasty.json" 'json.dumps(d["sources"][0]["malformed"], sort_keys=True)')" \
	'{"bad_json": 2, "binary": 1, "too_large": 1}' "each bad message is counted with its reason"
is "$(jq_ "$TMP/nasty.json" 'd["sources"][0]["events"]')" 6 "the good ones are counted"
is "$(jq_ "$TMP/nasty.json" '[q["depth"] for q in d["queues"] if q["name"]=="default"][0]')" 4 \
	"a realtime queueDepth is the default queue's depth"
is "$(jq_ "$TMP/nasty.json" 'd["realtime"]["systemLoad"]["cpu"]')" 41.5 \
	"its system load reaches the snapshot"
"$EXECMON" events frag-1 --ws "ws://127.0.0.1:$P/" --format json >"$TMP/frag.json" 2>/dev/null
check "a fragmented event arrives whole, a repeated _id once" python3 -c '
import json,sys
l=json.load(open(sys.argv[1]))
assert [e["type"] for e in l] == ["run.started","run.completed","log"], [e["type"] for e in l]
assert l[0]["message"] == "x" * 200 and l[0]["agent_name"] == "splitter"' "$TMP/frag.json"
grep -q "a frame of 3[0-9]* bytes announced, over --ws-max-message (2048): connection dropped" \
	"$TMP/nasty.err"
ok $? "a frame over the bound drops the connection, and says so"
# the 7th event is the first of the server's second round, after the drop
"$EXECMON" record --ws "ws://127.0.0.1:$P/" --ws-max-message 2k -o /dev/null --count 7 2>"$TMP/nasty-rec.err"
grep -q "7 events, 4 malformed (bad_json 2, too_large 1, binary 1)" "$TMP/nasty-rec.err"
ok $? "record's summary names every reason"
grep -q "connection dropped (retrying in 0.5 s)" "$TMP/nasty-rec.err"
ok $? "record reconnects after dropping an oversized frame"
"$EXECMON" snapshot --ws "ws://127.0.0.1:$P/" -o "$TMP/nasty2.json" 2>/dev/null
is "$(jq_ "$TMP/nasty2.json" 'd["sources"][0]["malformedTotal"]')" 3 \
	"with the default bound (1 MiB) the 3 kB message is fine"
stop_pid "$WS_PID_nasty"

# --- a frame header announcing 1 GiB: counted and dropped at once, not read
P=$(free_port)
start_ws huge "$P" huge || exit 1
"$EXECMON" snapshot --ws "ws://127.0.0.1:$P/" --ws-max-message 64k -o "$TMP/huge.json" \
	2>"$TMP/huge.err"
is "$?" 0 "a 1 GiB frame header does not stop the snapshot"
is "$(jq_ "$TMP/huge.json" 'json.dumps(d["sources"][0]["malformed"])')" '{"too_large": 1}' \
	"it is counted too_large"
is "$(jq_ "$TMP/huge.json" 'd["sources"][0]["events"]')" 1 "the event before it is kept"
grep -q "a frame of 1073741824 bytes announced, over --ws-max-message (65536)" "$TMP/huge.err"
ok $? "the announced size and the bound are named"
wait_for 5 grep -q "^wrote" "$TMP/ws-huge.out"
wrote=$(sed -n 's/^wrote //p' "$TMP/ws-huge.out")
[ -n "$wrote" ] && [ "$wrote" -lt $((64 << 20)) ]
ok $? "the connection was dropped at the header, not read through (${wrote:-?} bytes sent)"
stop_pid "$WS_PID_huge"
# the same header and only 2 KiB of payload, the server then silent: still
# known from the first piece lws hands on, not left waiting for the rest
P=$(free_port)
start_ws trickle "$P" huge --trickle || exit 1
"$EXECMON" snapshot --ws "ws://127.0.0.1:$P/" --ws-max-message 64k -o "$TMP/trickle.json" \
	2>"$TMP/trickle.err"
is "$(jq_ "$TMP/trickle.json" 'json.dumps(d["sources"][0]["malformed"])')" '{"too_large": 1}' \
	"a 1 GiB header with 2 KiB after it: counted too_large"
wait_for 35 grep -q "client left\|held" "$TMP/ws-trickle.out"
is "$(cat "$TMP/ws-trickle.out" | sed 1d)" "client left" "execmon hung up without waiting for the rest"
stop_pid "$WS_PID_trickle"

# --- a server that accepts every upgrade and closes it at once (1011): the
# retry delay grows; only a connection that stayed up 10 s resets it
P=$(free_port)
start_ws flap "$P" flap || exit 1
P2=$(free_port)
start_ws flap2 "$P2" flap --hold 4:10.5 || exit 1
"$EXECMON" record --ws "ws://127.0.0.1:$P/" -o /dev/null --duration 6s 2>"$TMP/flap.err" &
rec1=$!
"$EXECMON" record --ws "ws://127.0.0.1:$P2/" -o /dev/null --duration 15s 2>"$TMP/flap2.err"
wait "$rec1"
n=$(grep -c '^conn' "$TMP/ws-flap.out")
[ "$n" -ge 3 ] && [ "$n" -le 5 ]
ok $? "closed at once: $n connections in 6 s (0.5, 1, 2, 4 s apart), not one every 0.5 s"
is "$(grep -o 'retrying in [0-9.]* s' "$TMP/flap.err" | head -3 | tr '\n' ,)" \
	"retrying in 0.5 s,retrying in 1.0 s,retrying in 2.0 s," "the delays double"
grep -q "closed by the server (1011 internal error)" "$TMP/flap.err"
ok $? "the close code is named"
is "$(grep -o 'retrying in [0-9.]* s' "$TMP/flap2.err" | head -4 | tr '\n' ,)" \
	"retrying in 0.5 s,retrying in 1.0 s,retrying in 2.0 s,retrying in 0.5 s," \
	"a connection up for 10 s resets the delay"
stop_pid "$WS_PID_flap"
stop_pid "$WS_PID_flap2"

# --- a blackhole (accepts TCP, never answers the upgrade) next to a good feed
B=$(free_port)
start_ws hole "$B" blackhole || exit 1
printf '{"type":"log","run_id":"g1","message":"hi"}\n' >"$TMP/one.jsonl"
P=$(free_port)
start_ws good "$P" serve "$TMP/one.jsonl" --close || exit 1
start=$(date +%s%3N)
"$EXECMON" snapshot --ws "ws://127.0.0.1:$B/" --ws "ws://127.0.0.1:$P/" --connect-timeout 7s \
	-o "$TMP/hole.json" 2>"$TMP/hole.err"
is "$?" 0 "a blackhole does not hang a snapshot"
took=$(( $(date +%s%3N) - start ))
[ "$took" -lt 9000 ]
ok $? "which goes on without it after --connect-timeout (${took} ms)"
grep -q "127.0.0.1:$B/: no WebSocket upgrade within 5.0 s (retrying in 0.5 s)" "$TMP/hole.err"
ok $? "the upgrade timeout (5 s) is named, and the retry"
is "$(jq_ "$TMP/hole.json" 'd["sources"][0]["error"]')" "no WebSocket upgrade within 5.0 s" \
	"the snapshot shows why the blackhole is not live"
is "$(jq_ "$TMP/hole.json" 'd["sources"][1]["events"]')" 1 "and the good feed's event"
"$EXECMON" record --ws "ws://127.0.0.1:$B/" --ws "ws://127.0.0.1:$P/" \
	--connect-timeout 1s -o /dev/null --duration 4s 2>"$TMP/hole2.err"
is "$?" 0 "record follows the good feed past a blackhole"
[ "$(grep -c "127.0.0.1:$B/: no WebSocket upgrade within 1.0 s" "$TMP/hole2.err")" -ge 2 ]
ok $? "and keeps retrying the blackhole"
stop_pid "$WS_PID_hole"
stop_pid "$WS_PID_good"

# --- a server killed (SIGKILL) and restarted on the same port
for i in $(seq 1 200); do printf '{"type":"log","run_id":"a%d"}\n' "$i"; done >"$TMP/a.jsonl"
for i in $(seq 1 5); do printf '{"type":"log","run_id":"b%d"}\n' "$i"; done >"$TMP/b.jsonl"
P=$(free_port)
start_ws killme "$P" serve "$TMP/a.jsonl" --delay 0.05 || exit 1
"$EXECMON" record --ws "ws://127.0.0.1:$P/" -o - >"$TMP/kill.jsonl" 2>"$TMP/kill.err" &
rec=$!
BG_PIDS="$BG_PIDS $rec"
wait_lines 10 "$TMP/kill.jsonl" 10
kill -9 "$WS_PID_killme"; wait "$WS_PID_killme" 2>/dev/null
wait_for 5 grep -q "Connection refused (retrying" "$TMP/kill.err"
ok $? "a killed server: the refused reconnect is reported"
sleep 2
start_ws again "$P" serve "$TMP/b.jsonl" || exit 1
restarted=$(date +%s%3N)
wait_for 15 grep -q '"b5"' "$TMP/kill.jsonl"
ok $? "after the restart the new server's events arrive"
took=$(( $(date +%s%3N) - restarted ))
[ "$took" -le 10500 ]
ok $? "within the backoff bound of 10 s (${took} ms)"
grep -q "reconnected" "$TMP/kill.err"
ok $? "and the reconnect is reported"
kill -0 "$rec" 2>/dev/null
ok $? "record is still running"
stop_pid "$rec"
check "every line written is whole" python3 -c '
import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/kill.jsonl"
stop_pid "$WS_PID_again"

# --- a frozen server (SIGSTOP): no hang; ping timeout, then reconnect
P=$(free_port)
start_ws frozen "$P" serve "$TMP/a.jsonl" --delay 0.05 || exit 1
EXECMON_WS_PING_S=1 EXECMON_WS_HANGUP_S=3 "$EXECMON" record --ws "ws://127.0.0.1:$P/" \
	-o - >"$TMP/frz.jsonl" 2>"$TMP/frz.err" &
rec=$!
BG_PIDS="$BG_PIDS $rec"
wait_lines 10 "$TMP/frz.jsonl" 10
kill -STOP "$WS_PID_frozen"
stopped=$(date +%s%3N)
wait_for 10 grep -q "server stopped answering (no pong within 3 s)" "$TMP/frz.err"
ok $? "a frozen server is noticed by its missing pong"
took=$(( $(date +%s%3N) - stopped ))
[ "$took" -le 5000 ]
ok $? "within the ping policy: ping after 1 s, hang up after 3 s (${took} ms)"
before=$(lines "$TMP/frz.jsonl")
kill -CONT "$WS_PID_frozen"
wait_for 15 grep -q reconnected "$TMP/frz.err"
ok $? "after the thaw it reconnects by itself"
wait_lines 10 "$TMP/frz.jsonl" $((before + 5))
ok $? "and events flow again"
kill "$rec"; wait "$rec"
is "$?" 0 "SIGTERM ends record with status 0"
stop_pid "$WS_PID_frozen"

# --- wss:// with a self-signed certificate
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
ok $? "openssl made a self-signed certificate"
P=$(free_port)
start_ws tls "$P" serve "$TMP/merge.jsonl" --tls "$TMP/cert.pem" "$TMP/key.pem" || exit 1
for host in localhost 127.0.0.1; do
	"$EXECMON" record --ws "wss://$host:$P/" --ws-ca "$TMP/cert.pem" -o "$TMP/tls.jsonl" \
		--count 2 2>"$TMP/tls.err"
	is "$?:$(lines "$TMP/tls.jsonl")" 0:2 "wss://$host verified through --ws-ca"
done
"$EXECMON" record --ws "wss://localhost:$P/" --connect-timeout 2s -o /dev/null 2>"$TMP/tls.err"
is "$?" 1 "without --ws-ca a self-signed certificate is refused"
grep -q "^execmon: wss://localhost:$P/: TLS: certificate not trusted: self-signed certificate" "$TMP/tls.err"
ok $? "saying why in one line"
"$EXECMON" record --ws "wss://localhost:$P/" --ws-insecure -o "$TMP/tls.jsonl" --count 2 2>/dev/null
is "$?:$(lines "$TMP/tls.jsonl")" 0:2 "--ws-insecure accepts it"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=elsewhere.test \
	-addext "subjectAltName=DNS:elsewhere.test" \
	-keyout "$TMP/okey.pem" -out "$TMP/ocert.pem" >/dev/null 2>&1
P2=$(free_port)
start_ws other "$P2" serve "$TMP/merge.jsonl" --tls "$TMP/ocert.pem" "$TMP/okey.pem" || exit 1
"$EXECMON" record --ws "wss://localhost:$P2/" --ws-ca "$TMP/ocert.pem" --connect-timeout 2s \
	-o /dev/null 2>"$TMP/tls.err"
grep -q "TLS: certificate not trusted: hostname mismatch" "$TMP/tls.err"
ok $? "a trusted certificate for another name is refused"
stop_pid "$WS_PID_tls"
stop_pid "$WS_PID_other"

# --- request headers, with a secret from the environment
P=$(free_port)
start_ws hdr "$P" serve "$TMP/merge.jsonl" --require-header 'X-Token: s3cr3t-value' \
	--headers-out "$TMP/headers.txt" || exit 1
EXECMON_TEST_TOKEN=s3cr3t-value "$EXECMON" record --ws "ws://127.0.0.1:$P/" \
	--ws-header 'X-Token: env:EXECMON_TEST_TOKEN' --ws-header 'X-Team: ops' \
	-o "$TMP/hdr.jsonl" --count 2 2>"$TMP/hdr.err"
is "$?:$(lines "$TMP/hdr.jsonl")" 0:2 "a server that wants a token gets it from --ws-header env:VAR"
grep -qi "^x-team: ops" "$TMP/headers.txt"
ok $? "every --ws-header is sent"
"$EXECMON" record --ws "ws://127.0.0.1:$P/" --connect-timeout 2s -o /dev/null 2>"$TMP/hdr.err"
is "$?" 1 "without the token the feed is refused"
grep -q s3cr3t "$TMP/hdr.err"
is "$?" 1 "and no secret is ever printed"
stop_pid "$WS_PID_hdr"

done_testing
