# test_dump.sh: `eddy dump` options: --queue NAME --limit N prints at most N messages.
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
finish
