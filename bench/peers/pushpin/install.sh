#!/usr/bin/env bash
# Installs Pushpin (with its condure and zurl) from Debian 12's packages. Idempotent; quiet when
# already installed. The origin is python3 standard library only.
set -euo pipefail

packages=(pushpin python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
