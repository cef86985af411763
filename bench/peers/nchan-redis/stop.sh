#!/usr/bin/env bash
# stop.sh WORKDIR: stops nginx and the redis-server start.sh started there
# (SIGTERM, SIGKILL after 5 s). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../nchan/lib.sh
source "$here/../nchan/lib.sh"
(($# == 1)) || die "usage: stop.sh WORKDIR"
[[ -d $1 ]] || exit 0
stop_pids "$1/pids"
