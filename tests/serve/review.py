# review.py PORT MODE: checks for test_review.sh. MODE open: no --auth; auth: --auth with key
# AKIDEXAMPLE/s3cr3t; metrics-open: --auth and --metrics-open.
import json, socket, sys, time, urllib.error, urllib.request

from awslib import client, code, err, ok
import awslib

PORT, MODE = sys.argv[1], sys.argv[2]
EP = "http://127.0.0.1:" + PORT


def get(path):
    try:
        with urllib.request.urlopen(EP + path) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


if MODE == "auth":
    good = client("sqs", PORT, "AKIDEXAMPLE", "s3cr3t")
    ok(code(good.list_queues) is None, "signed")
    west = awslib.boto3.client("sqs", endpoint_url=EP, region_name="us-west-2",
                               aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="s3cr3t")
    e = err(west.list_queues, "SignatureDoesNotMatch")
    ok("region" in e.response["Error"]["Message"], "the region is named")
    st, body = get("/metrics")
    ok(st == 403 and "MissingAuthenticationToken" in body, "unsigned scrape refused: %d" % st)
    print("review auth: %d checks passed" % awslib.checks)
    sys.exit(0)
if MODE == "metrics-open":
    st, body = get("/metrics")
    ok(st == 200, "--metrics-open: unsigned scrape served: %d" % st)
    print("review metrics-open: %d checks passed" % awslib.checks)
    sys.exit(0)

sqs = client("sqs", PORT)
if MODE.startswith("ttl-"):
    q = sqs.create_queue(QueueName="ttlq")["QueueUrl"]
    t0 = time.time()
    sqs.receive_message(QueueUrl=q)
    took = time.time() - t0
    if MODE == "ttl-before":
        ok(took < 1.0, "no default wait yet: %.2f s" % took)
    else:
        ok(took >= 1.5, "the other process's 2 s default wait is used: %.2f s" % took)
    print("review %s: %d checks passed" % (MODE, awslib.checks))
    sys.exit(0)

# D: each entry against the queue's MaximumMessageSize, the request total against SQS's fixed
# 1 MiB, not the queue's limit.
u = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
b = sqs.send_message_batch(QueueUrl=u, Entries=[{"Id": str(i), "MessageBody": "x" * 1000}
                                                for i in range(3)])
ok(len(b["Successful"]) == 3, "3 x 1000 B on a 1024 B queue: each fits")
b = sqs.send_message_batch(QueueUrl=u, Entries=[{"Id": "ok", "MessageBody": "y"},
                                                {"Id": "big", "MessageBody": "x" * 2000}])
ok(len(b["Successful"]) == 1 and b["Failed"][0]["Id"] == "big" and
   b["Failed"][0]["Code"] == "InvalidParameterValue", "an entry over the queue limit fails alone")
err(sqs.send_message_batch, "AWS.SimpleQueueService.BatchRequestTooLong", QueueUrl=u,
    Entries=[{"Id": str(i), "MessageBody": "x" * 210000} for i in range(5)])
sqs.purge_queue(QueueUrl=u)

# B: per-entry codes of ChangeMessageVisibilityBatch. Not in flight (received with a 0 s
# timeout) comes first, a stale receipt last, so the batch's last error is not the first's.
v = sqs.create_queue(QueueName="vis")["QueueUrl"]
for body in ("gone", "idle", "stale"):
    sqs.send_message(QueueUrl=v, MessageBody=body)
rh = {}
for m in sqs.receive_message(QueueUrl=v, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]:
    rh[m["Body"]] = m["ReceiptHandle"]
ok(len(rh) == 3, "received the three")
old_stale = rh["stale"]
for m in sqs.receive_message(QueueUrl=v, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]:
    if m["Body"] in ("gone",):
        sqs.delete_message(QueueUrl=v, ReceiptHandle=m["ReceiptHandle"])
r = sqs.change_message_visibility_batch(QueueUrl=v, Entries=[
    {"Id": "idle", "ReceiptHandle": rh["idle"], "VisibilityTimeout": 10},
    {"Id": "gone", "ReceiptHandle": rh["gone"], "VisibilityTimeout": 10},
    {"Id": "stale", "ReceiptHandle": old_stale, "VisibilityTimeout": 10}])
codes = {f["Id"]: f["Code"] for f in r["Failed"]}
ok(codes.get("gone") == "InvalidParameterValue", "deleted message: %s" % codes)
ok(codes.get("stale") == "InvalidParameterValue", "stale receipt: %s" % codes)
# The receipt of "idle" is stale too (received again above), so ask with its fresh one.
ms = sqs.receive_message(QueueUrl=v, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
fresh = [m["ReceiptHandle"] for m in ms if m["Body"] == "idle"][0]
stale2 = [m["ReceiptHandle"] for m in ms if m["Body"] == "stale"][0]
sqs.receive_message(QueueUrl=v, MaxNumberOfMessages=10, VisibilityTimeout=0)
ms = sqs.receive_message(QueueUrl=v, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
fresh = [m["ReceiptHandle"] for m in ms if m["Body"] == "idle"][0]
r = sqs.change_message_visibility_batch(QueueUrl=v, Entries=[
    {"Id": "idle", "ReceiptHandle": fresh, "VisibilityTimeout": 10},
    {"Id": "stale", "ReceiptHandle": stale2, "VisibilityTimeout": 10}])
codes = {f["Id"]: f["Code"] for f in r["Failed"]}
ok(codes.get("idle") == "MessageNotInflight", "not in flight: %s" % codes)
ok(codes.get("stale") == "InvalidParameterValue", "stale, after a not-in-flight: %s" % codes)
sqs.purge_queue(QueueUrl=v)

# C: a long poll whose client closed receives nothing when a send wakes it.
w = sqs.create_queue(QueueName="left")["QueueUrl"]
req = json.dumps({"QueueUrl": w, "WaitTimeSeconds": 10}).encode()
s = socket.create_connection(("127.0.0.1", int(PORT)))
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ReceiveMessage\r\n"
          b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n" % len(req) + req)
time.sleep(0.5)  # parked
s.close()
time.sleep(0.2)
sqs.send_message(QueueUrl=w, MessageBody="keep")
time.sleep(0.6)  # the send woke the parked poll (and a 250 ms tick passed)
a = sqs.get_queue_attributes(QueueUrl=w, AttributeNames=["All"])["Attributes"]
ok(a["ApproximateNumberOfMessages"] == "1" and a["ApproximateNumberOfMessagesNotVisible"] == "0",
   "the message stayed visible: %s" % a)
m = sqs.receive_message(QueueUrl=w, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
ok(m["Attributes"]["ApproximateReceiveCount"] == "1", "never received before: %s" % m["Attributes"])

# I: AT_TIMESTAMP out of range is refused, not converted.
k = client("kinesis", PORT)
k.create_stream(StreamName="ts", ShardCount=1)
for bad in (-5, 1e300):
    body = json.dumps({"StreamName": "ts", "ShardId": "shardId-000000000000",
                       "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": bad}).encode()
    rq = urllib.request.Request(EP + "/", data=body, headers={
        "X-Amz-Target": "Kinesis_20131202.GetShardIterator",
        "Content-Type": "application/x-amz-json-1.1"})
    try:
        urllib.request.urlopen(rq)
        ok(False, "timestamp %r accepted" % bad)
    except urllib.error.HTTPError as e:
        ok(e.code == 400 and b"InvalidArgumentException" in e.read(), "timestamp %r" % bad)
print("review: %d checks passed" % awslib.checks)
