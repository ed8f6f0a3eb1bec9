#!/usr/bin/env bash
# Installs everything vipd's build, tests, demo and benchmarks need on a fresh
# Debian machine (run as root), then the npm packages. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(iproute2 iputils-arping iputils-ping ndisc6 iptables nftables keepalived awscli prometheus systemd procps curl zsh groff-base openssl)
missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}); run as root to install them" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # prometheus pulls a service we never start; --no-install-recommends keeps the set small.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# The heartbeat socket asks for a 4 MiB receive buffer so a burst queued while the
# event loop is busy is not dropped (docs/protocol.md); Linux caps it at rmem_max.
if [ "$(id -u)" -eq 0 ] && [ "$(sysctl -n net.core.rmem_max 2>/dev/null || echo 0)" -lt 4194304 ]; then
  sysctl -qw net.core.rmem_max=4194304 || echo "setup: could not raise net.core.rmem_max" >&2
fi

npm ci --no-audit --no-fund
