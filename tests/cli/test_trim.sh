# test_trim.sh: `eddy trim` applies retention now, per queue or for all, in bounded batches;
# the clock is moved with EDDY_TEST_NOW_MS.
. "$(dirname "$0")/lib.sh"

run 0 queue create short --retention 1m
run 0 queue create long --retention 7d
seq 1 25 | "$EDDY" queue send short --lines -q
seq 1 5 | "$EDDY" queue send long --lines -q
run 0 trim
expect trim_none.out

export EDDY_TEST_NOW_MS=$((T0 + 120000)) # two minutes later
run 0 stat --queue short
has out 'expired 25'
run 0 trim --queue short --batch 10 --json
expect trim_short.out
run 0 stat --queue short
has out '^queue short: messages 0,'

export EDDY_TEST_NOW_MS=$((T0 + 8 * 86400000)) # eight days later
run 0 trim
expect trim_all.out
run 0 verify

run 1 trim --queue nosuch
has err 'EDDY_ENOTFOUND'
run 1 trim --queue long --older-than 1h
has err 'eddy_queue_trim_before'
run 1 trim --queue long --before 2027-01-15T08:00:00Z
run 2 trim --queue long --older-than soon
run 2 trim --queue long --before yesterday
run 2 trim --batch 100001
finish
