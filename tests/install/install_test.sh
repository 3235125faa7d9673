#!/bin/sh
# install_test.sh BUILD_DIR EXAMPLE.c CC VERSION DEFAULT_LIB: install Eddy into a fresh prefix, then build
# the example against it and run it, each way a consumer may link it:
#   pkg-config, shared and static (the static link line comes from eddy.pc's Requires.private);
#   find_package(eddy) with eddy::eddy (DEFAULT_LIB: shared or static, after Eddy's
#   BUILD_SHARED_LIBS), eddy::eddy_shared and eddy::eddy_static
#   (tests/install/consumers/find_package).
set -eu
build=$1 example=$2 cc=$3 version=$4 default_lib=$5
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(mktemp -d /tmp/eddy-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name eddy.pc | head -n 1)
[ -n "$pc" ] || { echo "eddy.pc was not installed"; exit 1; }
[ -f "$prefix/share/bash-completion/completions/eddy" ] ||
    { echo "the bash completion was not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir eddy)

# expect_link EXE shared|static: fail unless EXE loads libeddy.so at run time exactly when shared.
expect_link() {
    if readelf -d "$1" | grep -q 'NEEDED.*libeddy\.so'; then got=shared; else got=static; fi
    [ "$got" = "$2" ] || { echo "$1: expected a $2 link of libeddy, got $got"; exit 1; }
}

# pkg-config, shared: a custom prefix needs the run-time path (LD_LIBRARY_PATH or -rpath).
$cc -std=c11 -Wall -Wextra -Werror -o "$prefix/embed" "$example" $(pkg-config --cflags --libs eddy)
LD_LIBRARY_PATH=$libdir "$prefix/embed" "$prefix/db-shared"
expect_link "$prefix/embed" shared
# pkg-config, static: libeddy.a plus everything `pkg-config --static` lists for eddy.
static_libs=$(pkg-config --libs --static eddy | sed "s|-leddy|$libdir/libeddy.a|")
$cc -std=c11 -Wall -Wextra -Werror -o "$prefix/embed-static" "$example" \
    $(pkg-config --cflags eddy) $static_libs
"$prefix/embed-static" "$prefix/db-static"
expect_link "$prefix/embed-static" static
echo "install test: pkg-config shared and static builds of the example ran"

# find_package(eddy): the default target and both explicit ones. CMake puts the imported
# library's directory into the build tree's RPATH, so no LD_LIBRARY_PATH here.
for target in eddy::eddy eddy::eddy_shared eddy::eddy_static; do
    name=$(echo "$target" | tr ':' '_')
    dir=$prefix/consumer-$name
    CC=$cc cmake -S "$here/consumers/find_package" -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" \
        -DEDDY_LINK="$target" -DEDDY_EXPECT_VERSION="$version" -DEMBED_SOURCE="$example" >/dev/null
    cmake --build "$dir" >/dev/null
    "$dir/embed" "$prefix/db-$name"
    case $target in
    *_shared) expect_link "$dir/embed" shared ;;
    *_static) expect_link "$dir/embed" static ;;
    *) expect_link "$dir/embed" "$default_lib" ;;
    esac
done
echo "install test: find_package(eddy) builds of the example ran (eddy::eddy, _shared, _static)"
