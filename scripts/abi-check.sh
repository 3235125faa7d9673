#!/usr/bin/env bash
# abi-check.sh [--update]: compare the ABI of libeddy.so, built from this tree, with the stored
# baseline abi/libeddy.abi, and fail on any change that breaks compatibility with it. Allowed:
# new functions and variables (abi/eddy.suppr), and fields appended at the end of a struct that
# starts with `uint32_t size` and is not used by value (scripts/abi-sized.pl). Only the types of
# include/eddy.h count (abidw --headers-dir).
#   --update   rewrite abi/libeddy.abi from this tree. Only for a deliberate, versioned break:
#              bump EDDY_VERSION_MINOR (MAJOR from 1.0 on), which changes the SONAME, in the same
#              commit (docs/decisions/0009-build-and-packaging.md).
# The library is built with -g -O0 (Debug) in build-abi/ (EDDY_ABI_BUILD overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
update=0
if [ "${1:-}" = --update ]; then update=1; fi
dir=${EDDY_ABI_BUILD:-build-abi}
baseline=abi/libeddy.abi
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DEDDY_TESTS=OFF -DEDDY_BENCH=OFF >/dev/null
cmake --build "$dir" --target eddy_shared -j"${EDDY_JOBS:-$(nproc)}" >/dev/null
lib=$dir/libeddy.so
# Both sides are abidw's XML of the public types only, written the same way: abidiff on a .so
# with --headers-dir2 against a location-free baseline would filter every type change out. The
# build paths are made relative so that the baseline does not depend on where it was built.
current=$dir/libeddy.abi
abidw --headers-dir include --drop-private-types --no-show-locs --no-corpus-path "$lib" |
    sed -e "s|path='$PWD/|path='|" -e "s| comp-dir-path='[^']*'||" >"$current"
if [ $update -eq 1 ]; then
    cp "$current" "$baseline"
    echo "abi: wrote $baseline ($(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p'))"
    exit 0
fi
# The structs that may grow at the end: first member `uint32_t size` (comments allowed between).
# scripts/abi-sized.pl cuts their appended members from the current description before the
# comparison (libabigail's own suppression for this also hides reordered members).
sized=$(perl -0777 -ne 'while (/struct\s+(eddy_\w+)\s*\{(?:\s|\/\*.*?\*\/|\/\/[^\n]*\n)*uint32_t\s+size\s*;/gs) { print "$1\n" }' include/eddy.h | sort -u | paste -sd'|' -)
echo "abi: structs that may grow at the end: ${sized:-none}"
compared=$current
if [ -n "$sized" ]; then
    compared=$dir/libeddy-cut.abi
    perl scripts/abi-sized.pl "$baseline" "$sized" <"$current" >"$compared"
fi
set +e
abidiff --no-show-locs --suppressions abi/eddy.suppr "$baseline" "$compared"
rc=$?
set -e
# abidiff's status is a bit field: 1 error, 2 usage, 4 ABI change, 8 incompatible change.
if [ $rc -ne 0 ]; then
    echo "abi: libeddy.so is not compatible with $baseline (abidiff status $rc)."
    echo "abi: fix the change, or, for a deliberate break, bump the version and run $0 --update."
    exit 1
fi
echo "abi: libeddy.so is compatible with $baseline"
