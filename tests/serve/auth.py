# auth.py PORT: SigV4 with --auth FILE: a listed key signs correctly (SQS Query and JSON paths,
# Kinesis), a wrong secret or an unknown key is refused with AWS's codes, and a malformed
# Authorization header is refused as AWS refuses it.
import sys, urllib.error, urllib.request

from awslib import code, ok
import awslib

PORT = sys.argv[1]
EP = "http://127.0.0.1:" + PORT


def client(svc, key, secret):
    return awslib.client(svc, PORT, key, secret)


good = client("sqs", "AKIDEXAMPLE", "s3cr3t")
u = good.create_queue(QueueName="signed")["QueueUrl"]
good.send_message(QueueUrl=u, MessageBody="x y+z&=%")
ok(good.receive_message(QueueUrl=u)["Messages"][0]["Body"] == "x y+z&=%", "signed round trip")
ok(code(client("sqs", "AKIDEXAMPLE", "wrong").list_queues) == "SignatureDoesNotMatch", "bad secret")
ok(code(client("sqs", "NOBODY", "s3cr3t").list_queues) == "InvalidClientTokenId", "unknown key")
kg = client("kinesis", "AKIDEXAMPLE", "s3cr3t")
kg.create_stream(StreamName="signed", ShardCount=1)
ok(code(client("kinesis", "AKIDEXAMPLE", "nope").list_streams) == "InvalidSignatureException",
   "kinesis bad secret")


def raw(headers, body=b"Action=ListQueues"):
    req = urllib.request.Request(EP + "/", data=body, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


ct = {"Content-Type": "application/x-www-form-urlencoded"}
st, body = raw(ct)
ok(st == 403 and "MissingAuthenticationToken" in body, "no header with --auth: %d %s" % (st, body))
st, body = raw({**ct, "Authorization": "AWS4-HMAC-SHA256 Credential=abc"})
ok(st == 400 and "IncompleteSignature" in body, "malformed header")
st, body = raw({**ct, "Authorization": "Basic dXNlcjpwYXNz"})
ok(st == 400 and "IncompleteSignature" in body, "another scheme")
print("auth: %d checks passed" % awslib.checks)
