#!/usr/bin/env python3
"""A/B of switchboard binaries on the "switchboard-wrk" row of bench/peers:
real Telegram webhooks driven by wrk (bench/peers/telegram.lua), nobody
online, against a fresh daemon each run; the binaries take turns round by
round, so that each pair sees the same machine. Per run: webhooks/s, ack
p50/p99 (wrk's), the daemon's CPU and CPU per webhook, events per group
commit, bytes the daemon wrote to storage per webhook (WAL, flushes and
compactions: /proc/PID/io write_bytes), and per daemon thread (by name)
the % of the run it spent on a CPU and runnable but waiting for one
(/proc/PID/task/*/schedstat), printed as name=on/waiting%.

  bench/ab/wrk_ab.py OLD NEW [--rounds 4] [--duration 8] [--connections 50]
                     [--config FILE]     # e.g. [storage] sync = false

Needs wrk (bench/peers/install-deps.sh). Used for the figures of
docs/performance-history.md, "Session 6".
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))
import systems  # noqa: E402  (bench/peers/systems.py)


def thread_times(pid):
    """Per thread name (threads of one name summed), from schedstat: ns on a
    CPU and ns runnable but waiting for one."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                on_cpu, waiting = (int(x) for x in f.read().split()[:2])
        except (OSError, ValueError):
            continue
        a = out.setdefault(name, [0, 0])
        a[0] += on_cpu
        a[1] += waiting
    return out


def bytes_written(pid):
    """What the process had the kernel write to storage so far (/proc/PID/io
    write_bytes: the WAL, flushes and compactions), or None if unreadable."""
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binaries", nargs="+", help="switchboard binaries to compare")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--duration", type=int, default=8, help="seconds per run (whole seconds: wrk)")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--config", help="TOML added to every daemon's config (after bench/peers/bench.toml: "
                    "rate limits off); no [limits] table")
    args = ap.parse_args()

    per_thread = {}
    drive = systems.drive

    written = {}

    def drive_with_threads(argv, pid, env=None):
        a, t0, w0 = thread_times(pid), time.monotonic(), bytes_written(pid)
        r = drive(argv, pid, env)
        b, wall, w1 = thread_times(pid), time.monotonic() - t0, bytes_written(pid)
        written["bytes"] = None if w0 is None or w1 is None else w1 - w0
        per_thread.clear()
        # max(0, ...): a name whose pool lost a thread meanwhile
        per_thread.update({n: [max(0, 100 * (v[i] - a.get(n, [0, 0])[i]) / 1e9 / wall) for i in (0, 1)]
                           for n, v in b.items()})
        return r

    if args.config:  # added after bench/peers/bench.toml
        with open(args.config) as f:
            systems.EXTRA_CONFIG = f.read()
    systems.drive = drive_with_threads
    tmp = tempfile.mkdtemp(prefix="sb-wrk-ab-")
    copies = []
    for i, b in enumerate(args.binaries):  # private copies: a rebuild cannot swap them mid-run
        dst = os.path.join(tmp, f"{i}-switchboard")
        with open(b, "rb") as src, open(dst, "wb") as out:
            out.write(src.read())
        os.chmod(dst, 0o755)
        copies.append(dst)
    rates = {b: [] for b in args.binaries}
    try:
        for rnd in range(1, args.rounds + 1):
            for b, copy in zip(args.binaries, copies):
                r = systems.measure_switchboard_wrk(tmp, {"switchboard": copy}, args.duration,
                                                    args.connections, 600)
                rates[b].append(r["rate"])
                us = 1e4 * r["server_cpu_pct"] / r["rate"]  # % of a core per webhook/s -> µs
                disk = ""
                if written.get("bytes") is not None and r["rate"] > 0:
                    disk = f", {written['bytes'] / (r['rate'] * args.duration):,.0f} B written/webhook"
                # name=on a CPU/waiting for one, % of the run's wall time
                threads = " ".join(f"{n}={v[0]:.0f}/{v[1]:.0f}%" for n, v in sorted(per_thread.items())
                                   if max(v) >= 1)
                print(f"round {rnd} {b}: {r['rate']:,.0f} webhooks/s, ack p50 {r['ack_p50_ms']:.2f} ms "
                      f"p99 {r['ack_p99_ms']:.2f} ms, daemon {r['server_cpu_pct']:.0f}% ({us:.1f} µs/webhook), "
                      f"{r.get('events_per_commit', 0):.1f} events/commit{disk}; {threads}", flush=True)
    finally:
        systems.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    for b in args.binaries:
        print(f"median {b}: {statistics.median(rates[b]):,.0f} webhooks/s "
              f"({', '.join(f'{x:,.0f}' for x in rates[b])})")


if __name__ == "__main__":
    main()
