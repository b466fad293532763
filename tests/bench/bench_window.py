"""execmon benchmarks, item 9: changing the window over a day of history.

A stream holds BENCH_WINDOW_HOURS (24) hours of events at BENCH_WINDOW_RATE
events/s, written by execmon-gen in batch mode with --ts-mode id: the entry
IDs are the event times, as in a stream written live for a day, so a
headless snapshot of a short window reads only its own minutes. The issue's
figure is at 1000 ev/s (86.4M events); Redis alone needs about 300 bytes an
entry (~26 GB) for that, so the default is 100 ev/s (8.64M events, 1/10 of
the rate) and every row names the rate it was measured at.

The dashboard starts with --window 24h and --now pinned (it reads the whole
day), and once it shows everything (and one eviction pass later) its RSS is
the figure "a day of history held". Then, BENCH_WINDOW_ROUNDS times
(BENCH_ROUNDS, at most 3, unless set), `w` is pressed
five times: 24h -> 5m, then 5m -> 15m -> 1h -> 6h -> 24h (the window keys'
cycle). Each change (1 s after the frame of the one before) is timed from the
key to the first --stats line that
carries the new window with everything read and held by the figures (no
source reading, no event left out); the line's recompute field is the time
the figures took. A change that makes the dashboard read its history again
counts as a reload. Finally S writes the dashboard's snapshot at 24h, `w`
goes to 5m, S again, and each is compared with `execmon snapshot` of that
window (every figure but the ones about the process, as
tests/integration/dash-truth.sh compares them, and but when each alert
rule's state began, which is this process's own). At 5m the comparison with
the previous period (performance.vsLastPeriod) is left out: a headless
snapshot reads the entries of two windows back (their IDs are the event
times), so a run of the previous period that began before that lacks its
start there, while the dashboard holds it; at 24h nothing is left out.
"""

import glob
import json
import os
import shutil
import statistics
import tempfile
import time

from benchlib import ROUNDS, Dash, load, loading, log, record, run

# rounds of the five changes (today a round can read the day again twice)
WROUNDS = int(os.environ.get("BENCH_WINDOW_ROUNDS", str(min(ROUNDS, 3))))
RATE = float(os.environ.get("BENCH_WINDOW_RATE", "100"))
HOURS = float(os.environ.get("BENCH_WINDOW_HOURS", "24"))
# the cycle of `w`, from 24h
STEPS = [(86400, 300), (300, 900), (900, 3600), (3600, 21600), (21600, 86400)]
NAMES = {300: "5m", 900: "15m", 3600: "1h", 21600: "6h", 86400: "24h"}
SKIP = {"generatedAt", "resources", "sources", "filter", "window"}


def diffs(a, b, p="", out=None, skip=()):
    """Where two snapshots differ (at most 10 places), skipping SKIP at the
    top, the alerts' "since" (the state of the rules in this process) and
    the paths in skip ("performance.vsLastPeriod")."""
    out = [] if out is None else out
    if len(out) >= 10:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if (p == "" and k in SKIP) or (p.startswith("alerts.") and k == "since") or \
                    p + k in skip:
                continue
            if k not in a or k not in b:
                out.append("only in one: " + p + k)
            else:
                diffs(a[k], b[k], p + k + ".", out, skip)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d items against %d" % (p, len(a), len(b)))
        for i, (u, v) in enumerate(zip(a, b)):
            diffs(u, v, "%s%d." % (p, i), out, skip)
    elif a != b:
        out.append("%s: %r against %r" % (p, a, b))
    return out


def change(d, target, timeout=900):
    """Press w; wait for the first frame of window `target` showing
    everything. Returns (key to frame ms, recompute ms, reloaded) or None.

    A change that reads the history again first draws frames of the new
    window with the old figures (the recompute field unchanged) and no
    source reading, while it frees what it held; then it reads. So a frame
    counts when its figures were recomputed since the key, or when it is the
    first whole frame after the reading."""
    k0 = len(d.lines)
    before = d.lines[-1][7] if d.lines else None
    t_key = time.time()
    d.key("w")
    deadline = t_key + timeout
    while time.time() < deadline:
        d.pump(0.01)
        new = d.lines[k0:]
        last = max((i for i, x in enumerate(new) if loading(x[5])), default=-1)
        for st in new[last + 1:]:
            if st[6] == target and st[4] == 0 and not loading(st[5]) and \
                    (last >= 0 or st[7] != before):
                return (st[0] - t_key * 1000.0, st[7], last >= 0)
    return None


def snap_key(d, cwd, timeout=600):
    """Press S; return the path of the snapshot the dashboard wrote, or None."""
    for f in glob.glob(os.path.join(cwd, "execmon-snapshot-*.json")):
        os.unlink(f)
    d.key("S")
    deadline = time.time() + timeout
    while time.time() < deadline:
        d.pump(0.1)
        got = glob.glob(os.path.join(cwd, "execmon-snapshot-*.json"))
        if got:
            # written through a temporary file and renamed: whole once there
            try:
                with open(got[0]) as f:
                    return json.load(f), got[0]
            except (OSError, ValueError):
                continue
    return None, None


