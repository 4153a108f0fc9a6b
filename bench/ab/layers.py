#!/usr/bin/env python3
"""Where a durable webhook's throughput goes, layer by layer, side by side
with nginx and Redis in one run.

The same Telegram webhooks under wrk (bench/peers/telegram.lua, 50
connections, nobody online) against one switchboard binary built with
bench/ab/layers.patch, which stops the work after a chosen layer when the
environment variable SB_BENCH_LAYER says so:

  front     the I/O thread verifies and parses the webhook and answers it
            itself: no shard, no routing, no write
  handoff   + the hand-off to the tenant's shard and the answer posted back
            to the I/O thread: the shard does no dedup, threading or routing
  routing   + dedup, threading, routing, the event-log frames and the
            encoded WriteBatch: everything but RocksDB's write
  nosync    + RocksDB's write (WAL and memtables) without the fdatasync
            ([storage] sync = false)
  full      + the fdatasync: the daemon as shipped

and, in the same rotation, nginx `return 204` and Redis XADD with
appendfsync always (bench/peers). Each round runs every system once, in a
rotating order; the ratios are taken within each round.

  bench/ab/layers.py --build [--keep-binary PATH]   # patched binary in a worktree of HEAD
  bench/ab/layers.py --binary PATH                  # a binary already built with the patch
                     [--rounds 3] [--duration 8] [--json FILE]

The layers are not strictly additive: the shard's group commits get smaller
when it has less to do per batch (routing: ~9 events per commit; nosync and
full: ~25), and front and handoff make no group commit at all.

The patch is a measuring instrument, never part of the daemon; the test
bench_layers_patch_applies keeps it applicable to the tree (that its
result still compiles is checked only by building it here).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "peers"))
import systems  # noqa: E402  (bench/peers/systems.py)

LAYERS = ["front", "handoff", "routing", "nosync", "full"]
PEERS = ["nginx", "redis"]


def build(work):
    """The daemon at HEAD with layers.patch applied, in a throwaway worktree."""
    tree = os.path.join(work, "tree")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-q", tree, "HEAD"], check=True)
    try:
        subprocess.run(["git", "-C", tree, "apply", os.path.join(HERE, "layers.patch")], check=True)
        subprocess.run(["cmake", "-S", tree, "-B", f"{tree}/build", "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                        "-DSB_BUILD_TESTS=OFF", "-DSB_BUILD_BENCH=OFF"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["ninja", "-C", f"{tree}/build", "switchboard"], check=True, stdout=subprocess.DEVNULL)
        binary = os.path.join(work, "switchboard-layers")
        shutil.copy(f"{tree}/build/adapters/switchboard", binary)
        return binary
    finally:
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], check=False)
        subprocess.run(["git", "-C", ROOT, "worktree", "prune"], check=False)


def measure(name, binary, tmp, args, redis_rate):
    s, c = args.duration, args.connections
    if name == "nginx":
        return systems.measure_nginx(tmp, s, c, 600)
    if name == "redis":
        return systems.measure_redis(tmp, s, c, 600, redis_rate)
    systems.DAEMON_ENV = {"SB_BENCH_LAYER": name} if name in ("front", "handoff", "routing") else {}
    systems.EXTRA_CONFIG = "[storage]\nsync = false\n" if name == "nosync" else ""
    try:
        r = systems.measure_switchboard_wrk(tmp, {"switchboard": binary}, s, c, 600)
    finally:
        systems.DAEMON_ENV, systems.EXTRA_CONFIG = {}, ""
    if name in ("front", "handoff"):  # no group commit: its figures would divide by zero commits
        for k in ("commits_per_s", "events_per_commit", "commit_busy_pct", "commit_ms"):
            r.pop(k, None)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--build", action="store_true", help="build the patched daemon from HEAD first")
    src.add_argument("--binary", help="a switchboard built with bench/ab/layers.patch")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=8, help="seconds per system per round")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--json", help="write every run (after each one) and the summary here")
    ap.add_argument("--keep-binary", help="with --build: copy the patched daemon here, for --binary later")
    args = ap.parse_args()
    if args.rounds < 1 or args.duration < 1:
        ap.error("--rounds and --duration must be at least 1")
    if args.binary:
        try:
            with open(args.binary, "rb") as f:
                patched = b"SB_BENCH_LAYER" in f.read()
        except OSError as e:
            ap.error(f"--binary: {e}")
        if not patched:  # it would measure the shipped daemon three times over
            ap.error(f"--binary {args.binary} was not built with bench/ab/layers.patch")

    tmp = tempfile.mkdtemp(prefix="sb-layers-")
    systems_order = PEERS + LAYERS
    runs = {n: [] for n in systems_order}

    def save(summary=None):
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"rounds": args.rounds, "duration_s": args.duration, "connections": args.connections,
                           "runs": runs, "summary": summary}, f, indent=1)

    try:
        binary = build(tmp) if args.build else os.path.abspath(args.binary)
        if args.build and args.keep_binary:
            shutil.copy(binary, args.keep_binary)
        redis_rate = 60000.0  # sizes redis-benchmark's request count; then its last rate
        for rnd in range(args.rounds):
            k = rnd % len(systems_order)
            for name in systems_order[k:] + systems_order[:k]:
                r = measure(name, binary, tmp, args, redis_rate)
                if name == "redis":
                    redis_rate = r["rate"]
                runs[name].append(r)
                save()  # a failure later keeps what was measured
                p99 = r.get("ack_p99_ms", r.get("p99_ms", 0.0))
                print(f"round {rnd + 1} {name}: {r['rate']:,.0f}/s, p99 {p99:.2f} ms, "
                      f"server {r['server_cpu_pct']:.0f}% CPU, driver {r['driver_cpu_pct']:.0f}%", flush=True)
    finally:
        systems.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)

    def within_rounds(name, peer):
        return [a["rate"] / b["rate"] for a, b in zip(runs[name], runs[peer]) if b["rate"] > 0]

    def spread(x):
        return f"{x['median']:.2f} ({x['min']:.2f}-{x['max']:.2f})" if x else "-"

    summary = {}
    print(f"\n{'system':<8} {'per s, median':>14} {'min - max':>19} {'÷ nginx':>15} {'÷ redis':>15} {'CPU':>5} "
          f"{'µs/op':>6}")
    for name in systems_order:
        rate = systems.summary(r["rate"] for r in runs[name])
        cpu = systems.summary(r["server_cpu_pct"] for r in runs[name])
        # % of a core per operation/s -> µs of server CPU per operation, per run
        us = systems.summary(1e4 * r["server_cpu_pct"] / r["rate"] for r in runs[name] if r["rate"] > 0)
        vs = {p: systems.summary(within_rounds(name, p)) for p in PEERS}
        summary[name] = {"rate": rate, "server_cpu_pct": cpu, "server_cpu_us_per_op": us,
                         **{f"vs_{p}": v for p, v in vs.items()}}
        if rate is None:
            continue
        print(f"{name:<8} {rate['median']:>14,.0f} {rate['min']:>9,.0f} - {rate['max']:>7,.0f}  "
              f"{'  '.join(spread(v) for v in vs.values())}  {cpu['median']:>4.0f}% "
              f"{us['median'] if us else float('nan'):>6.1f}")
    save(summary)


if __name__ == "__main__":
    main()
