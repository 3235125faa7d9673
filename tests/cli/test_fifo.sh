# test_fifo.sh: FIFO queues from the CLI (decision 0013): create with the FIFO attributes, send
# with group and deduplication ids (a duplicate reports the first message), receive blocks a
# group while its message is in flight, stat shows groups and blocked groups, dump the
# attributes, and export | import carries groups, deduplication ids and attributes; import
# --new-ids gives each message a deduplication id of its own and reports duplicates.
. "$(dirname "$0")/lib.sh"

run 2 queue create jobs.fifo --dedup-scope nowhere
has err "bad value 'nowhere' for --dedup-scope"
run 1 queue create jobs --fifo
has err 'must end in ".fifo"'
run 0 queue create jobs.fifo --fifo --content-based-dedup on --dedup-scope messageGroup \
    --throughput-limit perMessageGroupId
run 0 queue attrs jobs.fifo
has out '^fifo +yes$'
has out '^dedup scope +messageGroup$'

run 1 queue send jobs.fifo 'no group'
has err 'needs a message group id'
run 0 queue send jobs.fifo a1 --group A
has out '"sequence_number":"[0-9]{39}","duplicate":false'
run 0 queue send jobs.fifo a1 --group A
has out '"msg_id":1,.*"duplicate":true'
run 0 queue send jobs.fifo a1 --group B
has out '"msg_id":2,.*"duplicate":false'
run 0 queue send jobs.fifo a2 --group A --dedup-id second
has out '"msg_id":3,'

run 0 queue receive jobs.fifo --max 1
has out '"group_id":"A"'
has out '"body":"a1"'
run 0 queue receive jobs.fifo --max 10
has out '"group_id":"B"'
lacks out '"body":"a2"'
run 0 stat
has out 'queue jobs.fifo: .*FIFO groups 2, blocked 2'
run 0 dump
has out 'fifo=true content_based_dedup=true dedup_scope=messageGroup'

run 0 export --queue jobs.fifo --output jobs.jsonl
run 0 queue create copy.fifo --fifo
run 0 import --queue copy.fifo --file jobs.jsonl --apply-attributes
run 0 export --queue copy.fifo
has out '"group_id":"A","dedup_id":"second"'
has out '"dedup_scope":"messageGroup"'
# --new-ids: two identical bodies sent 6 minutes apart share one content-based id; re-sent in
# one interval with that id the second would be dropped. Each gets "imp-<queue>-<msg id>".
run 0 queue create same.fifo --fifo --content-based-dedup on
run 0 queue send same.fifo twin --group G
EDDY_TEST_NOW_MS=$((T0 + 360000)) run 0 queue send same.fifo twin --group G
has out '"duplicate":false'
run 0 export --queue same.fifo --output same.jsonl
run 0 queue create fresh.fifo --fifo --content-based-dedup on
run 0 import --queue fresh.fifo --new-ids --file same.jsonl
run 0 export --queue fresh.fifo
has out '"dedup_id":"imp-same.fifo-1"'
has out '"dedup_id":"imp-same.fifo-2"'
# a second run of the same import: both lines are duplicates, reported and counted as failed
run 1 import --queue fresh.fifo --new-ids --file same.jsonl
has err 'line 2: EDDY_EEXIST: a duplicate within'
run 0 verify
finish
