#!/usr/bin/env bash
# Installs what herald needs to build, run and test, from Debian 12's packages.
# Idempotent; safe to run on a machine that already has everything.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libcli11-dev prometheus-cpp-dev libhiredis-dev libjwt-dev libssl-dev
  libsystemd-dev zlib1g-dev
)
if [[ "${1:-}" == "--test" ]]; then
  # The tests start the real servers: Redis, nginx and a headless Chromium
  # driven by playwright-core from npm; the jwks_url test makes its CA and
  # serves HTTPS with the openssl command.
  packages+=(libgtest-dev clang libclang-rt-14-dev redis-server redis-sentinel nginx-light chromium
             openssl)
  # The Debian package test (tests/package): lintian, and systemd for
  # systemd-analyze verify/security on the unit (the .deb's tools: below).
  packages+=(lintian systemd adduser)
  # The image test: podman with runc, and a base image made by debootstrap.
  packages+=(podman runc debootstrap)
  command -v npm >/dev/null || packages+=(nodejs npm)
fi
if [[ "${1:-}" == "--test" || "${1:-}" == "--package" ]]; then
  # scripts/package.sh: dpkg-buildpackage with debhelper.
  packages+=(debhelper dpkg-dev fakeroot)
fi
if [[ "${1:-}" == "--demo" ]]; then
  # examples/chat/run.sh: Redis, nginx in front, and Node for the app server.
  packages+=(redis-server nginx-light)
  command -v npm >/dev/null || packages+=(nodejs npm)
fi
if [[ "${1:-}" == "--bench" ]]; then
  # bench/run.sh compares herald with real peers (nginx + nchan, Pushpin, a
  # Node.js stack, each with its own Redis; the raw epoll limit needs OpenSSL
  # for the WebSocket handshake), plots with gnuplot, profiles with perf.
  packages+=(nginx-light libnginx-mod-nchan pushpin redis-server gnuplot-nox linux-perf libssl-dev)
  command -v npm >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
