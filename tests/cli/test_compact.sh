# test_compact.sh: `eddy compact` in place (sizes printed, database still verifies and keeps its
# data), to --output, refused while another process has the database open, and on bad input.
. "$(dirname "$0")/lib.sh"

run 0 --db ./db queue create q
head -c 300000 /dev/urandom | od -An -tx1 | tr -d ' \n' | fold -w 1000 >bodies.txt
"$EDDY" --db ./db queue send q --lines --file bodies.txt -q || fail "send"
run 0 --db ./db queue purge q
run 0 --db ./db compact
has out '^size before: [0-9]+ bytes'
has out '^size after:  [0-9]+ bytes'
before=$(sed -n 's/^size before: \([0-9]*\) bytes.*/\1/p' out)
after=$(sed -n 's/^size after:  \([0-9]*\) bytes.*/\1/p' out)
[ "$after" -lt "$before" ] || fail "compact did not shrink the file ($before -> $after)"
run 0 --db ./db verify
run 0 --db ./db queue send q still-here -q
run 0 --db ./db compact --json --progress=json
has err '"op":"copy","unit":"bytes","done":[0-9]+,"total":[1-9][0-9]*'
has err '"op":"copy".*"final":true'
has err '"op":"verify".*"final":true'
has out '^\{"size_before":[0-9]+,"size_after":[0-9]+,"output":"./db"\}$'

# To another directory: the original stays, the copy is a complete database.
run 0 --db ./db compact --output ./copy
has out '^copy written to ./copy$'
run 0 --db ./copy verify
run 0 --db ./copy queue receive q
has out '"body":"still-here"'
run 1 --db ./db compact --output ./copy
has err 'EDDY_EEXIST'

# Refused while another process has it open (a long-polling receive holds it open).
"$EDDY" --db ./db queue create idle >/dev/null
"$EDDY" --db ./db queue receive idle --wait 5s >/dev/null 2>&1 &
holder=$!
# Until the holder has opened the database, compact may still succeed: retry for a while.
busy=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.3
    if ! "$EDDY" --db ./db compact >out 2>err; then
        busy=1
        break
    fi
done
[ "$busy" -eq 1 ] || fail "compact never refused while the database was open elsewhere"
has err 'open in another process'
has err 'EDDY_EBUSY'
has err "held by pid $holder"
wait $holder

run 1 --db ./missing compact
has err "no database at './missing'"
run 2 --db ./db compact --output ''
run 2 --db ./db compact stray
finish
