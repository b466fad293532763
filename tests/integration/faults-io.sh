#!/usr/bin/env bash
# faults-io: output whose reader has gone or whose disk is full, and input
# files that are not regular files. Every write is checked and a failed one
# ends the command with exit 1 and a line naming the output and the cause;
# no file read can block; a replay still reads from a pipe.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

start_redis a || exit 1
P=$REDIS_PORT_a
R="redis://127.0.0.1:$P"
cli() { redis-cli -p "$P" "$@" >/dev/null; }
for i in $(seq 1 10); do cli XADD s '*' type run.started run_id "r$i" agent_name planner; done
cli XADD s '*' type run.completed run_id r1

# A replay with output bigger than a pipe holds: 2000 runs, one of 900 events.
python3 - "$TMP/big.jsonl" <<'EOF'
import json, sys
t = 1790000000000
with open(sys.argv[1], "w") as f:
    for i in range(2000):
        f.write(json.dumps({"type": "run.started", "ts": t + i, "run_id": "run-%04d" % i,
                            "agent_name": "planner", "model_id": "m1"}) + "\n")
    for i in range(900):
        f.write(json.dumps({"type": "log", "ts": t + 2000 + i, "run_id": "run-0001",
                            "message": "step %d of a long run" % i}) + "\n")
EOF

# closed CMD...: run CMD with stdout a pipe whose reader is already gone; its
# exit status, or "hung" if it does not end within 20 s; stderr in $TMP/closed.err
closed() {
	python3 - "$@" 2>/dev/null <<'EOF'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
try:
    p = subprocess.run(sys.argv[1:], stdout=w, stderr=open(os.environ["TMP"] + "/closed.err", "w"),
                       timeout=20)
    print(p.returncode)
except subprocess.TimeoutExpired:
    print("hung")
EOF
}
export TMP

# one_line FILE ERE: FILE holds a line matching ERE and no sanitizer report
one_line() {
	grep -Eq "$2" "$1" && ! grep -q "Sanitizer" "$1"
}

# --- 6: the reader of a pipe goes away ----------------------------------------------
timeout 20 "$EXECMON" record --redis "$R" --stream s -o - 2>"$TMP/head.err" |
	head -n 3 >"$TMP/head.out"
st=("${PIPESTATUS[@]}")
is "${st[0]}" 1 "record -o - | head -n 3: record ends by itself, exit 1 (not killed by timeout)"
is "$(lines "$TMP/head.out")" 3 "head got its 3 lines"
one_line "$TMP/head.err" "^execmon: record: stdout: Broken pipe$"
ok $? "with one line naming the output and the cause"
n=$(sed -n 's/^execmon: \([0-9]*\) events, .*/\1/p' "$TMP/head.err")
[ -n "$n" ] && [ "$n" -le 11 ]
ok $? "the summary counts at most what was written ($n)"

# the reader goes while live events keep coming
cli XADD live '*' type log run_id x message first
( timeout 20 "$EXECMON" record --redis "$R" --stream live -o - 2>"$TMP/live.err" |
	head -n 1 >/dev/null; echo "${PIPESTATUS[0]}" >"$TMP/live.status" ) &
for i in $(seq 1 100); do
	[ -s "$TMP/live.status" ] && break
	cli XADD live '*' type log run_id x message "more $i"
	sleep 0.05
done
wait_for 20 test -s "$TMP/live.status"
is "$(cat "$TMP/live.status")" 1 "record to a reader that left while events flow: exit 1"
one_line "$TMP/live.err" "^execmon: record: stdout: Broken pipe$"
ok $? "saying so"

is "$(closed "$EXECMON" record --redis "$R" --stream s -o -)" 1 \
	"record to a pipe with no reader from the start: exit 1"
one_line "$TMP/closed.err" "^execmon: record: stdout: Broken pipe$"
ok $? "saying so"

is "$(closed "$EXECMON" runs --replay "$TMP/big.jsonl" --limit 5000)" 1 \
	"runs to a closed pipe: exit 1"
