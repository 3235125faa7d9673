# test_recover.sh: `eddy recover` on a sound database (nothing to do), on one whose newest meta
# page is garbage (a dry run reports and writes nothing, then the rollback keeps the original
# and the database verifies with every message of the kept snapshot), on one whose snapshots
# are both damaged (refused, unchanged), and on bad input. The meta page offsets are LMDB
# 0.9.24's (4096-byte pages, mm_txnid at byte 144 of a meta page).
. "$(dirname "$0")/lib.sh"

run 0 --db ./db queue create q
for i in 1 2 3 4 5 6; do
    run 0 --db ./db queue send q "m$i" -q
done
run 0 --db ./db recover
has out '^newest snapshot \(txn [0-9]+\) is sound: nothing to recover$'
run 0 --db ./db recover --dry-run --json
has out '^\{"action":"none",'

txn() { od -An -t u8 -j $(($1 * 4096 + 144)) -N 8 db/data.mdb | tr -d ' '; }
t0=$(txn 0)
t1=$(txn 1)
if [ "$t0" -gt "$t1" ]; then newest=0; kept=$t1; else newest=1; kept=$t0; fi
head -c 4096 /dev/urandom | dd of=db/data.mdb bs=4096 seek=$newest conv=notrunc 2>/dev/null
cp db/data.mdb torn.mdb

run 1 --db ./db verify
run 1 --db ./db recover --dry-run
has out "^would roll back to txn $kept, losing txn $((kept + 1)) \\(dry run: nothing written\\)$"
cmp -s db/data.mdb torn.mdb || fail "a dry run changed data.mdb"
run 0 --db ./db recover --progress=json
has out '^newest snapshot \((txn [0-9]+|meta page unreadable)\) is damaged: .*meta page'
has out "^rolled back to txn $kept, losing txn $((kept + 1))$"
has out "^damaged original kept as ./db/data.mdb.damaged-$((kept + 1))$"
has err '"op":"check"'
cmp -s "db/data.mdb.damaged-$((kept + 1))" torn.mdb || fail "the kept original differs"
[ ! -e db/recover.tmp ] || fail "recover.tmp left behind"
run 0 --db ./db verify
run 0 --db ./db queue receive q --max 10
for i in 1 2 3 4 5; do
    has out "\"body\":\"m$i\""
done
run 0 --db ./db recover --json
has out '^\{"action":"none",'

# Both snapshots damaged: nothing to roll back to.
for p in 0 1; do
    head -c 100 /dev/urandom | dd of=db/data.mdb bs=1 seek=$((p * 4096 + 40)) conv=notrunc 2>/dev/null
done
cp db/data.mdb both.mdb
run 1 --db ./db recover
has err 'EDDY_ECORRUPT'
has err 'both snapshots are damaged'
has err 'export --salvage'
cmp -s db/data.mdb both.mdb || fail "a refused recover changed data.mdb"

run 1 --db ./missing recover
has err "no database at './missing'"
run 2 --db ./db recover stray
finish
