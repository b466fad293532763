#!/usr/bin/env bash
# redis-sentinel: a master, a replica and three sentinels (all with
# passwords) on loopback; redis-sentinel:// finds the master, and after the
# master is SIGKILLed mid-stream every entry the new master holds is
# recorded exactly once.
. "$(dirname "$0")/lib.sh"

MPW=master-secret
SPW=sentinel-secret
start_redis m --requirepass "$MPW" --masterauth "$MPW" || exit 1
PM=$REDIS_PORT_m
start_redis r --requirepass "$MPW" --masterauth "$MPW" \
	--replicaof 127.0.0.1 "$PM" || exit 1
PR=$REDIS_PORT_r

# start_sentinel NAME: a sentinel watching "mymaster" (port in SPORT_NAME)
start_sentinel() {
	local name=$1 port dir
	port=$(free_port)
	dir="$TMP/sentinel-$name"
	mkdir -p "$dir"
	cat >"$dir/sentinel.conf" <<-EOF
		port $port
		bind 127.0.0.1
		dir $dir
		requirepass $SPW
		sentinel monitor mymaster 127.0.0.1 $PM 2
		sentinel auth-pass mymaster $MPW
		sentinel down-after-milliseconds mymaster 1000
		sentinel failover-timeout mymaster 4000
		sentinel parallel-syncs mymaster 1
	EOF
	redis-server "$dir/sentinel.conf" --sentinel --logfile "$dir/log" &
	REDIS_PIDS="$REDIS_PIDS $!"
	eval "SPORT_$name=$port"
}
start_sentinel 1
start_sentinel 2
start_sentinel 3
scli() { redis-cli -p "$1" -a "$SPW" --no-auth-warning "${@:2}"; }
mcli() { redis-cli -p "$1" -a "$MPW" --no-auth-warning "${@:2}"; }
ready() { # every sentinel knows the replica and the two other sentinels
	for p in $SPORT_1 $SPORT_2 $SPORT_3; do
		scli "$p" SENTINEL master mymaster 2>/dev/null |
			tr '\n' ' ' | grep -q "num-slaves 1 .*num-other-sentinels 2" || return 1
	done
	mcli "$PR" INFO replication | grep -q "master_link_status:up"
}
wait_for 30 ready
ok $? "three sentinels watch the master and its replica"

SURL="redis-sentinel://:$MPW@127.0.0.1:$SPORT_1,127.0.0.1:$SPORT_2,127.0.0.1:$SPORT_3/mymaster"
export EXECMON_SENTINEL_PASSWORD=$SPW

# --- the sentinels name the master; the snapshot says so
for i in 1 2 3; do mcli "$PM" XADD f '*' type run.queued run_id "r$i" >/dev/null; done
"$EXECMON" snapshot --redis "$SURL" --stream f -o "$TMP/snap.json" 2>"$TMP/snap.err"
is "$?" 0 "snapshot through the sentinels"
check "sources: the master's node, found via the sentinel" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))["sources"][0]
assert s["node"] == "127.0.0.1:" + sys.argv[2], s
assert s["via"] == "sentinel mymaster" and s["events"] == 3, s
assert "secret" not in s["address"] and s["address"].startswith("redis-sentinel://:***@127.0.0.1:"), s
' "$TMP/snap.json" "$PM"

# --- a first sentinel that is down is passed over
DEAD=$(free_port)
"$EXECMON" snapshot --redis "redis-sentinel://:$MPW@127.0.0.1:$DEAD,127.0.0.1:$SPORT_2/mymaster" \
	--stream f -o "$TMP/snap2.json" 2>/dev/null
is "$?" 0 "a sentinel that refuses is passed over for the next"

# --- errors: one line naming the sentinel and the reason
"$EXECMON" snapshot --redis "redis-sentinel://127.0.0.1:$SPORT_1/nosuch" --stream f \
	--connect-timeout 1s -o /dev/null 2>"$TMP/e1"
is "$?" 1 "an unknown master name fails"
grep -q "no sentinel gave master nosuch (last: sentinel 127.0.0.1:$SPORT_1 does not know master nosuch)" "$TMP/e1"
ok $? "... and says which sentinel did not know it"
EXECMON_SENTINEL_PASSWORD=wrong "$EXECMON" snapshot --redis "$SURL" --stream f \
	--connect-timeout 1s -o /dev/null 2>"$TMP/e2"
