#!/usr/bin/env bash
# What a first-time on-call user hit, each in a real terminal at 80x24, 120x40
# and 200x60: the anomalies pane says why it cannot judge; a source down marks
# the panes stale; overlays own their area and nothing of help is cut; 80x24
# keeps the figures that matter; names are not cut with room to spare; the
# selection stays on the same run; no progress over 100 %; "spent" says what
# it covers and agrees with the Models table; the queues pane keeps its order
# and one scale; a failed run's error is readable in full.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis s || exit 1
P=$REDIS_PORT_s
R="redis://127.0.0.1:$P"
NOW=$(ms_now)
SIZES="80x24 120x40 200x60"

# Twenty minutes of history on "hist", then a slow live workload on "live"
# (runs last a while, so the runs pane holds still-running runs to select).
"$EXECMON_GEN" --redis "$R" --stream hist --start-ts $((NOW - 21 * 60000)) --duration 20m \
	--rate 2 --seed 7 >/dev/null 2>"$TMP/gen.err"
ok $? "twenty minutes of history are in Redis"
"$EXECMON_GEN" --redis "$R" --stream live --rate 2 --time-scale 15 --seed 8 \
	>/dev/null 2>>"$TMP/gen.err" &
BG_PIDS="$BG_PIDS $!"

# A hand-made failed run with a long error, child of a run that keeps running,
# a run past its estimate, and a run that cost a twentieth of a cent.
xadd() { redis-cli -p "$P" XADD "$@" >/dev/null; }
LONGERR="RateLimitError: rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): limit 30000, used 29950, requested 1200; please try again in 2.5s and see the rate limits guide for details"
xadd hand '*' type run.started run_id parent-1 agent_name planner trace_id tr-hand
xadd hand '*' type run.started run_id child-1 agent_name coder trace_id tr-hand parent_run_id parent-1
xadd hand '*' type run.failed run_id child-1 agent_name coder trace_id tr-hand \
	error_class RateLimitError error_message "${LONGERR#RateLimitError: }"
xadd hand '*' type run.started run_id late-1 agent_name reviewer estimated_ms 1000
xadd hand '*' type llm.call run_id late-1 model_id gpt-4o provider_note 'upstream said needle-7f3a'
xadd hand '*' type run.started run_id tiny-1 agent_name summarizer
xadd hand '*' type llm.call run_id tiny-1 model_id claude-3-5-sonnet input_tokens 10 output_tokens 2 cost_usd 0.00048
xadd hand '*' type run.completed run_id tiny-1
sleep 2

tui_init || exit 1
STREAMS=(--redis "$R" --stream hist --stream live --stream hand)

