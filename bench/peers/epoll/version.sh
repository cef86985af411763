#!/usr/bin/env bash
# One line: what the epoll limit server is built from.
set -euo pipefail
kernel=$(uname -r)
openssl=$(openssl version 2>/dev/null | awk '{print $2}' || true)
compiler=$(c++ --version 2>/dev/null | head -1 || true)
echo "herald-epoll-limit (bare epoll, C++20), kernel $kernel, OpenSSL ${openssl:-?}, ${compiler:-?}"
