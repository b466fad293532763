#!/usr/bin/env bash
# Secrets and files: a Redis password never shows (stderr, record, snapshot,
# tables, --help, ps); a config file holding one warns when others can read
# it; -o is atomic, never follows a symlink, refuses what is not a regular
# file, and "-" is stdout.
. "$(dirname "$0")/lib.sh"

PW=Pa55-s3cret-word
start_redis s --requirepass "$PW" || exit 1
P=$REDIS_PORT_s
rcli() { redis-cli -p "$P" -a "$PW" --no-auth-warning "$@" >/dev/null; }
for i in 1 2 3; do
	rcli XADD ev '*' type run.started run_id "r$i" agent_name a
	rcli XADD ev '*' type run.failed run_id "r$i" error_class Boom \
		error_message "auth to redis://:$PW@elsewhere failed"
done
N=6
URL="redis://:$PW@127.0.0.1:$P"

# nopw DESCRIPTION FILE...: the password is in none of the files
nopw() {
	local d=$1
	shift
	if grep -l -- "$PW" "$@" >"$TMP/found" 2>/dev/null; then
		ok 1 "$d"
		sed 's/^/#   found in /' "$TMP/found"
	else
		ok 0 "$d"
	fi
}

# --- a password in the URL
"$EXECMON" record --redis "$URL" --stream ev -o "$TMP/rec.jsonl" --count "$N" \
	2>"$TMP/rec.err"
is "$?" 0 "record with the password in the URL authenticates and exits 0"
is "$(lines "$TMP/rec.jsonl")" "$N" "and records every entry"
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    s = json.loads(l)["_source"]
    assert s == "redis://:***@127.0.0.1:%s/0/ev" % sys.argv[2], s' "$TMP/rec.jsonl" "$P"
ok $? "record: _source is redis://:***@127.0.0.1:$P/0/ev"
# The feed's own text may hold anything; only execmon's must not.
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    o.pop("error_message", None)
    assert sys.argv[2] not in json.dumps(o)' "$TMP/rec.jsonl" "$PW"
ok $? "record: the password appears nowhere execmon wrote it"
nopw "record: not on stderr" "$TMP/rec.err"

"$EXECMON" snapshot --redis "$URL" --stream ev -o "$TMP/snap.json" 2>"$TMP/snap.err"
is "$?" 0 "snapshot with the password in the URL exits 0"
python3 -c '
import json, sys
snap = json.load(open(sys.argv[1]))
addr = [s["address"] for s in snap["sources"]]
assert addr == ["redis://:***@127.0.0.1:%s/0/ev" % sys.argv[2]], addr
for r in snap["runs"]:
    r.pop("errorSummary", None)
    r.pop("errorMessage", None)
for e in snap["topErrors"]:  # the feed text, folded and as sent
    e.pop("message", None)
    e.pop("example", None)
assert sys.argv[3] not in json.dumps(snap)' "$TMP/snap.json" "$P" "$PW"
ok $? "snapshot: sources[].address is masked, the password is nowhere else"
nopw "snapshot: not on stderr" "$TMP/snap.err"

"$EXECMON" runs --redis "$URL" --stream ev >"$TMP/runs.out" 2>"$TMP/runs.err"
is "$?" 0 "runs with the password in the URL exits 0"
"$EXECMON" events r1 --redis "$URL" --stream ev --format json >"$TMP/events.out" 2>"$TMP/events.err"
is "$?" 0 "events with the password in the URL exits 0"
grep -q '"_source": "redis://:\*\*\*@' "$TMP/events.out"
ok $? "events --format json: _source is masked"
nopw "runs and events: not on stderr" "$TMP/runs.err" "$TMP/events.err"

# A wrong password: the error names the server, never either password.
"$EXECMON" record --redis "redis://:wrong-$PW@127.0.0.1:$P" --stream ev -o - \
	--connect-timeout 2s >"$TMP/wrong.out" 2>"$TMP/wrong.err"
