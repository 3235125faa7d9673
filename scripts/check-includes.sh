#!/usr/bin/env bash
# check-includes.sh: every #include "..." of the library, the tools and the benchmarks against
# the allowed folder graph (docs/ARCHITECTURE.md, docs/decisions/0011-engine-walls.md), and
# every mdb_* call against the LMDB door's list. Run by ctest (walls/includes). Prints each
# violation and exits 1 when there is one.
#
# FOLDERS is ordered bottom-up: a folder may include from itself and from the folders listed
# after its colon, which must all come earlier in the list, so no circle between folders can be
# declared. A file belongs to the longest folder that holds it (tools/x/ counts as tools/).
set -euo pipefail
cd "$(dirname "$0")/.."

FOLDERS=(
    "include:"
    "format:include"
    "engine/core:format include"
    "engine/queue:engine/core format include"
    "engine/stream:engine/core format include"
    "engine/poller:engine/queue engine/stream engine/core format include"
    "engine/env:engine/poller engine/queue engine/stream engine/core format include"
    "tools:include"
    "bench:include"
)

# The LMDB door: the only files that call mdb_* functions (engine/core/txn.h says why each).
# Everything else reaches LMDB through engine/core/txn.h's eddy__* wrappers; it may name LMDB's
# types (MDB_val, MDB_cursor, MDB_txn, MDB_stat) and flags, never call it. bench/ measures raw
# LMDB as its ceiling and is outside the library.
MDB_CALLERS=(
    engine/core/lmdb_env.c
    engine/core/txn.c
    engine/core/commit.c
    engine/core/create.c
    engine/core/filelen.c
    engine/core/pagecheck.c
    engine/core/readers.c
    engine/core/errmap.c
)

declare -A allowed order
i=0
fail=0
for entry in "${FOLDERS[@]}"; do
    dir=${entry%%:*}
    deps=${entry#*:}
    for d in $deps; do
        if [ -z "${order[$d]:-}" ]; then
            echo "check-includes: $dir may use $d, which is not listed before it (a circle?)"
            fail=1
        fi
    done
    allowed[$dir]="$dir $deps"
    order[$dir]=$((i += 1))
done

# owner FILE: the folder of FOLDERS that holds FILE (longest match), or nothing.
owner() {
    local f=$1 best="" dir
    for entry in "${FOLDERS[@]}"; do
        dir=${entry%%:*}
        case $f in "$dir"/*) [ ${#dir} -gt ${#best} ] && best=$dir ;; esac
    done
    echo "$best"
}

mapfile -t files < <(git ls-files -co --exclude-standard -- include format engine tools bench |
    grep -E '\.(c|h)$' | sort -u)
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    me=$(owner "$f")
    [ -n "$me" ] || continue
    here=$(dirname "$f")
    while IFS= read -r inc; do
        # The file's own directory is searched first, as the compiler does.
        [ -f "$here/$inc" ] && continue
        found=""
        for dir in ${allowed[$me]}; do
            if [ -f "$dir/$inc" ]; then found=$dir; break; fi
        done
        [ -n "$found" ] && continue
        where=$(for entry in "${FOLDERS[@]}"; do
            d=${entry%%:*}
            [ -f "$d/$inc" ] && echo "$d"
        done | head -n1)
        if [ -n "$where" ]; then
            echo "$f: includes \"$inc\" from $where/, which $me/ may not use"
        else
            echo "$f: includes \"$inc\", found in no folder $me/ may use"
        fi
        fail=1
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
    # format/ is pure bytes: no LMDB, even through a system include.
    if [ "$me" = format ] && grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<lmdb\.h>' "$f"; then
        echo "$f: format/ includes <lmdb.h>"
        fail=1
    fi
    # The door: mdb_* calls only in MDB_CALLERS (engine/, format/ and include/ files).
    case $me in bench | tools) continue ;; esac
    door=0
    for d in "${MDB_CALLERS[@]}"; do [ "$f" = "$d" ] && door=1; done
    if [ $door -eq 0 ]; then
        calls=$(sed -e 's://.*$::' "$f" | grep -noE '\bmdb_[a-z0-9_]+\(' || true)
        if [ -n "$calls" ]; then
            echo "$f: calls LMDB outside the door (engine/core/txn.h): $(echo "$calls" | tr '\n' ' ')"
            fail=1
        fi
    fi
done
for d in "${MDB_CALLERS[@]}"; do
    [ -f "$d" ] || { echo "check-includes: door file $d does not exist"; fail=1; }
done
if [ $fail -eq 0 ]; then echo "check-includes: ${#files[@]} files, folder graph and LMDB door kept"; fi
exit $fail
