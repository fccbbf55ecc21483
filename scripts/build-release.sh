#!/usr/bin/env bash
# Builds the optimised program (Swift runtime linked statically, not position-independent: both cut
# start-up time, see BENCHMARKS.md) and prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib --scratch-path .build-release -Xlinker -no-pie)
swift build "${flags[@]}" --product cache-registry-setup >&2
echo "$(swift build "${flags[@]}" --show-bin-path)/cache-registry-setup"
