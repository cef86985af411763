#!/usr/bin/env bash
# herald on a Redis Cluster needs redis-server (and its redis-cli); herald itself is built by bench/run.sh.
set -euo pipefail
dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
