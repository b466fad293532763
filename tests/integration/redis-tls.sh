#!/usr/bin/env bash
# redis-tls: rediss:// against redis-server --tls-port with a CA made here:
# verification (CA, name, failure), --redis-insecure, client certificates,
# backfill and live follow, the server killed and restarted over TLS.
. "$(dirname "$0")/lib.sh"

# --- certificates: a CA, a server certificate for localhost and 127.0.0.1,
# a client certificate, and a second CA nobody signed with
cd "$TMP" || exit 1
ssl() { openssl "$@" >/dev/null 2>&1; }
ssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=execmon-test-ca \
	-keyout ca.key -out ca.pem
ssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout srv.key -out srv.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >srv.ext
ssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	-extfile srv.ext -out srv.pem
ssl req -newkey rsa:2048 -nodes -subj /CN=execmon-client -keyout cli.key -out cli.csr
ssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out cli.pem
ssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
	-keyout other.key -out other.pem
test -s ca.pem -a -s srv.pem -a -s cli.pem -a -s other.pem
ok $? "openssl made a CA, server and client certificates"
cd - >/dev/null || exit 1

TLS="--tls-cert-file $TMP/srv.pem --tls-key-file $TMP/srv.key --tls-ca-cert-file $TMP/ca.pem"
TP=$(free_port)
# shellcheck disable=SC2086
start_redis a --appendonly yes --appendfsync always --tls-port "$TP" $TLS \
	--tls-auth-clients no || exit 1
P=$REDIS_PORT_a
cli() { redis-cli -p "$P" "$@" >/dev/null; }
ids() { redis-cli -p "$P" XRANGE "$1" - + | awk '/^[0-9]+-[0-9]+$/' | tr '\n' ' '; }
got_ids() {
	python3 -c 'import json,sys; print(" ".join(json.loads(l)["_id"] for l in open(sys.argv[1])))' "$1"
}

# --- backfill, then live, verified against --redis-ca
for i in 1 2 3; do cli XADD s1 '*' type run.queued run_id "r$i"; done
"$EXECMON" record --redis "rediss://127.0.0.1:$TP" --redis-ca "$TMP/ca.pem" \
	--stream s1 -o - --count 5 >"$TMP/rec1" 2>"$TMP/rec1.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_lines 10 "$TMP/rec1" 3
is "$(lines "$TMP/rec1")" 3 "backfill over TLS reads the 3 entries already there"
cli XADD s1 '*' type run.started run_id r1
cli XADD s1 '*' type run.completed run_id r1
wait "$pid"
is "$?" 0 "record over TLS exits 0 at --count"
is "$(got_ids "$TMP/rec1") " "$(ids s1)" "live follow over TLS: every entry once, in order"
grep -q "redis rediss://127.0.0.1:$TP/0: connected" "$TMP/rec1.err"
ok $? "the source is named rediss://"

# --- the name: localhost is in the certificate
"$EXECMON" record --redis "rediss://localhost:$TP" --redis-ca "$TMP/ca.pem" \
	--stream s1 -o "$TMP/rec2" --count 5 2>/dev/null
is "$?:$(lines "$TMP/rec2")" 0:5 "rediss://localhost verified by name (SNI localhost)"

# --- verification failures: one line naming the host and the reason
"$EXECMON" record --redis "rediss://127.0.0.1:$TP" --stream s1 -o "$TMP/rec3" \
	--count 5 --connect-timeout 2s 2>"$TMP/rec3.err"
is "$?" 1 "without --redis-ca the test CA is not trusted"
grep -q "TLS handshake with 127.0.0.1 failed: certificate verify failed (self-signed certificate in certificate chain)" "$TMP/rec3.err"
ok $? "the failure names the host and the reason"
sed 's/^/#   /' "$TMP/rec3.err" | tail -1
"$EXECMON" record --redis "rediss://127.0.0.1:$TP" --redis-ca "$TMP/other.pem" \
	--stream s1 -o "$TMP/rec4" --count 5 --connect-timeout 2s 2>"$TMP/rec4.err"
