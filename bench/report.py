#!/usr/bin/env python3
"""Turns one sb_micro_bench JSON report into the tables of docs/performance.md.

Usage:
  sb_micro_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
      --benchmark_out=results.json --benchmark_out_format=json
  python3 bench/report.py results.json [more-results.json ...]

Prints the table of the first run, then the ratios of every run given, one
column per run. Each ratio is computed from medians of one run (side by side on
the same machine, seconds to minutes apart), never across runs: on a shared
machine, absolute figures move between runs much more than ratios do.
Standard library only.
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    rows = {}  # run_name -> {aggregate_name: entry}
    order = []
    for b in report["benchmarks"]:
        if b.get("run_type") != "aggregate":
            continue
        name = b["run_name"]
        if name not in rows:
            rows[name] = {}
            order.append(name)
        rows[name][b["aggregate_name"]] = b
    return report["context"], rows, order


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_rate(x):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale * 0.9995:  # 999.7k prints as 1M, not 1e+03k
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def ns(entry):
    # items/s follows the clock the benchmark is measured with: wall time for
    # those that wait (UseRealTime: fsync, threads), CPU time for the others,
    # which then do not count the time the OS gave to other processes.
    field = "real_time" if entry["run_name"].endswith("/real_time") else "cpu_time"
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[entry["time_unit"]]
    return entry[field] * scale


def short(name):
    # Fixed iteration counts and real-time flags are how, not what.
    parts = [p for p in name.split("/") if not p.startswith("iterations:") and p != "real_time"]
    return "/".join(parts)


def extra(med):
    if "bytes_per_second" in med:
        return f"{med['bytes_per_second'] / 1e6:.0f} MB/s"
    if "wal_bytes_per_event" in med:
        return f"{med['wal_bytes_per_event']:.0f} B WAL/event"
    if "changes_per_event" in med:
        return f"{med['changes_per_event']:.0f} records/event"
    if "full_retries_per_item" in med:
        return f"{med['empty_polls_per_item']:.3f} empty polls/item"
    return ""


def table(rows, order):
    # time/iter: wall clock for benchmarks named .../real_time, CPU time otherwise;
    # for the wall-clock ones, their own CPU time too (the rest is waiting).
    print("| Benchmark | time/iter median | min – max | CPU/iter | items/s median | min – max | |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name in order:
        agg = rows[name]
        med, lo, hi = agg.get("median"), agg.get("min"), agg.get("max")
        if med is None or lo is None or hi is None:
            continue
        cpu = ""
        if name.endswith("/real_time"):
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[med["time_unit"]]
            cpu = fmt_time(med["cpu_time"] * scale)
        rate = med.get("items_per_second")
        rate_cell = fmt_rate(rate) if rate else ""
        rate_range = (f"{fmt_rate(lo['items_per_second'])} – {fmt_rate(hi['items_per_second'])}"
                      if rate else "")
        print(f"| `{short(name)}` | {fmt_time(ns(med))} | {fmt_time(ns(lo))} – {fmt_time(ns(hi))}"
              f" | {cpu} | {rate_cell} | {rate_range} | {extra(med)} |")


def median(rows, prefix, field="items_per_second"):
    for name, agg in rows.items():
        if short(name) == prefix and "median" in agg:
            return agg["median"].get(field)
    return None


def comparisons():
    """(label, function of one run's rows -> formatted cell or None)."""
    def ratio(a, b):
        return f"{a / b:.2f}×" if a and b else None

    def share(a, b):
        return f"{100 * a / b:.0f} %" if a and b else None

    def flush_share(n):
        def cell(rows):
            slow = median(rows, f"BM_GroupCommit/batch:{n}/sync:1", "real_time")
            fast = median(rows, f"BM_GroupCommit/batch:{n}/sync:0", "real_time")
            return f"{100 * (1 - fast / slow):.0f} %" if slow and fast else None
        return cell

    out = []
    for n in (1, 16, 128, 1024):
        out.append((f"group commit N={n}: events/s with sync=false ÷ sync=true",
                    lambda r, n=n: ratio(median(r, f"BM_GroupCommit/batch:{n}/sync:0"),
                                         median(r, f"BM_GroupCommit/batch:{n}/sync:1"))))
    for n in (16, 128, 1024):
        out.append((f"sync=true: events/s with N={n} ÷ N=1",
                    lambda r, n=n: ratio(median(r, f"BM_GroupCommit/batch:{n}/sync:1"),
                                         median(r, "BM_GroupCommit/batch:1/sync:1"))))
    for n in (1, 16, 128, 1024):
        out.append((f"sync=true N={n}: commits/s as a share of raw fdatasync/s",
                    lambda r, n=n: share(median(r, f"BM_GroupCommit/batch:{n}/sync:1",
                                                "batches_per_s"),
                                         median(r, "BM_Fdatasync"))))
    for n in (1, 16, 128, 1024):
        out.append((f"sync=true N={n}: share of commit time spent flushing, "
                    "1 − t(sync=false)/t(sync=true)", flush_share(n)))
    pairs = [
        ("ingest: existing conversation ÷ new contact (events/s)",
         "BM_Ingest_ExistingConversation", "BM_Ingest_NewContact"),
        ("ingest: duplicate ÷ existing conversation (events/s)",
         "BM_Ingest_Duplicate", "BM_Ingest_ExistingConversation"),
        ("Telegram mix parse ÷ ingest existing conversation (events/s)",
         "BM_TelegramParse_Mix", "BM_Ingest_ExistingConversation"),
        ("ingest existing conversation ÷ commit N=1024 sync=true (events/s)",
         "BM_Ingest_ExistingConversation", "BM_GroupCommit/batch:1024/sync:1"),
        ("queue: 1 thread push+pop ÷ 2 producers + 1 consumer (items/s)",
         "BM_Queue_PushPop", "BM_Queue_TwoProducers"),
    ]
    for label, a, b in pairs:
        out.append((label, lambda r, a=a, b=b: ratio(median(r, a), median(r, b))))
    return out


def ratios(runs):
    """One column per run; every cell compares two figures of that run only."""
    header = " | ".join(f"run {i + 1}" for i in range(len(runs)))
    print(f"| Comparison (medians, within each run) | {header} |")
    print("|---|" + "---:|" * len(runs))
    for label, cell in comparisons():
        cells = [cell(rows) or "" for _, rows, _ in runs]
        if any(cells):
            print(f"| {label} | " + " | ".join(cells) + " |")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = [load(path) for path in sys.argv[1:]]
    for i, (context, _, _) in enumerate(runs):
        print(f"- run {i + 1}: {context.get('date')}, {context.get('num_cpus')} CPUs, "
              f"load average {context.get('load_avg')}, "
              f"library build {context.get('library_build_type')}")
    print("\nFigures of run 1:\n")
    _, rows, order = runs[0]
    table(rows, order)
    print()
    ratios(runs)


if __name__ == "__main__":
    main()
