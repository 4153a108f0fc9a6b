#!/usr/bin/env python3
"""Summarises a bench/scale/run.sh run: a table on stdout and a JSON file.

Input: the run's work directory, holding `starts` (one line per daemon start:
name, n, ready_ms, recovery_s, rss_kib, hwm_kib) and `<name>.populate.json`.
Each data set is started several times: the first start after sb_populate
is reported apart (RocksDB replays the WAL the populator left and recovery
deletes expired dedup marks, as on a daemon's first restart), the others as
a median with min-max.
"""
import argparse
import json
import os
import statistics


def load_starts(work):
    sets = {}
    with open(os.path.join(work, "starts")) as f:
        for line in f:
            name, n, ready, rec, rss, hwm = line.split()
            sets.setdefault(name, []).append(
                {"start": int(n), "ready_ms": int(ready), "recovery_s": float(rec),
                 "rss_kib": int(rss), "hwm_kib": int(hwm)})
    return sets


def summary(runs):
    later = runs[1:] or runs
    med = lambda k: statistics.median(r[k] for r in later)
    return {
        "first_ready_ms": runs[0]["ready_ms"],
        "ready_ms_median": med("ready_ms"),
        "ready_ms_min": min(r["ready_ms"] for r in later),
        "ready_ms_max": max(r["ready_ms"] for r in later),
        "rss_kib_median": med("rss_kib"),
        "rss_kib_min": min(r["rss_kib"] for r in runs),
        "rss_kib_max": max(r["rss_kib"] for r in runs),
        "hwm_kib_max": max(r["hwm_kib"] for r in runs),
        "starts": runs,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("work")
    p.add_argument("json_out")
    p.add_argument("--convs", type=int, required=True)
    p.add_argument("--ops", type=int, required=True)
    p.add_argument("--events", type=int, required=True)
    p.add_argument("--cold", type=int, default=0)
    a = p.parse_args()

    out = {"cold_cache": bool(a.cold), "sets": {}}
    for name, runs in load_starts(a.work).items():
        s = summary(runs)
        pop = os.path.join(a.work, name + ".populate.json")
        if os.path.exists(pop):
            with open(pop) as f:
                s["populated"] = json.load(f)
        mib = os.path.join(a.work, name + ".mib")
        if os.path.exists(mib):
            with open(mib) as f:
                s["db_mib"] = int(f.read().strip() or 0)
        out["sets"][name] = s

    sets = out["sets"]
    rss = {k: v["rss_kib_median"] * 1024 for k, v in sets.items()}
    if "empty" in rss and "ops" in rss and a.ops:
        out["bytes_per_operator"] = (rss["ops"] - rss["empty"]) / a.ops
    if "ops" in rss and "convs" in rss and a.convs:
        out["bytes_per_open_conversation"] = (rss["convs"] - rss["ops"]) / a.convs
    if "convs" in rss and "resolved" in rss and a.convs:
        out["bytes_per_resolved_conversation"] = (rss["resolved"] - rss["convs"]) / a.convs
    if "events" in sets:
        out["restart_to_ready_s_10m_events"] = sets["events"]["ready_ms_median"] / 1000

    print()
    print("| data set | stored | first start → ready | later starts → ready, median (min–max) | VmRSS median | VmHWM |")
    print("|---|---|---:|---:|---:|---:|")
    for name, s in sets.items():
        pop = s.get("populated", {})
        resolved = pop.get("conversations_resolved", 0)
        stored = (f"{pop.get('conversations_open', 0):,} open conversations, "
                  + (f"{resolved:,} resolved, " if resolved else "")
                  + f"{pop.get('operators', 0):,} operators, "
                  f"{pop.get('events', 0):,} messages ({pop.get('log_entries', 0):,} log entries), "
                  f"{s.get('db_mib', 0):,} MiB" if pop else "nothing")
        print(f"| {name} | {stored} | {s['first_ready_ms'] / 1000:.2f} s | "
              f"{s['ready_ms_median'] / 1000:.2f} s ({s['ready_ms_min'] / 1000:.2f}–{s['ready_ms_max'] / 1000:.2f}) | "
              f"{s['rss_kib_median'] / 1024:.0f} MiB | {s['hwm_kib_max'] / 1024:.0f} MiB |")
    print()
    if "bytes_per_operator" in out:
        print(f"RSS per operator:          {out['bytes_per_operator']:.0f} B")
    if "bytes_per_open_conversation" in out:
        print(f"RSS per open conversation: {out['bytes_per_open_conversation']:.0f} B (target <= 1024)")
    if "bytes_per_resolved_conversation" in out:
        print(f"RSS per resolved conversation (kept in memory): {out['bytes_per_resolved_conversation']:.0f} B")
    if "restart_to_ready_s_10m_events" in out:
        print(f"restart to ready, {a.events:,} messages: {out['restart_to_ready_s_10m_events']:.2f} s "
              f"(first start after populating: {sets['events']['first_ready_ms'] / 1000:.2f} s; target <= 5 s)")
    with open(a.json_out, "w") as f:
        json.dump(out, f, indent=2)
    print(f"JSON: {a.json_out}")


if __name__ == "__main__":
    main()
