#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a passing test suite:
# installs dependencies, then builds and runs every test as shipped and under
# AddressSanitizer + UndefinedBehaviorSanitizer, the threaded parts under
# ThreadSanitizer, every fuzz target for 20 s, and the benchmark harness
# in its smoke size.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across checkouts in different folders (CI clones afresh).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

scripts/install-deps.sh --test
# The browser test drives Debian's chromium with playwright-core (no browser download).
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
# The chat demo's page and app server, which its browser test runs.
npm ci --prefix examples/chat --no-audit --no-fund --loglevel=error
# Conformance: the ws and eventsource npm packages as independent clients.
npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error
# herald-client (clients/js): ws and eventsource for Node, esbuild for its size budget.
npm ci --prefix clients/js --no-audit --no-fund --loglevel=error
jobs=$(nproc)

run_suite() { # name, extra cmake args...
  local name=$1
  shift
  echo "=== build: $name"
  cmake -S . -B "build/$name" -G Ninja "$@" >/dev/null
  cmake --build "build/$name" -j "$jobs"
  echo "=== test: $name"
  ctest --test-dir "build/$name" --output-on-failure --timeout 600 -j "$jobs"
}

# Only the sanitized build reads these.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_suite release -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_suite asan -DCMAKE_BUILD_TYPE=Debug -DHERALD_SANITIZE=address,undefined

# The threaded parts (worker pool, hub, Redis bridge, shutdown) under
# ThreadSanitizer: the unit and integration tests, the browser aside.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
echo "=== build: tsan"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHERALD_SANITIZE=thread >/dev/null
cmake --build build/tsan -j "$jobs" --target herald herald_unit_tests herald_integration_tests
echo "=== test: tsan"
ctest --test-dir build/tsan --output-on-failure --timeout 600 -j "$jobs" -L 'unit|integration'

# Every libFuzzer target for 20 s from its committed seeds (thirteen targets
# now; with the package, image and chaos tests, less keeps a cold run under the
# hour); any finding fails.
scripts/fuzz.sh "${HERALD_FUZZ_SECONDS:-20}"

# The benchmark harness against every peer, tiny, so that it cannot rot (no thresholds).
bench/run.sh --smoke
