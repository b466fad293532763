#!/usr/bin/env bash
# OpenTelemetry GenAI traces over OTLP/HTTP (--otlp-listen): the AI SDK and
# hand-made spans exported by the OpenTelemetry JS SDK (JSON and protobuf,
# gzip or not), execmon-gen's spans, a real capture in any order, and bad
# requests of every kind, each with its status, none stalling the loop.
. "$(dirname "$0")/lib.sh"

HTTP="$SRCDIR/tests/integration/otlp-http.py"
CAPTURE="$SRCDIR/tests/data/otlp-ai-sdk-6-traces.txt"
OTEL="$SRCDIR/tests/otel"
PRICES="$SRCDIR/prices"
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# listen NAME ARGS...: execmon in the background with --otlp-listen on a free
# port; sets PORT_<NAME>, PID_<NAME>; waits until it listens.
listen() {
	local name=$1 port
	shift
	port=$(free_port)
	"$EXECMON" "$@" --otlp-listen "$port" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	local pid=$!
	BG_PIDS="$BG_PIDS $pid"
	eval "PORT_$name=$port PID_$name=$pid"
	wait_for 10 grep -q listening "$TMP/$name.err" || {
		echo "# execmon $name did not listen"; sed 's/^/#   /' "$TMP/$name.err"; return 1; }
}
# finish NAME: wait for it to end by itself (--duration); its exit status.
finish() {
	local pid
	eval "pid=\$PID_$1"
	wait "$pid"
}

# The figures of a snapshot in the workload's terms (sorted JSON).
cat >"$TMP/figures.py" <<'EOF'
import json, sys, collections
d = json.load(open(sys.argv[1]))
runs, failed = collections.Counter(), collections.Counter()
f = dict(inputTokens=0, outputTokens=0, llmCalls=0, toolCalls=0, toolErrors=0)
for r in d["runs"]:
    runs[r["agentName"]] += 1
    if r["status"] == "failed":
        failed[r["agentName"]] += 1
    for k in f:
        f[k] += r[k] or 0
f["runs"] = dict(runs)
f["failed"] = dict(failed)
print(json.dumps(f, sort_keys=True))
EOF
figures() { python3 "$TMP/figures.py" "$1"; }
norm() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read()), sort_keys=True))'; }

# --- the command line
"$EXECMON" --help >"$TMP/help" 2>&1
for w in --otlp-listen --otlp-max-body --otlp-token --prices --price; do
	grep -q -- "$w" "$TMP/help"
	ok $? "--help shows $w"
done
"$EXECMON" snapshot --otlp-listen 99999 2>"$TMP/err"
is "$?" 2 "--otlp-listen 99999: usage error"
grep -q "otlp-listen '99999': the port is not a number from 1 to 65535" "$TMP/err"
ok $? "... saying why"
"$EXECMON" snapshot --otlp-listen 4318 2>"$TMP/err"
is "$?" 2 "snapshot --otlp-listen without --duration: usage error"
grep -q "snapshot needs --duration" "$TMP/err"
ok $? "... saying it needs --duration"
"$EXECMON" snapshot --otlp-listen 127.0.0.1:4318 --otlp-token env:EXECMON_NO_SUCH_VAR --duration 1s 2>"$TMP/err"
is "$?" 2 "--otlp-token env:VAR with VAR unset: usage error"
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$TMP/busy" &
BG_PIDS="$BG_PIDS $!"
wait_for 5 test -s "$TMP/busy"
"$EXECMON" snapshot --otlp-listen "$(cat "$TMP/busy")" --duration 1s 2>"$TMP/err"
is "$?" 1 "a port in use: runtime failure"
grep -q "otlp-listen $(cat "$TMP/busy"): address already in use" "$TMP/err"
ok $? "... naming the address and the cause"

# --- a real capture of the AI SDK 6, forward and backward
for order in forward reverse; do
	listen cap_$order snapshot --duration 2s --window 7d -o "$TMP/cap-$order.json" || exit 1
	eval "port=\$PORT_cap_$order"
	is "$(python3 "$HTTP" "$port" capture "$CAPTURE" $order)" "200 200 200 200" \
		"capture ($order): every request answered 200"
	finish cap_$order
	ok $? "capture ($order): snapshot written"
done
is "$(figures "$TMP/cap-forward.json")" \
	'{"failed": {}, "inputTokens": 280, "llmCalls": 2, "outputTokens": 24, "runs": {"weather-agent": 1}, "toolCalls": 1, "toolErrors": 0}' \
	"capture: one weather-agent run, 2 LLM calls, 280/24 tokens, 1 tool call"
