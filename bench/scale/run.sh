#!/bin/sh
# bench/scale/run.sh: memory per open conversation and per operator, and
# restart-to-ready time, of the real daemon on data directories written by
# sb_populate (docs/performance.md, "Scale: memory and restart").
#
#   data sets (each in its own directory under $SCALE_TMP, deleted at the end):
#     empty      nothing stored (the baseline RSS)
#     ops        $OPS operators online in $QUEUES queues, no conversation
#     convs      the same operators plus $CONVS contacts, each with one open,
#                assigned conversation (one message each, within the last day)
#     resolved   convs, and each contact also has an older conversation,
#                resolved 8 days earlier (beyond every window): resolved
#                conversations stay in memory, and this is what they cost
#     events     $EVENTS messages from $EV_CONVS contacts (one open conversation
#                each) to $EV_OPS operators, spread over the last $EV_DAYS days
#   For each: start the daemon $STARTS times; time from exec to the first
#   /readyz 200; VmRSS ($SETTLE s after ready) and VmHWM from /proc.
#   bytes per operator     = (RSS(ops)   - RSS(empty)) / OPS
#   bytes per conversation = (RSS(convs) - RSS(ops))   / CONVS
#   bytes per resolved one = (RSS(resolved) - RSS(convs)) / CONVS
#
# Usage: bench/scale/run.sh [--cold] [--json FILE]
#   --cold  drop the page cache before every start (needs root): a restart
#           after a reboot rather than a process restart.
# Needs build/release/adapters/switchboard and build/release/bench/sb_populate.
# Scale with CONVS, OPS, EVENTS, EV_CONVS, EV_OPS, EV_DAYS, STARTS, TENANTS;
# SETS="empty ops convs" runs only those data sets. EVENTS_DIR=DIR measures
# the events set on a directory populated beforehand (the 10M-message
# populate takes 10-15 min); its sb_populate JSON may be saved as
# DIR/populate.json. The directory is kept. KEEP_DIR=DIR keeps every data set
# in DIR/<set>-<hash of its populate arguments> and reuses it in later runs:
# an A/B of two builds (SB=...) on the same data. (Each start may still write
# a little: recovery's repairs, a flush at stop.)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SB=${SB:-$ROOT/build/release/adapters/switchboard}
POP=${POP:-$ROOT/build/release/bench/sb_populate}
CONVS=${CONVS:-1000000}
OPS=${OPS:-100000}
QUEUES=${QUEUES:-10}
TENANTS=${TENANTS:-1}
EVENTS=${EVENTS:-10000000}
EV_CONVS=${EV_CONVS:-100000}
EV_OPS=${EV_OPS:-10000}
EV_DAYS=${EV_DAYS:-30}
STARTS=${STARTS:-3}
SETS=${SETS:-empty ops convs events}
SETTLE=${SETTLE:-2}
PORT=${PORT:-18470}
SCALE_TMP=${SCALE_TMP:-/tmp}
COLD=0
JSON=${SCALE_TMP}/sb-scale.json
while [ $# -gt 0 ]; do
  case "$1" in
    --cold) COLD=1 ;;
    --json) JSON=$2; shift ;;
    *) echo "usage: $0 [--cold] [--json FILE]" >&2; exit 2 ;;
  esac
  shift
done
for b in "$SB" "$POP"; do [ -x "$b" ] || { echo "missing $b (build it first)" >&2; exit 1; }; done

