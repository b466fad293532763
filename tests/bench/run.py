#!/usr/bin/env python3
"""execmon benchmarks: ratios measured side by side in one run, medians of N rounds.

Run by `make bench` (never by scripts/check). Builds a release copy of execmon
in build-bench/, starts a private redis-server, loads a workload with
execmon-gen, and measures execmon against the limit (a bare hiredis reader),
against PostgreSQL's PERCENTILE_CONT (seed 001's method) and against htop.
Prints a table and writes the figures to doc/performance-results.md.
"""

import json
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
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
results = []
NOW_MS = 0


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


def timed(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], p.stderr[-500:]))
    return dt, p


def load(gen, redis, stream, entries, now_ms):
    """Fill a stream with about `entries` entries ending at now_ms (batch mode)."""
    per_run = 9.4
    runs_per_s = max(1.0, entries / per_run / 3000.0)
    start = now_ms - 3000 * 1000
    run([gen, "--redis", redis.url, "--stream", stream, "--start-ts", str(start),
         "--duration", "3000s", "--rate", "%.3f" % runs_per_s, "--seed", "42",
         "--pipeline", "512"])
    return int(redis.cli("XLEN", stream))


def record(name, value, unit, target, ok, note=""):
    results.append((name, value, unit, target, ok, note))
    log("  %-44s %12s %-8s target %-14s %s %s" % (
        name, ("%.3f" % value) if isinstance(value, float) else value, unit, target,
        "MET" if ok else ("n/a" if ok is None else "NOT MET"), note))


def bench_ingest(execmon, gen, bare, redis, now_ms):
    n = load(gen, redis, "bench:ingest", ENTRIES, now_ms)
    log("ingest: %d entries" % n)
    # Entry IDs carry the time they were written: pin now after loading.
    now_ms = int(time.time() * 1000) + 1000
    bare_t, rec_t, snap_t = [], [], []
    for _ in range(ROUNDS):
        dt, p = timed([bare, "127.0.0.1", str(redis.port), "bench:ingest"])
        bare_t.append(dt)
        dt, _ = timed([execmon, "record", "--redis", redis.url, "--stream", "bench:ingest",
                       "--window", "2h", "--now", str(now_ms), "-o", "/dev/null",
                       "--count", str(n)])
        rec_t.append(dt)
        dt, _ = timed([execmon, "snapshot", "--redis", redis.url, "--stream", "bench:ingest",
                       "--window", "1h", "--now", str(now_ms), "-o", "/dev/null"])
        snap_t.append(dt)
    b, r, s = map(statistics.median, (bare_t, rec_t, snap_t))
    record("1. bare reader entries/s", n / b, "/s", "the limit", None)
    record("1. record entries/s (ratio to bare)", b / r, "x", ">= 0.8", b / r >= 0.8,
           "%.0f/s" % (n / r))
    record("1. snapshot entries/s (ratio to bare)", b / s, "x", ">= 0.8", b / s >= 0.8,
           "%.0f/s" % (n / s))
    record("3b. snapshot time / bare XRANGE time", s / b, "x", "<= 1.3", s / b <= 1.3)
    record("7b. full load (snapshot) time", s, "s", "<= 2 s (seed)", s <= 2.0)
    global NOW_MS
    NOW_MS = now_ms
    return n, s


def bench_memory(execmon, gen, redis, now_ms, n):
    peaks = []
    for _ in range(3):
        p = subprocess.run(["/usr/bin/time", "-f", "%M", execmon, "snapshot", "--redis",
                            redis.url, "--stream", "bench:ingest", "--window", "1h",
                            "--now", str(now_ms), "-o", "/dev/null"],
                           capture_output=True, text=True)
        peaks.append(int(p.stderr.strip().splitlines()[-1]))
    kib = statistics.median(peaks)
    record("5. RSS after %d events, 1 h window" % n, kib / 1024.0, "MiB", "<= 64 MiB",
           kib / 1024.0 <= 64)


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
                              "%.1f" % (rate / 9.4), "--workers", "4000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            in_pty([execmon, "--redis", redis.url, "--stream", stream, "--window", "5m",
                    "--stats", stats], secs, env)
        finally:
            g.terminate()
            g.wait()
        lat = []
        with open(stats) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and float(parts[2]) >= 0:
                    lat.append(float(parts[2]))
        os.unlink(stats)
        lat.sort()
        if not lat:
            record("2. event to screen at %d ev/s" % rate, -1.0, "ms", "p99 <= 100", False, "no frames")
            continue
        p50 = lat[len(lat) // 2]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        record("2. event to screen p99 at %d ev/s" % rate, p99, "ms", "<= 100", p99 <= 100,
               "p50 %.1f ms over %d frames" % (p50, len(lat)))


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
        pg_t, ex_t = [], []
        for _ in range(ROUNDS):
            dt, _ = timed(psql + ["-c", query])
            pg_t.append(dt)
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


def main():
    log("building a release copy in %s" % BUILD)
    execmon, gen, bare = build()
    tmp = tempfile.mkdtemp(prefix="execmon-bench-")
    redis = Redis(tmp)
    now_ms = int(time.time() * 1000)
    try:
        n, snap = (0, 0)
        if want("ingest") or want("memory") or want("postgres"):
            n, snap = bench_ingest(execmon, gen, bare, redis, now_ms)
            now_ms = NOW_MS
        if want("memory"):
            bench_memory(execmon, gen, redis, now_ms, n)
        if want("postgres"):
            bench_postgres(execmon, gen, redis, now_ms)
        if want("accuracy"):
            bench_accuracy()
        if want("latency"):
            bench_latency(execmon, gen, redis)
        if want("idle"):
            bench_idle(execmon, redis)
        if want("bandwidth"):
            bench_bandwidth(execmon, gen, redis)
    finally:
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%-50s %14s %-6s %-16s %s" % ("benchmark", "value", "unit", "target", "result"))
    for name, value, unit, target, ok, note in results:
        print("%-50s %14s %-6s %-16s %-8s %s" % (
            name, ("%.3f" % value) if isinstance(value, float) else value, unit, target,
            "MET" if ok else ("-" if ok is None else "NOT MET"), note))
    with open(os.path.join(TOP, "doc", "performance-results.md"), "w") as f:
        f.write("# Benchmark results (generated by `make bench`)\n\n")
        f.write("Machine: %s, %d cores; %d rounds, medians.\n\n" % (
            os.uname().machine, os.cpu_count(), ROUNDS))
        f.write("| benchmark | value | unit | target | result | note |\n|---|---|---|---|---|---|\n")
        for name, value, unit, target, ok, note in results:
            f.write("| %s | %s | %s | %s | %s | %s |\n" % (
                name, ("%.3f" % value) if isinstance(value, float) else value, unit, target,
                "met" if ok else ("-" if ok is None else "not met"), note))


if __name__ == "__main__":
    main()
