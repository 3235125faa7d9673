"""Pollers with Python callables: outcomes, partial failures, a raising callback, threads."""
import logging
import threading
import time

import pytest

import eddy


def test_queue_poller_manual_all_outcomes(env, clock):
    q = env.create_queue("q", visibility_timeout=10)
    q.send_batch([b"ok", b"fail", b"ok2"])
    seen = []

    def handle(batch):
        seen.append([i.body for i in batch])
        assert batch.source == "queue" and batch.name == "q"
        return [i for i in batch if i.body == b"fail"]  # partial failure

    with q.poller(handle, manual=True, batch_size=10) as p:
        assert p.run_once() == 1
        assert seen == [[b"ok", b"fail", b"ok2"]]
        p.run_once()  # commits the deletes of the last batch
        assert len(q) == 1  # only the failed item is left, in flight
        clock.advance(10)
        assert p.run_once() == 1 and seen[-1] == [b"fail"]
        st = p.status()
        assert st.state == "running" and st.batches == 2 and st.failed_records >= 1


def test_callback_returning_false_and_indexes(env, clock):
    q = env.create_queue("q", visibility_timeout=5)
    q.send_batch([b"a", b"b"])
    results = iter([False, [1], None])
    with q.poller(lambda b: next(results), manual=True) as p:
        p.run_once()          # whole batch failed
        clock.advance(5)
        p.run_once()          # deletes nothing; redelivers both; index 1 fails
        p.run_once()
        clock.advance(5)
        p.run_once()          # b again, succeeds
        p.run_once()
    assert len(q) == 0


def test_callback_raising_fails_the_batch_not_the_process(env, clock, caplog):
    q = env.create_queue("q", visibility_timeout=5)
    q.send(b"boom")
    calls = []

    def handle(batch):
        calls.append(batch[0].receive_count)
        if len(calls) == 1:
            raise RuntimeError("handler bug")

    with q.poller(handle, manual=True) as p:
        p.run_once()
        assert isinstance(p.last_exception, RuntimeError) and p.exceptions == 1
        assert p.status().failures == 1 and p.status().state == "running"
        clock.advance(5)
        p.run_once()
        p.run_once()
    assert calls == [1, 2] and len(q) == 0
    assert any("callback raised" in r.getMessage() for r in caplog.records)


def test_stop_poller_from_callback(env):
    q = env.create_queue("q")
    q.send(b"x")

    def handle(batch):
        raise eddy.StopPoller()

    p = q.poller(handle, manual=True)
    p.start()
    with pytest.raises(eddy.UserStop):
        p.run_once()
    st = p.status()
    assert st.state == "failed" and st.last_error == -14
    p.close()
    assert q.attributes().visible == 1  # not processed: visible again at once


def _error_of(control):
    """The eddy.Error a control call raised (None if it returned)."""
    try:
        control()
    except eddy.Error as e:
        return e
    return None


def test_control_from_own_callback_refused(env):
    q = env.create_queue("q")
    q.send(b"x")
    errors = []

    def handle(batch):
        errors.append(p.status().state)  # status is allowed from the poller's own callback
        errors.append(_error_of(p.stop))

    p = q.poller(handle, manual=True)
    p.start()
    p.run_once()
    p.close()
    assert errors[0] == "running" and isinstance(errors[1], eddy.InvalidArgument)


def test_threaded_queue_poller_processes_everything(env):
    q = env.create_queue("q", batch_max=100)
    got, lock, done = [], threading.Lock(), threading.Event()
    n = 200

    def handle(batch):
        with lock:
            got.extend(i.body for i in batch)
            if len(got) >= n:
                done.set()

    with q.poller(handle, batch_size=50, max_concurrency=2):
        for i in range(0, n, 100):
            q.send_batch([b"%d" % j for j in range(i, i + 100)])
        assert done.wait(20)
    assert sorted(got) == sorted(b"%d" % j for j in range(n))


def test_stream_poller_checkpoints(env):
    s = env.create_stream("s")
    s.put_batch([(b"%d" % i, "k") for i in range(5)])
    batches = []
    with s.poller(lambda b: batches.append((b.shard_id, [i.body for i in b])), consumer="app",
                  manual=True, batch_size=3) as p:
        while p.run_once():
            pass
    assert [x for _, body in batches for x in body] == [b"%d" % i for i in range(5)]
    assert s.get_checkpoint("app", 0).seq == s.shards()[0].last_seq
    item_keys = []
    s.put(b"5", "key")
    with s.poller(lambda b: item_keys.extend((i.partition_key, i.seq) for i in b),
                  consumer="app", manual=True) as p:
        p.run_once()
    assert item_keys[0][0] == "key" and len(item_keys) == 1


