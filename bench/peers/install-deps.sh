#!/usr/bin/env bash
# Installs what bench/peers/run.py needs, from Debian 12's archive and npm:
# the peer servers and their load drivers. Not part of deploy/install-deps.sh:
# only the peer benchmark needs these. Safe to run again.
#
# The packages' own services are NOT started: run.py starts each server
# itself, on 127.0.0.1 and a free port, and stops it by PID. If the machine has
# no policy-rc.d, one that refuses service starts is put in place for the
# install and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  nginx-light        # the bare HTTP ceiling: `return 204;`
  wrk                # its HTTP load driver (POSTs via a Lua script)
  redis-server       # XADD with appendonly + appendfsync always
  redis-tools        # redis-benchmark
  nats-server        # JetStream with a file store
  nodejs npm         # the JetStream publisher (bench/peers/js_publish.mjs)
  python3            # run.py
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodesource's nodejs ships npm itself and conflicts with Debian's npm.
if command -v npm >/dev/null; then
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  placed_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    placed_policy=1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ $placed_policy = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi

# The `nats` client for the JetStream publisher, pinned by package-lock.json.
if [ ! -d node_modules/nats ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
