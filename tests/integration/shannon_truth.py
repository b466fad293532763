#!/usr/bin/env python3
"""The figures a Shannon workload must give, computed two ways for maps.sh.

  shannon_truth.py truth FILE...   from what execmon-gen --format shannon
                                   --print wrote (its own reading of Shannon's
                                   fields, nothing of execmon's)
  shannon_truth.py snap FILE       the same figures out of an execmon snapshot

Both print one canonical JSON document; the test compares them.
"""
import json
import sys
from collections import defaultdict
from decimal import Decimal


def truth(paths):
    workflows = {}            # id -> "completed" | "failed" | None
    children = set()          # (workflow, agent)
    agents = defaultdict(lambda: {"executions": 0, "in": 0, "out": 0,
                                  "cost": Decimal(0)})
    models = defaultdict(lambda: {"calls": 0, "in": 0, "out": 0,
                                  "cost": Decimal(0)})
    tools = defaultdict(int)
    for path in paths:
        for line in open(path):
            f = json.loads(line)["fields"]
            wf, kind, agent = f["workflow_id"], f["type"], f["agent_id"]
            payload = json.loads(f["payload"]) if f["payload"] else {}
            if kind == "WORKFLOW_STARTED":
                workflows.setdefault(wf, None)
            elif kind == "WORKFLOW_COMPLETED":
                workflows[wf] = "completed"
            elif kind == "WORKFLOW_FAILED":
                workflows[wf] = "failed"
            elif kind == "AGENT_STARTED":
                children.add((wf, agent))
            elif kind == "LLM_OUTPUT":
                cost = Decimal(str(payload["cost_usd"]))
                for d in (agents[agent], ):
                    d["in"] += payload["input_tokens"]
                    d["out"] += payload["output_tokens"]
                    d["cost"] += cost
                m = models[payload["model_used"]]
                m["calls"] += 1
                m["in"] += payload["input_tokens"]
                m["out"] += payload["output_tokens"]
                m["cost"] += cost
            elif kind == "TOOL_INVOKED":
                tools[payload["tool"]] += 1
    agents["orchestrator"]["executions"] = len(workflows)
    for _, agent in children:
        agents[agent]["executions"] += 1
    runs = len(workflows) + len(children)
    failed = sum(1 for s in workflows.values() if s == "failed")
    return {
        "executions": runs,
        "failed": failed,
        "agents": {a: [d["executions"], d["in"], d["out"], str(d["cost"])]
                   for a, d in agents.items()},
        "models": {m: [d["calls"], d["in"], d["out"], str(d["cost"])]
                   for m, d in models.items()},
        "tools": dict(tools),
    }


def money(x):
    return str(Decimal(str(x)).quantize(Decimal("0.000001")))


def snap(path):
    s = json.load(open(path))
    perf = s["performance"]
    return {
        "executions": perf["totalExecutions"],
        "failed": perf["failedExecutions"],
        "agents": {a["agentId"]: [a["executions"], a["inputTokens"],
                                  a["outputTokens"], money(a["cost"])]
                   for a in perf["byAgent"]},
        "models": {m["modelId"]: [m["calls"], m["inputTokens"],
                                  m["outputTokens"], money(m["cost"])]
                   for m in s["byModel"]},
        "tools": {t["toolId"]: t["calls"] for t in s["tools"]},
    }


def main():
    if sys.argv[1] == "truth":
        doc = truth(sys.argv[2:])
        for v in doc["agents"].values():
            v[3] = money(v[3])
        for v in doc["models"].values():
            v[3] = money(v[3])
    else:
        doc = snap(sys.argv[2])
    print(json.dumps(doc, sort_keys=True, indent=1))


main()
