#!/usr/bin/env bash
# Benchmarks herald against its peers (bench/peers/<name>/: install.sh,
# start.sh PORT WORKDIR, stop.sh WORKDIR, version.sh): installs what they need,
# builds herald and herald-bench in Release, runs every scenario against every
# server on a freshly started server, and writes one JSON file with the machine,
# the versions, the exact command and every herald-bench result, which
# bench/report.py renders into docs/benchmarks.md.
#
#   bench/run.sh [--quick|--smoke] [--servers a,b,...] [--scenarios x,y,...] [--no-setup]
#
# full writes bench/results/<date>-<host>.json, --quick <date>-<host>-quick.json,
# and both render docs/benchmarks.md; --smoke (CI: a few minutes, no thresholds)
# writes only under build/bench-smoke/. --no-setup skips apt, npm and the build.
# A peer that is missing or fails to start is recorded as such and the run goes
# on; the exit status is non-zero only when herald itself fails or the harness breaks.
set -euo pipefail
cd "$(dirname "$0")/.."
command_line="bench/run.sh $*"

ALL_SERVERS=herald,herald-redis,herald-redis-streams,herald-redis-cluster,nchan,nchan-redis,pushpin,node,epoll
ALL_SCENARIOS=idle,fanout,fanout-saturation,fanout-channels,connect-storm,slow-consumers,fresh-rate

# ---- Parameters: the one place that says what each scenario runs. --------------------------
# Per mode: idle connections, seconds they are held, fan-out subscribers, fan-out
# publishing seconds, connect-storm clients, slow-consumer subscribers, bound on one run (s).
declare -A SIZES=(
    [full]="15000 2 10000 5 10000 2000 300"
    [quick]="5000 2 3000 5 3000 1000 180"
    [smoke]="100 0 100 2 100 100 60"
)

# fresh-rate: the rates (events/s) it climbs, one fresh server per step, up to the
# first that is not fresh (bench/fresh_rate.py: p99 over 100 ms, or anything lost).
FRESH_RATES=(2 5 10 15 20 30 50 100 200 500 1000 2000 5000)

# herald-bench arguments of a scenario (run once per transport, sse then ws).
scenario_args() {
    case $1 in
    # WS clients offer permessage-deflate, as browsers do: idle memory with it negotiated.
    idle) echo "--scenario idle --connections $IDLE --hold $HOLD --ws-deflate" ;;
    fanout) echo "--scenario fanout --subscribers $FAN --channels 1 --rate 1000 --size 100 --duration $SECS" ;;
    # Back to back: what a server delivers per CPU-second when it cannot keep up.
    fanout-saturation) echo "--scenario fanout --subscribers $FAN --channels 1 --rate 0 --size 100 --duration $SECS" ;;
    fanout-channels) echo "--scenario fanout --subscribers $FAN --channels per-subscriber --rate 1000 --size 100 --duration $SECS" ;;
    connect-storm) echo "--scenario connect-storm --connections $STORM" ;;
    # 100 events/s: what every peer's publisher delivers (nchan's takes one event per request).
    slow-consumers) echo "--scenario slow-consumers --subscribers $SLOW --slow-share 0.1 --rate 100 --size 1000 --duration $SECS" ;;
    # One step of the ladder at $RATE: 3 s are enough to see a queue grow past 100 ms.
    fresh-rate) echo "--scenario fanout --subscribers $FAN --channels 1 --rate ${RATE:-10} --size 100 --duration 3" ;;
    *) return 1 ;;
    esac
}
TRANSPORTS=(sse ws)
# ----------------------------------------------------------------------------------------------

die() { echo "bench/run.sh: $*" >&2; exit 2; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

mode=full servers=$ALL_SERVERS scenarios=$ALL_SCENARIOS setup=1
while (($#)); do
    case $1 in
    --quick) mode=quick ;;
    --smoke) mode=smoke ;;
    --servers) servers=${2:?--servers needs a list}; shift ;;
    --scenarios) scenarios=${2:?--scenarios needs a list}; shift ;;
    --no-setup) setup=0 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; echo "servers: $ALL_SERVERS"; echo "scenarios: $ALL_SCENARIOS"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done
read -r IDLE HOLD FAN SECS STORM SLOW BOUND <<<"${SIZES[$mode]}"
[[ $mode == smoke ]] && FRESH_RATES=(100) # one step: the harness, not the figure
IFS=, read -ra SERVERS <<<"$servers"
IFS=, read -ra SCENARIOS <<<"$scenarios"
for s in "${SCENARIOS[@]}"; do scenario_args "$s" >/dev/null || die "unknown scenario $s"; done

