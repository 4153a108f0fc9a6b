#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a bounded time, one after the
# other (one core each), over a fresh copy of its seed corpus (the committed
# corpus is never changed; crash files found in it are replayed first, so a
# fixed crash kept there is a regression test). Fails on any crash, leak,
# UB report, timeout or out-of-memory, printing the input that caused it.
#
#   cmake --preset fuzz && cmake --build --preset fuzz
#   tests/fuzz/run.sh                     # CI: 13 s per target (~2.5 min in all), seed 1
#   tests/fuzz/run.sh --minutes 10        # the long run of docs/reliability.md, random seeds
#   tests/fuzz/run.sh --seconds 60 config telegram_update   # some targets only
#   tests/fuzz/run.sh --seed 7            # a given seed (0: random)
#
# CI's short run uses a fixed seed, so that it mutates the same way on every
# run: a stop fails for what it changed (or for what its seed reaches), not
# because a random seed wandered somewhere new that day. The long runs use
# random seeds; what they find goes into the corpus as a regression input.
#
# FUZZ_BUILD_DIR overrides the build directory (default build/fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=13
seed=1  # CI's short run; --seconds/--minutes switch to random seeds unless --seed is given
seed_given=0
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; [[ $seed_given -eq 1 ]] || seed=0; shift 2 ;;
    --minutes) seconds=$(( $2 * 60 )); [[ $seed_given -eq 1 ]] || seed=0; shift 2 ;;
    --seed) seed="$2"; seed_given=1; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(http_request websocket telegram_update platform_webhook email_inbound webchat api_event proto_codec routing_codec
           routing_bodies api_bodies query config)
fi

bin_dir="${FUZZ_BUILD_DIR:-build/fuzz}/tests/fuzz"
work=$(mktemp -d /tmp/sb-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

summary=()
failed=0
for t in "${targets[@]}"; do
  exe="$bin_dir/${t}_fuzz"
  if [[ ! -x "$exe" ]]; then
    echo "missing $exe: cmake --preset fuzz && cmake --build --preset fuzz" >&2
    exit 2
  fi
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp -r "tests/fuzz/corpus/$t/." "$work/$t/corpus/"
  seeds=$(find "$work/$t/corpus" -type f | wc -l)
  log="$work/$t/log"
  echo "== $t: ${seconds}s over $seeds seed inputs, seed $seed"
  rc=0
  "$exe" "$work/$t/corpus" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" >"$log" 2>&1 || rc=$?
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(find "$work/$t/corpus" -type f | wc -l)
  echo "   $last"
  if [[ $rc -ne 0 ]] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed' "$log"; then
    failed=1
    echo "!! $t FAILED (exit $rc):"
    grep -nE 'ERROR|runtime error|invariant failed|SUMMARY|Test unit written' "$log" | head -n 20
    for a in "$work/$t/artifacts"/*; do
      [[ -f "$a" ]] || continue
      echo "   input $(basename "$a") (base64; add it to tests/fuzz/corpus/$t/ once fixed):"
      head -c 4096 "$a" | base64 | sed 's/^/   /'
    done
    tail -n 40 "$log"
    summary+=("$(printf '%-16s %12s %9s %7s %7s %7s  FAILED' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corp")")
  else
    summary+=("$(printf '%-16s %12s %9s %7s %7s %7s  ok' "$t" "$execs" "$rate" "$cov" "$ft" "$corp")")
  fi
done

echo
printf '%-16s %12s %9s %7s %7s %7s  %s\n' target execs exec/s cov ft corpus result
printf '%s\n' "${summary[@]}"
exit "$failed"
