#!/usr/bin/env bash
# The command line: help, version, usage errors (exit 2), runtime failures (exit 1).
. "$(dirname "$0")/lib.sh"

"$EXECMON" --help >"$TMP/out" 2>&1
is "$?" 0 "--help exits 0"
for w in --redis --stream --replay --window --now --filter snapshot runs events record; do
	grep -q -- "$w" "$TMP/out"
	ok $? "--help mentions $w"
done
for c in record events snapshot runs; do
	"$EXECMON" "$c" --help >"$TMP/out" 2>&1
	is "$?" 0 "$c --help exits 0"
	grep -q "Usage: execmon $c" "$TMP/out"
	ok $? "$c --help shows its usage"
done
"$EXECMON" --version | grep -q '^execmon [0-9]'
ok $? "--version prints the version"

usage() { # usage DESCRIPTION PATTERN ARGS...
	local d=$1 pat=$2
	shift 2
	"$EXECMON" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	is "$rc" 2 "$d: exit 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^execmon: .*$pat" "$TMP/err"
	ok $? "$d: one line naming the cause"
}
usage "unknown option" "unknown option '--bogus'" record --bogus -o -
usage "unknown command" "unknown command 'frobnicate'" frobnicate
usage "bad window" "--window 'soon'" record -o - --window soon
usage "bad now" "--now 'yesterday'" record -o - --now yesterday
usage "bad count" "--count '-3'" record -o - --count -3
usage "missing value" "needs a value" record -o
usage "record without -o" "missing -o" record
usage "events without a run id" "missing RUN_ID" events
usage "bad redis URL" "--redis: unknown scheme" record -o - --redis http://x
usage "bad port" "bad port" record -o - --redis redis://127.0.0.1:99999
usage "bad format" "want table or json" events x --format xml
usage "control bytes never echoed raw" "unknown option" record $'--\e]0;pwned\a' -o -
if grep -q $'\e' "$TMP/err"; then ok 1 "escape sequence in an argument is not echoed"; else ok 0 "escape sequence in an argument is not echoed"; fi

# A password never appears in what execmon prints.
port=$(free_port)
"$EXECMON" record -o - --redis "redis://:s3cretpw@127.0.0.1:$port" --connect-timeout 1s \
	>"$TMP/out" 2>"$TMP/err"
is "$?" 1 "unreachable Redis: exit 1 after --connect-timeout"
grep -q "^execmon: redis://:\*\*\*@127.0.0.1:$port/0/execmon:events: Connection refused" "$TMP/err"
ok $? "one line names the Redis and the cause"
grep -q s3cretpw "$TMP/err" "$TMP/out"
is "$?" 1 "the password is masked"
EXECMON_REDIS_PASSWORD=envpw "$EXECMON" record -o - --redis "redis://127.0.0.1:$port" \
	--connect-timeout 1s >"$TMP/out" 2>"$TMP/err"
grep -q envpw "$TMP/err" "$TMP/out"
is "$?" 1 "a password from the environment is never shown"

# Config file: flags win over it, it wins over the environment.
mkdir -p "$TMP/cfg/execmon"
printf '# test\nwindow = 2h\nstream = from-config\nconnect-timeout = 1s\nbogus-key = 1\n' >"$TMP/cfg/execmon/config"
XDG_CONFIG_HOME="$TMP/cfg" "$EXECMON" record -o - 2>"$TMP/err"
is "$?" 2 "unknown config setting is a usage error"
grep -q "config .*:5: unknown setting 'bogus-key'" "$TMP/err"
ok $? "naming the file and line"
printf 'window = 2h\nconnect-timeout = 1s\nredis = redis://127.0.0.1:%s\n' "$port" >"$TMP/cfg/execmon/config"
XDG_CONFIG_HOME="$TMP/cfg" EXECMON_REDIS_URL=redis://127.0.0.2:1 "$EXECMON" record -o - 2>"$TMP/err"
grep -q "127.0.0.1:$port" "$TMP/err"
ok $? "config file wins over the environment"
XDG_CONFIG_HOME="$TMP/cfg" "$EXECMON" record -o - --redis "redis://127.0.0.1:$(free_port)" 2>"$TMP/err"
grep -vq "127.0.0.1:$port" "$TMP/err"
ok $? "a flag wins over the config file"

# The man page documents every key of the key table (--help prints the table).
man="$SRCDIR/doc/execmon.1"
[ -f "$man" ] || man="$(dirname "$0")/../../doc/execmon.1"
missing=""
for k in $("$EXECMON" --help | sed -n '/^Keys in the dashboard:/,/^$/p' | sed -n 's/^  \([^ ,]*\).*/\1/p'); do
	case "$k" in
	-) pat='\\-' ;;
	*) pat=$(printf '%s' "$k" | sed 's/[][\.*^$/]/\\&/g') ;;
	esac
	grep -q -- "$pat" "$man" || missing="$missing $k"
done
is "$missing" "" "the man page lists every key of the key table"

# Every option some --help shows is in the man page (the options table makes
# both the getopt table and --help; tests/unit/test-cli checks it entry by
# entry), and every option the man page's OPTIONS names is in some --help.
for c in "" snapshot runs errors events record alerts; do "$EXECMON" $c --help; done >"$TMP/help"
missing=""
for o in $(grep -o -- '--[a-z][a-z-]*' "$TMP/help" | sort -u); do
	pat=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
	grep -q -- "$pat" "$man" || missing="$missing $o"
done
is "$missing" "" "the man page documents every option --help shows"
unknown=""
for o in $(sed -n '/^\.SH OPTIONS/,/^\.SH KEYS/p' "$man" | grep -o -- '^\.B[IR]* \\-\\-[a-z\\-]*' |
	sed 's/^\.B[IR]* //; s/\\-/-/g' | sort -u); do
	grep -Eq -- "$o([^a-z-]|\$)" "$TMP/help" || unknown="$unknown $o"
done
is "$unknown" "" "every option of the man page's OPTIONS is in some --help"

done_testing
