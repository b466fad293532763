#!/usr/bin/env bash
# execmon alerts: rules and budgets from the config file, judged over replayed
# workloads at pinned times (pending, firing, resolved, no flapping, exit
# codes, JSON), over a real Redis filled by execmon-gen with a failure surge,
# --follow running --alert-exec with the alert on its stdin, acknowledgements
# kept across runs and shared by processes, the snapshot's alerts and budgets.
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

export XDG_STATE_HOME="$TMP/state" XDG_CONFIG_HOME="$TMP/noconfig"
unset EXECMON_REDIS_URL EXECMON_REDIS_PASSWORD
T0=1796295600000   # 2026-12-03T11:00:00Z
M=60000

# jget FILE EXPR: a Python expression over the JSON document j
jget() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# alert FILE NAME FIELD
alert() { jget "$1" "[a for a in j['alerts'] if a['name']=='$2'][0]['$3']"; }

# ---------------------------------------------------------------- config errors
printf 'window = 1h\nalert bad = failure_rate > 120%%\n' >"$TMP/bad.conf"
"$EXECMON" alerts --config "$TMP/bad.conf" --replay /dev/null 2>"$TMP/err"
is "$?" 2 "a rule that does not parse: exit 2"
is "$(wc -l <"$TMP/err")" 1 "one line"
grep -q "^execmon: config $TMP/bad.conf:2: alert: '120%': a percentage is at most 100" "$TMP/err"
ok $? "naming the file, the line and the cause: $(cat "$TMP/err")"
printf 'budget b = cost per fortnight <= $5\n' >"$TMP/bad2.conf"
"$EXECMON" alerts --config "$TMP/bad2.conf" --replay /dev/null 2>"$TMP/err"
is "$?" 2 "a budget that does not parse: exit 2"
grep -q "bad2.conf:1: budget: expected 'per day'" "$TMP/err"
ok $? "with its cause: $(cat "$TMP/err")"
"$EXECMON" alerts --alert-bell loud --replay /dev/null 2>"$TMP/err"
is "$?" 2 "a bad --alert-bell: exit 2"
"$EXECMON" runs --ack x --replay /dev/null 2>"$TMP/err"
is "$?" 2 "--ack outside execmon alerts: exit 2"

