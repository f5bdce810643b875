#!/usr/bin/env bash
# Sets up, builds (release) and runs the gateway with embedded defaults on 127.0.0.1:8080.
# Extra arguments go to `gateway serve`, e.g. scripts/run.sh --port 9000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product gateway
exec "$(swift build -c release --show-bin-path)/gateway" serve "$@"