is "$(jq_ "$TMP/cap-forward.json" 'd["runs"][0]["traceId"], d["runs"][0]["model"], d["runs"][0]["status"]')" \
	"5e3f291f95cb1aa1777af379693b5d17 gpt-mock-1 completed" "capture: the trace id, model and status"
is "$(figures "$TMP/cap-reverse.json")" "$(figures "$TMP/cap-forward.json")" \
	"capture: the same figures with the spans in the reverse order"

# --- execmon-gen otlp: JSON and protobuf, gzip or not
for fmt in json proto; do
	for z in "" --gzip; do
		name=gen_$fmt${z:+_gz}
		listen "$name" snapshot --duration 3s --window 1d -o "$TMP/$name.json" || exit 1
		eval "port=\$PORT_$name"
		"$EXECMON_GEN" otlp --url "http://127.0.0.1:$port/v1/traces" --format $fmt $z \
			--runs 25 --seed 5 >"$TMP/$name.did" 2>"$TMP/$name.gerr"
		ok $? "execmon-gen otlp --format $fmt $z sent 25 runs"
		finish "$name"
		is "$(figures "$TMP/$name.json")" "$(norm <"$TMP/$name.did")" \
			"execmon-gen $fmt $z: runs and failures per agent, tokens, LLM and tool calls as sent"
	done
done

# --- several exporters at once on one receiver: JSON, protobuf, gzip
listen many snapshot --duration 4s --window 1d -o "$TMP/many.json" || exit 1
for k in 1 2 3 4; do
	case $k in 1) a="--format json";; 2) a="--format proto";; 3) a="--format json --gzip";;
	4) a="--format proto --gzip";; esac
	"$EXECMON_GEN" otlp --url "http://127.0.0.1:$PORT_many/v1/traces" $a --runs 15 \
		--batch 2 --seed $((10 + k)) >"$TMP/many-$k.did" 2>/dev/null &
	eval "GEN_$k=\$!"
done
wait "$GEN_1" && wait "$GEN_2" && wait "$GEN_3" && wait "$GEN_4"
ok $? "four exporters sent at once"
finish many
is "$(figures "$TMP/many.json")" "$(python3 -c '
import json, sys, collections
t = collections.defaultdict(int); runs = collections.Counter(); failed = collections.Counter()
for f in sys.argv[1:]:
    d = json.load(open(f))
    for k in ("inputTokens", "outputTokens", "llmCalls", "toolCalls", "toolErrors"):
        t[k] += d[k]
    runs.update(d["runs"]); failed.update(d["failed"])
t["runs"] = dict(runs); t["failed"] = dict(failed)
print(json.dumps(t, sort_keys=True))' "$TMP"/many-?.did)" \
	"four exporters at once: the figures are the sums of what each sent"

# --- the OpenTelemetry JS SDK and the AI SDK
if command -v node >/dev/null 2>&1 && [ -d "$OTEL/node_modules/ai" ]; then
	for fmt in json proto; do
		for z in none gzip; do
			name=sdk_${fmt}_$z
			listen "$name" snapshot --duration 6s --window 1d --prices "$PRICES" \
				-o "$TMP/$name.json" || exit 1
			eval "port=\$PORT_$name"
			node "$OTEL/workload.js" $fmt "http://127.0.0.1:$port/v1/traces" $z 3 \
				>"$TMP/$name.did" 2>"$TMP/$name.nerr"
			ok $? "OTel JS SDK ($fmt, $z): the workload ran"
			sed 's/^/#   /' "$TMP/$name.nerr" | head -5
			finish "$name"
			is "$(figures "$TMP/$name.json")" "$(norm <"$TMP/$name.did")" \
				"OTel JS SDK ($fmt, $z): runs and failures per agent, tokens, LLM and tool calls equal the workload's"
		done
	done
	S="$TMP/sdk_json_none.json"
	is "$(jq_ "$S" '[r["parentRunId"] is not None for r in d["runs"] if r["agentName"]=="researcher"][0]')" True \
		"a nested invoke_agent is a child run (parentRunId set)"
	is "$(jq_ "$S" '[(r["errorClass"], r["errorSummary"]) for r in d["runs"] if r["agentName"]=="writer"][0]')" \
		"('rate_limit_exceeded', 'rate limited by the provider')" \
		"a failed chat span fails its run with error.type and the status message"
	is "$(jq_ "$S" '[r["errorSummary"] for r in d["runs"] if r["agentName"]=="coder"][0]')" \
		"tests still failing after 3 attempts" "an exception event gives the run's error"
	is "$(jq_ "$S" '[r["errorSummary"] for r in d["runs"] if r["agentName"]=="weather-agent" and r["status"]=="failed"][0]')" \
		"weather service down" "an AI SDK tool that throws fails its generateText run"
	is "$(jq_ "$S" 'sorted(t["toolId"] for t in d["tools"])')" \
		"['fetch_page', 'run_tests', 'search', 'weather']" "tools by name (gen_ai.tool.name, ai.toolCall.name)"
	is "$(jq_ "$S" '[r["costEstimated"] for r in d["runs"] if r["agentName"]=="planner"][0]')" True \
		"a run without reported costs gets an estimate from the prices file, marked as such"
	# planner: gpt-4o 2700 in, 700 out at 2.50/10.00 per million
	is "$(jq_ "$S" '"%.6f" % [r["cost"] for r in d["runs"] if r["agentName"]=="planner"][0]')" "0.013750" \
		"... at the table's prices"