export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
# HERALD_BUILD_DIR: with --no-setup, binaries built elsewhere (e.g. build/release).
export HERALD_BUILD_DIR=${HERALD_BUILD_DIR:-$PWD/build/bench}
# HERALD_BENCH: another herald-bench binary (e.g. a newer build) instead of the one built here.
bench_bin=${HERALD_BENCH:-$HERALD_BUILD_DIR/bench/herald-bench}
stamp=$(date -u +%Y-%m-%d)-$(hostname -s)
[[ $mode == quick ]] && stamp+=-quick # never overwrite the day's full run
rundir=build/bench-runs/$(date -u +%Y%m%dT%H%M%S)-$mode
if [[ $mode == smoke ]]; then outdir=build/bench-smoke; else outdir=bench/results; fi
herald_failed=0

setup() {
    log "installing dependencies (scripts/install-deps.sh --bench)"
    scripts/install-deps.sh --bench
    local s
    for s in "${SERVERS[@]}"; do
        [[ -x bench/peers/$s/install.sh ]] || continue
        log "installing peer $s"
        bench/peers/"$s"/install.sh || log "peer $s: install.sh failed (its runs will fail to start)"
    done
    log "building herald, herald-bench (and herald-epoll-limit) in Release into build/bench"
    cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHERALD_BUILD_TESTS=OFF >/dev/null
    local targets=(herald herald-bench)
    # bench/epoll/ (the raw epoll limit) is optional: build it when the tree has it.
    if ninja -C build/bench -t targets all | grep '^herald-epoll-limit:' >/dev/null; then
        targets+=(herald-epoll-limit)
    fi
    cmake --build build/bench --target "${targets[@]}"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Per-server herald-bench arguments. Pushpin's proxy answers 502 when hundreds of
# handshakes arrive at once (fixed internal queues), so its clients connect 50 at a
# time; connect-storm still opens all at once, and reports the failures.
server_args() { # server scenario
    [[ $1 == pushpin && $2 != connect-storm ]] && echo "--inflight 50"
    return 0
}

record_versions() {
    mkdir -p "$rundir/versions"
    git describe --tags --always --dirty >"$rundir/herald-git-describe" 2>/dev/null || echo unknown >"$rundir/herald-git-describe"
    local s
    for s in "${SERVERS[@]}"; do
        if [[ -x bench/peers/$s/version.sh ]]; then
            timeout 20 bench/peers/"$s"/version.sh >"$rundir/versions/$s" 2>&1 || echo "version.sh failed" >>"$rundir/versions/$s"
        else
            echo missing >"$rundir/versions/$s"
        fi
    done
}

# Starts SERVER on a free port (twice at most: another process may take the
# port in between); sets PIDS, PORT, PUBLISH_PORT, REDIS_PORT.
start_server() { # server workdir errfile
    local server=$1 work=$2 err=$3 line
    for _ in 1 2; do
        PORT=$(free_port)
        if line=$(timeout -k 5 40 bench/peers/"$server"/start.sh "$PORT" "$work" 2>>"$err"); then
            line=$(tail -n 1 <<<"$line")
            PIDS=$(sed -n 's/.*PIDS=\([0-9,]*\).*/\1/p' <<<"$line")
            PUBLISH_PORT=$(sed -n 's/.*PUBLISH_PORT=\([0-9]*\).*/\1/p' <<<"$line")
            REDIS_PORT=$(sed -n 's/.*REDIS_PORT=\([0-9]*\).*/\1/p' <<<"$line")
            [[ -n $PIDS ]] && return 0
            echo "start.sh printed no PIDS= line: $line" >>"$err"
        fi
        timeout -k 5 30 bench/peers/"$server"/stop.sh "$work" >>"$err" 2>&1 || true
    done
    return 1
}

# One herald-bench run against a fresh SERVER; leaves meta, result.json and
# logs in its own directory for bench/collect.py.
run_one() { # server scenario transport
    local server=$1 scenario=$2 transport=$3 status rc=0
    RUN_NO=$((RUN_NO + 1))
    local dir args extra
    dir=$rundir/runs/$(printf %03d "$RUN_NO")-$server-$scenario-$transport
    mkdir -p "$dir"
    read -ra args <<<"$(scenario_args "$scenario")"
    args+=(--transport "$transport" --timeout $((BOUND - 30)))
    {
        echo "server=$server"
        echo "scenario=$scenario"
        echo "transport=$transport"
    } >"$dir/meta"
    if [[ ! -x bench/peers/$server/start.sh ]]; then
        log "$server $scenario $transport: missing (no bench/peers/$server/start.sh)"
        echo "status=missing" >>"$dir/meta"
        return 0
    fi
    if ! start_server "$server" "$dir/server" "$dir/start.err"; then
        log "$server $scenario $transport: server failed to start (see $dir/start.err)"
        echo "status=start-failed" >>"$dir/meta"
        [[ $server == herald* ]] && herald_failed=1
        return 0
    fi
    RUNNING=("$server" "$dir/server") # stopped by on_exit if we are interrupted
    args+=(--host 127.0.0.1 --port "$PORT")
    args+=(--server "$server" --server-pids "$PIDS" --publish-port "${PUBLISH_PORT:-$PORT}")
    [[ ${REDIS_PORT:-0} != 0 ]] && args+=(--redis-port "$REDIS_PORT")
    read -ra extra <<<"$(server_args "$server" "$scenario")"
    args+=("${extra[@]}")
    [[ $scenario == fresh-rate ]] && echo "rate=$RATE" >>"$dir/meta"
    echo "command=$bench_bin ${args[*]}" >>"$dir/meta"
    echo "pids=$PIDS" >>"$dir/meta"
    timeout --foreground -k 10 "$BOUND" "$bench_bin" "${args[@]}" >"$dir/result.json" 2>"$dir/bench.err" || rc=$?
    timeout -k 5 30 bench/peers/"$server"/stop.sh "$dir/server" >>"$dir/stop.err" 2>&1 || echo "stop.sh failed" >>"$dir/stop.err"
    RUNNING=()
    # herald-bench ended by SIGINT/SIGTERM (timeout exits 128+signal): we are interrupted.
    ((rc == 130 || rc == 143)) && { log "interrupted"; exit 130; }
    case $rc in
    0) status=ok ;;
    124 | 137) status=timeout ;;
    *) status=failed ;;
    esac
    echo "status=$status" >>"$dir/meta"
    echo "exit_code=$rc" >>"$dir/meta"
    log "$server $scenario $transport${RATE:+ at $RATE/s}: $status"
    LAST_RUN_DIR=$dir
    # A fresh-rate step beyond capacity may fail by design: the report shows it.
    [[ $status != ok && $server == herald* && $scenario != fresh-rate ]] && herald_failed=1
    return 0
}

