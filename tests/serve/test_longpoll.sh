# test_longpoll.sh: parked long polls hold no thread (--threads 2, 40 polls).
. "$(dirname "$0")/lib.sh"
serve_start "$T/db" --threads 2
$PY "$HERE/longpoll.py" "$PORT"
serve_stop
