#!/usr/bin/env bash
# The two metrics engines agree byte for byte: execmon snapshot from the
# per-minute rollups (the default) and from the reference engine
# (EXECMON_METRICS=full), over execmon-gen workloads in a real redis-server:
# several seeds, windows 5m to 24h, now at the end and in the past, three
# streams read together, a stream of late entries (events repeated, runs
# that change after they finished), and eviction while loading: the
# rollup's snapshots let runs go as they read (a pass every 500 new runs,
# src/snap-hold.c), the reference engine's hold every run.
. "$(dirname "$0")/lib.sh"

start_redis d || { echo "Bail out! redis-server did not start"; exit 1; }
R="redis://127.0.0.1:$REDIS_PORT_d"
NOW=1767225600000                # 2026-01-01T00:00:00.000Z

# extra.py PRINTED SEED KEY: redis-cli commands for a stream KEY, in time
# order with explicit IDs: some entries repeated, some finishes moved later
# (a run.failed after the run.completed), some llm.calls after the finish.
cat >"$TMP/extra.py" <<'PY'
import json, random, sys
random.seed(int(sys.argv[2]))
def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
out = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "malformed" in o:
        continue
    f = dict(o["fields"])
    ev = f
    if "json" in f:
        try:
            ev = json.loads(f["json"])
        except ValueError:
            continue
    ts = int(ev.get("ts", o["id"].split("-")[0]))
    r = random.random()
    if r < 0.04:
        pass
    elif r < 0.08 and ev.get("type") == "run.completed":
        ev, ts = dict(ev, type="run.failed"), ts + 90000
    elif r < 0.12 and ev.get("type") == "llm.call":
        ts += 240000
    else:
        continue
    ev = dict(ev, ts=ts)
    args = " ".join(q(str(k)) + " " + q(str(v)) for k, v in ev.items()
                    if v is not None and not isinstance(v, (dict, list)))
    out.append((ts, args))
out.sort(key=lambda x: x[0])
for i, (ts, args) in enumerate(out):
    print("XADD " + sys.argv[3] + " %d-%d " % (ts, i + 1) + args)
PY

i=0
for seed in 3 11; do
	i=$((i + 1))
	S="d$i"
	# seven hours of light history, then a busy last hour (entry IDs are
	# the event times, so a now in the past reads what was there then)
	"$EXECMON_GEN" --redis "$R" --stream "$S" --seed "$seed" --start-ts $((NOW - 8 * 3600000)) \
		--duration 7h --rate 0.2 --ts-mode id --print >"$TMP/$S.a" 2>"$TMP/gen.err"
	"$EXECMON_GEN" --redis "$R" --stream "$S.b" --seed "$((seed + 1))" --start-ts $((NOW - 3600000)) \
		--duration 55m --rate 3 --inject surge@20m+300s --ts-mode id \
		--print >"$TMP/$S.b" 2>>"$TMP/gen.err"
	ok $? "seed $seed: the workload is in Redis ($(cat "$TMP/$S.a" "$TMP/$S.b" | wc -l) entries)"
	cat "$TMP/$S.a" "$TMP/$S.b" | python3 "$TMP/extra.py" /dev/stdin "$seed" "$S.x" >"$TMP/$S.cmd"
	redis-cli -p "$REDIS_PORT_d" <"$TMP/$S.cmd" >"$TMP/$S.cmd.out"
	! grep -q ERR "$TMP/$S.cmd.out"
	ok $? "seed $seed: $(wc -l <"$TMP/$S.cmd") repeated, moved and late entries on a second stream"
	for win in 5m 1h 6h 24h; do
		for now in "$NOW" $((NOW - 1234567)); do
			EXECMON_HOLD_PASS=500 "$EXECMON" snapshot --redis "$R" --stream "$S" \
				--stream "$S.b" --stream "$S.x" --window "$win" --now "$now" \
				-o "$TMP/new.json" 2>"$TMP/new.err"
			EXECMON_METRICS=full "$EXECMON" snapshot --redis "$R" --stream "$S" --stream "$S.b" \
				--stream "$S.x" --window "$win" --now "$now" -o "$TMP/old.json" 2>"$TMP/old.err"
			n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["performance"]["totalExecutions"])' "$TMP/new.json" 2>/dev/null)
			cmp -s "$TMP/new.json" "$TMP/old.json" && [ "${n:-0}" -gt 0 ]
			ok $? "seed $seed, window $win, now $now: the same snapshot, byte for byte ($n runs finished in the window)"
		done
	done
done

# a filter: the rollup cannot answer it, the reference engine does (the same bytes)
"$EXECMON" snapshot --redis "$R" --stream d1 --stream d1.b --window 1h --now "$NOW" \
	--filter 'status=failed' -o "$TMP/new.json" 2>/dev/null
EXECMON_METRICS=full "$EXECMON" snapshot --redis "$R" --stream d1 --stream d1.b --window 1h \
	--now "$NOW" --filter 'status=failed' -o "$TMP/old.json" 2>/dev/null
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["performance"]["totalExecutions"])' "$TMP/new.json")
cmp -s "$TMP/new.json" "$TMP/old.json" && [ "${n:-0}" -gt 0 ]
ok $? "a filter (status=failed): the same snapshot ($n runs)"

done_testing
