# execmon integration tests: TAP output, private redis-servers on free ports.
# Sourced by each test; EXECMON, EXECMON_GEN, SRCDIR and BUILDDIR come from make.

: "${EXECMON:=$PWD/execmon}" "${EXECMON_GEN:=$PWD/execmon-gen}"
T_N=0
T_FAILED=0
TMP=$(mktemp -d /tmp/execmon-test.XXXXXX)
REDIS_PIDS=""
BG_PIDS=""

need_tools() { # need_tools TOOL...: the whole test is skipped without one
	local tool
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "1..0 # SKIP $tool is not installed"
			exit 0
		fi
	done
}

# ws_python: the python3 that can import websockets (for ws-server.py), or
# nothing and status 1.
ws_python() {
	local p
	for p in python3 /usr/bin/python3; do
		if "$p" -c 'import websockets' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_ws NAME PORT ARGS...: tests/integration/ws-server.py PORT ARGS... in
# the background with $PY (from ws_python), its output in $TMP/ws-NAME.out
# and .err; WS_PID_<NAME> set. 0 once it is ready.
start_ws() {
	local name=$1 port=$2 pid
	shift 2
	"$PY" "${SRCDIR:-$(dirname "${BASH_SOURCE[0]}")/../..}/tests/integration/ws-server.py" \
		"$port" "$@" >"$TMP/ws-$name.out" 2>"$TMP/ws-$name.err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	eval "WS_PID_$name=$pid"
	wait_for 10 grep -q ready "$TMP/ws-$name.out" || {
		echo "# ws server $name did not start"; cat "$TMP/ws-$name.err" >&2; return 1; }
}

# ms_now: the time now in milliseconds since the epoch
ms_now() { python3 -c 'import time; print(int(time.time() * 1000))'; }

cleanup() {
	for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null; done
	for p in $REDIS_PIDS; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { # ok COND_STATUS DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		T_FAILED=$((T_FAILED + 1))
		echo "not ok $T_N - $2"
	fi
}

check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		ok 0 "$d"
	else
		ok 1 "$d"
		sed 's/^/#   /' "$TMP/check.out" | head -20
	fi
}

is() { # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got '$1', expected '$2'"
	fi
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_redis NAME [extra args...]: sets REDIS_PORT_<NAME> and REDIS_PID_<NAME>;
# on a free port, or on $START_PORT when set.
start_redis() {
	local name=$1 port dir
	shift
	port=${START_PORT:-$(free_port)}
	dir="$TMP/redis-$name"
	mkdir -p "$dir"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' \
		--daemonize no --logfile "$dir/log" "$@" &
	local pid=$!
	REDIS_PIDS="$REDIS_PIDS $pid"
	eval "REDIS_PORT_$name=$port REDIS_PID_$name=$pid"
	for _ in $(seq 1 100); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "# redis $name did not start" >&2
	return 1
}

# restart_redis NAME [extra args...]: same port, same dir (appendonly keeps data)
restart_redis() {
	local name=$1 port dir
	shift
	eval "port=\$REDIS_PORT_$name"
	dir="$TMP/redis-$name"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' \
		--daemonize no --logfile "$dir/log" "$@" &
	local pid=$!
	REDIS_PIDS="$REDIS_PIDS $pid"
	eval "REDIS_PID_$name=$pid"
	for _ in $(seq 1 100); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# wait_for SECONDS COMMAND...: poll until the command succeeds
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}

# lines FILE: non-empty lines in FILE (0 if it does not exist)
lines() { cat "$1" 2>/dev/null | grep -c .; }

# wait_lines SECONDS FILE N: until FILE holds at least N lines
wait_lines() {
	local limit=$1 file=$2 n=$3 i=0
	while [ "$(lines "$file")" -lt "$n" ]; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}
