#!/usr/bin/env bash
# A Redis Cluster of three masters (no replicas: six servers and herald do not
# fit two cores) on free ports whose cluster bus port (+10000) is free too,
# then herald (2 I/O threads) on 127.0.0.1:PORT with --redis-cluster: sharded
# pub/sub and history in the cluster's streams (the default). Publishes go
# through herald's POST /publish, which routes each event to the master of
# its channel's slot (herald_spublish); a benchmark publisher speaking to one
# Redis port could not. Files under WORKDIR.
#   start.sh PORT WORKDIR   ->   PIDS=<herald>,<redis>x3 PUBLISH_PORT=PORT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../herald/lib.sh
source "$(dirname "$0")/../herald/lib.sh"
start_args "$@"

# Three ports P with P and P+10000 both free, below the ephemeral range.
read -r -a ports < <(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
picked = []
while len(picked) < 3:
    p = random.randrange(20000, 30000)
    if p not in picked and free(p) and free(p + 10000):
        picked.append(p)
print(*picked)
PY
)
nodes=() pids=()
for p in "${ports[@]}"; do
    mkdir -p "$dir/redis-$p"
    spawn "$dir" "redis-$p" redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$dir/redis-$p" --cluster-enabled yes --cluster-config-file nodes.conf \
        --cluster-node-timeout 2000
    wait_until "$dir" "redis-$p" redis-cli -p "$p" ping
    nodes+=("127.0.0.1:$p")
    pids+=("$(cat "$dir/redis-$p.pid")")
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1
for p in "${ports[@]}"; do
    wait_until "$dir" "redis-$p" bash -c "redis-cli -p $p cluster info | grep -q cluster_state:ok"
done
spawn "$dir" herald "$herald_bin" --listen "127.0.0.1:$port" --threads 2 --log-level warn \
    "${bench_flags[@]}" --redis-cluster "$(IFS=,; echo "${nodes[*]}")"
# /readyz answers 200 once every master's connections and canary are up.
wait_until "$dir" herald curl -fsS --max-time 1 "http://127.0.0.1:$port/readyz"
echo "PIDS=$(cat "$dir/herald.pid"),$(IFS=,; echo "${pids[*]}") PUBLISH_PORT=$port"
