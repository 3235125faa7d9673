# test_checkpoint.sh: checkpoints: set (sequence number, SHARD_END, state), get with lag, the
# refusals, leases, and checkpoints in stat and dump.
. "$(dirname "$0")/lib.sh"

run 0 stream create s
printf 'r1\nr2\nr3\n' | "$EDDY" stream put s --lines --key k >puts.jsonl || fail "put"
seq1=$(sed -n 1p puts.jsonl | sed 's/.*"seq":"\([0-9]*\)".*/\1/')
seq3=$(sed -n 3p puts.jsonl | sed 's/.*"seq":"\([0-9]*\)".*/\1/')

export EDDY_TEST_NOW_MS=$((T0 + 5000))
run 0 checkpoint set s app 0 "$seq1" --state 'sum=1'
run 0 checkpoint get s app
expect checkpoint_get.out
run 0 checkpoint set s app 0 "$seq3"
run 0 checkpoint get s app --shard 0
has out '"next_arrival_ms":0,"millis_behind_latest":0'
run 0 stat --consumer app
has out "^  consumer app shard 0 at $seq3, 0 ms behind$"
run 0 dump --stream s --consumer app
has out '"consumer":"app","shard_id":0'

run 1 checkpoint set s app 0 SHARD_END
has err 'EDDY_EINVAL'
run 1 checkpoint set s app 0 123
has err 'EDDY_EINVAL'
run 1 checkpoint set s app 9 "$seq1"
has err 'EDDY_E(NOTFOUND|INVAL)'
run 1 checkpoint set nosuch app 0 "$seq1"
has err 'EDDY_ENOTFOUND'
run 1 checkpoint get s nobody --shard 0
has err 'EDDY_ENOTFOUND'
run 0 checkpoint get s nobody
lacks out '.'
run 2 checkpoint set s app 0
run 2 checkpoint set s app x "$seq1"
run 2 checkpoint frobnicate

run 0 checkpoint leases s app
lacks out '.'

# A closed shard read to its end.
run 0 stream split s 0
run 0 checkpoint set s app 0 SHARD_END
run 0 checkpoint get s app --shard 0
has out '"seq":"SHARD_END","shard_end":true'
run 0 verify
finish
