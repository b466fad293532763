#!/usr/bin/env bash
# Celery (--celery): a real Celery 5 prefork worker on a real redis-server, and
# what execmon makes of it compared with Celery's own AsyncResult states.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

PY=/usr/bin/python3
CEL="$SRCDIR/tests/celery"
if ! "$PY" -c 'import celery, redis' >/dev/null 2>&1; then
	echo "1..0 # SKIP Debian's python3-celery and python3-redis are missing (scripts/check installs them)"
	exit 0
fi

start_redis cel || exit 1
P=$REDIS_PORT_cel
URL="redis://127.0.0.1:$P/0"
export CELERY_BROKER="$URL" PYTHONPATH="$CEL" PYTHONDONTWRITEBYTECODE=1
WORKERS=""
trap 'for g in $WORKERS; do kill -9 -- "-$g" 2>/dev/null; done; tui_cleanup; cleanup' EXIT

# worker NAME [ARGS...]: a prefork worker in its own process group; sets WPID.
worker() {
	local name=$1
	shift
	(cd "$CEL" && exec setsid "$PY" -m celery -A tasks worker -P prefork -c 2 \
		-n "$name@%h" --without-mingle --without-gossip --loglevel=warning "$@" \
		>"$TMP/worker-$name.log" 2>&1) &
	WPID=$!
	WORKERS="$WORKERS $WPID"
}
wl() { (cd "$CEL" && "$PY" workload.py "$@"); }
# ended FILE IDS.json: every task in IDS.json has its final event in FILE
ended() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
ids = set(json.load(open(sys.argv[2]))["tasks"])
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") in ("run.completed", "run.failed", "run.cancelled"):
        ids.discard(e.get("run_id"))
sys.exit(1 if ids else 0)
EOF
}
# has FILE PYTHON-EXPR: some line of FILE (a recording) makes the expression true for e
has() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if eval(sys.argv[2]):
        sys.exit(0)
sys.exit(1)
EOF
}

# A broker that is not there: one line naming it, exit 1.
DEAD=$(free_port)
"$EXECMON" snapshot --celery --redis "redis://127.0.0.1:$DEAD/0" --connect-timeout 1s \
	--duration 3s -o "$TMP/dead.json" 2>"$TMP/dead.err"
is "$?" 1 "an unreachable broker is a runtime failure"
check "... named with its cause" grep -q "^execmon: redis://127.0.0.1:$DEAD/0/celery: Connection refused" "$TMP/dead.err"
"$EXECMON" runs --celery-queue '' 2>"$TMP/empty.err"
is "$?" 2 "an empty --celery-queue is a usage error"

# Listen from before the first worker starts: nothing is there to backfill.
"$EXECMON" record --celery --redis "$URL" -o - >"$TMP/live.jsonl" 2>"$TMP/live.err" &
LIVE=$!
BG_PIDS="$BG_PIDS $LIVE"
wait_for 10 grep -q "listening on /0.celeryev/" "$TMP/live.err"
ok $? "record --celery subscribes to the database's event channels"

worker w1 -E
W1=$WPID
wait_for 30 has "$TMP/live.jsonl" 'e.get("type") == "celery.worker-online" and e.get("worker", "").startswith("w1@")'
ok $? "worker online seen"

wl main "$TMP/main.json" 2>"$TMP/main.err"
ok $? "the Celery workload ran (successes, failures, retries, revoked with an ETA and while running, a chain, a group in a chain)"
sed 's/^/#   /' "$TMP/main.err" | head -5
# The worker batches its task events (task.multi): wait for the last ones.
wait_for 20 ended "$TMP/live.jsonl" "$TMP/main.json"
ok $? "every task's final event arrived"

# What Celery says (AsyncResult) and what execmon says, one line per task.
cat >"$TMP/compare.py" <<'EOF'
import json, sys, collections
truth = json.load(open(sys.argv[1]))
runs = {r["runId"]: r for r in json.load(open(sys.argv[2]))}
kind = sys.argv[3]
st = {"SUCCESS": "completed", "FAILURE": "failed", "REVOKED": "cancelled"}
if kind == "tasks":
    for tid, t in sorted(truth["tasks"].items()):
        r = runs.get(tid)
        want = "%s %s %d" % (t["name"], st.get(t["state"], t["state"]), t["retries"])
        got = "%s %s %d" % (r["agentName"], r["status"], r["retries"]) if r else "missing"
        print(tid, want, "|", got)
elif kind == "per-name":
    c = collections.Counter()
    for tid, t in truth["tasks"].items():
        r = runs.get(tid)
        c[(t["name"], st.get(t["state"]), r and r["agentName"], r and r["status"])] += 1
    for k, v in sorted(c.items(), key=str):
        print(k, v)
elif kind == "trees":
    ch = truth["chain"]
    print("chain", [runs[t]["traceId"] == ch[0] for t in ch],
          [runs[t]["parentRunId"] for t in ch] == [None] + ch[:-1])
    head = truth["group_head"]
    print("group", [runs[t]["traceId"] == head and runs[t]["parentRunId"] == head
                    for t in truth["group"]], runs[head]["parentRunId"] is None)
