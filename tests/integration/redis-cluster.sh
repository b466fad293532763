#!/usr/bin/env bash
# redis-cluster: three masters with a replica each, made with
# redis-cli --cluster create on loopback. Streams on different nodes are read
# from their owners; a followed stream's slot is moved to another node
# mid-stream (MIGRATING/IMPORTING, MIGRATE, SETSLOT: ASK then MOVED); a
# master is SIGKILLed and its replica promoted; every entry is recorded
# exactly once. BullMQ keys under {bull} are found from any node.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/cluster-lib.sh"
cluster_make 6 1
ok $? "redis-cli --cluster create made three masters and three replicas"
P1=$REDIS_PORT_n1
healthy() { cluster_healthy; }
wait_for 30 healthy
ok $? "every node says cluster_state:ok"

# Commands go through ENTRY, a master that is never killed.
ENTRY=$P1
c() { timeout 5 redis-cli -c -p "$ENTRY" "$@"; }
# owner KEY: the port of the master that holds KEY's slot
owner() { cluster_owner "$ENTRY" "$1"; }
node_id() { redis-cli -p "$1" CLUSTER MYID; }
got_ids() { # got_ids FILE KEY: the _id of KEY's lines, in order
	python3 -c 'import json,sys
print(" ".join(d["_id"] for d in map(json.loads, open(sys.argv[1])) if d["_source"].endswith("/"+sys.argv[2])))' "$1" "$2"
}
held_ids() { c XRANGE "$1" - + | awk '/^[0-9]+-[0-9]+$/' | tr '\n' ' ' | sed 's/ $//'; }
A='s{a}' B='s{b}' C='s{c}'
oa=$(owner "$A") ob=$(owner "$B") oc=$(owner "$C")
[ "$oc" = "$P1" ] && ENTRY=$oa
[ -n "$oa" ] && [ -n "$ob" ] && [ -n "$oc" ] && [ "$oa" != "$ob" ] && [ "$ob" != "$oc" ] && [ "$oa" != "$oc" ]
ok $? "the three streams live on three different masters ($oa $ob $oc)"

for i in $(seq 1 10); do
	for k in "$A" "$B" "$C"; do c XADD "$k" '*' type log run_id "$k" message "$i" >/dev/null; done
done

# --- snapshot: found by itself, each stream read from its owner
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream "$A" --stream "$B" \
	--stream "$C" -o "$TMP/snap.json" 2>"$TMP/snap.err"
is "$?" 0 "snapshot against one node of the cluster"
check "sources: every stream read from the node that owns it" python3 -c '
import json,sys
src={s["address"].rsplit("/",1)[1]: s for s in json.load(open(sys.argv[1]))["sources"]}
for key, port in (("s{a}", sys.argv[2]), ("s{b}", sys.argv[3]), ("s{c}", sys.argv[4])):
    s = src[key]
    assert s["node"] == "127.0.0.1:" + port, (key, s)
    assert s["via"].startswith("cluster slot "), s
    assert s["events"] == 10, s' "$TMP/snap.json" "$oa" "$ob" "$oc"
grep -q "a cluster of 3 masters" "$TMP/snap.err"
ok $? "the cluster is reported with its masters"

# --- follow all three; move s{b}'s slot to another master mid-stream
"$EXECMON" record --redis "redis://127.0.0.1:$P1" --stream "$A" --stream "$B" \
	--stream "$C" -o - >"$TMP/rec.jsonl" 2>"$TMP/rec.err" &
rpid=$!
BG_PIDS="$BG_PIDS $rpid"
wait_lines 10 "$TMP/rec.jsonl" 30
is "$(lines "$TMP/rec.jsonl")" 30 "backfill: every entry of the three streams"

# writer KEY N TAG: add N entries to KEY through redirections and failovers
writer() {
	local n=0
	while [ "$n" -lt "$2" ]; do
		if c XADD "$1" '*' type log run_id "$1" message "$3$n" 2>/dev/null |
			grep -q '^[0-9]*-[0-9]*$'; then
			n=$((n + 1))
		else
			sleep 0.1
		fi
		sleep 0.02
	done
}
writer "$B" 60 m &
wpid=$!
BG_PIDS="$BG_PIDS $wpid"
slot=$(redis-cli -p "$ENTRY" CLUSTER KEYSLOT "$B")
dst=$oa
src_id=$(node_id "$ob") dst_id=$(node_id "$dst")
sleep 0.5
redis-cli -p "$dst" CLUSTER SETSLOT "$slot" IMPORTING "$src_id" >/dev/null
redis-cli -p "$ob" CLUSTER SETSLOT "$slot" MIGRATING "$dst_id" >/dev/null
sleep 0.3
redis-cli -p "$ob" MIGRATE 127.0.0.1 "$dst" "" 0 5000 KEYS "$B" >"$TMP/migrate.out"
is "$(cat "$TMP/migrate.out")" OK "MIGRATE moved $B to $dst"
# The slot is migrating and the key has left: its old node answers ASK.
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P1" --stream "$B" -o "$TMP/ask.json" \
	2>"$TMP/ask.err"
grep -q "ASK $slot: reading from 127.0.0.1:$dst" "$TMP/ask.err"
ok $? "snapshot while the slot migrates follows ASK to the new node"
check "... and reads every entry there" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))["sources"][0]
assert s["events"] >= 10 and s["node"] == "127.0.0.1:" + sys.argv[2], s' \
	"$TMP/ask.json" "$dst"
