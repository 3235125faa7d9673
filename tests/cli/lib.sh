# lib.sh: shared helpers of the CLI tests (sourced by each test_*.sh).
# Environment from tests/cli/CMakeLists.txt: EDDY (the tool's test build, eddy-test, the only
# one with the test hooks), EDDY_DEFAULT (the installed tool, without them), RAW_LMDB (the
# raw-LMDB helper), EXPECTED (directory of expected outputs). Each test works in its own
# temporary directory with a fixed clock and a seeded rng (EDDY_TEST_NOW_MS, EDDY_TEST_SEED), so
# outputs are stable.
set -u

: "${EDDY:?EDDY must name the eddy binary}"
T0=1800000000000 # 2027-01-15T08:00:00Z
export EDDY_TEST_NOW_MS=$T0 EDDY_TEST_SEED=42
unset EDDY_DB
TMP=$(mktemp -d "${TMPDIR:-/tmp}/eddy-cli.XXXXXX")
if [ -z "${EDDY_KEEP_TMP:-}" ]; then
    trap 'rm -rf "$TMP"' EXIT
else
    echo "keeping $TMP"
fi
cd "$TMP" || exit 1
FAILS=0

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

# run EXPECTED_EXIT ARGS...: run eddy, keep stdout in ./out and stderr in ./err.
run() {
    want=$1
    shift
    "$EDDY" "$@" >out 2>err
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "eddy $* exited $got, expected $want"
        sed 's/^/  stdout: /' out >&2
        sed 's/^/  stderr: /' err >&2
    fi
}

# expect NAME: ./out must equal $EXPECTED/NAME (EDDY_CLI_UPDATE=1 rewrites it; review the diff).
expect() {
    if [ -n "${EDDY_CLI_UPDATE:-}" ]; then
        cp out "$EXPECTED/$1"
    fi
    if ! diff -u "$EXPECTED/$1" out >&2; then
        fail "output differs from expected/$1"
    fi
}

# has FILE PATTERN: FILE must contain the (grep -E) pattern.
has() {
    if ! grep -Eq -- "$2" "$1"; then
        fail "$1 lacks /$2/"
        sed 's/^/  | /' "$1" >&2
    fi
}

# lacks FILE PATTERN: FILE must not contain the pattern.
lacks() {
    if grep -Eq -- "$2" "$1"; then
        fail "$1 has /$2/"
        sed 's/^/  | /' "$1" >&2
    fi
}

finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$FAILS failure(s)" >&2
        exit 1
    fi
    echo ok
    exit 0
}
