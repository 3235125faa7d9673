# test_boto3.sh: SQS and Kinesis through Debian's boto3 (SQS over the Query protocol).
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
$PY "$HERE/sqs_boto3.py" "$PORT"
$PY "$HERE/kinesis_boto3.py" "$PORT"
serve_stop
