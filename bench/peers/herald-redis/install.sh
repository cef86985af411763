#!/usr/bin/env bash
# herald with Redis needs a redis-server of its own; herald itself is built by bench/run.sh.
set -euo pipefail
dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