is "$?" 1 "a certificate from another CA is refused"
grep -q "TLS handshake with 127.0.0.1 failed: certificate verify failed (self-signed certificate in certificate chain)" "$TMP/rec4.err"
ok $? "... and says why"
sed 's/^/#   /' "$TMP/rec4.err" | tail -2
"$EXECMON" record --redis "redis://127.0.0.1:$TP" --stream s1 -o "$TMP/rec6" \
	--count 5 --connect-timeout 2s 2>"$TMP/rec6.err"
is "$?" 1 "plain redis:// to a TLS port fails (and does not hang)"

# --- --redis-insecure: no checks, and it says so
"$EXECMON" record --redis "rediss://127.0.0.1:$TP" --redis-insecure --stream s1 \
	-o "$TMP/rec7" --count 5 2>/dev/null
is "$?:$(lines "$TMP/rec7")" 0:5 "--redis-insecure reads without checking"
"$EXECMON" snapshot --redis "rediss://127.0.0.1:$TP" --redis-insecure --stream s1 \
	-o "$TMP/snap.json" 2>/dev/null
check "snapshot sources: tls, insecure and the node" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))["sources"][0]
assert s["tls"] is True and s["insecure"] is True, s
assert s["node"] == "127.0.0.1:" + sys.argv[2], s
assert s["address"] == "rediss://127.0.0.1:%s/0/s1" % sys.argv[2], s' "$TMP/snap.json" "$TP"
"$EXECMON" snapshot --redis "redis://127.0.0.1:$P" --stream s1 -o "$TMP/snap2.json" 2>/dev/null
check "a plain source says tls false, not insecure" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))["sources"][0]
assert s["tls"] is False and "insecure" not in s and s["via"] is None, s' "$TMP/snap2.json"

# --- the dashboard's header says TLS, or INSECURE
if command -v tmux >/dev/null 2>&1; then
	. "$SRCDIR/tests/tui/lib.sh"
	tui_init
	tui_run V 160 30 --redis "rediss://localhost:$TP" --redis-ca "$TMP/ca.pem" --stream s1
	tui_wait V 15 '^ execmon .*s1 TLS '
	ok $? "header: a verified rediss:// stream is marked TLS"
	# a run's log reads its events back from Redis, over TLS too
	for _ in 1 2 3 4 5; do
		tui_keys V Enter
		tui_wait V 2 '^ run r[0-9] ' && break
	done
	tui_wait V 10 '^ event *$'
	ok $? "a run's log reads its events back over verified TLS"
	tui_run I 160 30 --redis "rediss://localhost:$TP" --redis-insecure --stream s1
	tui_wait I 15 '^ execmon .*s1 INSECURE '
	ok $? "header: --redis-insecure is marked INSECURE"
	tui_keys V q
	tui_keys I q
else
	ok 0 "# SKIP tmux missing"
	ok 0 "# SKIP tmux missing"
	ok 0 "# SKIP tmux missing"
fi

# --- bad TLS options: one line, exit 2
echo "not a certificate" >"$TMP/junk.pem"
"$EXECMON" record --redis "rediss://127.0.0.1:$TP" --redis-ca "$TMP/junk.pem" \
	--stream s1 -o /dev/null 2>"$TMP/bad.err"
is "$?" 2 "a CA file that is not PEM: exit 2"
is "$(grep -c redis-ca "$TMP/bad.err")" 1 "... one line"
grep -q "^execmon: --redis-ca $TMP/junk.pem: no certificate or crl found$" "$TMP/bad.err"
ok $? "... naming the option, the file and the reason"
"$EXECMON" record --redis "rediss://127.0.0.1:$TP" --redis-ca "$TMP/none.pem" \
	--stream s1 -o /dev/null 2>"$TMP/bad2.err"
is "$?" 2 "a missing CA file: exit 2"
grep -q "^execmon: --redis-ca" "$TMP/bad2.err"
ok $? "... naming the option"
"$EXECMON" record --redis "rediss://127.0.0.1:$TP" --redis-cert "$TMP/cli.pem" \
	--redis-key "$TMP/other.key" --stream s1 -o /dev/null 2>"$TMP/bad3.err"
is "$?" 2 "a key that does not match the certificate: exit 2"
grep -q "^execmon: --redis-key $TMP/other.key: " "$TMP/bad3.err"
ok $? "... naming the key"

