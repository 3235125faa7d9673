# crash.py PORT PID OUT: SDK load (4 threads of SendMessageBatch and PutRecords through boto3),
# then SIGKILL of the server; every acknowledged (HTTP 200) message body and record is written
# to OUT. check.py reads them back after the restart.
import json, os, signal, sys, threading, time

import awslib

port, pid, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
acked_msgs, acked_recs, lock = [], [], threading.Lock()
stop = threading.Event()


def client(svc):
    return awslib.client(svc, port)


client("sqs").create_queue(QueueName="crash")
client("kinesis").create_stream(StreamName="crash", ShardCount=2)


def sqs_worker(n):
    sqs = client("sqs")
    u = sqs.get_queue_url(QueueName="crash")["QueueUrl"]
    i = 0
    while not stop.is_set():
        bodies = ["w%d-%d" % (n, i + k) for k in range(10)]
        i += 10
        try:
            r = sqs.send_message_batch(QueueUrl=u, Entries=[{"Id": str(k), "MessageBody": b}
                                                           for k, b in enumerate(bodies)])
        except Exception:
            return  # the server died: this batch is not acknowledged
        with lock:
            acked_msgs.extend(bodies[int(e["Id"])] for e in r.get("Successful", []))


def kin_worker(n):
    k = client("kinesis")
    i = 0
    while not stop.is_set():
        data = ["k%d-%d" % (n, i + j) for j in range(50)]
        i += 50
        try:
            r = k.put_records(StreamName="crash", Records=[{"Data": d.encode(), "PartitionKey": d}
                                                           for d in data])
        except Exception:
            return
        with lock:
            acked_recs.extend(d for d, e in zip(data, r["Records"]) if "SequenceNumber" in e)


threads = [threading.Thread(target=sqs_worker, args=(n,)) for n in range(2)]
threads += [threading.Thread(target=kin_worker, args=(n,)) for n in range(2)]
for t in threads:
    t.start()
time.sleep(1.0)
os.kill(pid, signal.SIGKILL)
time.sleep(0.2)
stop.set()
for t in threads:
    t.join()
with open(out, "w") as f:
    json.dump({"msgs": acked_msgs, "recs": acked_recs}, f)
print("acknowledged before SIGKILL: %d messages, %d records" % (len(acked_msgs), len(acked_recs)))
