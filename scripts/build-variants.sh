#!/usr/bin/env bash
# build-variants.sh [BUILD_ROOT]: build the library, the CLI and the demo warning-free (-Werror)
# with gcc and clang in every build type a consumer may pick: Debug, Release, RelWithDebInfo,
# MinSizeRel and -Og (Debug's flags with -Og). Tests and benches are not built; the optimiser's
# warnings (maybe-uninitialized, inlining) come from the library code itself. One build
# directory per variant under BUILD_ROOT (default build-variants), so reruns are incremental.
# Exits non-zero on the first variant that fails; CI runs it from scripts/test.sh.
# EDDY_VARIANT_SKIP="gcc-RelWithDebInfo ..." skips variants built elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-build-variants}
jobs=${EDDY_JOBS:-$(nproc)}
compilers=${EDDY_VARIANT_COMPILERS:-"gcc clang"}
types=${EDDY_VARIANT_TYPES:-"Debug Release RelWithDebInfo MinSizeRel Og"}
for cc in $compilers; do
    for type in $types; do
        dir=$root/$cc-$type
        case " ${EDDY_VARIANT_SKIP:-} " in *" $cc-$type "*) continue ;; esac
        args=(-DCMAKE_BUILD_TYPE="$type" -DEDDY_WERROR=ON -DEDDY_TESTS=OFF -DEDDY_BENCH=OFF)
        if [ "$type" = Og ]; then
            args=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-Og -g" -DEDDY_WERROR=ON
                  -DEDDY_TESTS=OFF -DEDDY_BENCH=OFF)
        fi
        echo "== variant $cc $type"
        CC=$cc cmake -S . -B "$dir" "${args[@]}" >/dev/null
        cmake --build "$dir" -j"$jobs" --target eddy_static eddy_shared eddy_cli eddy_demo \
            >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; echo "variant $cc $type failed"; exit 1; }
        if grep -q "warning:" "$dir/build.log"; then
            grep "warning:" "$dir/build.log"; echo "variant $cc $type has warnings"; exit 1
        fi
    done
done
echo "== all variants built warning-free"
