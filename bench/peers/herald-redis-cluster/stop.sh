#!/usr/bin/env bash
# Stops what start.sh started in WORKDIR (herald and its redis-server); idempotent.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../herald/lib.sh
source "$(dirname "$0")/../herald/lib.sh"
stop_all "${1:?usage: stop.sh WORKDIR}"
