#!/usr/bin/env bash
# Requests per second of a hello-world axum service: bare, with perfmon's
# layer, and with axum-prometheus, loaded by wrk on loopback (installed here
# from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  fi
fi
cargo bench --features axum --bench http_layer "$@"
