#!/usr/bin/env python3
"""execmon benchmarks: ratios measured side by side in one run, medians of N rounds.

Run by `make bench` (never by scripts/check). Builds a release copy of execmon
in build-bench/, starts a private redis-server, loads a workload with
execmon-gen, and measures execmon against the limit (a bare hiredis reader),
against PostgreSQL's PERCENTILE_CONT (seed 001's method) and against htop.
Prints a table and writes the figures to doc/performance-results.md.
What the cases share is in benchlib.py; the window case in bench_window.py.

Environment knobs (defaults in brackets; the whole run takes about 30 min):
  BENCH_ROUNDS        rounds of each timed figure, medians reported [5]
  BENCH_ENTRIES       entries of the ingest streams (both workloads) and of the
                      first memory stream [1000000]
  BENCH_BIG_ENTRIES   entries of the second memory stream [5 x BENCH_ENTRIES]
  BENCH_SNAPSHOT_BIG  1: also the peak RSS of `execmon snapshot` over that stream [0]
  BENCH_LIVE_SECONDS  length of each step of the live benchmark [20]
  BENCH_LIVE_STEPS    paced steps after the unpaced one [4]
  BENCH_IDLE_SECONDS, BENCH_BW_SECONDS, BENCH_LATENCY_SECONDS  [60, 60, 20]
  BENCH_LATENCY_RATES events/s of the event-to-screen steps [1000,10000,50000]
  BENCH_WINDOW_RATE   events/s of the window case's history [100; the issue's
                      figure is 1000, which Redis alone needs ~26 GB to hold]
  BENCH_WINDOW_HOURS  hours of that history [24]
  BENCH_WINDOW_ROUNDS rounds of the window changes [BENCH_ROUNDS, at most 3]
  BENCH_ONLY          a comma-separated subset of: ingest, ingest4, live, latency,
                      postgres, idle, memory, bandwidth, startup, accuracy, window
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
from benchlib import (BUILD, ROUNDS, TOP, Dash, Redis, Resp, build, free_port, in_pty,
                      load, loading, log, parse_stats, peak_rss_kib, record, results, run,
                      timed, timed_snapshot)
import bench_window

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "1000000"))
# The memory benchmark's second stream: same rate, this many entries.
BIG_ENTRIES = int(os.environ.get("BENCH_BIG_ENTRIES", str(5 * ENTRIES)))
LIVE_SECONDS = float(os.environ.get("BENCH_LIVE_SECONDS", "20"))
LIVE_STEPS = int(os.environ.get("BENCH_LIVE_STEPS", "4"))
LATENCY_RATES = [int(x) for x in
                 os.environ.get("BENCH_LATENCY_RATES", "1000,10000,50000").split(",") if x]
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
ALL = ("ingest", "ingest4", "memory", "postgres", "accuracy", "latency", "idle",
       "bandwidth", "live", "startup", "window")
NOW_MS = 0
BARE_RATE = 0.0    # the bare reader's entries/s on the ingest stream, once measured
SNAP_TIMES = []    # the ingest rounds' snapshot times (s), reused by item 3
SNAP_PEAK_KIB = 0  # and their median peak RSS, reused by item 5
# Item 5 also runs `execmon snapshot` over the big stream (a few GiB of RSS).
SNAPSHOT_BIG = os.environ.get("BENCH_SNAPSHOT_BIG", "0") == "1"
# A settings file that switches off the built-in alert rules: a snapshot then
# computes its figures alone (the rules' replay recomputes them many times).
NO_ALERTS = "".join("alert %s = off\n" % r for r in
                    ("source-down", "failure-surge", "queue-wait", "stuck-runs"))


def ingest_stream(gen, redis):
    """bench:ingest: ENTRIES entries over the 50 minutes before now (items 1, 3,
    3b, 5 and 7)."""
    global NOW_MS
    now_ms = int(time.time() * 1000)
    n = load(gen, redis, "bench:ingest", ENTRIES, 3000, now_ms)
    log("bench:ingest: %d entries (%d asked), event times over 50 min" % (n, ENTRIES))
    # Entry IDs carry the time they were written: pin now after loading.
    NOW_MS = int(time.time() * 1000) + 1000
    return n


def bench_ingest(execmon, bare, redis, n):
    global BARE_RATE, SNAP_PEAK_KIB
    now_ms = NOW_MS
    bare_t, rec_t, snap_t, peaks = [], [], [], []
    for _ in range(ROUNDS):
        dt, p = timed([bare, "127.0.0.1", str(redis.port), "bench:ingest"])
        bare_t.append(dt)
        dt, _ = timed([execmon, "record", "--redis", redis.url, "--stream", "bench:ingest",
                       "--window", "2h", "--now", str(now_ms), "-o", "/dev/null",
                       "--count", str(n)])
        rec_t.append(dt)
        dt, peak = timed_snapshot(execmon, redis, "bench:ingest", now_ms)
        snap_t.append(dt)
        peaks.append(peak)
    b, r, s = map(statistics.median, (bare_t, rec_t, snap_t))
    BARE_RATE = n / b
    SNAP_TIMES[:] = snap_t
    SNAP_PEAK_KIB = statistics.median(peaks)
    record("1. bare reader entries/s (%d entries)" % n, n / b, "/s", "the limit", None)
    record("1. record entries/s (ratio to bare)", b / r, "x", ">= 0.8", b / r >= 0.8,
           "%.0f/s" % (n / r))
    record("1. snapshot entries/s (ratio to bare)", b / s, "x", ">= 0.9", b / s >= 0.9,
           "%.0f/s; peak RSS %.0f MiB" % (n / s, SNAP_PEAK_KIB / 1024.0))
    record("3b. snapshot time / bare XRANGE time", s / b, "x", "<= 1.3", s / b <= 1.3,
           "snapshot %.2f s, bare %.2f s" % (s, b))


def bench_ingest4(execmon, bare, gen, redis):
    """Item 1 on a workload of 4 events a run (execmon-gen --short-runs:
    queued, started, one llm.call, the end): ENTRIES entries over 50 minutes,
    the bare reader and `execmon snapshot` interleaved, each round."""
    now_ms = int(time.time() * 1000)
    n = load(gen, redis, "bench:ingest4", ENTRIES, 3000, now_ms, extra=["--short-runs"],
             per_run=4.05)
    now_ms = int(time.time() * 1000) + 1000
    log("bench:ingest4: %d entries (%d asked), 4 events a run, over 50 min" % (n, ENTRIES))
    bare_t, snap_t, peaks = [], [], []
    for _ in range(ROUNDS):
        dt, _ = timed([bare, "127.0.0.1", str(redis.port), "bench:ingest4"])
        bare_t.append(dt)
        dt, peak = timed_snapshot(execmon, redis, "bench:ingest4", now_ms)
        snap_t.append(dt)
        peaks.append(peak)
    redis.cli("DEL", "bench:ingest4")
    b, s = statistics.median(bare_t), statistics.median(snap_t)
    record("1. snapshot entries/s, 4 events a run (ratio to bare)", b / s, "x", ">= 0.9",
           b / s >= 0.9, "%d entries: snapshot %.0f/s, bare %.0f/s; snapshot peak RSS %.0f MiB"
           % (n, n / s, n / b, statistics.median(peaks) / 1024.0))


def dash_memory(execmon, redis, stream, now_ms, n):
    """The dashboard backfills `stream` (1 h window, now pinned): sample its RSS
    against the events it has received, wait until the screen shows everything
    and 11 s more (one eviction pass: they run every 10 s), and return
    (RSS then, peak RSS, [(events, RSS)] samples) in KiB, and the entries/s
    the backfill read."""
    d = Dash(execmon, ["--redis", redis.url, "--stream", stream, "--window", "1h",
                       "--now", str(now_ms)])
    samples = []
    try:
        deadline = time.time() + 1800
        settle = None
        while time.time() < deadline:
            d.pump(0.2)
            rss, _ = d.rss_kib()
            samples.append((d.total(), rss))
            if settle is None and d.full_since(n) is not None:
                settle = time.time() + 11
            if settle is not None and time.time() >= settle:
                break
        else:
            raise RuntimeError("%s: backfill of %s did not finish" % (execmon, stream))
        rss, hwm = d.rss_kib()
    finally:
        d.stop()
    rate = n / max(d.full_since(n) - d.t0, 1e-3)
    return rss, hwm, samples, rate


def bench_memory(execmon, gen, redis, n):
    """Item 5: RSS after ENTRIES events and after BIG_ENTRIES at the same rate.

    The dashboard keeps two windows (2 h with --window 1h) back from now:
    every 10 s (wall clock) it evicts the runs that finished earlier. So
    bench:mem1 holds ENTRIES events over exactly the 2 h before now, and
    bench:mem5 BIG_ENTRIES events at the same rate over BIG_ENTRIES / ENTRIES
    times as long, ending at the same now: the dashboard reads both whole (the
    entry IDs are the time of writing, all recent), but of bench:mem5 it must
    only keep the last 2 h, the same number of runs as bench:mem1. With
    memory bounded by the window the ratio is 1; with memory that grows with
    what was read, BIG_ENTRIES / ENTRIES. The last fifth of bench:mem5 is its
    2 h that stay, the first four fifths go 10 s of reading at a time.
    """
    mib = 1024.0
    p = SNAP_PEAK_KIB or peak_rss_kib([execmon, "snapshot", "--redis", redis.url, "--stream",
                                       "bench:ingest", "--window", "1h", "--now", str(NOW_MS),
                                       "-o", "/dev/null"])
    record("5. snapshot peak RSS, %d events in 50 min" % n, p / mib, "MiB", "<= 64 MiB",
           p / mib <= 64)
    span1 = 7200
    span5 = int(round(span1 * BIG_ENTRIES / ENTRIES))
    t0 = int(time.time() * 1000)
    n1 = load(gen, redis, "bench:mem1", ENTRIES, span1, t0)
    now1 = int(time.time() * 1000)
    log("bench:mem1: %d entries over %d s" % (n1, span1))
    rss1, hwm1, _, _ = dash_memory(execmon, redis, "bench:mem1", now1, n1)
    redis.cli("DEL", "bench:mem1")
    t0 = int(time.time() * 1000)
    n5 = load(gen, redis, "bench:mem5", BIG_ENTRIES, span5, t0)
    now5 = int(time.time() * 1000)
    log("bench:mem5: %d entries over %d s" % (n5, span5))
    rss5, hwm5, samples, rate5 = dash_memory(execmon, redis, "bench:mem5", now5, n5)
    p5 = 0
    if SNAPSHOT_BIG:
        p5 = peak_rss_kib([execmon, "snapshot", "--redis", redis.url, "--stream", "bench:mem5",
                           "--window", "1h", "--now", str(now5), "-o", "/dev/null"])
    redis.cli("DEL", "bench:mem5")
    # RSS as the events come in: at each fifth of them.
    curve = []
    for k in range(1, 6):
        at = [r for e, r in samples if e >= n5 * k / 5]
        curve.append("%.0f" % ((at[0] if at else samples[-1][1]) / mib))
    record("5. dashboard RSS after %d events over 2 h, 1 h window" % n1, rss1 / mib, "MiB",
           "<= 64 MiB", rss1 / mib <= 64, "peak %.0f MiB" % (hwm1 / mib))
    record("5. dashboard RSS after %d events over %.0f h, 1 h window" % (n5, span5 / 3600.0),
           rss5 / mib, "MiB", "<= 64 MiB", rss5 / mib <= 64,
           "peak %.0f MiB; RSS at each fifth of the events read: %s MiB; read at %.0f/s, "
           "evicted every 10 s and when the runs held double" % (hwm5 / mib, "/".join(curve), rate5))
    record("5. flat: dashboard RSS %dk / %dk events" % (n5 // 1000, n1 // 1000), rss5 / rss1, "x",
           "<= 1.1", rss5 / rss1 <= 1.1, "peak %.2f x" % (hwm5 / hwm1))
    if SNAPSHOT_BIG:
        record("5. snapshot peak RSS, %d events over %.0f h" % (n5, span5 / 3600.0), p5 / mib,
               "MiB", "<= 64 MiB", p5 / mib <= 64, "headless commands evict nothing")


def bench_accuracy():
    exe = os.path.join(BUILD, "tests/unit/test-hist")
    try:
        run(["make", "tests/unit/test-hist"], cwd=BUILD)
        out = run([exe]).stdout
    except subprocess.CalledProcessError:
        record("8. percentile max relative error", -1.0, "%", "<= 1 %", False, "test-hist failed")
        return
    worst = 0.0
    for line in out.splitlines():
        if "max relative error" in line:
            try:
                worst = max(worst, float(line.split("max relative error")[1].split("%")[0].strip(" :=")))
            except ValueError:
                pass
    record("8. percentile max relative error (1M samples)", worst, "%", "<= 1 %", worst <= 1.0)


def bench_idle(execmon, redis):
    secs = int(os.environ.get("BENCH_IDLE_SECONDS", "60"))
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    redis.cli("XADD", "bench:idle", "*", "type", "log", "run_id", "idle")
    ours, _ = in_pty([execmon, "--redis", redis.url, "--stream", "bench:idle"], secs, env)
    if shutil.which("htop"):
        theirs, _ = in_pty(["htop"], secs, env)
        record("4. idle CPU over %d s (ratio to htop)" % secs, ours / theirs if theirs else 0.0,
               "x", "<= 1", theirs > 0 and ours <= theirs, "execmon %.2f s, htop %.2f s" % (ours, theirs))
    else:
        record("4. idle CPU over %d s" % secs, ours, "s", "<= htop", None, "htop not installed")


def bench_bandwidth(execmon, gen, redis):
    secs = int(os.environ.get("BENCH_BW_SECONDS", "60"))
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    g = subprocess.Popen([gen, "--redis", redis.url, "--stream", "bench:bw", "--rate", "20"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _, nbytes = in_pty([execmon, "--redis", redis.url, "--stream", "bench:bw"], secs, env)
    finally:
        g.terminate()
        g.wait()
    record("6. terminal bytes/s at 120x40, steady load", nbytes / secs, "B/s", "<= 10 KB/s",
           nbytes / secs <= 10240, "%.0f bytes/frame at 10 frames/s" % (nbytes / secs / 10))


def bench_latency(execmon, gen, redis):
    """Event to screen: the dashboard's --stats lines at each of LATENCY_RATES
    events/s (1k, 10k and 50k). Above 10k ev/s the generator's pool has
    100000 workers, so that runs do not wait in their queues for one."""
    secs = int(os.environ.get("BENCH_LATENCY_SECONDS", "20"))
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    for rate in LATENCY_RATES:
        stream = "bench:lat%d" % rate
        stats = tempfile.mktemp(prefix="execmon-stats-")
        g = subprocess.Popen([gen, "--redis", redis.url, "--stream", stream, "--rate",
                              "%.1f" % (rate / 9.8), "--workers",
                              "4000" if rate <= 10000 else "100000", "--pipeline", "64"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            in_pty([execmon, "--redis", redis.url, "--stream", stream, "--window", "5m",
                    "--stats", stats], secs, env)
        finally:
            g.terminate()
            g.wait()
            redis.cli("DEL", stream)
        lat, lines, summary, compute_ms = [], [], None, -1.0
        with open(stats) as f:
            for line in f:
                if line.startswith("# event-to-screen:"):
                    summary = line
                    continue
                st = parse_stats(line)
                if st is not None:
                    lines.append(st)
                    compute_ms = float(line.split()[5])
                if st is not None and st[2] >= 0:
                    lat.append(st[2])
        os.unlink(stats)
        got = 0.0   # what the generator really offered, as received: the last half
        half = [st for st in lines if lines and st[0] >= (lines[0][0] + lines[-1][0]) / 2]
        if len(half) > 1 and half[-1][0] > half[0][0]:
            got = (half[-1][3] - half[0][3]) * 1000.0 / (half[-1][0] - half[0][0])
        short = ("; the generator offered only %.0f ev/s here" % got) if got < 0.9 * rate else ""
        lat.sort()
        if not lat:
            record("2. event to screen at %d ev/s" % rate, -1.0, "ms", "p99 <= 100", False, "no frames")
            continue
        p50 = lat[len(lat) // 2]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        # per event (the summary --stats writes at the end): each event's
        # arrival to the frame whose figures hold it
        m = re.match(r"# event-to-screen: (\d+) events timed, \d+ not timed; "
                     r"ms p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)", summary or "")
        if m:
            ep50, ep99 = float(m.group(2)), float(m.group(3))
            record("2. event to screen p99 at %d ev/s (per event)" % rate, ep99, "ms",
                   "<= 100", ep99 <= 100,
                   "p50 %.1f ms, max %s ms over %s events; %.0f ev/s received; last "
                   "recompute %.1f ms%s" % (ep50, m.group(4), m.group(1), got, compute_ms, short))
        record("2. oldest event's wait per frame, p99 at %d ev/s" % rate, p99, "ms", "-",
               None, "p50 %.1f ms over %d frames (the worst event of each frame)"
               % (p50, len(lat)))


def bench_startup(execmon, bare, redis, n):
    """Item 7: the dashboard in a 120x40 pty over bench:ingest (1 h window):
    exec to the first frame, to the first frame with the backfill progress bar,
    and to the first frame that shows every entry, against the bare reader."""
    first, bar, full, bare_t = [], [], [], []
    for _ in range(ROUNDS):
        dt, _ = timed([bare, "127.0.0.1", str(redis.port), "bench:ingest"])
        bare_t.append(dt)
        d = Dash(execmon, ["--redis", redis.url, "--stream", "bench:ingest", "--window", "1h"])
        try:
            deadline = time.time() + 600
            while d.full_since(n) is None and time.time() < deadline:
                d.pump(0.02)
        finally:
            d.stop()
        if d.full_since(n) is None:
            raise RuntimeError("dashboard: backfill of bench:ingest did not finish")
        first.append(d.lines[0][0] / 1000.0 - d.t0)
        b = d.first(lambda st: "b" in st[5])
        if b is not None:
            bar.append(b - d.t0)
        full.append(d.full_since(n) - d.t0)
    f, u, b = map(statistics.median, (first, full, bare_t))
    if bar:
        fb = statistics.median(bar)
        record("7. first frame with the backfill bar", fb, "s", "<= 0.2 s", fb <= 0.2,
               "first frame of all %.3f s" % f)
    else:
        record("7. first frame", f, "s", "<= 0.2 s", f <= 0.2, "no frame showed the bar")
    record("7. full screen / bare reader (%d entries)" % n, u / b, "x", "<= 1.3", u / b <= 1.3,
           "full screen %.2f s, bare reader %.2f s" % (u, b))
    record("7. full screen time", u, "s", "< 2 s (seed)", u < 2.0)


def live_step(execmon, gen, redis, resp, rate, secs):
    """The dashboard follows an empty stream; execmon-gen offers `rate` runs/s
    in real time (0: unpaced, as fast as it can) for `secs`. Returns (offered
    entries/s, consumed events/s, lag at the end in seconds of offered
    entries, kept up), measured after the first quarter."""
    stream = "bench:live"
    resp.cmd("DEL", stream)
    d = Dash(execmon, ["--redis", redis.url, "--stream", stream])
    samples = []   # (time, XLEN, stats time, events in all)
    try:
        deadline = time.time() + 30
        while time.time() < deadline and not (d.lines and not loading(d.lines[-1][5])):
            d.pump(0.1)
        g = subprocess.Popen([gen, "--redis", redis.url, "--stream", stream,
                              "--rate", "%.1f" % rate, "--workers", "100000",
                              "--time-scale", "0.05", "--pipeline", "512"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            t_end = time.time() + secs
            while time.time() < t_end:
                d.pump(0.5)
                if d.lines:
                    samples.append((time.time(), resp.cmd("XLEN", stream),
                                    d.lines[-1][0] / 1000.0, d.lines[-1][3]))
        finally:
            g.send_signal(signal.SIGINT)
            g.wait()
    finally:
        d.stop()
        resp.cmd("DEL", stream)
    if not samples:
        raise RuntimeError("dashboard: no frame while following %s" % stream)
    w = next((i for i, x in enumerate(samples) if x[0] >= samples[0][0] + secs / 4),
             len(samples) - 1)
    a, z = samples[w], samples[-1]
    offered = (z[1] - a[1]) / (z[0] - a[0]) if z[0] > a[0] else 0.0
    if offered <= 0:
        raise RuntimeError("execmon-gen wrote nothing to %s" % stream)
    consumed = (z[3] - a[3]) / (z[2] - a[2]) if z[2] > a[2] else 0.0
    lag_a, lag_z = (a[1] - a[3]) / offered, (z[1] - z[3]) / offered
    ok = lag_z - max(lag_a, 0.0) <= 0.5 and lag_z <= 1.0
    log("  live: offered %.0f/s, consumed %.0f/s, lag %.2f s -> %.2f s: %s" % (
        offered, consumed, lag_a, lag_z, "keeps up" if ok else "falls behind"))
    return offered, consumed, lag_z, ok


def bench_live(execmon, gen, redis):
    """Item 1, live: the highest offered rate at which the dashboard's lag stays
    bounded, found from the unpaced generator's rate by bisection."""
    per_run = 9.5   # entries per run/s offered, real time, --time-scale 0.05
    resp = Resp(redis.port)
    try:
        top, top_c, _, top_ok = live_step(execmon, gen, redis, resp, 0, LIVE_SECONDS)
        lo, hi = (top, top) if top_ok else (0.0, top)
        target = top_c
        for _ in range(0 if top_ok else LIVE_STEPS):
            offered, _, _, ok = live_step(execmon, gen, redis, resp, target / per_run,
                                                 LIVE_SECONDS)
            if ok and offered > lo:
                lo = offered
            if not ok:
                hi = min(hi, offered)
            target = (lo + hi) / 2 if lo > 0 else offered * 0.6
    finally:
        resp.close()
    note = "over %.0f s steps; at the generator's max %.0f/s it consumed %.0f/s" % (
        LIVE_SECONDS, top, top_c)
    if BARE_RATE > 0:
        record("1. live: sustained rate kept up with (ratio to bare)", lo / BARE_RATE, "x",
               ">= 0.8", lo / BARE_RATE >= 0.8, "%.0f ev/s %s" % (lo, note))
    else:
        record("1. live: sustained rate kept up with", lo, "/s", ">= 0.8 x bare", None, note)
    record("1. live: consumed / offered at the generator's max", top_c / top, "x", "-", None,
           "%.0f of %.0f ev/s" % (top_c, top))


