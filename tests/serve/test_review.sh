# test_review.sh: the endpoint review's fixes (docs/decisions/0014-endpoint.md, addendum):
# batch size limits, per-entry visibility errors, a long poll whose client left, Kinesis
# timestamp range, and with --auth: long secrets refused at load, the credential scope, and a
# signed /metrics unless --metrics-open; the queue cache's TTL.
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
$PY "$HERE/review.py" "$PORT" open
# The queue cache's 1 s TTL: another process's attribute change is seen. The queue's default
# wait goes from 0 to 2 s behind the server's back; a receive then waits.
$PY "$HERE/review.py" "$PORT" ttl-before
"$EDDY" --db "$T/db" queue attrs ttlq --receive-wait 2s >/dev/null
sleep 1.2 # the TTL is real time (a cache of another process's state, not a rule of the queue)
$PY "$HERE/review.py" "$PORT" ttl-after
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
