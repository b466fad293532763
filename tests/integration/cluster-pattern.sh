#!/usr/bin/env bash
# cluster-pattern: --stream 'wf:*' on a Redis Cluster of three masters made
# with redis-cli --cluster create. Discovery scans every master: each stream
# on any master is found and read once, from the master of its slot; a
# stream added on another master while execmon runs is picked up; keys of
# other types are ignored; a master that stops answering is reported and the
# streams followed from it are kept, and read on once it is back; a master
# added, and a replica promoted, are scanned by the next pass. The dashboard
# shows the pattern's state.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster-lib.sh"
. "$SRCDIR/tests/tui/lib.sh"

# A master alone may stop answering: the others go on serving their slots.
cluster_make 3 0 --cluster-require-full-coverage no
ok $? "redis-cli --cluster create made three masters"
wait_for 30 cluster_healthy
ok $? "every node says cluster_state:ok"
P1=$REDIS_PORT_n1 P2=$REDIS_PORT_n2 P3=$REDIS_PORT_n3
c() { timeout 5 redis-cli -c -p "$P1" "$@"; }
owner() { cluster_owner "$P1" "$1"; }
owned_by() { [ "$(owner "$1")" = "$2" ]; } # owned_by KEY PORT

# Two streams per master, and one more (added later) on a master that is not
# the one execmon is given.
declare -A per
STREAMS="" LATE=""
for t in a b c d e f g h i j k l m n o p q r s t u v w x y z; do
	o=$(owner "wf:{$t}")
	n=${per[$o]:-0}
	if [ "$n" -lt 2 ]; then
		per[$o]=$((n + 1))
		STREAMS="$STREAMS wf:{$t}"
	elif [ -z "$LATE" ] && [ "$o" != "$P1" ]; then
		LATE="wf:{$t}"
	fi