else
	echo "# node or tests/otel/node_modules missing (scripts/check installs them: npm ci in tests/otel)"
	ok 0 "# SKIP OpenTelemetry JS SDK tests: node or its packages are missing"
fi

# --- bad requests: each answered with its status; the loop goes on
export SEKRET=s3cret
EXECMON_OTLP_BODY_TIMEOUT_S=2 listen bad record -o "$TMP/bad.jsonl" --duration 60s \
	--otlp-max-body 1M --otlp-token env:SEKRET || exit 1
P=$PORT_bad
t() { python3 "$HTTP" "$P" "$@"; }
is "$(t token '')" "401 Bearer" "no bearer token: 401 with WWW-Authenticate"
is "$(t token wrong)" "401 Bearer" "a wrong bearer token: 401"
stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
stop_pid "$PID_bad"

EXECMON_OTLP_BODY_TIMEOUT_S=2 listen bad record -o "$TMP/bad.jsonl" --duration 60s \
	--otlp-max-body 1M || exit 1
P=$PORT_bad
is "$(t good)" 200 "a good request: 200"
is "$(t method)" "405 POST" "GET: 405 with Allow: POST"
is "$(t path)" 404 "another path: 404"
is "$(t ctype)" 415 "text/plain: 415"
is "$(t encoding)" 415 "Content-Encoding br: 415"
is "$(t badjson)" 400 "truncated JSON: 400"
is "$(t wrongtypes)" 400 "resourceSpans of the wrong type: 400"
is "$(t rejected)" "200 2" "bad spans beside a good one: 200 with partialSuccess.rejectedSpans 2"
"$EXECMON_GEN" otlp --format proto --runs 3 --batch 100 --out "$TMP/req.pb" >/dev/null
is "$(t proto-truncated "$TMP/req.pb")" 400 "a truncated protobuf request: 400"
is "$(t proto-garbage)" 400 "protobuf with wrong wire types: 400"
is "$(t proto-empty)" "200 application/x-protobuf" "an empty protobuf request: 200, answered in protobuf"
is "$(t gzip)" 200 "a gzip body: 200"
is "$(t gzip-garbage)" 400 "a body that is not gzip: 400"
is "$(t gzip-bomb | cut -d' ' -f1)" 413 "a gzip body inflating past --otlp-max-body: 413"
is "$(t big-declared)" 413 "100 MB announced: 413 from the head"
is "$(t big-chunked)" "413 sent<100" "100 MB sent chunked: 413, the rest never read"
is "$(t chunked)" 200 "a chunked body with extensions and trailers: 200"
is "$(t keepalive)" "200 200 200 200" "keep-alive: four requests on one connection, two pipelined"
is "$(t slow)" "408 200 answered-while-slow" "a slow sender: 408, and another request answered meanwhile"
is "$(t slow-head)" 408 "a slow request head: 408"
is "$(t many-conns)" 200 "50 idle connections: a request is still answered"
is "$(t good)" 200 "after all of it: a good request still 200"
kill -0 "$PID_bad" 2>/dev/null
ok $? "execmon still running"
stop_pid "$PID_bad"
grep -q "malformed" "$TMP/bad.err"
ok $? "bad requests are counted in the summary"
grep -q "malformed (bad_json 5, bad_type 4, too_large 3)" "$TMP/bad.err"
ok $? "... by reason: undecodable bodies, wrong types and rejected spans, too large"
grep "malformed" "$TMP/bad.err" | sed 's/^/#   /' | tail -1
if grep -q $'\x1b' "$TMP/bad.err"; then ok 1 "no raw escape on stderr"; else ok 0 "no raw escape on stderr"; fi

done_testing
