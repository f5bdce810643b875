#!/usr/bin/env bash
# Sets up, builds and runs the whole suite: Swift unit and end-to-end tests, then the raw-socket
# conformance kit against the built binary, and a rolling restart behind haproxy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
BIN="$(swift build --show-bin-path)/gateway"
# A rolling restart under load behind haproxy, in L7 and L4 modes: not one call may fail.
DUR=10 scripts/rolling-restart.sh http "$BIN"
DUR=10 scripts/rolling-restart.sh tcp "$BIN"
# Last, so that its closing line ("N passed, M failed") is the suite's.
python3 Tests/conformance/conformance.py --binary "$BIN"
