#!/usr/bin/env bash
# snapshot and runs: every figure against a ground truth computed on its own
# from the entries written, through Redis and through a replay of a record;
# determinism, the JSON Schema, the runs listing, atomic -o.
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
SCHEMA="$SRCDIR/doc/snapshot.schema.json"

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "Bail out! python3-jsonschema is needed (Debian: python3-jsonschema)"
	exit 1
fi
start_redis a || { echo "Bail out! redis-server did not start"; exit 1; }
P=$REDIS_PORT_a
R="redis://127.0.0.1:$P"
NOW=1767225600000                # 2026-01-01T00:00:00.000Z
T0=$((NOW - 85 * 60000))         # the workload runs from now - 85 min for 75 min
W=3600000
SRC=(--redis "$R" --stream w)

# The ground truth, from the entries as written (execmon-gen --print lines and
# the hand-made ones), with nothing of execmon's: exact percentiles by sorting,
# PERCENTILE_CONT interpolation, exact sums in integers.
cat >"$TMP/truth.py" <<'EOF'
import json, sys
from decimal import Decimal, ROUND_HALF_UP

TERM = {"run.completed": 1, "run.cancelled": 2, "run.failed": 3}
STATUS = {"run.completed": "completed", "run.failed": "failed",
          "run.cancelled": "cancelled"}


def load(paths, now, span):
    """Well-formed events read by a backfill of span ms back from now."""
    evs, malformed, wellformed, newest = [], {}, 0, 0
    for p in paths:
        for line in open(p):
            o = json.loads(line)
            idms = int(o["id"].split("-")[0])
            if idms > now or idms < now - span:
                continue
            if "malformed" in o:
                malformed[o["malformed"]] = malformed.get(o["malformed"], 0) + 1
                continue
            f = o["fields"]
            if "type" not in f:
                f = json.loads(f["json"])
            ts = int(f["ts"]) if "ts" in f else idms
            wellformed += 1
            newest = max(newest, ts)
            evs.append((ts, o["id"], f))
    return evs, malformed, wellformed, newest


def num(f, k):
    v = f.get(k)
    return None if v is None else Decimal(str(v))


def nusd(v):
    return int((v * Decimal(10) ** 9).to_integral_value(ROUND_HALF_UP))


def runs_of(evs):
    runs = {}
    for ts, eid, f in evs:
        rid = f.get("run_id")
        if rid is None:
            continue
        r = runs.setdefault(rid, {"id": rid, "q": None, "s": None, "term": None,
                                  "llm": [0, 0, 0], "llm_calls": 0, "first": ts,
                                  "last": ts, "agent": None, "agent_id": None,
                                  "trace": None, "ws": None})
        r["first"] = min(r["first"], ts)
        r["last"] = max(r["last"], ts)
        for k, rk in (("agent_name", "agent"), ("agent_id", "agent_id"),
                      ("trace_id", "trace"), ("workspace_id", "ws")):
            if f.get(k) is not None and (r[rk] is None or f[k] < r[rk]):
                r[rk] = f[k]
        t = f["type"]
        if t == "run.queued" and (r["q"] is None or ts < r["q"]):
            r["q"] = ts
        elif t == "run.started" and (r["s"] is None or ts < r["s"]):
            r["s"] = ts
        elif t in TERM:
            key = (ts, TERM[t], eid)
            if r["term"] is None or key > r["term"][0]:
                r["term"] = (key, t, f)
        elif t == "llm.call":
            r["llm_calls"] += 1
            for i, k in enumerate(("input_tokens", "output_tokens")):
                if k in f:
                    r["llm"][i] += int(f[k])
            if "cost_usd" in f:
                r["llm"][2] += nusd(num(f, "cost_usd"))
    for r in runs.values():
        if r["term"]:
            (ts, _, _), t, f = r["term"]
            r["f"], r["status"] = ts, STATUS[t]
            tot = [int(f["input_tokens"]) if "input_tokens" in f else None,
                   int(f["output_tokens"]) if "output_tokens" in f else None,
                   nusd(num(f, "cost_usd")) if "cost_usd" in f else None]
            r["err_class"] = f.get("error_class") if t == "run.failed" else None
            r["err_msg"] = f.get("error_message") if t == "run.failed" else None
        else:
            r["f"], tot = None, [None, None, None]
            r["status"] = ("running" if r["s"] is not None else
                           "queued" if r["q"] is not None else "unknown")
        r["tok"] = [tot[i] if tot[i] is not None else r["llm"][i]
                    for i in range(3)]
    return runs


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = p * (len(xs) - 1)
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def lat(xs):
    if not xs:
        return {"n": 0}
    d = {"n": len(xs), "avg": sum(xs) / len(xs)}
    for name, p in (("p50", .5), ("p75", .75), ("p90", .9), ("p95", .95),
                    ("p99", .99)):
        d[name] = pct(xs, p)
    return d


