# test_readers.sh: who holds the database: `stat` lists the processes in LMDB's reader table
# (eddy_env_readers, as `mdb_stat -r` does). test_compact.sh checks that compact's EDDY_EBUSY
# names the processes that have the database open.
. "$(dirname "$0")/lib.sh"
: "${RAW_LMDB:?RAW_LMDB must name the raw-LMDB helper}"

run 0 --db ./db queue create q
run 0 --db ./db queue send q hello -q

# Another program holds a read transaction: stat names its process.
"$RAW_LMDB" ./db hold 5 >hold.out 2>&1 &
holder=$!
i=0
while ! grep -q holding hold.out; do
    i=$((i + 1))
    [ $i -lt 400 ] || break
    sleep 0.01
done
has hold.out "^holding $holder$"
run 0 --db ./db stat
has out "^reader +pid $holder thread [0-9a-f]+ txn [0-9]+$"
run 0 --db ./db stat --json
has out "\"pid\": $holder,"
kill $holder 2>/dev/null
wait $holder 2>/dev/null

finish
