#!/usr/bin/env bash
# What bench/serving needs beyond scripts/setup.sh: wrk and Google Benchmark
# (Debian), FastAPI + uvicorn (PyPI), vegeta for constant-rate load (Go).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
for p in wrk libbenchmark-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$p"
done
python3 -m pip install -q --disable-pip-version-check -r bench/serving/requirements.txt
command -v vegeta >/dev/null || [ -x "$HOME/go/bin/vegeta" ] ||
  go install github.com/tsenart/vegeta/v12@v12.13.0
cmake --preset release >/dev/null   # picks up Google Benchmark for ferry_serving_bench
cmake --build --preset release