def r2(x):
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def truth(paths, now, window, agent=None):
    evs, malformed, wellformed, newest = load(paths, now, 2 * window)
    runs = runs_of(evs)
    if agent:
        runs = {k: r for k, r in runs.items()
                if agent in (r["agent"], r["agent_id"])}
    fin = [r for r in runs.values()
           if r["f"] is not None and now - window < r["f"] <= now]
    prev = [r for r in runs.values()
            if r["f"] is not None and now - 2 * window < r["f"] <= now - window]
    ex = [r["f"] - r["s"] for r in fin if r["s"] is not None]
    qu = [r["s"] - r["q"] for r in fin if r["s"] is not None and r["q"] is not None]
    e2e = [r["f"] - (r["q"] if r["q"] is not None else r["s"]) for r in fin
           if r["q"] is not None or r["s"] is not None]
    edges = [1000, 5000, 10000, 30000, 60000]
    dist = [0] * 6
    for x in ex:
        dist[sum(1 for e in edges if x >= e)] += 1
    agents = {}
    for r in fin:
        a = agents.setdefault(r["agent"], [0, 0, 0])
        a[0] += 1
        a[1] += r["status"] == "completed"
        a[2] += r["status"] == "failed"
    models, tools = {}, {}
    for ts, eid, f in evs:
        if not now - window < ts <= now:
            continue
        if agent and f.get("run_id") not in runs:
            continue
        if f["type"] == "llm.call" and f.get("model_id"):
            m = models.setdefault(f["model_id"], [0, 0, 0, 0])
            m[0] += 1
            m[1] += int(f.get("input_tokens", 0))
            m[2] += int(f.get("output_tokens", 0))
            m[3] += nusd(num(f, "cost_usd")) if "cost_usd" in f else 0
        if f["type"] == "tool.call" and f.get("tool_id"):
            t = tools.setdefault(f["tool_id"], {"calls": 0, "timeouts": 0, "d": []})
            t["calls"] += 1
            t["timeouts"] += f.get("outcome") == "timeout"
            if "duration_ms" in f:
                t["d"].append(int(f["duration_ms"]))
    workers = sorted((ts, f) for ts, eid, f in evs if f["type"] == "worker.status")
    return {
        "now": now, "window": window, "runs": runs,
        "total": len(fin),
        "completed": sum(r["status"] == "completed" for r in fin),
        "failed": sum(r["status"] == "failed" for r in fin),
        "cancelled": sum(r["status"] == "cancelled" for r in fin),
        "prev": len(prev),
        "queue": lat(qu), "exec": lat(ex), "e2e": lat(e2e), "dist": dist,
        "agents": agents, "models": models, "tools": tools,
        "running": sorted(r["id"] for r in runs.values() if r["status"] == "running"),
        "queued": sorted(r["id"] for r in runs.values() if r["status"] == "queued"),
        "tokens": [sum(r["tok"][i] for r in fin) for i in range(3)],
        "malformed": malformed, "wellformed": wellformed, "newest": newest,
        "worker": workers[-1][1] if workers else None,
        "ws": sorted({r["ws"] for r in runs.values() if r["ws"]}),
    }


def listed(t, since):
    """What `execmon runs` lists: unfinished runs, and finished in the window."""
    now = t["now"]
    out = []
    for r in t["runs"].values():
        if r["first"] > now:
            continue
        if r["f"] is not None:
            if now - since < r["f"] <= now:
                out.append(r)
        elif r["status"] in ("queued", "running") or r["last"] > now - since:
            out.append(r)
    return out
EOF

cat >"$TMP/check.py" <<'EOF'
import json, sys, traceback
from datetime import datetime, timezone
sys.path.insert(0, sys.argv[1])
from truth import truth, listed, r2

out = []


def check(desc, cond, detail=""):
    out.append(("ok" if cond else "fail", desc, str(detail)[:400]))


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def close(got, exact_ms, rel=0.01):
    if exact_ms is None:
        return got is None
    exact = exact_ms / 1000
    return got is not None and abs(got - exact) <= max(rel * exact, 0.0015)


def cost(n):
    return round(n / 1000) / 1e6


