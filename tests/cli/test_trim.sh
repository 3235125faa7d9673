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
# A tighter cut than the retention: --before TIME and --older-than DUR.
export EDDY_TEST_NOW_MS=$T0
run 0 queue create cut --retention 7d
run 0 stream create cs
echo old | "$EDDY" queue send cut -q
echo old | "$EDDY" stream put cs --key k -q
export EDDY_TEST_NOW_MS=$((T0 + 3600000))
printf 'new1\nnew2\n' | "$EDDY" queue send cut --lines -q
printf 'new1\nnew2\n' | "$EDDY" stream put cs --lines --key k -q
export EDDY_TEST_NOW_MS=$((T0 + 7200000))
run 0 trim --queue cut --older-than 90m
has out '^queue cut: removed 1 message older than 2027-01-15T08:30:00.000Z or expired$'
run 0 trim --stream cs --before 2027-01-15T08:30:00Z --json
has out '^\{"stream":"cs","removed":1\}$'
run 0 dump --queue cut
has out '^cut msg=2 '
lacks out '^cut msg=1 '
run 0 dump --stream cs
lacks out 'data=old'
has out 'data=new2'
run 0 trim --older-than 1m --batch 1
has out '^queue cut: removed 2 messages older than'
has out '^stream cs: removed 2 records older than'
run 0 verify
run 2 trim --queue long --older-than soon
run 2 trim --queue long --before yesterday
run 2 trim --batch 100001
finish