# ---------------------------------------------------------------- replayed workloads
# A run finishes every 2 s for 40 minutes. Minutes 10-20: every 20 s the
# failures alternate 4 in 10 and 0 in 10, so a 20 s failure rate hovers
# around 20 %; else nothing fails. Budget: each run costs $0.001.
python3 - "$TMP/w.jsonl" "$T0" <<'EOF'
import json, sys
out, t0 = open(sys.argv[1], "w"), int(sys.argv[2])
for i in range(1200):
    t = t0 + i * 2000
    s = (t - t0) // 1000
    fail = 600 <= s < 1200 and (s // 20) % 2 == 0 and (s % 20) < 8
    out.write(json.dumps({"type": "run.started", "run_id": "r%d" % i,
                          "agent_name": "planner", "ts": t - 1500}) + "\n")
    out.write(json.dumps({"type": "run.failed" if fail else "run.completed",
                          "run_id": "r%d" % i, "ts": t, "cost_usd": 0.001}) + "\n")
EOF
cat >"$TMP/rules.conf" <<'EOF'
# the built-ins are not what this part tests
alert source-down = off
alert failure-surge = off
alert queue-wait = off
alert stuck-runs = off
alert hover = failure_rate where agent=planner over 20s > 20% severity high
alert hover-for = failure_rate where agent=planner over 20s > 20% for 30s
alert slow = p95_exec > 1m severity low
budget team = cost where agent=planner per day <= $2
EOF
at() { # at MINUTES.SECONDS-AS-SECONDS: alerts --format json at T0 + s
	"$EXECMON" alerts --replay "$TMP/w.jsonl" --config "$TMP/rules.conf" --format json \
		--now $((T0 + $1 * 1000)) >"$TMP/at.$1.json" 2>"$TMP/at.err"
	echo $? >"$TMP/at.$1.exit"
}
# By hand, judged every 10 s: a 20 s window holds 10 runs; at 610 s it holds
# the 4 failures of 600-606 (40 %), at 620 three (30 %), at 630 and 640 at
# most one, at 650 four again: true, true, false, false, ... until the last
# failures (1160-1166) leave the window at 1190.
at 590
is "$(cat "$TMP/at.590.exit")" 0 "before the failures: exit 0"
is "$(alert "$TMP/at.590.json" hover state)" ok "hover is ok"
is "$(alert "$TMP/at.590.json" hover value)" 0.0 "at 0 %"
at 610
is "$(cat "$TMP/at.610.exit")" 3 "at the first failures: exit 3"
is "$(alert "$TMP/at.610.json" hover state)" firing "hover fires (no 'for')"
is "$(alert "$TMP/at.610.json" hover value)" 40.0 "at 40 %"
is "$(alert "$TMP/at.610.json" hover threshold)" 20.0 "threshold 20 (percent)"
is "$(alert "$TMP/at.610.json" hover-for state)" pending "hover-for is pending"
is "$(alert "$TMP/at.610.json" hover-for since)" "2026-12-03T11:10:10.000Z" "since 11:10:10"
is "$(jget "$TMP/at.610.json" "j['firing']") $(jget "$TMP/at.610.json" "j['pending']")" \
	"1 1" "one firing and one pending in all"
first=$(alert "$TMP/at.610.json" hover since)
is "$first" "2026-12-03T11:10:10.000Z" "firing since 11:10:10"
# While the rate hovers (0 % and 40 % by turns), the alert holds, and the one
# that wants the condition for 30 s never fires.
flaps=0 forfired=0
for s in 640 700 760 830 900 990 1080 1150 1190 1240; do
	at $s
	[ "$(alert "$TMP/at.$s.json" hover state)" = firing ] &&
		[ "$(alert "$TMP/at.$s.json" hover since)" = "$first" ] || flaps=$((flaps + 1))
	[ "$(alert "$TMP/at.$s.json" hover-for state)" = firing ] && forfired=$((forfired + 1))
done
is "$flaps" 0 "hovering at the threshold for 10 minutes: firing all along, the same since"
is "$forfired" 0 "hover-for never held for 30 s: never fired"
at 1270
is "$(cat "$TMP/at.1270.exit")" 0 "after the failures end and the hold passes: exit 0"
is "$(alert "$TMP/at.1270.json" hover state)" resolved "hover is resolved"
is "$(alert "$TMP/at.1270.json" hover since)" "2026-12-03T11:20:50.000Z" \
	"resolved a minute (the hold) after it cleared at 11:19:50"
at 1540
is "$(alert "$TMP/at.1540.json" hover state)" resolved "still shown resolved 4m50s on"
at 1560
is "$(alert "$TMP/at.1560.json" hover state)" ok "ok 5 minutes after resolving"
is "$(alert "$TMP/at.1560.json" slow state)" ok "slow never fired"
# Budget at 11:40: 1200 runs x $0.001 = $1.20 since midnight (the load
# reaches back to the day's start). By hand: burn = 1.2 / (11 h 40 min) =
# 0.102857 $/h; projected = 1.2 + 0.102857 x 12 h 20 min = 2.468571 > $2,
# so team.projected fires; runs out at 11:40 + 0.8 / 0.102857 h =
# 11:40 + 7 h 46 min 40 s = 19:26:40.
at 2400
b() { jget "$TMP/at.2400.json" "j['budgets'][0]['$1']"; }
is "$(b spent)" 1.2 "budget: spent \$1.20"
is "$(b inFlight)" 0.0 "nothing in flight"
is "$(b partial)" False "the data covers the day"
is "$(b countedFrom)" "2026-12-03T00:00:00.000Z" "counted from midnight"
is "$(b burnRatePerHour)" 0.102857 "burn rate by hand: \$0.102857/h"
is "$(b projected)" 2.468571 "projected by hand: \$2.468571"
is "$(b runsOutAt)" "2026-12-03T19:26:40.000Z" "runs out by hand at 19:26:40Z"
is "$(alert "$TMP/at.2400.json" team.projected state)" firing "team.projected fires"
is "$(alert "$TMP/at.2400.json" team.over state)" ok "team.over does not"

# The table says the same.
"$EXECMON" alerts --replay "$TMP/w.jsonl" --config "$TMP/rules.conf" --now $((T0 + 700000)) \
	>"$TMP/table" 2>/dev/null
is "$?" 3 "the table form: exit 3 too"
grep -Eq '^firing +high +hover +[0-9.]+% +> 20.0% +2026-12-03T11:10:10.000Z' "$TMP/table"
ok $? "a row with state, severity, name, value, threshold, since"
grep -q '^team ' "$TMP/table"
ok $? "and the budget's row"

# ---------------------------------------------------------------- acknowledgements
"$EXECMON" alerts --config "$TMP/rules.conf" --ack hover --note "looking into it" >"$TMP/out" 2>&1
is "$?" 0 "--ack exits 0"
test -f "$TMP/state/execmon/alerts.json"
ok $? "kept under \$XDG_STATE_HOME/execmon/"
at 700
is "$(alert "$TMP/at.700.json" hover acknowledged)" True "a later run sees the acknowledgement"
is "$(alert "$TMP/at.700.json" hover note)" "looking into it" "and its note"
"$EXECMON" alerts --config "$TMP/rules.conf" --snooze slow=1h >/dev/null 2>&1 &&
	"$EXECMON" alerts --config "$TMP/rules.conf" --silence 'team.*' >/dev/null 2>&1
ok $? "--snooze NAME=DUR and --silence GLOB"
"$EXECMON" alerts --replay "$TMP/w.jsonl" --config "$TMP/rules.conf" --format json \
	--now $((T0 + 700000)) >"$TMP/m.json" 2>/dev/null
is "$(alert "$TMP/m.json" team.projected silencedBy)" "team.*" "silenced by its glob"
# snoozes are in wall-clock time: an hour from the wall clock
[ "$(alert "$TMP/m.json" slow snoozedUntil)" != None ]
ok $? "slow is snoozed"
"$EXECMON" alerts --snooze slow 2>"$TMP/err"
is "$?" 2 "--snooze without a duration: exit 2"
"$EXECMON" alerts --snooze queue-wait=2099-01-01T00:00:00Z >"$TMP/out" 2>&1
is "$(grep -o 'until .*' "$TMP/out")" "until 2099-01-01T00:00:00.000Z" "--snooze NAME=TIME snoozes until then"
"$EXECMON" alerts --snooze queue-wait=2001-01-01T00:00:00Z 2>"$TMP/err"
is "$?" 2 "a time past: exit 2"
# Many processes at once, each acknowledging its own alert: none is lost.
for i in $(seq 1 12); do
	"$EXECMON" alerts --ack "many-$i" >/dev/null 2>&1 &
done
wait
n=$(python3 -c 'import json,sys; print(sum(1 for a in json.load(open(sys.argv[1]))["acks"] if a["name"].startswith("many-")))' \
	"$TMP/state/execmon/alerts.json")
is "$n" 12 "12 processes acknowledging at once: all 12 kept"
"$EXECMON" alerts --unack hover >/dev/null 2>&1
at 700
is "$(alert "$TMP/at.700.json" hover acknowledged)" False "--unack takes it back"

# ---------------------------------------------------------------- snapshot
"$EXECMON" snapshot --replay "$TMP/w.jsonl" --config "$TMP/rules.conf" \
	--now $((T0 + 700000)) -o "$TMP/snap.json" 2>/dev/null
is "$?" 0 "snapshot with rules and a budget"
is "$(alert "$TMP/snap.json" hover state)" firing "the snapshot's alerts"
is "$(jget "$TMP/snap.json" "j['budgets'][0]['name']")" team "the snapshot's budgets"
if python3 -c 'import jsonschema' 2>/dev/null; then
	python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
		"$TMP/snap.json" "$SRCDIR/doc/snapshot.schema.json" 2>"$TMP/schema.err"
	ok $? "it follows doc/snapshot.schema.json"
fi

# ---------------------------------------------------------------- Redis, execmon-gen
start_redis a || { echo "Bail out! redis-server did not start"; exit 1; }
R="redis://127.0.0.1:$REDIS_PORT_a"
"$EXECMON_GEN" --redis "$R" --stream s --start-ts "$T0" --duration 40m --rate 1 \
	--ts-mode id --seed 5 --inject surge@25m+3m >/dev/null 2>"$TMP/gen.err"
ok $? "execmon-gen wrote 40 minutes with a failure surge at 25 minutes"
printf 'alert failing = failure_rate over 2m > 40%% for 1m severity high\n' >"$TMP/gen.conf"
ga() { "$EXECMON" alerts --redis "$R" --stream s --config "$TMP/gen.conf" --format json \
	--now $((T0 + $1 * M)) >"$TMP/g.$1.json" 2>/dev/null; echo $?; }
is "$(ga 20)" 0 "before the surge: exit 0"
is "$(alert "$TMP/g.20.json" failing state)" ok "failing is ok"
is "$(ga 28)" 3 "in the surge: exit 3"
is "$(alert "$TMP/g.28.json" failing state)" firing "failing fires"
is "$(alert "$TMP/g.28.json" failure-surge state)" firing "and so does the built-in failure surge"
ga 32 >/dev/null
is "$(alert "$TMP/g.32.json" failing state)" resolved "after it: resolved"

# --follow: a stream goes quiet, the rule fires, --alert-exec gets the alert;
# an event comes, it resolves.
printf 'alert quiet = no_events > 2s severity high\nalert source-down = off\n' >"$TMP/f.conf"
now_ms() { python3 -c 'import time; print(int(time.time()*1000))'; }
redis-cli -p "$REDIS_PORT_a" XADD live '*' type run.started run_id x1 ts "$(now_ms)" >/dev/null
cat >"$TMP/hook.sh" <<'EOF'
n=$(ls "$HOOKDIR" | grep -c 'env$')
cat >"$HOOKDIR/$n.json"
echo "$EXECMON_ALERT_NAME $EXECMON_ALERT_STATE $EXECMON_ALERT_SEVERITY" >"$HOOKDIR/$n.env"
EOF
mkdir -p "$TMP/hooks"
HOOKDIR="$TMP/hooks" "$EXECMON" alerts --follow --redis "$R" --stream live \
	--config "$TMP/f.conf" --alert-hold 1s --alert-exec "sh $TMP/hook.sh" \
	>"$TMP/follow.out" 2>"$TMP/follow.err" &
FPID=$!
BG_PIDS="$BG_PIDS $FPID"
wait_for 15 test -s "$TMP/hooks/0.env"
ok $? "--alert-exec ran when the stream went quiet"
is "$(cat "$TMP/hooks/0.env" 2>/dev/null)" "quiet firing high" \
	"EXECMON_ALERT_NAME, _STATE and _SEVERITY"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["name"]=="quiet" and a["state"]=="firing" and a["previousState"]=="ok" and a["value"]>2 and a["threshold"]==2.0, a' \
	"$TMP/hooks/0.json" 2>"$TMP/hook.err"
ok $? "the alert as JSON on its stdin: $(cat "$TMP/hooks/0.json" 2>/dev/null | head -c 200)"
grep -q "quiet FIRING no_events" "$TMP/follow.out"
ok $? "--follow prints the transition"
for _ in 1 2 3 4 5 6; do
	redis-cli -p "$REDIS_PORT_a" XADD live '*' type log run_id x1 ts "$(now_ms)" >/dev/null
	sleep 0.5
done
wait_for 10 test -s "$TMP/hooks/1.env"
is "$(cat "$TMP/hooks/1.env" 2>/dev/null)" "quiet resolved high" "--alert-exec ran again on resolve"
kill "$FPID" 2>/dev/null
wait "$FPID"
is "$?" 0 "--follow exits 0 on SIGTERM"

# A command that hangs is killed at its timeout; the loop goes on.
redis-cli -p "$REDIS_PORT_a" XADD calm '*' type run.started run_id y1 ts "$(now_ms)" >/dev/null
"$EXECMON" alerts --follow --redis "$R" --stream calm --config "$TMP/f.conf" \
	--alert-exec 'sleep 30' --alert-exec-timeout 1s >"$TMP/hang.out" 2>"$TMP/hang.err" &
HPID=$!
BG_PIDS="$BG_PIDS $HPID"
wait_for 15 grep -q "killed after 1000 ms" "$TMP/hang.err"
ok $? "a command past --alert-exec-timeout is killed: $(tail -1 "$TMP/hang.err")"
kill "$HPID" 2>/dev/null
wait "$HPID"
is "$?" 0 "and execmon still exits cleanly"

done_testing
