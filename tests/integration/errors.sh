#!/usr/bin/env bash
# errors, runs --format csv|tsv, runs --limit, the workspace filter: the real
# binary against a real redis-server, a generated workload with a failure
# surge, and hand-made entries whose messages differ only in numbers.
. "$(dirname "$0")/lib.sh"

start_redis a || { echo "Bail out! redis-server did not start"; exit 1; }
P=$REDIS_PORT_a
R="redis://127.0.0.1:$P"
NOW=1767225600000                # 2026-01-01T00:00:00.000Z
T0=$((NOW - 30 * 60000))         # the workload runs from now - 30 min for 20 min
SRC=(--redis "$R" --stream w --stream h --now "$NOW")

"$EXECMON_GEN" --redis "$R" --stream w --start-ts "$T0" --seed 3 --duration 20m \
	--rate 1 --ts-mode id --inject surge@600s+180s --print \
	>"$TMP/gen.jsonl" 2>"$TMP/gen.err"
is "$?" 0 "execmon-gen wrote a workload with a failure surge"

# Hand-made entries on stream h (entry IDs are the times).
xadd() { # xadd MS_BEFORE_NOW FIELD VALUE...
	local ms=$((NOW - $1))
	shift
	redis-cli -p "$P" XADD h "$ms-0" "$@" >/dev/null
}
xadd 300000 type run.started run_id h-1 agent_name hand workspace_id ws-hand
xadd 290000 type run.failed run_id h-1 agent_name hand workspace_id ws-hand \
	error_class HandTimeout error_message "timeout after 30s on run 123"
xadd 200000 type run.started run_id h-2 agent_name hand workspace_id ws-hand
xadd 190000 type run.failed run_id h-2 agent_name hand workspace_id ws-hand \
	error_class HandTimeout error_message "timeout after 31s on run 456"
xadd 180000 type run.started run_id h-3 agent_name hand workspace_id ws-hand
xadd 170000 type llm.call run_id h-3 agent_name hand workspace_id ws-hand \
	model_id hand-model finish_reason error \
	message "provider overloaded, retry in 12s (request req_8812)"
xadd 160000 type run.failed run_id h-3 agent_name hand workspace_id ws-hand \
	error_class HandCsv error_message $'has, a "quote"\nand\ta tab \e[31mred'
xadd 150000 type run.failed run_id h-4 agent_name $'evil\e[31m' \
	workspace_id ws-hand error_class $'Evil\e]52;c;aGk=\a' error_message x

# --- errors --format json against a ground truth from the entries written
"$EXECMON" errors "${SRC[@]}" --format json >"$TMP/e.json" 2>"$TMP/e.err"
is "$?" 0 "errors --format json exits 0"
python3 - "$TMP" "$NOW" >"$TMP/truth.out" 2>&1 <<'EOF'
import json, sys
tmp, now = sys.argv[1], int(sys.argv[2])
frm = now - 3600000
runs, tools = {}, 0
for line in open(tmp + "/gen.jsonl"):
    o = json.loads(line)
    if "malformed" in o:
        continue
    f = o["fields"]
    if "type" not in f:
        f = json.loads(f["json"])
    ts = int(f["ts"]) if "ts" in f else int(o["id"].split("-")[0])
    if not (frm < ts <= now):
        continue
    if f["type"] == "run.failed":
        runs[f["run_id"]] = f.get("error_class", "(none)")
    elif f["type"] == "tool.call" and f.get("outcome") in ("error", "timeout"):
        tools += 1
e = json.load(open(tmp + "/e.json"))
by = {}
for c in runs.values():
    by[c] = by.get(c, 0) + 1
got = {g["errorClass"]: g["count"] for g in e["errors"]
       if g["where"] == "run" and not g["errorClass"].startswith(("Hand", "Evil"))}
print("run", e["byWhere"]["run"] - 4 == len(runs), e["byWhere"]["run"], len(runs))
print("tool", e["byWhere"]["tool"] == tools, e["byWhere"]["tool"], tools)
print("classes", got == by, sorted(got.items()), sorted(by.items()))
top = e["errors"][0]
print("top", top["errorClass"] == max(by, key=by.get), top["errorClass"])
counts = [g["count"] for g in e["errors"]]
print("sorted", counts == sorted(counts, reverse=True), counts[:5])
print("total", e["total"] == sum(e["byWhere"].values()) and e["notGrouped"] == 0, e["total"])
print("surge", top["count"] >= 50 and len(top["agents"]) >= 2, top["count"], top["agents"])
EOF
while read -r what verdict detail; do
	[ "$verdict" = True ]
	ok $? "errors json: $what matches the entries written ($detail)"
