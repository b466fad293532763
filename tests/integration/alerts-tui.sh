#!/usr/bin/env bash
# Alerts in the dashboard, in a real terminal: tmux runs execmon against a
# private redis-server while execmon-gen injects a failure surge. What the
# pty receives is logged raw (tmux pipe-pane): the bell byte and the OSC 9
# and OSC 777 notifications, whose text never holds a raw byte from a feed or
# the config. The header badge, the firing alert on the main screen, the
# alerts view, an acknowledgement with a note that survives a restart, and
# --alert-exec receiving the alert as JSON.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis t || exit 1
R="redis://127.0.0.1:$REDIS_PORT_t"

# Ten minutes of quiet history, then live load with a surge 6 s in.
"$EXECMON_GEN" --redis "$R" --stream live --start-ts $(($(ms_now) - 11 * 60000)) \
	--duration 10m --rate 2 --ts-mode id --time-scale 0.1 --seed 3 >/dev/null 2>&1
ok $? "execmon-gen wrote the history"

tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
ESC=$(printf '\033')
BEL=$(printf '\007')
# The rules: a failure surge over 20 s, and one that fires at once whose
# filter holds an escape sequence and non-ASCII text (from the config file).
cat >"$TMP/xdg/execmon/config" <<EOF
alert surge = failure_rate over 20s > 50% severity high
alert odd = running where agent=${ESC}]52;c;SGVsbG8=${BEL}планировщик >= 0 severity low
alert queue-wait = off
alert stuck-runs = off
EOF
mkdir -p "$TMP/state" "$TMP/hooks"
cat >"$TMP/hook.sh" <<'EOF'
cat >"$HOOKDIR/$EXECMON_ALERT_NAME.$EXECMON_ALERT_STATE.json"
EOF
STATE=(XDG_STATE_HOME="$TMP/state" HOOKDIR="$TMP/hooks")
tui_run A 120 40 "${STATE[@]}" --redis "$R" --stream live --alert-exec "sh $TMP/hook.sh"
tui pipe-pane -O -t "=A:" "cat >>$TMP/raw"
tui_wait A 10 "live" || tui_wait A 10 "Live runs"
ok $? "the dashboard is up"
"$EXECMON_GEN" --redis "$R" --stream live --rate 8 --time-scale 0.05 --seed 4 \
	--inject surge@6s+40s --duration 60s >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"

tui_wait A 40 " 2 firing"
ok $? "the header badge: 2 firing"
tui_cap A >"$TMP/cap.firing"
sed -n 2p "$TMP/cap.firing" | grep -q "surge"
head -3 "$TMP/cap.firing" | sed 's/^/# /'
ok $? "the firing alert's name on the main screen: $(sed -n 2p "$TMP/cap.firing" | cut -c1-60)"
wait_for 10 grep -q "surge FIRING" "$TMP/raw"
python3 - "$TMP/raw" >"$TMP/osc.out" <<'EOF'
import re, sys
raw = open(sys.argv[1], "rb").read()
bells = raw.count(b"\x07") - len(re.findall(rb"\x1b\][^\x07]*\x07", raw))
osc9 = re.findall(rb"\x1b\]9;([^\x07\x1b]*)\x07", raw)
osc777 = re.findall(rb"\x1b\]777;notify;([^\x07\x1b]*)\x07", raw)
print("bells", bells)
print("osc9", len(osc9), b"|".join(osc9).decode("ascii", "replace"))
print("osc777", len(osc777))
# every OSC payload: printable ASCII only, and no OSC 52 anywhere
ok = all(all(0x20 <= c < 0x7f for c in p) for p in osc9 + osc777)
print("clean", ok and b"\x1b]52" not in raw)
EOF
sed 's/^/# /' "$TMP/osc.out" | cut -c1-300
grep -q "^osc9 [1-9].*execmon: surge FIRING failure_rate" "$TMP/osc.out"
ok $? "an OSC 9 notification for surge in the pty"
grep -q "^osc777 [1-9]" "$TMP/osc.out"
ok $? "and an OSC 777 one"
grep -Eq "^bells [1-9]" "$TMP/osc.out"
ok $? "the bell byte in the pty ($(grep bells "$TMP/osc.out"))"
grep -q "odd FIRING running .* where agent=?]52?c?SGVsbG8=??" "$TMP/osc.out"
ok $? "the hostile filter's text is sanitised inside the OSC"
is "$(grep ^clean "$TMP/osc.out")" "clean True" "every notification is printable ASCII, no OSC 52 reaches the pty"

