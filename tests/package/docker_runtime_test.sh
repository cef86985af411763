#!/usr/bin/env bash
# The runtime stage of docker/Dockerfile, built with Debian's podman on this
# machine, where no container registry is reachable: its FROM becomes a base
# made by debootstrap from Debian's packages (kept as the image
# localhost/herald-test-base:bookworm, made once), its COPY --from=build the
# .deb that scripts/package.sh builds here. Checks that the image runs herald
# as the package's user, that its HEALTHCHECK (/readyz) passes, and that
# SIGTERM stops it with 0. The build stage is not run: it would compile herald
# cold inside the container (README "Docker"). Exit 77 only without a tool.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in podman runc debootstrap dpkg-buildpackage; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test)"; exit 77; }
done
[[ $(id -u) -eq 0 ]] || { echo "SKIP: podman and debootstrap run as root here"; exit 77; }

# runc: crun refuses this machine's hybrid cgroups; podman's default limits
# are above the machine's, which cannot be raised.
podman=(podman --runtime runc)
limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=32768:32768)
base=localhost/herald-test-base:bookworm
image=localhost/herald-test:runtime
name=herald-test-$$
work=$(mktemp -d /var/tmp/herald-docker-test.XXXXXX)
cleanup() {
  "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true
  "${podman[@]}" rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
step() { printf '=== %s (%ss)\n' "$*" "$SECONDS"; }

if ! "${podman[@]}" image exists "$base"; then
  step "debootstrap the base image (once)"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  tar -C "$work/rootfs" -c . | "${podman[@]}" import - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

step "build the package"
mkdir -p "$work/context"
"$root/scripts/package.sh" "$work/context/out"

step "build the runtime stage"
# From docker/Dockerfile's last FROM to its end, with the two substitutions.
grep -q '^COPY --from=build /out/ ' "$root/docker/Dockerfile" || fail "docker/Dockerfile has no COPY --from=build /out/"
sed -n '/^FROM debian:12-slim/,$p' "$root/docker/Dockerfile" |
  sed "s#^FROM debian:12-slim#FROM $base#; s#^COPY --from=build /out/ #COPY out/ #" >"$work/context/Dockerfile"
"${podman[@]}" build --quiet --format docker --network host "${limits[@]}" -t "$image" "$work/context" >/dev/null

step "run it"
# A network of its own (none: loopback only) so that 8080 is free.
"${podman[@]}" run -d --name "$name" --network none "${limits[@]}" "$image" >/dev/null
[[ "$("${podman[@]}" exec "$name" id -un)" == herald ]] || fail "the image does not run as herald"
"${podman[@]}" exec "$name" herald --version
healthy=no
for _ in $(seq 50); do
  if "${podman[@]}" healthcheck run "$name" >/dev/null 2>&1; then healthy=yes; break; fi
  sleep 0.2
done
[[ $healthy == yes ]] || { "${podman[@]}" logs "$name"; fail "the HEALTHCHECK (/readyz) does not pass"; }
echo "HEALTHCHECK: $("${podman[@]}" inspect --format '{{.Config.Healthcheck.Test}}' "$name")"
"${podman[@]}" stop -t 10 "$name" >/dev/null 2>&1
code=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$name")
[[ $code == 0 ]] || { "${podman[@]}" logs "$name"; fail "herald exited with $code on SIGTERM"; }
step "ok"
