"""Env: open, close, options, stat, verify, copy, sync, listing."""
import datetime as dt
import logging

import pytest

import eddy


def test_open_close_context(tmp_path):
    with eddy.open(tmp_path / "db") as env:
        assert not env.closed
        assert env.queues() == [] and env.streams() == []
    assert env.closed
    with pytest.raises(eddy.Closed) as e:
        env.queues()
    assert e.value.code == -16 and e.value.name == "EDDY_ECLOSED"
    env.close()  # idempotent


def test_open_twice_is_busy(env):
    with pytest.raises(eddy.Busy):
        eddy.open(env.path)


def test_open_nocreate_and_readonly(tmp_path):
    with pytest.raises(eddy.NotFound):
        eddy.open(tmp_path / "missing", create=False)
    with eddy.open(tmp_path / "db") as env:
        env.create_queue("q").send(b"x")
    with eddy.open(tmp_path / "db", readonly=True) as ro:
        assert ro.queue("q").attributes().messages == 1
        with pytest.raises(eddy.InvalidArgument):
            ro.queue("q").send(b"y")


def test_open_bad_options(tmp_path):
    with pytest.raises(eddy.InvalidArgument):
        eddy.open(tmp_path / "db", compression_level=99)
    with pytest.raises(ValueError):
        eddy.open(tmp_path / "db", durability="sometimes")
    with pytest.raises(TypeError):
        eddy.open(tmp_path / "db", clock=42)


def test_stat_verify_copy_sync(env, tmp_path):
    env.create_queue("a")
    env.create_stream("s")
    st = env.stat()
    assert st.queue_count == 1 and st.stream_count == 1 and st.format_version == 1
    assert st.lmdb_version.startswith("LMDB")
    assert env.verify() == []
    env.sync()
    env.copy(tmp_path / "copy")
    env.copy(tmp_path / "copy2", compact=True)
    with eddy.open(tmp_path / "copy") as c:
        assert c.queues() == ["a"] and c.streams() == ["s"]


def test_listing_prefix(env):
    for n in ("b1", "a1", "a2"):
        env.create_queue(n)
        env.create_stream("s" + n)
    assert env.queues() == ["a1", "a2", "b1"]
    assert env.queues("a") == ["a1", "a2"]
    assert env.streams("sb") == ["sb1"]
    env.delete_queue("a1")
    env.delete_stream("sa1")
    assert env.queues("a") == ["a2"] and env.streams("sa") == ["sa2"]


def test_manual_clock_drives_time(env, clock):
    q = env.create_queue("t")
    q.send(b"x")
    assert q.receive()[0].sent_at == dt.datetime.fromtimestamp(1_700_000_000, dt.timezone.utc)
    clock.advance(dt.timedelta(seconds=5))
    assert clock.now == dt.datetime.fromtimestamp(1_700_000_005, dt.timezone.utc)


def test_callable_clock_and_log(tmp_path, caplog):
    t = [1_800_000_000.0]
    logger = logging.getLogger("eddy.test")
    with caplog.at_level(logging.DEBUG, logger="eddy.test"):
        with eddy.open(tmp_path / "db", clock=lambda: t[0], log=logger,
                       log_level=4) as env:
            q = env.create_queue("q")
            q.send("x")
            assert q.receive()[0].sent_at.timestamp() == 1_800_000_000
    assert any("eddy.test" == r.name for r in caplog.records)


def test_relaxed_durability(tmp_path):
    with eddy.open(tmp_path / "db", durability="relaxed", relaxed_window=0.005) as env:
        q = env.create_queue("q")
        q.send_batch([b"a", b"b"])
        env.sync()
        assert len(q) == 2


def test_version():
    assert eddy.LIBRARY_VERSION == "0.2.0"


def test_manual_clock_set(tmp_path):
    c = eddy.ManualClock(dt.datetime(2030, 1, 1))
    assert c.now == dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    c.set(0)
    assert c.now.year == 1970
    with eddy.open(tmp_path / "db", clock=c) as env:
        c.set(dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc))
        assert env.create_queue("q").attributes().created.year == 2031


def test_raising_clock_reads_as_system_time_not_epoch_0(tmp_path, caplog):
    broken = []

    def clock():
        if broken:
            raise RuntimeError("clock bug")
        return 1_700_000_000.0

    with eddy.open(tmp_path / "db", clock=clock) as env:
        q = env.create_queue("q")
        broken.append(True)
        r = q.send(b"acknowledged")
        assert r.sent_at.year >= 2026  # the system clock, not 1970
        assert len(q) == 1
    assert any("clock callable raised" in rec.getMessage() for rec in caplog.records)


class _StringFails:
    """ffi with string() raising MemoryError, as if memory ran out in the list callback."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def string(self, *a):
        raise MemoryError("out of memory in the callback")


def test_list_callback_error_is_reraised_not_userstop(env, monkeypatch):
    env.create_queue("q")
    monkeypatch.setattr(eddy._env, "ffi", _StringFails(eddy._env.ffi))
    with pytest.raises(MemoryError):
        env.queues()