done <"$TMP/truth.out"
grep -q Traceback "$TMP/truth.out" && sed 's/^/#   /' "$TMP/truth.out"

jq_get() { python3 -c "import json,sys; e=json.load(open('$TMP/e.json')); $1"; }
is "$(jq_get 'g=[g for g in e["errors"] if g["errorClass"]=="HandTimeout"]; print(len(g), g[0]["count"], g[0]["runs"], g[0]["message"])')" \
	"1 2 2 timeout after <dur> on run <n>" \
	"'timeout after 30s on run 123' and '... 31s on run 456' are one group"
is "$(jq_get 'g=[g for g in e["errors"] if g["errorClass"]=="HandTimeout"][0]; print(g["firstSeen"], g["lastSeen"], g["firstRunId"], g["example"])')" \
	"2025-12-31T23:55:10.000Z 2025-12-31T23:56:50.000Z h-1 timeout after 30s on run 123" \
	"first and last seen, the first run and the earliest text"
is "$(jq_get 'g=[g for g in e["errors"] if g["where"]=="llm"][0]; print(g["errorClass"], g["models"], g["agents"], "|", g["message"])')" \
	"(none) ['hand-model'] ['hand'] | provider overloaded, retry in <dur> (request req_<n>)" \
	"an llm.call error whose cause is only in its message is a group with its model"

# --- the snapshot carries the same groups, the first 20
"$EXECMON" snapshot "${SRC[@]}" -o "$TMP/snap.json" 2>/dev/null
is "$(python3 -c "import json; e=json.load(open('$TMP/e.json')); s=json.load(open('$TMP/snap.json')); print(s['topErrors']==e['errors'][:20], s['topErrorsTotal']==e['groups'], len(s['topErrors']))")" \
	"True True 20" "the snapshot's topErrors are errors' first 20 groups"

# --- the table: the same groups, nothing raw on the terminal
"$EXECMON" errors "${SRC[@]}" >"$TMP/e.txt" 2>"$TMP/e2.err"
is "$?" 0 "errors (table) exits 0"
is "$(head -1 "$TMP/e.txt" | tr -s ' ')" \
	" COUNT RUNS WHERE CLASS FIRST SEEN LAST SEEN AGENTS MODELS TOOLS MESSAGE" \
	"the table's header"
top=$(jq_get 'print(e["errors"][0]["errorClass"])')
sed -n 2p "$TMP/e.txt" | grep -q " run  *$top "
ok $? "the table's first row is the top group ($top)"
grep -q 'HandTimeout .*timeout after <dur> on run <n>' "$TMP/e.txt"
ok $? "the folded group is in the table"
! grep -q $'\e' "$TMP/e.txt"
ok $? "no escape byte from a feed reaches the table"
is "$(( $(wc -l <"$TMP/e.txt") - 1 ))" "$(jq_get 'print(e["groups"])')" \
	"one row per group"

"$EXECMON" errors "${SRC[@]}" --limit 2 >"$TMP/e3.txt" 2>"$TMP/e3.err"
is "$(wc -l <"$TMP/e3.txt")" 3 "errors --limit 2: two rows"
grep -q "more groups; --limit" "$TMP/e3.err"
ok $? "errors --limit says on stderr how many groups it left out"

# --- filters: workspace, from --filter and from the config file
"$EXECMON" errors "${SRC[@]}" --format json --filter workspace=ws-hand >"$TMP/w.json" 2>/dev/null
is "$(python3 -c "import json; e=json.load(open('$TMP/w.json')); print(e['total'], sorted({g['errorClass'] for g in e['errors']}))")" \
	"5 ['(none)', 'Evil\x1b]52;c;aGk=\x07', 'HandCsv', 'HandTimeout']" \
	"--filter workspace= keeps that workspace's errors only"
printf 'filter = workspace=ws-hand,agent=hand\n' >"$TMP/config"
"$EXECMON" errors "${SRC[@]}" --config "$TMP/config" --format json >"$TMP/c.json" 2>/dev/null
is "$(python3 -c "import json; e=json.load(open('$TMP/c.json')); print(e['total'])")" 4 \
	"the config file's filter takes workspace too"
