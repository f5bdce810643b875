#!/usr/bin/env bash
# Sets up, builds and runs the whole suite: Swift unit and end-to-end tests, then the raw-socket
# conformance kit against the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
python3 Tests/conformance/conformance.py --binary "$(swift build --show-bin-path)/gateway"
