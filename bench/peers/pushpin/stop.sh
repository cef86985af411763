#!/usr/bin/env bash
# stop.sh WORKDIR: stops what start.sh started there (SIGTERM, SIGKILL after 5 s). Idempotent.
set -euo pipefail
(($# == 1)) || { echo "usage: stop.sh WORKDIR" >&2; exit 1; }
file=$1/pids
# The short directory of the ipc sockets (see start.sh).
remove_rundir() { [[ -f $1/rundir ]] && rm -rf "$(cat "$1/rundir")" && rm -f "$1/rundir" "$1/run"; return 0; }
[[ -f $file ]] || { remove_rundir "$1"; exit 0; }
IFS=, read -ra pids <"$file"
alive() { local p; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
# The runner (first pid) stops its services itself on SIGTERM; TERM all in case it cannot.
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
deadline=$((SECONDS + 5))
while alive && ((SECONDS < deadline)); do sleep 0.1; done
for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
rm -f "$file"
remove_rundir "$1"