is "$?" 1 "a wrong password: exit 1"
grep -q "127.0.0.1:$P" "$TMP/wrong.err"
ok $? "the error names the server"
nopw "the error shows no password" "$TMP/wrong.err" "$TMP/wrong.out"

# Other users see the process's command line: the password is overwritten.
"$EXECMON" record --redis "$URL" --stream ev -o /dev/null >/dev/null 2>&1 &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_for 5 grep -q '\*\*\*' "/proc/$pid/cmdline"
tr '\0' ' ' <"/proc/$pid/cmdline" >"$TMP/cmdline"
kill "$pid"
wait "$pid"
nopw "ps: the password in --redis is overwritten once read" "$TMP/cmdline"
grep -q "redis://:\*\+@127.0.0.1:$P" "$TMP/cmdline"
ok $? "ps: the URL is still there, the password starred out"

# --- a password from the environment
EXECMON_REDIS_PASSWORD=$PW "$EXECMON" record --redis "redis://127.0.0.1:$P" --stream ev \
	-o "$TMP/env.jsonl" --count "$N" 2>"$TMP/env.err"
is "$?" 0 "EXECMON_REDIS_PASSWORD authenticates"
grep -q '"_source":"redis://:\*\*\*@127.0.0.1' "$TMP/env.jsonl"
ok $? "record: _source shows that a password is in use, masked"
nopw "EXECMON_REDIS_PASSWORD: not on stderr" "$TMP/env.err"
EXECMON_REDIS_PASSWORD=$PW "$EXECMON" snapshot --redis "redis://127.0.0.1:$P" --stream ev \
	-o - >"$TMP/env-snap.json" 2>"$TMP/env-snap.err"
python3 -c '
import json, sys
snap = json.load(open(sys.argv[1]))
assert all(sys.argv[2] not in s["address"] for s in snap["sources"])' "$TMP/env-snap.json" "$PW"
ok $? "EXECMON_REDIS_PASSWORD: not in the snapshot's sources"

# --- --help never prints what the environment or argv holds
for c in "" record snapshot runs events; do
	EXECMON_REDIS_PASSWORD=$PW EXECMON_REDIS_URL=$URL \
		"$EXECMON" $c --redis "$URL" --help >"$TMP/help.out" 2>&1
	nopw "execmon $c --help shows no password" "$TMP/help.out"
done

# --- the config file
mkdir -p "$TMP/cfg/execmon"
cfg=$TMP/cfg/execmon/config
printf 'redis = %s\nstream = ev\n' "$URL" >"$cfg"
chmod 644 "$cfg"
XDG_CONFIG_HOME="$TMP/cfg" "$EXECMON" runs >/dev/null 2>"$TMP/cfg.err"
is "$?" 0 "a password in the config file authenticates"
grep -q "config $cfg holds a password and is readable by others" "$TMP/cfg.err"
ok $? "a config file with a password, mode 0644: a warning names it"
nopw "the warning shows no password" "$TMP/cfg.err"
chmod 640 "$cfg"
XDG_CONFIG_HOME="$TMP/cfg" "$EXECMON" runs >/dev/null 2>"$TMP/cfg.err"
grep -q "readable by others" "$TMP/cfg.err"
ok $? "mode 0640 (the group can read it): warned too"
chmod 600 "$cfg"
XDG_CONFIG_HOME="$TMP/cfg" "$EXECMON" runs >/dev/null 2>"$TMP/cfg.err"
grep -q "readable by others" "$TMP/cfg.err"
is "$?" 1 "mode 0600: no warning"
printf 'redis = redis://127.0.0.1:%s\nstream = ev\n' "$P" >"$cfg"
chmod 644 "$cfg"
EXECMON_REDIS_PASSWORD=$PW XDG_CONFIG_HOME="$TMP/cfg" "$EXECMON" runs >/dev/null 2>"$TMP/cfg.err"
grep -q "readable by others" "$TMP/cfg.err"
is "$?" 1 "a readable config file without a password: no warning"

