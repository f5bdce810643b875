#!/usr/bin/env bash
# Builds the gateway and the benchmark (release), starts the gateway on a free loopback port, runs sdk-bench.
#   Benchmarks/run.sh [SECONDS] [REPS]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --package-path .. --product gateway
swift build -c release --product sdk-bench
GW=$(swift build -c release --package-path .. --show-bin-path)/gateway
"$GW" serve --port 0 --log-level warning > /tmp/sdk-bench-gateway.out 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q listening /tmp/sdk-bench-gateway.out && break; sleep 0.05; done
URL=$(grep -o 'http://[0-9.:]*' /tmp/sdk-bench-gateway.out | head -1)/rpc
"$(swift build -c release --show-bin-path)/sdk-bench" "$URL" "${1:-5}" "${2:-3}"
