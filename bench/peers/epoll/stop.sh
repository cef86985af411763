#!/usr/bin/env bash
# stop.sh WORKDIR: SIGTERM to herald-epoll-limit, SIGKILL after 5 s. Idempotent.
set -uo pipefail
workdir=${1:?usage: stop.sh WORKDIR}
[[ -s "$workdir/epoll.pid" ]] || exit 0
pid=$(cat "$workdir/epoll.pid")
kill -TERM "$pid" 2>/dev/null
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null
rm -f "$workdir/epoll.pid"
exit 0
