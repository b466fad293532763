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
vg unreachable 1 record --redis "redis://127.0.0.1:$(free_port)" -o - --connect-timeout 1s
vg usage 2 record --window soon -o -

done_testing
