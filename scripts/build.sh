#!/usr/bin/env bash
# Builds Ferry: `scripts/build.sh release` (default) or `scripts/build.sh asan`
# (Debug + AddressSanitizer/UBSan), incremental with Ninja; `scripts/build.sh ui`
# builds the web UI into ui/dist (Vite), which `ferry server` serves at /.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
if [ "$preset" = ui ]; then
  cd ui
  # npm ci only when the lock file changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  exec npm run --silent build
fi
[ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
