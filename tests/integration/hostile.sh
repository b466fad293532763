#!/usr/bin/env bash
# Hostile input in a real Redis: escape sequences in every string field, wrong
# types, absurd numbers, oversized entries. Nothing reaches the terminal as a
# control, every bad entry is counted with its reason, no total moves, memory
# stays bounded, nothing crashes or hangs.
. "$(dirname "$0")/lib.sh"
HOSTILE="$(dirname "$0")/hostile.py"
# Freed memory is held back by AddressSanitizer; keep that small so the
# resident size measured is execmon's own.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
RSS_LIMIT_KB=$((200 * 1024))

start_redis h || exit 1
P=$REDIS_PORT_h
S=(--redis "redis://127.0.0.1:$P" --stream h:events --stream h:future --window 1h)

python3 "$HOSTILE" gen "$TMP"
redis-cli -p "$P" --pipe <"$TMP/cmds.resp" >"$TMP/pipe.out" 2>&1
grep -q "errors: 0" "$TMP/pipe.out"
ok $? "the hostile workload is in Redis"
expected=$TMP/expected.json

# xrun NAME CMD...: run with a time limit, keeping stdout, stderr, status and
# the peak resident size (kB) as $TMP/NAME.{out,err,rc,rss}.
xrun() {
	local name=$1 rc
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$TMP/$name.rss" timeout -k 5 120 "$@" \
			>"$TMP/$name.out" 2>"$TMP/$name.err"
		rc=$?
		# time(1) adds a line when the command failed: the size is last.
		tail -n 1 "$TMP/$name.rss" >"$TMP/$name.rss1" && mv "$TMP/$name.rss1" "$TMP/$name.rss"
	else
		python3 -c '
import resource, subprocess, sys
with open(sys.argv[2], "wb") as o, open(sys.argv[3], "wb") as e:
    rc = subprocess.call(sys.argv[4:], stdout=o, stderr=e)
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc if rc >= 0 else 128 - rc)' "$TMP/$name.rss" "$TMP/$name.out" "$TMP/$name.err" \
			timeout -k 5 120 "$@"
		rc=$?
	fi
	echo "$rc" >"$TMP/$name.rc"
	return "$rc"
}

survived() { # survived NAME: exit status 0, no crash, no hang, stderr clean
	local name=$1 rc
	rc=$(cat "$TMP/$name.rc")
	is "$rc" 0 "$name: exits 0 (124 = hung, 128+ = died on a signal)"
	if [ "$rc" -ne 0 ]; then sed 's/^/#   /' "$TMP/$name.err" | tail -5; fi
	python3 "$HOSTILE" clean "$TMP/$name.err" >"$TMP/clean.out"
	ok $? "$name: no control byte on stderr"
	sed 's/^/#   /' "$TMP/clean.out"
}

# --- record: valid JSON lines, malformed counted by reason, memory bounded
xrun record "$EXECMON" record "${S[@]}" -o "$TMP/rec.jsonl" --duration 5s
survived record
python3 "$HOSTILE" record "$TMP/rec.jsonl" "$expected" >"$TMP/check.out" 2>&1
ok $? "record: every line is a JSON object with type, ts, _source and _id, one per good entry"
sed 's/^/#   /' "$TMP/check.out"
python3 "$HOSTILE" summary "$TMP/record.err" "$expected" >"$TMP/check.out" 2>&1
ok $? "record: the summary counts the good entries and every malformed one by its reason"
sed 's/^/#   /' "$TMP/check.out"
rss=$(cat "$TMP/record.rss")
[ "$rss" -gt 0 ] && [ "$rss" -lt "$RSS_LIMIT_KB" ]
ok $? "record: peak memory ${rss} kB with a 10 MB field, 100k fields and 10k-deep JSON (limit $RSS_LIMIT_KB kB)"

# --- runs: a table with no control in it, to a pipe and to a terminal
xrun runs "$EXECMON" runs "${S[@]}" --limit 1000
survived runs
python3 "$HOSTILE" clean "$TMP/runs.out" >"$TMP/check.out"
ok $? "runs: the table holds no control, bidi or zero-width character"
sed 's/^/#   /' "$TMP/check.out"
is "$(grep -c 'run-' "$TMP/runs.out")" 14 "runs: all 14 hostile runs are listed"
grep -qF '\x1b[2J' "$TMP/runs.out" && grep -qF '\u202e' "$TMP/runs.out"
ok $? "runs: escape sequences and bidi overrides are shown as visible escapes"
python3 "$HOSTILE" pty "$TMP/runs-tty.out" "$EXECMON" runs "${S[@]}" --limit 1000
is "$?" 0 "runs on a terminal: exits 0"
python3 "$HOSTILE" clean "$TMP/runs-tty.out" >"$TMP/check.out"
ok $? "runs on a terminal: nothing but text reaches it"
sed 's/^/#   /' "$TMP/check.out"

# --- events: one hostile run's log, table and JSON
run0=$(cat "$TMP/run0.id")
xrun events "$EXECMON" events "$run0" "${S[@]}"
survived events
python3 "$HOSTILE" clean "$TMP/events.out" >"$TMP/check.out"
ok $? "events: the log table holds no control character"
sed 's/^/#   /' "$TMP/check.out"
[ "$(wc -l <"$TMP/events.out")" -ge 7 ]
ok $? "events: the run's events are listed ($(wc -l <"$TMP/events.out") lines)"
python3 "$HOSTILE" pty "$TMP/events-tty.out" "$EXECMON" events "$run0" "${S[@]}"
python3 "$HOSTILE" clean "$TMP/events-tty.out" >"$TMP/check.out"
ok $? "events on a terminal: nothing but text reaches it"
xrun events-json "$EXECMON" events "$run0" "${S[@]}" --format json
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]), parse_constant=lambda c: 1 / 0)
assert isinstance(a, list) and len(a) >= 7
assert all(e["run_id"].startswith("run-0-") for e in a)' "$TMP/events-json.out"
ok $? "events --format json: valid JSON, every event in it"

# --- JSON written to a terminal: valid JSON, and still nothing but text
for c in "snapshot -o -" "runs --format json" "events $run0 --format json" "record -o - --count 20"; do
	name=${c%% *}
	python3 "$HOSTILE" pty "$TMP/$name-json-tty.out" "$EXECMON" $c "${S[@]}"
	python3 "$HOSTILE" clean "$TMP/$name-json-tty.out" >"$TMP/check.out"
	ok $? "$name JSON on a terminal: no control, C1, bidi or zero-width character reaches it"
	sed 's/^/#   /' "$TMP/check.out"
done
python3 -c '
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
snap = json.loads(text[text.index("{"):text.rindex("}") + 1])
assert any("\x1b" in r["runId"] for r in snap["runs"])' "$TMP/snapshot-json-tty.out"
ok $? "snapshot JSON on a terminal: the escapes are JSON escapes, the text intact"

# --- snapshot: totals untouched by absurd numbers, malformed by reason
xrun snapshot "$EXECMON" snapshot "${S[@]}" -o "$TMP/snap.json"
survived snapshot
python3 "$HOSTILE" snapshot "$TMP/snap.json" "$expected" >"$TMP/check.out" 2>&1
ok $? "snapshot: totals are those of the good events alone, malformed counted by reason, no latency negative or absurd"
sed 's/^/#   /' "$TMP/check.out"

done_testing
