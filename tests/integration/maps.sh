#!/usr/bin/env bash
# Event maps: --map on the command line and in the config file, map files
# with errors, a made-up producer format (nanosecond times, a nested JSON
# payload, renamed types), the shannon preset over Redis stream patterns,
# its WebSocket form, and execmon-gen --format shannon.
. "$(dirname "$0")/lib.sh"

TRUTH="${SRCDIR:-$(dirname "$0")/../..}/tests/integration/shannon_truth.py"
start_redis m || exit 1
P=$REDIS_PORT_m
R="redis://127.0.0.1:$P"
NOW_MS=$(date +%s%3N)

# --- the command line
"$EXECMON" --help >"$TMP/help" 2>&1
grep -q -- "--map NAME|FILE" "$TMP/help"
ok $? "--help mentions --map"
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

done_testing
