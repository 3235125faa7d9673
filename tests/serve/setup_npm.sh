# setup_npm.sh DIR: install what the endpoint tests and the bench run with Node (the AWS SDK for
# JavaScript v3 clients for SQS and Kinesis, and kinesalite for the bench) into DIR with npm,
# once (a second run finds them and returns). Exits 0 without them when npm or the registry is
# unreachable: the JS tests then skip.
set -u
DIR=$1
if [ -d "$DIR/node_modules/@aws-sdk/client-sqs" ] && [ -d "$DIR/node_modules/@aws-sdk/client-kinesis" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: the JS SDK tests will skip"
    exit 0
fi
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name":"eddy-serve-tests","private":true}' >"$DIR/package.json"
cd "$DIR" && timeout 600 npm install --no-audit --no-fund --loglevel=error \
    @aws-sdk/client-sqs@3 @aws-sdk/client-kinesis@3 @smithy/node-http-handler kinesalite@3 ||
    echo "npm install failed: the JS SDK tests will skip"
exit 0
