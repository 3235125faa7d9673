#!/usr/bin/env bash
# check-includes-probes.sh: check-includes.sh seen failing (ctest walls/includes_probes). The walls
# the compiler cannot keep are check-includes.sh's to refuse: a quoted include with `..`
# resolves from any folder's include path (engine folders are siblings), and LMDB is on every
# engine folder's path. Runs it on a scratch copy of the tree (not a git checkout: its find
# fallback), first clean (the control), then with forbidden probes it must each report, and
# allowed look-alikes (MDB_ types, mdb_rc, comments, strings, a subfolder) it must not.
set -euo pipefail
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0

root=$(cd "$(dirname "$0")/.." && pwd)
tree=$scratch/tree
mkdir "$tree"
cp -R "$root/include" "$root/format" "$root/engine" "$root/tools" "$root/bench" "$tree/"
if ! "$root/scripts/check-includes.sh" "$tree" >"$scratch/out" 2>&1; then
    echo "walls: check-includes.sh on a clean copy of the tree failed, expected ok"
    sed 's/^/    /' "$scratch/out" | head -n 5
    fail=1
fi
printf '#include "../queue/queue_int.h"\n' >"$tree/engine/core/probe_climb.c"
printf '#include "../core/txn.h"\n' >"$tree/engine/queue/probe_climb_allowed.c"
printf '#include "queue/cmd_queue.h"\n' >"$tree/tools/probe_sub.c"
printf '#include "sub/ok.h"\n' >"$tree/engine/core/probe_sub_ok.c"
mkdir "$tree/engine/core/sub" && : >"$tree/engine/core/sub/ok.h"
printf '#include "../../engine/core/txn.h"\n' >"$tree/tools/admin/probe_climb.c"
cat >"$tree/engine/queue/probe_door.c" <<'EOF_C'
/* mdb_get( in a comment and "mdb_put(" in a string are not calls; MDB_val v, mdb_rc neither */
static int a(MDB_txn *t, MDB_dbi d, MDB_val *k, MDB_val *v) { return mdb_get (t, d, k, v); }
static int (*b)(MDB_txn *, MDB_dbi, MDB_val *, MDB_val *) = &mdb_get;
static void *c = (void *)mdb_txn_abort;
static int ok(int mdb_rc) { return mdb_rc; }
static const char *s = "mdb_put(", *s2 = "\" mdb_del(";
EOF_C
printf 'static int f(MDB_env *e, MDB_txn **t) { return mdb_txn_begin(e, 0, 0x20000, t); }\n' \
    >"$tree/engine/core/probe_begin.c"
# A door file that is not one of the transaction beginners.
printf 'static int g(MDB_env *e, MDB_txn **t) { return mdb_txn_begin(e, 0, 0x20000, t); }\n' \
    >>"$tree/engine/core/filelen.c"
"$root/scripts/check-includes.sh" "$tree" >"$scratch/out" 2>&1 && got=ok || got=fail
# want PATTERN: check-includes.sh's report names it (grep -F).
want() {
    if ! grep -qF -- "$1" "$scratch/out"; then
        echo "walls: check-includes.sh did not report: $1"
        fail=1
    fi
}
want 'engine/core/probe_climb.c: includes "../queue/queue_int.h": a quoted include may not climb'
want 'engine/queue/probe_climb_allowed.c: includes "../core/txn.h": a quoted include may not climb'
want 'tools/admin/probe_climb.c: includes "../../engine/core/txn.h": a quoted include may not'
want 'engine/queue/probe_door.c:2: mdb_get (outside the door)'
want 'engine/queue/probe_door.c:3: mdb_get (outside the door)'
want 'engine/queue/probe_door.c:4: mdb_txn_abort (outside the door)'
want 'engine/core/probe_begin.c:1: mdb_txn_begin (outside the door)'
want 'tools/probe_sub.c: includes "queue/cmd_queue.h", which resolves to tools/queue/cmd_queue.h'
grep -qE '^    engine/core/filelen.c:[0-9]+: mdb_txn_begin \(begin through' "$scratch/out" ||
    { echo "walls: check-includes.sh did not report filelen.c's own mdb_txn_begin"; fail=1; }
if grep -E 'probe_door.c:(1|5|6):|probe_sub_ok.c|: MDB_' "$scratch/out"; then
    echo "walls: check-includes.sh reported (above) what is no call and no climb"
    fail=1
fi
if [ "$got" = fail ] && [ $fail -eq 0 ]; then
    echo "walls: check-includes.sh refuses .. includes and every naming of an LMDB function, as it must"
else
    echo "walls: check-includes.sh on the forbidden probes: $got, expected fail with each report"
    sed 's/^/    /' "$scratch/out"
    fail=1
fi
exit $fail
