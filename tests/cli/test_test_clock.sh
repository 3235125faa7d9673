# test_test_clock.sh: EDDY_TEST_NOW_MS and EDDY_TEST_SEED work only in the test build of the tool
# ($EDDY, eddy-test, never installed). The default (installed) eddy ($EDDY_DEFAULT) ignores them
# with a warning, so a fixed clock cannot stamp data with a future arrival time or make trim
# remove everything.
. "$(dirname "$0")/lib.sh"
: "${EDDY_DEFAULT:?EDDY_DEFAULT must name the default eddy binary}"

Y2100=4102444800000 # 2100-01-01T00:00:00Z
now_s=$(date +%s)

"$EDDY_DEFAULT" --db ./db stream create s >out 2>err || fail "create"
has err 'EDDY_TEST_NOW_MS is set but ignored'
EDDY_TEST_NOW_MS=$Y2100 "$EDDY_DEFAULT" --db ./db stream put s x --key k >out 2>err || fail "put"
has err 'EDDY_TEST_NOW_MS is set but ignored'
arrival=$(sed -n 's/.*"arrival_ms":\([0-9]*\).*/\1/p' out)
[ -n "$arrival" ] && [ $((arrival / 1000 - now_s)) -lt 3600 ] ||
    fail "the default eddy stamped arrival_ms=$arrival with EDDY_TEST_NOW_MS=$Y2100"
# trim with the clock in 2100 removes nothing that is not expired by the real clock.
EDDY_TEST_NOW_MS=$Y2100 "$EDDY_DEFAULT" --db ./db trim >out 2>err || fail "trim"
has out 'stream s: removed 0 '
EDDY_TEST_NOW_MS= EDDY_TEST_SEED= "$EDDY_DEFAULT" --db ./db stat >out 2>err || fail "stat"
lacks err 'ignored'

# The test build honours it (the CLI tests rely on it).
EDDY_TEST_NOW_MS=$Y2100 "$EDDY" --db ./db2 stream create s >out 2>err || fail "create (test build)"
EDDY_TEST_NOW_MS=$Y2100 "$EDDY" --db ./db2 stream put s x --key k >out 2>err || fail "put (test build)"
has out "\"arrival_ms\":$Y2100"
lacks err 'ignored'
run 0 --version
has out '^eddy [0-9]+\.[0-9]+\.[0-9]+ \(format [0-9]+\) test build'
EDDY_TEST_NOW_MS= EDDY_TEST_SEED= "$EDDY_DEFAULT" --version >out 2>&1 || fail "--version"
has out '^eddy [0-9]+\.[0-9]+\.[0-9]+ \(format [0-9]+\)$'
finish
