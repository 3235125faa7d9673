# test_metrics.sh: GET /metrics serves what `eddy stat --format prometheus` prints (decision
# 0017), unsigned, with Prometheus's content type, and follows sends made through the endpoint.
. "$(dirname "$0")/lib.sh"
"$EDDY" --db "$T/db" queue create orders >/dev/null
serve_start "$T/db"
$PY - "$PORT" <<'PYEOF'
import re, sys, urllib.request
ep = "http://127.0.0.1:" + sys.argv[1]
def metrics():
    with urllib.request.urlopen(ep + "/metrics") as r:
        assert r.status == 200, r.status
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
        return r.read().decode()
text = metrics()
assert re.search(r'^eddy_queue_messages\{queue="orders",state="visible"\} 0$', text, re.M), text
for i in range(3):
    body = "Action=SendMessage&QueueUrl=%s/000000000000/orders&MessageBody=m%d" % (ep, i)
    with urllib.request.urlopen(urllib.request.Request(ep + "/", data=body.encode())) as r:
        assert r.status == 200
text = metrics()
assert re.search(r'^eddy_queue_messages\{queue="orders",state="visible"\} 3$', text, re.M), text
assert "# TYPE eddy_queue_messages gauge" in text
print("metrics: ok")
PYEOF
serve_stop
