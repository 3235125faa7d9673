# hostile.py PORT: hostile input against a server started with --max-body 65536
# --idle-timeout 1: huge bodies (declared and chunked), malformed chunked encoding, bad
# encodings, slow clients, 3000 idle connections, queue names and URLs with path
# characters, unknown actions. After each, the server must still answer.
import socket, sys, time, urllib.error, urllib.parse, urllib.request

from awslib import ok
import awslib

PORT = int(sys.argv[1])
EP = "http://127.0.0.1:%d/" % PORT


def post(body, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    req = urllib.request.Request(EP, data=body, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def alive():
    st, body = post(b"Action=ListQueues")
    ok(st == 200 and "ListQueuesResponse" in body, "server still answers")


def raw(data, read=True, timeout=5):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.sendall(data)
    out = b""
    if read:
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                out += c
                if b"\r\n\r\n" in out and (b"Content-Length: 0" in out or out.endswith(b">")
                                           or out.endswith(b"}") or out.endswith(b"\n")):
                    break
        except socket.timeout:
            pass
    s.close()
    return out


# Bodies over --max-body: declared (refused before reading) and chunked (refused at the limit).
st, _ = post(b"Action=ListQueues&x=" + b"a" * 200000)
ok(st == 413, "declared huge body: %d" % st)
chunk = b"%x\r\n%s\r\n" % (100000, b"a" * 100000)
resp = raw(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + chunk + b"0\r\n\r\n")
ok(resp.startswith(b"HTTP/1.1 413"), "chunked huge body: %r" % resp[:40])
alive()
# Malformed chunked encoding.
resp = raw(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
ok(resp.startswith(b"HTTP/1.1 400") or resp == b"", "malformed chunked: %r" % resp[:40])
alive()
# Bad form encodings, invalid UTF-8, bad JSON, unknown actions.
st, body = post(b"Action=ListQueues&x=%zz")
ok(st == 400 and "InvalidParameterValue" in body, "bad escape")
st, body = post(b"Action=ListQueues&x=%ff%fe")
ok(st == 400, "invalid UTF-8")
st, body = post(b"Action=Bogus")
ok(st == 400 and "<Code>InvalidAction</Code>" in body, "unknown Query action")
st, body = post(b"{not json", {"Content-Type": "application/x-amz-json-1.0",
                               "X-Amz-Target": "AmazonSQS.ListQueues"})
ok(st == 400 and "InvalidParameterValue" in body, "bad JSON")
st, body = post(b"{}", {"Content-Type": "application/x-amz-json-1.0",
                        "X-Amz-Target": "AmazonSQS.Bogus"})
ok(st == 400 and "UnknownOperationException" in body, "unknown JSON action")
st, body = post(b"[]", {"Content-Type": "application/x-amz-json-1.1",
                        "X-Amz-Target": "Kinesis_20131202.ListStreams"})
ok(st == 400 and "SerializationException" in body, "kinesis non-object")
st, body = post(b"{}", {"Content-Type": "application/x-amz-json-1.0",
                        "X-Amz-Target": "AmazonSQS.SendMessage"})
ok(st == 400 and "MissingParameter" in body, "missing QueueUrl")
# Path characters in queue names and URLs.
for name in ["../etc", "a/b", "%2e%2e", "a b", "q\u00e9"]:
    st, body = post(("Action=CreateQueue&QueueName=" + urllib.parse.quote(name)).encode())
    ok(st == 400 and "InvalidParameterValue" in body, "queue name %r: %d" % (name, st))
for url in ["http://h/000000000000/../../x", "http://h/000000000000/a/b", "/etc/passwd", ""]:
    st, body = post(("Action=GetQueueAttributes&QueueUrl=" + urllib.parse.quote(url)).encode())
    ok(st in (400, 404) and ("InvalidAddress" in body or "NonExistentQueue" in body
                             or "MissingParameter" in body), "queue url %r: %d %s" % (url, st, body))
# A very deep JSON document and a form with many fields.
st, _ = post(b"[" * 60000, {"Content-Type": "application/x-amz-json-1.0",
                              "X-Amz-Target": "AmazonSQS.ListQueues"})
ok(st == 400, "deep JSON")
st, _ = post(b"&".join(b"A.%d=x" % i for i in range(4500)))
ok(st == 400, "too many fields: %d" % st)
alive()

# A slow client (half a request line) is dropped after --idle-timeout; others are served.
s = socket.create_connection(("127.0.0.1", PORT))
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Len")
alive()
time.sleep(2.5)
s.settimeout(2)
try:
    gone = s.recv(100) == b""
except (socket.timeout, ConnectionResetError):
    gone = False
ok(gone, "slow client dropped after the idle timeout")
s.close()

# Three thousand idle connections, then normal requests still work.
idle = [socket.create_connection(("127.0.0.1", PORT)) for _ in range(3000)]
alive()
for c in idle:
    c.close()
alive()
print("hostile: %d checks passed" % awslib.checks)
