#!/usr/bin/env bash
# Installs nginx + nchan + redis-server from Debian 12's packages. Idempotent; quiet when installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../nchan/install.sh"
if ! dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
