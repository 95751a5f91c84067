#!/usr/bin/env bash
# The recording core's unit tests (and the request scope's) under valgrind's
# memcheck: Miri is not available on these machines, and the core holds the
# crate's unsafe code (call sites, the request and registry scopes, the
# registry's borrowed operations, histogram pages). Zero errors, or exit 1.
# Installs valgrind (Debian's package) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_debian_package "command -v valgrind" valgrind "memcheck"

# The test binary cargo built for `$@` (one target).
binary() {
  cargo test --all-features --no-run --message-format=json "$@" 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1
}
run() { # what, binary
  [ -x "$2" ] || { echo "memcheck: could not build $1" >&2; exit 1; }
  echo "memcheck: $1 ($2)"
  # Leaks are not errors here: the process-wide registry and call-site
  # caches live for the whole process by design.
  valgrind --tool=memcheck --error-exitcode=1 --leak-check=no --quiet "$2" --test-threads=2 -q
}
run "perfmon-core unit tests" "$(binary -p perfmon-core --lib)"
run "registry scopes (tests/scoped_registry.rs)" "$(binary -p perfmon --test scoped_registry)"
run "request scopes (tests/request_scope.rs)" "$(binary -p perfmon --test request_scope)"
