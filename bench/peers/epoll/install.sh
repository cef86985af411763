#!/usr/bin/env bash
# The epoll limit server is built with the bench (target herald-epoll-limit);
# it needs only OpenSSL's libcrypto headers beyond herald's own build tools.
set -euo pipefail
if ! dpkg-query -W -f='${Status}' libssl-dev 2>/dev/null | grep -q "install ok installed"; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libssl-dev
fi
