# sqs_boto3.py PORT: every SQS action through Debian's boto3 (the Query protocol, XML replies),
# with the semantics emulators get wrong: stale receipts, the 12 h visibility cap, the move to
# the dead-letter queue with its receive count, deleting a deleted message, and SQS's errors.
import json, sys, threading, time

from awslib import client, err, ok
import awslib

PORT = sys.argv[1]
EP = "http://127.0.0.1:" + PORT
sqs = client("sqs", PORT)

# Queues: create (idempotent on equal attributes), URL, list with prefix and pages, attributes.
u = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "40"},
                     tags={"team": "a"})["QueueUrl"]
ok(u == EP + "/000000000000/orders", "queue url " + u)
ok(sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "40"})["QueueUrl"] == u,
   "create is idempotent")
err(sqs.create_queue, "QueueAlreadyExists", QueueName="orders",
    Attributes={"VisibilityTimeout": "41"})
ok(sqs.get_queue_url(QueueName="orders")["QueueUrl"] == u, "get url")
err(sqs.get_queue_url, "AWS.SimpleQueueService.NonExistentQueue", QueueName="nope")
for i in range(5):
    sqs.create_queue(QueueName="page-%d" % i)
p1 = sqs.list_queues(QueueNamePrefix="page-", MaxResults=3)
ok(len(p1["QueueUrls"]) == 3 and "NextToken" in p1, "first page")
p2 = sqs.list_queues(QueueNamePrefix="page-", MaxResults=3, NextToken=p1["NextToken"])
ok(len(p2["QueueUrls"]) == 2 and "NextToken" not in p2, "second page")
ok(len(sqs.list_queues()["QueueUrls"]) == 6, "list all")
a = sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["All"])["Attributes"]
ok(a["VisibilityTimeout"] == "40" and a["QueueArn"].endswith(":orders"), "attributes")
sqs.set_queue_attributes(QueueUrl=u, Attributes={"DelaySeconds": "0", "MaximumMessageSize": "2048"})
ok(sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["MaximumMessageSize"])["Attributes"]
   == {"MaximumMessageSize": "2048"}, "set attributes")
err(sqs.set_queue_attributes, "InvalidAttributeName", QueueUrl=u, Attributes={"Bogus": "1"})
err(sqs.set_queue_attributes, "InvalidAttributeValue", QueueUrl=u,
    Attributes={"VisibilityTimeout": "99999"})
err(sqs.get_queue_attributes, "InvalidAttributeName", QueueUrl=u, AttributeNames=["Nope"])
err(sqs.create_queue, "InvalidParameterValue", QueueName="a/../b")
err(sqs.create_queue, "InvalidParameterValue", QueueName="x" * 81)
err(sqs.create_queue, "InvalidParameterValue", QueueName="f", Attributes={"FifoQueue": "true"})  # .fifo rule

