# test_clock.sh: time-dependent rules through the SDK with the injectable clock (no sleeps):
# the server's clock is fixed with EDDY_TEST_NOW_MS and moved by restarting it (the database
# keeps the state): MessageNotInflight after a visibility timeout, the 12 h visibility cap
# counted from the receive, and iterator expiry (ExpiredIteratorException).
. "$(dirname "$0")/lib.sh"
T0=1800000000000
EDDY_TEST_NOW_MS=$T0 serve_start "$T/db"
$PY "$HERE/clock.py" "$PORT" t0 "$T/state.json"
serve_stop
EDDY_TEST_NOW_MS=$((T0 + 2000)) serve_start "$T/db"
$PY "$HERE/clock.py" "$PORT" t2s "$T/state.json"
serve_stop
EDDY_TEST_NOW_MS=$((T0 + 360000)) serve_start "$T/db"
$PY "$HERE/clock.py" "$PORT" t6m "$T/state.json"
serve_stop
