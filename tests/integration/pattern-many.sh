#!/usr/bin/env bash
# pattern-many: --stream 'x:*' over thousands of streams, with the default
# --connect-timeout. On a Redis Cluster of three masters each stream is read
# on a connection of its own: every stream and every entry is counted, none
# is cut by the connect timeout meant for the sources named. A master that
# refuses most of those connections (maxclients): the streams not read are
# given up once none makes progress, and said so (their state, the
# pattern's, stderr), never a quiet short count. One server (no cluster):
# the same thousands of streams on one connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster-lib.sh"

N=3000
# One connection per stream, and as many on the masters' side.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((N + 1000)) ]; then
	echo "1..0 # SKIP $N streams need $((N + 1000)) descriptors; ulimit -n is $(ulimit -n)"
	exit 0
fi

# sources FILE: "key state events" for each source of a snapshot, sorted
sources() {
	python3 -c '
import json,sys
for s in json.load(open(sys.argv[1]))["sources"]:
    print(s["address"].rsplit("/",1)[1], s["state"], s["events"])' "$1" | sort
}

# read_whole NAME LABEL: the snapshot $TMP/NAME.json read each of the $N
# streams to the end and counted each of the $want entries once, and
# $TMP/NAME.err's summary says so; $TMP/NAME.src is left for more checks.
read_whole() {
	sources "$TMP/$1.json" >"$TMP/$1.src"
	is "$(grep -c '^x:[0-9]* done ' "$TMP/$1.src")" "$N" "${2}every stream is read to the end"
	is "$(awk '$1 != "x:*" { n += $3 } END { print n }' "$TMP/$1.src")" "$want" \
		"${2}every entry is counted once"
	grep -q "^execmon: $want events," "$TMP/$1.err"
	ok $? "${2}the summary counts $want events"
}

cluster_make 3 0
ok $? "redis-cli --cluster create made three masters"
wait_for 30 cluster_healthy
ok $? "every node says cluster_state:ok"
P1=$REDIS_PORT_n1
want=$(cluster_fill "$P1" x: "$N" 7)
ok $? "$N streams written to their masters ($want entries)"
is "$(for i in 1 2 3; do eval "redis-cli -p \$REDIS_PORT_n$i DBSIZE"; done | awk '{ n += $1 } END { print n }')" \
	"$N" "the masters hold $N keys between them"

# --- every stream, every entry, with the default connect timeout
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream 'x:*' \
	-o "$TMP/snap.json" 2>"$TMP/snap.err"
is "$?" 0 "snapshot --stream 'x:*' over $N streams on three masters"
read_whole snap ""
is "$(awk '$1 == "x:*" { print $2 }' "$TMP/snap.src")" "done" "the pattern is done"
! grep -q -E "unreachable|not read" "$TMP/snap.err"
ok $? "no stream is said to be left out"

# --- a master refuses all but a few connections: the rest are given up, and said so
P3=$REDIS_PORT_n3
redis-cli -p "$P3" CONFIG SET maxclients 40 >/dev/null
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream 'x:*' --connect-timeout 2s \
	-o "$TMP/cut.json" 2>"$TMP/cut.err"
is "$?" 0 "snapshot with a master that refuses most connections ends (with what was read)"
redis-cli -p "$P3" CONFIG SET maxclients 10000 >/dev/null
sources "$TMP/cut.json" >"$TMP/cut.src"
cut=$(grep -c '^x:[0-9]* error ' "$TMP/cut.src")
read=$(grep -c '^x:[0-9]* done ' "$TMP/cut.src")
[ "$cut" -gt 0 ] && [ $((cut + read)) = "$N" ]
ok $? "each stream is either read ($read) or in the error state ($cut)"
grep -q "x:\*: $cut of $N streams not read to the end (no progress in 2.0 s); going on without them" \
	"$TMP/cut.err"
ok $? "stderr says how many streams were not read"
check "the pattern is in error and says how many" python3 -c '
import json,sys
snap=json.load(open(sys.argv[1]))
pat=[s for s in snap["sources"] if s["address"].endswith("/x:*")]
assert len(pat) == 1 and pat[0]["state"] == "error", pat
assert pat[0]["error"].startswith("%s of %s streams not read to the end" % (sys.argv[2], sys.argv[3])), pat
bad=[s for s in snap["sources"] if s["state"] == "error" and not s["address"].endswith("/x:*")]
assert all(s["error"].startswith("not read to the end: no progress in 2.0 s") for s in bad), bad[:3]
' "$TMP/cut.json" "$cut" "$N"
check "the streams read were read whole, on every master" python3 -c '
import json,subprocess,sys
snap=json.load(open(sys.argv[1]))
n=int(sys.argv[2])
for s in snap["sources"]:
    k=s["address"].rsplit("/",1)[1]
    if k == "x:*" or s["state"] != "done":
        continue
    want=2 if int(k[2:]) % 7 == 0 else 1
    assert s["events"] == want, (k, s["events"], want)
' "$TMP/cut.json" "$N"

# --- one server, no cluster: the same streams on one connection
start_redis one || exit 1
PO=$REDIS_PORT_one
python3 -c '
import sys
for i in range(1, int(sys.argv[1]) + 1):
    for n in range(2 if i % 7 == 0 else 1):
        a=["XADD","x:%d" % i,"*","type","log","run_id","x:%d" % i,"message","m%d" % n]
        sys.stdout.write("*%d\r\n" % len(a) + "".join("$%d\r\n%s\r\n" % (len(x), x) for x in a))
' "$N" | redis-cli -p "$PO" --pipe >/dev/null
is "$(redis-cli -p "$PO" DBSIZE)" "$N" "one server holds $N streams"
"$EXECMON" snapshot --redis "redis://127.0.0.1:$PO" --stream 'x:*' \
	-o "$TMP/one.json" 2>"$TMP/one.err"
is "$?" 0 "snapshot --stream 'x:*' over $N streams on one server"
read_whole one "one server: "

done_testing
