#!/usr/bin/env bash
# Prints the versions, e.g. "nginx 1.22.1, nchan 1.3.6, redis 7.0.15".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
redis_v=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
echo "$("$here/../nchan/version.sh"), redis $redis_v"
