#!/usr/bin/env bash
# BullMQ queues (--bullmq): a real BullMQ workload on a real redis-server, and
# what execmon makes of it compared with BullMQ's own counts and job states.
. "$(dirname "$0")/lib.sh"

BQ="$SRCDIR/tests/bullmq"
if ! command -v node >/dev/null 2>&1 || [ ! -d "$BQ/node_modules/bullmq" ]; then
	echo "1..0 # SKIP node or the bullmq npm package is missing (scripts/check installs them: npm ci in tests/bullmq)"
	exit 0
fi
wl() { node "$BQ/workload.js" "$@"; }

start_redis bq || exit 1
URL="redis://127.0.0.1:$REDIS_PORT_bq"
P=$REDIS_PORT_bq

# Follow live from before the first queue exists: discovery, then every event.
"$EXECMON" record --redis "$URL" --bullmq '*' -o - >"$TMP/live.jsonl" 2>"$TMP/live.err" &
LIVE=$!
BG_PIDS="$BG_PIDS $LIVE"
wait_for 10 grep -q connected "$TMP/live.err"
ok $? "record --bullmq '*' connects with no queue there yet"

wl main "$P" >"$TMP/main.json" 2>"$TMP/main.err"
ok $? "the BullMQ workload ran (successes, failures, retries, delays, priorities, progress, a stall, pause/resume, flows)"
sed 's/^/#   /' "$TMP/main.err" | head -5

# compare.py KIND FILE: one "name value" line per figure to compare.
cat >"$TMP/compare.py" <<'EOF'
import json, sys, collections
state = json.load(open(sys.argv[1]))
kind = sys.argv[2]
def out(k, v): print(k, v)
if kind == "truth":
    for q, v in sorted(state.items()):
        c = v["counts"]
        out(q + ".depth", c["waiting"] + c["prioritized"] + c.get("paused", 0))
        for k in ("waiting", "prioritized", "delayed", "active", "waiting-children"):
            out(q + "." + k, c[k])
        out(q + ".paused", str(v["paused"]).lower())
    jobs = [(q, j) for q, v in state.items() for j in v["jobs"]]
    st = {"completed": "completed", "failed": "failed", "active": "running",
          "waiting": "queued", "prioritized": "queued", "paused": "queued",
          "delayed": "not-started", "waiting-children": "not-started"}
    per = collections.Counter((j["name"], st[j["state"]]) for q, j in jobs)
    for (n, s), k in sorted(per.items()):
        out("name.%s.%s" % (n, s), k)
    out("retried", sum(max(0, j["ats"] - 1) for q, j in jobs))
    out("runs.retried", sum(1 for q, j in jobs if j["ats"] > 1))
    for q, j in sorted(jobs, key=lambda x: (x[0], x[1]["id"])):
        out("job.%s:%s" % (q, j["id"]), "%s/%s/%d" % (j["name"], st[j["state"]], max(0, j["ats"] - 1)))
elif kind == "depth":
    # the newest queue.depth event per queue in a recording
    last = {}
    for line in open(sys.argv[3]):
        try:
            e = json.loads(line)
        except ValueError:
            continue  # the line being written
        if e.get("type") == "queue.depth":
            last[e["queue"]] = e
    for q, e in sorted(last.items()):
        out(q + ".depth", e["depth"])
        for k, f in (("waiting", "waiting"), ("prioritized", "prioritized"), ("delayed", "delayed"),
                     ("active", "active"), ("waiting-children", "waiting_children")):
            out(q + "." + k, e[f])
        out(q + ".paused", str(e["paused"]).lower())
elif kind == "runs":
    runs = json.load(open(sys.argv[3]))
    st = lambda r: r["status"] if r["status"] != "unknown" else "not-started"
    per = collections.Counter((r["agentName"], st(r)) for r in runs)
    for (n, s), k in sorted(per.items()):
        out("name.%s.%s" % (n, s), k)
    out("retried", sum(r["retries"] for r in runs))
    out("runs.retried", sum(1 for r in runs if r["retries"] > 0))
    for r in sorted(runs, key=lambda r: r["runId"]):
        out("job." + r["runId"], "%s/%s/%d" % (r["agentName"], st(r), r["retries"]))
elif kind == "snapshot":
    snap = json.load(open(sys.argv[3]))
    for q in sorted(snap["queues"], key=lambda q: q["name"]):
        out(q["name"] + ".depth", q["depth"])
        out(q["name"] + ".paused", str(q["paused"]).lower())
EOF
py() { python3 "$TMP/compare.py" "$TMP/main.json" "$@"; }
py truth >"$TMP/truth"
grep -q '^agents.paused true$' "$TMP/truth" && grep -q '^agents.delayed 1$' "$TMP/truth" &&
	grep -q '^agents.waiting-children 1$' "$TMP/truth" && grep -q '^retried [1-9]' "$TMP/truth"
