#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a passing test suite:
# installs dependencies, then builds and runs every test twice, once as
# shipped and once under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across checkouts in different folders (CI clones afresh).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

scripts/install-deps.sh --test
# The browser test drives Debian's chromium with playwright-core (no browser download).
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
# Conformance: the ws and eventsource npm packages as independent clients.
npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error
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
