#!/usr/bin/env bash
# start.sh PORT WORKDIR: nginx + nchan (memory store) on 127.0.0.1:PORT, everything under WORKDIR.
# Subscribe: GET /sub/<channel> (EventSource or WebSocket). Publish: POST /pub/<channel>, same port.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

(($# == 2)) || die "usage: start.sh PORT WORKDIR"
port=$1
mkdir -p "$2"
workdir=$(cd "$2" && pwd)
ulimit -n "$(ulimit -Hn)"
rm -f "$workdir/pids"

render_conf "$here/nginx.conf.in" "$workdir/nginx.conf" "$port" "$workdir" \
  "    # Memory store (nchan's default): channels live in nginx's shared memory."
start_nginx "$workdir" "$port"
echo "$NGINX_PIDS" >"$workdir/pids"
echo "PIDS=$NGINX_PIDS PUBLISH_PORT=$port REDIS_PORT=0"
