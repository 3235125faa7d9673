#!/usr/bin/env bash
# check-walls-compile.sh CC: the build's own walls, seen failing. Each engine folder is compiled
# as its own CMake target whose include path holds only the folders it may use (CMakeLists.txt).
# For each forbidden pair below, a scratch file including the other folder's header is compiled
# with that target's include path and must FAIL to compile; the allowed pairs must compile (the
# control, so that a broken compiler line cannot pass the test). The include paths come from
# ctest (tests/CMakeLists.txt), one "-I" list per target in EDDY_INC_<part>, colon-separated.
set -euo pipefail
cc=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0

# try PART HEADER EXPECT: compile '#include "HEADER"' with PART's include path; EXPECT ok|fail.
try() {
    local part=$1 header=$2 expect=$3 var="EDDY_INC_$1" flags=() got
    IFS=: read -ra dirs <<<"${!var}"
    for d in "${dirs[@]}"; do [ -n "$d" ] && flags+=("-I$d"); done
    printf '#include "%s"\nint eddy_walls_probe(void);\nint eddy_walls_probe(void) { return 0; }\n' \
        "$header" >"$scratch/probe.c"
    if "$cc" -std=c11 -D_GNU_SOURCE -DEDDY_BUILDING -fsyntax-only "${flags[@]}" "$scratch/probe.c" \
        2>"$scratch/err"; then
        got=ok
    elif grep -Eq "$header: No such file|'$header' file not found" "$scratch/err"; then
        got=fail # refused for the right reason: the header is not on the path (gcc; clang)
    else
        got="fail for another reason"
    fi
    if [ "$got" = "$expect" ]; then
        echo "walls: $part including \"$header\": $got, as it must"
    else
        echo "walls: $part including \"$header\": $got, expected $expect"
        sed 's/^/    /' "$scratch/err" | head -n 5
        fail=1
    fi
}

# The walls (forbidden: the header is not on the target's include path).
try core queue_int.h fail
try core stream_int.h fail
try core poller_int.h fail
try queue stream_int.h fail
try queue poller_int.h fail
try stream queue_int.h fail
try stream poller_int.h fail
try format txn.h fail
# The doors (allowed).
try core txn.h ok
try queue queue_int.h ok
try stream stream_int.h ok
try poller queue_int.h ok
try poller stream_int.h ok
try env poller_int.h ok
# What the compiler cannot refuse (`..` includes, LMDB calls): scripts/check-includes-probes.sh.
exit $fail
