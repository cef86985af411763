#!/usr/bin/env bash
# start.sh PORT WORKDIR: nginx + nchan with the Redis store on 127.0.0.1:PORT, and its own
# redis-server on a free port; everything under WORKDIR.
# Subscribe: GET /sub/<channel> (EventSource or WebSocket). Publish: POST /pub/<channel>, same port.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../nchan/lib.sh
source "$here/../nchan/lib.sh"

(($# == 2)) || die "usage: start.sh PORT WORKDIR"
port=$1
mkdir -p "$2"
workdir=$(cd "$2" && pwd)
ulimit -n "$(ulimit -Hn)"

rm -f "$workdir/pids"
redis_port=$(free_port)
rm -f "$workdir/redis.pid"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log" --dir "$workdir" ||
  die "redis-server did not start (see $workdir/redis.log)"
deadline=$((SECONDS + 20))
until redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG; do
  ((SECONDS < deadline)) || die "redis-server does not answer on port $redis_port"
  sleep 0.1
done
until [[ -s $workdir/redis.pid ]] || ((SECONDS >= deadline)); do sleep 0.05; done
redis_pid=$(cat "$workdir/redis.pid") || die "redis-server wrote no pid file"
echo "$redis_pid" >"$workdir/pids"

# nchan's Redis store, as nchan's docs set it up: an upstream of Redis servers, passed in
# each pub/sub location (nchan_redis_pass at http level is not applied to the locations).
# 'distributed' (the default mode) keeps messages and channel state in Redis and fans out
# through Redis pub/sub: each worker holds one Redis subscription per channel it serves.
store="    upstream bench_redis {
        nchan_redis_server redis://127.0.0.1:$redis_port;
    }"
locstore="nchan_redis_pass bench_redis; nchan_redis_storage_mode distributed;"
render_conf "$here/../nchan/nginx.conf.in" "$workdir/nginx.conf" "$port" "$workdir" "$store" "$locstore"
start_nginx "$workdir" "$port" "$redis_pid"
all_pids="$NGINX_PIDS,$redis_pid"
echo "$all_pids" >"$workdir/pids"

# nchan connects to Redis after the workers start: publish until the store answers, so the
# benchmark's first subscribers and events are not refused. The probe channel is not a
# benchmark channel; its one message expires with nchan_message_timeout.
until code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary ready \
  "http://127.0.0.1:$port/pub/bench-start-probe") && [[ $code == 20[12] ]]; do
  ((SECONDS < deadline)) || die "nchan does not publish through Redis (last status $code)"
  sleep 0.1
done
echo "PIDS=$all_pids PUBLISH_PORT=$port REDIS_PORT=$redis_port"
