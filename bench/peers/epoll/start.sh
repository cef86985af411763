#!/usr/bin/env bash
# start.sh PORT WORKDIR: starts herald-epoll-limit with 2 threads on
# 127.0.0.1:PORT, waits until it accepts, prints
# "PIDS=<pid> PUBLISH_PORT=<PORT> REDIS_PORT=0" (publish: POST /publish?channel=C on the same port).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
port=${1:?usage: start.sh PORT WORKDIR}
workdir=${2:?usage: start.sh PORT WORKDIR}
mkdir -p "$workdir"
ulimit -n "$(ulimit -Hn)"

build=${HERALD_BUILD_DIR:-$root/build/bench}
[[ "$build" = /* ]] || build="$root/$build"
binary="$build/bench/epoll/herald-epoll-limit"
[[ -x "$binary" ]] || { echo "epoll peer: $binary missing (cmake --build $build --target herald-epoll-limit)" >&2; exit 1; }

setsid "$binary" --listen "127.0.0.1:$port" --threads 2 >"$workdir/epoll.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$workdir/epoll.pid"
for _ in $(seq 200); do
  # Our own listener, not whatever else may hold the port.
  if ss -Htlnp "sport = :$port" 2>/dev/null | grep -q "pid=$pid," &&
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "PIDS=$pid PUBLISH_PORT=$port REDIS_PORT=0"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "epoll peer: herald-epoll-limit did not accept on 127.0.0.1:$port:" >&2
cat "$workdir/epoll.log" >&2
"$here/stop.sh" "$workdir"
exit 1
