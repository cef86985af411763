#!/usr/bin/env bash
set -euo pipefail
source "$(dirname "$0")/../herald/lib.sh"
echo "$("$herald_bin" --version), redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