# --- client certificates (--tls-auth-clients yes)
TP2=$(free_port)
# shellcheck disable=SC2086
start_redis b --tls-port "$TP2" $TLS --tls-auth-clients yes \
	--bind 127.0.0.1 127.0.0.2 || exit 1
redis-cli -p "$REDIS_PORT_b" XADD c1 '*' type run.queued run_id c >/dev/null
"$EXECMON" record --redis "rediss://127.0.0.2:$TP2" --redis-ca "$TMP/ca.pem" \
	--redis-cert "$TMP/cli.pem" --redis-key "$TMP/cli.key" \
	--stream c1 -o "$TMP/rec5" --count 1 --connect-timeout 2s 2>"$TMP/rec5.err"
is "$?" 1 "an address the certificate does not name is refused"
grep -q "TLS handshake with 127.0.0.2 failed: certificate verify failed (IP address mismatch)" "$TMP/rec5.err"
ok $? "... as an IP address mismatch"
"$EXECMON" record --redis "rediss://127.0.0.1:$TP2" --redis-ca "$TMP/ca.pem" \
	--stream c1 -o "$TMP/rec8" --count 1 --connect-timeout 2s 2>"$TMP/rec8.err"
is "$?" 1 "without a client certificate the server refuses us"
grep -q "rediss://127.0.0.1:$TP2/0/c1: " "$TMP/rec8.err"
ok $? "... and the error names the source"
sed 's/^/#   /' "$TMP/rec8.err" | tail -1
"$EXECMON" record --redis "rediss://127.0.0.1:$TP2" --redis-ca "$TMP/ca.pem" \
	--redis-cert "$TMP/cli.pem" --redis-key "$TMP/cli.key" \
	--stream c1 -o "$TMP/rec9" --count 1 2>/dev/null
is "$?:$(lines "$TMP/rec9")" 0:1 "with --redis-cert and --redis-key it reads"

# --- rediss-sentinel://: a sentinel on a TLS port names the TLS master
SP=$(free_port)
mkdir -p "$TMP/sentinel"
cat >"$TMP/sentinel/sentinel.conf" <<EOF
port 0
tls-port $SP
bind 127.0.0.1
dir $TMP/sentinel
tls-cert-file $TMP/srv.pem
tls-key-file $TMP/srv.key
tls-ca-cert-file $TMP/ca.pem
tls-auth-clients no
tls-replication yes
sentinel monitor tlsmaster 127.0.0.1 $TP 1
EOF
redis-server "$TMP/sentinel/sentinel.conf" --sentinel --logfile "$TMP/sentinel/log" &
REDIS_PIDS="$REDIS_PIDS $!"
wait_for 10 redis-cli --tls --cacert "$TMP/ca.pem" -p "$SP" PING
"$EXECMON" snapshot --redis "rediss-sentinel://127.0.0.1:$SP/tlsmaster" \
	--redis-ca "$TMP/ca.pem" --stream s1 -o "$TMP/snap-s.json" 2>"$TMP/snap-s.err"
is "$?" 0 "rediss-sentinel:// asks the sentinel and reads the master over TLS"
check "... which the snapshot says" python3 -c '
import json,sys
s=json.load(open(sys.argv[1]))["sources"][0]
assert s["tls"] is True and s["via"] == "sentinel tlsmaster", s
assert s["node"] == "127.0.0.1:" + sys.argv[2] and s["events"] == 5, s' "$TMP/snap-s.json" "$TP"
"$EXECMON" snapshot --redis "rediss-sentinel://127.0.0.1:$SP/tlsmaster" \
	--stream s1 --connect-timeout 1s -o /dev/null 2>"$TMP/snap-s2.err"
grep -q "sentinel 127.0.0.1:$SP: TLS handshake with 127.0.0.1 failed: certificate verify failed" "$TMP/snap-s2.err"
ok $? "an untrusted sentinel is named with the reason"

