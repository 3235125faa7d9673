# test_roundtrip.sh: export -> import between two databases keeps every id, sequence number and
# timestamp: queue messages (visible, delayed, in flight, dead letters with their origin,
# attributes, binary bodies) and stream records (two shards, several arrival times); the dumps
# of both databases are the same, exporting the copy gives the same files, a second import is
# refused, and `dump --consumers` lists every consumer.
. "$(dirname "$0")/lib.sh"

# ---- the source database, built over an hour of fake time ----
run 0 --db ./src queue create dlq
run 0 --db ./src queue create work --dlq dlq --max-receive-count 1 --visibility-timeout 0
run 0 --db ./src queue create q --visibility-timeout 10m
run 0 --db ./src stream create s --shards 2
run 0 --db ./src queue send q 'first' --attr source=web --attr n:Number=3 -q
printf '\001\002\377' >bin.dat
run 0 --db ./src queue send q --file bin.dat -q
printf 'a\nb\nc\n' | "$EDDY" --db ./src stream put s --lines --key k1 -q
printf 'x\ny\n' | "$EDDY" --db ./src stream put s --lines --key k2 -q
echo doomed | "$EDDY" --db ./src queue send work -q
run 0 --db ./src queue receive work
export EDDY_TEST_NOW_MS=$((T0 + 60000))
run 0 --db ./src queue receive work # moves it to dlq
run 0 --db ./src queue receive q    # 'first' goes in flight for 10 minutes
run 0 --db ./src queue send q 'later' --delay 15m -q
printf 'd\ne\n' | "$EDDY" --db ./src stream put s --lines --key k1 -q
run 0 --db ./src stream put s --file bin.dat --key k3
seq=$(sed -n 's/.*"seq":"\([0-9]*\)".*/\1/p' out)
shard=$(sed -n 's/.*"shard_id":\([0-9]*\).*/\1/p' out)
export EDDY_TEST_NOW_MS=$((T0 + 120000))
run 0 --db ./src checkpoint set s app "$shard" "$seq"
run 0 --db ./src stat
has out '^stream s: 2 open shards, 2 stored, records 8, bytes [0-9]+, stored [0-9]+ bytes, compression'
has out '^  shard [01] open: records [0-9]+, bytes [0-9]+, first seq [0-9]{29}, last seq [0-9]{29}, last arrival 2027-01-15T08:01:00.000Z$'
run 0 --db ./src dump --queue dlq
has out '^dlq msg=1 state=visible receives=1 '

for q in q dlq; do
    run 0 --db ./src export --queue $q --output $q.jsonl --progress=json
    has err '"op":"export"'
    has err "exported [0-9]+ messages of queue '$q' to $q.jsonl"
done
run 0 --db ./src export --stream s --output s.jsonl
[ "$(wc -l <q.jsonl)" -eq 4 ] || fail "q.jsonl has $(wc -l <q.jsonl) lines, expected 4 (header + 3)"
has q.jsonl '"msg_id":1,"state":"in_flight","receive_count":1,"sent_ms":1800000000000,"enqueued_ms":1800000000000,"first_receive_ms":1800000060000,"visible_ms":1800000660000'
has q.jsonl '"msg_id":3,"state":"delayed",'
has dlq.jsonl '"origin_queue_id":2,"origin_msg_id":1,'
# The scan changed nothing: the in-flight message is still in flight, nothing was received.
run 0 --db ./src stat --queue q
has out '^queue q: messages 3, visible 1, in flight 1, delayed 1,'

# ---- import into an empty database, keeping everything ----
export EDDY_TEST_NOW_MS=$((T0 + 180000))
run 0 --db ./dst queue create q --visibility-timeout 10m
run 0 --db ./dst import --queue q --file q.jsonl --progress=json
has out "^imported 3 messages into queue 'q'$"
has err '"op":"import"'
run 0 --db ./dst import --queue dlq --create --file dlq.jsonl
has out "^imported 1 message into queue 'dlq'$"
run 0 --db ./dst import --stream s --create --file s.jsonl
has out "^imported 8 records into stream 's'$"
run 0 --db ./dst verify

# Same messages and records, byte for byte. A message that was in flight comes back without its
# receipt, receivable at the same time (so it shows as delayed until then).
for db in src dst; do
    run 0 --db ./$db dump --queue q
    grep -v '^queue ' out | sed 's/state=in_flight/state=delayed/' >$db.q.txt
    run 0 --db ./$db dump --queue dlq
    grep -v '^queue ' out >$db.dlq.txt
    run 0 --db ./$db dump --stream s
    cp out $db.s.txt
    run 0 --db ./$db stream shards s --json
    sed 's/"created_ms":[0-9]*,//' out >$db.shards.txt
done
for f in q.txt dlq.txt s.txt shards.txt; do
    diff -u src.$f dst.$f >&2 || fail "dumps of src and dst differ ($f)"
done
[ "$(wc -l <dst.s.txt)" -eq 8 ] || fail "dst has $(wc -l <dst.s.txt) records, expected 8"
run 0 --db ./dst export --stream s
cmp -s out s.jsonl || fail "export of the copied stream differs from the original"
run 0 --db ./dst export --queue dlq
cmp -s out dlq.jsonl || fail "export of the copied dead-letter queue differs"

# New writes continue above the kept ids and sequence numbers.
run 0 --db ./dst queue send q 'new' -q
run 0 --db ./dst dump --queue q
has out '^q msg=4 state=visible receives=0 sent=2027-01-15T08:03:00.000Z '
run 0 --db ./dst stream put s 'new' --key k1
has out '"arrival_ms":1800000180000'

# A second import collides and changes nothing.
run 1 --db ./dst import --queue q --file q.jsonl
has err "line 2: EDDY_EEXIST: queue 'q' already stores message 1"
run 1 --db ./dst import --stream s --file s.jsonl
has err 'line 2: EDDY_EEXIST'
# Ids that went backwards (message 2 was deleted, message 4 exists) are refused too.
sed -n 3p q.jsonl >one.jsonl
run 0 --db ./dst queue receive q --max 10 --visibility-timeout 0
grep '"msg_id":2,' out | "$EDDY" --db ./dst queue delete-message q >/dev/null 2>&1 || fail "delete"
run 1 --db ./dst import --queue q --file one.jsonl
has err 'line 1: EDDY_EINVAL: message id 2 .*goes backwards'
run 0 --db ./dst verify

# Consumers: every one of a stream, without naming it.
run 0 --db ./dst checkpoint set s app 0 "$(sed -n 1p dst.s.txt | sed 's/.*seq=\([0-9]*\).*/\1/')"
run 0 --db ./dst checkpoint set s billing 0 "$(sed -n 1p dst.s.txt | sed 's/.*seq=\([0-9]*\).*/\1/')"
run 0 --db ./dst dump --consumers
has out '^consumer s/app checkpoints=1 leases=0 held=0$'
has out '^consumer s/billing checkpoints=1 leases=0 held=0$'
has out '^\{"type":"checkpoint","stream":"s","consumer":"billing","shard_id":0,'
run 0 --db ./dst dump --consumers --stream s --json
has out '^\{"type":"consumer","stream":"s","consumer":"app","checkpoints":1,"leases":0,"held":0\}$'
run 0 --db ./dst stat
has out '^  consumer app shard 0 at [0-9]{29}, [0-9]+ ms behind$'
has out '^  consumer billing shard 0 at '
run 1 --db ./dst dump --consumers --stream nosuch
has err 'EDDY_ENOTFOUND'
run 2 --db ./dst dump --consumers --queue q
finish