wait_for 10 test -s "$TMP/hooks/surge.firing.json"
ok $? "--alert-exec ran for surge"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["name"]=="surge" and a["state"]=="firing" and a["severity"]=="high" and a["value"]>50, a' \
	"$TMP/hooks/surge.firing.json" 2>/dev/null
ok $? "with the alert as JSON on its stdin"

# The alerts view: acknowledge surge with a note.
tui_keys A '!'
tui_wait A 5 "Alerts \\([0-9]+ rules\\)"
ok $? "! opens the alerts view"
tui_match A "firing +high +surge"
ok $? "surge is listed firing, high"
tui_keys A Down
tui_keys A Up
# select surge: it is the first user rule after the built-ins still on
for _ in 1 2 3 4 5 6; do
	tui_match A "^>firing +high +surge" && break
	tui_keys A Down
	sleep 0.2
done
tui_match A "^>firing +high +surge"
ok $? "surge selected"
tui_keys A a
tui_wait A 5 "acknowledge, note:"
ok $? "a asks for a note"
tui_keys A -l "on it, paged"
tui_keys A Enter
tui_wait A 5 "surge .*ACK on it, paged"
ok $? "the row shows the acknowledgement and its note"
grep -q '"on it, paged"' "$TMP/state/execmon/alerts.json"
ok $? "kept in \$XDG_STATE_HOME/execmon/alerts.json"
tui_keys A q
wait_for 5 test -e "$TMP/A.exit"
is "$(cat "$TMP/A.exit" 2>/dev/null)" "EXIT=0" "q quits"

# A new execmon: the acknowledgement is still there.
tui_run B 120 40 "${STATE[@]}" --redis "$R" --stream live
tui_wait B 10 "Live runs"
tui_keys B '!'
tui_wait B 10 "surge .*ACK on it, paged"
ok $? "after a restart the acknowledgement and its note are still shown"
# snooze odd for 15 minutes, then silence it, then take both back
for _ in 1 2 3 4 5 6; do
	tui_match B "^>firing +low +odd" && break
	tui_keys B Down
	sleep 0.2
done
tui_match B "^>firing +low +odd"
ok $? "odd selected"
tui_keys B z
tui_wait B 5 "snooze for"
tui_keys B BSpace BSpace
tui_keys B -l "15m"
tui_keys B Enter
tui_wait B 5 "odd .*snoozed 1[45]m"
ok $? "z snoozes it for 15 minutes"
tui_keys B x
tui_wait B 5 "silence names matching: odd"
ok $? "x offers the selected name as the glob"
tui_keys B BSpace BSpace
tui_keys B -l "d*"
tui_keys B Enter
tui_wait B 5 "odd .*silenced \\(od\\*\\)"
ok $? "the silence by glob is shown"
grep -q '"match": "od\*"' "$TMP/state/execmon/alerts.json"
ok $? "and kept"
tui_keys B u
tui_wait B 5 "odd: acknowledgement, snooze and silences taken back"
! tui_match B "odd .*(snoozed|silenced)"
ok $? "u takes the snooze and the silence back"
tui_keys B q
wait_for 5 test -e "$TMP/B.exit"
is "$(cat "$TMP/B.exit" 2>/dev/null)" "EXIT=0" "q quits again"

# A replay with a pinned now: the states are judged through the window, as
# execmon alerts does (its hand-computed times are in alerts.sh).
T0=1796295600000
python3 - "$TMP/w.jsonl" "$T0" <<'EOF2'
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
EOF2
printf 'alert hover = failure_rate over 20s > 20%% severity high\nalert hover-for = failure_rate over 20s > 20%% for 30s\n' >"$TMP/pin.conf"
tui_run P 120 40 XDG_STATE_HOME="$TMP/state2" --replay "$TMP/w.jsonl" --config "$TMP/pin.conf" \
	--now $((T0 + 700000)) --alert-bell off
tui_wait P 15 " 1 firing 1 pending "
ok $? "pinned now: the badge says 1 firing 1 pending"
tui_keys P '!'
tui_wait P 5 "firing +high +hover +30.0% +> +20.0% +1m30s"
ok $? "hover firing since 1m30s before now (11:10:10), as execmon alerts says"
tui_match P "pending +medium +hover-for +30.0% +> +20.0% +10(\.0)?s"
ok $? "hover-for pending for 10 s"
tui_keys P q
wait_for 5 test -e "$TMP/P.exit"
is "$(cat "$TMP/P.exit" 2>/dev/null)" "EXIT=0" "q quits"

done_testing
