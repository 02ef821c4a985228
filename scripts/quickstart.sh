#!/usr/bin/env bash
# Sets up, builds and runs `ferry quickstart`: the whole loop (data, a
# training sweep, the gate, serving, monitoring, drift, retraining, promotion)
# on 127.0.0.1:5000, data in ./ferry-quickstart; the server keeps running for
# exploration in the browser at http://127.0.0.1:5000 (Ctrl-C stops it). Extra arguments go to `ferry quickstart`
# (--exit, --worse-challenger, --port, --dir).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
scripts/build.sh ui
exec build/release/ferry quickstart "$@"
