#!/usr/bin/env bash
# stop.sh WORKDIR: stops the Node.js app (primary and workers) and its
# redis-server: SIGTERM, then SIGKILL after 5 s. Idempotent.
set -uo pipefail
workdir=${1:?usage: stop.sh WORKDIR}

pids=()
[[ -s "$workdir/node.ready" ]] && IFS=, read -ra pids <"$workdir/node.ready"
for f in node.pid redis.pid; do
  [[ -s "$workdir/$f" ]] && pids+=("$(cat "$workdir/$f")")
done
alive() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for _ in $(seq 50); do alive || break; sleep 0.1; done
for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
rm -f "$workdir/node.ready" "$workdir/node.pid" "$workdir/redis.pid"
exit 0
