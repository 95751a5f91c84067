#!/usr/bin/env bash
# The lock-free core under the loom model checker (perfmon-core/src/record/
# operation/loom_tests.rs): an operation's stripes, histogram pages, min and
# max, resets and minute rotation against concurrent snapshots, on loom's
# atomics and mutex. Its own target dir: `--cfg loom` rebuilds every crate.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom" \
  cargo test -p perfmon-core --lib --release loom_tests -- --test-threads=2 "$@"
