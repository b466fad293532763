#!/usr/bin/env bash
# execmon-gen: reproducible workloads, encodings, malformed entries, errors.
. "$(dirname "$0")/lib.sh"

start_redis g || exit 1
P=$REDIS_PORT_g
R="redis://127.0.0.1:$P"
T0=1790000000000

"$EXECMON_GEN" --help >"$TMP/out" 2>&1
is "$?" 0 "--help exits 0"
"$EXECMON_GEN" --rate abc 2>"$TMP/err"
is "$?" 2 "a bad value exits 2"
is "$(wc -l <"$TMP/err")" 1 "with one line"
"$EXECMON_GEN" --redis "redis://127.0.0.1:$(free_port)" --runs 1 2>"$TMP/err"
is "$?" 1 "unreachable Redis exits 1"

gen() { "$EXECMON_GEN" --redis "$R" --start-ts $T0 --runs 50 --seed "$@"; }
gen 7 --stream a --print >"$TMP/a.print" 2>"$TMP/a.err"
is "$?" 0 "batch mode exits 0"
gen 7 --stream b >/dev/null 2>"$TMP/b.err"
fields() { redis-cli -p "$P" --raw XRANGE "$1" - + | grep -Ev '^[0-9]+-[0-9]+$'; }
cmp -s <(fields a) <(fields b)
ok $? "the same seed writes the same entries"
gen 8 --stream c >/dev/null 2>&1
cmp -s <(fields a) <(fields c)
is "$?" 1 "another seed writes others"
n=$(redis-cli -p "$P" XLEN a)
is "$(grep -c . "$TMP/a.print")" "$n" "--print shows every entry written"
grep -q "^execmon-gen: 50 runs, $n events, 0 malformed" "$TMP/a.err" ||
	grep -q "runs, $n events, 0 malformed" "$TMP/a.err"
ok $? "the summary counts the events exactly"

gen 9 --stream m --malformed 0.1 --encoding json --print >"$TMP/m.print" 2>"$TMP/m.err"
mal=$(grep -c '"malformed"' "$TMP/m.print")
"$EXECMON" record --redis "$R" --stream m --window 3650d -o "$TMP/m.jsonl" --duration 2s 2>"$TMP/rec.err"
grep -q " $mal malformed" "$TMP/rec.err"
ok $? "execmon counts exactly the $mal malformed entries the generator injected"
good=$(( $(grep -c . "$TMP/m.print") - mal ))
is "$(grep -c . "$TMP/m.jsonl")" "$good" "and records every well-formed one"

gen 10 --stream h --hostile 0.5 >/dev/null 2>&1
"$EXECMON" record --redis "$R" --stream h --window 3650d -o "$TMP/h.jsonl" --duration 2s 2>/dev/null
check "hostile strings survive recording as JSON" python3 -c '
import json,sys
bad=0
for l in open(sys.argv[1]):
    e=json.loads(l)
    bad += any("\x1b" in str(v) for v in e.values())
assert bad > 0, "expected escape sequences kept in the data"' "$TMP/h.jsonl"

# --short-runs: every run is queued, started, one llm.call and its end
gen 11 --stream s --short-runs >/dev/null 2>&1
"$EXECMON" record --redis "$R" --stream s --window 3650d -o "$TMP/s.jsonl" --duration 2s 2>/dev/null
check "--short-runs: 4 events a run (queued, started, llm.call, its end)" python3 -c '
import collections, json, sys
runs = collections.defaultdict(list)
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("run_id"):
        runs[e["run_id"]].append(e["type"])
assert len(runs) == 50, len(runs)
for rid, t in runs.items():
    assert len(t) == 4 and t[:3] == ["run.queued", "run.started", "llm.call"] and \
        t[3] in ("run.completed", "run.failed", "run.cancelled"), (rid, t)' "$TMP/s.jsonl"

done_testing