sleep 1
for p in "$dst" "$ob" "$oc"; do
	redis-cli -p "$p" CLUSTER SETSLOT "$slot" NODE "$dst_id" >/dev/null
done
wait_writer() { # the writer is done within 60 s (else it is stopped)
	wait_for 60 sh -c "! kill -0 $wpid" || kill "$wpid"
	wait "$wpid"
}
wait_writer
is "$?" 0 "the writer went on through the move"
n=$(c XLEN "$B")
want=$((30 + 60))
wait_lines 20 "$TMP/rec.jsonl" "$want"
is "$(got_ids "$TMP/rec.jsonl" "$B")" "$(held_ids "$B")" \
	"$B: every entry once, in order, across ASK and MOVED ($n held)"
grep -q "ASK $slot: reading from 127.0.0.1:$dst\|MOVED $slot: reading from 127.0.0.1:$dst" "$TMP/rec.err"
ok $? "the redirection to the new node is reported"
grep -E "ASK|MOVED" "$TMP/rec.err" | head -3 | sed 's/^/#   /'

# --- SIGKILL the master of s{c}; its replica takes over
writer "$C" 60 f &
wpid=$!
BG_PIDS="$BG_PIDS $wpid"
sleep 0.5
for i in 1 2 3 4 5 6; do
	eval "p=\$REDIS_PORT_n$i pid=\$REDIS_PID_n$i"
	[ "$p" = "$oc" ] && { DEAD=$i; kill -9 "$pid"; }
done
promoted() { o=$(owner "$C"); [ -n "$o" ] && [ "$o" != "$oc" ]; }
wait_for 30 promoted
st=$?
ok "$st" "a replica was promoted for $C's slot"
[ "$st" -ne 0 ] && for f in "$TMP"/redis-n*/log; do
	grep -i -E 'fail|vote|elect|epoch' "$f" | tail -5 | sed "s|^|# ${f#"$TMP"/redis-}: |"
done
wait_for 30 healthy
wait_writer
is "$?" 0 "the writer went on after the failover"
nc=$(c XLEN "$C")
wait_for 30 sh -c "[ \$(grep -c '\"_source\":\"[^\"]*/s{c}\"' '$TMP/rec.jsonl') -ge $nc ]"
check "$C: every entry the new master holds is recorded exactly once" python3 -c '
import json,sys
got=[d["_id"] for d in map(json.loads, open(sys.argv[1])) if d["_source"].endswith("/s{c}")]
held=sys.argv[2].split()
assert len(got) == len(set(got)), "an entry recorded twice"
missing=[i for i in held if i not in set(got)]
assert not missing, "missing %d of %d" % (len(missing), len(held))' "$TMP/rec.jsonl" "$(held_ids "$C")"
kill -TERM "$rpid"
wait_for 10 sh -c "! kill -0 $rpid" || kill -9 "$rpid"
check "no entry of any stream recorded twice" python3 -c '
import json,sys
ids=[(d["_source"], d["_id"]) for d in map(json.loads, open(sys.argv[1]))]
assert len(ids) == len(set(ids)), len(ids) - len(set(ids))' "$TMP/rec.jsonl"

# --- BullMQ under {bull}: every key in one slot, found from any node
BQ='{bull}'
bull=$(owner "$BQ:q1:meta")
for p in $oa $ob; do [ "$p" != "$bull" ] && other=$p; done # alive, not {bull}'s
c HSET "$BQ:q1:meta" opts.maxLenEvents 10000 >/dev/null
c XADD "$BQ:q1:events" '*' event added jobId 1 name planner >/dev/null
c XADD "$BQ:q1:events" '*' event active jobId 1 prev waiting >/dev/null
c XADD "$BQ:q1:events" '*' event completed jobId 1 returnvalue '"ok"' prev active >/dev/null
c HSET "$BQ:q1:1" name planner timestamp "$(date +%s%3N)" >/dev/null
"$EXECMON" snapshot --redis "redis://127.0.0.1:$other" --bullmq '*' --bullmq-prefix "$BQ" \
	-o "$TMP/bull.json" 2>"$TMP/bull.err"
is "$?" 0 "snapshot --bullmq '*' --bullmq-prefix '{bull}' from a node that does not hold it"
check "the queue is found and its job read, on the node of {bull}" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))
src=[x for x in s["sources"] if x["address"].endswith("q1:events")]
assert src and src[0]["node"] == "127.0.0.1:" + sys.argv[2], s["sources"]
assert src[0]["events"] >= 3, src' "$TMP/bull.json" "$bull"

# --- Celery on a cluster node: pub/sub reaches every node's subscribers
"$EXECMON" record --celery --redis "redis://127.0.0.1:$other/0" -o - \
	>"$TMP/cel.jsonl" 2>"$TMP/cel.err" &
cpid=$!
BG_PIDS="$BG_PIDS $cpid"
wait_for 10 grep -q "listening on /0.celeryev/" "$TMP/cel.err"
ok $? "--celery against a cluster node subscribes to the event channels"
python3 -c '
import json,subprocess,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    subprocess.run(["redis-cli", "-p", sys.argv[2], "PUBLISH", m["channel"], m["message"]],
        check=True, stdout=subprocess.DEVNULL)' "$SRCDIR/tests/data/celery-5.2.6-pubsub.jsonl" "$bull"
wait_for 10 sh -c "[ \$(wc -l <'$TMP/cel.jsonl') -gt 0 ]"
ok $? "... and records the events published on another node"
kill -TERM "$cpid"
wait "$cpid"
is "$?" 0 "record --celery on a cluster ends cleanly"

done_testing
