# test_shutdown.sh: SIGTERM with a long poll parked and a client mid-request: the poll is
# answered (200, no messages) at once, the server exits 0 after closing the database, and the
# data is there after a restart (SIGINT the second time).
. "$(dirname "$0")/lib.sh"
serve_start "$T/db"
$PY - "$PORT" "$PID" <<'PYEOF'
import json, os, signal, socket, sys, time
sys.path.insert(0, os.environ["HERE"])
from awslib import client
port, pid = sys.argv[1], int(sys.argv[2])
sqs = client("sqs", port)
u = sqs.create_queue(QueueName="stay")["QueueUrl"]
sqs.send_message(QueueUrl=u, MessageBody="kept")
w = sqs.create_queue(QueueName="empty")["QueueUrl"]
# A raw request, so the poll is surely sent (and parked) before the signal.
body = json.dumps({"QueueUrl": w, "WaitTimeSeconds": 20}).encode()
s = socket.create_connection(("127.0.0.1", int(port)))
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
          b"X-Amz-Target: AmazonSQS.ReceiveMessage\r\nContent-Length: %d\r\n\r\n" % len(body)
          + body)
time.sleep(1.0)
t0 = time.time()
os.kill(pid, signal.SIGTERM)
s.settimeout(10)
reply = b""
while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
    c = s.recv(4096)
    if not c:
        break
    reply += c
took = time.time() - t0
assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
assert b"Messages" not in reply, reply
assert took < 3, "the parked poll was answered at shutdown, not after 20 s: %.1f s" % took
print("parked poll answered %.2f s after SIGTERM" % took)
PYEOF
rc=0
wait "$PID" || rc=$?
PID=
[ $rc -eq 0 ] || { echo "FAIL: exit $rc"; cat "$T/serve.err"; exit 1; }
grep -q "database closed" "$T/serve.err" || { echo "FAIL: no clean close"; exit 1; }
serve_start "$T/db"
$PY - "$PORT" <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["HERE"])
from awslib import client
sqs = client("sqs", sys.argv[1])
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
