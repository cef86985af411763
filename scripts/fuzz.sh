#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan, then
# runs each for a bounded time starting from its committed seed corpus.
# Fails on any finding; crash inputs land in build/fuzz/artifacts/.
#   scripts/fuzz.sh [seconds per target, default 60] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
seconds=${1:-60}
shift || true

scripts/install-deps.sh --test # clang and libclang-rt-14-dev (libFuzzer)
build=build/fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHERALD_FUZZ=ON -DHERALD_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_targets

if (($#)); then
    targets=("$@")
else
    targets=()
    for source in tests/fuzz/fuzz_*.cpp; do
        targets+=("$(basename "$source" .cpp)")
    done
fi

mkdir -p "$build/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for target in "${targets[@]}"; do
    # The fuzzer adds what it finds to the scratch copy, never to the committed seeds.
    scratch="$build/corpus/$target"
    rm -rf "$scratch"
    mkdir -p "$scratch"
    seeds="tests/fuzz/corpus/$target"
    [[ -d $seeds ]] && cp -r "$seeds/." "$scratch/"
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix="$build/artifacts/$target-")
    [[ -f tests/fuzz/$target.dict ]] && args+=(-dict="tests/fuzz/$target.dict")
    log="$build/$target.log"
    echo "=== fuzz: $target (${seconds}s)"
    if "$build/tests/fuzz/$target" "${args[@]}" "$scratch" >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
        tail -n 60 "$log"
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    echo "$target: $status, ${execs:-?} execs, coverage ${cov:-?} edges, corpus $(ls "$scratch" | wc -l) inputs"
done

if ((${#failed[@]})); then
    echo "fuzz findings in: ${failed[*]} (inputs in $build/artifacts/)" >&2
    exit 1
fi