# --- servers that misbehave: garbage instead of RESP, silence in the handshake
# fake_server PORT MODE: garbage = answer anything with bytes that are not
# RESP; silent = accept and say nothing
fake_server() {
	python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
held = []
while True:
    c, _ = s.accept(); held.append(c)
    if sys.argv[2] == "garbage":
        c.sendall(b"!!not resp\x1b[2J\r\n")' "$1" "$2" &
	BG_PIDS="$BG_PIDS $!"
	wait_for 5 python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$1"
}
GP=$(free_port)
fake_server "$GP" garbage
"$EXECMON" snapshot --redis "redis://127.0.0.1:$GP" --stream s1 --connect-timeout 2s \
	-o /dev/null 2>"$TMP/garbage.err"
is "$?" 1 "a server that does not speak RESP: exit 1, no crash"
grep -q "Protocol error" "$TMP/garbage.err"
ok $? "... reported as a protocol error"
! grep -q "$(printf '\033')" "$TMP/garbage.err"
ok $? "... with none of its bytes on the terminal"
SLP=$(free_port)
fake_server "$SLP" silent
start=$(date +%s)
"$EXECMON" snapshot --redis "rediss://127.0.0.1:$SLP" --redis-ca "$TMP/ca.pem" --stream s1 \
	--connect-timeout 2s -o /dev/null 2>"$TMP/silent.err"
is "$?:$(( $(date +%s) - start < 10 ))" 1:1 "a TLS handshake that never ends is given up (exit 1 within 10 s)"
grep -q "connect timed out" "$TMP/silent.err"
ok $? "... as a connect that timed out"

# --- kill and restart over TLS: nothing lost, nothing twice
"$EXECMON" record --redis "rediss://localhost:$TP" --redis-ca "$TMP/ca.pem" \
	--stream k1 -o "$TMP/kill.jsonl" --count 40 2>"$TMP/kill.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
for i in $(seq 1 20); do cli XADD k1 '*' type log run_id k message "$i"; done
wait_lines 10 "$TMP/kill.jsonl" 20
kill -9 "$REDIS_PID_a"
sleep 0.3
# shellcheck disable=SC2086
restart_redis a --appendonly yes --appendfsync always --tls-port "$TP" $TLS \
	--tls-auth-clients no || exit 1
for i in $(seq 21 40); do cli XADD k1 '*' type log run_id k message "$i"; done
wait "$pid"
is "$?" 0 "record over TLS survives the server's kill and restart"
is "$(got_ids "$TMP/kill.jsonl") " "$(ids k1)" "every entry once across the restart"
grep -q "redis rediss://localhost:$TP/0: reconnected" "$TMP/kill.err"
ok $? "the reconnect is reported"

# --- Celery over TLS: the event subscription and the queue round on rediss://
# (the events are published on the plain port: pub/sub reaches every client)
cli RPUSH celery q1 q2
"$EXECMON" record --celery --redis "rediss://localhost:$TP/0" --redis-ca "$TMP/ca.pem" \
	-o - >"$TMP/cel.jsonl" 2>"$TMP/cel.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_for 10 grep -q "listening on /0.celeryev/" "$TMP/cel.err"
ok $? "--celery over rediss:// subscribes to the event channels"
python3 -c '
import json,subprocess,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    subprocess.run(["redis-cli", "-p", sys.argv[2], "PUBLISH", m["channel"], m["message"]],
        check=True, stdout=subprocess.DEVNULL)' "$SRCDIR/tests/data/celery-5.2.6-pubsub.jsonl" "$P"
sent=$(python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    m=json.loads(json.loads(l)["message"])
    n+=1
print(n)' "$SRCDIR/tests/data/celery-5.2.6-pubsub.jsonl")
wait_for 10 sh -c "[ \$(wc -l <'$TMP/cel.jsonl') -gt 0 ]"
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "record --celery over TLS ends cleanly"
check "the $sent published Celery messages arrived over TLS as task and worker events" python3 -c '
import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
assert len(ev) > 0, "nothing recorded"
kinds={e.get("type") for e in ev}
assert "celery.worker-online" in kinds, kinds
assert any(k and k.startswith("run.") for k in kinds), kinds' "$TMP/cel.jsonl"
grep -q "celery" "$TMP/cel.err" && ! grep -qi "error\|refused" "$TMP/cel.err"
ok $? "no error on the way"

done_testing