for sz in $SIZES; do
	w=${sz%x*} h=${sz#*x}
	tui_run "m$w" "$w" "$h" "${STREAMS[@]}" --window 1h
done
for sz in $SIZES; do
	w=${sz%x*} h=${sz#*x}
	n="m$w"
	tui_wait "$n" 30 'peak [0-9]+/min at [0-9]' >/dev/null
	ok $? "$sz: the dashboard shows its figures"
	sleep 1
	tui_cap "$n" >"$TMP/$n.cap"
	# 80x24 keeps what matters: the Models cost and all six latency buckets
	grep -q 'model .*cost' "$TMP/$n.cap"
	ok $? "$sz: the Models table keeps its cost column"
	for b in 0-1s 1-5s 5-10s 10-30s 30-60s 60s+; do
		grep -q -- " $b " "$TMP/$n.cap" || grep -q -- " $b$" "$TMP/$n.cap" || { echo "# missing $b"; false; }
	done
	ok $? "$sz: every latency bucket is on screen"
	# names are not cut while there is room (two tables beside the runs)
	if [ "$w" -ge 120 ]; then
		grep -q 'claude-3-5-sonnet' "$TMP/$n.cap"
		ok $? "$sz: a model name is not cut to 8 columns"
		grep -q 'summarizer' "$TMP/$n.cap"
		ok $? "$sz: an agent name is not cut"
	fi
	# no progress above 100 %; a run past its estimate says it is late
	! grep -Eq '\b([1-9][0-9]{2,})%' "$TMP/$n.cap"
	ok $? "$sz: no percentage above 100 on screen"
	# the peak is to the minute; a time axis under the throughput chart
	grep -Eq 'peak [0-9]+/min at [0-9]{2}:[0-9]{2}Z' "$TMP/$n.cap" &&
		! grep -Eq 'at [0-9:]+\.[0-9]{3}Z' "$TMP/$n.cap"
	ok $? "$sz: the peak is given to the minute"
	[ "$(grep -Eo '[0-9]{2}:[0-9]{2}Z' "$TMP/$n.cap" | wc -l)" -ge 3 ]
	ok $? "$sz: the throughput chart has a time axis"
	# "spent" says what it covers
	grep -Eq '\$[0-9.]+k? spent( in 1h)?' "$TMP/$n.cap"
	ok $? "$sz: the header says what 'spent' covers"
	# the queues pane: a labelled scale, and no oldest wait on an empty queue
	if [ "$w" -gt 80 ] && ! python3 "$TMP/tui_screen.py" "$TMP/$n.cap" "Queues (depth, oldest wait)" 2>/dev/null |
	    awk 'NF && $1 != "workers:" && $2 != "0" { found = 1 } END { exit !found }'; then
		! grep -q 'scale 0-' "$TMP/$n.cap"
		ok $? "$sz: no scale is drawn while every queue is empty"
	elif [ "$w" -gt 80 ]; then
		grep -q 'scale 0-' "$TMP/$n.cap"
		ok $? "$sz: the queues' sparklines share one labelled scale"
	fi
	python3 "$TMP/tui_screen.py" "$TMP/$n.cap" "Queues (depth, oldest wait)" 2>/dev/null | awk '
		$2 == "0" && $3 != "-" { bad = 1 } END { exit bad }'
	ok $? "$sz: an empty queue shows no oldest wait"
done

# Queue rows keep their order from frame to frame.
q1=$(python3 "$TMP/tui_screen.py" "$TMP/m120.cap" "Queues (depth, oldest wait)" 2>/dev/null | awk 'NF && $1 != "workers:" {print $1}' | tr '\n' ' ')
sleep 3
tui_cap m120 >"$TMP/m120.b.cap"
q2=$(python3 "$TMP/tui_screen.py" "$TMP/m120.b.cap" "Queues (depth, oldest wait)" 2>/dev/null | awk 'NF && $1 != "workers:" {print $1}' | tr '\n' ' ')
is "$q2" "$q1" "the queue rows keep their order"
[ "$(echo "$q1" | tr ' ' '\n' | grep -v '^$' | LC_ALL=C sort | tr '\n' ' ')" = "$q1" ]
ok $? "the queue rows are in name order ($q1)"

# Spent agrees with the Models table under a status filter (s cycles it).
tui_keys m200 s
tui_wait m200 5 'filter status=' >/dev/null
sleep 1
tui_cap m200 >"$TMP/m200.s.cap"
python3 - "$TMP/m200.s.cap" <<'PY'
import re, sys
cap = open(sys.argv[1]).read().splitlines()
spent = re.search(r'\$([0-9.]+) spent', cap[1])
rows, seen = 0, None
total = 0.0
for line in cap:
    if re.search(r'\bmodel\b.*\bcost\b', line):
        seen = line.index("model")
        continue
    if seen is not None:
        m = re.search(r'\$([0-9.]+)', line[seen:seen + 60])
        if not m or not line[seen:seen + 60].strip():
            if rows:
                break
            continue
        total += float(m.group(1)); rows += 1
ok = spent is not None and rows > 0 and abs(float(spent.group(1)) - total) <= 0.01 * rows + 0.01
print("# spent %s, models %.4f over %d rows" % (spent and spent.group(1), total, rows))
sys.exit(0 if ok else 1)
PY
ok $? "under a status filter 'spent' equals the Models table's total"
tui_cap m200 | sed -n '/Anomalies/,+1p' | grep -q 'not judged under a status filter'
ok $? "under a status filter the anomalies pane says it does not judge"
tui_keys m200 f

# The anomalies pane with a 5m window: too short to judge, not "normal".
tui_keys m80 w w w
tui_wait m80 10 'window 5m' >/dev/null
tui_wait m80 10 'too short' >/dev/null
ok $? "a 5m window: the anomalies pane says it is too short to judge"
# the anomalies pane's text, its lines joined (the sentence wraps in it)
anomalies_text() {
	tui_cap "$1" | python3 -c '
import sys
cap = sys.stdin.read().splitlines()
top = next(i for i, l in enumerate(cap) if "Anomalies & stuck runs" in l)
x = cap[top].index("Anomalies") - 1
print(" ".join(l[x:].strip() for l in cap[top + 1:top + 5]))
'
}
whole_sentence() { anomalies_text m80 | grep -Eq 'too short \(the rules need [0-9]+ minutes; w\)'; }
wait_for 10 whole_sentence
ok $? "... the whole sentence, wrapped in the pane at 80x24, not cut"
! tui_match m80 'look normal'
ok $? "... and never that all looks normal"

# Help at 80x24: a bordered box that owns its area; nothing cut; it scrolls.
tui_keys m80 '?'
tui_wait m80 5 'keys' >/dev/null
tui_cap m80 >"$TMP/help.cap"
python3 - "$TMP/help.cap" <<'PY'
import sys
cap = open(sys.argv[1]).read().splitlines()
top = next(i for i, l in enumerate(cap) if "┌" in l)
bot = next(i for i, l in enumerate(cap) if "└" in l)
bad = [l for l in cap[top:bot + 1] if "▶" in l or "STUCK" in l or "◷" in l]
for l in bad:
    print("# " + l)
sys.exit(1 if bad else 0)
PY
ok $? "80x24 help: nothing of the screen below shows inside it"
grep -q "events are still read)" "$TMP/help.cap" && grep -q "pause the screen" "$TMP/help.cap"
ok $? "80x24 help: a description is whole, not cut at the column"
for _ in 1 2 3 4 5; do
	tui_match m80 'cycle the theme' && break
	tui_keys m80 PageDown
	sleep 0.3
done
tui_match m80 'cycle the theme'
ok $? "80x24 help scrolls to the keys below"
tui_keys m80 x

# Selection by identity: the run selected stays selected as new runs arrive
# above it (the default theme draws the selected row on colour 238).
sel_row() { tui_cap "$1" -e | grep '48;5;238' | grep -oE 'run-[0-9a-f-]+|parent-1|late-1' | head -1; }
tui_keys m120 g
for _ in $(seq 1 40); do
	[ "$(sel_row m120)" = parent-1 ] && break
	tui_keys m120 j
	sleep 0.1
done
is "$(sel_row m120)" parent-1 "the hand-made run parent-1 is selected"
row_before=$(tui_cap m120 | grep -n 'parent-1' | head -1 | cut -d: -f1)
sleep 5
row_after=$(tui_cap m120 | grep -n 'parent-1' | head -1 | cut -d: -f1)
is "$(sel_row m120)" parent-1 "it stays selected as runs come and go (row $row_before, then $row_after)"
tui_keys m120 Enter
tui_wait m120 5 '^ run parent-1' >/dev/null
ok $? "Enter opens the run that was selected"
tui_keys m120 Escape

# One list widget: the recent runs (hundreds) scroll a page at a time with a
# "+N more" line while rows are hidden, the selection stays on its run as
# runs finish above it, End reaches the last row, Esc closes the view.
sel_line() { tui_cap "$1" -e | grep '48;5;238' | head -1 | sed 's/\x1b\[[0-9;]*m//g; s/ *$//'; }
more_n() { tui_cap "$1" | grep -oE '\+[0-9]+ more' | head -1 | tr -dc 0-9; }
tui_keys m80 R
tui_wait m80 5 '^ recent runs: [0-9]+ finished' >/dev/null
ok $? "80x24: R opens the recent runs"
wait_for 10 tui_match m80 '\+[0-9]+ more'
ok $? "80x24 recent runs: a '+N more' line says rows are hidden"
first=$(sel_line m80)
more1=$(more_n m80)
tui_keys m80 NPage
moved() { [ "$(sel_line m80)" != "$first" ]; }
wait_for 10 moved
second=$(sel_line m80)
more2=$(more_n m80)
[ -n "$second" ] && [ "$second" != "$first" ]
ok $? "PgDn moves the selection a page down ($first | $second)"
[ -n "$more1" ] && [ -n "$more2" ] && [ "$more2" -lt "$more1" ]
ok $? "PgDn scrolls: fewer rows hidden below (+$more1 then +$more2)"
tui_keys m80 j j
wait_for 10 eval '[ "$(sel_line m80)" != "$second" ]'
held=$(sel_line m80)
id=$(printf '%s\n' "$held" | awk '{print $3}')
[ -n "$held" ] && [ -n "$id" ]
ok $? "a row is selected: $held"
# runs finish above it: wait until the list has grown, then look again
total() { tui_cap m80 | grep -oE '^ recent runs: [0-9]+' | grep -oE '[0-9]+$'; }
n1=$(total)
grown() { [ "$(total)" != "$n1" ]; }
wait_for 30 grown
ok $? "runs finished while the view was open ($n1 then $(total))"
is "$(sel_line m80)" "$held" "the selection stayed on its run as the list grew"
tui_keys m80 Enter
tui_wait m80 5 "^ run .*${id#…}" >/dev/null
ok $? "Enter opens the run that was selected ($id)"
tui_keys m80 Escape
tui_wait m80 5 '^ recent runs:' >/dev/null
ok $? "Esc goes back to the recent runs"
tui_keys m80 End  # tmux sends ESC [ 4 ~ under this TERM, which terminfo's xterm does not name
no_more() { ! tui_match m80 '\+[0-9]+ more'; }
wait_for 10 no_more
ok $? "End (sent as ESC [ 4 ~): the last row, nothing hidden below"
tui_match m80 '^ recent runs:'
ok $? "End did not read as Esc: the recent runs are still open"
tui_keys m80 g G
wait_for 10 no_more
ok $? "g then G: the last row again"
if tui_match m80 '\+[0-9]+ more'; then tui_cap m80 | sed 's/^/#   |/'; fi
tui_keys m80 Escape
tui_wait m80 5 'Live runs' >/dev/null
ok $? "Esc closes the recent runs"

# A failed run's error, in full, under the log's header; the detail scrolls.
tui_run err 80 24 --redis "$R" --stream hand --window 1h
tui_wait err 20 'parent-1' >/dev/null
tui_keys err g
for _ in 1 2 3 4; do
	tui_match err '^ run parent-1' && break
	tui_keys err j Enter
	sleep 0.5
	tui_match err '^ run parent-1' || tui_keys err Escape
done
tui_wait err 5 '^ run parent-1' >/dev/null
ok $? "the parent run's log opens"
tui_keys err t
tui_wait err 5 'trace tr-hand' >/dev/null
tui_keys err j Enter
tui_wait err 5 '^ run child-1' >/dev/null
ok $? "its child, failed, opens from the trace"
tui_cap err | tr -d '\n' | tr -s ' ' >"$TMP/err.flat"
grep -q "error: RateLimitError: rate limit reached for gpt-4o in organization org-abc" "$TMP/err.flat"
ok $? "the failed run's header gives its error class and message"
tui_cap err >"$TMP/ev1.cap"
tui_keys err J
sleep 0.3
tui_cap err >"$TMP/ev2.cap"
if grep -q 'lines 1-' "$TMP/ev1.cap"; then
	grep -Eq 'lines [2-9][0-9]*-' "$TMP/ev2.cap"
	ok $? "J scrolls the event detail (its title says which lines)"
else
	grep -q 'error_message' "$TMP/ev1.cap"
	ok $? "the event detail fits and shows the error message"
fi
# the trace opened from child-1's log highlights its first row, parent-1:
# y copies what is highlighted, not the run the trace was opened from
tui_keys err t
tui_wait err 5 'trace tr-hand' >/dev/null
tui_keys err y
sleep 0.5
is "$(tui show-buffer 2>/dev/null)" "parent-1" "y in the trace view copies the highlighted run"

# A tiny cost is never $0.00; a run past its estimate is late, not over 100%.
tui_keys err Escape Escape Escape
tui_wait err 10 'late-1' >/dev/null
tui_cap err | grep 'late-1' >"$TMP/late.row"
grep -Eq 'over|late' "$TMP/late.row" && ! grep -Eq '[0-9]{3,}%' "$TMP/late.row"
ok $? "a run past its estimate says it is late: $(tr -s ' ' <"$TMP/late.row")"
"$EXECMON" runs --redis "$R" --stream hand --window 1h 2>/dev/null | grep tiny-1 >"$TMP/tiny.row"
grep -q '\$0.00048' "$TMP/tiny.row"
ok $? "runs: a twentieth of a cent is \$0.00048, not \$0.000"

# F: the failed runs in one key, newest first, each with its error; Enter
# opens its log, Esc comes back to the list.
tui_keys err F
tui_wait err 5 'recent runs: [0-9]+ finished in 1h, status=failed' >/dev/null
ok $? "F lists the failed runs of the window"
tui_cap err | grep -q 'child-1.*RateLimitError'
ok $? "... each with its error class and message"
tui_keys err g Enter
tui_wait err 5 '^ run child-1' >/dev/null
ok $? "Enter opens the failed run's log"
tui_keys err Escape
tui_wait err 5 'recent runs:' >/dev/null
ok $? "Esc goes back to the list"
tui_keys err f

# Enter on a table row filters to it; Esc undoes (Agents is the sixth pane,
# Models the seventh).
tui_keys m200 Tab Tab Tab Tab Tab g Enter
tui_wait m200 5 'filter agent=[a-z]+' >/dev/null
ok $? "Enter on an agent row filters everything to that agent"
tui_keys m200 Escape
sleep 0.5
! tui_match m200 'filter agent='
ok $? "Esc undoes it"
tui_keys m200 Tab g Enter
tui_wait m200 5 'filter model=' >/dev/null
ok $? "Enter on a model row filters to that model"
tui_keys m200 Escape
# O sorts the focused table (Models) by its next column: name, A to Z
tui_keys m200 O
tui_wait m200 5 'sorted by name, ascending' >/dev/null
ok $? "O sorts the Models table by name"
python3 "$TMP/tui_screen.py" <(tui_cap m200) "Models (tokens, cost)" | awk 'NR > 1 && NF {print $1}' >"$TMP/models.sorted"
LC_ALL=C sort -c "$TMP/models.sorted"
ok $? "... and its rows are in name order ($(tr '\n' ' ' <"$TMP/models.sorted"))"
tui_keys m200 I
tui_wait m200 5 'sorted by name, descending' >/dev/null
python3 "$TMP/tui_screen.py" <(tui_cap m200) "Models (tokens, cost)" | awk 'NR > 1 && NF {print $1}' >"$TMP/models.rsorted"
LC_ALL=C sort -r -c "$TMP/models.rsorted"
ok $? "I inverts it"
tui_keys m200 Tab Tab

# / searches the text of every event held: a word only in an unknown field
# of an llm.call finds its run; its log opens with the event marked; in the
# log, / searches its events and n/N move between them.
tui_keys err Escape Escape
sleep 0.3
tui_keys err /
tui_wait err 3 'search: /' >/dev/null
tui_keys err n e e d l e - 7 f 3 a Enter
tui_wait err 5 'filter text=needle-7f3a' >/dev/null
ok $? "/ sets the search"
tui_cap err >"$TMP/search.cap"
grep -q 'late-1' "$TMP/search.cap" && ! grep -q 'parent-1' "$TMP/search.cap"
ok $? "it finds the run whose llm.call holds the word in its payload, and only it"
tui_keys err g Enter
tui_wait err 5 '^ run late-1' >/dev/null
tui_cap err | grep -Eq '^(▸|>).*llm\.call'
ok $? "its log opens with the matching event marked"
tui_keys err /
tui_wait err 3 'search this run: /' >/dev/null
tui_keys err r u n Enter
tui_wait err 5 '"run": [0-9]+ events? \(n next' >/dev/null
ok $? "/ in a run's log searches its events"
tui_keys err n
sleep 0.3
tui_match err '"run": [0-9]+ event'
ok $? "n goes to the next"
tui_keys err Escape f

# Saved views from the config (and the four built in), recalled by 1-9 or
# picked with V; table columns chosen in the config; a bad line is refused.
cat >"$TMP/xdg/execmon/config" <<'CFG'
view Mine = filter agent=planner sort longest window 1h
columns models = calls,cost
CFG
tui_run views 120 40 "${STREAMS[@]}" --window 1h
tui_wait views 30 'peak [0-9]+/min at [0-9]' >/dev/null
tui_keys views 5
tui_wait views 5 'view 5: Mine' >/dev/null
ok $? "5 recalls the config's view"
tui_match views 'filter agent=planner'
ok $? "... with its filter"
python3 "$TMP/tui_screen.py" <(tui_cap views) "Models (tokens, cost)" | head -1 | grep -Eq '^ *model +calls +cost *$'
ok $? "the Models table shows the config's columns only"
tui_keys views 1
tui_wait views 5 'recent runs: [0-9]+ finished in 1h, status=failed' >/dev/null
ok $? "1 recalls Errors: the failed runs"
tui_keys views V
tui_wait views 5 'pick a saved view' >/dev/null
tui_cap views | grep -q '1  Errors' && tui_cap views | grep -q '5  Mine'
ok $? "V lists the saved views"
tui_keys views Escape q
printf 'view Broken = sort sideways\n' >"$TMP/xdg/execmon/config"
XDG_CONFIG_HOME="$TMP/xdg" "$EXECMON" runs --redis "$R" --stream hand >/dev/null 2>"$TMP/badview.err"
is "$?" 2 "a bad view in the config: exit 2"
grep -q 'config .*:1: view: view Broken: sort' "$TMP/badview.err"
ok $? "... one line naming the file, the line and the cause: $(cat "$TMP/badview.err")"
rm -f "$TMP/xdg/execmon/config"

# --mouse: a click on a row of the Agents table selects it, a click on a
# column name sorts by it, a double click opens (SGR mouse reports, as xterm
# sends them; ncurses reads them from TERM=xterm-256color).
sgr() { tui send-keys -t "=$1:" -l "$(printf '\033[<%d;%d;%d%s' "$2" "$3" "$4" "$5")"; }
tui_run mouse 120 40 --mouse "${STREAMS[@]}" --window 1h
tui_wait mouse 30 'peak [0-9]+/min at [0-9]' >/dev/null
sleep 1
tui_cap mouse >"$TMP/mouse.cap"
hy=$(grep -n ' agent  *runs' "$TMP/mouse.cap" | head -1 | cut -d: -f1)
hx=$(awk -v y="$hy" 'NR == y { print index($0, "runs") }' "$TMP/mouse.cap")
[ -n "$hy" ] && [ -n "$hx" ]
ok $? "the Agents table's column names are on screen (row $hy, 'runs' at $hx)"
sgr mouse 0 "$hx" "$hy" M; sgr mouse 0 "$hx" "$hy" m
sleep 0.5
tui_cap mouse | sed -n "${hy}p" | grep -Eq '(▼|v)runs'
ok $? "a click on 'runs' sorts the table by it (the header marks it)"
sgr mouse 0 4 $((hy + 2)) M; sgr mouse 0 4 $((hy + 2)) m
sleep 0.5
tui_cap mouse -e | sed -n "$((hy + 2))p" | grep -q '48;5;238'
ok $? "a click on a row selects it"
sgr mouse 0 4 $((hy + 2)) M; sgr mouse 0 4 $((hy + 2)) m
sgr mouse 0 4 $((hy + 2)) M; sgr mouse 0 4 $((hy + 2)) m
tui_wait mouse 5 'filter agent=' >/dev/null
ok $? "a double click opens it (here: filters to the agent)"
tui_keys mouse q

# A budget in the config: the budgets pane (wide screens) shows it.
printf 'budget daily = cost per day <= $1000000\n' >"$TMP/xdg/execmon/config"
tui_run bud 200 60 "${STREAMS[@]}" --window 1h
tui_wait bud 30 'Budgets \(spent of limit' >/dev/null
ok $? "200x60: the budgets pane is on screen"
tui_wait bud 10 'daily/day: \$[0-9.]+ of \$1000000' >/dev/null
ok $? "... with the budget's spend and limit"
tui_keys bud q
rm -f "$TMP/xdg/execmon/config"

# -v: the sources' state changes are logged too (debug level)
"$EXECMON" runs --redis "$R" --stream hand --window 1h >/dev/null 2>"$TMP/quiet.err"
"$EXECMON" runs -v --redis "$R" --stream hand --window 1h >/dev/null 2>"$TMP/verbose.err"
grep -q -- '-> live\|-> backfilling' "$TMP/verbose.err" && ! grep -q -- '-> ' "$TMP/quiet.err"
ok $? "-v logs the sources' state changes, and without it they are not"

# A source down: the pane titles say stale, the anomalies pane says why.
kill -STOP "$REDIS_PID_s"
kill -9 "$REDIS_PID_s"
tui_wait m200 30 'cannot judge' >/dev/null
ok $? "Redis down: the anomalies pane says it cannot judge"
tui_match m200 ' stale '
ok $? "Redis down: the panes are marked stale"

# L: execmon's own messages, with the reconnects just logged
tui_keys m200 L
tui_wait m200 5 'messages: [1-9]' >/dev/null
ok $? "L opens execmon's own messages"
tui_cap m200 | grep -Eq '[0-9]{2}:[0-9]{2}:[0-9]{2}Z .*(redis|hist|live|hand)'
ok $? "each message has its time and names the source"
tui_keys m200 x

# An untouched table shows its top rows as they re-sort: agent a leads at
# the start, then b, c and d overtake it. The Agents pane at 80x24 shows two
# rows; it must show the new leaders and say "+2 more", not follow a down.
start_redis lead || exit 1
addruns() { # addruns AGENT N
	for i in $(seq 1 "$2"); do
		printf 'XADD lead * type run.started run_id %s-%s agent_name %s\n' "$1" "$i" "$1"
		printf 'XADD lead * type run.completed run_id %s-%s agent_name %s\n' "$1" "$i" "$1"
	done | redis-cli -p "$REDIS_PORT_lead" >/dev/null
}
addruns a 5; addruns b 1; addruns c 1; addruns d 1
tui_run lead 80 24 --redis "redis://127.0.0.1:$REDIS_PORT_lead" --stream lead --window 1h
tui_wait lead 10 ' a +5 ' >/dev/null
ok $? "80x24: agent a leads the Agents table at first"
addruns b 10; addruns c 11; addruns d 12
tui_wait lead 10 ' d +12 ' >/dev/null
tui_cap lead | grep -A3 '^ Agents' >"$TMP/lead.cap"
sed 's/^/# /' "$TMP/lead.cap"
sed -n 3p "$TMP/lead.cap" | grep -Eq '^ d +12 '
ok $? "the new leader is the table's first row"
sed -n 4p "$TMP/lead.cap" | grep -Eq '^ c +11 '
ok $? "the second is the next"
sed -n 1p "$TMP/lead.cap" | grep -q 'Agents.*+2 more'
ok $? "and the title says the two hidden rows are there"
tui_keys lead q

for sz in $SIZES; do tui_keys "m${sz%x*}" q; done
tui_keys err q
[ -n "${KEEP_CAPS:-}" ] && cp -r "$TMP" "$KEEP_CAPS"
done_testing
