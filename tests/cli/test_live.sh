# test_live.sh: the read commands beside live writers in other processes: stat, dump (queue
# messages and consumers too), verify, export (stream and queue) and stream get run while two
# writers send and put; every run must succeed, a queue dump must list messages in increasing id
# order, and the database must verify clean at the end with every acknowledged write present.
. "$(dirname "$0")/lib.sh"
unset EDDY_TEST_NOW_MS # real time: receives and retention must behave as in production

run 0 queue create q
run 0 stream create s --shards 2
(
    i=0
    while [ $i -lt 40 ]; do
        seq 1 25 | "$EDDY" queue send q --lines -q || exit 1
        i=$((i + 1))
    done
) &
w1=$!
(
    i=0
    while [ $i -lt 40 ]; do
        seq 1 25 | "$EDDY" stream put s --lines --key "k$i" -q || exit 1
        i=$((i + 1))
    done
) &
w2=$!

rounds=0
while kill -0 $w1 2>/dev/null || kill -0 $w2 2>/dev/null; do
    for cmd in stat dump verify "export --stream s" "stream get s --limit 100" "queue list" \
        "export --queue q" "dump --consumers" "dump --queue q"; do
        # shellcheck disable=SC2086
        "$EDDY" $cmd >out 2>err || fail "eddy $cmd failed beside live writers: $(cat err)"
    done
    # The last command was dump --queue: ids strictly increase (each message at most once).
    sed -n 's/^q msg=\([0-9]*\) .*/\1/p' out >ids.txt
    sort -n -u ids.txt | cmp -s - ids.txt || fail "dump --queue listed ids out of order"
    rounds=$((rounds + 1))
done
wait $w1 || fail "queue writer failed"
wait $w2 || fail "stream writer failed"
[ "$rounds" -gt 0 ] || fail "no read round ran while the writers were live"

run 0 verify
run 0 stat --queue q
has out '^queue q: messages 1000,'
run 0 stream describe s --json
has out '"records":1000'
run 0 export --queue q
# A header line, then the messages.
[ "$(wc -l <out)" -eq 1001 ] || fail "export --queue wrote $(wc -l <out) lines, expected 1001"
run 0 stat --queue q
has out '^queue q: messages 1000, visible 1000, in flight 0,'
finish