one_line "$TMP/closed.err" "^execmon: runs: stdout: Broken pipe$"
ok $? "saying so"
is "$(closed "$EXECMON" runs --replay "$TMP/big.jsonl" --limit 5000 --format json)" 1 \
	"runs --format json to a closed pipe: exit 1"
is "$(closed "$EXECMON" events run-0001 --replay "$TMP/big.jsonl")" 1 \
	"events to a closed pipe: exit 1"
one_line "$TMP/closed.err" "^execmon: events: stdout: Broken pipe$"
ok $? "saying so"
is "$(closed "$EXECMON" snapshot --replay "$TMP/big.jsonl")" 1 \
	"snapshot to a closed pipe: exit 1"
one_line "$TMP/closed.err" "^execmon: snapshot: stdout: Broken pipe$"
ok $? "saying so"

"$EXECMON" runs --replay "$TMP/big.jsonl" --limit 5000 2>"$TMP/runs-head.err" | head -n 1 >/dev/null
is "${PIPESTATUS[0]}" 1 "runs | head -n 1 with more rows than a pipe holds: exit 1"
one_line "$TMP/runs-head.err" "^execmon: runs: stdout: Broken pipe$"
ok $? "saying so"

# --- 10: a full disk, a closed descriptor -------------------------------------------
"$EXECMON" record --redis "$R" --stream s -o /dev/full --count 5 2>"$TMP/full.err"
is "$?" 1 "record -o /dev/full: exit 1"
one_line "$TMP/full.err" "^execmon: record: /dev/full: No space left on device$"
ok $? "naming the path and the cause"
grep -q "^execmon: 0 events, " "$TMP/full.err"
ok $? "the summary counts no event written"
grep -q "^execmon: record: 5 of 5 events read were not written$" "$TMP/full.err"
ok $? "and says how many were read but not written"

for fmt in table json; do
	"$EXECMON" runs --redis "$R" --stream s --format $fmt >/dev/full 2>"$TMP/runs-full.err"
	is "$?" 1 "runs --format $fmt >/dev/full: exit 1"
	one_line "$TMP/runs-full.err" "^execmon: runs: stdout: No space left on device$"
	ok $? "runs --format $fmt names stdout and the cause"
	"$EXECMON" events r1 --redis "$R" --stream s --format $fmt >/dev/full 2>"$TMP/ev-full.err"
	is "$?" 1 "events --format $fmt >/dev/full: exit 1 (was 0)"
	one_line "$TMP/ev-full.err" "^execmon: events: stdout: No space left on device$"
	ok $? "events --format $fmt names stdout and the cause"
done
"$EXECMON" snapshot --redis "$R" --stream s -o /dev/full 2>"$TMP/snap-full.err"
is "$?" 1 "snapshot -o /dev/full: exit 1"
one_line "$TMP/snap-full.err" "^execmon: snapshot: /dev/full: No space left on device$"
ok $? "naming the path and the cause"
"$EXECMON" snapshot --redis "$R" --stream s >/dev/full 2>"$TMP/snap-full2.err"
is "$?" 1 "snapshot >/dev/full: exit 1"
one_line "$TMP/snap-full2.err" "^execmon: snapshot: stdout: No space left on device$"
ok $? "naming stdout and the cause"

# a regular file that cannot grow (RLIMIT_FSIZE): the write fails with EFBIG
mkdir "$TMP/lim"
echo old >"$TMP/lim/rec.jsonl"
echo old >"$TMP/lim/snap.json"
(ulimit -f 1; exec "$EXECMON" record --redis "$R" --stream s -o "$TMP/lim/rec.jsonl" --count 11) 2>"$TMP/lim.err"
is "$?" 1 "record -o FILE that cannot grow: exit 1"
one_line "$TMP/lim.err" "^execmon: record: .*/lim/rec.jsonl: File too large$"
ok $? "naming the path and the cause"
grep -q "^execmon: 0 events, " "$TMP/lim.err"
ok $? "the summary counts no event written (the file is not replaced)"
(ulimit -f 1; exec "$EXECMON" snapshot --replay "$TMP/big.jsonl" -o "$TMP/lim/snap.json") 2>"$TMP/lim2.err"
is "$?" 1 "snapshot -o FILE that cannot grow: exit 1"
one_line "$TMP/lim2.err" "^execmon: snapshot: .*/lim/snap.json: File too large$"
ok $? "naming the path and the cause"
is "$(cat "$TMP/lim/rec.jsonl"):$(cat "$TMP/lim/snap.json"):$(ls "$TMP/lim" | wc -l)" "old:old:2" \
	"the files already there are untouched, no temporary file left"

