#!/usr/bin/env python3
"""Hostile workload for tests/integration/hostile.sh: write it, check outputs.

  hostile.py gen DIR          write DIR/cmds.resp (for redis-cli --pipe) and
                              DIR/expected.json (what execmon must report)
  hostile.py clean FILE...    exit 1 if a file holds a byte or character that
                              could drive a terminal, or is not UTF-8
  hostile.py pty FILE CMD...  run CMD with a terminal as its stdout and stderr,
                              what it wrote (CRLF as LF) into FILE; CMD's status
  hostile.py record FILE EXPECTED
  hostile.py summary STDERR_FILE EXPECTED
  hostile.py snapshot FILE EXPECTED
"""
import json
import re
import sys
import time

# Every way a string can attack a terminal, one a piece.
HOSTILE = [
    b"\x1b[2J\x1b[H",                 # CSI: clear the screen, home
    b"\x1b[31;5mred",                 # CSI: colour, blink
    b"\x1b]52;c;cHduZWQ=\x07",        # OSC 52: write the clipboard
    b"\x1b]0;pwned\x07",              # OSC 0: set the window title
    b"\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    b"\x1bP+q\x1b\\",                 # DCS
    b"\x01\x02\x07\x08\r\x0b\x0c",    # C0 controls, BEL, BS, CR
    b"\x7f",                          # DEL
    b"\xc2\x9b2J\xc2\x9d0;t\xc2\x9c",  # C1 CSI / OSC / ST as UTF-8
    b"\x9b2J\x9d",                    # raw C1 bytes (not UTF-8)
    b"\xff\xfe\xc0\xaf\xed\xa0\x80",  # invalid UTF-8
    b"\xe2\x80\xaegnp.exe",           # RIGHT-TO-LEFT OVERRIDE
    b"\xe2\x81\xa6x\xe2\x81\xa9",     # LRI .. PDI
    b"a\xe2\x80\x8bb\xe2\x80\x8dc\xef\xbb\xbf",  # zero-width, BOM
]
STRING_FIELDS = [
    "agent_id", "agent_name", "agent_version", "trace_id", "span_id",
    "parent_run_id", "root_run_id", "request_id", "user_id", "workspace_id",
    "source", "queue", "message", "model_id", "finish_reason",
    "fallback_reason", "error_class", "error_message", "tool_id", "outcome",
    "error_kind",
]
RUNS = 14
IN_TOKENS, OUT_TOKENS, COST = 1000, 100, 0.25


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def hostile(i):
    return HOSTILE[i % len(HOSTILE)] + b" #%d " % i + HOSTILE[(i + 5) % len(HOSTILE)]


