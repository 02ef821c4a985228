#!/usr/bin/env bash
# Sets up, builds and starts the Ferry server on 127.0.0.1:5000 with the
# embedded store in ./ferry-data. Extra arguments go to `ferry server`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/release/ferry server "$@"
