# test_shutdown.sh: SIGTERM with a long poll parked and a client mid-request: the poll is
# answered (200, no messages) at once, the server exits 0 after closing the database, and the
# data is there after a restart (SIGINT the second time).
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
$PY - "$PORT" "$PID" <<'PYEOF'
import os, signal, sys, threading, time
import boto3
port, pid = sys.argv[1], int(sys.argv[2])
sqs = boto3.client("sqs", endpoint_url="http://127.0.0.1:" + port, region_name="us-east-1",
                   aws_access_key_id="x", aws_secret_access_key="y")
u = sqs.create_queue(QueueName="stay")["QueueUrl"]
sqs.send_message(QueueUrl=u, MessageBody="kept")
w = sqs.create_queue(QueueName="empty")["QueueUrl"]
threading.Timer(0.5, lambda: os.kill(pid, signal.SIGTERM)).start()
t0 = time.time()
r = sqs.receive_message(QueueUrl=w, WaitTimeSeconds=20)
took = time.time() - t0
assert "Messages" not in r and r["ResponseMetadata"]["HTTPStatusCode"] == 200, r
assert took < 3, "the parked poll was answered at shutdown, not after 20 s: %.1f s" % took
print("parked poll answered in %.2f s" % took)
PYEOF
rc=0
wait "$PID" || rc=$?
PID=
[ $rc -eq 0 ] || { echo "FAIL: exit $rc"; cat "$T/serve.err"; exit 1; }
grep -q "database closed" "$T/serve.err" || { echo "FAIL: no clean close"; exit 1; }
serve_start "$T/db"
$PY - "$PORT" <<'PYEOF'
import sys, boto3
sqs = boto3.client("sqs", endpoint_url="http://127.0.0.1:" + sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="x", aws_secret_access_key="y")
u = sqs.get_queue_url(QueueName="stay")["QueueUrl"]
assert sqs.receive_message(QueueUrl=u)["Messages"][0]["Body"] == "kept"
print("data kept across the restart")
PYEOF
kill -INT "$PID"
rc=0
wait "$PID" || rc=$?
PID=
[ $rc -eq 0 ] || { echo "FAIL: exit $rc after SIGINT"; exit 1; }
echo "shutdown: ok"
