# fifo_boto3.py PORT: FIFO queues through boto3 (Query protocol): the .fifo naming rule, the
# FIFO attributes, group order, deduplication answering with the first message's id, a
# ReceiveRequestAttemptId retry returning the same messages, and SQS's FIFO errors.
import sys, threading, time

from awslib import client, err, ok
import awslib

sqs = client("sqs", sys.argv[1])
err(sqs.create_queue, "InvalidParameterValue", QueueName="plain.fifo")
err(sqs.create_queue, "InvalidParameterValue", QueueName="nofifo",
    Attributes={"FifoQueue": "true"})
u = sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
ok(u.endswith("/jobs.fifo"), "fifo url")
ok(any(x.endswith("/jobs.fifo") for x in sqs.list_queues()["QueueUrls"]), "listed")
a = sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["All"])["Attributes"]
ok(a["FifoQueue"] == "true" and a["ContentBasedDeduplication"] == "false" and
   a["DeduplicationScope"] == "queue" and a["FifoThroughputLimit"] == "perQueue", str(a))
sqs.set_queue_attributes(QueueUrl=u, Attributes={"ContentBasedDeduplication": "true"})
a = sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["ContentBasedDeduplication"])
ok(a["Attributes"]["ContentBasedDeduplication"] == "true", "set content-based dedup")
err(sqs.set_queue_attributes, "InvalidAttributeName", QueueUrl=u,
    Attributes={"FifoQueue": "false"})

# Errors: no group, a per-message delay, FIFO parameters on a standard queue.
err(sqs.send_message, "MissingParameter", QueueUrl=u, MessageBody="x")
err(sqs.send_message, "InvalidParameterValue", QueueUrl=u, MessageBody="x", MessageGroupId="g",
    DelaySeconds=5)
std = sqs.create_queue(QueueName="std")["QueueUrl"]
err(sqs.send_message, "InvalidParameterValue", QueueUrl=std, MessageBody="x", MessageGroupId="g")

# Group order and the sequence number; dedup answers with the first message's id.
first = sqs.send_message(QueueUrl=u, MessageBody="a1", MessageGroupId="a",
                         MessageDeduplicationId="d-a1")
ok(first["SequenceNumber"].isdigit(), "SequenceNumber in the reply: %s" % first)
dup = sqs.send_message(QueueUrl=u, MessageBody="other", MessageGroupId="a",
                       MessageDeduplicationId="d-a1")
ok(dup["MessageId"] == first["MessageId"], "dedup: the first message's id")
b = sqs.send_message_batch(QueueUrl=u, Entries=[
    {"Id": "1", "MessageBody": "a2", "MessageGroupId": "a"},
    {"Id": "2", "MessageBody": "b1", "MessageGroupId": "b"},
    {"Id": "3", "MessageBody": "a3", "MessageGroupId": "a"},
    {"Id": "4", "MessageBody": "late", "MessageGroupId": "a", "DelaySeconds": 1}])
ok(len(b["Successful"]) == 3 and b["Failed"][0]["Id"] == "4", "batch: %s" % b)
ok(all("SequenceNumber" in x for x in b["Successful"]), "batch sequence numbers")

r1 = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10, ReceiveRequestAttemptId="try-1",
                         AttributeNames=["All"])["Messages"]
bodies = [m["Body"] for m in r1]
ok([x for x in bodies if x.startswith("a")] == ["a1", "a2", "a3"], "group a in order: %s" % bodies)
ok("other" not in bodies, "the duplicate was not stored")
m0 = r1[0]["Attributes"]
ok(m0["MessageGroupId"] == "a" and m0["MessageDeduplicationId"] == "d-a1" and
   m0["SequenceNumber"] == first["SequenceNumber"], "system attributes: %s" % m0)
r2 = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10, ReceiveRequestAttemptId="try-1")
ok([m["ReceiptHandle"] for m in r2["Messages"]] == [m["ReceiptHandle"] for m in r1],
   "the attempt id's retry returns the same messages and receipts")
ok("Messages" not in sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10),
   "groups locked while in flight")

# A delete unblocks the group: a poll parked on the locked queue gets the next message at once.
w = sqs.create_queue(QueueName="wake.fifo", Attributes={"FifoQueue": "true",
                                                        "ContentBasedDeduplication": "true"})["QueueUrl"]
for body in ("w1", "w2"):
    sqs.send_message(QueueUrl=w, MessageBody=body, MessageGroupId="g")
held = sqs.receive_message(QueueUrl=w)["Messages"][0]
got = []
t = threading.Thread(target=lambda: got.extend(
    client("sqs", sys.argv[1]).receive_message(QueueUrl=w, WaitTimeSeconds=10).get("Messages", [])))
t.start()
time.sleep(0.5)  # parked behind the locked group
t0 = time.time()
sqs.delete_message(QueueUrl=w, ReceiptHandle=held["ReceiptHandle"])
t.join()
ok([m["Body"] for m in got] == ["w2"] and time.time() - t0 < 2, "woken by the delete: %s" % got)
print("fifo_boto3: %d checks passed" % awslib.checks)