# fresh-rate: one run per rate of FRESH_RATES until one is not fresh.
climb_rates() { # server transport
    local RATE why
    for RATE in "${FRESH_RATES[@]}"; do
        LAST_RUN_DIR=
        run_one "$1" fresh-rate "$2"
        [[ -n $LAST_RUN_DIR ]] || return 0 # missing or failed to start: nothing to climb
        why=$(python3 bench/fresh_rate.py "$LAST_RUN_DIR/result.json") && continue
        log "$1 fresh-rate $2: not fresh at $RATE/s ($why)"
        return 0
    done
}

# For each scenario and transport, every server in turn, so that drifts of the
# machine (other load, heat) spread over all servers instead of hitting one.
run_all() {
    local scenario transport server
    RUN_NO=0
    for scenario in "${SCENARIOS[@]}"; do
        for transport in "${TRANSPORTS[@]}"; do
            for server in "${SERVERS[@]}"; do
                if [[ $scenario == fresh-rate ]]; then
                    climb_rates "$server" "$transport"
                else
                    run_one "$server" "$scenario" "$transport"
                fi
            done
        done
    done
}

# Interrupted (Ctrl-C, CI timeout): do not leave a server running.
RUNNING=()
on_exit() {
    ((${#RUNNING[@]})) && timeout -k 5 30 bench/peers/"${RUNNING[0]}"/stop.sh "${RUNNING[1]}" >/dev/null 2>&1
    return 0
}
trap on_exit EXIT
trap 'exit 130' INT TERM

main() {
    local started=$SECONDS
    ((setup)) && setup
    [[ -x $bench_bin ]] || die "no herald-bench at $bench_bin (run without --no-setup)"
    # Every generator process and server needs far more than 1024 descriptors.
    ulimit -n "$(ulimit -Hn)"
    mkdir -p "$rundir" "$outdir"
    echo "$command_line" >"$rundir/command"
    echo "$mode" >"$rundir/mode"
    echo "${SIZES[$mode]}" >"$rundir/sizes"
    echo "${SERVERS[*]}" >"$rundir/servers"
    record_versions
    cat /proc/loadavg >"$rundir/loadavg-before"
    log "mode $mode: servers ${SERVERS[*]}; scenarios ${SCENARIOS[*]}; raw runs in $rundir"
    run_all
    cat /proc/loadavg >"$rundir/loadavg-after"
    echo $((SECONDS - started)) >"$rundir/seconds"
    local json=$outdir/$stamp.json
    python3 bench/collect.py "$rundir" >"$json"
    log "results: $json"
    if [[ $mode == smoke ]]; then
        python3 bench/report.py "$json" --out "$outdir/benchmarks.md" --img "$outdir/img"
    else
        python3 bench/report.py "$json" --out docs/benchmarks.md --img docs/img
    fi
    log "done in $((SECONDS - started)) s"
    ((herald_failed == 0)) || { log "herald failed at least one run (see $json)"; exit 1; }
}

main