def figures(s, t, tag):
    p, lt, rt = s["performance"], s["latency"], s["realtime"]
    check(f"{tag}: window and generatedAt are the pinned now",
          s["generatedAt"] == iso(t["now"]) and s["window"]["to"] == iso(t["now"])
          and s["window"]["from"] == iso(t["now"] - t["window"])
          and s["window"]["seconds"] == t["window"] // 1000, s["window"])
    got = [p["totalExecutions"], p["successfulExecutions"], p["failedExecutions"],
           p["cancelledExecutions"]]
    want = [t["total"], t["completed"], t["failed"], t["cancelled"]]
    check(f"{tag}: total/completed/failed/cancelled exact", got == want,
          f"got {got} want {want}")
    check(f"{tag}: success/failure/cancellation rates",
          t["total"] > 0 and [p["successRate"], p["failureRate"], p["cancellationRate"]]
          == [r2(100 * t[k] / t["total"]) for k in ("completed", "failed", "cancelled")],
          [p["successRate"], p["failureRate"], p["cancellationRate"]])
    for key, name in (("queue", "queueLatency"), ("exec", "executionLatency"),
                      ("e2e", "endToEndLatency")):
        g, w = lt[name], t[key]
        bad = [k for k in ("p50", "p75", "p90", "p95", "p99")
               if not close(g[k], w.get(k))]
        check(f"{tag}: {name} percentiles within 1% of exact ({w['n']} samples)",
              w["n"] > 0 and not bad and g["median"] == g["p50"],
              {k: (g[k], w.get(k, 0) / 1000) for k in bad})
        check(f"{tag}: {name} count and mean",
              g["count"] == w["n"] and close(g["avg"], w.get("avg"), 0.0001),
              (g["count"], g["avg"], w["n"], w.get("avg")))
    dist = [b["count"] for b in lt["latencyDistribution"]]
    check(f"{tag}: latencyDistribution bucket counts exact", dist == t["dist"],
          f"got {dist} want {t['dist']}")
    n = sum(t["dist"])
    check(f"{tag}: latencyDistribution percentages",
          [b["percentage"] for b in lt["latencyDistribution"]] ==
          [r2(100 * c / n) for c in t["dist"]])
    ga = {a["agentName"]: a["executions"] for a in p["byAgent"] if a["executions"]}
    wa = {k: v[0] for k, v in t["agents"].items()}
    check(f"{tag}: per-agent executions exact", ga == wa, f"got {ga} want {wa}")
    ge = {a["agentName"]: (a["successRate"], a["errorRate"]) for a in p["byAgent"]
          if a["executions"]}
    we = {k: (r2(100 * v[1] / v[0]), r2(100 * v[2] / v[0])) for k, v in t["agents"].items()}
    check(f"{tag}: per-agent success and error rates", ge == we, f"got {ge} want {we}")
    tt = s["totals"]
    check(f"{tag}: token and cost totals exact",
          [tt["inputTokens"], tt["outputTokens"], tt["tokens"]] ==
          [t["tokens"][0], t["tokens"][1], t["tokens"][0] + t["tokens"][1]]
          and abs(tt["cost"] - cost(t["tokens"][2])) < 1e-9,
          (tt, t["tokens"]))
    th = s["throughput"]
    check(f"{tag}: rates scale the window's count",
          [th["executionsPerMinute"], th["executionsPerHour"], th["executionsPerDay"]] ==
          [round(t["total"] * 60000 / t["window"], 3),
           round(t["total"] * 3600000 / t["window"], 3),
           round(t["total"] * 86400000 / t["window"], 3)],
          [th["executionsPerMinute"], th["executionsPerHour"], th["executionsPerDay"]])
    check(f"{tag}: throughputTrend and byHour add up to the total",
          sum(x["value"] for x in th["throughputTrend"]) == t["total"] and
          sum(h["executions"] for h in p["byHour"]) == t["total"] and
          [h["hour"] for h in p["byHour"]] == list(range(24)),
          (sum(x["value"] for x in th["throughputTrend"]),
           sum(h["executions"] for h in p["byHour"])))
    ch = p["vsLastPeriod"]["executionsChange"]
    check(f"{tag}: vsLastPeriod.executionsChange against the window before",
          t["prev"] > 0 and ch == r2((t["total"] - t["prev"]) * 100 / t["prev"]),
          (ch, t["total"], t["prev"]))
    run_ids = sorted(r["runId"] for r in rt["executionsInProgress"])
    check(f"{tag}: currentlyRunning and executionsInProgress",
          rt["currentlyRunning"] == len(t["running"]) and run_ids == t["running"],
          (rt["currentlyRunning"], run_ids, t["running"]))
    q_ids = sorted(r["runId"] for r in rt["queuedExecutions"])
    check(f"{tag}: queuedExecutions", q_ids == t["queued"], (q_ids, t["queued"]))
    gm = {m["modelId"]: [m["calls"], m["inputTokens"], m["outputTokens"], m["cost"]]
          for m in s["byModel"]}
    wm = {k: [v[0], v[1], v[2], cost(v[3])] for k, v in t["models"].items()}
    check(f"{tag}: byModel calls, tokens, cost exact", gm == wm, f"got {gm} want {wm}")
    check(f"{tag}: modelUsage matches byModel",
          {k: (v["calls"], v["tokens"]) for k, v in s["resources"]["modelUsage"].items()}
          == {k: (v[0], v[1] + v[2]) for k, v in gm.items()})
    gt = {x["toolId"]: (x["calls"], x["timeouts"]) for x in s["tools"]}
    wt = {k: (v["calls"], v["timeouts"]) for k, v in t["tools"].items()}
    check(f"{tag}: tools calls and timeouts exact", gt == wt, f"got {gt} want {wt}")
    bad = {x["toolId"]: (x["p95"], t["tools"][x["toolId"]]) for x in s["tools"]
           if x["toolId"] in t["tools"] and
           not close(x["p95"], __import__("truth").pct(t["tools"][x["toolId"]]["d"], .95))}
    check(f"{tag}: tools p95 within 1%", not bad, bad)


def main():
    mode, a = sys.argv[2], sys.argv[3:]
    if mode == "snapshot":   # snapshot.json now window tag files...
        s = json.load(open(a[0]))
        now, window, tag = int(a[1]), int(a[2]), a[3]
        figures(s, truth(a[4:], now, window), tag)
    elif mode == "sources":  # snapshot.json now window files...
        s = json.load(open(a[0]))
        t = truth(a[3:], int(a[1]), int(a[2]))
        src = s["sources"]
        check("one source, the stream, password-free address",
              len(src) == 1 and src[0]["kind"] == "redis" and
              src[0]["address"].endswith("/w"), src)
        check("malformed entries counted per reason in sources",
              src[0]["malformed"] == t["malformed"] and
              src[0]["malformedTotal"] == sum(t["malformed"].values()) and
              sum(t["malformed"].values()) >= 2,
              (src[0]["malformed"], t["malformed"]))
        check("well-formed events counted in sources",
              src[0]["events"] == t["wellformed"], (src[0]["events"], t["wellformed"]))
        check("lag is now minus the newest event time",
              src[0]["lag"] == (t["now"] - t["newest"]) / 1000, src[0]["lag"])
        wk, sl = t["worker"], s["realtime"]["systemLoad"]
        check("systemLoad from the latest worker.status",
              sl is not None and sl["cpu"] == float(wk["cpu"]) and
              sl["memory"] == float(wk["memory"]) and
              sl["workers"] == {"total": int(wk["workers_total"]),
                                "busy": int(wk["workers_busy"]),
                                "idle": int(wk["workers_total"]) - int(wk["workers_busy"])}
              and s["throughput"]["maxCapacity"] == int(wk["workers_total"])
              and s["throughput"]["capacityUtilization"] ==
              r2(100 * int(wk["workers_busy"]) / int(wk["workers_total"])), sl)
        check("workspaceId is null when runs span several workspaces",
              len(t["ws"]) > 1 and s["workspaceId"] is None, s["workspaceId"])
        hf = [r for r in s["runs"] if r["runId"] == "h-fail"]
        check("a failed run's errorClass and one-line errorSummary",
              len(hf) == 1 and hf[0]["errorClass"] == "DiskError" and
              hf[0]["errorSummary"] == "disk full on /var/lib/x" and
              hf[0]["status"] == "failed" and hf[0]["duration"] == 60.0 and
              hf[0]["queueWait"] == 10.0 and hf[0]["inputTokens"] == 100 and
              hf[0]["cost"] == 0.25, hf)
        fin = [r for r in s["runs"] if r["finishedAt"] is not None]
        act = [r for r in s["runs"] if r["finishedAt"] is None]
        nfin = sum(1 for r in t["runs"].values()
                   if r["f"] is not None and t["now"] - t["window"] < r["f"] <= t["now"])
        check("runs: the 100 most recent finished, newest first, and every unfinished one",
              len(fin) == min(100, nfin) and
              [r["finishedAt"] for r in fin] == sorted((r["finishedAt"] for r in fin),
                                                      reverse=True) and
              sorted(r["runId"] for r in act) == sorted(t["running"] + t["queued"]),
              (len(fin), nfin, [r["runId"] for r in act]))
    elif mode == "filtered":  # snapshot.json now window agent files...
        s = json.load(open(a[0]))
        t = truth(a[4:], int(a[1]), int(a[2]), agent=a[3])
        figures_ok = (s["performance"]["totalExecutions"] == t["total"] and
                      s["performance"]["failedExecutions"] == t["failed"])
        check(f"--filter agent={a[3]}: counts of that agent only", figures_ok,
              (s["performance"]["totalExecutions"], t["total"]))
        check("--filter: the expression is in the snapshot",
              s["filter"] == "agent=" + a[3], s["filter"])
        check("--filter: workspaceId is the one workspace of those runs",
              len(t["ws"]) == 1 and s["workspaceId"] == t["ws"][0], (s["workspaceId"], t["ws"]))
        check("--filter: running and queued of that agent",
              s["realtime"]["currentlyRunning"] == len(t["running"]) and
              sorted(r["runId"] for r in s["realtime"]["queuedExecutions"]) == t["queued"],
              s["realtime"])
        prio = {r["runId"]: r["priority"] for r in s["realtime"]["queuedExecutions"]}
        check("queuedExecutions priority, null when none was sent",
              prio == {"h-q-1": 5, "h-q-2": None}, prio)
    elif mode == "runs":  # runs.json now since snapshot.json files...
        got = json.load(open(a[0]))
        now, since = int(a[1]), int(a[2])
        snap = json.load(open(a[3]))
        t = truth(a[4:], now, since)
        want = listed(t, since)
        check("runs --format json: every run of the window and every unfinished one",
              sorted(r["runId"] for r in got) == sorted(r["id"] for r in want),
              (len(got), len(want)))
        st = {r["id"]: r["status"] for r in want}
        check("runs: statuses", all(r["status"] == st.get(r["runId"]) for r in got))
        act = [r for r in got if r["finishedAt"] is None]
        fin = [r for r in got if r["finishedAt"] is not None]
        check("runs: unfinished first, then newest finish first",
              got == act + fin and
              [r["finishedAt"] for r in fin] == sorted((r["finishedAt"] for r in fin),
                                                      reverse=True))
        bad = [r["runId"] for r in got if r["finishedAt"] and r["startedAt"] and
               abs(r["duration"] - (t["runs"][r["runId"]]["f"] -
                                    t["runs"][r["runId"]]["s"]) / 1000) > 1e-9]
        check("runs: durations", not bad, bad[:5])
        bad = [r["runId"] for r in got
               if [r["inputTokens"], r["outputTokens"]] != t["runs"][r["runId"]]["tok"][:2]
               and r["inputTokens"] is not None]
        check("runs: tokens per run", not bad, bad[:5])
        sr = {r["runId"]: r for r in snap["runs"]}
        same = [r["runId"] for r in got if r["runId"] in sr]
        check("runs: entries identical to the snapshot's",
              len(same) >= 50 and all(sr[i] == r for i, r in
                                      ((r["runId"], r) for r in got) if i in sr),
              len(same))
    elif mode == "count":  # runs.json expected-count desc
        got = json.load(open(a[0]))
        check(a[2], len(got) == int(a[1]), f"got {len(got)} want {a[1]}")
    elif mode == "expect":  # runs.json now since status agent trace desc
        got = json.load(open(a[0]))
        now, since = int(a[1]), int(a[2])
        status, agent, trace, desc = a[3], a[4], a[5], a[6]
        t = truth(a[7:], now, since)
        want = [r["id"] for r in listed(t, since)
                if (status == "-" or r["status"] == status) and
                (agent == "-" or agent in (r["agent"], r["agent_id"])) and
                (trace == "-" or (r["trace"] or "").startswith(trace))]
        check(desc, sorted(r["runId"] for r in got) == sorted(want) and len(want) > 0,
              (len(got), len(want)))
    elif mode == "schema":  # schema.json files...
        import jsonschema
        v = jsonschema.Draft202012Validator(json.load(open(a[0])))
        for f in a[1:]:
            errs = sorted(v.iter_errors(json.load(open(f))), key=str)
            check(f"{f.split('/')[-1]} validates against doc/snapshot.schema.json",
                  not errs, "; ".join(f"{list(e.path)}: {e.message}" for e in errs[:3]))


try:
    main()
except Exception:
    out.append(("fail", "checker " + " ".join(sys.argv[2:4]), traceback.format_exc()))
for st, d, det in out:
    print(f"{st}\t{d}\t{det}".replace("\n", " | "))
EOF

# checks MODE ARGS...: each line of check.py is one test.
checks() {
	local st d detail
	while IFS=$'\t' read -r st d detail; do
		case $st in
		ok) ok 0 "$d" ;;
		fail) ok 1 "$d"; echo "#   $detail" ;;
		*) echo "# $st $d $detail" ;;
		esac
	done < <(python3 "$TMP/check.py" "$TMP" "$@" 2>&1)
}

