#!/usr/bin/env bash
# Instructions per request of the hello-world service of
# benches/http_layer.rs, bare, with PerfmonLayer and with a no-op layer,
# counted by valgrind's callgrind (installed here from Debian's packages
# when missing). Each variant runs twice in process, with N and with 2N
# requests after a warm-up, counting only the requests
# (--toggle-collect); the difference over N leaves per-run work out.
# Instruction counts do not depend on what else the machine is doing, so
# small changes show.
#
#   scripts/profile_http_layer.sh [N]      # N defaults to 50000
#
# The callgrind files stay in target/callgrind/ for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50000}"
. scripts/lib.sh
ensure_debian_package "command -v valgrind" valgrind "callgrind counts instructions"
bin=$(cargo bench --features axum --bench http_layer --no-run 2>&1 |
  sed -n 's/.*Executable .*(\(.*http_layer-[0-9a-f]*\)).*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not find the http_layer bench binary" >&2; exit 1; }
out=target/callgrind
mkdir -p "$out"
count() { # variant requests -> instructions
  PERFMON_HTTP_BENCH_PROFILE="$1:$2" valgrind --tool=callgrind \
    --toggle-collect='*profiled_requests*' --callgrind-out-file="$out/$1.$2" "$bin" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '| variant | instructions per request |\n| --- | ---: |\n'
for v in bare noop perfmon; do
  a=$(count "$v" "$n")
  b=$(count "$v" $((2 * n)))
  printf '| %s | %d |\n' "$v" $(((b - a) / n))
done
