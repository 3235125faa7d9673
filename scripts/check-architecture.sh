#!/usr/bin/env bash
# check-architecture.sh: docs/ARCHITECTURE.md is the map of the tree. For every folder of
# FOLDERS it has a section headed "### `FOLDER/`" whose table names every .c, .h, .py and .sh
# file of the folder (in backquotes, e.g. `txn.c`), and whose first column names no such file
# the folder does not have. Run by ctest (walls/architecture_map). Add a folder here when it
# gets its own table. One awk pass over the document and the file list (no process per file).
set -euo pipefail
cd "$(dirname "$0")/.."

FOLDERS="include format engine/core engine/queue engine/stream engine/poller engine/env
         tools tools/common tools/admin tools/queue tools/stream tools/transfer tools/serve
         tests/support tests/unit tests/api tests/model tests/golden tests/crash tests/reliability
         tests/fuzz tests/cli tests/tools tests/serve tests/install bench
         bindings/python bindings/python/eddy bindings/python/tests docs/examples scripts"

doc=docs/ARCHITECTURE.md
shopt -s nullglob
files=()
for dir in $FOLDERS; do
    for f in "$dir"/*.c "$dir"/*.h "$dir"/*.py "$dir"/*.sh; do files+=("$f"); done
done

printf '%s\n' "${files[@]}" | awk -v folders="$FOLDERS" -v doc="$doc" '
    BEGIN { n = split(folders, d, /[ \t\n]+/); for (i = 1; i <= n; i++) if (d[i] != "") want[d[i]] = 1 }
    FILENAME == "-" {
        if ($0 == "") next
        dir = $0; sub(/\/[^\/]*$/, "", dir)
        name = substr($0, length(dir) + 2)
        has[dir, name] = 1; nfiles[dir] = nfiles[dir] " " name
        next
    }
    /^#/ {
        sec = ""
        if (match($0, /^### `[^`]*\/`/)) {
            s = substr($0, 6, RLENGTH - 7)
            if (s in want) { sec = s; seen[s] = 1 }
        }
        next
    }
    sec == "" { next }
    {
        text[sec] = text[sec] "\n" $0
        if (substr($0, 1, 1) != "|") next
        cell = substr($0, 2); cell = substr(cell, 1, index(cell, "|") - 1)
        while (match(cell, /`[^`]*`/)) {
            name = substr(cell, RSTART + 1, RLENGTH - 2)
            cell = substr(cell, RSTART + RLENGTH)
            if (name ~ /^[^\/ ]+\.(c|h|py|sh)$/ && !((sec, name) in has)) {
                print doc ": section " sec "/ names " name ", which is not in " sec "/"
                bad = 1
            }
        }
    }
    END {
        for (dir in want) {
            if (!(dir in seen)) {
                print doc ": no section \"### `" dir "/`\""
                bad = 1
                continue
            }
            m = split(nfiles[dir], names, " ")
            for (i = 1; i <= m; i++)
                if (index(text[dir], "`" names[i] "`") == 0) {
                    print doc ": section " dir "/ does not name " names[i]
                    bad = 1
                }
        }
        exit bad
    }' - "$doc" && fail=0 || fail=1
read -r -d '' -a list <<<"$FOLDERS" || true
if [ $fail -eq 0 ]; then echo "check-architecture: $doc names every file of: ${list[*]}"; fi
exit $fail
