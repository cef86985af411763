#!/usr/bin/env bash
# Starts herald (embedded broker, 2 I/O threads) on 127.0.0.1:PORT, files under WORKDIR.
#   start.sh PORT WORKDIR   ->   PIDS=<pid> PUBLISH_PORT=PORT REDIS_PORT=0
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
start_args "$@"
spawn "$dir" herald "$herald_bin" --listen "127.0.0.1:$port" --threads 2 --log-level warn "${bench_flags[@]}"
wait_until "$dir" herald curl -fsS --max-time 1 "http://127.0.0.1:$port/readyz"
echo "PIDS=$(cat "$dir/herald.pid") PUBLISH_PORT=$port REDIS_PORT=0"
