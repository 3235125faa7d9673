#!/usr/bin/env bash
# check-includes.sh: every #include "..." of the library, the tools and the benchmarks against
# the allowed folder graph (docs/ARCHITECTURE.md, docs/decisions/0011-engine-walls.md), and
# every mdb_* call against the LMDB door's list. Run by ctest (walls/includes). Prints each
# violation and exits 1 when there is one.
#
# FOLDERS is ordered bottom-up: a folder may include from itself and from the folders listed
# after its colon, which must all come earlier in the list, so no circle between folders can be
# declared. A file belongs to the longest folder that holds it. tools/: a command family (admin,
# queue, stream, transfer) uses tools/common/ and itself, never another family (decision 0012).
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
    "tools/common:include"
    "tools/admin:tools/common include"
    "tools/queue:tools/common include"
    "tools/stream:tools/common include"
    "tools/transfer:tools/common include"
    "tools:tools/common include"
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

# owner FILE: sets `me` to the folder of FOLDERS that holds FILE (longest match), or "".
owner() {
    local f=$1 dir
    me=""
    for entry in "${FOLDERS[@]}"; do
        dir=${entry%%:*}
        case $f in "$dir"/*) [ ${#dir} -gt ${#me} ] && me=$dir ;; esac
    done
}

mapfile -t files < <(git ls-files -co --exclude-standard -- include format engine tools bench |
    grep -E '\.(c|h)$' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)

# Every quoted include, as "file<TAB>header", in one pass.
while IFS=$'\t' read -r f inc; do
    owner "$f"
    [ -n "$me" ] || continue
    # The file's own directory is searched first, as the compiler does.
    [ -f "${f%/*}/$inc" ] && continue
    found=""
    for dir in ${allowed[$me]}; do
        if [ -f "$dir/$inc" ]; then found=$dir; break; fi
    done
    [ -n "$found" ] && continue
    where=""
    for entry in "${FOLDERS[@]}"; do
        d=${entry%%:*}
        if [ -z "$where" ] && [ -f "$d/$inc" ]; then where=$d; fi
    done
    if [ -n "$where" ]; then
        echo "$f: includes \"$inc\" from $where/, which $me/ may not use"
    else
        echo "$f: includes \"$inc\", found in no folder $me/ may use"
    fi
    fail=1
done < <(awk '{ if (match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/)) {
                   s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s);
                   print FILENAME "\t" s } }' "${files[@]}")

# format/ is pure bytes: no LMDB, even through a system include; tools/ is a client of eddy.h.
if grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<lmdb\.h>' format/*.c format/*.h \
    tools/*.c tools/*/*.c tools/*/*.h; then
    echo "  (above) format/ or tools/ includes <lmdb.h>"
    fail=1
fi

# The door: mdb_* calls only in MDB_CALLERS, in every file of the library.
lib=()
for f in "${files[@]}"; do
    case $f in bench/* | tools/*) continue ;; esac
    door=0
    for d in "${MDB_CALLERS[@]}"; do [ "$f" = "$d" ] && door=1; done
    [ $door -eq 0 ] && lib+=("$f")
done
if calls=$(grep -HnoE '\bmdb_[a-z0-9_]+\(' "${lib[@]}"); then
    echo "calls to LMDB outside the door (engine/core/txn.h):"
    echo "$calls" | sed 's/^/    /'
    fail=1
fi
for d in "${MDB_CALLERS[@]}"; do
    [ -f "$d" ] || { echo "check-includes: door file $d does not exist"; fail=1; }
done
if [ $fail -eq 0 ]; then echo "check-includes: ${#files[@]} files, folder graph and LMDB door kept"; fi
exit $fail
