#!/usr/bin/env bash
# start.sh PORT WORKDIR: starts a private redis-server on a free port and the
# Node.js app (cluster primary + 2 workers) on 127.0.0.1:PORT, waits until both
# accept, prints "PIDS=<primary>,<worker>,<worker>,<redis> PUBLISH_PORT=<redis port> REDIS_PORT=<redis port>".
# Publishing is a Redis PUBLISH on REDIS_PORT, so PUBLISH_PORT names the same port.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=${1:?usage: start.sh PORT WORKDIR}
workdir=${2:?usage: start.sh PORT WORKDIR}
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
ulimit -n "$(ulimit -Hn)"

fail() { echo "node peer: $*" >&2; "$here/stop.sh" "$workdir" >/dev/null 2>&1 || true; exit 1; }
[[ -d "$here/node_modules" ]] || fail "node_modules missing: run bench/peers/node/install.sh"

# A free port from the kernel (bind to 0); nothing else binds in between in practice.
redis_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

rm -f "$workdir/node.ready"
setsid redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$workdir" >"$workdir/redis.log" 2>&1 </dev/null &
echo $! >"$workdir/redis.pid"
for _ in $(seq 100); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping >/dev/null 2>&1 || fail "redis-server did not start (see $workdir/redis.log)"

NODE_ENV=production setsid node "$here/server.js" --host 127.0.0.1 --port "$port" \
  --redis-port "$redis_port" --workers 2 --ready-file "$workdir/node.ready" \
  >"$workdir/node.log" 2>&1 </dev/null &
echo $! >"$workdir/node.pid"
for _ in $(seq 200); do
  [[ -s "$workdir/node.ready" ]] && break
  kill -0 "$(cat "$workdir/node.pid")" 2>/dev/null || fail "node exited (see $workdir/node.log)"
  sleep 0.1
done
[[ -s "$workdir/node.ready" ]] || fail "node did not listen within 20 s (see $workdir/node.log)"
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "127.0.0.1:$port does not accept"

echo "PIDS=$(tr -d '\n' <"$workdir/node.ready"),$(cat "$workdir/redis.pid") PUBLISH_PORT=$redis_port REDIS_PORT=$redis_port"
