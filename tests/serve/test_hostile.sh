# test_hostile.sh: hostile input (huge and malformed bodies, slow clients, many idle
# connections, path characters); the server must answer each with an error and keep serving.
. "$(dirname "$0")/lib.sh"
serve_start "$T/db" --max-body 65536 --idle-timeout 1
$PY "$HERE/hostile.py" "$PORT"
serve_stop
