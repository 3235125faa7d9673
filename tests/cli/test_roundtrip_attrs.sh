# test_roundtrip_attrs.sh: export -> import rebuilds the objects, not only their data: a queue
# with non-default attributes and a redrive policy to a dead-letter queue, and a stream with
# custom attributes, a reshard (3 open shards from 2) and two consumers' checkpoints, exported
# from one database and imported into a fresh one, give the same `stat --json`, `queue attrs`,
# `stream shards` and `checkpoint get` (minus times and ids that are the database's own). Then
# the refusals: attributes that differ, and what --keep-attributes and --apply-attributes do,
# a missing dead-letter queue, bad headers, and old files without a header.
. "$(dirname "$0")/lib.sh"

# ---- the source ----
run 0 --db ./src queue create dlq --retention 14d --redrive-allow work
run 0 --db ./src queue create work --visibility-timeout 0 --delay 5s --retention 2d \
    --max-size 64KiB --receive-wait 2s --dlq dlq --max-receive-count 3 --in-flight-max 500 \
    --batch-max 20
run 0 --db ./src stream create s --shards 2 --retention 3d --hash md5 --max-size 4KiB \
    --batch-max 50 --iterator-ttl 60s
run 0 --db ./src queue send work 'job 1' --attr k=v -q
printf 'a\nb\nc\nd\n' | "$EDDY" --db ./src stream put s --lines --key k1 -q
printf 'e\nf\n' | "$EDDY" --db ./src stream put s --lines --key k2 -q
export EDDY_TEST_NOW_MS=$((T0 + 60000))
run 0 --db ./src stream split s 0
has out 'split shard 0 into 2 and 3'
printf 'g\nh\ni\n' | "$EDDY" --db ./src stream put s --lines --key k1 -q
printf 'j\nk\n' | "$EDDY" --db ./src stream put s --lines --key k3 -q
run 0 --db ./src stream put s 'last' --key k2
# Two consumers: one at the end of closed shard 0 and in its child, one mid-shard with state.
run 0 --db ./src stream get s --shard 0
seq0=$(tail -n 1 out | sed 's/.*"seq":"\([0-9]*\)".*/\1/')
run 0 --db ./src stream get s --shard 1
seq1=$(head -n 1 out | sed 's/.*"seq":"\([0-9]*\)".*/\1/')
run 0 --db ./src checkpoint set s app 0 SHARD_END
run 0 --db ./src checkpoint set s app 1 "$seq1" --state 'sum=1'
run 0 --db ./src checkpoint set s billing 0 "$seq0"
for sh in 2 3; do
    run 0 --db ./src stream get s --shard $sh
    [ -s out ] && run 0 --db ./src checkpoint set s billing $sh "$(tail -n 1 out | sed 's/.*"seq":"\([0-9]*\)".*/\1/')"
done
run 0 --db ./src stream shards s --json
has out '"shard_id":0,"state":"closed"'

for q in dlq work; do
    run 0 --db ./src export --queue $q --output $q.jsonl
done
run 0 --db ./src export --stream s --output s.jsonl
has work.jsonl '^\{"eddy_export":1,"queue":"work","attributes":\{"visibility_timeout_ms":0,"delay_ms":5000,"retention_ms":172800000,"body_len_max":65536,"receive_wait_ms":2000,"dlq":"dlq","max_receive_count":3,"redrive_allow":"all","allow_sources":\[\],"in_flight_max":500,"batch_max":20\}\}$'
has dlq.jsonl '"redrive_allow":"by_queue","allow_sources":\["work"\]'
has s.jsonl '^\{"eddy_export":1,"stream":"s","attributes":\{"shard_count":2,"retention_ms":259200000,"hash":"md5",'
has s.jsonl '"shards":\[\{"shard_id":0,"state":"closed","parent_id":null,'
has s.jsonl '"checkpoints":\[\{"consumer":"app","shard_id":0,"seq":"SHARD_END"'
lacks s.jsonl 'lease'

