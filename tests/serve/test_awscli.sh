# test_awscli.sh: the core SQS and Kinesis commands through Debian's aws CLI (2.9, the Query
# protocol for SQS). Each call costs a Python start-up, so only the core ones run here.
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
aws() { /usr/bin/aws --endpoint-url "http://127.0.0.1:$PORT" --output json "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
u=$(aws sqs create-queue --queue-name cli-q --query QueueUrl --output text)
[ "$u" = "http://127.0.0.1:$PORT/000000000000/cli-q" ] || fail "queue url $u"
aws sqs send-message --queue-url "$u" --message-body "hello from the cli" \
    --message-attributes '{"k":{"DataType":"String","StringValue":"v"}}' >"$T/send.json"
grep -q MD5OfMessageAttributes "$T/send.json" || fail "send"
aws sqs receive-message --queue-url "$u" --message-attribute-names All >"$T/recv.json"
grep -q "hello from the cli" "$T/recv.json" || fail "receive"
rh=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["Messages"][0]["ReceiptHandle"])' "$T/recv.json")
aws sqs delete-message --queue-url "$u" --receipt-handle "$rh" || fail "delete"
if aws sqs get-queue-url --queue-name nope 2>"$T/err"; then fail "missing queue found"; fi
grep -q NonExistentQueue "$T/err" || fail "error code: $(cat "$T/err")"
aws kinesis create-stream --stream-name cli-s --shard-count 1
aws kinesis put-record --stream-name cli-s --partition-key p --data aGVsbG8= \
    --cli-binary-format base64 >/dev/null
it=$(aws kinesis get-shard-iterator --stream-name cli-s --shard-id shardId-000000000000 \
    --shard-iterator-type TRIM_HORIZON --query ShardIterator --output text)
aws kinesis get-records --shard-iterator "$it" | grep -q aGVsbG8= || fail "get records"
serve_stop
echo "awscli: ok"