def gen(d):
    now = int(time.time() * 1000)
    cmds = []
    good = 0
    mal = {}

    def xadd(*fields, stream="h:events", entry_id="*", reason=None):
        nonlocal good
        cmds.append(resp("XADD", stream, entry_id, *fields))
        if reason is None:
            good += 1
        else:
            mal[reason] = mal.get(reason, 0) + 1

    run_ids = []
    for r in range(RUNS):
        rid = b"run-%d-" % r + HOSTILE[r % len(HOSTILE)]
        run_ids.append(rid)
        t0 = now - 600000 + r * 1000
        strings = []
        for k, f in enumerate(STRING_FIELDS):
            strings += [f, hostile(r + k)]
        flat = r % 2 == 0

        def event(typ, ts, extra):
            if flat:
                xadd("type", typ, "run_id", rid, "ts", str(ts), *extra)
            else:
                if isinstance(typ, bytes):
                    typ = typ.decode("utf-8", "surrogateescape")
                obj = {"type": typ, "run_id": rid.decode("utf-8", "surrogateescape"),
                       "ts": ts}
                for a, b in zip(extra[::2], extra[1::2]):
                    v = b.decode("utf-8", "surrogateescape") if isinstance(b, bytes) else b
                    obj[a] = int(v) if isinstance(v, str) and v.isdigit() else v
                # Controls go in \u-escaped, invalid bytes raw.
                text = json.dumps(obj, ensure_ascii=False).encode(
                    "utf-8", "surrogateescape")
                xadd("json", text)

        event("run.queued", t0, ["queue", hostile(r), "priority", "1"] + strings[:8])
        event("run.started", t0 + 100, strings)
        event("llm.call", t0 + 200, ["model_id", hostile(r + 1),
              "input_tokens", str(IN_TOKENS), "output_tokens", str(OUT_TOKENS),
              "cost_usd", str(COST), "duration_ms", "150"])
        event("tool.call", t0 + 300, ["tool_id", hostile(r + 2), "outcome",
              "success", "duration_ms", "20", "error_kind", hostile(r + 3)])
        event("log", t0 + 400, ["message", hostile(r + 4)])
        event(b"custom." + HOSTILE[r % len(HOSTILE)], t0 + 450, ["message", hostile(r)])
        # Absurd numbers on the same run: each must be refused.
        for field, value, why in [
                ("cost_usd", "1e300", "bad_value"),
                ("cost_usd", "NaN", "bad_number"),
                ("cost_usd", "inf", "bad_number"),
                ("cost_usd", "-0.5", "bad_value"),
                ("input_tokens", "9223372036854775807", "bad_value"),
                ("output_tokens", "-1", "bad_value"),
                ("duration_ms", "-5000", "bad_value"),
                ("duration_ms", "1e999", "bad_number"),
                ("ts", "9999-12-31T23:59:59Z", "bad_ts"),
                ("ts", "253402300799000", "bad_ts")]:
            xadd("type", "llm.call", "run_id", rid, "ts", str(t0 + 500), field,
                 value, reason=why)
        term = "run.failed" if r % 3 == 0 else "run.completed"
        event(term, t0 + 1000, ["error_class", hostile(r + 6), "error_message",
              hostile(r + 7)])

    # One of every other kind of malformed entry.
    xadd("run_id", "x", "message", HOSTILE[0], reason="no_type")
    xadd("json", "{broken", reason="bad_json")
    xadd("json", '{"type":"llm.call","run_id":"x","cost_usd":NaN}', reason="bad_json")
    xadd("json", '["not", "an", "object"]', reason="bad_json")
    xadd("type", "llm.call", "run_id", "x", "input_tokens", "many", reason="bad_number")
    xadd("type", "llm.call", "run_id", "x", "streaming", "maybe", reason="bad_bool")
    xadd("type", "log", "run_id", "x", "ts", "yesterday", reason="bad_ts")
    xadd("type", "run.started", "agent_name", HOSTILE[1], reason="no_run_id")
    xadd("json", '{"type":"log","run_id":{"a":1}}', reason="bad_type")
    xadd("json", '{"type":"llm.call","run_id":"x","input_tokens":true}', reason="bad_type")
    xadd("json", '{"type":["log"],"run_id":"x"}', reason="bad_type")
    xadd("type", "run.progress", "run_id", "x", "progress", "50", reason="bad_value")
    # Oversized: a 10 MB field, 100k fields, JSON 10k levels deep.
    xadd("type", "log", "run_id", "big", "message", b"\x1b[2J" * (10 * 1024 * 1024 // 4),
         reason="too_large")
    wide = ["type", "log", "run_id", "wide"]
    for i in range(100000):
        wide += ["f%d" % i, "\x1b[%dm" % (i % 100)]
    xadd(*wide, reason="too_large")
    xadd("json", '{"type":"log","run_id":"deep","x":' + "[" * 10000 + "]" * 10000 + "}",
         reason="too_large")
    xadd("json", "[" * 10000 + "]" * 10000, reason="too_large")
    # An entry ID in year 9999 and no ts: its time is no time.
    xadd("type", "log", "run_id", "future", stream="h:future",
         entry_id="253402300799000-0", reason="bad_ts")

    with open(d + "/cmds.resp", "wb") as f:
        f.write(b"".join(cmds))
    expected = {
        "good": good,
        "malformed": mal,
        "runs": RUNS,
        "input_tokens": RUNS * IN_TOKENS,
        "output_tokens": RUNS * OUT_TOKENS,
        "cost": RUNS * COST,
        "run_ids": [r.decode("utf-8", "surrogateescape") for r in run_ids],
    }
    with open(d + "/expected.json", "w") as f:
        json.dump(expected, f)
    # The first run's id as raw bytes, for `execmon events` on the command line.
    with open(d + "/run0.id", "wb") as f:
        f.write(run_ids[0])


BAD_CODEPOINTS = set(range(0x80, 0xa0)) | {0x061c, 0x200b, 0x200c, 0x200d,
                                           0x200e, 0x200f, 0x2028, 0x2029,
                                           0x2060, 0xfeff} | \
    set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))


