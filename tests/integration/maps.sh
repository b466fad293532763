#!/usr/bin/env bash
# Event maps: --map on the command line and in the config file, map files
# with errors, a made-up producer format (nanosecond times, a nested JSON
# payload, renamed types), the shannon preset over Redis stream patterns,
# its WebSocket form, and execmon-gen --format shannon.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

TRUTH="${SRCDIR:-$(dirname "$0")/../..}/tests/integration/shannon_truth.py"
# A build outside the source tree has no maps beside the program.
[ -d "$(dirname "$EXECMON")/maps" ] || export EXECMON_MAP_PATH="${SRCDIR:-.}/maps"
start_redis m || exit 1
P=$REDIS_PORT_m
R="redis://127.0.0.1:$P"
NOW_MS=$(date +%s%3N)

# --- the command line
"$EXECMON" --help >"$TMP/help" 2>&1
for w in "--map NAME|FILE" "--discover-every DUR" "--max-streams N" "a glob"; do
	grep -q -- "$w" "$TMP/help"
	ok $? "--help mentions $w"
done
"$EXECMON_GEN" --help 2>&1 | grep -q -- '--format F'
ok $? "execmon-gen --help mentions --format"
"$EXECMON_GEN" --format bogus >/dev/null 2>"$TMP/err"
is "$?" 2 "execmon-gen --format bogus exits 2"
grep -q "expected native or shannon" "$TMP/err"
ok $? "and says what it wants"
"$EXECMON" --map list >"$TMP/list" 2>"$TMP/err"
is "$?" 0 "--map list exits 0"
grep -q '^shannon .*Shannon' "$TMP/list" && grep -q '^native ' "$TMP/list"
ok $? "--map list shows native and the shannon preset"

usage() { # usage DESCRIPTION PATTERN ARGS...
	local d=$1 pat=$2
	shift 2
	"$EXECMON" "$@" >"$TMP/out" 2>"$TMP/err"
	is "$?" 2 "$d: exit 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q -- "^execmon: .*$pat" "$TMP/err"
	ok $? "$d: one line naming the cause"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || sed 's/^/#   /' "$TMP/err"
}
usage "--map with an unknown preset" "no map 'nope'" snapshot --map nope
usage "--map with a bad name" "bad map name" snapshot --map 'a b'
usage "--map with a missing file" "map $TMP/none.map: " snapshot --map "$TMP/none.map"

usage "--discover-every too short" "--discover-every '1ms': not a duration" \
	snapshot --discover-every 1ms
usage "--max-streams zero" "--max-streams '0': not a count" snapshot --max-streams 0
usage "--map with nothing to read through it" "--map shannon: no --stream, --ws or --replay" \
	snapshot --map shannon

# Bad map files: each error names the file, the line and the cause.
badmap() { # badmap DESCRIPTION LINE CAUSE TEXT
	printf '%b' "$4" >"$TMP/bad.map"
	usage "$1" "$TMP/bad.map:$2: $3" snapshot --map "$TMP/bad.map"
}
badmap "an unknown setting" 3 "unknown setting 'colour'" \
	'# comment\nrun_id = id\ncolour = red\n'
badmap "an unknown time unit" 1 "time: unknown time unit 'fortnights'" \
	'time = at fortnights\n'
badmap "an unknown execmon type" 2 "type.begin: unknown execmon type 'run.begun'" \
	'run_id = id\ntype.begin = run.begun\n'
badmap "a string left open" 1 'message: a string without its closing' \
	'message = "oops\n'
badmap "a setting given twice" 4 "run_id set twice" \
	'run_id = a\n\n\nrun_id = b\n'
badmap "a scope no type uses" 2 "scope @call is given to no type" \
	'run_id = a\n@call.run_id = b\n'
badmap "an empty part in a path" 1 "run_id: an empty part in the path 'a..b'" \
	'run_id = a..b\n'
