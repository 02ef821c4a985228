#!/usr/bin/env bash
# Sets up and runs every test: unit tests (GoogleTest, under ASan+UBSan) and
# the integration suite (pytest with the real mlflow client) against the
# release binary on SQLite and on a real PostgreSQL started on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh asan
scripts/build.sh release
scripts/build.sh ui

pgdir="$(mktemp -d /tmp/ferry-pg.XXXXXX)"
cleanup() { tests/util/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
eval "$(tests/util/postgres.sh start "$pgdir")"
export FERRY_TEST_POSTGRES_URL

echo "== unit tests (asan) =="
ctest --preset asan -j2

echo "== integration tests (mlflow client; sqlite and postgres) =="
FERRY_BIN="$PWD/build/release/ferry" python3 -m pytest tests/integration python/tests -q -p no:cacheprovider

echo "== web UI unit tests (vitest) =="
(cd ui && npx vitest run)

echo "== web UI browser tests (playwright-core + chromium; screenshots in ui/test-results/screenshots) =="
(cd ui && FERRY_BIN="$PWD/../build/release/ferry" npx vitest run --config vitest.e2e.config.ts)
