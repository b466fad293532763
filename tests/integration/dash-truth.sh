#!/usr/bin/env bash
# The dashboard tells the truth: after any sequence of window changes every
# figure equals a headless snapshot of that window (the history held is read
# again when the window grows past it), at three terminal sizes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis w || exit 1
R="redis://127.0.0.1:$REDIS_PORT_w"
NOW=$(ms_now)
# Three hours of history ending a minute ago, with a failure surge an hour in.
"$EXECMON_GEN" --redis "$R" --start-ts $((NOW - 3 * 3600000 - 60000)) --duration 3h \
	--rate 0.3 --inject surge@1h+600s --seed 5 >/dev/null 2>"$TMP/gen.err"
ok $? "three hours of history are in Redis"

# same_figures DASH HEADLESS: every figure but the ones about this process
# and alerts.*.since (when each alert started firing: the dashboard and a
# headless snapshot do not yet agree on it).
same_figures() {
	python3 "$SRCDIR/tests/integration/same-snapshot.py" "$1" "$2" 'alerts.*.since'
}

tui_init || exit 1

# window_seq NAME W H N [START]: start at START (1h) with now pinned, press w once per
# KEY, wait for the figures, write a snapshot with S and compare it with a
# headless snapshot of the window the header names.
window_seq() {
	local name=$1 w=$2 h=$3 n=$4 start=${5:-1h} snap win now
	now=$(ms_now)
	tui_run "$name" "$w" "$h" --redis "$R" --window "$start" --now "$now"
	tui_wait "$name" 30 " window $start " || { ok 1 "$name: the dashboard starts"; return; }
	tui_wait "$name" 30 'ok +p50' >/dev/null
	for _ in $(seq 1 "$n"); do
		tui_keys "$name" w
		sleep 0.5
		# wait until no source is reading its history again
		for _ in $(seq 1 120); do
			tui_match "$name" 'reading its history|backfill|%\]' || break
			sleep 0.25
		done
	done
	win=$(tui_cap "$name" | head -1 | grep -oE 'window [0-9]+[smhd]' | awk '{print $2}')
	case $win in 1d) win=24h ;; esac
	snap="$TMP/$name.snap.json"
	tui_snap "$name" "$snap"
	ok $? "$name (${w}x${h}): $n window changes, then S writes a snapshot of the $win window"
	"$EXECMON" snapshot --redis "$R" --window "$win" --now "$now" -o "$TMP/$name.head.json" 2>/dev/null
	same_figures "$snap" "$TMP/$name.head.json"
	ok $? "$name (${w}x${h}): every figure equals execmon snapshot --window $win"
	# the header's p50 and p95 are the latency pane's (one rounding, one formatter)
	local hp lp
	hp=$(tui_cap "$name" | sed -n 2p | grep -oE 'p50 [^ ]+ p95 [^ ]+')
	lp=$(tui_cap "$name" | grep -E '^ .* exec +[0-9]' | head -1 | sed 's/.* exec //' | awk '{print "p50 " $1 " p95 " $4}')
	[ -n "$hp" ] || hp="(none in the header)"
	is "$hp" "$lp" "$name (${w}x${h}): the header's percentiles ($hp) are the latency pane's"
	tui_keys "$name" q
}

# 1h -> 6h -> 24h -> 5m -> 15m -> 1h: growing past the history held reads it again;
# what was read stays for two of the longest window shown.
window_seq big 120 40 5
# 1h -> 6h -> 24h -> 5m -> 15m
window_seq small 80 24 4
# 1h -> 6h -> 24h -> 5m -> 15m -> 1h -> 6h
window_seq wide 200 60 7
# 5m -> 15m -> 1h -> 6h -> 24h -> 5m: the figures of 5m again after a day's window
window_seq back 120 40 5 5m

# --- every bundled theme loads under every common terminal type -------------
# (#rrggbb colours map to the nearest the terminal has; the themes are found
# next to the binary, whatever the working directory)
n=0
for term in xterm xterm-256color screen tmux-256color linux; do
	for th in default light high-contrast solarized-dark mono; do
		n=$((n + 1))
		tui_run "th$n" 100 30 TERM="$term" --redis "$R" --window 5m --theme "$th"
	done
done
n=0
for term in xterm xterm-256color screen tmux-256color linux; do
	for th in default light high-contrast solarized-dark mono; do
		n=$((n + 1))
		tui_wait "th$n" 20 '^ execmon ' >/dev/null
		ok $? "theme $th under TERM=$term: the dashboard draws"
		tui_keys "th$n" q
	done
done
n=0
for term in xterm xterm-256color screen tmux-256color linux; do
	for th in default light high-contrast solarized-dark mono; do
		n=$((n + 1))
		wait_for 10 test -s "$TMP/th$n.exit"
		is "$(cat "$TMP/th$n.exit" 2>/dev/null)" "EXIT=0" "theme $th under TERM=$term: exits 0 ($(head -c 120 "$TMP/th$n.err"))"
	done
done

# T cycles the theme at run time
tui_run thk 100 30 --redis "$R" --window 5m
tui_wait thk 20 '^ execmon ' >/dev/null
tui_keys thk T
tui_wait thk 5 'theme light'
ok $? "T switches to the next theme (light)"
for th in high-contrast solarized-dark mono default; do
	tui_keys thk T
	tui_wait thk 5 "theme $th"
	ok $? "T again: $th"
done
tui_keys thk q

done_testing