EOF
"$EXECMON" runs --replay "$TMP/live.jsonl" --format json --limit 1000 >"$TMP/runs.json" 2>"$TMP/runs.err"
ok $? "runs --replay of the recording"
"$PY" "$TMP/compare.py" "$TMP/main.json" "$TMP/runs.json" tasks >"$TMP/tasks.txt"
BAD=$(awk -F' [|] ' '{ split($1, a, " "); w = a[2] " " a[3] " " a[4]; if (w != $2) print }' "$TMP/tasks.txt")
is "$BAD" "" "every task: name, final state and retries equal AsyncResult's ($(grep -c . "$TMP/tasks.txt") tasks)"
[ -n "$BAD" ] && echo "$BAD" | sed 's/^/#   /'
is "$(grep -c 'tasks.flaky completed 1' "$TMP/tasks.txt")" 2 "retry then succeed: completed with one retry"
is "$(grep -c 'tasks.hopeless failed 2' "$TMP/tasks.txt")" 1 "retry then fail: failed with two retries"
is "$(grep -c 'tasks.slow cancelled 0' "$TMP/tasks.txt")" 2 "revoked before its ETA and revoked while running: cancelled"
"$PY" "$TMP/compare.py" "$TMP/main.json" "$TMP/runs.json" per-name >"$TMP/per-name.txt"
BAD=$("$PY" -c '
import ast, sys
for line in open(sys.argv[1]):
    k, n = line.rsplit(" ", 1)
    k = ast.literal_eval(k)
    if (k[0], k[1]) != (k[2], k[3]):
        print(line.strip())' "$TMP/per-name.txt")
is "$BAD" "" "runs per task name and final state equal Celery's"
is "$("$PY" "$TMP/compare.py" "$TMP/main.json" "$TMP/runs.json" trees)" \
	"chain [True, True, True] True
group [True, True] True" "a chain and a group in a chain are trace trees (root_id, parent_id)"
check "the exception becomes error class and message" \
	has "$TMP/live.jsonl" 'e.get("type") == "run.failed" and e.get("error_class") == "ValueError" and e.get("error_message") == "boom!" and "Traceback" in e.get("message", "")'
check "task-retried is a retry with its attempt and exception" \
	"$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))["tasks"]
want = {i: [2, 3] if v["name"] == "tasks.hopeless" else [2]
        for i, v in t.items() if v["retries"] > 0}
got = {}
for line in open(sys.argv[2]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") == "run.retry" and e.get("run_id") in want:
        assert e.get("error_class") == "RuntimeError", e
        got.setdefault(e["run_id"], []).append(e["attempt"])
assert {i: sorted(a) for i, a in got.items()} == want, (got, want)' "$TMP/main.json" "$TMP/live.jsonl"
check "runtime is kept as the run's duration" \
	has "$TMP/live.jsonl" 'e.get("type") == "run.completed" and isinstance(e.get("duration_ms"), int)'
check "worker.status counts the worker online" \
	has "$TMP/live.jsonl" 'e.get("type") == "worker.status" and e.get("workers_total") == 1'

# A body Celery may send pickled: counted, never deserialised.
redis-cli -p "$P" PUBLISH /0.celeryev/task.multi \
	'{"body": "gASVBQAAAAAAAACMAXiULg==", "content-type": "application/x-python-serialize", "content-encoding": "binary", "properties": {"body_encoding": "base64"}}' >/dev/null

# The worker stops: offline; tasks queued meanwhile are the queue's depth.
kill -TERM "$W1"
wait_for 20 has "$TMP/live.jsonl" 'e.get("type") == "celery.worker-offline" and e.get("worker", "").startswith("w1@")'
ok $? "worker offline seen"
wait_for 20 sh -c "! kill -0 $W1 2>/dev/null"
wl queue 7
LLEN=$(( $(redis-cli -p "$P" LLEN celery) + $(redis-cli -p "$P" LLEN "$(printf 'celery\x06\x166')") ))
is "$LLEN" 7 "seven tasks wait in the celery queue and its priority-6 list"
"$EXECMON" snapshot --celery --redis "$URL" --duration 1500ms -o "$TMP/snap.json" 2>"$TMP/snap.err"
ok $? "snapshot --celery --duration"
is "$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print([q["depth"] for q in s["queues"] if q["name"] == "celery"])' "$TMP/snap.json")" \
	"[$LLEN]" "queue depth equals LLEN (with the priority lists) while the worker is stopped"
check "the snapshot says Celery keeps no history (live since)" \
	"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert any(x["kind"] == "celery" and "live since" in x.get("note", "") for x in s["sources"])' "$TMP/snap.json"
"$EXECMON" snapshot --celery-queue celery --celery-queue reports --redis "$URL" \
	-o "$TMP/named.json" 2>/dev/null
is "$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sorted((q["name"], q["depth"]) for q in s["queues"]))' "$TMP/named.json")" \
	"[('celery', $LLEN), ('reports', 0)]" "--celery-queue names the queues read (snapshot without --duration reads them once)"
wait_for 10 has "$TMP/live.jsonl" "e.get('type') == 'queue.depth' and e.get('queue') == 'celery' and e.get('depth') == $LLEN"
ok $? "the live recording saw the same depth"

# A worker without -E sends no task events until enable_events is broadcast.
worker w2
W2=$WPID
wait_for 30 has "$TMP/live.jsonl" 'e.get("type") == "celery.worker-online" and e.get("worker", "").startswith("w2@")'
ok $? "a second worker (without -E) online"
wait_for 20 sh -c "[ \"\$(redis-cli -p $P LLEN celery)\" = 0 ]"
sleep 1.5
BEFORE=$(grep -c '"run.started"' "$TMP/live.jsonl")
wl adds 2 "$TMP/quiet.json"
sleep 1.5
is "$(grep -c '"run.started"' "$TMP/live.jsonl")" "$BEFORE" "without -E the worker sends no task events"
"$EXECMON" snapshot --celery --celery-enable-events --redis "$URL" --duration 1500ms \
	-o "$TMP/enable.json" 2>"$TMP/enable.err"
ok $? "snapshot --celery-enable-events"
check "the source says it enables events" \
	"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert any("enabling events" in x.get("note", "") for x in s["sources"])' "$TMP/enable.json"
wl adds 3 "$TMP/loud.json"
wait_for 20 ended "$TMP/live.jsonl" "$TMP/loud.json"
ok $? "after enable_events the worker's task events arrive"

# A worker that dies without a word is lost when its heartbeats stop.
kill -9 -- "-$W2"
wait_for 15 has "$TMP/live.jsonl" 'e.get("type") == "celery.worker-lost" and e.get("worker", "").startswith("w2@")'
ok $? "a killed worker is lost after two heartbeat periods"

# execmon-gen's Celery-shaped workload, on database 1: its channels are its own.
"$EXECMON" record --celery --redis "redis://127.0.0.1:$P/1" -o - >"$TMP/gen.jsonl" 2>"$TMP/gen.err" &
GREC=$!
BG_PIDS="$BG_PIDS $GREC"
wait_for 10 grep -q "listening on /1.celeryev/" "$TMP/gen.err"
ok $? "a second database has its own event channels"
tui_init
tui_run CD 120 40 --celery --redis "redis://127.0.0.1:$P/1"
tui_wait CD 10 'celery \(?live since [0-9]{2}:[0-9]{2}Z, 0 workers'
ok $? "the dashboard's header says since when it listens"
"$EXECMON_GEN" --celery --redis "redis://127.0.0.1:$P/1" --runs 30 --workers 3 \
	--start-ts "$(( $(date +%s) * 1000 - 60000 ))" 2>"$TMP/gen-run.err"
ok $? "execmon-gen --celery ran"
tui_wait CD 10 'summarizer +[0-9]+ '
ok $? "the dashboard shows the tasks by name"
tui_wait CD 5 'workers: [0-9]+ online'
ok $? "... and the workers under the queues"
tui_keys CD q
wait_for 10 sh -c "[ \$(grep -c '\"celery.worker-offline\"' '$TMP/gen.jsonl') -ge 3 ]"
# The broker restarts: both listeners subscribe again and say what was lost.
kill -9 "$REDIS_PID_cel"
wait "$REDIS_PID_cel" 2>/dev/null
restart_redis cel
wait_for 15 grep -q "subscribed again" "$TMP/gen.err"
ok $? "after a broker restart the subscriber subscribes again"
"$EXECMON_GEN" --celery --redis "redis://127.0.0.1:$P/1" --runs 5 --workers 3 --seed 7 \
	--start-ts "$(( $(date +%s) * 1000 - 30000 ))" 2>>"$TMP/gen-run.err"
wait_for 10 sh -c "[ \$(grep -c '\"celery.worker-offline\"' '$TMP/gen.jsonl') -ge 6 ]"
kill -TERM "$GREC"
wait "$GREC"
check "the resubscription is counted as a gap of unknown size" \
	grep -q "gaps (size unknown)" "$TMP/gen.err"
"$EXECMON" runs --replay "$TMP/gen.jsonl" --format json --limit 1000 >"$TMP/gen-runs.json" 2>/dev/null
is "$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r), sum(1 for x in r if x["status"] in ("completed","failed","cancelled")))' "$TMP/gen-runs.json")" \
	"35 35" "every generated task is a finished run, before and after the restart"
is "$(grep -c '"celery.worker-online"' "$TMP/gen.jsonl") $(grep -c '"celery.worker-offline"' "$TMP/gen.jsonl")" \
	"6 6" "its workers come online and go offline (in each of its two runs)"
check "the main recording saw none of database 1's tasks" \
	sh -c "! grep -q 'execmon-gen' '$TMP/live.jsonl'"

kill -TERM "$LIVE"
wait "$LIVE"
ok $? "record ends cleanly on SIGTERM"
check "the pickled body is counted as unsupported_encoding" \
	grep -q "unsupported_encoding 1" "$TMP/live.err"

done_testing
