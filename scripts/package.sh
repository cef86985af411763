#!/usr/bin/env bash
# Builds the Debian package herald_<version>_<arch>.deb with Debian's own tool
# chain (debian/ and dpkg-buildpackage -b), from a copy of the tree in a
# temporary folder, so that the checkout and its parent stay clean.
#   scripts/package.sh [OUTPUT_DIR]      default: build/package
# Prints the path of the .deb. DEB_BUILD_OPTIONS defaults to
# "parallel=2 nocheck noautodbgsym" (the suite tests herald, not the build).
# Needs debhelper and the build dependencies: scripts/install-deps.sh --test.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/package}")

version=$(dpkg-parsechangelog -S Version)
upstream=${version%-*}
cmake_version=$(sed -n 's/^project(herald VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
if [[ "$upstream" != "$cmake_version" ]]; then
  echo "package.sh: debian/changelog says $upstream, CMakeLists.txt $cmake_version" >&2
  exit 1
fi

# Always the same folder: Debian's flags hold the source path
# (-ffile-prefix-map=PATH=.), so only a fixed path lets ccache hit across
# builds and checkouts. One build at a time uses it.
work=/var/tmp/herald-package
exec 8>/var/tmp/herald-package.lock
flock -w 900 8
rm -rf "$work"
trap 'rm -rf "$work"' EXIT
src="$work/herald-$upstream"
mkdir -p "$src"
# The files git tracks, and new ones it does not ignore, as they are now
# (outside a git checkout, as in a container build, the whole tree but build/).
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
else
  tar --exclude=./build --exclude=node_modules -cf - . | tar -xf - -C "$src"
fi

if command -v ccache >/dev/null; then
  # debhelper (compat 13) points HOME elsewhere: name the cache itself.
  export CCACHE_BASEDIR="$src" CCACHE_NOHASHDIR=1 CCACHE_DIR="${CCACHE_DIR:-$(ccache -k cache_dir)}"
fi
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2 nocheck noautodbgsym}"
(cd "$src" && nice dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 || {
  tail -n 60 "$work/build.log" >&2
  exit 1
}

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="herald_${version}_${arch}.deb"
mkdir -p "$out"
mv "$work/$deb" "$out/"
echo "$out/$deb"
