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
# One awk over every file: the headers that exist (folder/name) come first, as a list.
ls -1 */*.h | awk -v headers=1 '
    FNR == 1 && FILENAME != "-" { headers = 0 }
    headers { have[$0] = 1; n = split($0, p, "/"); owner[p[2]] = $0; next }
    /^[ \t]*#[ \t]*include/ {
        f = FILENAME
        dir = index(f, "/") ? substr(f, 1, index(f, "/") - 1) : "."
        inc = $0
        sub(/^[ \t]*#[ \t]*include[ \t]*/, "", inc)
        sub(/[ \t].*$/, "", inc)
        why = ""
        if (inc == "<lmdb.h>")
            why = "the tool uses include/eddy.h only"
        else if (inc ~ /^"/ && inc != "\"eddy.h\"") {
            h = substr(inc, 2, length(inc) - 2)
            if (h ~ /\//)
                why = "a path (use the folder'"'"'s include path)"
            else if (!(("common/" h) in have) &&
                     (dir == "." || dir == "common" || !((dir "/" h) in have)))
                why = "not tools/common/ nor its own folder" \
                      (h in owner ? " (tools/" owner[h] ")" : "")
        }
        if (why != "") {
            printf "tools/%s:%d: includes %s: %s\n", f, FNR, inc, why
            bad = 1
        }
    }
    END {
        if (bad)
            exit 1
        print "tools/: every include allowed"
    }' - *.c */*.c */*.h
