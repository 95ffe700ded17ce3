#!/usr/bin/env bash
# Makes `prometheus` and `promtool` available for the real-Prometheus tests
# (test/rollouts/prometheus.test.ts). Idempotent: does nothing when both are on PATH.
# Installs Debian's package (the only network this machine has is the Debian mirror and npm);
# --no-install-recommends keeps node-exporter and friends out: the tests need only the binaries.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-prometheus: prometheus/promtool are not on PATH and installing them needs root;" >&2
  echo "  run: sudo apt-get install -y --no-install-recommends prometheus" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when apt does not know the package yet (a fresh image).
if ! apt-cache show prometheus >/dev/null 2>&1; then
  apt-get update
fi
# The package's postinst may try to start a service; without systemd that is a no-op, and the
# policy-rc.d below makes sure no daemon is started here either way.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get install -y --no-install-recommends prometheus

command -v prometheus >/dev/null && command -v promtool >/dev/null || {
  echo "ensure-prometheus: installed the prometheus package but prometheus/promtool are still not on PATH" >&2
  exit 1
}
