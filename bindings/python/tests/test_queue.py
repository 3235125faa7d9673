"""Queues: every Queue call, attributes with SQS defaults, timeouts through the manual clock."""
import datetime as dt
import decimal

import pytest

import eddy


def test_create_defaults_are_sqs(env):
    info = env.create_queue("q").attributes()
    assert info.name == "q" and info.messages == 0
    assert info.visibility_timeout == 30 and info.delay == 0
    assert info.retention == 4 * 86400 and info.body_len_max == 1048576
    assert info.receive_wait == 0 and info.max_receive_count == 10 and info.batch_max == 10
    assert info.redrive_allow == "all" and info.dlq_name == "" and info.in_flight_max == 120000


def test_create_keywords_and_exists(env):
    env.create_queue("dlq", redrive_allow=["q"])
    q = env.create_queue("q", visibility_timeout=dt.timedelta(minutes=1), delay=2,
                         retention=3600, max_message_size=2048, receive_wait=0.5,
                         dead_letter_queue="dlq", max_receive_count=3, in_flight_max=100,
                         batch_max=50)
    info = q.attributes()
    assert (info.visibility_timeout, info.delay, info.retention) == (60, 2, 3600)
    assert (info.body_len_max, info.receive_wait, info.dlq_name) == (2048, 0.5, "dlq")
    assert (info.max_receive_count, info.in_flight_max, info.batch_max) == (3, 100, 50)
    assert env.queue("dlq").attributes().redrive_allow == ["q"]
    # same attributes again: fine; different: Exists
    env.create_queue("dlq", redrive_allow=["q"])
    with pytest.raises(eddy.Exists):
        env.create_queue("dlq", redrive_allow="deny_all")
    with pytest.raises(TypeError):
        env.create_queue("x", colour="red")
    with pytest.raises(eddy.InvalidArgument):
        env.create_queue("bad name")
    with pytest.raises(eddy.NotFound):
        env.create_queue("x", dead_letter_queue="nope")


def test_zero_visibility_is_explicit(env):
    q = env.create_queue("q", visibility_timeout=0)
    assert q.attributes().visibility_timeout == 0
    q.send("x")
    assert len(q.receive()) == 1
    assert len(q.receive()) == 1  # visible again at once


def test_set_attributes(queue):
    queue.set_attributes(visibility_timeout=5, batch_max=100)
    info = queue.attributes()
    assert info.visibility_timeout == 5 and info.batch_max == 100 and info.delay == 0
    queue.set_attributes(visibility_timeout=None)  # back to the default
    assert queue.attributes().visibility_timeout == 30
    with pytest.raises(eddy.InvalidArgument):
        queue.set_attributes(visibility_timeout=13 * 3600)
    with pytest.raises(TypeError):
        queue.set_attributes()


def test_send_receive_delete_roundtrip(queue, clock):
    r = queue.send(b"\x00\xffbin", attributes={"s": "text", "n": 42, "d": decimal.Decimal("1.5"),
                                                "b": b"\x01", "c": ("String.custom", "v")})
    assert r.ok and r.msg_id == 1 and r.sent_at == clock.now
    queue.send("héllo")  # str is sent as UTF-8
    msgs = queue.receive(10)
    assert [m.body for m in msgs] == [b"\x00\xffbin", "héllo".encode()]
    m = msgs[0]
    assert m.msg_id == 1 and m.receive_count == 1 and len(m.receipt) == 66
    assert m.first_received_at == clock.now and m.body_xxh3 == r.body_xxh3
    assert m.attributes == {"s": eddy.Attribute("String", "text"),
                            "n": eddy.Attribute("Number", "42"),
                            "d": eddy.Attribute("Number", "1.5"),
                            "b": eddy.Attribute("Binary", b"\x01"),
                            "c": eddy.Attribute("String.custom", "v")}
    assert msgs[1].text == "héllo"
    m.delete()
    queue.delete(msgs[1].receipt)
    assert len(queue) == 0
    with pytest.raises(eddy.NotFound):
        m.delete()


def test_send_errors(queue):
    with pytest.raises(eddy.InvalidArgument):
        queue.send(b"")
    with pytest.raises(eddy.TooBig) as e:
        queue.send(b"x" * (1048576 + 1))
    assert "body_len_max" in e.value.message
    with pytest.raises(TypeError):
        queue.send(123)
    with pytest.raises(eddy.InvalidArgument):
        queue.send(b"x", delay=901)
    with pytest.raises(eddy.InvalidArgument):
        queue.send(b"x", delay=-1)
    with pytest.raises(eddy.NotFound):
        queue.env.queue("nope").send(b"x")


def test_send_batch(queue):
    res = queue.send_batch([b"a", "b", {"body": b"c", "attributes": {"k": "v"}},
                            {"body": b"d", "delay": 0}])
    assert [r.ok for r in res] == [True] * 4
    assert [r.msg_id for r in res] == [1, 2, 3, 4]
    res = queue.send_batch([b"e", b"", b"f"])  # the empty body fails alone
    assert [r.ok for r in res] == [True, False, True]
    assert isinstance(res[1].error, eddy.InvalidArgument)
    assert res[1].error.message == "send entry 1: message body is empty"
    with pytest.raises(eddy.Limit):
        queue.send_batch([b"x"] * 11)
    with pytest.raises(eddy.InvalidArgument):
        queue.send_batch([])
    with pytest.raises(eddy.TooBig):
        queue.send_batch([b"x" * 600000, b"y" * 600000])
    assert len(queue) == 6