# --- the workload: execmon-gen in batch mode (times are the entry IDs), then
# hand-made entries: runs left running and queued, an out-of-order failed run
# whose execution takes exactly 60 s, a cancel at exactly 10 s, a hostile
# agent name, malformed entries, a worker gauge, and a last event at now.
"$EXECMON_GEN" --redis "$R" --stream w --start-ts "$T0" --seed 5 --duration 75m \
	--rate 0.15 --time-scale 10 --ts-mode id --malformed 0.005 --print \
	>"$TMP/gen.jsonl" 2>"$TMP/gen.err"
is "$?" 0 "execmon-gen wrote the workload"
python3 - "$TMP" "$NOW" <<'EOF'
import json, sys
tmp, now = sys.argv[1], int(sys.argv[2])
gen_last = max(int(json.loads(l)["id"].split("-")[0]) for l in open(tmp + "/gen.jsonl"))
assert gen_last < now - 560000, "the generated workload ends too late"
H = {"agent_name": "handmade", "agent_id": "agt_hand", "workspace_id": "ws-hand",
     "trace_id": "feedc0de0001"}
E = [  # (ms before now, fields, malformed reason)
    (550000, dict(H, type="run.queued", run_id="h-fail", queue="hq", priority="2"), None),
    (530000, dict(H, type="run.failed", run_id="h-fail", ts=str(now - 480000),
                  error_class="DiskError", input_tokens="100", output_tokens="50",
                  cost_usd="0.25",
                  error_message="  disk full on /var/lib/x\nTraceback: frame 1"), None),
    (520000, dict(H, type="run.started", run_id="h-fail", ts=str(now - 540000)), None),
    (500000, dict(H, type="run.queued", run_id="h-run-1", queue="hq", priority="1"), None),
    (490000, dict(H, type="run.started", run_id="h-run-1"), None),
    (480000, dict(H, type="llm.call", run_id="h-run-1", model_id="hand-model",
                  input_tokens="10", output_tokens="5", cost_usd="0.001",
                  duration_ms="1200"), None),
    (470000, {"type": "run.started", "run_id": "h-run-2", "workspace_id": "ws-other",
              "agent_name": "evil\x1b[31mred\u202e"}, None),
    (460000, dict(H, type="run.queued", run_id="h-q-1", queue="hq", priority="5"), None),
    (450000, dict(H, type="run.queued", run_id="h-q-2", queue="hq"), None),
    (440000, {"run_id": "h-x", "message": "no type"}, "no_type"),
    (430000, {"json": "{oops"}, "bad_json"),
    (420000, dict(H, type="run.started", run_id="h-cancel"), None),
    (410000, dict(H, type="run.cancelled", run_id="h-cancel"), None),
    (400000, {"type": "worker.status", "workers_total": "10", "workers_busy": "4",
              "cpu": "55.5", "memory": "61.25"}, None),
    (0, dict(H, type="log", run_id="h-run-1", message="still going"), None),
]
resp, lines = [], []
for ago, f, mal in E:
    eid = "%d-0" % (now - ago)
    args = ["XADD", "w", eid] + [x for kv in f.items() for x in kv]
    resp.append("*%d\r\n" % len(args) + "".join(
        "$%d\r\n%s\r\n" % (len(a.encode()), a) for a in args))
    o = {"stream": "w", "id": eid, "fields": f}
    if mal:
        o["malformed"] = mal
    lines.append(json.dumps(o))
