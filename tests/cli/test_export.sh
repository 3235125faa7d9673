# test_export.sh: a stream exported to JSON lines and imported into another database (keys,
# text and binary data kept, in order), and the refusals.
. "$(dirname "$0")/lib.sh"

run 0 --db ./src stream create s --shards 2
printf 'one\ntwo\nthree\n' | "$EDDY" --db ./src stream put s --lines --key user-1 -q
printf '\377\000' >bin.dat
run 0 --db ./src stream put s --file bin.dat --key user-2 -q
run 0 --db ./src export --stream s --output s.jsonl --progress=json
has err '"op":"export"'
has err '"final":true'
# The header line (attributes, shards, checkpoints), then the records.
has s.jsonl '^\{"eddy_export":1,"stream":"s","attributes":\{"shard_count":2,'
[ "$(wc -l <s.jsonl)" -eq 5 ] || fail "exported $(wc -l <s.jsonl) lines, expected 5"
run 0 --db ./src export --stream s
cmp -s out s.jsonl || fail "export to stdout differs from --output"

run 1 --db ./dst import --stream s --file s.jsonl
has err "no database at './dst'"
run 0 --db ./dst import --stream s --new-ids --create --file s.jsonl
has out "^imported 4 records into stream 's'$"
run 0 --db ./dst stream get s
sed 's/"seq":"[0-9]*"//; s/"shard_id":[0-9]*//' out | sort >got.txt
sed '1d; s/"seq":"[0-9]*"//; s/"shard_id":[0-9]*//' s.jsonl | sort >want.txt
cmp -s got.txt want.txt || fail "imported records differ from the exported ones"
has out '"partition_key":"user-1","partition_key_encoding":"utf8","data":"one"'
has out '"data":"/wA=","data_encoding":"base64"'
# Per key, order is kept.
grep '"user-1"' out | sed 's/.*"data":"\([a-z]*\)".*/\1/' | tr '\n' ' ' >order.txt
[ "$(cat order.txt)" = "one two three " ] || fail "order of user-1 records: $(cat order.txt)"

# Without --new-ids the sequence numbers and arrival times are kept: the export of the copy is
# the same file (--create made as many shards as the highest shard id + 1).
run 0 --db ./keep import --stream s --create --file s.jsonl
has out "^imported 4 records into stream 's'$"
run 0 --db ./keep export --stream s
cmp -s out s.jsonl || fail "export of the kept copy differs from the original export"
run 1 --db ./keep import --stream s --file s.jsonl
has err 'EDDY_EEXIST'
has err '^eddy import: line 2: EDDY_EEXIST'
run 0 --db ./keep verify

run 1 --db ./src export --queue q
has err 'EDDY_ENOTFOUND'
run 2 --db ./src export
run 2 --db ./src export --queue q --stream s
run 2 --db ./src export --queue q --shard 0
run 1 --db ./src export --stream nosuch
has err 'EDDY_ENOTFOUND'
run 2 --db ./src import --queue q --stream s --new-ids
printf '{"data":"no key"}\n' >bad.jsonl
run 1 --db ./dst import --stream s --new-ids --file bad.jsonl
has err 'line 1: not a record JSON object'
run 0 --db ./dst verify
finish
