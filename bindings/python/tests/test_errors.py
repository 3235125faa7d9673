"""Error mapping: every EDDY_E* code has its exception class, code, name and message; the codes
a test can provoke are provoked through real calls (others in their own test files)."""
import os

import pytest

import eddy
from eddy import _errors
from eddy._ffi import ffi, lib

# Every code of include/eddy.h's EDDY_ERRNO_MAP (read from the compiled module) and its class.
EXPECTED = {
    "EDDY_EINVAL": eddy.InvalidArgument, "EDDY_ENOTFOUND": eddy.NotFound,
    "EDDY_EEXIST": eddy.Exists, "EDDY_ETOOBIG": eddy.TooBig, "EDDY_ELIMIT": eddy.Limit,
    "EDDY_EEXPIRED": eddy.Expired, "EDDY_EBUSY": eddy.Busy, "EDDY_EFULL": eddy.Full,
    "EDDY_ENOMEM": eddy.NoMemory, "EDDY_EIO": eddy.IOFailure, "EDDY_ECORRUPT": eddy.Corrupt,
    "EDDY_EVERSION": eddy.VersionMismatch, "EDDY_EPANIC": eddy.Panic,
    "EDDY_EUSER": eddy.UserStop, "EDDY_EBUFS": eddy.BufferTooSmall,
    "EDDY_ECLOSED": eddy.Closed, "EDDY_EINTERNAL": eddy.Internal,
}


def all_codes():
    codes = {}
    rc = -1
    while ffi.string(lib.eddy_errname(rc)) != b"EDDY_UNKNOWN":
        codes[ffi.string(lib.eddy_errname(rc)).decode()] = rc
        rc -= 1
    return codes


def test_every_code_has_a_class():
    codes = all_codes()
    assert set(codes) == set(EXPECTED), "a new EDDY_E* code needs its eddy exception class"
    for name, rc in codes.items():
        e = _errors.error_for(rc, "detail")
        assert type(e) is EXPECTED[name] and isinstance(e, eddy.Error)
        assert e.code == rc and e.name == name and e.message == "detail"
        assert str(e) == f"detail ({name})"
    assert issubclass(eddy.InvalidArgument, ValueError)
    assert issubclass(eddy.NotFound, LookupError)
    assert type(_errors.error_for(-99, "x")) is eddy.Error


def test_message_is_the_librarys(env):
    with pytest.raises(eddy.InvalidArgument) as e:
        env.create_queue("a b")
    assert "'a b' has an invalid character" in e.value.message and e.value.code == lib.EDDY_EINVAL


def test_provoked_codes(tmp_path, env, queue, clock):
    with pytest.raises(eddy.NotFound):
        env.queue("none").attributes()
    env.create_queue("x", delay=1)
    with pytest.raises(eddy.Exists):
        env.create_queue("x", delay=2)
    with pytest.raises(eddy.TooBig):
        queue.send(b"x" * 2_000_000)
    with pytest.raises(eddy.Limit):
        queue.send_batch([b"x"] * 11)
    queue.send(b"x")
    (m,) = queue.receive(visibility_timeout=1)
    clock.advance(1)
    queue.receive()
    with pytest.raises(eddy.Expired):
        m.delete()
    with pytest.raises(eddy.Busy):
        eddy.open(env.path)
    env.close()
    with pytest.raises(eddy.Closed):
        queue.send(b"x")


def test_full(tmp_path):
    with eddy.open(tmp_path / "db", map_size_initial=1 << 20, map_size_max=1 << 20) as env:
        q = env.create_queue("q", max_message_size=1 << 20, batch_max=100)
        with pytest.raises(eddy.Full):
            for _ in range(100):
                q.send_batch([os.urandom(8000) for _ in range(100)])


def test_not_an_eddy_database(tmp_path):
    d = tmp_path / "db"
    d.mkdir()
    (d / "data.mdb").write_bytes(b"\0" * 8192)
    with pytest.raises((eddy.Corrupt, eddy.VersionMismatch)):
        eddy.open(d)


def test_path_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_bytes(b"x")
    with pytest.raises(eddy.IOFailure):
        eddy.open(f)


def test_user_stop_is_euser(env):
    q = env.create_queue("q")
    q.send(b"x")

    def stop(batch):
        raise eddy.StopPoller

    with q.poller(stop, manual=True) as p:
        with pytest.raises(eddy.UserStop) as e:
            p.run_once()
    assert e.value.code == lib.EDDY_EUSER