open(tmp + "/hand.resp", "w", encoding="utf-8").write("".join(resp))
open(tmp + "/hand.jsonl", "w", encoding="utf-8").write("\n".join(lines) + "\n")
EOF
is "$?" 0 "hand-made entries prepared"
redis-cli -p "$P" --pipe <"$TMP/hand.resp" >"$TMP/pipe.out" 2>&1
grep -q "errors: 0, replies: 15" "$TMP/pipe.out"
ok $? "hand-made entries written"
ALL=("$TMP/gen.jsonl" "$TMP/hand.jsonl")

# --- snapshot from Redis, pinned now
"$EXECMON" snapshot "${SRC[@]}" --window 1h --now "$NOW" -o "$TMP/s1.json" 2>"$TMP/s1.err"
is "$?" 0 "snapshot exits 0"
grep -q "^execmon: .* events, .* malformed" "$TMP/s1.err"
ok $? "snapshot ends with a one-line summary on stderr"
checks snapshot "$TMP/s1.json" "$NOW" "$W" redis "${ALL[@]}"
checks sources "$TMP/s1.json" "$NOW" "$W" "${ALL[@]}"

"$EXECMON" snapshot "${SRC[@]}" --window 1h --now "$NOW" >"$TMP/s2.json" 2>/dev/null
cmp -s "$TMP/s1.json" "$TMP/s2.json"
ok $? "two snapshots of the same input and now are byte-identical (file and stdout)"
"$EXECMON" snapshot "${SRC[@]}" --window 1h --now "2026-01-01T00:00:00Z" -o "$TMP/s3.json" 2>/dev/null
cmp -s "$TMP/s1.json" "$TMP/s3.json"
ok $? "--now as RFC 3339 gives the same bytes"
if grep -q "$(printf '\033')" "$TMP/s1.json"; then ok 1 "no raw ESC in the snapshot"; else ok 0 "no raw ESC in the snapshot"; fi
grep -qi '"agentName": "evil\\u001b\[31mred\\u202e"' "$TMP/s1.json"
ok $? "hostile strings are escaped in the JSON, not dropped"
grep -Eq -- '-0(\.0+)?[,]?$|NaN|Infinity' "$TMP/s1.json"
is "$?" 1 "no -0, NaN or Infinity in the snapshot"

