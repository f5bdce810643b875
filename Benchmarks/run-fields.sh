#!/usr/bin/env bash
# Instructions per request's worth of header-field work, ours beside swift-http-types (callgrind: no noise).
#   Benchmarks/run-fields.sh [N]
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-100000}
swift build -c release --product fields-bench >/dev/null 2>&1
# valgrind 3.19 cannot read this toolchain's debug info: measure a stripped copy.
BIN=$(mktemp /tmp/fields-bench.XXXXXX)
cp "$(swift build -c release --show-bin-path)/fields-bench" "$BIN"
objcopy --strip-debug "$BIN"
chmod +x "$BIN"
count() { # count WHICH N → total instructions
  local out; out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" "$1" "$2" >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}'
  rm -f "$out"
}
for which in ours types; do
  base=$(count "$which" 0); full=$(count "$which" "$N")
  echo "$which: $(( (full - base) / N )) instructions per request"
done
rm -f "$BIN"
