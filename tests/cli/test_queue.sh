# test_queue.sh: queue scripting end to end: create, attrs, list, send (argument, file, stdin,
# lines, attributes, binary), receive | delete-message, change-visibility, purge, delete, dump.
. "$(dirname "$0")/lib.sh"

run 0 queue create orders-dlq
run 0 queue create orders --visibility-timeout 90s --dlq orders-dlq --max-receive-count 3 \
    --retention 2d --max-size 64KiB --batch-max 5
run 0 queue create orders --visibility-timeout 90s --dlq orders-dlq --max-receive-count 3 \
    --retention 2d --max-size 64KiB --batch-max 5
run 1 queue create orders --visibility-timeout 10s
has err 'EDDY_EEXIST'
run 1 queue create 'bad name'
has err "EDDY_EINVAL: .*invalid character"
run 2 queue create x --visibility-timeout soon
has err "bad value 'soon' for --visibility-timeout"
run 1 queue create x --dlq nosuch
has err 'EDDY_ENOTFOUND'

run 0 queue attrs orders
expect queue_attrs.out
run 0 queue list
expect queue_list.out

# Sends: an argument with attributes, a file, stdin, lines, a binary body.
run 0 queue send orders 'hello world' --attr source=web --attr n:Number=42 \
    --attr blob:Binary=AAEC
has out '^\{"msg_id":1,"sent_ms":1800000000000,"body_xxh3":"[0-9a-f]{16}"\}$'
printf 'from a file\n' >body.txt
run 0 queue send orders --file body.txt
printf 'line one\nline two\n\nline three\n' >lines.txt
run 0 queue send orders --lines --file lines.txt
[ "$(wc -l <out)" -eq 3 ] || fail "--lines sent $(wc -l <out) messages, expected 3"
printf 'from stdin' | "$EDDY" queue send orders -q >out 2>err || fail "send from stdin"
printf '\377\376binary' >bin.dat
run 0 queue send orders --file bin.dat
run 2 queue send orders body --attr novalue
run 1 queue send nosuch body
has err "EDDY_ENOTFOUND"
run 2 queue send orders one two three

run 0 stat --queue orders
has out '^queue orders: messages 7, visible 7, in flight 0'

# receive prints JSON lines; the batch limit (5) is handled by looping.
run 0 queue receive orders --max 7
cp out received.jsonl
expect queue_receive.out
run 0 queue receive orders
lacks out '.'
run 0 stat --queue orders
has out 'visible 0, in flight 7'

# Pipe receipts back: two deleted through the pipe, one by argument.
head -n 2 received.jsonl | "$EDDY" queue delete-message orders >out 2>err ||
    fail "delete-message from stdin"
has out '^deleted 2 messages$'
r3=$(sed -n 3p received.jsonl | sed 's/.*"receipt":"\([0-9a-f]*\)".*/\1/')
run 0 queue delete-message orders "$r3"
has out '^deleted 1 message$'
run 1 queue delete-message orders "$r3"
has err 'EDDY_ENOTFOUND'
run 1 queue delete-message orders not-a-receipt
has err 'EDDY_EINVAL'

# change-visibility 0 makes the rest visible again; they come back with receive_count 2.
sed -n '4,$p' received.jsonl | "$EDDY" queue change-visibility orders --timeout 0 >out 2>err ||
    fail "change-visibility"
has out '^changed the visibility of 4 messages$'
run 0 queue receive orders --max 10 --visibility-timeout 0
[ "$(grep -c '"receive_count":2' out)" -eq 4 ] || fail "expected 4 messages received twice"

run 0 dump
expect queue_dump.out
run 0 dump --json
expect queue_dump_json.out
# dump --queue reads the messages without receiving them: twice the same, counts unchanged.
run 0 dump --queue orders
expect queue_messages.out
run 0 dump --queue orders
expect queue_messages.out
run 0 dump --queue orders --json
has out '^\{"type":"queue",'
has out '^\{"type":"message","queue":"orders","msg_id":4,"state":"visible","receive_count":2,'
run 1 dump --queue nosuch
has err 'EDDY_ENOTFOUND'
run 2 dump --queue orders --stream s

run 0 queue attrs orders --delay 5s --max-receive-count 4
has out '^delay +5s$'
has out '^max receive count +4$'
has out '^dead-letter queue +orders-dlq$'
run 0 queue attrs orders --json
has out '"delay_ms":5000'
run 1 queue attrs orders --retention 1s
has err 'EDDY_EINVAL'

run 0 queue purge orders
has out "^purged 4 messages from queue 'orders'$"
run 0 queue delete orders
run 0 queue delete orders-dlq
run 1 queue delete orders-dlq
has err "EDDY_ENOTFOUND" 
run 0 queue list
lacks out '.'
run 1 queue purge orders
has err "EDDY_ENOTFOUND"
run 0 verify
finish
