# shellcheck shell=bash
# Shared by bench/peers/herald/ and bench/peers/herald-redis/ (sourced, not run).
# The binary comes from bench/run.sh's Release build (HERALD_BUILD_DIR).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this file
herald_bin=${HERALD_BUILD_DIR:-$repo/build/bench}/herald

# The start of every herald start.sh: its arguments (sets port and dir), its
# work dir, the binary, and a descriptor limit for thousands of clients.
start_args() { # PORT WORKDIR
    # shellcheck disable=SC2034 # port: for the script that calls this
    port=${1:?usage: start.sh PORT WORKDIR} dir=${2:?usage: start.sh PORT WORKDIR}
    mkdir -p "$dir"
    [[ -x $herald_bin ]] || { echo "no herald binary at $herald_bin (run bench/run.sh)" >&2; exit 1; }
    ulimit -n "$(ulimit -Hn)"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Runs "$@" in the background with output to WORKDIR/NAME.log and its pid in
# WORKDIR/NAME.pid; stdout must not stay open, or $(start.sh) never returns.
spawn() { # workdir name command...
    local dir=$1 name=$2
    shift 2
    "$@" </dev/null >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
}

# Polls CHECK (a command) every 0.1 s for at most 20 s while PIDFILE's process lives.
wait_until() { # workdir name check...
    local dir=$1 name=$2 pid
    shift 2
    pid=$(cat "$dir/$name.pid")
    for _ in $(seq 200); do
        "$@" >/dev/null 2>&1 && return 0
        if ! running "$pid"; then
            echo "$name exited; last lines of $dir/$name.log:" >&2
            tail -n 20 "$dir/$name.log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "$name did not become ready within 20 s" >&2
    return 1
}

# True while PID runs; an exited process that its (re)parent has not reaped
# yet (a zombie: start.sh has exited, so that is init, which may be slow) counts as gone.
running() { # pid
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    [[ ${stat##*) } != Z* ]]
}

# SIGTERM, then SIGKILL if it still runs after 5 s.
stop_pid() { # pid
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 50); do
        running "$1" || return 0
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
}

# Stops every process with a pid file in WORKDIR: herald first, so that it
# does not see its Redis go away under it.
stop_all() { # workdir
    local dir=$1 f pid
    [[ -d $dir ]] || return 0
    for f in "$dir"/herald.pid "$dir"/*.pid; do
        [[ -e $f ]] || continue
        pid=$(cat "$f")
        rm -f "$f"
        stop_pid "$pid"
    done
}

# The peers check no tokens and limit no client address, and herald-bench's
# clients come from 254 loopback addresses: measure herald on the same terms.
bench_flags=(--insecure --max-connections-per-ip 0)
# HERALD_BENCH_CONFIG: a config file for herald, e.g. one of bench/configs/
# (namespaces cannot be given as flags). The flags above still apply.
if [[ -n ${HERALD_BENCH_CONFIG:-} ]]; then
    bench_flags+=(--config "$(realpath "$HERALD_BENCH_CONFIG")")
fi
