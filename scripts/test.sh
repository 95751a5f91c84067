#!/usr/bin/env bash
# The whole test suite: every crate, every feature, unit, integration, ui and
# doc tests. Installs what the tests need beyond the Rust toolchain:
# - promtool (Debian's `prometheus` package), which checks the scrape output;
# - chromium (Debian's `chromium` package), which renders the dashboard page
#   in tests/dashboard_browser.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_debian_package "command -v promtool" prometheus "promtool checks the scrape output"
export PERFMON_REQUIRE_PROMTOOL=1

ensure_debian_package "[ -x /usr/bin/chromium ]" chromium "the headless browser of the dashboard test"
export PERFMON_REQUIRE_CHROMIUM=1

cargo test --workspace --all-features "$@"
