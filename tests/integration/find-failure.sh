#!/usr/bin/env bash
# Find the failure in seconds: a realistic workload (execmon-gen, live) with a
# failure surge whose cause is said only in an llm.call's message; from the
# dashboard alone, in under ten keystrokes, the failing agent, model, tool,
# error text and first-seen time are on the screen.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis f || exit 1
P=$REDIS_PORT_f
R="redis://127.0.0.1:$P"
NOW=$(ms_now)
# Background: a normal workload over the last 20 minutes.
"$EXECMON_GEN" --redis "$R" --stream ev --start-ts $((NOW - 20 * 60000)) --duration 19m \
	--rate 0.3 --seed 12 >/dev/null 2>"$TMP/gen.err"
ok $? "a normal workload is in Redis"

# The surge: over the last 6 minutes, 120 runs of the agent "billing" fail. Their
# run.failed says only "AgentError: step failed"; the cause is in the
# llm.call's message, with numbers and ids that differ run to run.
python3 - "$NOW" >"$TMP/surge.cmds" <<'PY'
import sys
now = int(sys.argv[1])
t0 = now - 6 * 60000
for i in range(120):
    t = t0 + i * 2500
    rid = "surge-%03d" % i
    def x(ms, *kv):
        print("XADD surge %d-%d %s" % (ms, i, " ".join('"%s"' % v for v in kv)))
    x(t, "type", "run.started", "run_id", rid, "agent_name", "billing", "ts", str(t))
    x(t + 200, "type", "tool.call", "run_id", rid, "tool_id", "invoice_lookup", "outcome", "ok",
      "duration_ms", "120", "ts", str(t + 200))
    x(t + 900, "type", "llm.call", "run_id", rid, "model_id", "gpt-4o", "finish_reason", "error",
      "message", "quota exhausted for org %d (request req_%04x)" % (4000 + i, 7000 + i),
      "ts", str(t + 900))
    x(t + 1000, "type", "run.failed", "run_id", rid, "agent_name", "billing", "error_class",
      "AgentError", "error_message", "step failed", "ts", str(t + 1000))
PY
redis-cli -p "$P" <"$TMP/surge.cmds" >/dev/null
is "$(redis-cli -p "$P" XLEN surge | tr -d ' ')" 480 "the surge is in Redis (120 runs, 4 events each)"
FIRST=$(python3 -c "import time,sys; print(time.strftime('%H:%M:%S', time.gmtime(($NOW - 6*60000 + 900)/1000)))")

tui_init || exit 1
tui_run F 120 40 --redis "$R" --stream ev --stream surge --window 1h
tui_wait F 30 'peak [0-9]+/min at' >/dev/null
ok $? "the dashboard is up"
# both streams read (the surge is judged), so the lists below do not re-sort
# under the keys as the rest of the history comes in
tui_wait F 30 'failure-surge' >/dev/null

keys=0
press() { tui_keys F "$@"; keys=$((keys + $#)); sleep 0.5; }

# 1 key: the top errors. The llm.call's cause is a group of its own.
press E
tui_wait F 5 'top errors:' >/dev/null
tui_cap F >"$TMP/e.cap"
grep -q 'llm +quota exhausted for org <n> (request <id>)\|llm   quota exhausted for org <n>' "$TMP/e.cap" ||
	grep -Eq 'llm +.*quota exhausted for org <n>' "$TMP/e.cap"
ok $? "the error text, folded so the 120 runs are one group, is on screen"
grep -A1 'quota exhausted' "$TMP/e.cap" | grep -q "$FIRST"
ok $? "its first-seen time ($FIRST) is on screen"
grep -A1 'quota exhausted' "$TMP/e.cap" | grep -q 'agents billing'
ok $? "the failing agent (billing) is on screen"
grep -A1 'quota exhausted' "$TMP/e.cap" | grep -q 'models gpt-4o'
ok $? "the model (gpt-4o) is on screen"

# Down to that group, Enter: the runs that had it; Enter: one run's log.
for _ in $(seq 1 8); do
	tui_cap F -e | grep '48;5;238' | grep -q 'quota exhausted' && break
	press j
done
press Enter
tui_wait F 5 'recent runs: 120 finished' >/dev/null
rc=$?
ok $rc "Enter lists the 120 runs that had it ($(tui_cap F | grep -o 'recent runs: [0-9]* finished'))"
[ $rc -eq 0 ] || tui_cap F | head -12 | sed 's/^/#   |/'
press Enter
tui_wait F 5 '^ run surge-' >/dev/null
tui_cap F >"$TMP/log.cap"
grep -q 'tool.call .*invoice_lookup' "$TMP/log.cap"
ok $? "the run's log shows the tool it called (invoice_lookup)"
grep -q 'quota exhausted for org' "$TMP/log.cap"
ok $? "... and the llm.call that says why"
tui_keys F Escape Escape Escape
sleep 0.3
# the tool row: Enter filters everything to the runs that called it
tui_keys F Tab Tab Tab Tab Tab Tab Tab g
for _ in $(seq 1 8); do
	tui_cap F -e | grep '48;5;238' | grep -q 'invoice_lookup' && break
	tui_keys F j
	sleep 0.2
done
tui_keys F Enter
tui_wait F 5 'filter .*tool=invoice_lookup' >/dev/null
ok $? "Enter on the tool's row filters to the runs that called it"
is "$("$EXECMON" runs --redis "$R" --stream surge --window 1h --filter tool=invoice_lookup --limit 1000 --format json 2>/dev/null |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 120 "runs --filter tool=invoice_lookup: the 120 runs"
# Enter on the surge's anomaly goes to its time: the runs that finished then.
tui_keys F Escape
sleep 0.3
tui_keys F Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab
for _ in $(seq 1 9); do
	tui_cap F -e | grep -q '48;5;75m Anomalies' && break
	tui_keys F Tab
	sleep 0.2
done
tui_keys F g
for _ in $(seq 1 6); do
	tui_cap F -e | grep '48;5;238' | grep -q 'failure_surge' && break
	tui_keys F j
	sleep 0.2
done
if tui_cap F -e | grep '48;5;238' | grep -q 'failure_surge'; then
	tui_keys F Enter
	tui_wait F 5 "runs finished [0-9:]+Z to [0-9:]+Z \(the anomaly's time\)" >/dev/null
	ok $? "Enter on the failure surge shows the runs that finished while it lasted"
	tui_cap F | grep -q 'AgentError'
	ok $? "... the surge's failed runs among them"
	tui_keys F Escape
else
	tui_cap F | sed -n '/Anomalies/,+3p' | sed 's/^/#   /'
	ok 1 "the failure surge is flagged and can be selected"
fi
[ "$keys" -lt 10 ]
ok $? "found from the dashboard alone in $keys keystrokes"
tui_keys F q
done_testing
