#!/usr/bin/env bash
# Text by display width: names in CJK, emoji, combining marks, RTL letters,
# bidi overrides and zero-width joiners, in a real redis-server, shown by
# `execmon runs`, `execmon events` and the dashboard (in tmux, a real pty).
# Every column starts at the same cell on every row, text is cut between
# characters (never inside a UTF-8 sequence or an escape) with an ellipsis,
# and the tables do not depend on the caller's locale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tui/lib.sh"

need_tools tmux redis-server python3

start_redis w || exit 1
R="redis://127.0.0.1:$REDIS_PORT_w"

# Seven runs finished ten minutes ago and seven still running, one of each
# kind of name; the same names as models, queues, tools, types and errors.
python3 - "$REDIS_PORT_w" <<'EOF' || { echo "Bail out! could not fill redis"; exit 1; }
import subprocess, sys, time
port = sys.argv[1]
now = int(time.time() * 1000)
names = [
    ("cjk", "数据分析代理人员工作", "模型甲乙丙丁"),
    ("emoji", "🤖助手🚀火箭🔥", "gpt-🚀"),
    ("comb", "cafe\u0301-e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301", "mode\u0300l"),
    ("rlo", "agent\u202eevil-name", "m\u202eodel"),
    ("zwj", "\U0001F468\u200d\U0001F469\u200d\U0001F467 family", "zwj\u200dmodel"),
    ("rtl", "סוכן-עברית-ערבית", "نموذج"),
    ("plain", "planner", "gpt-4o"),
]
cmds = []
def xadd(**f):
    cmds.append(["XADD", "execmon:events", "*"] + [x for k, v in f.items() for x in (k, str(v))])
for i, (tag, agent, model) in enumerate(names):
    rid = "run-" + tag + "-" + agent[:6]
    t0 = now - 600000 + i * 1000
    xadd(type="run.queued", run_id=rid, agent_name=agent, ts=t0, queue="队列" + tag)
    xadd(type="run.started", run_id=rid, agent_name=agent, ts=t0 + 100)
    xadd(type="llm.call", run_id=rid, model_id=model, input_tokens=100, output_tokens=50,
         cost_usd=0.01, duration_ms=300, ts=t0 + 200)
    xadd(type="tool.call", run_id=rid, tool_id="工具" + tag, duration_ms=30, outcome="success",
         ts=t0 + 250)
    xadd(type="自定义事件类型" + tag, run_id=rid, ts=t0 + 260, message="消息 " + agent)
    if i % 2:
        xadd(type="run.failed", run_id=rid, ts=t0 + 5000, error_class="错误" + tag,
             error_message="失败了 " + agent + " 😀😀😀😀😀😀")
    else:
        xadd(type="run.completed", run_id=rid, ts=t0 + 5000)
    xadd(type="run.started", run_id="live-" + tag, agent_name=agent, ts=now - 5000,
         estimated_ms=60000, trace_id="追踪" + tag + "abcdef")
    xadd(type="自定义事件类型" + tag, run_id="live-" + tag, ts=now - 4000, message="消息 " + agent)
    xadd(type="llm.call", run_id="live-" + tag, model_id=model, input_tokens=10,
         output_tokens=5, cost_usd=0.001, duration_ms=100, ts=now - 3000)
