# test_tail_reshard.sh: `eddy stream tail` beside a stream resharded over and over (128 <-> 256
# shards, the closed ones trimmed away each cycle) follows more shards over its life than
# EDDY_STREAM_SHARDS_MAX (4096) and still prints a record put at the end: shards that expired
# leave its table instead of filling it.
. "$(dirname "$0")/lib.sh"

run 0 stream create s --shards 128 --retention 1h
"$EDDY" stream tail s --json --interval 10ms >tail.out 2>tail.err &
tailpid=$!
sleep 0.2
cycles=12
for k in $(seq 1 $cycles); do
    now=$((T0 + k * 7200000))
    EDDY_TEST_NOW_MS=$now "$EDDY" stream scale s 256 >/dev/null || fail "scale up $k"
    sleep 0.02
    EDDY_TEST_NOW_MS=$now "$EDDY" stream scale s 128 >/dev/null || fail "scale down $k"
    EDDY_TEST_NOW_MS=$((now + 7000000)) "$EDDY" trim --stream s >/dev/null || fail "trim $k"
done
last=$("$EDDY" stream shards s | tail -n 1 | sed 's/^shard \([0-9]*\) .*/\1/')
[ "$last" -gt 4096 ] || fail "only $last shards made"
echo end | EDDY_TEST_NOW_MS=$((T0 + (cycles + 1) * 7200000)) \
    "$EDDY" stream put s --lines --key k >put.txt || fail "put"
i=0
while ! grep -q '"shard_id"' tail.out && kill -0 $tailpid 2>/dev/null && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -INT $tailpid 2>/dev/null
wait $tailpid || fail "tail exited $? ($(cat tail.err))"
[ "$(wc -l <tail.out)" -eq 1 ] || fail "tail printed $(wc -l <tail.out) records, not the 1 put"
finish
