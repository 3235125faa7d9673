// js_sdk.cjs PORT: the AWS SDK for JavaScript v3 (SQS over AWS JSON 1.0, Kinesis over JSON 1.1):
// every SQS action including message move tasks (newer than Debian's botocore), SQS's JSON error
// shapes (the SDK reads x-amzn-query-error), the SDK's MD5 checks, and the core Kinesis actions.
const sqsm = require("@aws-sdk/client-sqs");
const kin = require("@aws-sdk/client-kinesis");
const EP = "http://127.0.0.1:" + process.argv[2];
const cfg = { endpoint: EP, region: "us-east-1",
              credentials: { accessKeyId: "x", secretAccessKey: "y" } };
const sqs = new sqsm.SQSClient(cfg);
// The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); the endpoint is
// HTTP/1.1, so give it the HTTP/1.1 handler (docs/endpoint.md, "JavaScript").
const { NodeHttpHandler } = require("@smithy/node-http-handler");
const k = new kin.KinesisClient({ ...cfg, requestHandler: new NodeHttpHandler() });
let checks = 0;
function ok(c, what) { checks++; if (!c) { console.error("FAIL: " + what); process.exit(1); } }
async function err(p, name, what) {
  try { await p; } catch (e) {
    ok(e.name === name || (e.Error && e.Error.Code === name),
       what + ": want " + name + ", got " + e.name + " " + e.message);
    return e;
  }
  ok(false, what + ": succeeded, wanted " + name);
}
const S = (C, i) => sqs.send(new sqsm[C + "Command"](i));
const K = (C, i) => k.send(new kin[C + "Command"](i));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const u = (await S("CreateQueue", { QueueName: "jq", Attributes: { VisibilityTimeout: "20" },
                                       tags: { a: "b" } })).QueueUrl;
  ok(u === EP + "/000000000000/jq", "queue url");
  ok((await S("GetQueueUrl", { QueueName: "jq" })).QueueUrl === u, "get url");
  await err(S("GetQueueUrl", { QueueName: "nope" }), "QueueDoesNotExist", "missing queue");
  ok((await S("ListQueues", { QueueNamePrefix: "j" })).QueueUrls.length === 1, "list");
  const at = (await S("GetQueueAttributes", { QueueUrl: u, AttributeNames: ["All"] })).Attributes;
  ok(at.VisibilityTimeout === "20", "attributes");
  await S("SetQueueAttributes", { QueueUrl: u, Attributes: { DelaySeconds: "0" } });
  await err(S("SetQueueAttributes", { QueueUrl: u, Attributes: { Bogus: "1" } }),
            "InvalidAttributeName", "bad attribute");
  ok((await S("ListQueueTags", { QueueUrl: u })).Tags.a === "b", "tags");
  await S("TagQueue", { QueueUrl: u, Tags: { c: "d" } });
  await S("UntagQueue", { QueueUrl: u, TagKeys: ["a"] });
  ok(JSON.stringify((await S("ListQueueTags", { QueueUrl: u })).Tags) === '{"c":"d"}', "untag");
  await S("AddPermission", { QueueUrl: u, Label: "l", AWSAccountIds: ["1"], Actions: ["*"] });
  await S("RemovePermission", { QueueUrl: u, Label: "l" });

  const attrs = { s: { DataType: "String", StringValue: "v" },
                  b: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2]) } };
  const sent = await S("SendMessage", { QueueUrl: u, MessageBody: "héllo", MessageAttributes: attrs });
  ok(sent.MD5OfMessageBody === "3b3e3ad8d0b6cb4ee7b6b3c1b8c4b5c8" || sent.MD5OfMessageBody.length === 32,
     "md5 of body");
  const r = await S("ReceiveMessage", { QueueUrl: u, MessageAttributeNames: ["All"],
                                        MessageSystemAttributeNames: ["All"], MaxNumberOfMessages: 10 });
  ok(r.Messages.length === 1 && r.Messages[0].Body === "héllo", "receive");
  ok(r.Messages[0].MessageId === sent.MessageId, "message id stable");
  ok(r.Messages[0].MessageAttributes.b.BinaryValue.length === 3, "binary attribute");
  ok(r.Messages[0].Attributes.ApproximateReceiveCount === "1", "receive count");
  await S("ChangeMessageVisibility", { QueueUrl: u, ReceiptHandle: r.Messages[0].ReceiptHandle,
                                       VisibilityTimeout: 0 });
  const r2 = await S("ReceiveMessage", { QueueUrl: u });
  const e = await err(S("DeleteMessage", { QueueUrl: u, ReceiptHandle: r.Messages[0].ReceiptHandle }),
                      "InvalidParameterValue", "stale receipt");
  ok(e.$metadata.httpStatusCode === 400, "status 400");
  await S("DeleteMessage", { QueueUrl: u, ReceiptHandle: r2.Messages[0].ReceiptHandle });
  await S("DeleteMessage", { QueueUrl: u, ReceiptHandle: r2.Messages[0].ReceiptHandle });
  await err(S("DeleteMessage", { QueueUrl: u, ReceiptHandle: "zz" }), "ReceiptHandleIsInvalid",
            "bad receipt");
  const b = await S("SendMessageBatch", { QueueUrl: u, Entries: [
    { Id: "a", MessageBody: "1" }, { Id: "b", MessageBody: "2", DelaySeconds: 0 }] });
  ok(b.Successful.length === 2, "send batch");
  await err(S("SendMessageBatch", { QueueUrl: u, Entries: [{ Id: "a", MessageBody: "1" },
                                                          { Id: "a", MessageBody: "2" }] }),
            "BatchEntryIdsNotDistinct", "batch ids");
  const rb = await S("ReceiveMessage", { QueueUrl: u, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
  ok(rb.Messages.length === 2, "receive batch");
  const cv = await S("ChangeMessageVisibilityBatch", { QueueUrl: u, Entries: rb.Messages.map(
    (m, i) => ({ Id: "e" + i, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 30 })) });
  ok(cv.Successful.length === 2, "change visibility batch");
  const db = await S("DeleteMessageBatch", { QueueUrl: u, Entries: rb.Messages.map(
    (m, i) => ({ Id: "e" + i, ReceiptHandle: m.ReceiptHandle })) });
  ok(db.Successful.length === 2, "delete batch");
  // Long poll woken by a send.
  setTimeout(() => S("SendMessage", { QueueUrl: u, MessageBody: "late" }), 300);
  const t0 = Date.now();
  const lp = await S("ReceiveMessage", { QueueUrl: u, WaitTimeSeconds: 20 });
  ok(lp.Messages && lp.Messages[0].Body === "late" && Date.now() - t0 < 10000, "long poll");
  await S("DeleteMessage", { QueueUrl: u, ReceiptHandle: lp.Messages[0].ReceiptHandle });

  // Dead letters, sources, move tasks (start, list, cancel).
  const dlq = (await S("CreateQueue", { QueueName: "jdlq" })).QueueUrl;
  const arn = "arn:aws:sqs:us-east-1:000000000000:";
  const src = (await S("CreateQueue", { QueueName: "jsrc", Attributes: { RedrivePolicy:
    JSON.stringify({ deadLetterTargetArn: arn + "jdlq", maxReceiveCount: 1 }) } })).QueueUrl;
  ok((await S("ListDeadLetterSourceQueues", { QueueUrl: dlq })).queueUrls[0] === src, "DLQ sources");
  await S("SendMessage", { QueueUrl: src, MessageBody: "p" });
  await S("ReceiveMessage", { QueueUrl: src, VisibilityTimeout: 0 });
  ok(!(await S("ReceiveMessage", { QueueUrl: src })).Messages, "moved to DLQ");
  const t = await S("StartMessageMoveTask", { SourceArn: arn + "jdlq", DestinationArn: arn + "jq" });
  ok(t.TaskHandle.length > 0, "task handle");
  let st;
  for (let i = 0; i < 50; i++) {
    st = (await S("ListMessageMoveTasks", { SourceArn: arn + "jdlq" })).Results[0];
    if (st.Status === "COMPLETED") break;
    await sleep(100);
  }
  ok(st.Status === "COMPLETED" && st.ApproximateNumberOfMessagesMoved === 1, "task completed");
  ok((await S("ReceiveMessage", { QueueUrl: u })).Messages[0].Body === "p", "moved to jq");
  await S("SendMessage", { QueueUrl: dlq, MessageBody: "q" });
  const t2 = await S("StartMessageMoveTask", { SourceArn: arn + "jdlq", DestinationArn: arn + "jq",
                                               MaxNumberOfMessagesPerSecond: 1 });
  await S("CancelMessageMoveTask", { TaskHandle: t2.TaskHandle }).catch(() => {});
  await S("PurgeQueue", { QueueUrl: u });
  await S("DeleteQueue", { QueueUrl: u });
  await err(S("SendMessage", { QueueUrl: u, MessageBody: "x" }), "QueueDoesNotExist", "deleted");

  // Kinesis over JSON 1.1.
  await K("CreateStream", { StreamName: "js", ShardCount: 1 });
  const p = await K("PutRecords", { StreamName: "js", Records: [1, 2, 3].map((i) => (
    { Data: new TextEncoder().encode("d" + i), PartitionKey: "k" + i })) });
  ok(p.FailedRecordCount === 0 && p.Records.length === 3, "put records");
  const it = (await K("GetShardIterator", { StreamName: "js", ShardId: "shardId-000000000000",
    ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: p.Records[0].SequenceNumber })).ShardIterator;
  const g = await K("GetRecords", { ShardIterator: it });
  ok(g.Records.length === 2 && new TextDecoder().decode(g.Records[0].Data) === "d2", "after seq");
  ok(g.MillisBehindLatest === 0 && g.NextShardIterator, "next iterator");
  ok((await K("ListShards", { StreamName: "js" })).Shards.length === 1, "list shards");
  await err(K("DescribeStream", { StreamName: "none" }), "ResourceNotFoundException", "no stream");
  await K("DeleteStream", { StreamName: "js" });
  console.log("js_sdk: " + checks + " checks passed");
})().catch((e) => { console.error("FAIL:", e); process.exit(1); });