def bench_postgres(execmon, gen, redis, now_ms):
    pg_bin = None
    for v in ("15", "16", "14"):
        if os.path.exists("/usr/lib/postgresql/%s/bin/initdb" % v):
            pg_bin = "/usr/lib/postgresql/%s/bin" % v
    if pg_bin is None:
        record("3. snapshot vs PostgreSQL PERCENTILE_CONT", 0.0, "x", ">= 10", None,
               "postgresql not installed")
        return
    tmp = tempfile.mkdtemp(prefix="execmon-pg-")
    os.chmod(tmp, 0o777)
    port = free_port()
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    try:
        run(user + [pg_bin + "/initdb", "-D", tmp + "/data", "-A", "trust", "-U", "postgres"])
        subprocess.Popen(user + [pg_bin + "/postgres", "-D", tmp + "/data", "-p", str(port),
                                 "-k", tmp, "-c", "listen_addresses="],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["pg_isready", "-h", tmp, "-p", str(port)],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        psql = ["psql", "-h", tmp, "-p", str(port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
        # The same runs, exported by execmon itself.
        out = run([execmon, "runs", "--redis", redis.url, "--stream", "bench:ingest",
                   "--window", "1h", "--since", "1h", "--now", str(now_ms), "--limit",
                   "100000000", "--format", "json"]).stdout
        rows = json.loads(out)
        csv = os.path.join(tmp, "runs.csv")
        with open(csv, "w") as f:
            for r in rows:
                if not r.get("finishedAt") or not r.get("startedAt"):
                    continue
                f.write("%s,%s,%s,%s,%s,%s\n" % (r["runId"], r.get("agentId") or "", r["status"],
                        r.get("queuedAt") or r["startedAt"], r["startedAt"], r["finishedAt"]))
        os.chmod(csv, 0o644)
        run(psql + ["-c", """
            CREATE TABLE agent_runs (run_id text, agent_id text, status text,
              queued_at timestamptz, started_at timestamptz, completed_at timestamptz,
              workspace_id text DEFAULT 'ws');
            CREATE INDEX idx_agent_runs_ws_started ON agent_runs (workspace_id, started_at);"""])
        run(psql + ["-c", "\\copy agent_runs(run_id,agent_id,status,queued_at,started_at,completed_at) FROM '%s' CSV" % csv])
        run(psql + ["-c", "VACUUM ANALYZE agent_runs"])
        query = """SELECT
          AVG(EXTRACT(EPOCH FROM (started_at - queued_at))) AS queue_avg,
          PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (started_at - queued_at))),
          PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (started_at - queued_at))),
          PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (started_at - queued_at))),
          AVG(EXTRACT(EPOCH FROM (completed_at - started_at))),
          PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (completed_at - started_at))),
          PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (completed_at - started_at))),
          PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (completed_at - started_at))),
          PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (completed_at - started_at))),
          PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (completed_at - started_at))),
          AVG(EXTRACT(EPOCH FROM (completed_at - queued_at))),
          PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (completed_at - queued_at))),
          PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (completed_at - queued_at)))
        FROM agent_runs WHERE workspace_id = 'ws' AND started_at >= to_timestamp(%d) - interval '1 hour'""" % (now_ms // 1000)
        pg_t, ex_t, pgq_ms, fig_ms, fig_alerts_ms = [], list(SNAP_TIMES), [], [], []
        whole_ms = []
        conf_off, conf_on = os.path.join(tmp, "no-alerts.conf"), os.path.join(tmp, "empty.conf")
        with open(conf_off, "w") as f:
            f.write(NO_ALERTS)
        open(conf_on, "w").close()
        held = 0
        for rnd in range(ROUNDS):
            dt, _ = timed(psql + ["-c", query])
            pg_t.append(dt)
            # the query alone, as psql times it (no start of psql, no connection)
            _, p = timed(psql + ["-c", "\\timing on", "-c", query])
            m = re.search(r"Time: ([\d.]+) ms", p.stdout)
            if m:
                pgq_ms.append(float(m.group(1)))
            # the figures from the runs held, as `snapshot -v` times them:
            # without the alert rules (the figures alone), then with them
            # (the second, for the note, in the first round only); every
            # run held, as PostgreSQL holds every row
            confs = [(conf_off, fig_ms)] + ([(conf_on, fig_alerts_ms)] if rnd == 0 else [])
            for conf, into in confs:
                _, p = timed([execmon, "snapshot", "-v", "--config", conf, "--redis", redis.url,
                              "--stream", "bench:ingest", "--window", "1h", "--now",
                              str(now_ms), "-o", "/dev/null"],
                             env=dict(os.environ, EXECMON_HOLD_ALL="1"))
                m = re.search(r"figures computed in ([\d.]+) ms from (\d+) runs held"
                              r"(?: \(the figures ([\d.]+) ms)?", p.stderr)
                if m:
                    # metrics_compute alone when printed (the snapshot's
                    # run lists and the alert rules are output, not figures)
                    whole = float(m.group(1))
                    into.append(whole if into is fig_alerts_ms else float(m.group(3) or whole))
                    whole_ms.append(float(m.group(1)))
                    held = int(m.group(2))
            if SNAP_TIMES:
                continue  # item 1 timed this very snapshot already
            dt, _ = timed([execmon, "snapshot", "--redis", redis.url, "--stream", "bench:ingest",
                           "--window", "1h", "--now", str(now_ms), "-o", "/dev/null"])
            ex_t.append(dt)
        pg, ex = statistics.median(pg_t), statistics.median(ex_t)
        record("3. PostgreSQL query time / execmon snapshot time", pg / ex, "x", "-",
               None, "pg %.3f s over %d runs (with psql's start), execmon snapshot from Redis "
               "%.3f s" % (pg, len(rows), ex))
        if pgq_ms and fig_ms:
            q, f = statistics.median(pgq_ms), statistics.median(fig_ms)
            record("3. PostgreSQL query / execmon recompute of all figures from the runs held",
                   q / f, "x", ">= 10", q / f >= 10,
                   "pg %.1f ms (psql \\timing) over %d runs; execmon %.1f ms from %d runs held "
                   "(`snapshot -v`: metrics_compute; with the snapshot's run lists %.1f ms; "
                   "built-in alert rules on %.1f ms)"
                   % (q, len(rows), f, held, statistics.median(whole_ms),
                      statistics.median(fig_alerts_ms) if fig_alerts_ms else -1))
        else:
            record("3. PostgreSQL query / execmon recompute of all figures from the runs held",
                   0.0, "x", ">= 10", False, "no time printed by psql \\timing or snapshot -v")
    finally:
        subprocess.run(user + [pg_bin + "/pg_ctl", "-D", tmp + "/data", "stop", "-m", "immediate"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def want(name):
    return not ONLY or name in ONLY


# Every benchmark of the issue, for the rows of those not run.
ISSUE = [("1", "ingest"), ("1", "ingest4"), ("1", "live"), ("2", "latency"),
         ("3", "postgres"), ("3b", "ingest"), ("4", "idle"), ("5", "memory"),
         ("6", "bandwidth"), ("7", "startup"), ("8", "accuracy"), ("9", "window")]


def row_key(row):
    num = row[0].split(".")[0]
    return (int(re.match(r"\d*", num).group() or 0), num)


def main():
    unknown = ONLY - set(ALL)
    if unknown:
        sys.exit("run.py: BENCH_ONLY: unknown %s (known: %s)" % (
            ",".join(sorted(unknown)), ",".join(ALL)))
    log("building a release copy in %s" % BUILD)
    execmon, gen, bare = build()
    tmp = tempfile.mkdtemp(prefix="execmon-bench-")
    redis = Redis(tmp)
    t_start, load_start = time.time(), os.getloadavg()[0]
    try:
        n = 0
        if any(want(x) for x in ("ingest", "memory", "postgres", "startup")):
            n = ingest_stream(gen, redis)
        if want("ingest"):
            bench_ingest(execmon, bare, redis, n)
        if want("ingest4"):
            bench_ingest4(execmon, bare, gen, redis)
        if want("startup"):
            bench_startup(execmon, bare, redis, n)
        if want("postgres"):
            bench_postgres(execmon, gen, redis, NOW_MS)
        if want("memory"):
            bench_memory(execmon, gen, redis, n)
        if want("accuracy"):
            bench_accuracy()
        if want("window"):
            bench_window.bench_window(execmon, gen, redis)
        if want("latency"):
            bench_latency(execmon, gen, redis)
        if want("live"):
            bench_live(execmon, gen, redis)
        if want("idle"):
            bench_idle(execmon, redis)
        if want("bandwidth"):
            bench_bandwidth(execmon, gen, redis)
    finally:
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for num, name in ISSUE:
        if not want(name):
            results.append(("%s. (%s)" % (num, name), "-", "", "", "skip", "not run (BENCH_ONLY)"))
    results.sort(key=row_key)

    def value(v):
        return ("%.3f" % v) if isinstance(v, float) else str(v)

    def verdict(ok, met, not_met, none):
        return ok if isinstance(ok, str) else met if ok else none if ok is None else not_met

    print("%-58s %14s %-6s %-14s %s" % ("benchmark", "value", "unit", "target", "result"))
    for name, v, unit, target, ok, note in results:
        print("%-58s %14s %-6s %-14s %-8s %s" % (
            name, value(v), unit, target, verdict(ok, "MET", "NOT MET", "-"), note))
    log("benchmarks took %.0f s" % (time.time() - t_start))
    with open(os.path.join(TOP, "doc", "performance-results.md"), "w") as f:
        f.write("# Benchmark results (generated by `make bench`)\n\n")
        f.write("Machine: %s, %d cores, load average %.1f at the start, %.1f at the end; "
                "%d rounds, medians; %d-entry ingest stream; %.0f min in all.\n\n" % (
                    os.uname().machine, os.cpu_count(), load_start, os.getloadavg()[0],
                    ROUNDS, n, (time.time() - t_start) / 60))
        f.write("| benchmark | value | unit | target | result | note |\n"
                "|---|---|---|---|---|---|\n")
        for name, v, unit, target, ok, note in results:
            f.write("| %s | %s | %s | %s | %s | %s |\n" % (
                name, value(v), unit, target, verdict(ok, "met", "not met", "-"), note))


if __name__ == "__main__":
    main()
