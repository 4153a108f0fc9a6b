"""One measurement of each system for bench/peers/run.py.

Each measure_* function starts its server on 127.0.0.1 and a free port, with
its data in a fresh temp dir, drives it for `seconds` at `conns` concurrency
with ~`body` -byte messages, stops it by PID and removes its data. It returns
a dict with "rate" (acknowledged operations/s) plus the CPU the server and the
driver used (% of one core over the driver's run) and a few extras.
"""
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")
_started = []  # Popen objects of the servers still running


def summary(xs):
    """Median, min and max of the figures measured (None: not measured), or
    None if there are none."""
    xs = [x for x in xs if x is not None]
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)} if xs else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{proc.args[0]} not listening on {port} after {timeout}s")


def start(argv, log_path, env=None):
    """Starts a server in its own process group, remembered for stop_all()."""
    with open(log_path, "wb") as log:
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    _started.append(p)
    return p


def stop(p):
    """SIGTERM to the server's PID, then SIGKILL to its process group."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:  # nginx workers, if the master died without them
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
    if p in _started:
        _started.remove(p)


def stop_all():
    for p in list(_started):
        stop(p)


def cpu_seconds(pid):
    """utime+stime of pid and its direct children (nginx workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:  # fields[1] is the ppid
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def drive(argv, server_pid, env=None):
    """Runs a load driver to completion; returns stdout and the CPU figures."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, t0 = cpu_seconds(server_pid), time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    s1, ru1 = cpu_seconds(server_pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({out.returncode}): {out.stderr[-2000:]}")
    drv = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return out.stdout, {"server_cpu_pct": 100 * (s1 - s0) / wall, "driver_cpu_pct": 100 * drv / wall}


def measure_nginx(tmp, seconds, conns, body):
    d = tempfile.mkdtemp(prefix="nginx-", dir=tmp)
    port = free_port()
    with open(os.path.join(HERE, "nginx.conf.in")) as f:
        conf = f.read().replace("@PREFIX@", d).replace("@PORT@", str(port))
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(conf)
    p = start(["nginx", "-p", d, "-c", f"{d}/nginx.conf", "-e", f"{d}/error.log", "-g", "daemon off;"],
              f"{d}/stdout.log")
    try:
        wait_port(port, p)
        env = dict(os.environ, PEERS_BODY_BYTES=str(body), PEERS_LUA_DIR=HERE)
        out, cpu = drive(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "-s", os.path.join(HERE, "post.lua"),
                          f"http://127.0.0.1:{port}/webhook"], p.pid, env)
    finally:
        stop(p)
        shutil.rmtree(d, ignore_errors=True)
    r = json.loads(out.split("PEERS_JSON ", 1)[1].splitlines()[0])
    return {"rate": r["rate"], "errors": r["errors"], "p99_ms": r["p99_us"] / 1000, **cpu}


def measure_redis(tmp, seconds, conns, body, expected_rate):
    d = tempfile.mkdtemp(prefix="redis-", dir=tmp)
    port = free_port()
    p = start(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", d, "--save", "",
               "--appendonly", "yes", "--appendfsync", "always", "--auto-aof-rewrite-percentage", "0",
               "--daemonize", "no", "--logfile", f"{d}/redis.log"], f"{d}/stdout.log")
    try:
        wait_port(port, p)
        # redis-benchmark runs a request count, not a duration: size it from
        # the previous measurement's rate.
        n = max(2000, int(expected_rate * seconds))
        out, cpu = drive(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(conns), "-n", str(n),
                          "--threads", "2", "--csv", "XADD", "s", "*", "f", "x" * body], p.pid)
    finally:
        stop(p)
        shutil.rmtree(d, ignore_errors=True)
    row = out.strip().splitlines()[-1].split('","')  # "test","rps",...,"p99_latency_ms","max_latency_ms"
    return {"rate": float(row[1]), "requests": n, "p99_ms": float(row[6]), **cpu}


def measure_jetstream(tmp, seconds, conns, body):
    d = tempfile.mkdtemp(prefix="nats-", dir=tmp)
    port = free_port()
    p = start(["nats-server", "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", f"{d}/js",
               "-l", f"{d}/nats.log"], f"{d}/stdout.log")
    try:
        wait_port(port, p)
        out, cpu = drive(["node", os.path.join(HERE, "js_publish.mjs"), "--port", str(port),
                          "--seconds", str(seconds), "--window", str(conns), "--bytes", str(body)], p.pid)
    finally:
        stop(p)
        shutil.rmtree(d, ignore_errors=True)
    r = json.loads(out.strip().splitlines()[-1])
    return {"rate": r["rate"], "errors": r["errors"], "duplicates": r["duplicates"], **cpu}


def measure_fdatasync(tmp, seconds, body):
    d = tempfile.mkdtemp(prefix="fsync-", dir=tmp)
    fd = os.open(f"{d}/f", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    data, n = b"x" * body, 0
    t0 = time.monotonic()
    end = t0 + seconds
    try:
        while time.monotonic() < end:
            os.write(fd, data)
            os.fdatasync(fd)
            n += 1
    finally:
        os.close(fd)
        shutil.rmtree(d, ignore_errors=True)
    return {"rate": n / (time.monotonic() - t0)}


def _scrape(port):
    """The daemon's totals: events stored, group commits, seconds in commits."""
    want = {"switchboard_events_stored_total": 0.0, "switchboard_group_commits_total": 0.0,
            "switchboard_commit_seconds_total": 0.0}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
        for line in r.read().decode().splitlines():
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name in want:
                want[name] += float(line.rsplit(" ", 1)[1])
    return time.monotonic(), want


class _Sampler:
    """Reads the daemon's /metrics every 0.5 s while a driver runs."""

    def __init__(self, port):
        self.port, self.samples, self.done = port, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.wait(0.5):
            try:
                self.samples.append(_scrape(self.port))
            except OSError:
                pass

    def stop(self):
        self.done.set()
        self.thread.join()

    def commit_figures(self):
        """Group commits/s, events per commit and time in commits, between the
        first and the last reading in which stored events grew (about the load
        window)."""
        samples, res = self.samples, {}
        grew = [i for i in range(1, len(samples))
                if samples[i][1]["switchboard_events_stored_total"] > samples[i - 1][1]["switchboard_events_stored_total"]]
        if len(grew) >= 2:
            (t0, a), (t1, b) = samples[grew[0] - 1], samples[grew[-1]]
            commits = b["switchboard_group_commits_total"] - a["switchboard_group_commits_total"]
            res["commits_per_s"] = commits / (t1 - t0)
            res["events_per_commit"] = (b["switchboard_events_stored_total"] - a["switchboard_events_stored_total"]) / max(commits, 1)
            busy = b["switchboard_commit_seconds_total"] - a["switchboard_commit_seconds_total"]
            res["commit_busy_pct"] = 100 * busy / (t1 - t0)
            res["commit_ms"] = 1000 * busy / max(commits, 1)
        return res


# Every benchmarked daemon runs with bench.toml (rate limits off; why: in the
# file) and EXTRA_CONFIG after it (bench/ab/wrk_ab.py --config), with
# DAEMON_ENV added to its environment (bench/ab/layers.py: SB_BENCH_LAYER).
with open(os.path.join(HERE, "bench.toml")) as _f:
    BENCH_CONFIG = _f.read()
EXTRA_CONFIG = ""
DAEMON_ENV = {}


def _start_switchboard(bins, d):
    """A fresh daemon on a free port, once /readyz answers 200 (recovery
    done); stopped again if it does not get there."""
    port = free_port()
    with open(f"{d}/bench.toml", "w") as f:
        f.write(BENCH_CONFIG + EXTRA_CONFIG)
    p = start([bins["switchboard"], "--listen", f"127.0.0.1:{port}", "--data-dir", f"{d}/data",
               "--config", f"{d}/bench.toml"], f"{d}/daemon.log", dict(os.environ, **DAEMON_ENV))
    try:
        wait_port(port, p)
        end = time.monotonic() + 30
        while True:
            if p.poll() is not None:
                raise RuntimeError(f"switchboard exited with {p.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        return p, port
            except OSError:
                pass
            if time.monotonic() > end:
                raise RuntimeError("switchboard not ready after 30 s")
            time.sleep(0.05)
    except BaseException:
        stop(p)
        raise


@contextlib.contextmanager
def _switchboard(bins, tmp, prefix):
    """A fresh daemon in its own temp dir with a /metrics sampler; on the way
    out, whatever happened, the sampler and the daemon stop and the dir goes."""
    d = tempfile.mkdtemp(prefix=prefix, dir=tmp)
    p = sampler = None
    try:
        p, port = _start_switchboard(bins, d)
        sampler = _Sampler(port)
        yield p, port, d, sampler
    finally:
        if sampler is not None:
            sampler.stop()
        if p is not None:
            stop(p)
        shutil.rmtree(d, ignore_errors=True)


def measure_switchboard_wrk(tmp, bins, seconds, conns, body):
    """Webhooks only, driven by wrk like nginx: real Telegram Updates with the
    channel's secret token (telegram.lua), each with a fresh update_id, from
    1,000 customers, to a fresh daemon's demo tenant. No operator is online,
    so conversations wait in their queue: ingest, dedup, threading, routing
    and the durable group commit, and nothing else."""
    with _switchboard(bins, tmp, "sb-wrk-") as (p, port, d, sampler):
        with open(f"{d}/data/demo-admin-key") as f:
            key = f.read().strip()
        secret = os.urandom(16).hex()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/channels/wrk-tg", method="PUT",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            data=json.dumps({"type": "telegram", "secret": secret, "queue": "support"}).encode())
        urllib.request.urlopen(req, timeout=5).close()
        env = dict(os.environ, PEERS_BODY_BYTES=str(body), PEERS_SECRET=secret, PEERS_LUA_DIR=HERE)
        out, cpu = drive(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "-s", os.path.join(HERE, "telegram.lua"),
                          f"http://127.0.0.1:{port}/webhooks/demo/wrk-tg"], p.pid, env)
    r = json.loads(out.split("PEERS_JSON ", 1)[1].splitlines()[0])
    if r["errors"]:
        raise RuntimeError(f"switchboard-wrk: {r['errors']} of {r['requests']} webhooks failed")
    return {"rate": r["rate"], "errors": r["errors"], "ack_p50_ms": r["p50_us"] / 1000,
            "ack_p99_ms": r["p99_us"] / 1000, **cpu, **sampler.commit_figures()}


def measure_switchboard(tmp, bins, seconds, conns, mode="closed", rate=None):
    """sb_loadgen against a fresh daemon, with /metrics read meanwhile."""
    with _switchboard(bins, tmp, "sb-") as (p, port, d, sampler):
        argv = [bins["sb_loadgen"], "--target", f"127.0.0.1:{port}", "--data-dir", f"{d}/data", "--pid", str(p.pid),
                "--mode", mode, "--connections", str(conns), "--duration", str(seconds), "--quiet",
                "--json", f"{d}/loadgen.json",
                # 20 operators x 200 slots: the team never runs out of room, so
                # an offer's delay is the daemon's, not time queued for a free
                # slot (at ~5k webhooks/s, 50 slots each were 93 % full).
                "--capacity", "200"]
        if rate:
            argv += ["--rate", f"{rate:.0f}"]
        _, cpu = drive(argv, p.pid)
        with open(f"{d}/loadgen.json") as f:
            j = json.load(f)
    lat = j["latency_us"]
    res = {"rate": j["webhooks"]["acked_per_s"], "errors": sum(j["errors"].values()),
           "daemon_cpu_pct": j["daemon"]["cpu_pct"], "loadgen_cpu_pct": j.get("loadgen_cpu_pct"),
           "ack_p50_ms": lat["ack"]["p50"] / 1000, "ack_p99_ms": lat["ack"]["p99"] / 1000,
           "ack_p999_ms": lat["ack"]["p99_9"] / 1000,
           "offer_after_ack_p99_ms": lat["offer_after_ack"]["p99"] / 1000,
           "webhook_to_offer_p99_ms": lat["webhook_to_offer"]["p99"] / 1000,
           "per_second_ack_p99_ms": [t["ack_p99_us"] / 1000 for t in j["timeline"]],
           "per_second_daemon_cpu_pct": [t["daemon_cpu_pct"] for t in j["timeline"]],
           "operator_slots": j.get("operators", {}).get("slots"),
           "operator_peak_busy": j.get("operators", {}).get("peak_busy"),
           # offers delivered >= 20 ms after routing, per operator stream
           "late_offers": j.get("operators", {}).get("late_offers"),
           # per daemon thread, % of the window on a CPU and waiting for one
           "daemon_threads": {t["name"]: {"cpu_pct": t["cpu_pct"], "waiting_pct": t["waiting_pct"]}
                              for t in j["daemon"].get("threads", [])},
           "loadgen_waiting_pct": j.get("loadgen_waiting_pct"), **cpu}
    for name in ("send_lag", "ack_rtt"):  # open loop: the ack split at the request's write
        if lat.get(name, {}).get("count"):
            res.update({f"{name}_p50_ms": lat[name]["p50"] / 1000, f"{name}_p99_ms": lat[name]["p99"] / 1000,
                        f"{name}_p999_ms": lat[name]["p99_9"] / 1000})
    res.update(sampler.commit_figures())
    gc = j["daemon"].get("group_commits")  # the daemon's /metrics over the window
    if gc:
        res.update({"write_p50_ms": gc["write_p50_us"] / 1000, "write_p99_ms": gc["write_p99_us"] / 1000,
                    "write_p999_ms": gc["write_p999_us"] / 1000})
    return res
