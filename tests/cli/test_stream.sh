# test_stream.sh: stream scripting: create, list, describe, put (argument, lines, stdin,
# binary), get from each kind of position, shards, split, merge, scale, dump, trim, delete.
. "$(dirname "$0")/lib.sh"

run 0 stream create clicks --shards 2 --retention 1d
run 0 stream create clicks --shards 2 --retention 1d
run 1 stream create clicks --shards 3
has err 'EDDY_EEXIST'
run 2 stream create x --hash sha1
has err "bad value 'sha1' for --hash"
run 1 stream create 'no/slash'
has err 'EDDY_EINVAL'
run 0 stream list
expect stream_list.out
run 0 stream describe clicks
expect stream_describe.out

# The hash key chooses the shard: the lowest key goes to shard 0, the highest to shard 1.
run 0 stream put clicks first --key k0 --hash-key 0
has out '^\{"shard_id":0,"seq":"[0-9]{29}","arrival_ms":1800000000000\}$'
seq0=$(sed 's/.*"seq":"\([0-9]*\)".*/\1/' out)
printf 'a\nb\nc\n' | "$EDDY" stream put clicks --lines --key k0 --hash-key 0 -q ||
    fail "put lines"
run 0 stream put clicks high --key k1 --hash-key 340282366920938463463374607431768211455
has out '"shard_id":1'
printf '\000\001binary' >bin.dat
run 0 stream put clicks --file bin.dat --key k1 --hash-key 340282366920938463463374607431768211455
run 2 stream put clicks data
has err 'missing --key'
run 1 stream put nosuch data --key k
has err 'EDDY_ENOTFOUND'

run 0 stream get clicks
expect stream_get_all.out
run 0 stream get clicks --shard 0 --after "$seq0" --limit 2
[ "$(wc -l <out)" -eq 2 ] || fail "--after --limit 2 gave $(wc -l <out) records"
has out '"data":"a"'
run 0 stream get clicks --shard 0 --from "$seq0" --limit 1
has out '"data":"first"'
run 0 stream get clicks --shard 1 --latest
lacks out '.'
run 0 stream get clicks --at 2027-01-15T08:00:00Z --limit 1
has out '"data":"first"'
run 2 stream get clicks --from "$seq0"
has err 'need --shard'
run 1 stream get clicks --shard 7
has err 'EDDY_ENOTFOUND'

run 0 dump --stream clicks
expect stream_dump.out
run 0 dump --stream clicks --shard 1 --json
has out '"data":"AAFiaW5hcnk=","data_encoding":"base64"'

# Resharding: split at the middle, merge back, scale.
run 0 stream split clicks 0
has out '^split shard 0 into 2 and 3$'
run 0 stream merge clicks 2 3
has out '^merged shards 2 and 3 into 4$'
run 0 stream scale clicks 4
run 0 stream shards clicks
expect stream_shards.out
run 0 stream shards clicks --json
has out '"shard_id":0,"state":"closed","parent_id":null,"adjacent_parent_id":null,"child_ids":\[2,3\]'
run 1 stream split clicks 0
has err 'EDDY_EINVAL'
run 1 stream merge clicks 1 1
run 2 stream split clicks zero
run 0 dump
expect stream_catalog.out

run 0 stat
has out '^stream clicks: 4 open shards, 9 stored, records 6, bytes 20, stored [0-9]+ bytes, compression [0-9.]+x$'
has out "^  shard 0 closed: records 4, bytes 8, first seq $seq0, last seq [0-9]{29}, last arrival"
run 0 verify

# Retention: two days later everything is trimmed.
export EDDY_TEST_NOW_MS=$((T0 + 2 * 86400000))
run 0 trim --stream clicks --json
has out '^\{"stream":"clicks","removed":6\}$'
run 0 stream get clicks
lacks out '.'
run 1 trim --stream nosuch
run 0 stream delete clicks
has out "^deleted stream 'clicks'$"
run 1 stream delete clicks
run 0 verify
finish