ok $? "the workload ends with jobs in every state and some retried"

# The live recording catches up with the end state.
live_depth_ok() { py depth "$TMP/live.jsonl" | grep -E '^(agents|tools)\.' >"$TMP/live.depth"; \
	grep -E '^(agents|tools)\.' "$TMP/truth" | diff -q - "$TMP/live.depth"; }
wait_for 10 live_depth_ok
ok $? "live: queue depths and counts equal getJobCounts() (waiting, prioritized, delayed, active, waiting-children, paused)"
grep -E '^(agents|tools)\.' "$TMP/truth" | diff - "$TMP/live.depth" | sed 's/^/#   /' | head

grep '"queue":"agents"' "$TMP/live.jsonl" | grep -q '"type":"queue.depth".*"paused":true' &&
	grep '"queue":"agents"' "$TMP/live.jsonl" | grep -q '"type":"queue.depth".*"paused":false'
ok $? "live: the queue was seen paused and resumed"

# Everything computed from the live recording equals the jobs' final states
# (once the recorder has flushed them: it does so every few hundred ms).
live_runs_ok() {
	grep '}$' "$TMP/live.jsonl" >"$TMP/live-copy.jsonl"
	"$EXECMON" runs --replay "$TMP/live-copy.jsonl" --format json --limit 100000 \
		>"$TMP/live-runs.json" 2>"$TMP/err" || return 1
	py runs "$TMP/live-runs.json" >"$TMP/live.runs"
	grep -E '^(name|job|retried|runs)' "$TMP/truth" | diff "$TMP/live.runs" - >"$TMP/diff"
}
wait_for 10 live_runs_ok
ok $? "live: per-name completed/failed/running/queued counts, retries and every job equal BullMQ's"
sed 's/^/#   /' "$TMP/diff" | head

# A fresh start backfills the same from the events streams.
"$EXECMON" runs --redis "$URL" --bullmq agents --bullmq tools --format json --limit 100000 \
	>"$TMP/runs.json" 2>"$TMP/err"
ok $? "runs --bullmq agents --bullmq tools (backfill)"
py runs "$TMP/runs.json" >"$TMP/bf.runs"
grep -E '^(name|job|retried|runs)' "$TMP/truth" | diff "$TMP/bf.runs" - >"$TMP/diff"
ok $? "backfill: per-name counts, retries and every job equal BullMQ's"
sed 's/^/#   /' "$TMP/diff" | head
is "$(grep -c '^name\..*\.completed' "$TMP/bf.runs")" "$(grep -c '^name\..*\.completed' "$TMP/truth")" \
	"backfill: as many names completed"
is "$(awk '$1 ~ /\.completed$/ {s += $2} END {print s}' "$TMP/bf.runs")" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(v["counts"]["completed"] for v in d.values()))' "$TMP/main.json")" \
	"backfill: completed runs = getJobCounts().completed"
is "$(awk '$1 ~ /\.failed$/ {s += $2} END {print s}' "$TMP/bf.runs")" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(v["counts"]["failed"] for v in d.values()))' "$TMP/main.json")" \
	"backfill: failed runs = getJobCounts().failed"

"$EXECMON" snapshot --redis "$URL" --bullmq '*' -o "$TMP/snap.json" 2>"$TMP/err"
ok $? "snapshot --bullmq '*'"
py snapshot "$TMP/snap.json" >"$TMP/snap.depth"
grep -E '^(agents|tools)\.(depth|paused)' "$TMP/truth" | diff "$TMP/snap.depth" - >"$TMP/diff"
ok $? "snapshot: queue depths equal getJobCounts() (waiting + prioritized), paused as isPaused()"
sed 's/^/#   /' "$TMP/diff" | head

# The stall is a retry with its reason; a retry with backoff says so.
stall=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([j["id"] for j in d["agents"]["jobs"] if j["name"]=="stall-me"][0])' "$TMP/main.json")
"$EXECMON" events "agents:$stall" --redis "$URL" --bullmq agents --format json >"$TMP/ev.json" 2>"$TMP/err"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); r=[x for x in e if x["type"]=="run.retry"]; sys.exit(not (len(r)==1 and r[0].get("fallback_reason")=="stalled"))' "$TMP/ev.json"
ok $? "the stalled job has one run.retry, reason stalled"
bo=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([j["id"] for j in d["agents"]["jobs"] if j["name"]=="backoff"][0])' "$TMP/main.json")
"$EXECMON" events "agents:$bo" --redis "$URL" --bullmq agents --format json >"$TMP/ev.json" 2>"$TMP/err"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); r=[x for x in e if x["type"]=="run.retry"]; sys.exit(not (len(r)==2 and all(x.get("fallback_reason")=="backoff" for x in r)))' "$TMP/ev.json"
ok $? "a job retried twice with backoff has two run.retry, reason backoff"

