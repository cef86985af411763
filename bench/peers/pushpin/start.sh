#!/usr/bin/env bash
# start.sh PORT WORKDIR: Pushpin (runner + condure, zurl, pushpin-proxy, pushpin-handler) on
# 127.0.0.1:PORT in front of origin.py (GRIP), its control API on a free PUBLISH_PORT.
# Everything (config, routes, ipc sockets, logs) under WORKDIR.
# Subscribe: GET /events?channel=C (SSE), GET /ws?channel=C (WebSocket) on PORT.
# Publish: POST /publish/ on PUBLISH_PORT (Pushpin's JSON items, several per POST allowed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

die() {
  echo "start.sh: $*" >&2
  # Stop whatever was started before the failure (stop.sh reads WORKDIR/pids).
  [[ -n ${workdir:-} ]] && "$here/stop.sh" "$workdir"
  exit 1
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

(($# == 2)) || die "usage: start.sh PORT WORKDIR"
port=$1
mkdir -p "$2"
workdir=$(cd "$2" && pwd)
ulimit -n "$(ulimit -Hn)"
# ZeroMQ ipc sockets are unix sockets: their path must fit in sun_path (108 bytes),
# so they live in a short directory of their own (WORKDIR/run links to it).
rundir=$(mktemp -d /tmp/pushpin.XXXXXX)
echo "$rundir" >"$workdir/rundir"
ln -sfn "$rundir" "$workdir/run"
mkdir -p "$workdir/log"
rm -f "$workdir/pids"

origin_port=$(free_port)
publish_port=$(free_port)
sed -e "s|@WORKDIR@|$workdir|g" -e "s|@RUNDIR@|$rundir|g" -e "s|@PORT@|$port|g" -e "s|@PUBLISH_PORT@|$publish_port|g" \
  "$here/pushpin.conf.in" >"$workdir/pushpin.conf"
# One route: everything to the origin; WebSockets as WebSocket-over-HTTP.
echo "* 127.0.0.1:$origin_port,over_http" >"$workdir/routes"

# setsid: out of the caller's process group, so only stop.sh stops them.
setsid /usr/bin/python3 "$here/origin.py" "$origin_port" >"$workdir/log/origin.log" 2>&1 &
origin_pid=$!
setsid pushpin --config "$workdir/pushpin.conf" >"$workdir/log/runner.log" 2>&1 &
runner_pid=$!
echo "$runner_pid,$origin_pid" >"$workdir/pids"  # lets stop.sh clean up if we fail below

deadline=$((SECONDS + 20))
wait_for() {  # wait_for WHAT COMMAND...: retries COMMAND until it succeeds or the deadline.
  local what=$1
  shift
  until "$@"; do
    kill -0 "$runner_pid" 2>/dev/null || die "pushpin exited (see $workdir/log)"
    ((SECONDS < deadline)) || die "timed out waiting for $what (see $workdir/log)"
    sleep 0.1
  done
}
wait_for "the origin" accepts "$origin_port"
wait_for "port $port" accepts "$port"
wait_for "the control port $publish_port" accepts "$publish_port"

# The runner's children are the four services; name each by its executable.
services_ready() {
  services=()
  local name p
  for name in condure zurl pushpin-proxy pushpin-handler; do
    p=$(pgrep -P "$runner_pid" -x "$name" | head -1) || return 1
    services+=("$p")
  done
}
wait_for "condure, zurl, pushpin-proxy and pushpin-handler" services_ready

# A held stream through proxy -> zurl -> origin answers 200 (a broken zurl path gives 502).
probe() {
  [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' \
    "http://127.0.0.1:$port/events?channel=bench-start-probe" || true) == 200 ]]
}
wait_for "a 200 from the origin through Pushpin" probe

pids=$(IFS=,; echo "$runner_pid,${services[*]},$origin_pid")
echo "$pids" >"$workdir/pids"
echo "PIDS=$pids PUBLISH_PORT=$publish_port REDIS_PORT=0"
