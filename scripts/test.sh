#!/usr/bin/env bash
# The whole test suite: every crate, every feature, unit, integration, ui and
# doc tests. Installs what the tests need beyond the Rust toolchain:
# - promtool (Debian's `prometheus` package), which checks the scrape output;
# - chromium (Debian's `chromium` package), which renders the dashboard page
#   in tests/dashboard_browser.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}

if ! command -v promtool >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus)..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
export PERFMON_REQUIRE_PROMTOOL=1

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (headless browser of the dashboard test)..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
export PERFMON_REQUIRE_CHROMIUM=1

cargo test --workspace --all-features "$@"