# ---- import into a fresh database: the work queue first (its DLQ missing) is refused ----
export EDDY_TEST_NOW_MS=$((T0 + 120000))
run 1 --db ./dst import --queue work --file work.jsonl
has err "no database at './dst'"
run 0 --db ./dst queue create other
run 1 --db ./dst import --queue work --file work.jsonl
has err "cannot import into queue 'work': EDDY_ENOTFOUND"
# Without --create the dead-letter queue is not made up.
run 0 --db ./dst queue create work
run 1 --db ./dst import --queue work --file work.jsonl --apply-attributes
has err "^eddy import: line 1: the export's dead-letter queue 'dlq' does not exist: import it first"
run 0 --db ./dst queue delete work
run 0 --db ./dst queue delete other
# In order, DLQ first: everything comes back.
run 0 --db ./dst import --queue dlq --create --file dlq.jsonl
run 0 --db ./dst import --queue work --create --file work.jsonl
has out "^imported 1 message into queue 'work'$"
run 0 --db ./dst import --stream s --create --file s.jsonl
has out "^imported 12 records into stream 's'$"
has out "^restored [0-9]+ checkpoints of stream 's'$"
run 0 --db ./dst verify

# Same attributes, shards, checkpoints and data, minus the database's own ids and times.
# strip: ./out without the fields that belong to the database, not to the data (its ids, the
# times things were created or written there, file sizes), compact or pretty-printed.
strip() {
    sed -E 's/"(id|created_ms|modified_ms|updated_ms|closed_ms|path|file_size|pages_used|pages_free|map_size|oldest_age_ms|millis_behind_latest)": ?("[^"]*"|[0-9]+),?//g' out
}
for db in src dst; do
    : >$db.all
    for q in dlq work; do
        run 0 --db ./$db queue attrs $q --json
        strip >>$db.all
    done
    run 0 --db ./$db stream describe s --json
    strip >>$db.all
    run 0 --db ./$db stream shards s --json
    strip >>$db.all
    for c in app billing; do
        run 0 --db ./$db checkpoint get s $c
        strip >>$db.all
    done
    run 0 --db ./$db stat --json
    strip | grep -v '"type":"env"' >>$db.all
    run 0 --db ./$db dump --stream s
    cat out >>$db.all
done
diff -u src.all dst.all >&2 || fail "src and dst differ"
# The copy exports to the same files (header included).
run 0 --db ./dst export --stream s
cmp -s out s.jsonl || fail "export of the copied stream differs"
run 0 --db ./dst export --queue dlq
cmp -s out dlq.jsonl || fail "export of the copied dead-letter queue differs"
run 0 --db ./dst checkpoint leases s app
[ -s out ] && fail "leases were imported"

# ---- attributes that differ ----
run 0 --db ./m queue create dlq
run 0 --db ./m queue create work --visibility-timeout 30s
run 1 --db ./m import --queue work --file work.jsonl
has err "^eddy import: line 1: queue 'work' exists with other attributes than the export's: visibility_timeout_ms 30000 \(export: 0\), delay_ms 0 \(export: 5000\),.*dlq \"\" \(export: \"dlq\"\).*; pass --apply-attributes to change them or --keep-attributes to keep them$"
run 0 --db ./m queue attrs work --json
has out '"visibility_timeout_ms":30000'
run 0 --db ./m import --queue work --file work.jsonl --keep-attributes
has out "^imported 1 message into queue 'work'$"
run 0 --db ./m queue attrs work --json
has out '"visibility_timeout_ms":30000'
run 0 --db ./m queue purge work
run 0 --db ./m queue create work2
run 0 --db ./m import --queue work2 --file work.jsonl --apply-attributes
run 0 --db ./m queue attrs work2 --json
has out '"visibility_timeout_ms":0,"delay_ms":5000,"retention_ms":172800000,"body_len_max":65536,"receive_wait_ms":2000,"dlq":"dlq","max_receive_count":3'
run 2 --db ./m import --queue work --file work.jsonl --keep-attributes --apply-attributes
# A stream: all but its hash and its shards at creation can be changed.
run 0 --db ./m stream create s --shards 2 --retention 1d --hash md5 --max-size 8KiB \
    --batch-max 50 --iterator-ttl 90s