# Tags and permissions (no-ops).
ok(sqs.list_queue_tags(QueueUrl=u)["Tags"] == {"team": "a"}, "tags from create")
sqs.tag_queue(QueueUrl=u, Tags={"env": "test"})
sqs.untag_queue(QueueUrl=u, TagKeys=["team"])
ok(sqs.list_queue_tags(QueueUrl=u)["Tags"] == {"env": "test"}, "tag/untag")
sqs.add_permission(QueueUrl=u, Label="l", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
sqs.remove_permission(QueueUrl=u, Label="l")

# Messages: send with attributes (botocore verifies both MD5s), receive, delete.
attrs = {"s": {"DataType": "String", "StringValue": "v\u00e9"},
         "n": {"DataType": "Number", "StringValue": "42"},
         "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
         "c": {"DataType": "String.custom", "StringValue": "x"}}
r = sqs.send_message(QueueUrl=u, MessageBody="h\u00e9llo <&>", MessageAttributes=attrs)
ok(len(r["MessageId"]) == 36 and "MD5OfMessageAttributes" in r, "send")
m = sqs.receive_message(QueueUrl=u, MessageAttributeNames=["All"], AttributeNames=["All"],
                        MaxNumberOfMessages=10)["Messages"]
ok(len(m) == 1 and m[0]["Body"] == "h\u00e9llo <&>" and m[0]["MessageId"] == r["MessageId"],
   "receive")
ok(m[0]["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\xff", "binary attribute")
ok(m[0]["Attributes"]["ApproximateReceiveCount"] == "1", "receive count")
m2 = sqs.receive_message(QueueUrl=u, MessageAttributeNames=["s"])  # none visible now
ok("Messages" not in m2, "in flight is invisible")
a = sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["All"])["Attributes"]
ok(a["ApproximateNumberOfMessagesNotVisible"] == "1" and a["ApproximateNumberOfMessages"] == "0",
   "counts")
sqs.change_message_visibility(QueueUrl=u, ReceiptHandle=m[0]["ReceiptHandle"], VisibilityTimeout=0)
m3 = sqs.receive_message(QueueUrl=u, MessageAttributeNames=["s", "n"])["Messages"]
ok(set(m3[0]["MessageAttributes"]) == {"s", "n"}, "attribute selection (MD5 of the subset)")
# A stale receipt (the message was received again) is refused, and the message stays.
err(sqs.delete_message, "InvalidParameterValue", QueueUrl=u, ReceiptHandle=m[0]["ReceiptHandle"])
sqs.delete_message(QueueUrl=u, ReceiptHandle=m3[0]["ReceiptHandle"])
sqs.delete_message(QueueUrl=u, ReceiptHandle=m3[0]["ReceiptHandle"])  # deleted: succeeds again
err(sqs.delete_message, "ReceiptHandleIsInvalid", QueueUrl=u, ReceiptHandle="garbage")
err(sqs.send_message, "InvalidParameterValue", QueueUrl=u, MessageBody="x" * 3000)
err(sqs.send_message, "InvalidMessageContents", QueueUrl=u, MessageBody="bad \x01 char")
err(sqs.send_message, "InvalidParameterValue", QueueUrl=u, MessageBody="x", MessageGroupId="g")
err(sqs.send_message, "AWS.SimpleQueueService.NonExistentQueue",
    QueueUrl=EP + "/000000000000/gone", MessageBody="x")
err(sqs.receive_message, "InvalidParameterValue", QueueUrl=u, MaxNumberOfMessages=11)

# The visibility cap and MessageNotInflight move the clock: test_clock.sh covers them.
sqs.send_message(QueueUrl=u, MessageBody="cap")

# Batches: per-entry results, SQS's batch errors.
b = sqs.send_message_batch(QueueUrl=u, Entries=[
    {"Id": "a", "MessageBody": "1", "DelaySeconds": 0},
    {"Id": "b", "MessageBody": "2", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
    {"Id": "c", "MessageBody": "bad \x02"}])
ok(len(b["Successful"]) == 2 and b["Failed"][0]["Id"] == "c", "send batch partial failure")
err(sqs.send_message_batch, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", QueueUrl=u,
    Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
err(sqs.send_message_batch, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", QueueUrl=u,
    Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}])
err(sqs.send_message_batch, "AWS.SimpleQueueService.InvalidBatchEntryId", QueueUrl=u,
    Entries=[{"Id": "a b", "MessageBody": "x"}])
err(sqs.send_message_batch, "AWS.SimpleQueueService.BatchRequestTooLong", QueueUrl=u,
    Entries=[{"Id": str(i), "MessageBody": "x" * 250000} for i in range(5)])
err(sqs.delete_message_batch, "AWS.SimpleQueueService.EmptyBatchRequest", QueueUrl=u, Entries=[])
ms = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10)["Messages"]
ok(len(ms) == 3, "three visible (cap message and the batch)")
cv = sqs.change_message_visibility_batch(QueueUrl=u, Entries=[
    {"Id": "x%d" % i, "ReceiptHandle": x["ReceiptHandle"], "VisibilityTimeout": 100}
    for i, x in enumerate(ms)] + [{"Id": "bad", "ReceiptHandle": "nope", "VisibilityTimeout": 1}])
ok(len(cv["Successful"]) == 3 and cv["Failed"][0]["Code"] == "ReceiptHandleIsInvalid",
   "change visibility batch")
d = sqs.delete_message_batch(QueueUrl=u, Entries=[
    {"Id": "x%d" % i, "ReceiptHandle": x["ReceiptHandle"]} for i, x in enumerate(ms)])
ok(len(d["Successful"]) == 3, "delete batch")

# Long poll: wakes at a send from another connection, long before its 20 s.
sqs2 = client("sqs", PORT)
threading.Timer(0.3, lambda: sqs2.send_message(QueueUrl=u, MessageBody="late")).start()
t0 = time.time()
m = sqs.receive_message(QueueUrl=u, WaitTimeSeconds=20).get("Messages", [])
ok(len(m) == 1 and m[0]["Body"] == "late" and time.time() - t0 < 10, "long poll wakes on send")
t0 = time.time()
ok("Messages" not in sqs.receive_message(QueueUrl=u, WaitTimeSeconds=1), "long poll times out")
ok(0.9 < time.time() - t0 < 8, "long poll waits its time")

# Dead-letter queue: the move happens at the receive after maxReceiveCount, count kept.
dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
src = sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": json.dumps(
    {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:orders-dlq",
     "maxReceiveCount": "2"})})["QueueUrl"]
ok(sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src], "DLQ sources")
sqs.send_message(QueueUrl=src, MessageBody="poison")
for i in range(2):
    ok(len(sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]) == 1, "receive %d" % i)
ok("Messages" not in sqs.receive_message(QueueUrl=src, VisibilityTimeout=0), "moved, not returned")
dm = sqs.receive_message(QueueUrl=dlq, AttributeNames=["ApproximateReceiveCount"])["Messages"]
ok(dm[0]["Body"] == "poison" and dm[0]["Attributes"]["ApproximateReceiveCount"] == "3",
   "in the DLQ with its receive count")
sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=dm[0]["ReceiptHandle"], VisibilityTimeout=0)

# Message move tasks are newer than Debian's botocore: js_sdk.mjs covers them.

# Purge and delete.
sqs.send_message(QueueUrl=u, MessageBody="p")
sqs.purge_queue(QueueUrl=u)
ok(sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["ApproximateNumberOfMessages"])
   ["Attributes"]["ApproximateNumberOfMessages"] == "0", "purged")
sqs.delete_queue(QueueUrl=u)
err(sqs.get_queue_url, "AWS.SimpleQueueService.NonExistentQueue", QueueName="orders")
err(sqs.delete_queue, "InvalidAddress", QueueUrl="http://x/notanaccount/q")
print("sqs_boto3: %d checks passed" % awslib.checks)
