#!/usr/bin/env python3
"""execmon benchmarks: ratios measured side by side in one run, medians of N rounds.

Run by `make bench` (never by scripts/check). Builds a release copy of execmon
in build-bench/, starts a private redis-server, loads a workload with
execmon-gen, and measures execmon against the limit (a bare hiredis reader),
against PostgreSQL's PERCENTILE_CONT (seed 001's method) and against htop.
Prints a table and writes the figures to doc/performance-results.md.

Environment knobs (defaults in brackets; the whole run takes about 20 min):
  BENCH_ROUNDS        rounds of each timed figure, medians reported [5]
  BENCH_ENTRIES       entries of the ingest stream and of the first memory stream [1000000]
  BENCH_BIG_ENTRIES   entries of the second memory stream [5 x BENCH_ENTRIES]
  BENCH_SNAPSHOT_BIG  1: also the peak RSS of `execmon snapshot` over that stream [0]
  BENCH_LIVE_SECONDS  length of each step of the live benchmark [20]
  BENCH_LIVE_STEPS    paced steps after the unpaced one [4]
  BENCH_IDLE_SECONDS, BENCH_BW_SECONDS, BENCH_LATENCY_SECONDS  [60, 60, 20]
  BENCH_ONLY          a comma-separated subset of: ingest, live, latency, postgres,
                      idle, memory, bandwidth, startup, accuracy
"""

import json
import re
import os
import pty
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(TOP, "build-bench")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "1000000"))
# The memory benchmark's second stream: same rate, this many entries.
BIG_ENTRIES = int(os.environ.get("BENCH_BIG_ENTRIES", str(5 * ENTRIES)))
LIVE_SECONDS = float(os.environ.get("BENCH_LIVE_SECONDS", "20"))
LIVE_STEPS = int(os.environ.get("BENCH_LIVE_STEPS", "4"))
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
ALL = ("ingest", "memory", "postgres", "accuracy", "latency", "idle", "bandwidth",
       "live", "startup")
results = []
NOW_MS = 0
BARE_RATE = 0.0    # the bare reader's entries/s on the ingest stream, once measured
SNAP_TIMES = []    # the ingest rounds' snapshot times (s), reused by item 3
SNAP_PEAK_KIB = 0  # and their median peak RSS, reused by item 5
# Item 5 also runs `execmon snapshot` over the big stream (a few GiB of RSS).
SNAPSHOT_BIG = os.environ.get("BENCH_SNAPSHOT_BIG", "0") == "1"
TERM_ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def build():
    """A release build (no sanitizers) of the tracked files as they are now."""
    os.makedirs(BUILD, exist_ok=True)
    files = run(["git", "-C", TOP, "ls-files"]).stdout.split("\n")
    for f in filter(None, files):
        src, dst = os.path.join(TOP, f), os.path.join(BUILD, f)
        if not os.path.exists(src):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
            shutil.copy2(src, dst)
    if not os.path.exists(os.path.join(BUILD, "Makefile")):
        run(["autoreconf", "-fi"], cwd=BUILD)
        run(["./configure", "-q", "CFLAGS=-O2 -g"], cwd=BUILD)
    run(["make", "-j%d" % os.cpu_count(), "execmon", "execmon-gen"], cwd=BUILD)
    run(["gcc", "-O2", "-o", os.path.join(BUILD, "bare-reader"),
         os.path.join(TOP, "tests/bench/bare-reader.c")] +
        run(["pkg-config", "--cflags", "--libs", "hiredis"]).stdout.split())
    return (os.path.join(BUILD, "execmon"), os.path.join(BUILD, "execmon-gen"),
            os.path.join(BUILD, "bare-reader"))


