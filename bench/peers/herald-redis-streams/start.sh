#!/usr/bin/env bash
# herald-redis with the history in Redis Streams (history_backend = "redis",
# the default with Redis): each publish is the herald_publish function (XADD,
# PEXPIRE, PUBLISH), and a broken subscription is gap-filled from the streams.
#   start.sh PORT WORKDIR   ->   as herald-redis/start.sh
HISTORY_BACKEND=redis exec "$(dirname "$0")/../herald-redis/start.sh" "$@"
