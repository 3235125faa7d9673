#!/bin/sh
# install_test.sh BUILD_DIR EXAMPLE.c CC: install Eddy into a fresh prefix, compile the example
# against it with pkg-config only (shared and static), and run both.
set -eu
build=$1 example=$2 cc=$3
prefix=$(mktemp -d /tmp/eddy-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name eddy.pc | head -n 1)
[ -n "$pc" ] || { echo "eddy.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir eddy)
# shared
$cc -std=c11 -Wall -Wextra -Werror -o "$prefix/embed" "$example" $(pkg-config --cflags --libs eddy)
LD_LIBRARY_PATH=$libdir "$prefix/embed" "$prefix/db-shared"
# static
$cc -std=c11 -Wall -Wextra -Werror -o "$prefix/embed-static" "$example" \
    $(pkg-config --cflags eddy) "$libdir/libeddy.a" $(pkg-config --libs --static lmdb libzstd libxxhash) -lpthread
"$prefix/embed-static" "$prefix/db-static"
echo "install test: shared and static builds of the example ran"