printf 'map = %s\nstream = x\n' "$TMP/bad.map" >"$TMP/bad.conf"
printf 'run_id = a\nbogus = 1\n' >"$TMP/bad.map"
usage "a bad map named in the config file" "$TMP/bad.map:2: unknown setting 'bogus'" \
	snapshot --config "$TMP/bad.conf"

# --- a made-up producer: renamed types, nanosecond times, nested JSON payload
cat >"$TMP/acme.map" <<'EOF'
# ACME's job events
description = ACME job bus
type = kind
time = at_ns ns | at rfc3339
run_id = ctx.job.id
parent_run_id = ctx.job.parent
agent_id = ctx.who | "orchestrator"
# only a job's start names its agent
agent-from = job_begin
message = note
model_id = body.model
input_tokens = body.usage.in
output_tokens = body.usage.out
cost_usd = body.price.usd
duration_ms = body.ms
tool_id = body.tool
outcome = body.result
type.job_begin = run.started
type.job_end = run.completed
type.job_fail = run.failed
type.model_call = llm.call
type.tool_use = tool.call
type.chatter = log-only
EOF
T=$(( (NOW_MS - 600000) / 1000 * 1000 ))
ns() { echo "$(( T + $1 ))000000"; }
x() { redis-cli -p "$P" XADD acme:jobs '*' "$@" >/dev/null; }
x kind job_begin at_ns "$(ns 0)" ctx '{"job":{"id":"J1"},"who":"planner"}' note "go"
x kind model_call at_ns "$(ns 1500)" ctx '{"job":{"id":"J1"},"who":"planner"}' \
	body '{"model":"m-large","usage":{"in":1200,"out":300},"price":{"usd":0.0125},"ms":1400}'
x kind tool_use at_ns "$(ns 2000)" ctx '{"job":{"id":"J1"}}' body '{"tool":"grep","result":"success","ms":20}'
x kind chatter at_ns "$(ns 2100)" ctx '{"job":{"id":"J1"}}' note "thinking aloud"
x kind job_end at_ns "$(ns 4000)" ctx '{"job":{"id":"J1"}}'
x kind job_begin at "$(date -u -d @$(( (T + 5000) / 1000 )) +%Y-%m-%dT%H:%M:%S).250000000Z" \
	ctx '{"job":{"id":"J2","parent":"J1"},"who":"coder"}'
x kind job_fail at_ns "$(ns 9000)" ctx '{"job":{"id":"J2"}}' note "gave up"
x kind job_end at_ns soon ctx '{"job":{"id":"J3"}}'
x kind model_call at_ns "$(ns 9500)" ctx 'not json'

"$EXECMON" runs --redis "$R" --map "$TMP/acme.map" --stream acme:jobs --format json \
	>"$TMP/acme.json" 2>"$TMP/acme.err"
is "$?" 0 "runs over a mapped stream exits 0"
check "the made-up format is mapped: types, ns times, nested payload, fallback" python3 -c '
import json, sys
runs = {r["runId"]: r for r in json.load(open(sys.argv[1]))}
t = int(sys.argv[2])
j1, j2 = runs["J1"], runs["J2"]
assert j1["status"] == "completed", j1
assert j1["agentId"] == "planner", j1
assert j1["inputTokens"] == 1200 and j1["outputTokens"] == 300, j1
assert abs(j1["cost"] - 0.0125) < 1e-9, j1
assert j1["duration"] == 4.0, j1
assert j2["status"] == "failed" and j2["agentId"] == "coder", j2
assert j2["duration"] == 3.75, j2
assert set(runs) == {"J1", "J2"}, runs.keys()
' "$TMP/acme.json" "$T"
grep -q "2 malformed (bad_json 1, bad_ts 1)" "$TMP/acme.err"
ok $? "entries the map cannot apply are counted as malformed by reason"
grep -q "map $TMP/acme.map: time: at_ns: not a number" "$TMP/acme.err" &&
	grep -q "map $TMP/acme.map: run_id: ctx.job.id: 'ctx' is not a JSON object" "$TMP/acme.err"
ok $? "and each reason names the map and the field"
"$EXECMON" events --redis "$R" --map "$TMP/acme.map" --stream acme:jobs --format json J1 \
	>"$TMP/j1.json" 2>/dev/null
