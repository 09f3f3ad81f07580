"""What bench/e2e and bench/soak share: cf-sim -> syslog-nozzle -> syslog-sink over TLS at both
ends, on loopback ports the OS chooses, with certificates made by the openssl CLI in a temp dir.

Each process is a child of the script; its CPU time and peak RSS come from /proc. Nothing here
asserts on wall time: the measures are counts, CPU time and the sink's latency histogram.
"""

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.request

# Every type the v1 firehose carries; the nozzle is asked for all of them, so every envelope
# cf-sim sends must reach the sink.
ALL_EVENTS = "LogMessage,ValueMetric,CounterEvent,ContainerMetric,HttpStartStop,Error"
# log,value,counter,container,http,error,event: 80 % app logs, the rest metrics and HTTP events.
MIX = "80,7,5,3,5,0,0"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def find_binaries(build_dir):
    paths = {
        "nozzle": os.path.join(build_dir, "syslog-nozzle"),
        "cf_sim": os.path.join(build_dir, "tools", "cf-sim", "cf-sim"),
        "sink": os.path.join(build_dir, "tools", "syslog-sink", "syslog-sink"),
    }
    for name, path in paths.items():
        if not os.access(path, os.X_OK):
            raise SystemExit(f"{name}: {path} not found; build the targets syslog-nozzle cf-sim syslog-sink")
    return paths


_STATS_FLAGS = {}


def stats_flags(nozzle):
    """The flags that make the nozzle serve /metrics: --enable-stats-server since 62d642f (before
    it /metrics was always served and the flag did not exist)."""
    if nozzle not in _STATS_FLAGS:
        out = subprocess.run([nozzle, "--help"], capture_output=True, text=True)
        _STATS_FLAGS[nozzle] = ["--enable-stats-server"] if "--enable-stats-server" in out.stdout + out.stderr else []
    return _STATS_FLAGS[nozzle]