# --- the same figures through a record of the stream replayed
nwell=$(cat "${ALL[@]}" | grep -vc '"malformed"')
"$EXECMON" record "${SRC[@]}" --window 3h --now "$NOW" -o "$TMP/rec.jsonl" --count "$nwell" 2>/dev/null
is "$?" 0 "record of the stream"
is "$(lines "$TMP/rec.jsonl")" "$nwell" "the record holds every well-formed entry"
"$EXECMON" snapshot --replay "$TMP/rec.jsonl" --window 1h --now "$NOW" -o "$TMP/r1.json" 2>/dev/null
is "$?" 0 "snapshot --replay exits 0"
checks snapshot "$TMP/r1.json" "$NOW" "$W" replay "${ALL[@]}"
same_but_sources() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("sources"); b.pop("sources")
sys.exit(a != b)
EOF
}
same_but_sources "$TMP/s1.json" "$TMP/r1.json"
ok $? "replay gives the same snapshot as Redis (all but sources)"
cat "$TMP/rec.jsonl" "$TMP/rec.jsonl" >"$TMP/rec2.jsonl"
"$EXECMON" snapshot --replay "$TMP/rec2.jsonl" --window 1h --now "$NOW" -o "$TMP/r2.json" 2>/dev/null
same_but_sources "$TMP/r1.json" "$TMP/r2.json"
ok $? "every event twice in the replay changes nothing"
"$EXECMON" snapshot --replay "$TMP/rec.jsonl" --window 1h -o "$TMP/r3.json" 2>/dev/null
cmp -s "$TMP/r1.json" "$TMP/r3.json"
ok $? "--replay without --now: now is the last event's time"

