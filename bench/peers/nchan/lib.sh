# shellcheck shell=bash
# Shared by bench/peers/nchan and bench/peers/nchan-redis (sourced, not run).

die() {
  echo "$(basename "$0"): $*" >&2
  # start.sh: stop whatever was started before the failure (pids recorded in WORKDIR/pids).
  [[ $(basename "$0") == start.sh && -n ${workdir:-} ]] && stop_pids "$workdir/pids"
  exit 1
}

# wait_port PORT SECONDS: true once 127.0.0.1:PORT accepts.
wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# free_port: a port nothing listens on now (kernel-chosen).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# render_conf TEMPLATE OUT PORT WORKDIR HTTP_STORE [LOCATION_STORE]: fills in nginx.conf.in.
render_conf() {
  local tmpl=$1 out=$2 port=$3 workdir=$4 store=$5 locstore=${6:-}
  local nofile
  nofile=$(ulimit -Hn)
  [[ $nofile == unlimited ]] && nofile=1048576
  python3 - "$tmpl" "$out" "$port" "$workdir" "$store" "$nofile" "$locstore" <<'PY'
import sys
tmpl, out, port, workdir, store, nofile, locstore = sys.argv[1:]
text = open(tmpl).read()
for k, v in (("@PORT@", port), ("@WORKDIR@", workdir), ("@STORE@", store),
             ("@NOFILE@", nofile), ("@LOC_STORE@", locstore)):
    text = text.replace(k, v)
open(out, "w").write(text)
PY
}

# start_nginx WORKDIR PORT [OTHER_PIDS]: starts nginx (daemon, master + 2 workers) and waits
# for it. Sets NGINX_PIDS to "master,worker,worker". WORKDIR/pids holds the master and
# OTHER_PIDS meanwhile, so that a failure stops them all.
start_nginx() {
  local workdir=$1 port=$2 others=${3:-} master workers
  mkdir -p "$workdir/tmp"
  nginx -t -q -e "$workdir/error.log" -p "$workdir" -c "$workdir/nginx.conf" ||
    die "nginx config test failed (see $workdir/error.log)"
  rm -f "$workdir/nginx.pid"
  nginx -e "$workdir/error.log" -p "$workdir" -c "$workdir/nginx.conf" ||
    die "nginx did not start (see $workdir/error.log)"
  # The daemonized master writes its pid file after the launching process has exited.
  local deadline=$((SECONDS + 20))
  until [[ -s $workdir/nginx.pid ]] || ((SECONDS >= deadline)); do sleep 0.05; done
  master=$(cat "$workdir/nginx.pid" 2>/dev/null) || die "nginx wrote no pid file"
  echo "$master${others:+,$others}" >"$workdir/pids"
  wait_port "$port" 20 || die "nginx does not accept on port $port"
  # Workers are the master's children; wait until both are forked.
  while ((SECONDS < deadline)); do
    workers=$(pgrep -P "$master" | paste -sd, -) || true
    [[ $workers == *,* ]] && break
    sleep 0.1
  done
  [[ $workers == *,* ]] || die "nginx did not fork its 2 workers"
  # shellcheck disable=SC2034  # read by the start.sh that sourced this file
  NGINX_PIDS="$master,$workers"
}

# stop_pids FILE: SIGTERM to every pid in FILE (comma separated) that still runs,
# SIGKILL after 5 s. Idempotent.
stop_pids() {
  local file=$1 pids=() p
  [[ -f $file ]] || return 0
  IFS=, read -ra pids <"$file"
  alive() { local q; for q in "${pids[@]}"; do kill -0 "$q" 2>/dev/null && return 0; done; return 1; }
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  local deadline=$((SECONDS + 5))
  while alive && ((SECONDS < deadline)); do sleep 0.1; done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -f "$file"
}
