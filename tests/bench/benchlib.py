"""execmon benchmarks: what every case shares (the build, a private Redis,
the workload loader, the dashboard in a pseudo-terminal, the results table).
Used by run.py, never run alone."""

import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(TOP, "build-bench")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
TERM_ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
results = []   # (name, value, unit, target, ok, note), in the order measured


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


def load(gen, redis, stream, entries, span_s, end_ms, seed=42, extra=(), per_run=9.8):
    """Fill a stream with about `entries` entries whose event times span span_s
    seconds up to end_ms, in batch mode: the entry IDs are the time of writing,
    the ts fields spread over the span. Returns the real XLEN, for the figures
    to name.

    At these settings a requested run gives about 9.8 entries (with its child
    runs, calls and progress, and the gauges), as long as the worker pool
    never saturates (with execmon-gen's default of 8 workers most runs would
    only ever be queued); `per_run` says otherwise for `extra` generator
    options that change it (--short-runs: 4). The rate is corrected and the
    stream reloaded (at most twice) when the count misses by more than 2 %.
    """
    runs_per_s = max(0.01, entries / per_run / span_s)
    n = 0
    for _ in range(3):
        redis.cli("DEL", stream)
        run([gen, "--redis", redis.url, "--stream", stream,
             "--start-ts", str(end_ms - int(span_s * 1000)), "--duration", "%ds" % span_s,
             "--rate", "%.4f" % runs_per_s, "--seed", str(seed), "--workers", "4000",
             "--pipeline", "512"] + list(extra))
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


def timed_snapshot(execmon, redis, stream, now_ms):
    """`execmon snapshot` of stream (1 h window, now pinned) to /dev/null:
    its wall seconds and peak RSS (KiB, from GNU time)."""
    dt, p = timed(["/usr/bin/time", "-f", "%M", execmon, "snapshot", "--redis", redis.url,
                   "--stream", stream, "--window", "1h", "--now", str(now_ms),
                   "-o", "/dev/null"])
    return dt, int(p.stderr.strip().splitlines()[-1])


def peak_rss_kib(cmd):
    """Peak RSS (KiB) of a command that must succeed, from GNU time."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], p.stderr[-500:]))
    return int(p.stderr.strip().splitlines()[-1])


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
    events not in the figures yet, source states, window s, recompute ms);
    None if it is not whole. Lines of 7 fields (before the window field was
    added) give None for the window."""
    parts = line.split()
    if len(parts) not in (7, 8) or line.startswith("#"):
        return None
    try:
        return (int(parts[0]), int(parts[1]), float(parts[2]), int(parts[3]), int(parts[4]),
                parts[6], int(parts[7]) if len(parts) == 8 else None, float(parts[5]))
    except ValueError:
        return None


class Dash:
    """The dashboard in a cols x rows pseudo-terminal with --stats; pump()
    drains the terminal and parses the stats lines as they come."""

    def __init__(self, execmon, args, cols=120, rows=40, cwd=None):
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
                if cwd is not None:
                    os.chdir(cwd)
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

    def key(self, keys):
        """Type keys into the terminal."""
        os.write(self.fd, keys.encode())

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
