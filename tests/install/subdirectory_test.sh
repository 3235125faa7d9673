#!/bin/sh
# subdirectory_test.sh SOURCE_DIR EXAMPLE.c CC: build the example in a consumer project that
# pulls Eddy in with add_subdirectory (tests/install/consumers/subdirectory), once with
# BUILD_SHARED_LIBS=ON (eddy::eddy is libeddy.so) and once OFF (libeddy.a), and run both.
set -eu
src=$1 example=$2 cc=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/eddy-subdir-XXXXXX)
trap 'rm -rf "$work"' EXIT
for shared in ON OFF; do
    CC=$cc cmake -S "$here/consumers/subdirectory" -B "$work/build" -DEDDY_SOURCE_DIR="$src" \
        -DEMBED_SOURCE="$example" -DBUILD_SHARED_LIBS=$shared -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build "$work/build" --target embed -j"$(nproc)" >/dev/null
    "$work/build/embed" "$work/db-$shared"
    if readelf -d "$work/build/embed" | grep -q 'NEEDED.*libeddy\.so'; then linked=ON; else linked=OFF; fi
    [ "$linked" = "$shared" ] || { echo "BUILD_SHARED_LIBS=$shared but libeddy.so needed: $linked"; exit 1; }
done
echo "subdirectory test: add_subdirectory builds of the example ran (shared and static)"