"$EXECMON" --help >/dev/full 2>"$TMP/help.err"
is "$?" 1 "--help >/dev/full: exit 1 (was 0)"
one_line "$TMP/help.err" "^execmon: stdout: No space left on device$"
ok $? "saying so"

"$EXECMON" runs --redis "$R" --stream s >&- 2>"$TMP/closedfd.err"
is "$?" 1 "runs with stdout closed: exit 1, no crash"
one_line "$TMP/closedfd.err" "^execmon: runs: stdout: Bad file descriptor$"
ok $? "saying so"
"$EXECMON" record --redis "$R" --stream s -o - --count 2 >&- 2>"$TMP/closedfd2.err"
is "$?" 1 "record -o - with stdout closed: exit 1, no crash"
one_line "$TMP/closedfd2.err" "^execmon: record: stdout: Bad file descriptor$"
ok $? "saying so"

echo old >"$TMP/keep.jsonl"
mkfifo "$TMP/out.fifo"
timeout 20 "$EXECMON" record --redis "$R" --stream s -o "$TMP/out.fifo" --count 1 2>"$TMP/ofifo.err"
is "$?" 1 "record -o FIFO: refused at once, not blocked waiting for a reader"
one_line "$TMP/ofifo.err" "out.fifo: not a regular file"
ok $? "saying so"
mkdir "$TMP/outdir"
"$EXECMON" snapshot --redis "$R" --stream s -o "$TMP/outdir" 2>"$TMP/odir.err"
is "$?" 1 "snapshot -o DIRECTORY: refused"
one_line "$TMP/odir.err" "outdir: is a directory$"
ok $? "saying so"

# --- 7: input files that are not regular files --------------------------------------
mkfifo "$TMP/fifo"
mkdir -p "$TMP/dir" "$TMP/xdg-fifo/execmon" "$TMP/xdg-themes/execmon/themes"
mkfifo "$TMP/xdg-fifo/execmon/config" "$TMP/xdg-themes/execmon/themes/odd.theme"
timeout 20 "$EXECMON" runs --config "$TMP/fifo" 2>"$TMP/cfifo.err"
is "$?" 2 "--config FIFO: a usage error at once, not a hang"
one_line "$TMP/cfifo.err" "^execmon: config .*/fifo: not a regular file \(a FIFO\)$"
ok $? "saying what it is"
[ "$(lines "$TMP/cfifo.err")" -eq 1 ]
ok $? "in one line"
timeout 20 "$EXECMON" runs --config "$TMP/dir" 2>"$TMP/cdir.err"
is "$?" 2 "--config DIRECTORY: refused"
one_line "$TMP/cdir.err" "^execmon: config .*/dir: is a directory$"
ok $? "saying so"
timeout 20 "$EXECMON" runs --config /dev/zero 2>"$TMP/czero.err"
is "$?" 2 "--config /dev/zero: refused, not read for ever"
one_line "$TMP/czero.err" "not a regular file \(a character device\)$"
ok $? "saying so"
XDG_CONFIG_HOME="$TMP/xdg-fifo" timeout 20 "$EXECMON" runs --redis "$R" --stream s 2>"$TMP/xfifo.err"
is "$?" 2 "the default config path holding a FIFO: refused, not a hang"
one_line "$TMP/xfifo.err" "^execmon: config .*/execmon/config: not a regular file \(a FIFO\)$"
ok $? "saying so"
timeout 20 "$EXECMON" runs --ws wss://127.0.0.1:1/ --ws-ca "$TMP/fifo" 2>"$TMP/ca.err"
is "$?" 2 "--ws-ca FIFO: refused before the TLS library opens it"
one_line "$TMP/ca.err" "^execmon: --ws-ca .*fifo.*: not a regular file \(a FIFO\)$"
ok $? "saying so"