WORK=$(mktemp -d "$SCALE_TMP/sb-scale-XXXXXX")
DAEMON=
cleanup() {
  if [ -n "$DAEMON" ]; then kill "$DAEMON" 2>/dev/null || true; wait "$DAEMON" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

now_ns() { date +%s%N; }
kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

# start_once NAME DIR N: one start; appends "name n ready_ms recovery_s rss_kib hwm_kib" to $WORK/starts
start_once() {
  name=$1 dir=$2 n=$3
  cfg=
  [ -f "$dir/scale.toml" ] && cfg="--config $dir/scale.toml"
  if [ "$COLD" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
  t0=$(now_ns)
  # shellcheck disable=SC2086
  "$SB" --data-dir "$dir" --listen "127.0.0.1:$PORT" $cfg > "$WORK/$name.$n.log" 2>&1 &
  DAEMON=$!
  until [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ]; do
    kill -0 "$DAEMON" 2>/dev/null || { echo "daemon died:" >&2; cat "$WORK/$name.$n.log" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(now_ns)
  sleep "$SETTLE"
  rss=$(kib "$DAEMON" VmRSS) hwm=$(kib "$DAEMON" VmHWM)
  kill "$DAEMON"; wait "$DAEMON" || true; DAEMON=
  rec=$(sed -n 's/.*msg=ready recovery_seconds=\([0-9.]*\).*/\1/p' "$WORK/$name.$n.log")
  echo "$name $n $(( (t1 - t0) / 1000000 )) ${rec:-0} $rss $hwm" >> "$WORK/starts"
  printf '  %-7s start %d: ready after %5d ms (recovery %ss), VmRSS %d KiB, VmHWM %d KiB\n' \
    "$name" "$n" $(( (t1 - t0) / 1000000 )) "${rec:-?}" "$rss" "$hwm"
}

# dataset NAME ARGS...: populate (unless empty), then start the daemon $STARTS times
dataset() {
  name=$1; shift
  dir=$WORK/$name
  if [ -n "${KEEP_DIR:-}" ]; then
    # One directory per set and sb_populate arguments; populate.json marks a
    # finished populate (an interrupted one is started over).
    dir=$KEEP_DIR/$name-$(printf '%s' "$* --tenants $TENANTS --queues $QUEUES" | cksum | cut -d' ' -f1)
    [ -f "$dir/populate.json" ] || rm -rf "$dir"
  fi
  mkdir -p "$dir"
  if [ -n "${KEEP_DIR:-}" ] && [ -f "$dir/populate.json" ]; then
    cp "$dir/populate.json" "$WORK/$name.populate.json"   # populated by an earlier run: reused
  elif [ "$name" = events ] && [ -n "${EVENTS_DIR:-}" ]; then
    dir=$EVENTS_DIR   # populated earlier (sb_populate ... --events): measured, kept
    if [ ! -d "$dir/db" ]; then
      echo "EVENTS_DIR=$dir holds no populated database ($dir/db): run sb_populate --data-dir $dir first" >&2
      exit 2
    fi
    cp "$dir/populate.json" "$WORK/$name.populate.json" 2>/dev/null || true
  elif [ "$name" != empty ]; then
    echo "populate $name: $*"
    t0=$(now_ns)
    "$POP" --data-dir "$dir" --tenants "$TENANTS" --queues "$QUEUES" "$@" > "$WORK/$name.populate.json" \
      2> "$WORK/$name.populate.log"
    echo "  $(cat "$WORK/$name.populate.json") in $(( ($(now_ns) - t0) / 1000000000 )) s," \
      "$(du -sm "$dir/db" | cut -f1) MiB on disk"
    [ -z "${KEEP_DIR:-}" ] || cp "$WORK/$name.populate.json" "$dir/populate.json"
  fi
  i=1
  while [ "$i" -le "$STARTS" ]; do start_once "$name" "$dir" "$i"; i=$((i + 1)); done
  du -sm "$dir/db" 2>/dev/null | cut -f1 > "$WORK/$name.mib"
  [ "$name" = empty ] || [ "$dir" = "${EVENTS_DIR:-}" ] || [ -n "${KEEP_DIR:-}" ] || rm -rf "$dir"   # free the disk
}

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), cold=$COLD"
for set in $SETS; do
  case "$set" in
    empty) dataset empty ;;
    ops) dataset ops --conversations 0 --operators "$OPS" ;;
    convs) dataset convs --conversations "$CONVS" --operators "$OPS" --span-days 1 ;;
    resolved) dataset resolved --conversations "$CONVS" --operators "$OPS" --span-days 1 \
                --resolved "$CONVS" ;;
    events) dataset events --conversations "$EV_CONVS" --operators "$EV_OPS" --events "$EVENTS" \
              --span-days "$EV_DAYS" ;;
    *) echo "unknown set $set" >&2; exit 2 ;;
  esac
done

python3 "$ROOT/bench/scale/report.py" "$WORK" "$JSON" \
  --convs "$CONVS" --ops "$OPS" --events "$EVENTS" --cold "$COLD"
