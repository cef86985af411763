#!/usr/bin/env bash
# Checks a herald systemd unit: `systemd-analyze verify` passes, and
# `systemd-analyze security --offline=true` scores an exposure of 2.0 or less
# (printed). systemd need not be PID 1.
#   check_unit.sh UNIT [HERALD_BINARY]
# With HERALD_BINARY, the unit is checked on a copy whose ExecStart= runs that
# binary instead of /usr/bin/herald (a build tree, nothing installed), and
# without man pages (herald(1) is not installed either).
set -euo pipefail
unit=$1
binary=${2:-}
max_exposure=2.0
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 77; }

verify_args=()
if [[ -n "$binary" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sed "s#/usr/bin/herald#$(realpath "$binary")#" "$unit" >"$tmp/herald.service"
  unit="$tmp/herald.service"
  verify_args+=(--man=no)
fi

# verify prints problems (and exits non-zero on errors): any output fails.
verify_output=$(systemd-analyze verify "${verify_args[@]}" "$unit" 2>&1) || {
  echo "FAIL: systemd-analyze verify $unit:"; echo "$verify_output"; exit 1; }
if [[ -n "$verify_output" ]]; then
  echo "FAIL: systemd-analyze verify $unit warns:"; echo "$verify_output"; exit 1
fi
echo "systemd-analyze verify: ok"

security=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1)
exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$security")
if [[ -z "$exposure" ]]; then
  echo "FAIL: no exposure level in:"; echo "$security"; exit 1
fi
echo "systemd-analyze security --offline=true: exposure $exposure (at most $max_exposure)"
if ! awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
  grep -v '✓' <<<"$security"
  exit 1
fi
