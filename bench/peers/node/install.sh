#!/usr/bin/env bash
# Installs the Node.js peer: Debian's nodejs, npm and redis-server, then the
# locked npm packages (express 5, ws 8, ioredis) into bench/peers/node/node_modules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v redis-server >/dev/null || missing+=(redis-server)
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci wipes node_modules; skip it when the installed tree matches the lock file.
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.stamp" 2>/dev/null; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
  cp "$here/package-lock.json" "$here/node_modules/.package-lock.stamp"
fi