check "a log-only type stays in the run's log under its own name" python3 -c '
import json, sys
evs = json.load(open(sys.argv[1]))
types = [e["type"] for e in evs]
assert types == ["run.started", "llm.call", "tool.call", "chatter", "run.completed"], types
assert evs[3]["message"] == "thinking aloud", evs[3]
' "$TMP/j1.json"

# --map applies to the sources after it; --map native goes back; config too.
redis-cli -p "$P" XADD native:ev '*' type run.started run_id N1 agent_id nat >/dev/null
redis-cli -p "$P" XADD native:ev '*' type run.completed run_id N1 >/dev/null
"$EXECMON" runs --redis "$R" --stream native:ev --map "$TMP/acme.map" --stream acme:jobs \
	--map native --stream native:ev2 --format json >"$TMP/mix.json" 2>"$TMP/mix.err"
check "a native stream before --map and a mapped one after it" python3 -c '
import json, sys
runs = {r["runId"]: r for r in json.load(open(sys.argv[1]))}
assert set(runs) == {"J1", "J2", "N1"}, runs.keys()
assert runs["N1"]["status"] == "completed"
' "$TMP/mix.json"
printf 'redis = %s\nstream = native:ev\nmap = %s\nstream = acme:jobs\n' "$R" "$TMP/acme.map" \
	>"$TMP/m.conf"
"$EXECMON" runs --config "$TMP/m.conf" --format json >"$TMP/conf.json" 2>/dev/null
cmp -s "$TMP/mix.json" "$TMP/conf.json"
ok $? "the config file maps the sources after its map line the same way"
"$EXECMON" runs --config "$TMP/m.conf" --stream acme:jobs --format json >"$TMP/conf2.json" 2>&1
grep -q '"runId"' "$TMP/conf2.json"
is "$?" 1 "a config file's map does not reach the command line's streams"

# --- Shannon: per-workflow streams found by a pattern, through the preset
T0=$(( (NOW_MS - 1200000) / 1000 * 1000 ))
"$EXECMON_GEN" --redis "$R" --format shannon --runs 40 --rate 0.5 --start-ts $T0 --seed 3 \
	--print >"$TMP/sh.print" 2>"$TMP/gen.err"
is "$?" 0 "execmon-gen --format shannon exits 0"
grep -q "^execmon-gen: 40 workflows, $(grep -c . "$TMP/sh.print") events" "$TMP/gen.err"
ok $? "and counts the workflows and events it wrote"
# scan_type PATTERN TYPE: the keys of that type that match
scan_type() { redis-cli -p "$P" SCAN 0 MATCH "$1" TYPE "$2" COUNT 1000000 | tail -n +2 | grep .; }
nstreams=$(scan_type 'shannon:workflow:events:*' stream | grep -c .)
nseq=$(redis-cli -p "$P" --scan --pattern 'shannon:workflow:events:*:seq' | grep -c .)
is "$nstreams $nseq" "40 40" "one stream and one :seq counter per workflow"
is "$(redis-cli -p "$P" TYPE shannon:notifications:global)" stream "the notifications stream is written"
ttl=$(redis-cli -p "$P" TTL "$(scan_type 'shannon:workflow:events:*' stream | head -1)")
[ "$ttl" -gt 80000 ] && [ "$ttl" -le 86400 ]
ok $? "the streams expire in a day, as Shannon's do (TTL $ttl)"

"$EXECMON" snapshot --redis "$R" --stream 'shannon:workflow:events:*' --map shannon \
	--window 1h -o "$TMP/sh.json" 2>"$TMP/sh.err"