inp = "".join(" ".join('"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in c) + "\n"
              for c in cmds)
subprocess.run(["redis-cli", "-p", port], input=inp.encode(), check=True,
               stdout=subprocess.DEVNULL)
EOF
is "$(redis-cli -p "$REDIS_PORT_w" XLEN execmon:events)" 63 "63 entries with wide, combining, RTL and joined names"

# cells.py: widths as a terminal counts them (wcwidth in C.UTF-8, as tmux)
cat >"$TMP/cells.py" <<'EOF'
import ctypes, locale, re, sys
locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
libc = ctypes.CDLL("libc.so.6")
libc.wcwidth.argtypes = [ctypes.c_wchar]

def width(s):
    return sum(max(libc.wcwidth(c), 0) for c in s)

def cell_of(line, index):
    """The cell where line[index] starts."""
    return width(line[:index])

def at_cell(line, cell):
    """The index of the character starting at cell, or None (inside a wide one)."""
    w = 0
    for i, c in enumerate(line):
        if w == cell:
            return i
        if w > cell:
            return None
        w += max(libc.wcwidth(c), 0)
    return len(line) if w == cell else None

def no_broken_text(s):
    """No escape of a byte (the data has none) and no escape cut short."""
    assert "\\x" not in s, "an escaped byte: %r" % s[s.index("\\x") - 10:s.index("\\x") + 10]
    for m in re.finditer(r"\\[uU]", s):
        n = 4 if m.group() == "\\u" else 8
        assert re.fullmatch("[0-9a-f]{%d}" % n, s[m.end():m.end() + n]), \
            "an escape cut short: %r" % s[m.start():m.end() + n]
    assert "\ufffd" not in s, "a replacement character"
EOF

# --- execmon runs: every column at its cell, in any locale --------------------------
PIN=$(python3 -c 'import time; print(int(time.time() * 1000))')
LC_ALL=C "$EXECMON" runs --redis "$R" --limit 30 --now "$PIN" >"$TMP/runs-c.txt" 2>"$TMP/runs.err"
is "$?" 0 "runs exits 0"
LC_ALL=C.UTF-8 "$EXECMON" runs --redis "$R" --limit 30 --now "$PIN" >"$TMP/runs-u.txt" 2>/dev/null
cmp -s "$TMP/runs-c.txt" "$TMP/runs-u.txt"
ok $? "runs prints the same table in the C locale and in C.UTF-8"
check "runs: every column starts at its cell on every row; cut cells end in '~'" \
	python3 - "$TMP/cells.py" "$TMP/runs-c.txt" <<'EOF'
import sys
exec(open(sys.argv[1]).read())
rows = open(sys.argv[2], encoding="utf-8").read().rstrip("\n").split("\n")
head = rows[0]
names = head.split()
widths = [9, 20, 13, 13, 11, 8, 6, 8, 24]   # the table's columns (report.c)
starts = [sum(widths[:k]) + k for k in range(len(widths))]
assert head == " ".join(("%*s" if n in ("DURATION", "TOKENS", "COST") else "%-*s") % (w, n)
                        for n, w in zip(names, widths)).rstrip(), head
assert len(rows) == 15, "%d rows" % len(rows)
no_broken_text("\n".join(rows))
for r in rows[1:]:
    r += " " * (120 - width(r))           # trailing spaces are not printed
    cells = []
    for k, c in enumerate(starts):
        i = at_cell(r, c)
        assert i is not None, "column %s of %r starts inside a character" % (names[k], r)
        if k > 0:
            assert r[i - 1] == " ", "no space before column %s of %r" % (names[k], r)
        cells.append(i)
    agent = r[cells[2]:cells[3] - 1]
    assert width(agent) == starts[3] - starts[2] - 1, "AGENT cell of %r is %d cells" % (r, width(agent))
    model = r[cells[3]:cells[4] - 1]
    assert width(model) == starts[4] - starts[3] - 1, "MODEL cell of %r" % r
    assert r[cells[5]:cells[6]].strip().endswith("s"), "DURATION of %r not right-aligned" % r
print("ok")
EOF
grep -q "数据分析代理~ " "$TMP/runs-c.txt"
ok $? "runs: a CJK agent is cut between characters, with '~'"
grep -qF "$(printf 'cafe\314\201-e\314\201e\314\201e\314\201e\314\201e\314\201e\314\201   ')" \
	"$TMP/runs-c.txt"
ok $? "runs: combining marks take no cell (11 letters with their marks, 2 spaces of padding)"
grep -q "agent\\\\u202ee~ " "$TMP/runs-c.txt"
ok $? "runs: a bidi override is shown as its escape, never cut inside it"
grep -q "👨\\\\u200d👩~ " "$TMP/runs-c.txt"
ok $? "runs: a zero-width joiner is shown as its escape; the cut comes after it"

# --- execmon events: the DETAIL column starts at the same cell on every row -----------
"$EXECMON" events "run-emoji-🤖助手🚀火箭" --redis "$R" >"$TMP/events.txt" 2>"$TMP/events.err"
is "$?" 0 "events exits 0"
check "events: DETAIL starts at cell 44 on every row; a CJK type is cut at 16 cells" \
	python3 - "$TMP/cells.py" "$TMP/events.txt" <<'EOF'
import sys
exec(open(sys.argv[1]).read())
rows = open(sys.argv[2], encoding="utf-8").read().rstrip("\n").split("\n")
assert len(rows) == 7, "%d rows" % len(rows)
no_broken_text("\n".join(rows))
for r in rows:
    i = at_cell(r, 44)
    assert i is not None and r[i - 2:i] == "  " and r[i] != " ", "row %r" % r
assert any(r[26:].startswith("自定义事件类型e~  ") for r in rows), rows
print("ok")
EOF

# --- the dashboard in a real terminal -----------------------------------------------
tui_init || {
	echo "Bail out! tmux did not start"
	exit 1
}
tui_run D 200 50 --redis "$R"
tui_wait D 15 'live-zwj'
ok $? "the dashboard shows the runs"
tui_wait D 10 'tool +calls'
tui_cap D >"$TMP/dash.cap"
check "dashboard: each pane's columns start at the same cell on every row" \
	python3 - "$TMP/cells.py" "$TMP/dash.cap" <<'EOF'
import sys
exec(open(sys.argv[1]).read())
rows = open(sys.argv[2], encoding="utf-8").read().split("\n")
no_broken_text("\n".join(rows))

def same(label, found):
    assert len(found) >= 7, "%s: %d rows: %r" % (label, len(found), found)
    assert len(set(found)) == 1, "%s: at cells %r" % (label, found)

live = [r for r in rows if " live-" in r]
same("live runs: percentage", [cell_of(r, r.index("%")) for r in live])
same("live runs: eta", [cell_of(r, r.index("eta ")) for r in live])
same("live runs: trace", [cell_of(r, r.index("追踪")) for r in live])
queues = [r for r in rows if "队列" in r]
same("queues: depth", [cell_of(r, r.rindex(" 0 ")) for r in queues])
top = next(i for i, r in enumerate(rows) if r.lstrip().startswith("agent ") and "tool" in r)
table = [r for r in rows[top + 1:top + 8]]
same("agents: ok%", [cell_of(r, r.index("%")) for r in table])
same("models: cost", [cell_of(r, r.index("$")) for r in table])
same("tools: p95", [cell_of(r, r.rindex("ms")) for r in table])
same("tools: name", [cell_of(r, r.index("工具")) for r in table])
print("ok")
EOF
tui_match D "数据分析代理… "
ok $? "dashboard: a CJK agent is cut between characters, with an ellipsis"
tui_match D 'agent\\u202eev… '
ok $? "dashboard: a bidi override is shown whole as its escape, the cut after it"
tui_match D "追踪cjka "
ok $? "dashboard: a trace id is clipped to 8 cells, not 8 bytes"

# the run log view of the first live run: the type column is 16 cells
tui_keys D Enter
tui_wait D 5 '^ run live-'
ok $? "dashboard: a run's log opens"
tui_cap D >"$TMP/log.cap"
check "run log: the detail starts at the same cell on every row; a CJK type is cut" \
	python3 - "$TMP/cells.py" "$TMP/log.cap" <<'EOF'
import sys
exec(open(sys.argv[1]).read())
rows = open(sys.argv[2], encoding="utf-8").read().split("\n")
no_broken_text("\n".join(rows))
log = [r for r in rows if r.startswith(" +")]
assert len(log) == 3, log
for r in log:
    i = at_cell(r, 28)
    assert i is not None and r[i - 1] == " " and r[i] != " ", "row %r" % r
assert any("自定义事件类型c…" in r for r in log), log
print("ok")
EOF
tui_keys D Escape

# the same in a terminal that is not UTF-8: one '?' a character, columns kept
tui_run A 200 50 LANG=C LC_ALL=C --redis "$R"
tui_wait A 15 'live-zwj'
ok $? "the dashboard in the C locale"
tui_cap A >"$TMP/ascii.cap"
check "dashboard, ASCII only: columns at the same cell, nothing but ASCII" \
	python3 - "$TMP/cells.py" "$TMP/ascii.cap" <<'EOF'
import sys
exec(open(sys.argv[1]).read())
rows = open(sys.argv[2], encoding="utf-8").read().split("\n")
live = [r for r in rows if " live-" in r]
assert len(live) == 7, live
assert all(c < "\x7f" for r in live for c in r), [r for r in live if any(c >= "\x7f" for c in r)]
assert len(set(r.index("%") for r in live)) == 1, live
print("ok")
EOF
tui_keys D q
tui_keys A q
wait_for 5 test -e "$TMP/D.exit"
is "$(cat "$TMP/D.exit" 2>/dev/null)" "EXIT=0" "the dashboard exits 0"
wait_for 5 test -e "$TMP/A.exit"

done_testing