# a replay still reads from a pipe, stdin and a FIFO; not from a directory
cat "$TMP/big.jsonl" | "$EXECMON" runs --replay - --limit 3 >"$TMP/rp1" 2>/dev/null
is "$?:$(lines "$TMP/rp1")" "0:4" "--replay - reads a pipe on stdin"
mkfifo "$TMP/replay.fifo"
"$EXECMON" runs --replay "$TMP/replay.fifo" --limit 3 >"$TMP/rp2" 2>/dev/null &
rpid=$!
BG_PIDS="$BG_PIDS $rpid"
cat "$TMP/big.jsonl" >"$TMP/replay.fifo"
wait "$rpid"
is "$?:$(lines "$TMP/rp2")" "0:4" "--replay FIFO reads what its writer sends"
"$EXECMON" runs --replay "$TMP/dir" 2>"$TMP/rpdir.err"
is "$?" 1 "--replay DIRECTORY: refused"
one_line "$TMP/rpdir.err" "is a directory$"
ok $? "saying so"

# --theme: the dashboard, on a terminal
tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
tui_run TF 80 24 --redis "$R" --stream s --theme "$TMP/fifo"
tui_run TD 80 24 --redis "$R" --stream s --theme "$TMP/dir"
tui_run TN 80 24 XDG_CONFIG_HOME="$TMP/xdg-themes" --redis "$R" --stream s --theme odd
tui_run SF 80 24 --redis "$R" --stream s --stats "$TMP/fifo"
tui_run SD 80 24 --redis "$R" --stream s --stats /dev/full
wait_for 20 test -s "$TMP/TF.exit"
is "$(cat "$TMP/TF.exit" 2>/dev/null)" EXIT=2 "--theme FIFO: exits 2 at once, not a hang"
[ "$(lines "$TMP/TF.err")" -eq 1 ] &&
	one_line "$TMP/TF.err" "^execmon: --theme: .*/fifo: not a regular file \(a FIFO\)$"
ok $? "with one line naming the file and what it is"
wait_for 20 test -s "$TMP/TD.exit"
is "$(cat "$TMP/TD.exit" 2>/dev/null)" EXIT=2 "--theme DIRECTORY: exits 2 (was taken silently)"
one_line "$TMP/TD.err" "^execmon: --theme: .*/dir: is a directory$"
ok $? "saying so"
wait_for 20 test -s "$TMP/TN.exit"
is "$(cat "$TMP/TN.exit" 2>/dev/null)" EXIT=2 "a theme found by name that is a FIFO: exits 2"
one_line "$TMP/TN.err" "odd.theme: not a regular file \(a FIFO\)$"
ok $? "naming the file it found"

wait_for 20 test -s "$TMP/SF.exit"
is "$(cat "$TMP/SF.exit" 2>/dev/null)" EXIT=1 "--stats FIFO: refused at once, not blocked waiting for a reader"
one_line "$TMP/SF.err" "^execmon: --stats .*/fifo: not a regular file \(a FIFO\)$"
ok $? "saying so"
tui_wait SD 10 "runs|Runs|RUNS" >/dev/null
tui_keys SD q
wait_for 20 test -s "$TMP/SD.exit"
is "$(cat "$TMP/SD.exit" 2>/dev/null)" EXIT=1 "--stats /dev/full: the dashboard's exit status is 1"
one_line "$TMP/SD.err" "^execmon: --stats /dev/full: No space left on device$"
ok $? "and it says why, once the terminal is back"

done_testing