done
STREAMS=${STREAMS# }
[ "${per[$P1]}" = 2 ] && [ "${per[$P2]}" = 2 ] && [ "${per[$P3]}" = 2 ] && [ -n "$LATE" ]
ok $? "six streams, two on each master ($STREAMS), and $LATE for later"
n=0
for k in $STREAMS; do
	n=$((n + 1))
	for i in $(seq 1 $((n * 3))); do
		c XADD "$k" '*' type log run_id "$k" message "m$i" >/dev/null
	done
done
short=0
for p in $P1 $P2 $P3; do
	got=0
	for k in $STREAMS; do
		[ "$(owner "$k")" = "$p" ] || continue
		s=$(redis-cli -p "$p" CLUSTER KEYSLOT "$k")
		got=$((got + $(redis-cli -p "$p" CLUSTER COUNTKEYSINSLOT "$s")))
	done
	[ "$got" -ge 2 ] || short=1
done
ok "$short" "CLUSTER COUNTKEYSINSLOT: every master holds streams"
# Matching keys that are not streams, and a stream that does not match.
c SET 'wf:{a}:seq' 42 >/dev/null
c HSET 'wf:{b}:meta' owner x >/dev/null
c LPUSH 'wf:{c}:list' x >/dev/null
c XADD 'other:{a}' '*' type log run_id o message x >/dev/null

# truth: "key count" for every stream that matches wf:*, from the masters
truth() {
	for i in $(seq 1 "$CLUSTER_NODES"); do
		eval "p=\$REDIS_PORT_n$i"
		redis-cli -p "$p" ROLE 2>/dev/null | head -1 | grep -q '^master$' || continue
		redis-cli -p "$p" --scan --pattern 'wf:*' | while read -r k; do
			[ "$(redis-cli -p "$p" TYPE "$k")" = stream ] &&
				echo "$k $(redis-cli -p "$p" XLEN "$k")"
		done
	done | sort
}
truth >"$TMP/truth"
is "$(wc -l <"$TMP/truth")" 6 "ground truth: six streams match wf:*"

# --- snapshot: every stream of every master, once, from its master
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream 'wf:*' \
	-o "$TMP/snap.json" 2>"$TMP/snap.err"
is "$?" 0 "snapshot --stream 'wf:*' against one master"
check "snapshot: every stream once, every entry counted once, read from its master" \
	python3 -c '
import json,sys,subprocess
snap=json.load(open(sys.argv[1]))
truth={l.split()[0]: int(l.split()[1]) for l in open(sys.argv[2])}
src=[s for s in snap["sources"] if s["address"].rsplit("/",1)[1] != "wf:*"]
keys=[s["address"].rsplit("/",1)[1] for s in src]
assert sorted(keys) == sorted(truth), (keys, sorted(truth))
for s in src:
    k=s["address"].rsplit("/",1)[1]
    assert s["events"] == truth[k], (k, s["events"], truth[k])
    owner=subprocess.run(["bash","-c",". \"$0\"; cluster_owner \"$1\" \"$2\"",sys.argv[4],sys.argv[3],k],
        capture_output=True,text=True).stdout.strip()
    assert s["node"] == "127.0.0.1:"+owner, (k, s["node"], owner)
pat=[s for s in snap["sources"] if s["address"].endswith("/wf:*")]
assert len(pat) == 1 and pat[0]["state"] == "done" and pat[0]["error"] is None, pat
print(sum(truth.values()))' "$TMP/snap.json" "$TMP/truth" "$P1" "$SRCDIR/tests/integration/cluster-lib.sh"
check "snapshot: the totals agree with the ground truth" python3 -c '
import json,sys
snap=json.load(open(sys.argv[1]))
want=sum(int(l.split()[1]) for l in open(sys.argv[2]))
got=sum(s["events"] for s in snap["sources"] if not s["address"].endswith("/wf:*"))
assert got == want, (got, want)' "$TMP/snap.json" "$TMP/truth"
grep -q "a cluster of 3 masters" "$TMP/snap.err"
ok $? "the cluster is reported with its masters"
! grep -q -E 'seq|meta|list|other' "$TMP/snap.json"
ok $? "keys of other types, and streams that do not match, are not followed"

# A stream named by a plain --stream and matched by the pattern: read once.
PLAIN=${STREAMS%% *}
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream "$PLAIN" --stream 'wf:*' \
	-o "$TMP/both.json" 2>"$TMP/both.err"
is "$?" 0 "snapshot --stream '$PLAIN' --stream 'wf:*'"
check "... reads $PLAIN once, and every other stream" python3 -c '
import json,sys
snap=json.load(open(sys.argv[1]))
truth={l.split()[0]: int(l.split()[1]) for l in open(sys.argv[2])}
got={}
for s in snap["sources"]:
    k=s["address"].rsplit("/",1)[1]
    if k != "wf:*" and s["events"] > 0:
        got[k]=got.get(k,0)+s["events"]
assert got == truth, (got, truth)' "$TMP/both.json" "$TMP/truth"

# --- record: follow, a stream added later on another master, a master stopped
"$EXECMON" record --redis "redis://127.0.0.1:$P1" --stream 'wf:*' --discover-every 1s \
	--connect-timeout 2s -o - >"$TMP/rec.jsonl" 2>"$TMP/rec.err" &
rpid=$!
BG_PIDS="$BG_PIDS $rpid"
total=$(awk '{ n += $2 } END { print n }' "$TMP/truth")
wait_lines 30 "$TMP/rec.jsonl" "$total"
is "$(lines "$TMP/rec.jsonl")" "$total" "record: the backfill of every stream on every master"
for i in 1 2 3 4 5; do
	c XADD "$LATE" '*' type log run_id "$LATE" message "late$i" >/dev/null
done
wait_for 20 grep -q "new stream found by wf:\*" "$TMP/rec.err"
ok $? "$LATE, added on master $(owner "$LATE") while execmon runs, is found by the next pass"
wait_lines 20 "$TMP/rec.jsonl" $((total + 5))
got_ids() { # got_ids KEY: the _id of KEY's lines recorded, in order
	python3 -c 'import json,sys
print(" ".join(d["_id"] for d in map(json.loads, open(sys.argv[1])) if d["_source"].endswith("/"+sys.argv[2])))' "$TMP/rec.jsonl" "$1"
}
held_ids() { c XRANGE "$1" - + | awk '/^[0-9]+-[0-9]+$/' | tr '\n' ' ' | sed 's/ $//'; }
is "$(got_ids "$LATE")" "$(held_ids "$LATE")" "$LATE: every entry once, from the start"

# Stop a master (not the one given, nor $LATE's, which fails over later):
# discovery reports it and keeps its streams; a stream deleted on another
# master is dropped.
STOPPED=$P2
[ "$(owner "$LATE")" = "$P2" ] && STOPPED=$P3
for i in 1 2 3; do eval "[ \"\$REDIS_PORT_n$i\" = $STOPPED ] && spid=\$REDIS_PID_n$i"; done
DELETED=""
for k in $STREAMS; do [ "$(owner "$k")" = "$P1" ] && DELETED=$k; done
# The dashboard too, in a terminal: the pattern first in its header.
tui_init || exit 1
tui_run dash 240 30 --redis "redis://127.0.0.1:$P1" --stream 'wf:*' --discover-every 1s \
	--connect-timeout 2s --window 1h
tui_wait dash 30 '^ execmon ● wf:\* ● wf:\{'
ok $? "the dashboard's header: the pattern, live, and the streams it follows"
kill -STOP "$spid"
wait_for 30 grep -q "discovery: 1 of 3 masters not read (127.0.0.1:$STOPPED" "$TMP/rec.err"
ok $? "a master that stops answering is reported"
c DEL "$DELETED" >/dev/null
wait_for 30 grep -q "wf:\*: 6 streams, 1 gone" "$TMP/rec.err"
ok $? "$DELETED, deleted on a master that answers, is dropped"
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream 'wf:*' --connect-timeout 2s \
	-o "$TMP/stopped.json" 2>"$TMP/stopped.err"
is "$?" 0 "snapshot while a master does not answer ends"
check "... with the other masters' streams, and the pattern's error naming the master" \
	python3 -c '
import json,sys
snap=json.load(open(sys.argv[1]))
pat=[s for s in snap["sources"] if s["address"].endswith("/wf:*")][0]
assert pat["state"] == "error", pat
assert pat["error"].startswith("discovery: 1 of 3 masters not read (127.0.0.1:%s: " % sys.argv[2]), pat
nodes={s["node"] for s in snap["sources"] if not s["address"].endswith("/wf:*")}
assert nodes and "127.0.0.1:"+sys.argv[2] not in nodes, nodes' "$TMP/stopped.json" "$STOPPED"
tui_wait dash 30 "^ execmon ● 127.0.0.1:$P1/0/wf:\\* retrying in [0-9.]+s "
ok $? "... shows the pattern retrying while a master does not answer"
sleep 2 # more passes while the master is stopped
kill -CONT "$spid"
wait_for 30 cluster_healthy
ok $? "the stopped master is back"
wait_for 30 grep -q "discovery: all 3 masters read" "$TMP/rec.err"
ok $? "discovery says when every master is read again"
# (quiet, perhaps: nothing was added for a while)
tui_wait dash 30 '^ execmon ● wf:\* (quiet [0-9a-z]+ )?● '
ok $? "... and live again once it is back"
tui_cap dash | head -1 | grep -q -F "$DELETED"
is "$?" 1 "... its header without the stream deleted meanwhile"
tui_keys dash q
wait_for 10 test -e "$TMP/dash.exit"
is "$(cat "$TMP/dash.exit")" EXIT=0 "the dashboard quits cleanly"
! grep -q "gone" <(grep -v "6 streams, 1 gone" "$TMP/rec.err")
ok $? "no stream of the stopped master was dropped"

# A master added while execmon runs: the next pass reads the map again and
# scans it too.
cluster_add_node "" --cluster-require-full-coverage no
ok $? "a fourth master joins the cluster"
P4=$REDIS_PORT_n4
ADDED="wf:{added}"
cluster_give_slot "$(redis-cli -p "$P1" CLUSTER KEYSLOT "$ADDED")" "$P4"
ok $? "the slot of $ADDED is handed to it"
wait_for 30 owned_by "$ADDED" "$P4" &&
	wait_for 30 cluster_healthy
ok $? "every master agrees, and says cluster_state:ok"
for i in 1 2 3; do
	c XADD "$ADDED" '*' type log run_id "$ADDED" message "added$i" >/dev/null
done
is "$(redis-cli -p "$P4" XLEN "$ADDED")" 3 "$ADDED lives on the new master"
wait_for 30 grep -q -F "$ADDED: new stream found by wf:*" "$TMP/rec.err"
ok $? "$ADDED, on the master added, is found by a later pass"

# A master failed over while execmon runs: the next pass reads the map again
# and scans the replica promoted in its place.
FAILED=$(owner "$LATE")
cluster_add_node "$FAILED" --cluster-require-full-coverage no
ok $? "a replica of $FAILED joins and syncs"
R=$REDIS_PORT_n5
redis-cli -p "$FAILED" WAIT 1 5000 >/dev/null
for i in 1 2 3 4; do
	eval "[ \"\$REDIS_PORT_n$i\" = $FAILED ] && fpid=\$REDIS_PID_n$i DEAD=$i"
done
kill -9 "$fpid"
wait_for 30 owned_by "$LATE" "$R" &&
	wait_for 30 cluster_healthy
ok $? "$FAILED SIGKILLed, its replica $R is promoted"
PROMO=""
for t in $(seq 1 200); do
	[ "$(owner "wf:{p$t}")" = "$R" ] && { PROMO="wf:{p$t}"; break; }
done
for i in 1 2 3; do
	c XADD "$PROMO" '*' type log run_id "$PROMO" message "promo$i" >/dev/null
done
wait_for 30 grep -q -F "$PROMO: new stream found by wf:*" "$TMP/rec.err"
ok $? "$PROMO, on the promoted replica, is found by a later pass"

for k in $STREAMS $LATE $ADDED $PROMO; do
	[ "$k" = "$DELETED" ] && continue
	c XADD "$k" '*' type log run_id "$k" message after >/dev/null
done
all_recorded() {
	for k in $STREAMS $LATE $ADDED $PROMO; do
		[ "$k" = "$DELETED" ] && continue
		[ "$(got_ids "$k")" = "$(held_ids "$k")" ] || return 1
	done
}
wait_for 30 all_recorded
sleep 1
kill -TERM "$rpid"
wait "$rpid"
is "$?" 0 "record on the cluster ends cleanly"
fails=0
for k in $STREAMS $LATE $ADDED $PROMO; do
	[ "$k" = "$DELETED" ] && continue
	[ "$(got_ids "$k")" = "$(held_ids "$k")" ] || { fails=1; echo "# $k: $(got_ids "$k") vs $(held_ids "$k")"; }
done
ok "$fails" "every stream (the stopped and the failed master's too): every entry once, in order"
check "no entry recorded twice" python3 -c '
import json,sys
ids=[(d["_source"], d["_id"]) for d in map(json.loads, open(sys.argv[1]))]
assert len(ids) == len(set(ids)), len(ids) - len(set(ids))' "$TMP/rec.jsonl"

# The end: a snapshot agrees with the ground truth of the four masters now.
truth >"$TMP/truth4"
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream 'wf:*' \
	-o "$TMP/end.json" 2>"$TMP/end.err"
is "$?" 0 "snapshot of four masters, one of them promoted"
check "... every stream once with every entry, $ADDED read from the new master" python3 -c '
import json,sys
snap=json.load(open(sys.argv[1]))
truth={l.split()[0]: int(l.split()[1]) for l in open(sys.argv[2])}
src={s["address"].rsplit("/",1)[1]: s for s in snap["sources"] if not s["address"].endswith("/wf:*")}
assert len(src) == len(truth) == 8, (sorted(src), sorted(truth))
assert {k: s["events"] for k, s in src.items()} == truth, (src, truth)
assert src[sys.argv[3]]["node"] == "127.0.0.1:" + sys.argv[4], src[sys.argv[3]]' \
	"$TMP/end.json" "$TMP/truth4" "$ADDED" "$P4"
grep -E "discovery|new stream|gone" "$TMP/rec.err" | head -12 | sed 's/^/#   /'

done_testing
