#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running herald:
# installs dependencies, builds a release binary and runs it on the default
# config (embedded broker, 127.0.0.1:8080). Extra arguments go to herald.
# This is a development mode: --insecure lets any client subscribe and
# publish to any channel without a token (herald warns about it every minute).
# Production runs herald with a JWT key instead (README, "Security").
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across checkouts in different folders (CI clones afresh).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DHERALD_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target herald
exec build/release/herald --config config/herald.toml --insecure "$@"
