// fifo_js.cjs PORT: FIFO queues through the AWS SDK for JavaScript v3 (AWS JSON 1.0): group
// order, dedup answering with the first message's id, a ReceiveRequestAttemptId retry.
const sqsm = require("@aws-sdk/client-sqs");
const sqs = new sqsm.SQSClient({ endpoint: "http://127.0.0.1:" + process.argv[2],
  region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const S = (C, i) => sqs.send(new sqsm[C + "Command"](i));
let checks = 0;
function ok(c, what) { checks++; if (!c) { console.error("FAIL: " + what); process.exit(1); } }

(async () => {
  const u = (await S("CreateQueue", { QueueName: "js.fifo",
    Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" } })).QueueUrl;
  try {
    await S("SendMessage", { QueueUrl: u, MessageBody: "x" });
    ok(false, "send without a group accepted");
  } catch (e) { ok(e.name === "MissingParameter", "no group: " + e.name); }
  const first = await S("SendMessage", { QueueUrl: u, MessageBody: "g1", MessageGroupId: "g" });
  const dup = await S("SendMessage", { QueueUrl: u, MessageBody: "g1", MessageGroupId: "g" });
  ok(dup.MessageId === first.MessageId && first.SequenceNumber, "content dedup: first id");
  await S("SendMessage", { QueueUrl: u, MessageBody: "g2", MessageGroupId: "g" });
  const r1 = (await S("ReceiveMessage", { QueueUrl: u, MaxNumberOfMessages: 10,
    ReceiveRequestAttemptId: "a1", MessageSystemAttributeNames: ["All"] })).Messages;
  ok(r1.map((m) => m.Body).join() === "g1,g2", "group order: " + r1.map((m) => m.Body));
  ok(r1[0].Attributes.MessageGroupId === "g" && r1[0].Attributes.SequenceNumber ===
     first.SequenceNumber, "system attributes");
  const r2 = (await S("ReceiveMessage", { QueueUrl: u, MaxNumberOfMessages: 10,
    ReceiveRequestAttemptId: "a1" })).Messages;
  ok(r2.map((m) => m.ReceiptHandle).join() === r1.map((m) => m.ReceiptHandle).join(),
     "attempt id retry");
  console.log("fifo_js: " + checks + " checks passed");
})().catch((e) => { console.error("FAIL:", e); process.exit(1); });
