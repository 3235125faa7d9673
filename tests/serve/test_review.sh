# test_review.sh: the endpoint review's fixes (docs/decisions/0014-endpoint.md, addendum):
# batch size limits, per-entry visibility errors, a long poll whose client left, Kinesis
# timestamp range, and with --auth: long secrets refused at load, the credential scope, and a
# signed /metrics unless --metrics-open.
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
$PY "$HERE/review.py" "$PORT" open
serve_stop

printf 'AKIDEXAMPLE s3cr3t\n' >"$T/keys"
serve_start "$T/db" --auth "$T/keys"
$PY "$HERE/review.py" "$PORT" auth
serve_stop
serve_start "$T/db" --auth "$T/keys" --metrics-open
$PY "$HERE/review.py" "$PORT" metrics-open
serve_stop

# A secret longer than the key table holds is refused at load, never cut.
printf 'AKIDEXAMPLE %0200d\n' 0 >"$T/long"
if "$EDDY" --db "$T/db" serve --listen 127.0.0.1:0 --auth "$T/long" 2>"$T/long.err"; then
    echo "FAIL: a 200-character secret was accepted" >&2
    exit 1
fi
grep -q "longer than 128 characters" "$T/long.err" || { cat "$T/long.err" >&2; exit 1; }
echo "long secret refused: ok"
