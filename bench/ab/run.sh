#!/usr/bin/env bash
# A/B of two switchboard binaries under the same load, interleaved round by
# round so both see the same machine: `sb_loadgen --mode closed` against each
# in turn, on a fresh data dir each time, printing webhooks/s, ack p50/p99 and
# the daemon's CPU per run. Used for the before/after figures in
# docs/performance-history.md ("Profile of the ingest path").
#
#   bench/ab/run.sh OLD_BINARY NEW_BINARY [ROUNDS] [-- extra sb_loadgen flags]
#   e.g. build a commit in a worktree, then:
#   bench/ab/run.sh /tmp/before/switchboard build/release/adapters/switchboard 4
set -euo pipefail
cd "$(dirname "$0")/../.."
old="$1"; new="$2"; rounds="${3:-4}"
shift $(( $# >= 3 ? 3 : 2 ))
[[ "${1:-}" == "--" ]] && shift
loadgen=build/release/bench/sb_loadgen
port=18391
work=$(mktemp -d /tmp/sb-ab.XXXXXX)
cp "$old" "$work/old"; cp "$new" "$work/new"; cp "$loadgen" "$work/loadgen"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
  for v in old new; do
    data="$work/data-$round-$v"; mkdir -p "$data"
    # bench/peers/bench.toml: the rate limits off, as for every benchmarked daemon.
    "$work/$v" --listen 127.0.0.1:$port --data-dir "$data" --config bench/peers/bench.toml > "$data.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf 127.0.0.1:$port/readyz > /dev/null && break; sleep 0.1; done
    "$work/loadgen" --target 127.0.0.1:$port --data-dir "$data" --pid "$pid" --mode closed \
        --connections 50 --duration 8 --quiet --json "$data.json" "$@" > /dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$data.json" "$round" "$v" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); a = j["latency_us"]["ack"]
print(f"round {sys.argv[2]} {sys.argv[3]:>3}: {j['webhooks']['acked_per_s']:>9.1f} webhooks/s  "
      f"ack p50 {a['p50'] / 1000:.2f} ms  p99 {a['p99'] / 1000:.2f} ms  daemon cpu {j['daemon']['cpu_pct']:.0f} %")
PY
    rm -rf "$data"
  done
done
