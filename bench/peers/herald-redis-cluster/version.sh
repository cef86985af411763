#!/usr/bin/env bash
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../herald/lib.sh
source "$(dirname "$0")/../herald/lib.sh"
echo "$("$herald_bin" --version), redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
