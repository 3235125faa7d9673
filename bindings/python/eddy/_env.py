"""Env: one open database directory (eddy_env), and eddy.open()."""
from __future__ import annotations

import atexit
import datetime as _dt
import logging
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, List, NamedTuple, Optional, Set, Union

from ._errors import Closed, check
from ._ffi import ffi, lib
from ._structs import EnvStat, convert
from ._util import Seconds, ms, timestamp_ms, to_cstr

if TYPE_CHECKING:
    from ._queue import Queue
    from ._stream import Stream

_log = logging.getLogger("eddy")
_LOG_LEVELS = {lib.EDDY_LOG_ERROR: logging.ERROR, lib.EDDY_LOG_WARN: logging.WARNING,
               lib.EDDY_LOG_INFO: logging.INFO, lib.EDDY_LOG_DEBUG: logging.DEBUG}


class ManualClock:
    """A clock the program sets (for tests): pass it as eddy.open(..., clock=c). Eddy's threads
    read it without the GIL. Time-dependent behaviour (visibility timeouts, delays, retention,
    iterator lifetimes, batching windows) then moves only when you advance it."""

    def __init__(self, start: Union[_dt.datetime, float, int] = 1_700_000_000.0) -> None:
        self._c = ffi.new("eddy_py_clock *")
        self.set(start)

    def set(self, when: Union[_dt.datetime, float, int]) -> None:
        """Set the time (an aware datetime, a naive one as UTC, or epoch seconds)."""
        lib.eddy_py_clock_set(self._c, timestamp_ms(when, "clock time"))

    def advance(self, by: Seconds) -> None:
        """Move the time forward by seconds or a timedelta."""
        lib.eddy_py_clock_set(self._c, lib.eddy_py_clock_get(self._c) + ms(by, "advance"))

    @property
    def now(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(lib.eddy_py_clock_get(self._c) / 1000, _dt.timezone.utc)


def _clock_error(exc_type: Any, exc: Any, tb: Any) -> int:
    # A raising clock must not read as 0: Eddy takes the value as the time itself (epoch 0
    # makes every message look ancient or due). Fall back to the system clock, and say so.
    now = int(time.time() * 1000)
    try:
        _log.error("eddy: the clock callable raised; using the system clock",
                   exc_info=(exc_type, exc, tb))
    except BaseException:  # noqa: BLE001 - a raising handler must not turn the time into 0
        pass
    return now


@ffi.def_extern(onerror=_clock_error)
def eddy_py_clock_cb(ctx):  # a Python callable clock; an exception reads as the system time
    t = ffi.from_handle(ctx)()
    return timestamp_ms(t, "clock()")


@ffi.def_extern(onerror=lambda *a: None)
def eddy_py_log_cb(ctx, level, msg):
    ffi.from_handle(ctx)(level, ffi.string(msg).decode("utf-8", "replace"))


class _Collected(list):
    """What a list/verify callback gathers, and the exception that stopped it (re-raised by
    the caller instead of the generic eddy.UserStop that the stop code would give)."""
    error: Optional[BaseException] = None


def _collect(ctx, make: Callable[[], Any]) -> int:
    out: _Collected = ffi.from_handle(ctx)
    try:
        out.append(make())
        return 0
    except BaseException as e:  # noqa: BLE001 - kept and re-raised on the caller's thread
        out.error = e
        return 1


def _reraise(out: _Collected, rc: int) -> None:
    if out.error is not None:
        e, out.error = out.error, None
        raise e
    check(rc)


# onerror=1 (stop) only if even _collect's bookkeeping raised.
@ffi.def_extern(onerror=lambda *a: 1)
def eddy_py_list_cb(ctx, name):
    return _collect(ctx, lambda: ffi.string(name).decode("utf-8", "replace"))


@ffi.def_extern(onerror=lambda *a: 1)
def eddy_py_verify_cb(ctx, table, key, what):
    return _collect(ctx, lambda: Problem(
        ffi.string(table).decode("utf-8", "replace"),
        bytes(ffi.buffer(key.data, key.len)) if key.data != ffi.NULL else b"",
        ffi.string(what).decode("utf-8", "replace")))


def collect_names(list_fn, *args: Any) -> List[str]:
    """The names an eddy_*_list call passes to its callback, in order."""
    names = _Collected()
    _reraise(names, list_fn(*args, lib.eddy_py_list_cb, ffi.new_handle(names)))
    return list(names)


class Problem(NamedTuple):
    """One problem eddy_env_verify found: the table, the exact key, and what is wrong."""
    table: str
    key: bytes
    what: str


_open_envs: "weakref.WeakSet[Env]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    # Pollers run Python callbacks on Eddy's threads: stop them before the interpreter goes.
    for env in list(_open_envs):
        try:
            env.close()
        except Exception:
            pass


class Env:
    """An open Eddy database (eddy_env). Create with eddy.open(); share one Env between the
    threads of a process (opening the same directory twice in one process raises eddy.Busy).
    Use it as a context manager, or call close(). After close every call raises eddy.Closed."""

    def __init__(self, ptr, keep: List[Any], path: str) -> None:
        self._ptr = ptr
        self._keep = keep  # clock / log objects Eddy calls until close
        self._pollers: Set[Any] = set()  # strong: a running poller lives until closed
        self._lock = threading.Lock()
        self.path = path
        _open_envs.add(self)

    # -- handle -------------------------------------------------------------------------------
    @property
    def _p(self):
        p = self._ptr
        if p is None:
            raise Closed(f"environment {self.path!r} is closed", lib.EDDY_ECLOSED)
        return p

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def close(self) -> None:
        """Close: destroy this env's pollers (stopping them), commit pending relaxed writes and
        release the files (eddy_env_close). Idempotent. Raises eddy.IOFailure / eddy.Full if the
        final commit of relaxed writes failed (the env is closed anyway). No other thread may
        use the env during or after close."""
        with self._lock:
            if self._ptr is None:
                return
            for p in list(self._pollers):
                p.close()
            ptr, self._ptr = self._ptr, None
            _open_envs.discard(self)
            rc = lib.eddy_env_close(ptr)
            self._keep = []
        check(rc)

    def __enter__(self) -> "Env":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<eddy.Env {self.path!r}{' closed' if self.closed else ''}>"

    # -- environment --------------------------------------------------------------------------
    def sync(self) -> None:
        """Make every acknowledged write durable now (relaxed mode; a no-op when durable).
        Raises eddy.Panic, eddy.IOFailure, eddy.Full."""
        check(lib.eddy_env_sync(self._p))

    def stat(self) -> EnvStat:
        """Environment-wide figures (eddy_env_stat_get)."""
        out = ffi.new("eddy_env_stat *")
        out.size = ffi.sizeof("eddy_env_stat")
        check(lib.eddy_env_stat_get(self._p, out))
        return convert(out, "eddy_env_stat", EnvStat)

    def verify(self) -> List[Problem]:
        """Check the whole database deeply (eddy_env_verify): the list of problems, empty when
        it is sound. Raises eddy.Corrupt only when verify could not run to the end."""
        problems = _Collected()
        h = ffi.new_handle(problems)
        n = ffi.new("uint64_t *")
        _reraise(problems, lib.eddy_env_verify(self._p, lib.eddy_py_verify_cb, h, n))
        return list(problems)

    def copy(self, dst_dir: Union[str, os.PathLike], *, compact: bool = False) -> None:
        """Write a consistent copy of the database into dst_dir, which must not hold one
        (eddy_env_copy; compact=True drops free pages). Raises eddy.Exists / eddy.IOFailure."""
        flags = lib.EDDY_ENV_COPY_COMPACT if compact else 0
        check(lib.eddy_env_copy(self._p, os.fsencode(dst_dir), flags))

    # -- queues and streams ---------------------------------------------------------------------
    def queue(self, name: str) -> "Queue":
        """The queue `name` as an object (no call is made; a missing queue raises eddy.NotFound
        at its first use)."""
        from ._queue import Queue
        return Queue(self, name)

    def create_queue(self, name: str, **attributes: Any) -> "Queue":
        """Create queue `name` (eddy_queue_create) and return it; see Queue.ATTRIBUTES for the
        keyword attributes (SQS defaults for those left out). Creating an existing queue with
        the same attributes succeeds; with different ones it raises eddy.Exists."""
        from ._queue import Queue, queue_options
        keep: List[Any] = []
        opts, _ = queue_options(attributes, keep)
        check(lib.eddy_queue_create(self._p, to_cstr(name, "queue name"), opts))
        return Queue(self, name)

    def delete_queue(self, name: str) -> None:
        """Delete queue `name` and all its messages (eddy_queue_delete). Raises eddy.NotFound."""
        check(lib.eddy_queue_delete(self._p, to_cstr(name, "queue name")))

    def queues(self, prefix: str = "") -> List[str]:
        """The names of the queues starting with `prefix`, in name order."""
        return collect_names(lib.eddy_queue_list, self._p, to_cstr(prefix, "prefix"))

    def stream(self, name: str) -> "Stream":
        """The stream `name` as an object (no call is made)."""
        from ._stream import Stream
        return Stream(self, name)

    def create_stream(self, name: str, **attributes: Any) -> "Stream":
        """Create stream `name` (eddy_stream_create) and return it; see Stream.ATTRIBUTES.
        Same attributes again succeeds; different ones raise eddy.Exists."""
        from ._stream import Stream, stream_options
        opts, _ = stream_options(attributes)
        check(lib.eddy_stream_create(self._p, to_cstr(name, "stream name"), opts))
        return Stream(self, name)

    def delete_stream(self, name: str) -> None:
        """Delete stream `name` with its records, checkpoints and leases. Raises eddy.NotFound."""
        check(lib.eddy_stream_delete(self._p, to_cstr(name, "stream name")))

    def streams(self, prefix: str = "") -> List[str]:
        """The names of the streams starting with `prefix`, in name order."""
        return collect_names(lib.eddy_stream_list, self._p, to_cstr(prefix, "prefix"))


def open(path: Union[str, os.PathLike], *, readonly: bool = False, create: bool = True,
         check_pages: bool = False, durability: str = "durable",
         relaxed_window: Optional[Seconds] = None, relaxed_window_ops: Optional[int] = None,
         group_ops_max: Optional[int] = None, map_size_initial: Optional[int] = None,
         map_size_max: Optional[int] = None, max_readers: Optional[int] = None,
         compression_level: Optional[int] = None, compression_min_len: Optional[int] = None,
         disk_reserve: Optional[int] = None, scrub_interval: Optional[Seconds] = None,
         clock: Union[ManualClock, Callable[[], Any], None] = None,
         log: Union[logging.Logger, Callable[[int, str], None], None] = None,
         log_level: Optional[int] = None) -> Env:
    """Open (or create) the database in directory `path` (eddy_env_open).

    readonly: every write raises eddy.InvalidArgument. create=False: a missing database raises
    eddy.NotFound. check_pages: check every LMDB page first (EDDY_ENV_CHECK). durability:
    "durable" (a write returns after its fdatasync) or "relaxed" (acknowledged at once, committed
    within relaxed_window seconds / relaxed_window_ops). clock: a ManualClock or a callable
    returning epoch seconds or a datetime (default: the system clock). log: a logging.Logger or a
    callable(level, message) for Eddy's log (it must not call Eddy). None means Eddy's default
    for every option (include/eddy.h, eddy_env_options).

    Raises eddy.Busy (this process has `path` open already), eddy.VersionMismatch (newer format
    or not an Eddy database), eddy.Corrupt, eddy.NotFound, eddy.IOFailure, eddy.Full,
    eddy.InvalidArgument (an option out of range)."""
    if durability not in ("durable", "relaxed"):
        raise ValueError(f"durability must be 'durable' or 'relaxed', not {durability!r}")
    o = ffi.new("eddy_env_options *")
    o.size = ffi.sizeof("eddy_env_options")
    o.flags = ((lib.EDDY_ENV_READONLY if readonly else 0) |
               (0 if create else lib.EDDY_ENV_NOCREATE) |
               (lib.EDDY_ENV_CHECK if check_pages else 0))
    o.durability = (lib.EDDY_ENV_DURABILITY_RELAXED if durability == "relaxed"
                    else lib.EDDY_ENV_DURABILITY_DURABLE)
    o.relaxed_window_ms = ms(relaxed_window, "relaxed_window", limit=2**32 - 1)
    for field, value in (("relaxed_window_ops", relaxed_window_ops),
                         ("group_ops_max", group_ops_max), ("map_size_initial", map_size_initial),
                         ("map_size_max", map_size_max), ("max_readers", max_readers),
                         ("compression_level", compression_level),
                         ("compression_min_len", compression_min_len),
                         ("disk_reserve", disk_reserve), ("log_level", log_level)):
        if value is not None:
            setattr(o, field, value)
    o.scrub_interval_ms = ms(scrub_interval, "scrub_interval")
    keep: List[Any] = []
    if isinstance(clock, ManualClock):
        o.clock.now_ms = ffi.addressof(lib, "eddy_py_clock_now")
        o.clock.ctx = clock._c
        keep.append(clock)
    elif clock is not None:
        if not callable(clock):
            raise TypeError("clock must be a ManualClock or a callable")
        h = ffi.new_handle(clock)
        keep.append(h)
        o.clock.now_ms = lib.eddy_py_clock_cb
        o.clock.ctx = h
    if log is not None:
        if isinstance(log, logging.Logger):
            logger = log
            fn: Callable[[int, str], None] = (
                lambda level, msg: logger.log(_LOG_LEVELS.get(level, logging.DEBUG), msg))
        elif callable(log):
            fn = log
        else:
            raise TypeError("log must be a logging.Logger or a callable(level, message)")
        h = ffi.new_handle(fn)
        keep.append(h)
        o.log.fn = lib.eddy_py_log_cb
        o.log.ctx = h
    out = ffi.new("eddy_env **")
    check(lib.eddy_env_open(os.fsencode(path), o, out))
    return Env(out[0], keep, os.fspath(path))
