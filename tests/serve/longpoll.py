# longpoll.py PORT: 40 long polls parked at once on a server with 2 worker threads do not hold
# a thread each: other requests are answered at once meanwhile, and sends wake the polls.
import sys, threading, time

from awslib import client, ok
import awslib

PORT = sys.argv[1]
sqs = client("sqs", PORT)
u = sqs.create_queue(QueueName="lp")["QueueUrl"]
got, lock = [], threading.Lock()


def poll():
    c = client("sqs", PORT)
    r = c.receive_message(QueueUrl=u, WaitTimeSeconds=20)
    with lock:
        got.extend(m["Body"] for m in r.get("Messages", []))


threads = [threading.Thread(target=poll) for _ in range(40)]
for t in threads:
    t.start()
time.sleep(1.0)  # let them park
t0 = time.time()
for i in range(5):
    sqs.list_queues()
ok(time.time() - t0 < 5, "requests answered while 40 polls wait on 2 threads: %.2f s"
   % (time.time() - t0))
t0 = time.time()
for i in range(40):
    sqs.send_message(QueueUrl=u, MessageBody="m%d" % i)
for t in threads:
    t.join()
ok(sorted(got) == sorted("m%d" % i for i in range(40)), "every poll got a message: %d" % len(got))
ok(time.time() - t0 < 15, "woken by the sends, not by their 20 s deadline")
print("longpoll: %d checks passed" % awslib.checks)
