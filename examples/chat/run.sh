#!/usr/bin/env bash
# The chat demo in one command: examples/chat/run.sh [--port 8000], then open
# http://127.0.0.1:8000/ (Ctrl-C stops it). Installs redis-server, nginx and
# npm from Debian's packages if missing, the npm packages of the page and the
# app server, and builds herald if build/release/herald is not there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export HERALD_BINARY=${HERALD_BINARY:-$repo/build/release/herald}

"$repo/scripts/install-deps.sh" --demo
if [[ ! -x "$HERALD_BINARY" ]]; then
  (cd "$repo" &&
   cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DHERALD_BUILD_TESTS=OFF >/dev/null &&
   cmake --build build/release --target herald)
fi
[[ -d "$here/node_modules" ]] || npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
exec node "$here/run.mjs" "$@"