def test_delay_and_visibility_follow_the_clock(queue, clock):
    queue.send(b"later", delay=10)
    assert queue.receive() == []
    clock.advance(10)
    (m,) = queue.receive(visibility_timeout=5)
    assert queue.receive() == []
    clock.advance(5)
    (again,) = queue.receive()
    assert again.receive_count == 2
    with pytest.raises(eddy.Expired):  # the first receipt is stale now
        m.delete()
    again.change_visibility(0)
    (third,) = queue.receive()
    third.change_visibility(dt.timedelta(seconds=100))
    clock.advance(99)
    assert queue.receive() == []
    clock.advance(1)
    assert len(queue.receive()) == 1


def test_change_visibility_errors(queue, clock):
    queue.send(b"x")
    (m,) = queue.receive(visibility_timeout=1)
    with pytest.raises(eddy.InvalidArgument):
        m.change_visibility(13 * 3600)
    clock.advance(2)
    with pytest.raises(eddy.Expired):  # not in flight any more
        m.change_visibility(5)
    with pytest.raises(eddy.InvalidArgument):
        queue.change_visibility("not-a-receipt", 1)


def test_batches_of_receipts(queue):
    queue.send_batch([b"1", b"2", b"3"])
    msgs = queue.receive(3)
    res = queue.change_visibility_batch([(msgs[0], 60), (msgs[1].receipt, 0), ("junk", 1)])
    assert res[0] is None and res[1] is None and isinstance(res[2], eddy.InvalidArgument)
    res = queue.delete_batch([msgs[0], msgs[2].receipt, msgs[2].receipt])
    assert res[0] is None and res[1] is None and isinstance(res[2], eddy.NotFound)
    with pytest.raises(eddy.InvalidArgument):
        queue.delete_batch([])
    with pytest.raises(eddy.Limit):
        queue.delete_batch(["x"] * 11)


def test_receive_options(queue):
    queue.send_batch([b"%d" % i for i in range(10)])
    assert len(queue.receive(10, wait=0)) == 10
    with pytest.raises(eddy.InvalidArgument):
        queue.receive(11)
    with pytest.raises(eddy.InvalidArgument):
        queue.receive(0)
    with pytest.raises(eddy.InvalidArgument):
        queue.receive(wait=21)


def test_dead_letter_queue(env, clock):
    dlq = env.create_queue("dlq")
    q = env.create_queue("q", dead_letter_queue="dlq", max_receive_count=2, visibility_timeout=1)
    q.send(b"poison")
    for _ in range(2):
        assert len(q.receive()) == 1
        clock.advance(1)
    assert q.receive() == []
    (m,) = dlq.receive()
    assert m.body == b"poison" and m.origin_msg_id == 1 and m.receive_count == 3


def test_in_flight_limit(env):
    q = env.create_queue("q", in_flight_max=1)
    q.send_batch([b"a", b"b"])
    assert len(q.receive()) == 1
    with pytest.raises(eddy.Limit):
        q.receive()


def test_purge_stat_len(queue, clock):
    queue.send_batch([b"a", b"b", b"c"])
    queue.send(b"d", delay=60)
    queue.receive()
    clock.advance(1)
    st = queue.stat()
    assert (st.messages, st.visible, st.in_flight, st.delayed) == (4, 2, 1, 1)
    assert st.oldest_age == 1.0
    assert len(queue) == 4
    assert queue.purge() == 4
    assert len(queue) == 0


def test_queue_object_identity(env, queue):
    assert env.queue("orders") == queue and hash(env.queue("orders")) == hash(queue)
    assert repr(queue) == "<eddy.Queue 'orders'>"
    with pytest.raises(TypeError):
        env.queue(5)
    with pytest.raises(eddy.InvalidArgument):
        env.queue("a\0b")


class _RecordingLib:
    """lib with fill_* recording the buffers they get (the entries keep pointers into them)."""

    def __init__(self, real, seen):
        self._real, self._seen = real, seen

    def __getattr__(self, name):
        fn = getattr(self._real, name)
        if not name.startswith("eddy_py_fill_"):
            return fn

        def spy(arr, n, *bufs):
            self._seen.extend(bufs[0::2])
            return fn(arr, n, *bufs)
        return spy


def test_packed_batch_bodies_are_kept_cdata(queue, monkeypatch):
    # A bytes argument is valid only during the fill call, but the entries are read by the
    # batch call after it: the packed bodies must be a cdata buffer kept alive, not bytes.
    seen = []
    monkeypatch.setattr(eddy._queue, "lib", _RecordingLib(eddy._queue.lib, seen))
    res = queue.send_batch([b"one", b"two", b"three"])
    assert seen and all(isinstance(b, eddy._queue.ffi.CData) for b in seen)
    assert all(r.error is None for r in res)
    assert sorted(m.body for m in queue.receive(10)) == [b"one", b"three", b"two"]


def test_packed_put_batch_is_kept_cdata(stream, monkeypatch):
    import eddy._stream
    seen = []
    monkeypatch.setattr(eddy._stream, "lib", _RecordingLib(eddy._stream.lib, seen))
    res = stream.put_batch([(b"d1", "k1"), (b"d2", b"k2")])
    assert len(seen) == 2 and all(isinstance(b, eddy._queue.ffi.CData) for b in seen)
    assert all(r.error is None for r in res)