is "$?" 1 "a wrong EXECMON_SENTINEL_PASSWORD fails"
grep -q "sentinel 127.0.0.1:$SPORT_3: AUTH: " "$TMP/e2"
ok $? "... saying AUTH failed at the sentinel"
! grep -q "$SPW\|$MPW" "$TMP/e2"
ok $? "... without a password in the message"
"$EXECMON" snapshot --redis "redis-sentinel://127.0.0.1:$DEAD/mymaster" --stream f \
	--connect-timeout 1s -o /dev/null 2>"$TMP/e3"
grep -q "sentinel 127.0.0.1:$DEAD: Connection refused" "$TMP/e3"
ok $? "a refused sentinel is named"

# --- follow, SIGKILL the master mid-stream, follow the new master
"$EXECMON" record --redis "$SURL" --stream f -o - >"$TMP/rec.jsonl" 2>"$TMP/rec.err" &
rpid=$!
BG_PIDS="$BG_PIDS $rpid"
# Celery through the sentinels: subscribed on the master, again on the new one
publish() { # publish PORT: the captured Celery messages, on that server
	python3 -c '
import json,subprocess,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    subprocess.run(["redis-cli", "-p", sys.argv[2], "-a", sys.argv[3], "--no-auth-warning",
        "PUBLISH", m["channel"], m["message"]], check=True, stdout=subprocess.DEVNULL)' \
	"$SRCDIR/tests/data/celery-5.2.6-pubsub.jsonl" "$1" "$MPW"
}
"$EXECMON" record --celery --redis "$SURL" -o - >"$TMP/cel.jsonl" 2>"$TMP/cel.err" &
cpid=$!
BG_PIDS="$BG_PIDS $cpid"
wait_for 10 grep -q "listening on /0.celeryev/" "$TMP/cel.err"
ok $? "--celery through the sentinels subscribes on the master"
publish "$PM"
wait_for 10 sh -c "[ \$(wc -l <'$TMP/cel.jsonl') -gt 0 ]"
ok $? "... and records the Celery events published there"
master_port() { scli "$SPORT_1" SENTINEL get-master-addr-by-name mymaster | tail -1; }
# The writer adds to whichever server the sentinels call master, through the
# failover, and stops after 120 entries the master took.
(
	n=0
	while [ "$n" -lt 120 ]; do
		p=$(master_port)
		if mcli "$p" XADD f '*' type log run_id w message "$n" 2>/dev/null |
			grep -q '^[0-9]*-[0-9]*$'; then
			n=$((n + 1))
		else
			sleep 0.1
		fi
		sleep 0.02
	done
) &
wpid=$!
BG_PIDS="$BG_PIDS $wpid"
wait_lines 20 "$TMP/rec.jsonl" 40
mcli "$PM" WAIT 1 2000 >/dev/null
kill -9 "$REDIS_PID_m"
wait_for 30 sh -c "[ \"\$(redis-cli -p $SPORT_1 -a $SPW --no-auth-warning SENTINEL get-master-addr-by-name mymaster | tail -1)\" = $PR ]"
ok $? "the sentinels promote the replica"
wait "$wpid"
is "$?" 0 "the writer went on on the new master"
n=$(mcli "$PR" XLEN f)
wait_lines 30 "$TMP/rec.jsonl" "$n"
kill -TERM "$rpid"
wait "$rpid"
c1=$(wc -l <"$TMP/cel.jsonl")
wait_for 30 grep -q 'subscribed again' "$TMP/cel.err"
ok $? "--celery subscribes again after the failover"
publish "$PR"
wait_for 10 sh -c "[ \$(wc -l <'$TMP/cel.jsonl') -gt $c1 ]"
ok $? "... on the new master: its events are recorded"
kill -TERM "$cpid"
wait "$cpid"
is "$?" 0 "record --celery through the sentinels ends cleanly"
check "every entry the new master holds is recorded exactly once" python3 -c '
import json,subprocess,sys
got=[json.loads(l)["_id"] for l in open(sys.argv[1])]
out=subprocess.run(["redis-cli","-p",sys.argv[2],"-a",sys.argv[3],"--no-auth-warning",
    "XRANGE","f","-","+"],capture_output=True,text=True).stdout.split()
held=[x for x in out if "-" in x and x.replace("-","").isdigit()]
assert len(got) == len(set(got)), "an entry recorded twice"
missing=[i for i in held if i not in set(got)]
assert not missing, "missing %d of %d: %s" % (len(missing), len(held), missing[:5])
print("recorded", len(got), "held", len(held))' "$TMP/rec.jsonl" "$PR" "$MPW"
grep -q "master mymaster switched to 127.0.0.1:$PR" "$TMP/rec.err"
ok $? "the +switch-master announcement is followed"
sed 's/^/#   /' "$TMP/rec.err" | tail -4

done_testing
