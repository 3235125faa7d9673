# crash_check.py PORT OUT: after the restart, every acknowledged message and record is there.
import json, sys

from awslib import client

port, out = sys.argv[1], sys.argv[2]
acked = json.load(open(out))
sqs, k = client("sqs", port), client("kinesis", port)
u = sqs.get_queue_url(QueueName="crash")["QueueUrl"]
seen = set()
while True:
    r = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10, VisibilityTimeout=600)
    if "Messages" not in r:
        break
    seen.update(m["Body"] for m in r["Messages"])
missing = [b for b in acked["msgs"] if b not in seen]
assert not missing, "lost %d acknowledged messages, e.g. %s" % (len(missing), missing[:3])
recs = set()
for sh in k.list_shards(StreamName="crash")["Shards"]:
    it = k.get_shard_iterator(StreamName="crash", ShardId=sh["ShardId"],
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while it:
        g = k.get_records(ShardIterator=it)
        recs.update(x["Data"].decode() for x in g["Records"])
        if not g["Records"]:
            break
        it = g.get("NextShardIterator")
lost = [d for d in acked["recs"] if d not in recs]
assert not lost, "lost %d acknowledged records, e.g. %s" % (len(lost), lost[:3])
print("all %d messages and %d records acknowledged before SIGKILL are there"
      % (len(acked["msgs"]), len(acked["recs"])))
