#!/usr/bin/env bash
# Builds herald and herald-bench in Release (build/bench), starts herald with
# two I/O threads, measures 15,000 idle SSE connections and then 15,000 idle
# WebSocket connections (each transport opened, measured and closed on its
# own), prints herald-bench's JSON on stdout and stops herald.
#
#   bench/measure-idle.sh                 # 15,000 per transport
#   CONNECTIONS=5000 bench/measure-idle.sh
set -euo pipefail
cd "$(dirname "$0")/.."

connections=${CONNECTIONS:-15000}
build=build/bench

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHERALD_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target herald herald-bench >&2

# 15,000 sockets need more than the usual 1024 descriptors; the hard limit is the ceiling.
ulimit -n "$(ulimit -Hn)"

log=$(mktemp)
# --insecure: the load generator subscribes without tokens.
"$build/herald" --listen 127.0.0.1:0 --threads 2 --log-level warn --insecure 2>"$log" &
pid=$!
stop_herald() {
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    cat "$log" >&2 # herald's warnings, if any
    rm -f "$log"
}
trap stop_herald EXIT

# Port 0 lets the kernel pick a free port; at log level warn herald does not
# print it, so read it from the listening socket of this very process.
port=""
for _ in $(seq 100); do
    port=$(ss -Hltnp 2>/dev/null | grep "pid=$pid," | awk '{print $4}' | sed 's/.*://' | head -1)
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "herald exited" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$port" ]] || { echo "herald is not listening" >&2; exit 1; }
echo "herald pid $pid listening on 127.0.0.1:$port" >&2

"$build/bench/herald-bench" --scenario idle --transport both --connections "$connections" \
    --host 127.0.0.1 --port "$port" --server-pid "$pid" --threads 2 --hold 2 --timeout 120
