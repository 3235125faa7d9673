# clock.py PORT STEP: one step of test_clock.sh, run against a server whose clock is fixed by
# EDDY_TEST_NOW_MS (each step restarts it later): time-dependent rules without sleeping.
import json, sys

from awslib import client, code

port, step, state_file = sys.argv[1], sys.argv[2], sys.argv[3]
sqs, k = client("sqs", port), client("kinesis", port)


if step == "t0":
    u = sqs.create_queue(QueueName="c")["QueueUrl"]
    sqs.send_message(QueueUrl=u, MessageBody="a")
    sqs.send_message(QueueUrl=u, MessageBody="b")
    ms = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=2, VisibilityTimeout=1)["Messages"]
    k.create_stream(StreamName="c", ShardCount=1)
    k.put_record(StreamName="c", Data=b"r", PartitionKey="p")
    it = k.get_shard_iterator(StreamName="c", ShardId="shardId-000000000000",
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    json.dump({"u": u, "rh": [m["ReceiptHandle"] for m in ms], "it": it}, open(state_file, "w"))
    print("t0: received 2 with a 1 s visibility timeout, took an iterator")
elif step == "t2s":  # 2 s later: the timeouts ran out
    st = json.load(open(state_file))
    c = code(sqs.change_message_visibility, QueueUrl=st["u"], ReceiptHandle=st["rh"][0],
             VisibilityTimeout=10)
    assert c == "AWS.SimpleQueueService.MessageNotInflight", c
    ms = sqs.receive_message(QueueUrl=st["u"], MaxNumberOfMessages=2, VisibilityTimeout=3600)["Messages"]
    assert len(ms) == 2, "visible again after the timeout"
    c = code(sqs.change_message_visibility, QueueUrl=st["u"], ReceiptHandle=ms[0]["ReceiptHandle"],
             VisibilityTimeout=43200)
    assert c is None, "43200 s from the receive itself is allowed: %s" % c
    st["rh2"] = ms[1]["ReceiptHandle"]
    json.dump(st, open(state_file, "w"))
    assert len(k.get_records(ShardIterator=st["it"])["Records"]) == 1, "iterator still valid"
    print("t+2s: MessageNotInflight after the timeout; received again")
elif step == "t6m":  # 6 minutes later: past the 5-minute iterator life
    st = json.load(open(state_file))
    c = code(sqs.change_message_visibility, QueueUrl=st["u"], ReceiptHandle=st["rh2"],
             VisibilityTimeout=43200)
    assert c == "InvalidParameterValue", "12 h cap from the receive: %s" % c
    b = sqs.change_message_visibility_batch(QueueUrl=st["u"], Entries=[
        {"Id": "cap", "ReceiptHandle": st["rh2"], "VisibilityTimeout": 43200}])
    f = b["Failed"][0]
    assert f["Code"] == "InvalidParameterValue" and "43200 seconds" in f["Message"], \
        "12 h cap in a batch entry: %s" % f
    c = code(k.get_records, ShardIterator=st["it"])
    assert c == "ExpiredIteratorException", c
    print("t+6m: visibility capped at 12 h from the receive; the iterator expired")
