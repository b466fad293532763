#!/usr/bin/env bash
# Each headless command once under valgrind, against a real redis-server with
# a small execmon-gen workload: no memory errors, no definite leaks.
# Needs a build without sanitizers: EXECMON=build-valgrind/execmon
# EXECMON_GEN=build-valgrind/execmon-gen tests/valgrind.sh (scripts/check
# builds that copy and runs this when valgrind is installed).
. "$(dirname "$0")/integration/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
if ldd "$EXECMON" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "Bail out! $EXECMON is a sanitizer build: valgrind needs one without"
	exit 1
fi

start_redis v || exit 1
P=$REDIS_PORT_v
S=(--redis "redis://127.0.0.1:$P" --stream v)
now=$(($(date +%s) * 1000))
"$EXECMON_GEN" --redis "redis://127.0.0.1:$P" --stream v --start-ts $((now - 1200000)) \
	--runs 40 --seed 3 --malformed 0.05 --hostile 0.2 >/dev/null 2>"$TMP/gen.err"
ok $? "execmon-gen writes a workload ($(cat "$TMP/gen.err"))"

# vg NAME WANT_STATUS ARGS...: execmon under valgrind; the log is $TMP/NAME.vg
vg() {
	local name=$1 want=$2 rc
	shift 2
	timeout -k 5 600 valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--track-fds=no --log-file="$TMP/$name.vg" \
		"$EXECMON" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	is "$rc" "$want" "$name: exit status under valgrind"
	if [ "$rc" -ne "$want" ]; then tail -5 "$TMP/$name.err" | sed 's/^/#   /'; fi
	if [ ! -e "$TMP/$name.vg" ] || [ -s "$TMP/$name.vg" ]; then
		ok 1 "$name: no memory error, no definite leak"
		head -40 "$TMP/$name.vg" | sed 's/^/#   /'
	else
		ok 0 "$name: no memory error, no definite leak"
	fi
}

vg record 0 record "${S[@]}" -o "$TMP/rec.jsonl" --count 100
is "$(lines "$TMP/rec.jsonl")" 100 "record: 100 events written"
run=$(python3 -c '
import json, sys
print(next(e["run_id"] for e in map(json.loads, open(sys.argv[1])) if "run_id" in e))' \
	"$TMP/rec.jsonl")
vg events 0 events "$run" "${S[@]}"
[ "$(wc -l <"$TMP/events.out")" -ge 2 ]
ok $? "events: the run's log is printed"
vg snapshot 0 snapshot "${S[@]}" -o "$TMP/snap.json"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))["sources"]' "$TMP/snap.json"
ok $? "snapshot: a JSON snapshot is written"
vg runs 0 runs "${S[@]}" --limit 20
grep -q STATUS "$TMP/runs.out"
ok $? "runs: the table is printed"
vg replay 0 snapshot --replay "$TMP/rec.jsonl" -o /dev/null
# The OTLP receiver: execmon-gen's spans over HTTP while it listens, and a
# bad request (a request that the receiver refuses is freed as well).
OP=$(free_port)
(wait_for 30 grep -q listening "$TMP/otlp.err"; "$EXECMON_GEN" otlp --url "http://127.0.0.1:$OP/v1/traces" --format proto --gzip \
	--runs 10 >/dev/null 2>&1; "$EXECMON_GEN" otlp --url "http://127.0.0.1:$OP/v1/traces" \
	--runs 5 --seed 2 >/dev/null 2>&1; printf 'POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{x]' |
	timeout 5 python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read()); s.recv(100)' "$OP") &
BG_PIDS="$BG_PIDS $!"
rm -f "$TMP/otlp.err"
vg otlp 0 snapshot --otlp-listen "$OP" --duration 15s --window 1d -o "$TMP/otlp.json"
is "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["runs"]) >= 15)' "$TMP/otlp.json")" \
	True "otlp: the runs sent are in the snapshot"
vg unreachable 1 record --redis "redis://127.0.0.1:$(free_port)" -o - --connect-timeout 1s
vg usage 2 record --window soon -o -

done_testing
