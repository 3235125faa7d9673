"""A child process killed with SIGKILL: every send it saw acknowledged is there after reopen."""
import os
import signal
import subprocess
import sys
import textwrap

import eddy

CHILD = textwrap.dedent("""
    import sys, eddy
    env = eddy.open(sys.argv[1])
    q = env.create_queue("q")
    s = env.create_stream("s")
    i = 0
    while True:
        q.send(b"m%d" % i)
        s.put(b"r%d" % i, "k")
        print(i, flush=True)          # acknowledged: both calls returned
        i += 1
""")


def test_acknowledged_sends_survive_sigkill(tmp_path):
    db = str(tmp_path / "db")
    p = subprocess.Popen([sys.executable, "-c", CHILD, db], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ))
    acked = -1
    for line in p.stdout:
        acked = int(line)
        if acked >= 30:
            break
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert acked >= 30
    with eddy.open(db) as env:
        assert env.verify() == []
        q = env.queue("q")
        bodies = set()
        while True:
            msgs = q.receive(10)
            if not msgs:
                break
            bodies.update(m.body for m in msgs)
        assert {b"m%d" % i for i in range(acked + 1)} <= bodies
        data = {r.data for r in env.stream("s").reader(0)}
        assert {b"r%d" % i for i in range(acked + 1)} <= data
