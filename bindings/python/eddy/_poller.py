"""Pollers (event-source mappings): a Python callable runs on Eddy's threads for each batch.

The callback is entered through cffi's def_extern, which takes the GIL on the library's thread;
every Eddy call from Python releases the GIL, so callbacks and other Python threads run while a
call waits. An exception in the callback fails its batch (the poller goes on; the exception is
logged to the "eddy" logger and kept in Poller.last_exception); raising eddy.StopPoller stops
the poller instead (EDDY_EUSER), and so do KeyboardInterrupt and SystemExit (the batch failed;
run_once raises them again). The batch counts as failed until the outcome was read in full: an
exception escaping the binding's own code (a raising log handler, MemoryError) stops the poller
with nothing of the batch processed, never "all succeeded".
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

from ._errors import check, error_for
from ._ffi import ffi, lib
from ._queue import Attribute, _attrs_out
from ._structs import PollerStatus, convert
from ._util import Seconds, ms, slice_bytes, timestamp_ms, to_cstr, to_datetime

if TYPE_CHECKING:
    from ._env import Env

_log = logging.getLogger("eddy")
_in_callback = threading.local()

_STATES = {lib.EDDY_POLLER_STATE_STOPPED: "stopped", lib.EDDY_POLLER_STATE_RUNNING: "running",
           lib.EDDY_POLLER_STATE_PAUSED: "paused", lib.EDDY_POLLER_STATE_FAILED: "failed"}


class StopPoller(Exception):
    """Raise in a poller callback to stop the poller: its batch counts as not processed and
    the poller's status reports EDDY_EUSER (run_once raises eddy.UserStop)."""


class Item:
    """One item of a poller batch, copied out of Eddy before the callback runs. Queue items
    have msg_id and attributes; stream items have seq, shard_id and partition_key."""
    __slots__ = ("index", "body", "msg_id", "seq", "shard_id", "partition_key", "attributes",
                 "receive_count", "sent_at", "first_received_at")

    def __init__(self, index: int, it) -> None:
        self.index = index
        self.body: bytes = slice_bytes(it.body)
        self.msg_id: int = it.msg_id
        self.seq: str = ffi.string(it.seq).decode("ascii")
        self.shard_id: int = it.shard_id
        self.partition_key: str = slice_bytes(it.partition_key).decode("utf-8",
                                                                          "surrogateescape")
        self.attributes: Dict[str, Attribute] = (_attrs_out(it.attrs, it.attr_count)
                                                 if it.attr_count else {})
        self.receive_count: int = it.receive_count
        self.sent_at: Optional[_dt.datetime] = to_datetime(it.sent_ms)
        self.first_received_at: Optional[_dt.datetime] = to_datetime(it.first_receive_ms)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def __repr__(self) -> str:
        key = self.seq or f"#{self.msg_id}"
        return f"<eddy.Item {key} {len(self.body)} bytes>"


class Batch(List[Item]):
    """The items of one callback (a list), with the batch's source ("queue" or "stream"),
    name, shard_id (streams) and attempt (streams: 0 the first time, then 1, 2, ...)."""

    def __init__(self, items: List[Item], source: str, name: str, shard_id: int,
                 attempt: int) -> None:
        super().__init__(items)
        self.source, self.name, self.shard_id, self.attempt = source, name, shard_id, attempt


Outcome = Union[None, bool, Iterable[Union[Item, int]]]
Callback = Callable[[Batch], Outcome]


def _poller_cb_error(*exc: Any) -> int:
    # Reached only when an exception escaped _invoke itself (its logging raised, MemoryError,
    # KeyboardInterrupt in its finally). _invoke set result.failed first, but stop anyway: 1 is
    # the stop code (EDDY_EUSER), so nothing of the batch counts as processed.
    return 1


@ffi.def_extern(onerror=_poller_cb_error)
def eddy_py_poller_cb(ctx, batch, result):
    poller: Poller = ffi.from_handle(ctx)
    return poller._invoke(batch, result)