def clean(paths):
    bad = 0
    for p in paths:
        data = open(p, "rb").read()
        for i, b in enumerate(data):
            if (b < 0x20 and b != 0x0a) or b == 0x7f:
                print("%s: byte 0x%02x at %d: %r" % (p, b, i, data[max(0, i - 20):i + 20]))
                bad += 1
                break
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            print("%s: not UTF-8: %s" % (p, e))
            bad += 1
            continue
        for i, c in enumerate(text):
            if ord(c) in BAD_CODEPOINTS:
                print("%s: U+%04X at %d" % (p, ord(c), i))
                bad += 1
                break
    return 1 if bad else 0


def strict_json(text):
    def no_constants(name):
        raise ValueError("non-finite number " + name)
    return json.loads(text, parse_constant=no_constants)


def record(path, exp_path):
    exp = json.load(open(exp_path))
    n = 0
    for lineno, line in enumerate(open(path, "rb"), 1):
        obj = strict_json(line.decode("utf-8"))
        assert isinstance(obj, dict), "line %d is not an object" % lineno
        assert "type" in obj and "ts" in obj and "_source" in obj and "_id" in obj, \
            "line %d lacks type, ts, _source or _id" % lineno
        n += 1
    assert n == exp["good"], "%d lines, %d well-formed entries written" % (n, exp["good"])
    return 0


def summary(path, exp_path):
    exp = json.load(open(exp_path))
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"execmon: (\d+) events, (\d+) malformed(?: \(([^)]*)\))?", text)
    assert m, "no summary line in:\n" + text
    got = {}
    if m.group(3):
        for part in m.group(3).split(", "):
            k, v = part.rsplit(" ", 1)
            got[k] = int(v)
    assert int(m.group(1)) == exp["good"], "events %s != %d" % (m.group(1), exp["good"])
    assert got == exp["malformed"], "malformed %r != %r" % (got, exp["malformed"])
    return 0


def snapshot(path, exp_path):
    exp = json.load(open(exp_path))
    snap = strict_json(open(path, encoding="utf-8").read())
    mal = {}
    for s in snap["sources"]:
        for k, v in s["malformed"].items():
            mal[k] = mal.get(k, 0) + v
    assert mal == exp["malformed"], "sources' malformed %r != %r" % (mal, exp["malformed"])
    t = snap["totals"]
    assert t["inputTokens"] == exp["input_tokens"], "inputTokens %r" % t["inputTokens"]
    assert t["outputTokens"] == exp["output_tokens"], "outputTokens %r" % t["outputTokens"]
    assert abs(t["cost"] - exp["cost"]) < 1e-9, "cost %r" % t["cost"]

    def walk(v, where):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, where + "." + k)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, "%s[%d]" % (where, i))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            low = where.lower()
            if "latency" in low or low.endswith(("avg", "median", "p50", "p75",
                                                  "p90", "p95", "p99", "duration")):
                assert v >= 0, "%s = %r is negative" % (where, v)
                assert v < 366 * 86400, "%s = %r is absurd" % (where, v)
    walk(snap, "")
    return 0


def run_pty(path, argv):
    import os
    import pty
    import subprocess
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    out = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out.append(chunk)
    os.close(master)
    status = p.wait()
    with open(path, "wb") as f:
        f.write(b"".join(out).replace(b"\r\n", b"\n"))
    return status if status >= 0 else 128 - status


def main(argv):
    cmd = argv[1]
    if cmd == "pty":
        return run_pty(argv[2], argv[3:])
    if cmd == "gen":
        gen(argv[2])
        return 0
    if cmd == "clean":
        return clean(argv[2:])
    try:
        return {"record": record, "summary": summary,
                "snapshot": snapshot}[cmd](argv[2], argv[3])
    except (AssertionError, ValueError, KeyError) as e:
        print("%s: %s" % (cmd, e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
