# test_js_sdk.sh: SQS (AWS JSON 1.0) and Kinesis through the AWS SDK for JavaScript v3, installed
# with npm into the build directory by setup_npm.sh (the serve/npm_setup fixture). Skipped (77)
# when the packages could not be installed (no registry).
. "$(dirname "$0")/lib.sh"
if [ ! -d "$NPM_DIR/node_modules/@aws-sdk/client-sqs" ]; then
    echo "SKIP: @aws-sdk/client-sqs is not installed in $NPM_DIR"
    exit 77
fi
serve_start "$T/db"
NODE_NO_WARNINGS=1 NODE_PATH="$NPM_DIR/node_modules" node "$HERE/js_sdk.cjs" "$PORT"
serve_stop
