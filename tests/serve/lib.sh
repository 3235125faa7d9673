# lib.sh: start and stop `eddy serve` for the endpoint tests. Each test gets its own temporary
# directory ($T) and database, and a server on a free loopback port ($PORT, from --port-file),
# stopped by pid. $EDDY is the test build of the tool (EDDY_TEST_NOW_MS fixes its clock).
set -eu
T=$(mktemp -d "${TMPDIR:-/tmp}/eddy-serve.XXXXXX")
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
export HERE
PID=
cleanup() {
    if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT

# serve_start DB [ARGS...]: start the server on DB, set PORT and PID.
serve_start() {
    db=$1
    shift
    rm -f "$T/port"
    "$EDDY" --db "$db" serve --listen 127.0.0.1:0 --port-file "$T/port" "$@" \
        >"$T/serve.out" 2>"$T/serve.err" &
    PID=$!
    i=0
    while [ ! -s "$T/port" ]; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 "$PID" 2>/dev/null; then
            echo "server did not start:" >&2
            cat "$T/serve.err" >&2
            exit 1
        fi
        sleep 0.05
    done
    PORT=$(cat "$T/port")
    echo "server pid $PID on port $PORT"
}

# serve_stop: SIGTERM, wait, and require a clean exit.
serve_stop() {
    kill -TERM "$PID"
    rc=0
    wait "$PID" || rc=$?
    PID=
    if [ $rc -ne 0 ]; then
        echo "server exited with $rc:" >&2
        cat "$T/serve.err" >&2
        exit 1
    fi
}

# The AWS clients read these; any credentials pass without --auth.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