# --- -o: atomic, no symlinks, regular files only, - is stdout
R=(--redis "$URL" --stream ev)
dead=(--redis "redis://127.0.0.1:$(free_port)" --connect-timeout 1s)
mkdir -p "$TMP/o"
for cmd in snapshot record; do
	extra=()
	[ "$cmd" = record ] && extra=(--count "$N")
	echo precious >"$TMP/o/keep"
	"$EXECMON" "$cmd" "${dead[@]}" -o "$TMP/o/keep" >/dev/null 2>&1
	is "$?" 1 "$cmd -o: no source reachable, exit 1"
	is "$(cat "$TMP/o/keep")" precious "$cmd -o: the file already there is left as it was"
	is "$(ls "$TMP/o")" keep "$cmd -o: no temporary file is left behind"
	"$EXECMON" "$cmd" "${dead[@]}" -o "$TMP/o/new" >/dev/null 2>&1
	[ ! -e "$TMP/o/new" ]
	ok $? "$cmd -o: a failed run creates no file"

	echo target >"$TMP/o/target"
	ln -sf "$TMP/o/target" "$TMP/o/link"
	"$EXECMON" "$cmd" "${R[@]}" "${extra[@]}" -o "$TMP/o/link" >/dev/null 2>"$TMP/o.err"
	is "$?" 1 "$cmd -o: refuses a symbolic link"
	is "$(cat "$TMP/o/target")" target "$cmd -o: the link's target is untouched"
	[ -L "$TMP/o/link" ]
	ok $? "$cmd -o: the link itself is still there"
	ln -sf "$TMP/o/nowhere" "$TMP/o/dangling"
	"$EXECMON" "$cmd" "${R[@]}" "${extra[@]}" -o "$TMP/o/dangling" >/dev/null 2>&1
	is "$?" 1 "$cmd -o: refuses a dangling symbolic link"
	[ ! -e "$TMP/o/nowhere" ]
	ok $? "$cmd -o: and creates nothing where it points"
	rm -f "$TMP/o/link" "$TMP/o/dangling" "$TMP/o/target"

	mkdir "$TMP/o/dir"
	"$EXECMON" "$cmd" "${R[@]}" "${extra[@]}" -o "$TMP/o/dir" >/dev/null 2>"$TMP/o.err"
	is "$?" 1 "$cmd -o: refuses a directory"
	grep -q ": is a directory$" "$TMP/o.err"
	ok $? "$cmd -o: and says why"
	rmdir "$TMP/o/dir"
	mkfifo "$TMP/o/fifo"
	timeout 10 "$EXECMON" "$cmd" "${R[@]}" "${extra[@]}" -o "$TMP/o/fifo" >/dev/null 2>"$TMP/o.err"
	is "$?" 1 "$cmd -o: refuses a fifo (without blocking on it)"
	rm -f "$TMP/o/fifo"

	"$EXECMON" "$cmd" "${R[@]}" "${extra[@]}" -o /dev/null >/dev/null 2>&1
	is "$?" 0 "$cmd -o /dev/null: a character device is written"
	"$EXECMON" "$cmd" "${R[@]}" "${extra[@]}" -o - >"$TMP/o.stdout" 2>/dev/null
	is "$?" 0 "$cmd -o -: exits 0"
	python3 -c '
import json, sys
text = open(sys.argv[1]).read()
if sys.argv[2] == "record":
    assert len([json.loads(l) for l in text.splitlines()]) == int(sys.argv[3])
else:
    assert "sources" in json.loads(text)' "$TMP/o.stdout" "$cmd" "$N"
	ok $? "$cmd -o -: the output goes to stdout"
	[ ! -e ./- ]
	ok $? "$cmd -o -: no file named -"
	rm -f "$TMP/o/keep"
done

done_testing