def make_certs(directory):
    """A CA and a server certificate for localhost/127.0.0.1 (the sink's)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=bench-ca", "-days", "2")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return {"ca": os.path.join(directory, "ca.pem"), "server": os.path.join(directory, "server.pem"),
            "server_key": os.path.join(directory, "server.key")}


def wait_for(predicate, timeout, what, interval=0.05, child=None):
    """Polls `predicate` until it is truthy; fails early when `child` has exited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if child is not None and not child.alive():
            raise RuntimeError(f"{child.name} exited while waiting for {what}:\n{child.stderr_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(interval)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Child:
    """A child process with its stderr in a file, stopped with SIGTERM."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.stderr_path = os.path.join(workdir, name + ".stderr")
        self.stdout_path = os.path.join(workdir, name + ".stdout")
        with open(self.stderr_path, "wb") as err, open(self.stdout_path, "wb") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err)

    def cpu_seconds(self):
        """user + sys of every thread, from /proc/<pid>/stat."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def thread_cpu_seconds(self):
        """{tid: seconds on a CPU} of every thread alive now, from /proc/<pid>/task/<tid>/schedstat
        (nanoseconds; /proc/<pid>/stat counts in ticks of 10 ms, too coarse for short windows at
        low rates). A thread that ended is missing: compare the sums of threads alive at both ends."""
        out = {}
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{tid}/schedstat") as f:
                    out[int(tid)] = int(f.read().split()[0]) / 1e9
            except (OSError, ValueError, IndexError):  # the thread ended meanwhile
                continue
        return out

    def status_kib(self, key):
        """VmRSS, VmHWM, ... in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def stop(self, timeout=20):
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def stderr_text(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()


class Pipeline:
    """One run: sink, cf-sim and nozzle. Use as a context manager; stop() ends it."""

    def __init__(self, bins, firehose="v1", connections=1, rate=0, total=0, apps=10000,
                 tagged_share=0.1, payload=(50, 500), extra_nozzle_args=(), extra_sim_args=(),
                 keep_dir=False, spool=False, group=None, events=None):
        self.bins = bins
        self.events = events or ALL_EVENTS
        self.dir = tempfile.mkdtemp(prefix="nozzle-bench-")
        self.keep_dir = keep_dir
        self.firehose, self.connections = firehose, connections
        self.rate, self.total, self.apps = rate, total, apps
        self.tagged_share, self.payload = tagged_share, payload
        self.extra_nozzle_args = list(extra_nozzle_args)
        self.extra_sim_args = list(extra_sim_args)
        # spool: the drain gets a disk spool, a fresh folder below the run's temp dir.
        self.spool_dir = os.path.join(self.dir, "spool") if spool else None
        if self.spool_dir:
            self.extra_nozzle_args = ["--spool-dir", self.spool_dir, *self.extra_nozzle_args]
        # group: "failover" or "balance": the drain is a drain group of two endpoints, both the
        # one sink (localhost and 127.0.0.1: two connections), to measure what a group costs.
        self.group = group
        self.children = []
        self.sink = self.sim = self.nozzle = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def path(self, name):
        return os.path.join(self.dir, name)

    def _spawn(self, name, argv):
        child = Child(name, argv, self.dir)
        self.children.append(child)
        return child

    def start(self):
        self.certs = make_certs(self.dir)
        self.start_sink()
        self.sim = self._spawn("cf-sim", [
            self.bins["cf_sim"], "--ready-file", self.path("sim.json"), "--apps", str(self.apps),
            "--rate", str(self.rate), "--total", str(self.total), "--mix", MIX,
            "--payload-min", str(self.payload[0]), "--payload-max", str(self.payload[1]),
            "--tagged-share", str(self.tagged_share), "--ca-out", self.path("sim-ca.pem"),
            *self.extra_sim_args])
        self.sim_info = wait_for(lambda: read_json(self.path("sim.json")), 30, "cf-sim's ready file",
                                 child=self.sim)
        self.sim_ctx = ssl.create_default_context(cafile=self.sim_info["ca_file"])
        self.nozzle = self._spawn("nozzle", [
            self.bins["nozzle"], "--api-endpoint", self.sim_info["base_url"],
            "--ca-cert", self.sim_info["ca_file"], "--client-id", "nozzle", "--client-secret", "nozzle-secret",
            "--firehose", self.firehose, "--connections", str(self.connections),
            "--subscription-id", "bench", "--events", self.events,
            "--drain", self.drain_url(),
            "--stats-address", "127.0.0.1:0", *stats_flags(self.bins["nozzle"]), *self.extra_nozzle_args])
        self.stats_port = wait_for(self._stats_port, 30, "the nozzle's stats port", child=self.nozzle)

    def drain_url(self):
        if self.group:
            return (f"syslog-tls://localhost:{self.sink_port},127.0.0.1:{self.sink_port}"
                    f"?ca={self.certs['ca']}&mode={self.group}")
        return f"syslog-tls://localhost:{self.sink_port}?ca={self.certs['ca']}"

    def start_sink(self, name="sink", extra_args=()):
        for stale in ("sink-ready.json", "sink-status.json"):
            if os.path.exists(self.path(stale)):
                os.remove(self.path(stale))
        port = getattr(self, "sink_port", 0)
        self.sink = self._spawn(name, [
            self.bins["sink"], "--tls", f"127.0.0.1:{port}", "--cert", self.certs["server"],
            "--key", self.certs["server_key"], "--ready-file", self.path("sink-ready.json"),
            "--status-file", self.path("sink-status.json"), "--latency", *extra_args])
        self.sink_port = wait_for(lambda: (read_json(self.path("sink-ready.json")) or {}).get("tls"), 30,
                                  "the sink's ready file", child=self.sink)

    def _stats_port(self):
        m = re.search(r'"stats server listening".*?"port":"?(\d+)', self.nozzle.stderr_text())
        return int(m.group(1)) if m else None

    def stop(self):
        for child in reversed(self.children):
            child.stop()
        self.children = []
        if not self.keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- reading the three processes ---

    def metrics(self):
        """/metrics as {name{labels}: value}, plus {name: sum over labels} for every family."""
        text = self._get(f"http://127.0.0.1:{self.stats_port}/metrics").decode()
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
            family = key.split("{", 1)[0]
            if family != key:
                out[family] = out.get(family, 0.0) + float(value)
        return out

    def sim_counters(self):
        return json.loads(self._get(self.sim_info["base_url"] + "/sim/counters", self.sim_ctx))

    @staticmethod
    def _get(url, context=None, attempts=3):
        """GET with a retry: a loaded machine may refuse or reset a connection now and then."""
        for attempt in range(attempts):
            try:
                with urllib.request.urlopen(url, context=context, timeout=10) as r:
                    return r.read()
            except OSError:
                if attempt + 1 == attempts:
                    raise
                time.sleep(0.2)

    def sim_post(self, path, method="POST"):
        req = urllib.request.Request(self.sim_info["base_url"] + path, method=method, data=b"")
        with urllib.request.urlopen(req, context=self.sim_ctx, timeout=10) as r:
            return r.read()

    def cache_warm(self):
        """The nozzle's app cache has listed every app (its log says so)."""
        return "app cache warm-up done" in self.nozzle.stderr_text()

    def sink_status(self):
        return read_json(self.path("sink-status.json")) or {}

    def restart_latency_window(self):
        self.sink.signal(signal.SIGUSR1)


def received(m):
    return m.get("syslog_nozzle_envelopes_received_total", 0.0)


def drops(m):
    return m.get("syslog_nozzle_drain_dropped_total", 0.0)


def sent_frames(m):
    return m.get("syslog_nozzle_drain_sent_frames_total", 0.0)


def nproc():
    return os.cpu_count()