class Poller:
    """An event-source mapping (eddy_poller) running `fn(batch)` for each batch.

    The callback returns None or True (every item succeeded: queue messages are deleted, the
    stream checkpoint moves on), False (the whole batch failed), or the items (or indexes) that
    failed (a partial batch response). Delivery is at least once: make it idempotent.

    Options (None = the default of include/eddy.h, eddy_poller_options): batch_size,
    batching_window (seconds), payload_max (bytes), max_concurrency (threads), filters (list of
    EventBridge patterns as dict or JSON str), manual (no threads: call run_once). Queues:
    visibility_timeout (seconds). Streams: consumer (required), start ("trim_horizon",
    "latest" or a datetime), max_retry_attempts (int or "forever"), max_record_age (seconds or
    "forever"), retry_backoff (seconds), on_failure_queue, parallelization, bisect,
    failure_payload.

    It does not run until start() (or `with poller:`); close() stops and frees it, and
    Env.close() closes the pollers still open."""

    def __init__(self, env: "Env", source: str, name: str, fn: Callback, *,
                 consumer: Optional[str] = None, batch_size: Optional[int] = None,
                 batching_window: Optional[Seconds] = None, payload_max: Optional[int] = None,
                 max_concurrency: Optional[int] = None,
                 visibility_timeout: Optional[Seconds] = None,
                 filters: Optional[Sequence[Union[str, Dict[str, Any]]]] = None,
                 start: Union[str, _dt.datetime] = "trim_horizon",
                 max_retry_attempts: Union[int, str, None] = None,
                 max_record_age: Union[Seconds, str, None] = None,
                 retry_backoff: Optional[Seconds] = None, on_failure_queue: Optional[str] = None,
                 parallelization: Optional[int] = None, bisect: bool = False,
                 failure_payload: bool = False, manual: bool = False) -> None:
        if not callable(fn):
            raise TypeError("fn must be callable")
        self.env, self.source, self.name, self.fn = env, source, name, fn
        self.last_exception: Optional[BaseException] = None
        self.exceptions = 0
        self._interrupt: Optional[BaseException] = None  # KeyboardInterrupt/SystemExit to re-raise
        keep: List[Any] = []

        def cstr(v: Optional[str], what: str):
            if v is None:
                return ffi.NULL
            c = ffi.new("char[]", to_cstr(v, what))
            keep.append(c)
            return c

        o = ffi.new("eddy_poller_options *")
        o.size = ffi.sizeof("eddy_poller_options")
        o.source = (lib.EDDY_POLLER_SOURCE_QUEUE if source == "queue"
                    else lib.EDDY_POLLER_SOURCE_STREAM)
        o.name = cstr(name, "name")
        o.flags = ((lib.EDDY_POLLER_MANUAL if manual else 0) |
                   (lib.EDDY_POLLER_BISECT if bisect else 0) |
                   (lib.EDDY_POLLER_FAILURE_PAYLOAD if failure_payload else 0))
        o.batch_size = batch_size or 0
        o.batching_window_ms = ms(batching_window, "batching_window", limit=2**32 - 1)
        o.payload_max = payload_max or 0
        o.max_concurrency = max_concurrency or 0
        o.visibility_timeout_ms = ms(visibility_timeout, "visibility_timeout", limit=2**32 - 1)
        if filters:
            fs = [cstr(f if isinstance(f, str) else json.dumps(f), "filter") for f in filters]
            arr = ffi.new("const char *[]", fs)
            keep.append(arr)
            o.filters, o.filter_count = arr, len(fs)
        o.consumer = cstr(consumer, "consumer")
        if isinstance(start, _dt.datetime):
            o.start, o.start_ms = lib.EDDY_POLLER_START_AT_TIMESTAMP, timestamp_ms(start, "start")
        elif start == "latest":
            o.start = lib.EDDY_POLLER_START_LATEST
        elif start != "trim_horizon":
            raise ValueError(f"start must be 'trim_horizon', 'latest' or a datetime, not {start!r}")
        if max_retry_attempts == "forever":
            o.max_retry_attempts = lib.EDDY_POLLER_FOREVER
        elif max_retry_attempts is not None:
            o.max_retry_attempts = max_retry_attempts
        if max_record_age == "forever":
            o.max_record_age_ms = lib.EDDY_POLLER_FOREVER
        elif max_record_age is not None:
            o.max_record_age_ms = ms(max_record_age, "max_record_age")  # type: ignore[arg-type]
        o.retry_backoff_ms = ms(retry_backoff, "retry_backoff", limit=2**32 - 1)
        o.on_failure_queue = cstr(on_failure_queue, "on_failure_queue")
        o.parallelization = parallelization or 0
        self._h = ffi.new_handle(self)
        out = ffi.new("eddy_poller **")
        check(lib.eddy_poller_create(env._p, o, lib.eddy_py_poller_cb, self._h, out))
        self._ptr = out[0]
        env._pollers.add(self)

    # -- the callback, on Eddy's thread with the GIL --------------------------------------------
    def _invoke(self, batch, result) -> int:
        # Fail closed: the batch counts as failed until the callback's outcome was fully read,
        # so any exception that escapes from here (see _poller_cb_error) deletes nothing and
        # moves no checkpoint.
        result.failed = True
        prev = getattr(_in_callback, "poller", None)  # a nested run_once of another poller
        _in_callback.poller = self
        try:
            items = Batch([Item(i, lib.eddy_poller_batch_item(batch, i)) for i in range(batch.n)],
                          "queue" if batch.source == lib.EDDY_POLLER_SOURCE_QUEUE else "stream",
                          self.name, batch.shard_id, batch.attempt)
            outcome = self.fn(items)
            if outcome is None or outcome is True:
                result.failed = False
                return 0
            if outcome is False:
                return 0
            k = 0
            for f in outcome:
                idx = f.index if isinstance(f, Item) else int(f)
                if not 0 <= idx < batch.n:
                    return 0  # as the C rule: an index out of range fails the batch
                result.failed_idx[k] = idx
                k += 1
                if k == batch.n:
                    break
            result.n_failed = k
            result.failed = False
            return 0
        except StopPoller:
            return 1
        except BaseException as e:  # noqa: BLE001 - a callback never takes the process down
            self.last_exception = e
            self.exceptions += 1
            _log.exception("eddy poller on %s %r: callback raised; batch failed",
                           self.source, self.name)
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                # Ctrl-C / exit is not a failed batch to retry: the batch stays failed, the
                # poller stops (EDDY_EUSER), and run_once raises it again on the caller's thread.
                self._interrupt = e
                return 1
            return 0
        finally:
            _in_callback.poller = prev

    # -- control --------------------------------------------------------------------------------
    @property
    def _p(self):
        """The handle for control calls, which the poller's own callbacks may not make."""
        p = self._handle
        if getattr(_in_callback, "poller", None) is self:
            raise error_for(lib.EDDY_EINVAL,
                            "a poller's own callback may not start, stop, pause or close it")
        return p

    @property
    def _handle(self):
        if self._ptr is None:
            raise error_for(lib.EDDY_ECLOSED, f"poller on {self.name!r} is closed")
        return self._ptr

    def start(self) -> None:
        """Start polling (eddy_poller_start). Raises eddy.InvalidArgument if already started."""
        check(lib.eddy_poller_start(self._p))

    def pause(self) -> None:
        """Pause after the callbacks in flight returned and committed."""
        check(lib.eddy_poller_pause(self._p))

    def resume(self) -> None:
        check(lib.eddy_poller_resume(self._p))

    def stop(self) -> None:
        """Stop: wait for the callbacks in flight, commit what finished, end the threads. It may
        be started again."""
        check(lib.eddy_poller_stop(self._p))

    def run_once(self) -> int:
        """manual=True pollers: one step on this thread; returns the callbacks it ran. Raises
        eddy.UserStop when the callback raised StopPoller, KeyboardInterrupt or SystemExit when
        the callback raised those (its batch failed and the poller stopped), or the error that
        stopped it."""
        n = ffi.new("size_t *")
        rc = lib.eddy_poller_run_once(self._p, n)
        interrupt, self._interrupt = self._interrupt, None
        if interrupt is not None:
            raise interrupt
        check(rc)
        return int(n[0])

    def status(self) -> PollerStatus:
        """State ("stopped", "running", "paused", "failed") and counters; also from the
        poller's own callback."""
        out = ffi.new("eddy_poller_status *")
        out.size = ffi.sizeof("eddy_poller_status")
        check(lib.eddy_poller_status_get(self._handle, out))
        return convert(out, "eddy_poller_status", PollerStatus, state=_STATES[out.state])

    def close(self) -> None:
        """Stop (ignoring its error) and free the poller. Idempotent."""
        if self._ptr is None:
            return
        p = self._p
        self._ptr = None
        lib.eddy_poller_destroy(p)
        self.env._pollers.discard(self)

    def __enter__(self) -> "Poller":
        if self.status().state == "stopped":
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<eddy.Poller {self.source} {self.name!r}>"
