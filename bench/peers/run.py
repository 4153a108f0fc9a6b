#!/usr/bin/env python3
"""Switchboard's durable webhook ingest side by side with its peers.

In each round, one after another on this machine: nginx `return 204` (wrk),
Redis XADD with appendfsync always (redis-benchmark), NATS JetStream publishes
with Nats-Msg-Id to a file store (js_publish.mjs), a raw write+fdatasync loop,
Switchboard under its own workload (sb_loadgen, closed loop, operators
working) and Switchboard taking Telegram webhooks driven by wrk, the same
driver as nginx (telegram.lua), all at the same concurrency with ~600-byte
messages. The order rotates from round to round. Ratios are taken
within each round, then summarized as median and min-max over the rounds.
Finally one open-loop run at half Switchboard's median peak gives its ack and
offer latencies. Prints markdown tables and writes a JSON file.

  bench/peers/install-deps.sh            # once: nginx-light wrk redis-server nats-server, npm ci
  bench/peers/run.py                     # 3 rounds x 10 s each, ~4 minutes
  bench/peers/run.py --quick             # 1 round x 2 s, to check that everything runs
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import systems  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORDER = ["nginx", "redis", "jetstream", "fdatasync", "switchboard", "switchboard-wrk"]
WHAT = {
    "nginx": "HTTP POSTs answered 204 by nginx (wrk)",
    "redis": "XADD acked by Redis, appendfsync always (redis-benchmark)",
    "jetstream": "JetStream PubAcks, Nats-Msg-Id, file store (nats.js)",
    "fdatasync": "write 600 B + fdatasync, one thread",
    "switchboard": "webhooks answered 2xx by Switchboard (sb_loadgen closed loop, 20 operators working)",
    "switchboard-wrk": "Telegram webhooks answered 200 by Switchboard, no operator online (wrk, telegram.lua)",
}
RATIOS = [  # name, numerator, denominator, target (None: no target)
    ("Switchboard ÷ nginx return 204", "switchboard", "nginx", 0.5),
    ("Switchboard ÷ Redis XADD appendfsync always", "switchboard", "redis", 1.0),
    ("Switchboard, webhooks only, same driver (wrk) ÷ nginx return 204", "switchboard-wrk", "nginx", 0.5),
    ("Switchboard, webhooks only, same driver (wrk) ÷ Redis XADD", "switchboard-wrk", "redis", 1.0),
    ("Switchboard ÷ JetStream publish", "switchboard", "jetstream", None),
    ("Switchboard webhooks/s ÷ fdatasync/s", "switchboard", "fdatasync", None),
    ("Switchboard shard batches/s ÷ fdatasync/s", "switchboard:commits_per_s", "fdatasync", None),
]


def value(rnd, key):
    name, _, field = key.partition(":")
    return rnd[name].get(field or "rate")


def fmt(x, unit=""):
    if x is None:
        return "–"
    if unit == "x":
        return f"{x:.2f}×"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    disk = subprocess.run(["df", "--output=source,fstype", tempfile.gettempdir()], capture_output=True,
                          text=True).stdout.split("\n")[1].split()
    git = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True,
                         text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "tmp_disk": " ".join(disk), "kernel": os.uname().release,
            "git": git, "loadavg_start": os.getloadavg()}


def measure(name, args, bins, tmp, redis_rate):
    c, s, b = args.connections, args.duration, args.body_bytes
    if name == "nginx":
        return systems.measure_nginx(tmp, s, c, b)
    if name == "redis":
        return systems.measure_redis(tmp, s, c, b, redis_rate)
    if name == "jetstream":
        return systems.measure_jetstream(tmp, s, c, b)
    if name == "fdatasync":
        return systems.measure_fdatasync(tmp, s, b)
    if name == "switchboard-wrk":
        return systems.measure_switchboard_wrk(tmp, bins, s, c, b)
    return systems.measure_switchboard(tmp, bins, s, c)


def report(res):
    cfg, rounds = res["config"], res["rounds"]
    m = res["machine"]
    print(f"\n{len(rounds)} rounds, {cfg['duration']} s per measurement, {cfg['connections']} connections, "
          f"~{cfg['body_bytes']}-byte messages; {m['nproc']} CPUs ({m['cpu']}), {m['tmp_disk']}; "
          f"load average {', '.join(f'{x:.2f}' for x in m['loadavg_start'])} at start, "
          f"{', '.join(f'{x:.2f}' for x in res['loadavg_end'])} at end; git {m['git']}\n")
    print("| system | acknowledged operations | per s, median | min – max | server CPU | driver CPU |")
    print("|---|---|---:|---:|---:|---:|")
    for name in ORDER:
        s = res["summary"][name]
        srv = systems.summary([r[name].get("daemon_cpu_pct", r[name].get("server_cpu_pct")) for r in rounds])
        drv = systems.summary([r[name].get("loadgen_cpu_pct", r[name].get("driver_cpu_pct")) for r in rounds])
        print(f"| {name} | {WHAT[name]} | {fmt(s['median'])} | {fmt(s['min'])} – {fmt(s['max'])} | "
              f"{fmt(srv['median']) + ' %' if srv else '–'} | {fmt(drv['median']) + ' %' if drv else '–'} |")
    print("\n| ratio, within each round | median | min – max | target | holds |")
    print("|---|---:|---:|---:|---|")
    for label, _, _, target in RATIOS:
        r = res["ratios"][label]
        holds = "–" if target is None or r is None else ("yes" if r["min"] >= target else
                                                          "no" if r["max"] < target else "in some rounds")
        print(f"| {label} | {fmt(r and r['median'], 'x')} | {fmt(r and r['min'], 'x')} – {fmt(r and r['max'], 'x')} "
              f"| {'≥ ' + fmt(target, 'x') if target else ''} | {holds} |")
    sb = [r["switchboard"] for r in rounds]
    # switchboard_group_commits_total counts every shard batch, also those with
    # nothing to write (Db::commit skips the write and the fsync for them).
    print(f"\nSwitchboard per round: events stored per shard batch "
          f"{', '.join(fmt(x.get('events_per_commit')) for x in sb)}; share of wall time in commits "
          f"{', '.join(fmt(x.get('commit_busy_pct')) + ' %' for x in sb)}; mean batch commit "
          f"{', '.join(fmt(x.get('commit_ms')) + ' ms' for x in sb)} (fdatasync alone "
          f"{', '.join(fmt(1000 / r['fdatasync']['rate']) + ' ms' for r in rounds)}); "
          f"ack p99 {', '.join(fmt(x['ack_p99_ms']) + ' ms' for x in sb)}; errors {sum(x['errors'] for x in sb)}")
    sw = [r["switchboard-wrk"] for r in rounds]
    print(f"\nSwitchboard driven by wrk, per round: events stored per write "
          f"{', '.join(fmt(x.get('events_per_commit')) for x in sw)}; share of wall time in commits "
          f"{', '.join(fmt(x.get('commit_busy_pct')) + ' %' for x in sw)}; ack p50 "
          f"{', '.join(fmt(x['ack_p50_ms']) + ' ms' for x in sw)}, p99 "
          f"{', '.join(fmt(x['ack_p99_ms']) + ' ms' for x in sw)}")
    o = res.get("open_loop")
    if o:
        print(f"\nOpen loop at half the median peak ({o['offered_rate']:,.0f}/s offered, {o['rate']:,.0f}/s acked, "
              f"{o['errors']} errors, daemon CPU {fmt(o['daemon_cpu_pct'])} %):\n")
        print("| latency | p50 | p99 | p99.9 | target (p99) | holds |\n|---|---:|---:|---:|---:|---|")
        print(f"| ack | {o['ack_p50_ms']:.2f} ms | {o['ack_p99_ms']:.2f} ms | {o['ack_p999_ms']:.2f} ms | ≤ 5 ms "
              f"| {'yes' if o['ack_p99_ms'] <= 5 else 'no'} |")
        if "send_lag_p99_ms" in o:
            print(f"| of which sb_loadgen late (send_lag) | {o['send_lag_p50_ms']:.2f} ms | {o['send_lag_p99_ms']:.2f} ms "
                  f"| {o['send_lag_p999_ms']:.2f} ms | | |")
            print(f"| of which write to 2xx (ack_rtt) | {o['ack_rtt_p50_ms']:.2f} ms | {o['ack_rtt_p99_ms']:.2f} ms "
                  f"| {o['ack_rtt_p999_ms']:.2f} ms | | |")
        print(f"| offer after ack | | {o['offer_after_ack_p99_ms']:.2f} ms | | ≤ 2 ms | "
              f"{'yes' if o['offer_after_ack_p99_ms'] <= 2 else 'no'} |")
        print(f"| webhook to offer | | {o['webhook_to_offer_p99_ms']:.2f} ms | | | |")
        if "write_p99_ms" in o:
            print(f"| the daemon's group-commit write (fsync included; its /metrics) | {o['write_p50_ms']:.2f} ms "
                  f"| {o['write_p99_ms']:.2f} ms | {o['write_p999_ms']:.2f} ms | | |")
        print(f"\nack p99 in each second (ms): {', '.join(fmt(x) for x in o['per_second_ack_p99_ms'])}")
        if o.get("operator_slots"):
            print(f"\nconversations held by the operators at peak: {o['operator_peak_busy']} of {o['operator_slots']} slots")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=None, help="rounds (default 3; 1 with --quick)")
    ap.add_argument("--duration", type=float, default=None, help="seconds per measurement (default 10; 2 with --quick)")
    ap.add_argument("--connections", type=int, default=50, help="concurrency of every driver (default 50)")
    ap.add_argument("--body-bytes", type=int, default=600, help="message size (default 600)")
    ap.add_argument("--no-open-loop", action="store_true", help="skip the open-loop run at half the peak")
    ap.add_argument("--quick", action="store_true", help="1 round of 2 s: checks that everything runs")
    ap.add_argument("--build", default=os.path.join(REPO, "build/release"), help="build dir with switchboard, sb_loadgen")
    ap.add_argument("--tmpdir", default=tempfile.gettempdir(), help="where the servers' data dirs go")
    ap.add_argument("--json", default=os.path.join(REPO, "build", "peers.json"), help="results file (default build/peers.json)")
    args = ap.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.duration = args.duration or (2 if args.quick else 10)
    if args.duration != int(args.duration):
        ap.error("--duration: whole seconds (wrk takes whole seconds)")
    args.duration = int(args.duration)

    missing = [t for t in ("nginx", "wrk", "redis-server", "redis-benchmark", "nats-server", "node") if not shutil.which(t)]
    if missing or not os.path.isdir(os.path.join(systems.HERE, "node_modules", "nats")):
        sys.exit(f"missing {' '.join(missing) or 'node_modules/nats'}: run bench/peers/install-deps.sh")

    # Stop every server we started, whatever ends the run.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, f: sys.exit(128 + n))
    tmp = tempfile.mkdtemp(prefix="sb-peers-", dir=args.tmpdir)
    try:
        # Private copies, so a rebuild by someone else cannot swap them mid-run.
        bins = {}
        for b, rel in (("switchboard", "adapters/switchboard"), ("sb_loadgen", "bench/sb_loadgen")):
            bins[b] = shutil.copy2(os.path.join(args.build, rel), os.path.join(tmp, b))
        res = {"config": vars(args), "machine": machine(),
               "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "rounds": []}
        redis_rate = systems.measure_redis(tmp, 1, args.connections, args.body_bytes, 5000)["rate"]
        for i in range(args.rounds):
            rnd = {}
            for name in ORDER[i % len(ORDER):] + ORDER[:i % len(ORDER)]:
                print(f"round {i + 1}/{args.rounds}: {name} ...", end=" ", file=sys.stderr, flush=True)
                rnd[name] = measure(name, args, bins, tmp, redis_rate)
                print(f"{rnd[name]['rate']:,.0f}/s", file=sys.stderr, flush=True)
            redis_rate = rnd["redis"]["rate"]
            res["rounds"].append(rnd)
        res["summary"] = {n: systems.summary([r[n]["rate"] for r in res["rounds"]]) for n in ORDER}
        res["ratios"] = {label: systems.summary([value(r, a) / value(r, b) if value(r, a) is not None else None
                                         for r in res["rounds"]]) for label, a, b, _ in RATIOS}
        if not args.no_open_loop:
            rate = res["summary"]["switchboard"]["median"] / 2
            print(f"open loop at {rate:,.0f}/s ...", file=sys.stderr, flush=True)
            o = systems.measure_switchboard(tmp, bins, args.duration, args.connections, "open", rate)
            res["open_loop"] = {"offered_rate": rate, **o}
        res["loadavg_end"] = os.getloadavg()
    finally:
        systems.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    with open(args.json, "w") as f:
        json.dump(res, f, indent=1)
    report(res)
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
