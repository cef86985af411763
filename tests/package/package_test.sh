#!/usr/bin/env bash
# The Debian package end to end, on this machine: scripts/package.sh builds the
# .deb, lintian finds no error in it, dpkg -i installs it, the installed
# herald answers --version and, started by hand with the installed config as
# the package's user (systemd is not PID 1 here), /healthz; the installed unit
# passes check_unit.sh. Then dpkg --purge, after which nothing of the package
# is left but its system user (Debian keeps those). The package is purged
# whatever happens (trap). Needs root; exit 77 (skipped) only when a tool is
# missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

for tool in dpkg dpkg-buildpackage dh lintian systemd-analyze adduser curl setpriv; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test)"; exit 77; }
done
[[ $(id -u) -eq 0 ]] || { echo "SKIP: dpkg -i needs root"; exit 77; }

# One package test at a time on a machine (several checkouts may run the suite).
exec 9>/run/lock/herald-package-test.lock
flock -w 900 9

# A run killed before its trap (a ctest timeout is a SIGKILL) leaves its
# marker: purge what it installed. Any other installed herald is not ours.
marker=/var/tmp/herald-package-test.installed
if [[ -e $marker ]]; then
  echo "purging the package a killed run left installed"
  dpkg --purge herald >/dev/null 2>&1 || true
  rm -f "$marker"
fi
if dpkg-query -W -f='${Status}' herald 2>/dev/null | grep -q 'install ok installed'; then
  echo "FAIL: a herald package is already installed here; this test would replace and purge it"
  exit 1
fi

work=$(mktemp -d /tmp/herald-package-test.XXXXXX)
herald_pid=""
installed=no
cleanup() {
  if [[ -n "$herald_pid" ]]; then
    kill "$herald_pid" 2>/dev/null || true
    wait "$herald_pid" 2>/dev/null || true
  fi
  if [[ $installed == yes ]]; then
    echo "cleanup: dpkg --purge herald"
    dpkg --purge herald >/dev/null 2>&1 || true
  fi
  rm -f "$marker"
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
step() { printf '=== %s (%ss)\n' "$*" "$SECONDS"; }

step "build the package"
deb=$("$root/scripts/package.sh" "$work/out")
echo "$deb"
dpkg-deb --field "$deb" Package Version Architecture Depends

step "package contents"
# Depends from shlibs: the packages of the shared libraries herald links.
depends=$(dpkg-deb --field "$deb" Depends)
for lib in libc6 libsystemd0 libssl3 libhiredis0.14 libjwt0 libboost-url1.81.0; do
  grep -qE "(^|, )$lib( |,|\$)" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | grep -qx /etc/herald/herald.toml ||
  fail "/etc/herald/herald.toml is not a conffile"
contents=$(dpkg-deb --contents "$deb")
for path in ./usr/bin/herald ./etc/herald/herald.toml ./lib/systemd/system/herald.service \
            ./usr/share/doc/herald/README.md ./usr/share/doc/herald/copyright \
            ./usr/share/man/man1/herald.1.gz; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done

step "lintian"
# Errors fail the test; the warnings kept are listed in the README.
lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian reports errors"

step "install"
installed=yes
touch "$marker"
dpkg -i "$deb"
version=$(dpkg-deb --field "$deb" Version)
[[ "$(/usr/bin/herald --version)" == "herald ${version%-*}" ]] ||
  fail "herald --version says '$(/usr/bin/herald --version)', the package is $version"
/usr/bin/herald --version
getent passwd herald | awk -F: '$3 < 1000 { ok = 1 } END { exit !ok }' || fail "no herald system user"
"$here/check_unit.sh" /lib/systemd/system/herald.service

step "run the installed herald with the installed config"
# As the unit would: the package's user, /etc/herald/herald.toml. Only the
# address changes (port 0: the shipped 8080 may be taken on a shared machine).
setpriv --reuid=herald --regid=herald --init-groups \
  env HERALD_LISTEN=127.0.0.1:0 /usr/bin/herald --config /etc/herald/herald.toml \
  >"$work/herald.log" 2>&1 &
herald_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/herald.log")
  [[ -n "$port" ]] && break
  kill -0 "$herald_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/herald.log"; fail "the installed herald did not start"; }
curl -fsS "http://127.0.0.1:$port/healthz" && echo || fail "/healthz did not answer 200"
kill -TERM "$herald_pid"
rc=0
wait "$herald_pid" || rc=$?
herald_pid=""
((rc == 0)) || { cat "$work/herald.log"; fail "herald exited with $rc on SIGTERM"; }

step "purge"
mapfile -t files < <(dpkg -L herald)
dpkg --purge herald
installed=no
status=$(dpkg-query -W -f='${db:Status-Status}' herald 2>/dev/null || true)
[[ -z "$status" || "$status" == not-installed ]] || fail "dpkg still has herald: $status"
left=()
# What dpkg installed, the config folder, and the unit's enablement (the
# postinst's deb-systemd-helper links and state).
mapfile -t enabled < <(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
                         /var/lib/systemd/deb-systemd-helper-masked -name 'herald*' 2>/dev/null)
for path in "${files[@]}" /etc/herald "${enabled[@]}"; do
  [[ "$path" != /. && -e "$path" ]] || continue
  # A directory other packages own too (/usr/bin, /lib/systemd/system) stays.
  [[ -d "$path" ]] && dpkg -S "$path" >/dev/null 2>&1 && continue
  left+=("$path")
done
((${#left[@]} == 0)) || fail "left after purge: ${left[*]}"
getent passwd herald >/dev/null && echo "kept after purge, as Debian policy does: the system user herald"
step "ok"