# --- filter
"$EXECMON" snapshot "${SRC[@]}" --window 1h --now "$NOW" --filter agent=handmade -o "$TMP/f1.json" 2>/dev/null
is "$?" 0 "snapshot --filter exits 0"
checks filtered "$TMP/f1.json" "$NOW" "$W" handmade "${ALL[@]}"
"$EXECMON" snapshot "${SRC[@]}" --window 1h --now "$NOW" --filter 'bogus=1' -o "$TMP/f2.json" 2>"$TMP/f2.err"
is "$?" 2 "a bad --filter is a usage error"
is "$(lines "$TMP/f2.err")" 1 "in one line"
[ ! -e "$TMP/f2.json" ]
ok $? "and writes nothing"

# --- an empty window: figures unknown are null, not 0
"$EXECMON" snapshot --redis "$R" --stream empty --window 15m --now "$NOW" -o "$TMP/e1.json" 2>/dev/null
is "$?" 0 "snapshot of an empty stream exits 0"
check "empty window: rates and latencies null, counts 0" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))
p=s["performance"]; l=s["latency"]
assert s["timeframe"]=="15m" and s["window"]["seconds"]==900
assert p["totalExecutions"]==0 and p["successRate"] is None and p["failureRate"] is None
assert all(v is None for k,v in l["executionLatency"].items() if k!="count")
assert l["executionLatency"]["count"]==0
assert all(b["count"]==0 and b["percentage"] is None for b in l["latencyDistribution"])
assert s["realtime"]["systemLoad"] is None and s["throughput"]["maxCapacity"] is None
assert s["throughput"]["peakThroughput"] is None
assert p["vsLastPeriod"]["executionsChange"] is None
assert s["resources"]["databaseLoad"] is None and s["runs"]==[] and s["workspaceId"] is None
assert s["patterns"]["patterns"]["weekdayAverage"] is None
assert s["sources"][0]["lag"] is None' "$TMP/e1.json"
"$EXECMON" snapshot --redis "$R" --stream w --window 7d --now "$NOW" -o "$TMP/wk.json" 2>/dev/null
check "a 7-day window knows daily and weekday figures, peak and quiet hours" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))
pp=s["patterns"]["patterns"]; p=s["performance"]
assert s["timeframe"]=="7d"
assert pp["averageDaily"]==round(p["totalExecutions"]/7,2), pp
assert pp["weekdayAverage"] is not None and pp["weekendAverage"] is not None
busiest=max(range(24), key=lambda h:(p["byHour"][h]["executions"],-h))
assert pp["peakHours"][0]==busiest and len(pp["quietHours"])==3, pp' "$TMP/wk.json"
check "a 1-hour window leaves daily and weekday figures null" python3 -c '
import json,sys
pp=json.load(open(sys.argv[1]))["patterns"]["patterns"]
assert all(v is None for v in pp.values()), pp' "$TMP/s1.json"

# --- runs
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --format json --limit 100000 >"$TMP/runs.json" 2>/dev/null
is "$?" 0 "runs --format json exits 0"
checks runs "$TMP/runs.json" "$NOW" "$W" "$TMP/s1.json" "${ALL[@]}"
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --format json --status failed --limit 100000 >"$TMP/rf.json" 2>/dev/null
checks expect "$TMP/rf.json" "$NOW" "$W" failed - - "runs --status failed: the failed runs only" "${ALL[@]}"
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --format json --agent handmade --status queued >"$TMP/ra.json" 2>/dev/null
checks expect "$TMP/ra.json" "$NOW" "$W" queued handmade - "runs --agent --status: both apply" "${ALL[@]}"
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --format json --trace feedc0 >"$TMP/rt.json" 2>/dev/null
checks expect "$TMP/rt.json" "$NOW" "$W" - - feedc0 "runs --trace: a trace ID prefix" "${ALL[@]}"
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --format json --since 20m --limit 100000 >"$TMP/rs.json" 2>/dev/null
checks expect "$TMP/rs.json" "$NOW" 1200000 - - - "runs --since 20m: the shorter window" "${ALL[@]}"
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --format json >"$TMP/rd.json" 2>/dev/null
checks count "$TMP/rd.json" 50 "runs: 50 rows by default"
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --format json --limit 5 >"$TMP/rl.json" 2>/dev/null
checks count "$TMP/rl.json" 5 "runs --limit 5"
"$EXECMON" runs "${SRC[@]}" --now "$NOW" --status sleeping >"$TMP/rb.out" 2>"$TMP/rb.err"
is "$?" 2 "runs --status with a bad value exits 2"
is "$(lines "$TMP/rb.err")" 1 "with one line on stderr"
grep -q "^execmon: --status 'sleeping': " "$TMP/rb.err"
ok $? "that names the option and the value"
is "$(lines "$TMP/rb.out")" 0 "and nothing on stdout"

