# test_peek.sh: `eddy queue peek` changes nothing (dump identical before and after: no
# visibility change, no receive count), shows every state, and with --follow prints the
# messages sent while it runs, each once, in id order, ending with exit 0 on SIGINT.
. "$(dirname "$0")/lib.sh"

run 0 queue create q
seq 1 5 | "$EDDY" queue send q --lines -q || fail "send"
run 0 queue receive q --max 1 --visibility-timeout 5m
"$EDDY" dump >before.txt || fail "dump before"
run 0 queue peek q
[ "$(wc -l <out)" -eq 5 ] || fail "peek printed $(wc -l <out) messages, expected 5"
has out '"msg_id":1,"state":"in_flight","receive_count":1'
has out '"msg_id":2,"state":"visible","receive_count":0'
run 0 queue peek q --limit 2
[ "$(wc -l <out)" -eq 2 ] || fail "--limit 2 printed $(wc -l <out)"
"$EDDY" dump >after.txt || fail "dump after"
cmp -s before.txt after.txt || fail "peek changed the database (dump differs)"
# The peeked messages are still receivable: 4 visible.
run 0 queue receive q --max 10
[ "$(wc -l <out)" -eq 4 ] || fail "after peek, receive got $(wc -l <out), expected 4"

# --follow: messages sent while it runs.
"$EDDY" queue peek q --follow --interval 10ms >follow.out 2>follow.err &
pid=$!
sleep 0.2
seq 6 8 | "$EDDY" queue send q --lines -q || fail "send more"
i=0
while [ "$(wc -l <follow.out)" -lt 8 ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -INT $pid
wait $pid || fail "peek --follow exited $? on SIGINT"
ids=$(sed 's/.*"msg_id":\([0-9]*\),.*/\1/' follow.out | tr '\n' ' ')
[ "$ids" = "1 2 3 4 5 6 7 8 " ] || fail "follow printed ids '$ids'"

run 2 queue peek
has err "one queue NAME"
run 2 queue peek q --limit 0
has err "bad --limit"
run 1 queue peek nosuch
has err "EDDY_ENOTFOUND"
finish
