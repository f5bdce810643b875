#!/usr/bin/env bash
# Sets up, builds and runs the whole suite: Swift unit and end-to-end tests, then the raw-socket
# conformance kit against the built binary, a rolling restart behind haproxy, and the adversarial suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# House style, with the repository's own .swift-format: any finding fails the run.
swift format lint --strict -r Sources Tests Examples/Sources Package.swift
swift build --build-tests
swift test --skip-build
BIN="$(swift build --show-bin-path)/gateway"
# A rolling restart under load behind haproxy, in L7 and L4 modes: not one call may fail.
DUR=10 scripts/rolling-restart.sh http "$BIN"
DUR=10 scripts/rolling-restart.sh tcp "$BIN"
# The Examples package (a todo service and the README's program), built and called as a user would.
Examples/test.sh
# What a hostile client tried (batches past the cap, loop-freezing bodies, shutdown past its budget, memory,
# slow and silent connections, depth, half-close, errors): every limit must hold.
python3 Tests/adversarial/attack.py --binary "$BIN"
# Last, so that its closing line ("N passed, M failed") is the suite's.
python3 Tests/conformance/conformance.py --binary "$BIN"
