# test_interrupt.sh: SIGINT/SIGTERM during `import`, `compact` and `export`: exit 130/143 with a
# message, compact removes its unfinished copy (and the next compact removes one a SIGKILL left),
# export its incomplete output, and an interrupted import resumes with --skip-existing to the
# right counts.
. "$(dirname "$0")/lib.sh"
unset EDDY_TEST_NOW_MS # real time: the import's messages stay visible and unexpired

# wait_for CMD...: run the test command until it succeeds (at most ~20 s).
wait_for() {
    i=0
    while ! "$@"; do
        i=$((i + 1))
        [ $i -lt 4000 ] || return 1
        sleep 0.005
    done
}
stored() { # stored DB QUEUE: messages stored now
    "$EDDY" --db "$1" stat --queue "$2" --json 2>/dev/null | sed -n 's/.*"messages": \([0-9]*\).*/\1/p' | head -n 1
}
some_stored() { n=$(stored "$1" "$2"); [ -n "$n" ] && [ "$n" -gt 0 ]; }
# appears FILE PID: true as soon as FILE exists (a busy loop of builtins: compact is quick),
# false if PID ends first.
appears() {
    while [ ! -e "$1" ]; do
        kill -0 "$2" 2>/dev/null || return 1
    done
}

# ---- import: a queue export (with its header) and a stream export, interrupted and resumed.
run 0 --db ./src queue create q
seq 1 20000 >lines.txt
run 0 --db ./src queue send q --lines --file lines.txt -q
run 0 --db ./src export --queue q --output q.jsonl
"$EDDY" --db ./dst import --queue q --create --file q.jsonl --progress=none >imp.out 2>imp.err &
pid=$!
wait_for some_stored ./dst q || fail "the import never stored anything"
kill -INT $pid
wait $pid
code=$?
if [ "$code" -eq 0 ]; then
    echo "the import finished before SIGINT arrived: the interrupt is not exercised" >&2
    fail "import not interrupted"
fi
[ "$code" -eq 130 ] || fail "interrupted import exited $code, expected 130"
has imp.err 'interrupted by SIGINT'
has imp.err 'skip-existing'
n=$(stored ./dst q)
[ "$n" -gt 0 ] && [ "$n" -lt 20000 ] || fail "after the interrupt $n messages are stored"
# A plain rerun fails on the first message already there; --skip-existing resumes.
run 1 --db ./dst import --queue q --file q.jsonl --progress=none
run 0 --db ./dst import --queue q --file q.jsonl --skip-existing --progress=none
has out "^imported $((20000 - n)) messages into queue 'q' \(skipped $n already there\)$"
[ "$(stored ./dst q)" -eq 20000 ] || fail "after resuming $(stored ./dst q) messages are stored"
run 0 --db ./dst verify
# Skipping again skips all of them.
run 0 --db ./dst import --queue q --file q.jsonl --skip-existing --progress=none
has out "^imported 0 messages into queue 'q' \(skipped 20000 already there\)$"
run 2 --db ./dst import --queue q --new-ids --skip-existing --file q.jsonl

# A stream: records already stored (by shard and sequence number) are skipped.
run 0 --db ./src stream create s --shards 2
"$EDDY" --db ./src stream put s --lines --key a --file lines.txt -q || fail "put"
head -n 300 lines.txt | "$EDDY" --db ./src stream put s --lines --key b -q || fail "put b"
run 0 --db ./src export --stream s --output s.jsonl
head -n 5000 s.jsonl >part.jsonl
run 0 --db ./dst import --stream s --create --file part.jsonl --progress=none
run 1 --db ./dst import --stream s --file s.jsonl --progress=none
run 0 --db ./dst import --stream s --file s.jsonl --skip-existing --progress=none
has out "^imported 15301 records into stream 's' \(skipped 4999 already there\)$"
"$EDDY" --db ./src dump --stream s >src.txt
"$EDDY" --db ./dst dump --stream s >dst.txt
cmp -s src.txt dst.txt || fail "the resumed stream import differs from its source"

# ---- compact: SIGTERM mid-copy removes compact.tmp; the database is unchanged.
run 0 --db ./big queue create q --batch-max 1000
run 0 --db ./big queue send q still-here -q
head -c 24000000 /dev/urandom | base64 -w 4000 >bodies.txt
run 0 --db ./big queue send q --lines --file bodies.txt -q
"$EDDY" --db ./big compact >c.out 2>c.err &
pid=$!
appears ./big/compact.tmp/data.mdb $pid || fail "compact.tmp never appeared"
kill -TERM $pid
wait $pid
code=$?
[ "$code" -eq 143 ] || fail "interrupted compact exited $code, expected 143"
has c.err 'interrupted by SIGTERM'
[ ! -e ./big/compact.tmp ] || fail "compact.tmp is left after SIGTERM: $(ls -la big/compact.tmp)"
run 0 --db ./big verify
run 0 --db ./big queue receive q
has out '"msg_id":1,.*"body":"still-here"'

# export: SIGINT stops it and removes the incomplete --output file.
"$EDDY" --db ./big export --queue q --output big.jsonl --progress=none >e.out 2>e.err &
pid=$!
appears big.jsonl $pid || fail "the export's output never appeared"
kill -INT $pid
wait $pid
code=$?
[ "$code" -eq 130 ] || fail "interrupted export exited $code, expected 130"
has e.err "interrupted by SIGINT after [0-9]+ messages; removed the incomplete 'big.jsonl'"
[ ! -e big.jsonl ] || fail "the incomplete export big.jsonl is left"

# A compact killed outright leaves compact.tmp; the next compact removes it and succeeds.
"$EDDY" --db ./big compact >c.out 2>c.err &
pid=$!
appears ./big/compact.tmp/data.mdb $pid || fail "compact.tmp never appeared"
kill -KILL $pid
wait $pid
run 0 --db ./big compact
[ ! -e ./big/compact.tmp ] || fail "compact left compact.tmp behind"
run 0 --db ./big verify
finish