class Redis:
    def __init__(self, tmp):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        self.url = "redis://127.0.0.1:%d" % self.port

    def cli(self, *args):
        return run(["redis-cli", "-p", str(self.port)] + list(args)).stdout.strip()

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Resp:
    """A plain RESP connection, to sample XLEN often without a redis-cli per sample."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.f = self.sock.makefile("rb")

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        line = self.f.readline()
        if line[:1] == b":":
            return int(line[1:])
        if line[:1] == b"+":
            return line[1:].strip().decode()
        raise RuntimeError("redis: unexpected reply %r" % line)

    def close(self):
        self.f.close()
        self.sock.close()


def timed(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], p.stderr[-500:]))
    return dt, p


def load(gen, redis, stream, entries, span_s, end_ms, seed=42):
    """Fill a stream with about `entries` entries whose event times span span_s
    seconds up to end_ms, in batch mode: the entry IDs are the time of writing,
    the ts fields spread over the span. Returns the real XLEN, for the figures
    to name.

    At these settings a requested run gives about 9.8 entries (with its child
    runs, calls and progress, and the gauges), as long as the worker pool
    never saturates (with execmon-gen's default of 8 workers most runs would
    only ever be queued). The rate is corrected and the stream reloaded (at
    most twice) when the count misses by more than 2 %.
    """
    per_run = 9.8
    runs_per_s = max(0.01, entries / per_run / span_s)
    n = 0
    for _ in range(3):
        redis.cli("DEL", stream)
        run([gen, "--redis", redis.url, "--stream", stream,
             "--start-ts", str(end_ms - int(span_s * 1000)), "--duration", "%ds" % span_s,
             "--rate", "%.4f" % runs_per_s, "--seed", str(seed), "--workers", "4000",
             "--pipeline", "512"])
        n = int(redis.cli("XLEN", stream))
        if n and abs(n / entries - 1) <= 0.02:
            break
        runs_per_s *= entries / max(n, 1)
    return n


def record(name, value, unit, target, ok, note=""):
    results.append((name, value, unit, target, ok, note))
    log("  %-44s %12s %-8s target %-14s %s %s" % (
        name, ("%.3f" % value) if isinstance(value, float) else value, unit, target,
        "MET" if ok else ("n/a" if ok is None else "NOT MET"), note))


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
        dt, p = timed(["/usr/bin/time", "-f", "%M", execmon, "snapshot", "--redis", redis.url,
                       "--stream", "bench:ingest", "--window", "1h", "--now", str(now_ms),
                       "-o", "/dev/null"])
        snap_t.append(dt)
        peaks.append(int(p.stderr.strip().splitlines()[-1]))
    b, r, s = map(statistics.median, (bare_t, rec_t, snap_t))
    BARE_RATE = n / b
    SNAP_TIMES[:] = snap_t
    SNAP_PEAK_KIB = statistics.median(peaks)
    record("1. bare reader entries/s (%d entries)" % n, n / b, "/s", "the limit", None)
    record("1. record entries/s (ratio to bare)", b / r, "x", ">= 0.8", b / r >= 0.8,
           "%.0f/s" % (n / r))
    record("1. snapshot entries/s (ratio to bare)", b / s, "x", ">= 0.8", b / s >= 0.8,
           "%.0f/s" % (n / s))
    record("3b. snapshot time / bare XRANGE time", s / b, "x", "<= 1.3", s / b <= 1.3,
           "snapshot %.2f s, bare %.2f s" % (s, b))


def peak_rss_kib(cmd):
    """Peak RSS (KiB) of a command that must succeed, from GNU time."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], p.stderr[-500:]))
    return int(p.stderr.strip().splitlines()[-1])


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


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_pty(cmd, seconds, env, cols=120, rows=40, count_bytes=False):
    """Run cmd in a pseudo-terminal of cols x rows for `seconds`; return (cpu s, bytes out)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ["COLUMNS"], os.environ["LINES"] = str(cols), str(rows)
        os.execvp(cmd[0], cmd)
    import fcntl
    import struct
    import termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    total = 0
    t_end = time.time() + 3
    while time.time() < t_end:  # let it start and settle
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                os.read(fd, 65536)
            except OSError:
                break
    c0 = cpu_seconds(pid)
    t_end = time.time() + seconds
    while time.time() < t_end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    c1 = cpu_seconds(pid)
    os.kill(pid, signal.SIGTERM)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    return c1 - c0, total


def parse_stats(line):
    """One --stats line: (wall ms, events, event-to-screen ms, events in all,
    events not in the figures yet, source states); None if it is not whole.
    (The recompute time, field 6 of 7, is not used here.)"""
    parts = line.split()
    if len(parts) != 7 or line.startswith("#"):
        return None
    return (int(parts[0]), int(parts[1]), float(parts[2]), int(parts[3]), int(parts[4]),
            parts[6])


class Dash:
    """The dashboard in a cols x rows pseudo-terminal with --stats; pump()
    drains the terminal and parses the stats lines as they come."""

    def __init__(self, execmon, args, cols=120, rows=40):
        import fcntl
        import struct
        import termios
        fd, self.stats_path = tempfile.mkstemp(prefix="execmon-stats-")
        os.close(fd)
        self.stats = open(self.stats_path)
        self.buf = ""
        self.lines = []
        cmd = [execmon] + args + ["--stats", self.stats_path]
        self.t0 = time.time()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.environ.update(TERM_ENV)
                os.environ["COLUMNS"], os.environ["LINES"] = str(cols), str(rows)
                os.execv(cmd[0], cmd)
            finally:
                os._exit(127)

    def pump(self, seconds):
        """Read the terminal for `seconds`, then the new stats lines."""
        end = time.time() + seconds
        while True:
            left = end - time.time()
            r, _, _ = select.select([self.fd], [], [], max(0.0, min(left, 0.05)))
            if r:
                try:
                    os.read(self.fd, 65536)
                except OSError:
                    break
            if left <= 0:
                break
        self.buf += self.stats.read()
        *whole, self.buf = self.buf.split("\n")
        for line in whole:
            st = parse_stats(line)
            if st is not None:
                self.lines.append(st)

    def total(self):
        return self.lines[-1][3] if self.lines else 0

    def first(self, pred):
        """The wall time (s) of the first stats line that satisfies pred, or None."""
        for st in self.lines:
            if pred(st):
                return st[0] / 1000.0
        return None

    def full_since(self, n):
        """The wall time (s) of the first frame that shows n events or more and
        everything read: no source still loading, no event left out of the
        figures; or None."""
        return self.first(lambda st: st[3] >= n and st[4] == 0 and not loading(st[5]))

    def rss_kib(self):
        """(VmRSS, VmHWM) in KiB."""
        rss = hwm = 0
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        return rss, hwm

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        end = time.time() + 10
        while time.time() < end:
            try:
                os.read(self.fd, 65536)
            except OSError:
                pass
            if os.waitpid(self.pid, os.WNOHANG)[0] != 0:
                break
            time.sleep(0.02)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.stats.close()
        os.unlink(self.stats_path)


def loading(states):
    """A source is still connecting, backfilling or not started."""
    return any(c in "cbi" for c in states)


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
    """Event to screen: the dashboard's --stats lines at 1k and 10k events/s."""
    secs = int(os.environ.get("BENCH_LATENCY_SECONDS", "20"))
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    for rate in (1000, 10000):
        stream = "bench:lat%d" % rate
        stats = tempfile.mktemp(prefix="execmon-stats-")
        g = subprocess.Popen([gen, "--redis", redis.url, "--stream", stream, "--rate",
                              "%.1f" % (rate / 9.8), "--workers", "4000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            in_pty([execmon, "--redis", redis.url, "--stream", stream, "--window", "5m",
                    "--stats", stats], secs, env)
        finally:
            g.terminate()
            g.wait()
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
        got = 0.0   # what the generator really offered (it ramps up), as received
        if len(lines) > 1 and lines[-1][0] > lines[0][0]:
            got = (lines[-1][3] - lines[0][3]) * 1000.0 / (lines[-1][0] - lines[0][0])
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
                   "p50 %.1f ms over %s events; %.0f ev/s received; last recompute %.1f ms"
                   % (ep50, m.group(1), got, compute_ms))
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
        pg_t, ex_t = [], list(SNAP_TIMES)
        for _ in range(ROUNDS):
            dt, _ = timed(psql + ["-c", query])
            pg_t.append(dt)
            if SNAP_TIMES:
                continue  # item 1 timed this very snapshot already
            dt, _ = timed([execmon, "snapshot", "--redis", redis.url, "--stream", "bench:ingest",
                           "--window", "1h", "--now", str(now_ms), "-o", "/dev/null"])
            ex_t.append(dt)
        pg, ex = statistics.median(pg_t), statistics.median(ex_t)
        record("3. PostgreSQL query time / execmon snapshot time", pg / ex, "x", ">= 10",
               pg / ex >= 10, "pg %.3f s over %d runs, execmon %.3f s" % (pg, len(rows), ex))
    finally:
        subprocess.run(user + [pg_bin + "/pg_ctl", "-D", tmp + "/data", "stop", "-m", "immediate"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def want(name):
    return not ONLY or name in ONLY


# Every benchmark of the issue, for the rows of those not run.
ISSUE = [("1", "ingest"), ("1", "live"), ("2", "latency"), ("3", "postgres"),
         ("3b", "ingest"), ("4", "idle"), ("5", "memory"), ("6", "bandwidth"),
         ("7", "startup"), ("8", "accuracy")]


def row_key(row):
    num = row[0].split(".")[0]
    return (int(num.rstrip("ab")), num)


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
        if want("startup"):
            bench_startup(execmon, bare, redis, n)
        if want("postgres"):
            bench_postgres(execmon, gen, redis, NOW_MS)
        if want("memory"):
            bench_memory(execmon, gen, redis, n)
        if want("accuracy"):
            bench_accuracy()
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
