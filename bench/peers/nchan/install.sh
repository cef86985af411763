#!/usr/bin/env bash
# Installs nginx + nchan from Debian 12's packages. Idempotent; quiet when already installed.
# (bench/run.sh runs apt-get update once before the peers' install.sh.)
set -euo pipefail

packages=(nginx-light libnginx-mod-nchan)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