def bench_window(execmon, gen, redis):
    span = int(HOURS * 3600)
    entries = int(RATE * span)
    tmp = tempfile.mkdtemp(prefix="execmon-window-")
    conf = os.path.join(tmp, "empty.conf")
    open(conf, "w").close()
    scale = "%.0f ev/s over %.0f h" % (RATE, HOURS)
    t0 = time.time()
    # event times end two minutes ago: all before the pinned now
    end_ms = int(time.time() * 1000) - 120000
    n = load(gen, redis, "bench:day", entries, span, end_ms, extra=["--ts-mode", "id"])
    now_ms = int(time.time() * 1000)
    log("bench:day: %d entries (%d asked), %s, entry IDs = event times, loaded in %.0f s"
        % (n, entries, scale, time.time() - t0))
    common = ["--redis", redis.url, "--stream", "bench:day", "--now", str(now_ms),
              "--config", conf]
    d = Dash(execmon, common + ["--window", "24h"], cwd=tmp)
    times = {s: [] for s in STEPS}
    computes = {s: [] for s in STEPS}
    reloads, failed = 0, None
    try:
        deadline = time.time() + 3600
        while d.full_since(n) is None and time.time() < deadline:
            d.pump(0.2)
        if d.full_since(n) is None:
            raise RuntimeError("dashboard: the day of history (%d entries) was not read" % n)
        full_s = d.full_since(n) - d.t0
        settle = time.time() + 11
        while time.time() < settle:
            d.pump(0.2)
        rss, hwm = d.rss_kib()
        for _ in range(WROUNDS):
            for s in STEPS:
                got = change(d, s[1])
                if got is None:
                    failed = "%s -> %s: no frame of the new window in 900 s" % (
                        NAMES[s[0]], NAMES[s[1]])
                    break
                times[s].append(got[0])
                computes[s].append(got[1])
                reloads += got[2]
                log("  window %s -> %s: %.0f ms to the frame, figures %.1f ms%s" % (
                    NAMES[s[0]], NAMES[s[1]], got[0], got[1], ", read again" if got[2] else ""))
                d.pump(1.0)  # as a user would look at it, not a key right after the frame
            if failed:
                break
        same = []
        if not failed:
            # at 24h now: S, then w to 5m and S again
            for win in ("24h", "5m"):
                if win == "5m":
                    got = change(d, 300)
                    if got is None:
                        failed = "24h -> 5m: no frame of the new window"
                        break
                dash, _ = snap_key(d, tmp)
                head = os.path.join(tmp, "head-%s.json" % win)
                run([execmon, "snapshot"] + common + ["--window", win, "-o", head])
                skip = ("performance.vsLastPeriod",) if win == "5m" else ()
                with open(head) as f:
                    same.append((win, None if dash is None else
                                 diffs(dash, json.load(f), skip=skip)))
    finally:
        d.stop()
        redis.cli("DEL", "bench:day")
        shutil.rmtree(tmp, ignore_errors=True)
    mib = 1024.0
    record("9. dashboard RSS, a day of history held (%s)" % scale, rss / mib, "MiB",
           "<= 256 MiB at 1k ev/s", rss / mib <= 256 if RATE >= 1000 else None,
           "%d events; peak %.0f MiB; all read and shown after %.1f s%s" % (
               n, hwm / mib, full_s, "" if RATE >= 1000 else
               "; the rate is %.2g of the target's: no verdict" % (RATE / 1000)))
    if failed:
        record("9. window change (%s)" % scale, -1.0, "ms", "<= 100 ms", False, failed)
        return
    med = {s: statistics.median(times[s]) for s in STEPS}
    cmed = {s: statistics.median(computes[s]) for s in STEPS}
    steps = "; ".join("%s>%s %.0f/%.0f" % (NAMES[s[0]], NAMES[s[1]], med[s], cmed[s])
                      for s in STEPS)
    down = STEPS[0]
    record("9. window change 24h -> 5m, key to frame (%s)" % scale, med[down], "ms",
           "<= 100 ms", med[down] <= 100,
           "figures recomputed in %.1f ms; median of %d" % (cmed[down], len(times[down])))
    worst = max(STEPS[1:], key=lambda s: med[s])
    record("9. window change 5m -> 24h by w (15m, 1h, 6h, 24h), slowest step (%s)" % scale,
           med[worst], "ms", "<= 100 ms each", med[worst] <= 100,
           "%s>%s; every change, key to frame / recompute ms (medians of %d): %s; "
           "%d of %d changes read the history again"
           % (NAMES[worst[0]], NAMES[worst[1]], WROUNDS, steps, reloads, WROUNDS * len(STEPS)))
    bad = [(w, x) for w, x in same if x is None or x]
    record("9. window change: figures equal `snapshot` of the window (24h, then 5m)",
           "yes" if not bad else "no", "", "equal", not bad, "5m without vsLastPeriod; " +
           "; ".join("%s: %s" % (w, "no snapshot written by S" if x is None else
                                 ", ".join(x[:3])) for w, x in bad))