run 1 --db ./m import --stream s --file s.jsonl
has err "line 1: stream 's' exists with other attributes than the export's: retention_ms 86400000 \(export: 259200000\), record_len_max 8192 \(export: 4096\), iterator_ttl_ms 90000 \(export: 60000\);"
run 0 --db ./m import --stream s --file s.jsonl --apply-attributes
run 0 --db ./m stream describe s --json
has out '"retention_ms":259200000,"hash":"md5","record_len_max":4096,"batch_max":50,"iterator_ttl_ms":60000'
run 0 --db ./m stream create s2 --shards 2
run 1 --db ./m import --stream s2 --file s.jsonl --apply-attributes
has err "line 1: stream 's2' differs from the export in attributes that cannot change \(its hash or its shards at creation\): retention_ms .*hash \"xxh3\" \(export: \"md5\"\)"
# A target resharded otherwise is not the export's lineage.
run 0 --db ./m stream create s3 --shards 2 --retention 3d --hash md5 --max-size 4KiB \
    --batch-max 50 --iterator-ttl 60s
run 0 --db ./m stream split s3 1
run 1 --db ./m import --stream s3 --file s.jsonl
has err "line 1: shard 2 of stream 's3' is not the export's shard 2 \(other hash range or parents\)"
# Checkpoints need their records: without shard 1's records the checkpoint is refused.
sed '1!{/"shard_id":1,"seq"/d;}' s.jsonl >s-missing.jsonl
run 1 --db ./m2 import --stream s --create --file s-missing.jsonl
has err "line 1: cannot restore consumer 'app''s checkpoint on shard 1 at $seq1 \(is that record in the target\?\): EDDY_EINVAL"
# --new-ids keeps the attributes but gives new sequence numbers: no checkpoints.
run 0 --db ./m3 import --stream s --create --new-ids --file s.jsonl
has err 'note: [0-9]+ checkpoints not restored: --new-ids'
run 0 --db ./m3 stream describe s --json
has out '"retention_ms":259200000,"hash":"md5"'
run 0 --db ./m verify

# ---- bad headers: clear errors with the line number ----
printf '{"eddy_export":2,"queue":"work","attributes":{}}\n' >v2.jsonl
run 1 --db ./m import --queue work --file v2.jsonl
has err '^eddy import: line 1: export format version 2 is newer than this eddy reads \(1\)'
printf '\n{"eddy_export":1,"queue":"work","attributes":{"delay_ms":-1}}\n' >neg.jsonl
run 1 --db ./m import --queue work --file neg.jsonl
has err '^eddy import: line 2: bad export header: attribute "visibility_timeout_ms" is missing or not valid$'
sed -n 1p s.jsonl >hdr.jsonl
run 1 --db ./m import --queue work --file hdr.jsonl
has err '^eddy import: line 1: the export header does not describe a queue \(import it with --stream'
{ sed -n 2p work.jsonl; sed -n 1p work.jsonl; } >late.jsonl
run 1 --db ./m import --queue work2 --file late.jsonl --keep-attributes
has err 'line 2: an export header \("eddy_export"\) may only be the first line'
sed 's/"shards":\[{"shard_id":0/"shards":[{"shard_id":"x"/' s.jsonl >badshard.jsonl
run 1 --db ./m4 import --stream s --create --file badshard.jsonl
has err '^eddy import: line 1: bad export header: a shard has no valid "shard_id"$'

# ---- old files without a header still import as before ----
sed 1d work.jsonl >old-work.jsonl
sed 1d s.jsonl | grep '"shard_id":[01],' >old-s.jsonl
run 0 --db ./old queue create work
run 0 --db ./old import --queue work --file old-work.jsonl
has out "^imported 1 message into queue 'work'$"
run 0 --db ./old import --stream s --create --file old-s.jsonl
has out "^imported [0-9]+ records into stream 's'$"
lacks out 'checkpoint'
run 0 --db ./old verify
finish
