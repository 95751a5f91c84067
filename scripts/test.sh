#!/usr/bin/env bash
# The whole test suite: every crate, every feature, unit, integration, ui and
# doc tests. Installs nothing by hand; anything a test needs beyond the Rust
# toolchain is installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-features "$@"