is "$?" 0 "snapshot over the pattern exits 0"
python3 "$TRUTH" truth "$TMP/sh.print" >"$TMP/truth.txt"
python3 "$TRUTH" snap "$TMP/sh.json" >"$TMP/got.txt"
cmp -s "$TMP/truth.txt" "$TMP/got.txt"
ok $? "workflows, agents, models, tokens, cost and tools agree with the ground truth"
cmp -s "$TMP/truth.txt" "$TMP/got.txt" || diff "$TMP/truth.txt" "$TMP/got.txt" | head -20 | sed 's/^/#   /'
check "every workflow stream is a source, no :seq key and no other stream" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
names = [x["address"] for x in s["sources"]]
streams = [n for n in names if "/shannon:workflow:events:task-" in n]
assert len(streams) == 40, len(streams)
assert not any(n.endswith(":seq") for n in names), names
assert not any("notifications" in n for n in names), names
' "$TMP/sh.json"
grep -q 'shannon:workflow:events:\*: 40 streams' "$TMP/sh.err"
ok $? "the pattern says how many streams it follows"

# The same events in the form of Shannon's WebSocket stream: the payload an
# object, the time in RFC 3339 with nanoseconds; read from a file and a feed.
python3 -c '
import json, sys, datetime
for line in open(sys.argv[1]):
    e = json.loads(line)
    f = e["fields"]
    ns = int(f["ts_nano"])
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    o = {"workflow_id": f["workflow_id"], "type": f["type"],
         "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % 10**9),
         "seq": int(f["seq"]), "stream_id": e["id"]}
    if f["agent_id"]: o["agent_id"] = f["agent_id"]
    if f["message"]: o["message"] = f["message"]
    if f["payload"]: o["payload"] = json.loads(f["payload"])
    print(json.dumps(o))
' "$TMP/sh.print" >"$TMP/sh-ws.jsonl"
"$EXECMON" snapshot --replay "$TMP/sh-ws.jsonl" --map shannon --window 1h \
	--now "$NOW_MS" -o "$TMP/ws-replay.json" 2>/dev/null
python3 "$TRUTH" snap "$TMP/ws-replay.json" >"$TMP/got-replay.txt"
cmp -s "$TMP/truth.txt" "$TMP/got-replay.txt"
ok $? "the WebSocket form, replayed from a file, agrees with the ground truth"
PY=$(ws_python)
if [ -n "$PY" ]; then
	WSP=$(free_port)
	start_ws sh "$WSP" serve "$TMP/sh-ws.jsonl" --close
	"$EXECMON" snapshot --map shannon --ws "ws://127.0.0.1:$WSP/api/v1/stream/ws?workflow_id=all" \
		--window 1h --now "$NOW_MS" -o "$TMP/ws-feed.json" 2>/dev/null
	python3 "$TRUTH" snap "$TMP/ws-feed.json" >"$TMP/got-feed.txt"
	cmp -s "$TMP/truth.txt" "$TMP/got-feed.txt"
	ok $? "the WebSocket form from a feed agrees with the ground truth"
else
	echo "ok $((T_N += 1)) # SKIP python3-websockets is not installed"
fi

"$EXECMON" record --redis "$R" --stream 'shannon:workflow:events:*' --map shannon \
	--window 1h -o "$TMP/count.jsonl" --count 3 2>"$TMP/count.err"
is "$?" 0 "record --count over a pattern stops in the middle of a reply, cleanly"
is "$(grep -c . "$TMP/count.jsonl")" 3 "with exactly the events asked for"

redis-cli -p "$P" SET shannon:workflow:events:not-a-stream hello >/dev/null
redis-cli -p "$P" HSET shannon:workflow:events:a-hash f v >/dev/null
"$EXECMON" snapshot --redis "$R" --stream 'shannon:workflow:events:*' --map shannon \
	--window 1h --max-streams 25 -o "$TMP/max.json" 2>"$TMP/max.err"
is "$?" 0 "snapshot with --max-streams exits 0"
grep -q 'shannon:workflow:events:\*: 25 streams, 15 over --max-streams 25' "$TMP/max.err"
ok $? "streams over --max-streams are counted and shown"
check "non-stream keys that match are ignored" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
names = [x["address"] for x in s["sources"]]
assert not any("not-a-stream" in n or "a-hash" in n for n in names), names
assert sum("/shannon:workflow:events:task-" in n for n in names) == 25
pat = [x for x in s["sources"] if x["address"].endswith("/shannon:workflow:events:*")]
assert len(pat) == 1 and pat[0]["note"] == "15 streams over --max-streams 25 not followed", pat
' "$TMP/max.json"

