"""Threads: blocking calls release the GIL; one thread hammers receive while another sends."""
import threading
import time

import eddy


def test_receive_hammer_while_sending(tmp_path):
    with eddy.open(tmp_path / "db") as env:
        q = env.create_queue("q", batch_max=100)
        n = 2000
        got = []
        stop = threading.Event()

        def consumer():
            while not stop.is_set() or q.attributes().visible:
                msgs = q.receive(100, wait=0.05)
                got.extend(m.body for m in msgs)
                if msgs:
                    assert q.delete_batch(msgs) == [None] * len(msgs)

        t = threading.Thread(target=consumer)
        t.start()
        for i in range(0, n, 100):
            q.send_batch([b"%d" % j for j in range(i, i + 100)])
        stop.set()
        t.join(30)
        assert not t.is_alive()
        assert sorted(got) == sorted(b"%d" % j for j in range(n))
        assert len(q) == 0


def test_long_poll_releases_the_gil(tmp_path):
    with eddy.open(tmp_path / "db") as env:
        q = env.create_queue("q")
        spins = [0]
        done = threading.Event()

        def spin():
            while not done.is_set():
                spins[0] += 1

        t = threading.Thread(target=spin)
        t.start()
        t0 = time.monotonic()
        try:
            assert q.receive(wait=0.5) == []
        finally:
            done.set()
            t.join()
        assert time.monotonic() - t0 >= 0.45
        assert spins[0] > 10000  # the spinning thread ran during the wait


def test_long_poll_wakes_on_send_from_another_thread(tmp_path):
    with eddy.open(tmp_path / "db") as env:
        q = env.create_queue("q")
        threading.Timer(0.1, lambda: q.send(b"wake")).start()
        t0 = time.monotonic()
        msgs = q.receive(wait=5)
        assert [m.body for m in msgs] == [b"wake"] and time.monotonic() - t0 < 4
