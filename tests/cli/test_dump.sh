# test_dump.sh: `eddy dump` options: --queue NAME --limit N prints at most N messages; --stable
# prints the same for two databases with the same content built at different times (no ids,
# times or ages), in text and JSON.
. "$(dirname "$0")/lib.sh"

run 0 --db ./db queue create q
seq 1 5 | "$EDDY" --db ./db queue send q --lines -q || fail "send"
run 0 --db ./db dump --queue q --limit 2
[ "$(grep -c '^q msg=' out)" -eq 2 ] || fail "dump --queue q --limit 2 printed $(grep -c '^q msg=' out) messages"
has out '^q msg=2 '
lacks out '^q msg=3 '
run 0 --db ./db dump --queue q --limit 2 --json
[ "$(grep -c '"type":"message"' out)" -eq 2 ] || fail "dump --queue --json --limit 2"
run 0 --db ./db dump --queue q
[ "$(grep -c '^q msg=' out)" -eq 5 ] || fail "dump --queue q without --limit"
run 2 --db ./db dump --queue q --shard 0

# build DB NOW: the same content at another time, after objects and messages that were deleted
# (so ids differ too).
build() {
    export EDDY_TEST_NOW_MS=$2
    "$EDDY" --db "$1" queue create gone >/dev/null || fail "create gone"
    "$EDDY" --db "$1" queue delete gone >/dev/null || fail "delete gone"
    "$EDDY" --db "$1" queue create dlq >/dev/null || fail "create dlq"
    "$EDDY" --db "$1" queue create orders --dlq dlq --visibility-timeout 90s >/dev/null || fail "create orders"
    "$EDDY" --db "$1" queue send orders dropped -q || fail "send"
    "$EDDY" --db "$1" queue purge orders >/dev/null || fail "purge"
    export EDDY_TEST_NOW_MS=$(($2 + 5000))
    printf 'one\ntwo\nthree\n' | "$EDDY" --db "$1" queue send orders --lines --attr k=v -q || fail "send"
    "$EDDY" --db "$1" stream create clicks --shards 2 >/dev/null || fail "stream create"
    seq 1 20 | "$EDDY" --db "$1" stream put clicks --lines --key a -q || fail "put a"
    seq 1 20 | "$EDDY" --db "$1" stream put clicks --lines --key b -q || fail "put b"
    "$EDDY" --db "$1" stream split clicks 0 >/dev/null || fail "split"
    seq 1 5 | "$EDDY" --db "$1" stream put clicks --lines --key c -q || fail "put c"
    export EDDY_TEST_NOW_MS=$(($2 + 60000))
}
build ./a $T0
# An hour later: within the stream's 24-hour retention, which reads enforce (dumps run at b's clock).
build ./b $((T0 + 3600000))
for sel in "" "--queue orders" "--stream clicks" "--json" "--queue orders --json" "--stream clicks --json"; do
    # shellcheck disable=SC2086
    "$EDDY" --db ./a dump --stable $sel >a.txt 2>a.err || fail "dump --stable $sel of a"
    # shellcheck disable=SC2086
    "$EDDY" --db ./b dump --stable $sel >b.txt 2>b.err || fail "dump --stable $sel of b"
    [ -s a.txt ] || fail "dump --stable $sel printed nothing"
    diff -u a.txt b.txt >&2 || fail "dump --stable $sel differs between databases with the same content"
done
# Without --stable they differ (ids and times), as they should.
"$EDDY" --db ./a dump --queue orders >a.txt
"$EDDY" --db ./b dump --queue orders >b.txt
cmp -s a.txt b.txt && fail "plain dumps of a and b are equal: the test builds no difference"
"$EDDY" --db ./a dump --stable >a.txt
has a.txt '^queue orders messages=3 '
lacks a.txt 'created_ms|modified_ms|oldest_age_ms| id='
"$EDDY" --db ./a dump --stable --queue orders >a.txt
has a.txt '^orders state=visible receives=0 attrs=1 body=one$'
"$EDDY" --db ./a dump --stable --stream clicks --limit 1 >a.txt
has a.txt '^clicks shard=0 key=b data=1$'
finish
