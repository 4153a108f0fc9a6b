#!/usr/bin/env bash
# Installs, from Debian 12's own archive, whatever Switchboard needs to build
# and test that is not installed yet. Safe to run again: it installs nothing
# when everything is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev          # Asio and Beast (header-only)
  libssl-dev                # OpenSSL: signatures, hashes, TLS
  librocksdb-dev            # storage
  libsimdjson-dev           # JSON parsing (On-Demand)
  libfmt-dev libspdlog-dev  # formatting and structured logs
  prometheus-cpp-dev        # metrics registry and text format
  libtomlplusplus-dev       # TOML config
  libcli11-dev              # command-line flags
  libjemalloc-dev           # the daemon's allocator
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev  # the fuzz preset: libFuzzer, ASan, UBSan
  clang-format-14           # deploy/check-format.sh
  curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