"$EXECMON" runs "${SRC[@]}" --filter workspace=ws-acme --format json --limit 100000 >"$TMP/r.json" 2>/dev/null
python3 - "$TMP/gen.jsonl" "$TMP/r.json" <<'EOF'
import json, sys
ws = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "malformed" in o:
        continue
    f = o["fields"]
    if "type" not in f:
        f = json.loads(f["json"])
    if "workspace_id" in f:
        ws[f["run_id"]] = f["workspace_id"]
got = json.load(open(sys.argv[2]))
ids = [r["runId"] for r in got]
sys.exit(0 if ids and all(ws.get(i) == "ws-acme" for i in ids) else 1)
EOF
ok $? "runs --filter workspace=ws-acme lists only that workspace's runs"
"$EXECMON" runs "${SRC[@]}" --filter workspace= >/dev/null 2>"$TMP/f.err"
is "$?" 2 "an empty workspace is a usage error"
is "$(cat "$TMP/f.err")" "execmon: --filter 'workspace=': filter key 'workspace' has an empty value" \
	"it says which key and why"
"$EXECMON" runs "${SRC[@]}" --filter wrkspace=x >/dev/null 2>"$TMP/f.err"
grep -q "unknown filter key 'wrkspace' (expected agent, status, trace, model, user, workspace, queue, error, text or tool)" "$TMP/f.err"
ok $? "an unknown key lists workspace among the keys"

# --- error=: runs, errors and the snapshot narrowed to one error
"$EXECMON" runs "${SRC[@]}" --filter error=HandTimeout --format json >"$TMP/er.json" 2>/dev/null
is "$(python3 -c "import json; print(sorted(r['runId'] for r in json.load(open('$TMP/er.json'))))")" \
	"['h-1', 'h-2']" "runs --filter error=CLASS lists the runs that failed with it"
"$EXECMON" runs "${SRC[@]}" --filter 'error=HandTimeout: timeout after <dur> on run <n>' --format json >"$TMP/er2.json" 2>/dev/null
cmp -s "$TMP/er.json" "$TMP/er2.json"
ok $? "error=CLASS: MESSAGE takes the folded message"
"$EXECMON" runs "${SRC[@]}" --filter 'error=HandTimeout: timeout after 30s' --format json >"$TMP/er3.json" 2>/dev/null
is "$(cat "$TMP/er3.json")" "[]" "an unfolded message matches nothing"
"$EXECMON" runs "${SRC[@]}" --filter 'error=(none)' --format json >"$TMP/er4.json" 2>/dev/null
python3 -c "import json,sys; ids=[r['runId'] for r in json.load(open('$TMP/er4.json'))]; sys.exit(0 if 'h-3' in ids else 1)"
ok $? "a run that has an llm.call error of a class matches it"
"$EXECMON" errors "${SRC[@]}" --filter error=RateLimitError --format json >"$TMP/er5.json" 2>/dev/null
top=$(python3 -c "import json; e=json.load(open('$TMP/e.json')); print([g['count'] for g in e['errors'] if g['errorClass']=='RateLimitError' and g['where']=='run'][0])")
is "$(python3 -c "import json; e=json.load(open('$TMP/er5.json')); print(e['byWhere']['run'], e['errors'][0]['errorClass'])")" \
	"$top RateLimitError" "errors --filter error= keeps the runs with that error (and their other errors)"
"$EXECMON" snapshot "${SRC[@]}" --filter error=RateLimitError -o "$TMP/es.json" 2>/dev/null
is "$(python3 -c "import json; s=json.load(open('$TMP/es.json')); print(s['performance']['failedExecutions'])")" \
	"$top" "the snapshot's figures follow error= too"

# --- runs --format csv and tsv
"$EXECMON" runs "${SRC[@]}" --status failed --limit 100000 --format csv >"$TMP/r.csv" 2>"$TMP/r.err"
is "$?" 0 "runs --format csv exits 0"
"$EXECMON" runs "${SRC[@]}" --status failed --limit 100000 --format json >"$TMP/rf.json" 2>/dev/null
python3 - "$TMP/r.csv" "$TMP/rf.json" >"$TMP/csv.out" <<'EOF'
import csv, io, json, sys
data = open(sys.argv[1], newline="").read()
rows = list(csv.reader(io.StringIO(data, newline="")))
js = json.load(open(sys.argv[2]))
print("header", rows[0][:3] == ["status", "run_id", "agent"] and rows[0][-1] == "error_message")
print("rows", len(rows) - 1 == len(js))
print("ids", [r[1] for r in rows[1:]] == [r["runId"] for r in js])
print("crlf", data.endswith("\r\n") and data.count("\n") - data.count("\r\n") ==
      sum(v.count("\n") for r in rows for v in r))