timeout 30 "$EXECMON" snapshot --redis "$R" --stream native:ev --stream native:ev \
	--map shannon --stream 'shannon:workflow:events:task-00001*' -o "$TMP/both.json" 2>/dev/null
is "$?" 0 "plain streams (one named twice) and a glob on one server: snapshot ends"
check "and reads both" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
ids = {r["runId"] for r in s["runs"]}
assert "N1" in ids, ids
assert sum(1 for i in ids if i.startswith("task-00001") and "/" not in i) == 10, ids
' "$TMP/both.json"

# Live: streams that appear are picked up, streams that expire are dropped.
redis-cli -p "$P" FLUSHALL >/dev/null
"$EXECMON_GEN" --redis "$R" --format shannon --runs 2 --rate 0 --seed 4 \
	--time-scale 0.1 --print >"$TMP/live0.print" 2>/dev/null
EXECMON_BLOCK_MS=300 "$EXECMON" record --redis "$R" --stream 'shannon:workflow:events:*' \
	--map shannon --discover-every 200ms --duration 7s -o "$TMP/live.jsonl" \
	2>"$TMP/live.err" &
rec=$!
BG_PIDS="$BG_PIDS $rec"
wait_for 5 grep -q '2 streams' "$TMP/live.err"
ok $? "the streams there at start are found"
first=$(head -1 "$TMP/live0.print" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stream"])')
redis-cli -p "$P" PEXPIRE "$first" 50 >/dev/null
"$EXECMON_GEN" --redis "$R" --format shannon --runs 3 --rate 5 --seed 5 \
	--time-scale 0.1 --print >"$TMP/live1.print" 2>/dev/null
wait "$rec"
is "$?" 0 "record over the pattern exits 0"
is "$(grep -c . "$TMP/live.jsonl")" "$(cat "$TMP/live0.print" "$TMP/live1.print" | grep -c .)" \
	"every event of the old and the new streams is recorded"
is "$(grep -c 'new stream found by' "$TMP/live.err")" 3 "each new stream is picked up"
grep -q ': 4 streams, 1 gone' "$TMP/live.err"
ok $? "the expired stream is dropped and counted"
grep -qi 'error' "$TMP/live.err"
is "$?" 1 "quietly: no error"

# The dashboard: the pattern in the header; a dropped stream is not shown.
if command -v tmux >/dev/null 2>&1 && tui_init; then
	redis-cli -p "$P" FLUSHALL >/dev/null
	"$EXECMON_GEN" --redis "$R" --format shannon --runs 2 --rate 0 --seed 6 \
		--time-scale 0.1 --print >"$TMP/tui0.print" 2>/dev/null
	tui_run DSH 200 40 EXECMON_BLOCK_MS=300 ${EXECMON_MAP_PATH:+EXECMON_MAP_PATH=$EXECMON_MAP_PATH} \
		--redis "$R" --stream 'shannon:workflow:events:*' --map shannon --discover-every 200ms
	# the pattern and its two streams, each "● shannon:workflow:ev..."
	three() { tui_match DSH '(● shannon:workflow:ev[^●]*){3}'; }
	two_only() { ! three && tui_match DSH '(● shannon:workflow:ev[^●]*){2}'; }
	wait_for 10 three
	ok $? "the header shows the pattern and its streams"
	first=$(head -1 "$TMP/tui0.print" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stream"])')
	redis-cli -p "$P" DEL "$first" >/dev/null
	wait_for 10 two_only
	ok $? "a stream that goes away leaves the header"
	tui_alive DSH
	ok $? "the dashboard goes on"
	tui_match DSH 'gone'
	is "$?" 1 "and does not show the dropped stream as gone"
	tui_keys DSH q
else
	echo "# tmux is not installed: the dashboard checks are skipped"
fi

done_testing
