#!/bin/sh
# check-tool-includes.sh [ROOT]: the include rules of tools/ (docs/decisions/0012), by text.
#   tools/common/    system headers, eddy.h and tools/common/ headers only
#   tools/FAMILY/    the same plus the headers of its own folder (never another family's)
#   tools/*.c        (main) system headers, eddy.h and tools/common/ headers
# No file of tools/ includes lmdb.h, an engine/ or format/ header: the tool is a client of
# include/eddy.h. The build enforces the folder rules too (each folder has its own include
# path); this names the offending line. Exit 0 when every include is allowed, else 1.
set -eu
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root/tools"
bad=0
for f in *.c *.h */*.c */*.h; do
    [ -f "$f" ] || continue
    case $f in
    */*) dir=${f%%/*} ;;
    *) dir=. ;;
    esac
    # "name" includes, and <lmdb.h>.
    grep -n '^[[:space:]]*#[[:space:]]*include' "$f" | while IFS= read -r line; do
        n=${line%%:*}
        inc=$(printf '%s\n' "$line" | sed -n 's/.*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p')
        case $inc in
        '<lmdb.h>') echo "tools/$f:$n: includes $inc: the tool uses include/eddy.h only" ;;
        '<'*) ;;
        '"eddy.h"') ;;
        '"'*/*'"') echo "tools/$f:$n: includes $inc: a path (use the folder's include path)" ;;
        '"'*'"')
            h=${inc#\"}
            h=${h%\"}
            if [ -f "common/$h" ]; then
                :
            elif [ "$dir" != . ] && [ "$dir" != common ] && [ -f "$dir/$h" ]; then
                :
            else
                owner=$(ls */"$h" 2>/dev/null | head -n 1)
                echo "tools/$f:$n: includes \"$h\"${owner:+ (tools/$owner)}: not tools/common/ nor its own folder"
            fi
            ;;
        esac
    done
done >"${TMPDIR:-/tmp}/eddy-tool-includes.$$"
if [ -s "${TMPDIR:-/tmp}/eddy-tool-includes.$$" ]; then
    cat "${TMPDIR:-/tmp}/eddy-tool-includes.$$" >&2
    bad=1
fi
rm -f "${TMPDIR:-/tmp}/eddy-tool-includes.$$"
[ $bad -eq 0 ] && echo "tools/: every include allowed"
exit $bad
