# kinesis_boto3.py PORT: Kinesis through Debian's boto3 (JSON 1.1): streams, shards (list with
# filters and pages), put record(s), every iterator type, AFTER_SEQUENCE_NUMBER, MillisBehindLatest,
# a closed shard's end with its children, split/merge lineage, retention, tags, errors.
import datetime, sys

from awslib import client, err, ok
import awslib

k = client("kinesis", sys.argv[1])


def read_all(stream, shard, typ="TRIM_HORIZON", **kw):
    it = k.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType=typ,
                              **kw)["ShardIterator"]
    out = []
    while it:
        g = k.get_records(ShardIterator=it, Limit=1000)
        out += g["Records"]
        if not g["Records"]:
            return out, g
        it = g.get("NextShardIterator")
    return out, g


k.create_stream(StreamName="clicks", ShardCount=2)
err(k.create_stream, "ResourceInUseException", StreamName="clicks", ShardCount=1)
k.get_waiter("stream_exists").wait(StreamName="clicks", WaiterConfig={"Delay": 0.1})
d = k.describe_stream(StreamName="clicks")["StreamDescription"]
ok(d["StreamStatus"] == "ACTIVE" and len(d["Shards"]) == 2, "describe")
ok(k.describe_stream(StreamName="clicks", Limit=1)["StreamDescription"]["HasMoreShards"], "limit")
s = k.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]
ok(s["OpenShardCount"] == 2 and s["RetentionPeriodHours"] == 24, "summary")
ok(k.list_streams()["StreamNames"] == ["clicks"], "list streams")

# Put: MD5 routing as Kinesis; partial-failure shape; sequence numbers increase per shard.
r = k.put_record(StreamName="clicks", Data=b"first", PartitionKey="user-1")
shard = r["ShardId"]
recs = [{"Data": b"r%d" % i, "PartitionKey": "user-1"} for i in range(5)]
pr = k.put_records(StreamName="clicks", Records=recs)
ok(pr["FailedRecordCount"] == 0 and all(x["ShardId"] == shard for x in pr["Records"]), "put records")
seqs = [r["SequenceNumber"]] + [x["SequenceNumber"] for x in pr["Records"]]
ok(seqs == sorted(seqs, key=int), "sequence numbers increase")
err(k.put_record, "ResourceNotFoundException", StreamName="nope", Data=b"x", PartitionKey="p")

# Iterators: TRIM_HORIZON, AT/AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP.
got, g = read_all("clicks", shard)
ok([x["Data"] for x in got] == [b"first"] + [b"r%d" % i for i in range(5)], "trim horizon")
ok(g["MillisBehindLatest"] == 0, "caught up")
got, _ = read_all("clicks", shard, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[0])
ok(len(got) == 5 and got[0]["SequenceNumber"] == seqs[1], "AFTER_SEQUENCE_NUMBER")
got, _ = read_all("clicks", shard, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2])
ok(len(got) == 4, "AT_SEQUENCE_NUMBER")
it = k.get_shard_iterator(StreamName="clicks", ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
k.put_record(StreamName="clicks", Data=b"new", PartitionKey="user-1")
ok([x["Data"] for x in k.get_records(ShardIterator=it)["Records"]] == [b"new"], "LATEST")
got, _ = read_all("clicks", shard, "AT_TIMESTAMP",
                  Timestamp=datetime.datetime.now() - datetime.timedelta(hours=1))
ok(len(got) == 7, "AT_TIMESTAMP")
err(k.get_shard_iterator, "ResourceNotFoundException", StreamName="clicks",
    ShardId="shardId-000000000099", ShardIteratorType="LATEST")
err(k.get_records, "InvalidArgumentException", ShardIterator="x" * 80)

# Split: the parent closes; reading it to its end gives no next iterator and its children.
k.split_shard(StreamName="clicks", ShardToSplit=shard,
              NewStartingHashKey=str(int(d["Shards"][int(shard[-1])]["HashKeyRange"]["StartingHashKey"]) + 2**64))
shards = k.list_shards(StreamName="clicks")["Shards"]
ok(len(shards) == 4, "split adds two shards")
kids = [x for x in shards if x.get("ParentShardId") == shard]
ok(len(kids) == 2, "children name their parent")
closed = [x for x in shards if x["ShardId"] == shard][0]
ok("EndingSequenceNumber" in closed["SequenceNumberRange"], "closed shard has an end")
got, g = read_all("clicks", shard)
ok(len(got) == 7 and "NextShardIterator" not in g, "closed shard end: no next iterator")
ok(sorted(c["ShardId"] for c in g["ChildShards"]) == sorted(x["ShardId"] for x in kids),
   "child shards at the end")
# Merge the two children back: one child with both parents.
k.merge_shards(StreamName="clicks", ShardToMerge=kids[0]["ShardId"],
               AdjacentShardToMerge=kids[1]["ShardId"])
shards = k.list_shards(StreamName="clicks")["Shards"]
m = [x for x in shards if "AdjacentParentShardId" in x]
ok(len(m) == 1 and {m[0]["ParentShardId"], m[0]["AdjacentParentShardId"]} ==
   {kids[0]["ShardId"], kids[1]["ShardId"]}, "merge lineage")
ok(len(k.list_shards(StreamName="clicks", ShardFilter={"Type": "AT_LATEST"})["Shards"]) == 2,
   "AT_LATEST filter")
p1 = k.list_shards(StreamName="clicks", MaxResults=2)
ok(len(p1["Shards"]) == 2 and "NextToken" in p1, "list shards page 1")
p2 = k.list_shards(NextToken=p1["NextToken"])
ok(len(p2["Shards"]) == 3, "list shards page 2")
u = k.update_shard_count(StreamName="clicks", TargetShardCount=4, ScalingType="UNIFORM_SCALING")
ok(u["TargetShardCount"] == 4 and k.describe_stream_summary(StreamName="clicks")
   ["StreamDescriptionSummary"]["OpenShardCount"] == 4, "update shard count")

# Retention and tags.
k.increase_stream_retention_period(StreamName="clicks", RetentionPeriodHours=48)
err(k.increase_stream_retention_period, "InvalidArgumentException", StreamName="clicks",
    RetentionPeriodHours=24)
k.decrease_stream_retention_period(StreamName="clicks", RetentionPeriodHours=24)
k.add_tags_to_stream(StreamName="clicks", Tags={"a": "1", "b": "2"})
k.remove_tags_from_stream(StreamName="clicks", TagKeys=["a"])
ok(k.list_tags_for_stream(StreamName="clicks")["Tags"] == [{"Key": "b", "Value": "2"}], "tags")
ok(k.describe_limits()["OpenShardCount"] == 4, "limits")
err(k.register_stream_consumer, "InvalidArgumentException",
    StreamARN="arn:aws:kinesis:us-east-1:000000000000:stream/clicks", ConsumerName="c")
k.delete_stream(StreamName="clicks")
err(k.describe_stream, "ResourceNotFoundException", StreamName="clicks")
print("kinesis_boto3: %d checks passed" % awslib.checks)
