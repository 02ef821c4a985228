#!/usr/bin/env bash
# Builds Ferry: `scripts/build.sh release` (default) or `scripts/build.sh asan`
# (Debug + AddressSanitizer/UBSan). Incremental, with Ninja.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
[ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
