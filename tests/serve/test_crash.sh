# test_crash.sh: SIGKILL the server under SDK load; after a restart every request that got a
# 200 is in the database, and eddy verify finds the database sound.
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
$PY "$HERE/crash.py" "$PORT" "$PID" "$T/acked.json"
rc=0
wait "$PID" || rc=$?
PID=
[ $rc -eq 137 ] || { echo "FAIL: expected death by SIGKILL, got $rc"; exit 1; }
"$EDDY" --db "$T/db" verify >/dev/null
serve_start "$T/db"
$PY "$HERE/crash_check.py" "$PORT" "$T/acked.json"
serve_stop
