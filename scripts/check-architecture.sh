#!/usr/bin/env bash
# check-architecture.sh: docs/ARCHITECTURE.md is the map of the tree. For every folder of
# FOLDERS it has a section headed "### `FOLDER/`" whose table names every .c and .h file of the
# folder (in backquotes, e.g. `txn.c`), and names no file the folder does not have. Run by ctest
# (walls/architecture_map). Add a folder here when it gets its own table.
set -euo pipefail
cd "$(dirname "$0")/.."

FOLDERS="include format engine/core engine/queue engine/stream engine/poller engine/env
         tools tools/common tools/admin tools/queue tools/stream tools/transfer
         tests/support tests/unit tests/api tests/model tests/golden tests/crash tests/reliability
         tests/fuzz tests/cli tests/tools bench"

doc=docs/ARCHITECTURE.md
fail=0
for dir in $FOLDERS; do
    # The section: from its heading to the next heading of any level.
    section=$(awk -v h="### \`$dir/\`" 'index($0, h) == 1 {on = 1; next} on && /^#/ {exit} on' "$doc")
    if [ -z "$section" ]; then
        echo "$doc: no section \"### \`$dir/\`\""
        fail=1
        continue
    fi
    for f in "$dir"/*.c "$dir"/*.h; do
        [ -e "$f" ] || continue
        name=${f##*/}
        if ! grep -qF "\`$name\`" <<<"$section"; then
            echo "$doc: section $dir/ does not name $name"
            fail=1
        fi
    done
    # Files the table names in its first column must exist.
    while IFS= read -r name; do
        [ -e "$dir/$name" ] || { echo "$doc: section $dir/ names $name, which is not in $dir/"; fail=1; }
    done < <(sed -n 's/^| *`\([^`]*\.[ch]\)`.*/\1/p' <<<"$section")
done
if [ $fail -eq 0 ]; then echo "check-architecture: $doc names every file of: $FOLDERS"; fi
exit $fail