def test_poller_options_errors(env):
    q = env.create_queue("q")
    with pytest.raises(eddy.InvalidArgument):
        q.poller(lambda b: None, batch_size=20000)
    with pytest.raises(eddy.InvalidArgument):
        q.poller(lambda b: None, filters=["{not json"])
    with pytest.raises(eddy.NotFound):
        env.stream("nope").poller(lambda b: None, consumer="c")
    with pytest.raises(TypeError):
        q.poller("not callable")


def test_filters(env):
    q = env.create_queue("q")
    q.send_batch(['{"kind": "a"}', '{"kind": "b"}'])
    got = []
    with q.poller(lambda b: got.extend(i.body for i in b), manual=True,
                  filters=[{"body": {"kind": ["a"]}}]) as p:
        p.run_once()
        p.run_once()
    assert got == [b'{"kind": "a"}']


def test_env_close_closes_running_pollers(tmp_path):
    env = eddy.open(tmp_path / "db")
    q = env.create_queue("q")
    p = q.poller(lambda b: time.sleep(0.01))
    p.start()
    q.send(b"x")
    env.close()  # destroys the poller first, else eddy_env_close would be EBUSY
    with pytest.raises(eddy.Closed):
        p.status()


def test_pause_resume_stop_start(env):
    q = env.create_queue("q")
    got, lock = [], threading.Lock()

    def handle(batch):
        with lock:
            got.extend(i.body for i in batch)

    p = q.poller(handle)
    assert p.status().state == "stopped"
    p.start()
    with pytest.raises(eddy.InvalidArgument):
        p.start()  # already running
    p.pause()
    assert p.status().state == "paused"
    q.send(b"while paused")
    time.sleep(0.2)
    assert got == []
    p.resume()
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got == [b"while paused"]
    p.stop()
    assert p.status().state == "stopped"
    p.start()  # may be started again
    p.close()
    p.close()  # idempotent


class _RaisingHandler(logging.Handler):
    def emit(self, record):
        raise RuntimeError("log handler bug")


def test_exception_escaping_invoke_keeps_the_batch(env):
    # The callback raises and so does the "eddy" logger's handler: the exception escapes the
    # binding's own except block. The batch must count as not processed (poller stopped,
    # message kept), never as "all succeeded" (deleted).
    q = env.create_queue("q")
    q.send(b"keep me")

    def handle(batch):
        raise RuntimeError("handler bug")

    log = logging.getLogger("eddy")
    h = _RaisingHandler()
    log.addHandler(h)
    try:
        p = q.poller(handle, manual=True)
        p.start()
        with pytest.raises(eddy.UserStop):
            p.run_once()
        p.close()
    finally:
        log.removeHandler(h)
    assert len(q) == 1 and q.attributes().visible == 1


def test_keyboard_interrupt_fails_the_batch_and_is_raised(env):
    q = env.create_queue("q")
    q.send(b"x")

    def handle(batch):
        raise KeyboardInterrupt()

    p = q.poller(handle, manual=True)
    p.start()
    with pytest.raises(KeyboardInterrupt):
        p.run_once()
    assert p.status().state == "failed"  # stopped, not a failed batch to retry forever
    p.close()
    assert len(q) == 1 and q.attributes().visible == 1


def test_nested_run_once_restores_the_outer_poller(env):
    qa, qb = env.create_queue("a"), env.create_queue("b")
    qa.send(b"x")
    qb.send(b"y")
    seen = []
    pb = qb.poller(lambda b: None, manual=True)
    pb.start()

    def outer(batch):
        pb.run_once()  # another poller's callback runs nested in this one
        seen.append(getattr(eddy._poller._in_callback, "poller", None))
        seen.append(_error_of(pa.pause))  # still refused: this is pa's own callback

    pa = qa.poller(outer, manual=True)
    pa.start()
    pa.run_once()
    pa.close()
    pb.close()
    assert seen[0] is pa and isinstance(seen[1], eddy.InvalidArgument)
