# test_tail_churn.sh: a long `stream tail` and `queue peek --follow` beside a churning writer
# (a backlog of 200 messages received, deleted, purged and refilled every round, C1 of shared/bench/WORKLOADS.md, small scale):
# the followers hold no read transaction while they wait, so freed pages are reused and the
# file at the end stays within 1.5x its size at 10% of the churn (a held snapshot would make
# it grow with every round).
. "$(dirname "$0")/lib.sh"

run 0 queue create q
run 0 stream create s
seq 1 200 | "$EDDY" queue send q --lines -q || fail "backlog"
"$EDDY" stream tail s --interval 5ms >tail.out 2>tail.err &
t=$!
"$EDDY" queue peek q --follow --interval 5ms >peek.out 2>peek.err &
p=$!
size() { stat -c %s eddy-data/data.mdb; }
rounds=20
i=0
while [ $i -lt $rounds ]; do
    "$EDDY" queue receive q --max 10 | "$EDDY" queue delete-message q >/dev/null || fail "del $i"
    "$EDDY" queue purge q >/dev/null || fail "purge $i"
    seq 1 200 | "$EDDY" queue send q --lines -q || fail "refill $i"
    echo "$i" | "$EDDY" stream put s --lines --key k -q || fail "put $i"
    i=$((i + 1))
    [ $i -eq $((rounds / 10)) ] && at10=$(size)
done
end=$(size)
kill -INT $t $p
wait $t || fail "tail exited $?"
wait $p || fail "peek exited $?"
[ "$(wc -l <tail.out)" -eq $rounds ] || fail "tail printed $(wc -l <tail.out) of $rounds records"
echo "file at 10%: $at10 bytes, at the end: $end bytes"
[ "$end" -le $((at10 * 3 / 2)) ] || fail "the file grew from $at10 to $end bytes beside the followers"
finish