# A job first seen mid-life gets its name from its hash.
wl late "$P" 2>"$TMP/late.err"
ok $? "a job added to a paused queue, run 5 s later"
"$EXECMON" runs --redis "$URL" --bullmq late --window 2s --format json >"$TMP/late.json" 2>"$TMP/err"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (len(r)==1 and r[0]["agentName"]=="late-name" and r[0]["status"]=="completed"))' "$TMP/late.json"
ok $? "its added entry is outside the window: the name comes from the job's hash"
wait_for 5 grep -q '"queue":"late".*"type":"run.completed"\|"type":"run.completed".*"queue":"late"' "$TMP/live.jsonl"
ok $? "live: discovery found the new queue and followed it"

# A job running since before the window shows its true start at once.
wl long "$P" >"$TMP/long.out" 2>"$TMP/long.err" &
LONG=$!
BG_PIDS="$BG_PIDS $LONG"
wait_for 10 grep -q processedOn "$TMP/long.out"
sleep 3
"$EXECMON" runs --redis "$URL" --bullmq slow --window 1s --format json >"$TMP/slow.json" 2>"$TMP/err"
python3 - "$TMP/slow.json" "$TMP/long.out" <<'EOF'
import json, sys, datetime
runs = json.load(open(sys.argv[1]))
job = json.loads(open(sys.argv[2]).readline())
r = [x for x in runs if x["runId"] == "slow:" + job["id"]]
ok = len(r) == 1 and r[0]["status"] == "running" and r[0]["agentName"] == "long-run"
if ok:
    t = datetime.datetime.strptime(r[0]["startedAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    ok = int(round(t.timestamp() * 1000)) == job["processedOn"]
if not ok:
    print("#   runs:", runs, "job:", job)
sys.exit(not ok)
EOF
ok $? "an active job started before the window is running since its processedOn"
wait "$LONG"

# A deleted queue is shown as gone, once, not as an error loop.
wl obliterate "$P" tools
ok $? "obliterate the tools queue"
wait_for 5 grep -q 'tools: queue was deleted' "$TMP/live.err"
ok $? "live: the deleted queue is reported gone"
sleep 2.5
is "$(grep -c 'tools: queue was deleted' "$TMP/live.err")" 1 "reported once"
is "$(grep -c 'retrying' "$TMP/live.err")" 0 "and no retry loop"
py depth "$TMP/live.jsonl" | grep -q '^tools.depth 0$'
ok $? "its depth drops to 0"

kill -INT "$LIVE"
wait "$LIVE"
ok $? "record ends cleanly on SIGINT"
grep -q '0 malformed' "$TMP/live.err"
ok $? "nothing BullMQ wrote was malformed"

# Another key prefix.
wl prefixed "$P"
ok $? "a queue made with prefix myapp"
"$EXECMON" runs --redis "$URL" --bullmq '*' --bullmq-prefix myapp --format json >"$TMP/pq.json" 2>"$TMP/err"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (len(r)==1 and r[0]["runId"]=="pq:1" and r[0]["agentName"]=="prefixed-job" and r[0]["status"]=="completed"))' "$TMP/pq.json"
ok $? "--bullmq-prefix myapp finds it"
"$EXECMON" runs --redis "$URL" --bullmq '*' --format json >"$TMP/pq.json" 2>"$TMP/err"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(any(x["runId"].startswith("pq:") for x in r))' "$TMP/pq.json"
ok $? "the default prefix does not"

# The command line and the config file.
"$EXECMON" --help | grep -q -- '--bullmq QUEUE' && "$EXECMON" --help | grep -q -- '--bullmq-prefix'
ok $? "--help lists --bullmq and --bullmq-prefix"
"$EXECMON" runs --bullmq '' 2>"$TMP/err"
is "$?" 2 "an empty queue name is a usage error"
"$EXECMON" runs --bullmq x --bullmq-prefix '' 2>"$TMP/err"
is "$?" 2 "an empty prefix is a usage error"
printf 'redis = %s\nbullmq = late\nbullmq = pq\nbullmq-prefix = myapp\n' "$URL" >"$TMP/config"
"$EXECMON" runs --config "$TMP/config" --format json >"$TMP/cfg.json" 2>"$TMP/err"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not ([x["runId"] for x in r]==["pq:1"]))' "$TMP/cfg.json"
ok $? "bullmq and bullmq-prefix in the config file"

# The capture's job ids and names survive a replay of the recording.
"$EXECMON" events "agents:run-abc-123" --replay "$TMP/live.jsonl" --format json >"$TMP/ev.json" 2>"$TMP/err"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); sys.exit(not (e and all(x.get("run_id")=="agents:run-abc-123" for x in e) and any(x["type"]=="run.completed" for x in e)))' "$TMP/ev.json"
ok $? "a custom job id is a run id"

done_testing