"$EXECMON" runs "${SRC[@]}" --now "$NOW" --limit 100000 >"$TMP/table.txt" 2>/dev/null
is "$?" 0 "runs (table) exits 0"
check "table: the columns in order" python3 -c '
import sys
h=open(sys.argv[1]).readline().split()
assert h==["STATUS","RUN","AGENT","MODEL","STARTED","DURATION","TOKENS","COST","ERROR"], h' "$TMP/table.txt"
check "table: every line fits 120 columns" python3 -c '
import sys, unicodedata
for l in open(sys.argv[1], encoding="utf-8"):
    w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l.rstrip("\n"))
    assert w <= 120, (w, l)' "$TMP/table.txt"
is "$(($(lines "$TMP/table.txt") - 1))" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/runs.json")" \
	"table: one line per run, as many as in JSON"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/table.txt"; then ok 1 "table: no escape sequences"; else ok 0 "table: no escape sequences"; fi
grep -q 'evil\\x1b\[3' "$TMP/table.txt"
ok $? "table: a hostile agent name shown escaped"
grep -E '^failed +h-fail ' "$TMP/table.txt" | grep -q 'DiskError: disk full'
ok $? "table: the error class and summary of a failed run"
grep -E '^running +h-run-1 ' "$TMP/table.txt" | grep -q 'hand-model'
ok $? "table: a running run with its model"

# --- every snapshot against the schema
checks schema "$SCHEMA" "$TMP/s1.json" "$TMP/r1.json" "$TMP/f1.json" "$TMP/e1.json" "$TMP/wk.json"
check "runs --format json entries validate as the schema's run" python3 -c '
import json,sys,jsonschema
s=json.load(open(sys.argv[1]))
v=jsonschema.Draft202012Validator({"$defs":s["$defs"],"type":"array","items":{"$ref":"#/$defs/run"}})
v.validate(json.load(open(sys.argv[2])))' "$SCHEMA" "$TMP/runs.json"

# --- -o: atomic, mode 0644, no symlinks, nothing left behind on failure
mkdir "$TMP/out"
(umask 077; "$EXECMON" snapshot "${SRC[@]}" --now "$NOW" -o "$TMP/out/snap.json" 2>/dev/null)
is "$(stat -c %a "$TMP/out/snap.json")" 644 "-o writes mode 0644 whatever the umask"
cmp -s "$TMP/out/snap.json" "$TMP/s1.json"
ok $? "-o writes the same bytes as before"
python3 - "$TMP/out/snap.json" >"$TMP/watch.out" 2>&1 <<'EOF' &
import json, os, sys, time
p, n, bad = sys.argv[1], 0, 0
end = time.time() + 60
while time.time() < end and not os.path.exists(p + ".stop"):
    try:
        with open(p) as f:
            json.load(f)
        n += 1
    except (ValueError, FileNotFoundError):
        bad += 1
print(n, bad)
EOF
watch=$!
BG_PIDS="$BG_PIDS $watch"
for i in 1 2 3 4 5; do
	"$EXECMON" snapshot "${SRC[@]}" --now "$((NOW - i * 1000))" -o "$TMP/out/snap.json" 2>/dev/null
done
touch "$TMP/out/snap.json.stop"
wait "$watch"
read -r nread nbad <"$TMP/watch.out"
ok $(( nread > 0 && nbad == 0 ? 0 : 1 )) "a reader never sees a partial file while -o rewrites it ($nread reads, $nbad bad)"
rm -f "$TMP/out/snap.json.stop"
is "$(ls "$TMP/out")" "snap.json" "no temporary files left behind"
before=$(md5sum <"$TMP/out/snap.json")
"$EXECMON" snapshot --redis "redis://127.0.0.1:$(free_port)" --connect-timeout 1s --now "$NOW" \
	-o "$TMP/out/snap.json" 2>"$TMP/dead.err"
is "$?" 1 "no reachable source exits 1"
is "$(md5sum <"$TMP/out/snap.json")" "$before" "and the previous file is left as it was"
is "$(ls "$TMP/out")" "snap.json" "with no temporary file"
echo keep >"$TMP/out/target"
ln -s target "$TMP/out/link.json"
"$EXECMON" snapshot "${SRC[@]}" --now "$NOW" -o "$TMP/out/link.json" 2>"$TMP/ln.err"
is "$?" 1 "-o refuses a symbolic link"
grep -q "symbolic link" "$TMP/ln.err"
ok $? "and says so"
is "$(cat "$TMP/out/target")" keep "the link's target is untouched"
"$EXECMON" snapshot "${SRC[@]}" --now "$NOW" -o "$TMP/nodir/x.json" 2>"$TMP/nd.err"
is "$?" 1 "-o into a missing directory exits 1"
is "$(lines "$TMP/nd.err")" 1 "with one line"

done_testing
