# execmon integration tests: a Redis Cluster on loopback, made with
# redis-cli --cluster create. Sourced after lib.sh.

# A node's bus listens on its port + 10000: both must be free, under 65536.
cluster_port() {
	python3 -c '
import random, socket
while True:
    p = random.randint(20000, 50000)
    try:
        for q in (p, p + 10000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
    except OSError:
        continue
    print(p); break'
}

# cluster_node I [redis-server args...]: node nI, a cluster-enabled
# redis-server on a free port pair; REDIS_PORT_nI and REDIS_PID_nI set. 0 once
# it answers.
cluster_node() {
	local i=$1
	shift
	START_PORT=$(cluster_port) start_redis "n$i" --cluster-enabled yes \
		--cluster-config-file nodes.conf --cluster-node-timeout 1000 \
		--cluster-replica-validity-factor 0 --appendonly no "$@"
}

# cluster_make NODES REPLICAS [redis-server args...]: nodes n1..nNODES, each
# REDIS_PORT_n<i> and REDIS_PID_n<i>; CLUSTER_NODES counts them. 0 when made.
cluster_make() {
	local count=$1 replicas=$2 i port nodes=""
	shift 2
	CLUSTER_NODES=$count
	for i in $(seq 1 "$count"); do
		cluster_node "$i" "$@" || { echo "Bail out! node $i"; exit 1; }
		eval "port=\$REDIS_PORT_n$i"
		nodes="$nodes 127.0.0.1:$port"
	done
	# shellcheck disable=SC2086
	redis-cli --cluster create $nodes --cluster-replicas "$replicas" --cluster-yes \
		>"$TMP/create.log" 2>&1
}

# cluster_healthy: every node but DEAD (an index) says cluster_state:ok
cluster_healthy() {
	local i p
	for i in $(seq 1 "$CLUSTER_NODES"); do
		eval "p=\$REDIS_PORT_n$i"
		[ "$i" = "${DEAD:-0}" ] && continue
		redis-cli -p "$p" CLUSTER INFO | grep -q 'cluster_state:ok' || return 1
	done
}

# cluster_owner PORT KEY: the port of the master that holds KEY's slot, as PORT says
cluster_owner() {
	local slot
	slot=$(redis-cli -p "$1" CLUSTER KEYSLOT "$2")
	redis-cli -p "$1" CLUSTER SLOTS | python3 -c '
import sys
slot=int(sys.argv[1]); lines=[l.strip() for l in sys.stdin]
# redis-cli prints each range as: start, end, ip, port, id, ...
for i in range(len(lines)-3):
    if lines[i].isdigit() and lines[i+1].isdigit() and int(lines[i]) <= slot <= int(lines[i+1]) and lines[i+2].count(".")==3:
        print(lines[i+3]); break' "$slot"
}

# cluster_add_node MASTER_PORT [redis-server args...]: a node more,
# n<CLUSTER_NODES+1>, joined as a master that serves no slot yet (MASTER_PORT
# empty) or as a replica of the master at MASTER_PORT; 0 once every node
# knows it (and a replica has its master's data).
cluster_add_node() {
	local master=$1 i port p how=()
	shift
	i=$((CLUSTER_NODES + 1))
	cluster_node "$i" "$@" || return 1
	eval "port=\$REDIS_PORT_n$i"
	eval "p=\$REDIS_PORT_n1"
	[ -n "$master" ] && how=(--cluster-slave --cluster-master-id "$(redis-cli -p "$master" CLUSTER MYID)")
	redis-cli --cluster add-node "127.0.0.1:$port" "127.0.0.1:$p" "${how[@]}" \
		>"$TMP/add-node.log" 2>&1 || return 1
	CLUSTER_NODES=$i
	cluster_known() {
		local j q
		for j in $(seq 1 "$CLUSTER_NODES"); do
			eval "q=\$REDIS_PORT_n$j"
			[ "$(redis-cli -p "$q" CLUSTER NODES | grep -c -E 'master|slave')" = "$CLUSTER_NODES" ] ||
				return 1
		done
	}
	wait_for 30 cluster_known || return 1
	[ -z "$master" ] && return 0
	wait_for 30 sh -c "redis-cli -p $port INFO replication | grep -q 'master_link_status:up'"
}

# cluster_give_slot SLOT PORT: hand SLOT (holding no key) to the master at PORT
cluster_slot_owner() { # cluster_slot_owner SLOT PORT: the port owning SLOT, as PORT sees it
	redis-cli -p "$2" CLUSTER SLOTS | python3 -c '
import sys
slot=int(sys.argv[1]); lines=[l.strip() for l in sys.stdin]
for i in range(len(lines)-3):
    if lines[i].isdigit() and lines[i+1].isdigit() and int(lines[i]) <= slot <= int(lines[i+1]) and lines[i+2].count(".")==3:
        print(lines[i+3]); break' "$1"
}

cluster_give_slot() {
	local slot=$1 dst=$2 src="" dst_id src_id i j q
	# the owner as the first master sees it (a node just added may not know
	# the slot map yet), asked again while the cluster settles
	for i in $(seq 1 60); do
		src=$(cluster_slot_owner "$slot" "$REDIS_PORT_n1")
		[ -n "$src" ] && [ "$src" != "$dst" ] && break
		sleep 0.5
	done
	[ -n "$src" ] || return 1
	dst_id=$(redis-cli -p "$dst" CLUSTER MYID)
	src_id=$(redis-cli -p "$src" CLUSTER MYID)
	redis-cli -p "$dst" CLUSTER SETSLOT "$slot" IMPORTING "$src_id" >/dev/null &&
		redis-cli -p "$src" CLUSTER SETSLOT "$slot" MIGRATING "$dst_id" >/dev/null || return 1
	for q in "$dst" "$src"; do
		redis-cli -p "$q" CLUSTER SETSLOT "$slot" NODE "$dst_id" >/dev/null || return 1
	done
	for j in $(seq 1 "$CLUSTER_NODES"); do
		eval "q=\$REDIS_PORT_n$j"
		[ "$q" = "$dst" ] || [ "$q" = "$src" ] ||
			redis-cli -p "$q" CLUSTER SETSLOT "$slot" NODE "$dst_id" >/dev/null
	done
	return 0
}

# cluster_fill PORT PREFIX COUNT [EXTRA_EVERY]: streams PREFIX1..PREFIXCOUNT,
# each written with redis-cli --pipe straight to the master of its slot (as
# CLUSTER NODES at PORT says): one entry each, and one more on every
# EXTRA_EVERY-th. Prints the number of entries written; 0 when all were.
cluster_fill() {
	python3 - "$@" <<'PY'
import subprocess, sys
port, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
every = int(sys.argv[4]) if len(sys.argv) > 4 else 0

def crc16(b):
    crc = 0
    for c in b:
        crc ^= c << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc

def slot(key):
    k = key.encode()
    s = k.find(b"{")
    if s >= 0:
        e = k.find(b"}", s + 1)
        if e > s + 1:
            k = k[s + 1:e]
    return crc16(k) % 16384

owner = {}
nodes = subprocess.run(["redis-cli", "-p", port, "CLUSTER", "NODES"],
                       capture_output=True, text=True, check=True).stdout
for line in nodes.splitlines():
    f = line.split()
    if "master" not in f[2].split(","):
        continue
    p = f[1].split("@")[0].rsplit(":", 1)[1]
    for r in f[8:]:
        if r.startswith("["):
            continue
        a, _, b = r.partition("-")
        for s in range(int(a), int(b or a) + 1):
            owner[s] = p

def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out

per, entries = {}, 0
for i in range(1, count + 1):
    key = "%s%d" % (prefix, i)
    buf = per.setdefault(owner[slot(key)], bytearray())
    for n in range(2 if every and i % every == 0 else 1):
        buf += cmd("XADD", key, "*", "type", "log", "run_id", key, "message", "m%d" % n)
        entries += 1
for p, buf in per.items():
    r = subprocess.run(["redis-cli", "-p", p, "--pipe"], input=bytes(buf),
                       capture_output=True)
    if r.returncode != 0 or b"errors: 0" not in r.stdout:
        sys.exit("redis-cli --pipe to %s: %s" % (p, r.stdout.decode()[-200:]))
print(entries)
PY
}
