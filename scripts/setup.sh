#!/usr/bin/env bash
# Installs what building and testing Ferry needs: Debian packages (compiler
# toolchain, C++ libraries, PostgreSQL for the tests) and the Python test
# peers (the real mlflow client). Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost-dev libboost-system-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  libsqlite3-dev libpq-dev libssl-dev
  libgtest-dev libgmock-dev
  libxgboost-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libxxhash-dev libsimdjson-dev libre2-dev
  prometheus
  postgresql postgresql-client
  chromium nodejs
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# npm ships with NodeSource's nodejs; Debian's nodejs needs its own npm package.
if ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q npm
fi

# The web UI's build (Vite 8) needs Node.js 20.19 or newer; Debian 12's own nodejs is 18.
node_version="$(node --version 2>/dev/null || echo v0.0.0)"
IFS=. read -r node_major node_minor _ <<< "${node_version#v}"
if (( node_major < 20 || (node_major == 20 && node_minor < 19) )); then
  echo "setup: the web UI needs Node.js >= 20.19, found ${node_version}; install a newer one (NodeSource's nodejs 20 or 22) and run again" >&2
  exit 1
fi

python3 -m pip install -q --disable-pip-version-check -r tests/integration/requirements.txt
python3 -m pip install -q --disable-pip-version-check -e python/
