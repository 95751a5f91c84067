#!/usr/bin/env bash
# Requests per second of a hello-world axum service: bare, with perfmon's
# layer, and with axum-prometheus, loaded by wrk on loopback (installed here
# from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_debian_package "command -v wrk" wrk "the load generator"
cargo bench --features axum --bench http_layer "$@"