h3 = [r for r in rows if r[1] == "h-3"][0]
print("quoted", h3[-1] == 'has, a "quote"\nand\ta tab \x1b[31mred' and h3[-2] == "HandCsv")
print("status", all(r[0] == "failed" for r in rows[1:]))
EOF
while read -r what verdict; do
	[ "$verdict" = True ]
	ok $? "runs csv: $what (RFC 4180, read back by Python's csv)"
done <"$TMP/csv.out"
"$EXECMON" runs "${SRC[@]}" --status failed --limit 100000 --format tsv >"$TMP/r.tsv" 2>/dev/null
is "$?" 0 "runs --format tsv exits 0"
is "$(grep -c . "$TMP/r.tsv")" "$(grep -c '^failed,' "$TMP/r.csv" | awk '{print $1 + 1}')" \
	"tsv: one line per run and a header"
grep -q $'^failed\th-3\thand\t.*\tHandCsv\thas, a "quote"\\\\nand\\\\ta tab \e\[31mred$' "$TMP/r.tsv"
ok $? "tsv: tab, newline escaped as \\t \\n; the value is otherwise as sent"
is "$(awk -F'\t' '{print NF}' "$TMP/r.tsv" | sort -u)" 16 "tsv: every line has 16 fields"
# On a terminal (script(1) gives one) values are made safe; to a pipe, as sent.
script -qec "$(printf '%q ' "$EXECMON" runs "${SRC[@]}" --status failed --agent hand --format tsv)" \
	/dev/null >"$TMP/tty.txt" 2>&1
grep -q 'HandCsv' "$TMP/tty.txt" && ! grep -q $'\e' "$TMP/tty.txt"
ok $? "tsv on a terminal: no escape byte from a feed reaches it"
grep -q $'\e' "$TMP/r.tsv"
ok $? "tsv to a pipe: the value as sent"
"$EXECMON" errors "${SRC[@]}" --format csv >/dev/null 2>"$TMP/x.err"
is "$?" 2 "errors --format csv is a usage error"
grep -q "only runs writes csv or tsv" "$TMP/x.err"
ok $? "it says so"

# --- runs: --limit never cuts silently; --help
"$EXECMON" runs "${SRC[@]}" --status failed --limit 3 >"$TMP/l.txt" 2>"$TMP/l.err"
n=$(python3 -c "import json; print(len(json.load(open('$TMP/rf.json'))))")
is "$(wc -l <"$TMP/l.txt")" 4 "runs --limit 3: three rows and the header"
grep -q "^execmon: runs: $((n - 3)) more runs match; --limit $n shows them all$" "$TMP/l.err"
ok $? "runs says on stderr how many more runs match"
"$EXECMON" runs "${SRC[@]}" --status failed --limit "$n" >/dev/null 2>"$TMP/l2.err"
! grep -q "more runs" "$TMP/l2.err"
ok $? "nothing is said when every run is shown"
"$EXECMON" runs --help >"$TMP/help.txt"
grep -q "queued, running, completed, failed, cancelled or" "$TMP/help.txt" &&
	grep -q "unknown (default: any)" "$TMP/help.txt" &&
	grep -q "at most N rows (default 50)" "$TMP/help.txt" &&
	grep -q "default: --window" "$TMP/help.txt" &&
	grep -q "csv (RFC 4180) or tsv" "$TMP/help.txt"
ok $? "runs --help lists the statuses, the defaults and the formats"
"$EXECMON" errors --help >"$TMP/help2.txt"
grep -q "Usage: execmon errors" "$TMP/help2.txt" && grep -q "folded" "$TMP/help2.txt"
ok $? "errors --help"
"$EXECMON" --help | grep -q "errors               the top errors"
ok $? "execmon --help lists the errors command"

# --- a replay of the same events gives the same groups
"$EXECMON" record "${SRC[@]}" -o "$TMP/rec.jsonl" --duration 1s >/dev/null 2>&1
"$EXECMON" errors --replay "$TMP/rec.jsonl" --now "$NOW" --format json >"$TMP/e4.json" 2>/dev/null
is "$(python3 -c "import json; a=json.load(open('$TMP/e.json')); b=json.load(open('$TMP/e4.json')); print(a['errors']==b['errors'])")" True \
	"errors from a recording equal errors from Redis"

done_testing
