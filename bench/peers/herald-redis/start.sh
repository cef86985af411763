#!/usr/bin/env bash
# Starts a redis-server of its own on a free port, then herald (2 I/O threads)
# on 127.0.0.1:PORT bridged through it (--redis-url); files under WORKDIR.
# HISTORY_BACKEND (memory here; herald-redis-streams/ sets redis) chooses
# where the history is: herald's memory with plain PUBLISH, or Redis Streams
# with publishes through the herald_publish function (README "Shared history").
#   start.sh PORT WORKDIR   ->   PIDS=<herald>,<redis> PUBLISH_PORT=PORT REDIS_PORT=<redis port>
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../herald/lib.sh
source "$(dirname "$0")/../herald/lib.sh"
start_args "$@"
redis_port=$(free_port)
spawn "$dir" redis redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir"
wait_until "$dir" redis redis-cli -p "$redis_port" ping
spawn "$dir" herald "$herald_bin" --listen "127.0.0.1:$port" --threads 2 --log-level warn "${bench_flags[@]}" \
    --redis-url "redis://127.0.0.1:$redis_port" --history-backend "${HISTORY_BACKEND:-memory}"
# /readyz answers 200 once herald's Redis connections are up.
wait_until "$dir" herald curl -fsS --max-time 1 "http://127.0.0.1:$port/readyz"
echo "PIDS=$(cat "$dir/herald.pid"),$(cat "$dir/redis.pid") PUBLISH_PORT=$port REDIS_PORT=$redis_port"
