# test_fifo.sh: FIFO queues through boto3 (Query) and the JS SDK (JSON 1.0) (decision 0013).
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
$PY "$HERE/fifo_boto3.py" "$PORT"
if [ -d "$NPM_DIR/node_modules/@aws-sdk/client-sqs" ]; then
    NODE_NO_WARNINGS=1 NODE_PATH="$NPM_DIR/node_modules" node "$HERE/fifo_js.cjs" "$PORT"
else
    echo "JS SDK not installed: JSON protocol part skipped"
fi
serve_stop
