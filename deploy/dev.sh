#!/usr/bin/env bash
# The two set-up commands of README.md.
#   deploy/dev.sh run   install what is missing, build (release), start the daemon
#                       on its embedded default (127.0.0.1:8080, ./var/switchboard)
#   deploy/dev.sh test  install what is missing, check the C++ formatting,
#                       build release and asan-ubsan,
#                       run every test (unit + end-to-end + crash on release,
#                       unit tests again under ASan/UBSan), then build the fuzz
#                       preset (clang) and run each fuzz target briefly
#   deploy/dev.sh tsan  (not a set-up command) build the tsan preset and run
#                       every unit and end-to-end test under ThreadSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS="${JOBS:-$(nproc)}"
# ccache (CMakeLists.txt uses it when installed): paths under the checkout are
# hashed relative to it and the working directory is not hashed, so a fresh
# clone at another path (CI's) reuses an earlier build's objects on this machine.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
bash deploy/install-deps.sh

build() {
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" -j "$JOBS"
}

case "${1:-}" in
  run)
    build release
    shift
    exec ./build/release/adapters/switchboard "$@"
    ;;
  test)
    bash deploy/check-format.sh  # seconds: before the builds
    build release
    ctest --preset release -j "$JOBS" --output-on-failure
    build asan-ubsan
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --preset asan-ubsan -j "$JOBS" --output-on-failure
    # libFuzzer targets (clang, ASan+UBSan): ~13 s each over their seed corpus
    build fuzz
    tests/fuzz/run.sh
    ;;
  tsan)
    # Not part of `test` (a third full build): every unit and end-to-end test
    # with ThreadSanitizer, the daemons they start included.
    build tsan
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
      ctest --preset tsan -j 1 --output-on-failure
    ;;
  *)
    echo "usage: deploy/dev.sh run|test|tsan" >&2
    exit 2
    ;;
esac
