#!/usr/bin/env bash
# check-includes.sh: every #include "..." of the library, the tools and the benchmarks against
# the allowed folder graph (docs/ARCHITECTURE.md, docs/decisions/0011-engine-walls.md), and
# every mdb_* call against the LMDB door's list. Run by ctest (walls/includes). Prints each
# violation and exits 1 when there is one. Usage: check-includes.sh [ROOT] (default: this
# checkout; scripts/check-walls-compile.sh runs it on a scratch copy that must fail).
#
# A quoted include names a header alone ("txn.h"): the include path finds it. One with a `..`
# component or an absolute path is refused: the compiler resolves it from the including file's
# folder, past the build's walls (engine folders are siblings). One with a plain subfolder
# ("sub/x.h") must resolve, through realpath, into a folder the file may use.
#
# FOLDERS is ordered bottom-up: a folder may include from itself and from the folders listed
# after its colon, which must all come earlier in the list, so no circle between folders can be
# declared. A file belongs to the longest folder that holds it. tools/: a command family (admin,
# queue, stream, transfer) uses tools/common/ and itself, never another family (decision 0012).
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
root=$(pwd -P)

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
    "tools/serve:tools/common include"
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
# Of those, the only ones that begin a transaction with mdb_txn_begin: txn.c's begin holds
# map_lock shared and adopts MDB_MAP_RESIZED (every transaction must, env_int.h); commit.c's
# nested write txns and its fatal probe hold map_lock; lmdb_env.c's bootstrap runs at open
# before any other thread; create.c's is in its own MDB_env.
MDB_BEGINNERS="engine/core/txn.c engine/core/commit.c engine/core/lmdb_env.c engine/core/create.c"

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

# The files: git's list in a checkout (untracked build trees left out), else every file.
list_files() {
    if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$root" ]; then
        git ls-files -co --exclude-standard -- include format engine tools bench
    else
        find include format engine tools bench -type f 2>/dev/null
    fi
}
mapfile -t files < <(list_files | grep -E '\.(c|h)$' | sort -u |
    while read -r f; do [ -f "$f" ] && echo "$f"; done)

# LMDB's function names (from lmdb.h), so that a bare reference (&mdb_get, a function pointer)
# counts as a call while a variable such as mdb_rc does not. Without lmdb.h: any mdb_*( call.
lmdb_h="$(pkg-config --variable=includedir lmdb 2>/dev/null || echo /usr/include)/lmdb.h"
[ -f "$lmdb_h" ] || lmdb_h=/usr/include/lmdb.h
mdb_names=""
if [ -f "$lmdb_h" ]; then
    mdb_names=$(grep -oE '\bmdb_[a-z0-9_]+[[:space:]]*\(' "$lmdb_h" | tr -d ' \t(' | sort -u | tr '\n' ' ')
fi

# Every quoted include, as "file<TAB>header", in one pass.
while IFS=$'\t' read -r f inc; do
    owner "$f"
    [ -n "$me" ] || continue
    case $inc in
    /* | .. | ../* | */../* | */..)
        echo "$f: includes \"$inc\": a quoted include may not climb out of the include path" \
            "(.. or an absolute path); name the header alone"
        fail=1
        continue
        ;;
    */*)
        # A subfolder: where the compiler finds it (own folder first), then its real place.
        owner_of=$me hit=""
        for dir in "${f%/*}" ${allowed[$owner_of]}; do
            if [ -z "$hit" ] && [ -f "$dir/$inc" ]; then hit=$dir/$inc; fi
        done
        real=""
        [ -n "$hit" ] && real=$(realpath -e "$hit" 2>/dev/null) && real=${real#"$root"/}
        owner "$real"
        if [ -z "$hit" ] || [ -z "$me" ] || [[ " ${allowed[$owner_of]} " != *" $me "* ]]; then
            echo "$f: includes \"$inc\", which resolves to ${real:-nothing}, outside the folders" \
                "$owner_of/ may use"
            fail=1
        fi
        continue
        ;;
    esac
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

# The door: LMDB's functions are called or named only in MDB_CALLERS, in every file of the
# library; comments and string literals do not count. One awk pass over every file.
if calls=$(awk -v door="${MDB_CALLERS[*]}" -v beginners="$MDB_BEGINNERS" -v names="$mdb_names" '
    BEGIN {
        n = split(door, d, " "); for (i = 1; i <= n; i++) isdoor[d[i]] = 1
        n = split(beginners, d, " "); for (i = 1; i <= n; i++) isbegin[d[i]] = 1
        nn = split(names, d, " "); for (i = 1; i <= nn; i++) fn[d[i]] = 1
    }
    FNR == 1 { incomment = 0; skip = FILENAME ~ /^(bench|tools)\// }
    skip { next }
    {
        line = $0
        # Only lines that name mdb_ or open or close a comment need the slow walk below.
        if (index(line, "mdb_") == 0 && index(line, "/*") == 0 && index(line, "*/") == 0)
            next
        out = ""; L = length(line); i = 1
        while (i <= L) {
            if (incomment) {
                j = index(substr(line, i), "*/")
                if (j == 0) break
                i += j + 1; incomment = 0; continue
            }
            two = substr(line, i, 2); ch = substr(line, i, 1)
            if (two == "/*") { incomment = 1; i += 2; out = out " "; continue }
            if (two == "//") break
            if (ch == "\"" || ch == "\047") {
                for (i++; i <= L && substr(line, i, 1) != ch; i++)
                    if (substr(line, i, 1) == "\\") i++
                i++; out = out " "; continue
            }
            out = out ch; i++
        }
        while (match(out, /mdb_[a-z0-9_]+/)) {
            name = substr(out, RSTART, RLENGTH)
            before = RSTART > 1 ? substr(out, RSTART - 1, 1) : " "
            out = substr(out, RSTART + RLENGTH)
            if (before ~ /[A-Za-z0-9_]/)
                continue
            if (nn > 0 ? !(name in fn) : out !~ /^[ \t]*\(/ && before != "&")
                continue
            if (!(FILENAME in isdoor))
                print FILENAME ":" FNR ": " name " (outside the door)"
            else if (name == "mdb_txn_begin" && !(FILENAME in isbegin))
                print FILENAME ":" FNR ": " name " (begin through eddy__rtxn_begin or " \
                      "eddy__txn_begin_shared: they hold map_lock and adopt MDB_MAP_RESIZED)"
        }
    }' "${files[@]}") && [ -n "$calls" ]; then
    echo "calls to LMDB outside the door (engine/core/txn.h):"
    echo "$calls" | sed 's/^/    /'
    fail=1
fi
for d in "${MDB_CALLERS[@]}"; do
    [ -f "$d" ] || { echo "check-includes: door file $d does not exist"; fail=1; }
done
if [ $fail -eq 0 ]; then echo "check-includes: ${#files[@]} files, folder graph and LMDB door kept"; fi
exit $fail
