"""Queues (SQS semantics): Queue, Message, SendResult, Attribute."""
from __future__ import annotations

import datetime as _dt
import decimal
from typing import (TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional,
                    Sequence, Tuple, Union)

from ._errors import Error, check, error_for
from ._ffi import ffi, lib
from ._structs import QueueInfo, QueueStat, convert
from ._util import (Data, Named, Seconds, cstring, ms, slice_bytes, to_bytes, to_cstr,
                    to_datetime)

if TYPE_CHECKING:
    from ._env import Env
    from ._poller import Callback, Poller


class Attribute(NamedTuple):
    """A message attribute (SQS MessageAttribute): `type` is "String", "Number" or "Binary"
    (optionally with a ".suffix"); `value` is str for String and Number types, bytes for
    Binary ones."""
    type: str
    value: Union[str, bytes]


AttributeValue = Union[str, int, float, decimal.Decimal, bytes, Attribute, Tuple[str, Any]]

# keyword -> (eddy_queue_options field, set mask bit, kind)
_QUEUE_ATTRS = {
    "visibility_timeout": ("visibility_timeout_ms", lib.EDDY_QUEUE_SET_VISIBILITY, "zero_ms"),
    "delay": ("delay_ms", lib.EDDY_QUEUE_SET_DELAY, "ms"),
    "retention": ("retention_ms", lib.EDDY_QUEUE_SET_RETENTION, "ms"),
    "max_message_size": ("body_len_max", lib.EDDY_QUEUE_SET_BODY_LEN_MAX, "int"),
    "receive_wait": ("receive_wait_ms", lib.EDDY_QUEUE_SET_RECEIVE_WAIT, "ms"),
    "dead_letter_queue": ("dlq_name", lib.EDDY_QUEUE_SET_REDRIVE, "str"),
    "max_receive_count": ("max_receive_count", lib.EDDY_QUEUE_SET_REDRIVE, "int"),
    "redrive_allow": ("redrive_allow", lib.EDDY_QUEUE_SET_REDRIVE_ALLOW, "allow"),
    "in_flight_max": ("in_flight_max", lib.EDDY_QUEUE_SET_IN_FLIGHT_MAX, "int"),
    "batch_max": ("batch_max", lib.EDDY_QUEUE_SET_BATCH_MAX, "int"),
}


def queue_options(attrs: Mapping[str, Any], keep: List[Any]):
    """eddy_queue_options from keyword attributes, and the set mask of the keys given."""
    o = ffi.new("eddy_queue_options *")
    o.size = ffi.sizeof("eddy_queue_options")
    mask = 0
    for key, value in attrs.items():
        if key not in _QUEUE_ATTRS:
            raise TypeError(f"unknown queue attribute {key!r}; known: {', '.join(_QUEUE_ATTRS)}")
        field, bit, kind = _QUEUE_ATTRS[key]
        mask |= bit
        if value is None:
            continue  # the default
        if kind in ("ms", "zero_ms"):
            setattr(o, field, ms(value, key, zero_explicit=(kind == "zero_ms")))
        elif kind == "int":
            setattr(o, field, value)
        elif kind == "str":
            c = ffi.new("char[]", to_cstr(value, key))
            keep.append(c)
            o.dlq_name = c
        elif value == "all":
            o.redrive_allow = lib.EDDY_QUEUE_ALLOW_ALL
        elif value == "deny_all":
            o.redrive_allow = lib.EDDY_QUEUE_ALLOW_DENY_ALL
        elif isinstance(value, (list, tuple)):
            names = [ffi.new("char[]", to_cstr(n, "redrive_allow name")) for n in value]
            arr = ffi.new("const char *[]", names or 1)
            keep.extend([names, arr])
            o.redrive_allow = lib.EDDY_QUEUE_ALLOW_BY_QUEUE
            o.allow_sources = arr
            o.allow_source_count = len(names)
        else:
            raise TypeError("redrive_allow must be 'all', 'deny_all' or a list of queue names")
    keep.append(o)
    return o, mask


def _attr_in(name: str, value: AttributeValue) -> Tuple[bytes, bytes, bytes]:
    if isinstance(value, tuple):
        t, v = value
        return to_cstr(name, "attribute name"), to_cstr(t, "attribute type"), to_bytes(
            v if isinstance(v, (bytes, bytearray, memoryview, str)) else str(v), "value")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return to_cstr(name, "attribute name"), b"Binary", bytes(value)
    if isinstance(value, str):
        return to_cstr(name, "attribute name"), b"String", value.encode("utf-8")
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return to_cstr(name, "attribute name"), b"Number", str(value).encode()
    raise TypeError(f"attribute {name!r}: unsupported value type {type(value).__name__}")


def _fill_attrs(entry, attributes: Optional[Mapping[str, AttributeValue]], keep: List[Any]):
    if not attributes:
        return
    arr = ffi.new("eddy_queue_attr[]", len(attributes))
    for i, (name, value) in enumerate(attributes.items()):
        n, t, v = _attr_in(name, value)
        cn, ct = ffi.new("char[]", n), ffi.new("char[]", t)
        cv = ffi.from_buffer(v)
        keep.extend((cn, ct, cv, v))
        arr[i].name, arr[i].type = cn, ct
        arr[i].value.data, arr[i].value.len = cv, len(v)
    keep.append(arr)
    entry.attrs, entry.attr_count = arr, len(attributes)


def _attrs_out(attrs, n: int) -> Dict[str, Attribute]:
    out: Dict[str, Attribute] = {}
    for i in range(n):
        a = attrs[i]
        t = ffi.string(a.type).decode("utf-8", "replace")
        raw = slice_bytes(a.value)
        out[ffi.string(a.name).decode("utf-8", "replace")] = Attribute(
            t, raw if t.startswith("Binary") else raw.decode("utf-8", "replace"))
    return out


class SendResult(NamedTuple):
    """What a send reports: the message id (increasing in send order), the send time, the
    XXH3-64 of the body, and for a batch entry its error (None when it was stored)."""
    msg_id: int
    sent_at: Optional[_dt.datetime]
    body_xxh3: int
    error: Optional[Error] = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Message:
    """A received message. The body is bytes (copied once from Eddy); `text` decodes it as
    UTF-8. delete() and change_visibility() use this receive's receipt handle."""
    __slots__ = ("queue", "msg_id", "body", "receipt", "receive_count", "attributes", "sent_at",
                 "first_received_at", "body_xxh3", "origin_queue_id", "origin_msg_id")

    def __init__(self, queue: "Queue", m) -> None:
        self.queue = queue
        self.msg_id: int = m.msg_id
        self.body: bytes = slice_bytes(m.body)
        self.receipt: str = ffi.string(m.receipt).decode("ascii")
        self.receive_count: int = m.receive_count
        self.attributes: Dict[str, Attribute] = (_attrs_out(m.attrs, m.attr_count)
                                                 if m.attr_count else {})
        self.sent_at = to_datetime(m.sent_ms)
        self.first_received_at = to_datetime(m.first_receive_ms)
        self.body_xxh3: int = m.body_xxh3
        self.origin_queue_id: int = m.origin_queue_id
        self.origin_msg_id: int = m.origin_msg_id

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def delete(self) -> None:
        """Delete this message (Queue.delete with this receipt)."""
        self.queue.delete(self.receipt)

    def change_visibility(self, timeout: Seconds) -> None:
        """Make it invisible for `timeout` more seconds from now (0: visible at once)."""
        self.queue.change_visibility(self.receipt, timeout)

    def __repr__(self) -> str:
        return (f"<eddy.Message {self.queue.name}#{self.msg_id} {len(self.body)} bytes "
                f"receive_count={self.receive_count}>")


Receipt = Union[str, Message]
SendEntry = Union[Data, Mapping[str, Any]]


def _receipt(r: Receipt, keep: List[Any]):
    if isinstance(r, Message):
        r = r.receipt
    b = to_cstr(r, "receipt")
    keep.append(b)
    return b


class Queue(Named):
    """A queue of an Env, by name. Methods map one-to-one to eddy_queue_* calls and raise the
    eddy.Error subclass of the code the call returned.

    ATTRIBUTES (create_queue / set_attributes keywords; None or absent = SQS's default):
      visibility_timeout  seconds, default 30, at most 12 h (0 allowed)
      delay               seconds, default 0, at most 900
      retention           seconds, default 4 days, 60 s .. 14 days
      max_message_size    bytes of body plus attributes, default 1048576, 1024 .. 16 MiB
      receive_wait        long-poll seconds of a receive, default 0, at most 20
      dead_letter_queue   name of an existing queue, default none (redrive policy, with
      max_receive_count   receives before the move, default 10, 1..1000)
      redrive_allow       "all" (default), "deny_all", or a list of up to 10 source queues
      in_flight_max       default 120000
      batch_max           entries per batch call and messages per receive, default 10, <= 1000
    """

    kind = "queue"
    env: "Env"

    # -- attributes ---------------------------------------------------------------------------
    def attributes(self) -> QueueInfo:
        """Attributes and exact counts (eddy_queue_get_attributes). Raises eddy.NotFound."""
        out = ffi.new("eddy_queue_info *")
        out.size = ffi.sizeof("eddy_queue_info")
        check(lib.eddy_queue_get_attributes(self.env._p, self._cname, out))
        if out.redrive_allow == lib.EDDY_QUEUE_ALLOW_ALL:
            allow: Any = "all"
        elif out.redrive_allow == lib.EDDY_QUEUE_ALLOW_DENY_ALL:
            allow = "deny_all"
        else:
            allow = [cstring(out.allow_sources[i]) for i in range(out.allow_source_count)]
        return convert(out, "eddy_queue_info", QueueInfo, name=self.name, redrive_allow=allow)

    def set_attributes(self, **attributes: Any) -> None:
        """Change the attributes given (see ATTRIBUTES; None sets the default again). The
        redrive pair (dead_letter_queue, max_receive_count) is applied together: give both.
        Raises eddy.NotFound, eddy.InvalidArgument."""
        if not attributes:
            raise TypeError("set_attributes needs at least one attribute")
        keep: List[Any] = []
        opts, mask = queue_options(attributes, keep)
        check(lib.eddy_queue_set_attributes(self.env._p, self._cname, opts, mask))

    def stat(self) -> QueueStat:
        """Exact counts in one snapshot (eddy_queue_stat_get; O(messages): tools and tests)."""
        out = ffi.new("eddy_queue_stat *")
        out.size = ffi.sizeof("eddy_queue_stat")
        check(lib.eddy_queue_stat_get(self.env._p, self._cname, out))
        return convert(out, "eddy_queue_stat", QueueStat)

    def __len__(self) -> int:
        """Messages stored (visible, in flight and delayed)."""
        return self.attributes().messages

    # -- send -----------------------------------------------------------------------------------
    def _entry(self, e, item: SendEntry, keep: List[Any]) -> None:
        e.size = ffi.sizeof("eddy_queue_send_entry")
        if isinstance(item, Mapping):
            unknown = set(item) - {"body", "delay", "attributes"}
            if unknown:
                raise TypeError(f"unknown send entry keys {sorted(unknown)}")
            body = to_bytes(item["body"], "body")
            e.delay_ms = ms(item.get("delay"), "delay", zero_explicit=True)
            _fill_attrs(e, item.get("attributes"), keep)
        else:
            body = to_bytes(item, "body")
        cb = ffi.from_buffer(body)
        keep.append(cb)
        e.body.data, e.body.len = cb, len(body)

    def send(self, body: Data, *, delay: Optional[Seconds] = None,
             attributes: Optional[Mapping[str, AttributeValue]] = None) -> SendResult:
        """Send one message; returns once it is durable (eddy_queue_send). `body`: bytes, or str
        (sent as UTF-8). delay: seconds (None: the queue's). attributes: name -> str (String),
        int/float/Decimal (Number), bytes (Binary) or Attribute(type, value).
        Raises eddy.TooBig (over max_message_size), eddy.NotFound, eddy.InvalidArgument (empty
        body, a delay over 900 s, bad attributes), and the write errors."""
        keep: List[Any] = []
        e = ffi.new("eddy_queue_send_entry *")
        self._entry(e, {"body": body, "delay": delay, "attributes": attributes}, keep)
        r = ffi.new("eddy_queue_send_result *")
        r.size = ffi.sizeof("eddy_queue_send_result")
        check(lib.eddy_queue_send(self.env._p, self._cname, e, r))
        return SendResult(r.msg_id, to_datetime(r.sent_ms), r.body_xxh3)

    def send_batch(self, entries: Sequence[SendEntry]) -> List[SendResult]:
        """Send up to batch_max messages in one durable commit (eddy_queue_send_batch). Each
        entry is a body (bytes/str) or a dict with "body", "delay", "attributes". Returns a
        result per entry, in order: an entry that failed validation has .error set (and was not
        stored); the others are stored. Raises eddy.Limit (more than batch_max), eddy.TooBig
        (the entries together exceed max_message_size: nothing stored), eddy.NotFound,
        eddy.InvalidArgument (an empty list), and the write errors (nothing stored)."""
        n = len(entries)
        if n == 0:
            raise error_for(lib.EDDY_EINVAL, "send_batch needs at least one entry")
        keep: List[Any] = []
        arr = ffi.new("eddy_queue_send_entry[]", n)
        if all(type(x) is bytes for x in entries):  # fast path: bodies packed, one C loop
            # from_buffer: the entries point into it until the batch call below, so it is a
            # cdata kept alive in keep (a bytes argument is valid only during fill_send).
            packed = ffi.from_buffer(b"".join(entries))  # type: ignore[arg-type]
            keep.append(packed)
            lib.eddy_py_fill_send(arr, n, packed, [len(x) for x in entries])
        else:
            for i, item in enumerate(entries):
                self._entry(arr[i], item, keep)
        res = ffi.new("eddy_queue_send_result[]", n)
        res[0].size = ffi.sizeof("eddy_queue_send_result")
        check(lib.eddy_queue_send_batch(self.env._p, self._cname, arr, n, res))
        first = ffi.string(lib.eddy_last_error()).decode("utf-8", "replace")
        return [SendResult(r.msg_id, to_datetime(r.sent_ms), r.body_xxh3,
                           entry_error(r.rc, res, i, first, "send") if r.rc else None)
                for i, r in enumerate(res)]

    # -- receive ------------------------------------------------------------------------------
    def receive(self, max_messages: int = 1, *, visibility_timeout: Optional[Seconds] = None,
                wait: Optional[Seconds] = None) -> List[Message]:
        """Receive up to max_messages visible messages (eddy_queue_receive); an empty list when
        none arrived. wait: long-poll seconds (None: the queue's receive_wait; 0: none), during
        which other Python threads run (the GIL is released). visibility_timeout: seconds (None:
        the queue's). Raises eddy.InvalidArgument (max_messages over batch_max, a timeout over
        12 h, a wait over 20 s), eddy.NotFound, eddy.Limit (in-flight limit reached),
        eddy.Corrupt, and the write errors."""
        o = ffi.new("eddy_queue_receive_options *")
        o.size = ffi.sizeof("eddy_queue_receive_options")
        if max_messages < 1:
            raise error_for(lib.EDDY_EINVAL, f"max_messages must be >= 1, not {max_messages}")
        o.max_messages = min(max_messages, 2**32 - 1)
        o.visibility_timeout_ms = ms(visibility_timeout, "visibility_timeout", zero_explicit=True,
                                     limit=2**32 - 2)
        o.wait_ms = ms(wait, "wait", zero_explicit=True, limit=2**32 - 2)
        out = ffi.new("eddy_queue_batch **")
        check(lib.eddy_queue_receive(self.env._p, self._cname, o, out))
        b = out[0]
        try:
            return [Message(self, lib.eddy_queue_batch_message(b, i))
                    for i in range(lib.eddy_queue_batch_count(b))]
        finally:
            lib.eddy_queue_batch_free(b)

    # -- delete, visibility, purge --------------------------------------------------------------
    def delete(self, receipt: Receipt) -> None:
        """Delete the message of a receipt (or a Message) (eddy_queue_delete_message). Raises
        eddy.Expired (received again since), eddy.NotFound (gone, or no such queue),
        eddy.InvalidArgument (malformed receipt, or one of another queue)."""
        keep: List[Any] = []
        check(lib.eddy_queue_delete_message(self.env._p, self._cname, _receipt(receipt, keep)))

    def delete_batch(self, receipts: Sequence[Receipt]) -> List[Optional[Error]]:
        """Delete several messages in one commit: per receipt None (deleted) or the error
        delete() would raise for it (not raised). Raises eddy.Limit (more than batch_max),
        eddy.NotFound (no such queue), eddy.InvalidArgument (an empty list), write errors."""
        n = len(receipts)
        if n == 0:
            raise error_for(lib.EDDY_EINVAL, "delete_batch needs at least one receipt")
        keep: List[Any] = []
        # one buffer of NUL-terminated receipts (each checked NUL-free by _receipt), kept in
        # `packed` until the call returns
        packed = ffi.from_buffer(b"\0".join([_receipt(r, keep) for r in receipts]) + b"\0")
        arr = ffi.new("const char *[]", n)
        lib.eddy_py_fill_ptrs(arr, n, packed)
        res = ffi.new("int[]", n)
        check(lib.eddy_queue_delete_batch(self.env._p, self._cname, arr, n, res))
        return [error_for(rc, _entry_message(rc, "delete", i)) if rc else None
                for i, rc in enumerate(res)]

    def change_visibility(self, receipt: Receipt, timeout: Seconds) -> None:
        """Make the message invisible until now + timeout seconds (0: visible at once)
        (eddy_queue_change_visibility). Raises eddy.Expired (received again, or its visibility
        timeout already ran out), eddy.NotFound, eddy.InvalidArgument (over 12 h)."""
        keep: List[Any] = []
        check(lib.eddy_queue_change_visibility(self.env._p, self._cname, _receipt(receipt, keep),
                                               ms(timeout, "timeout", limit=2**32 - 1)))

    def change_visibility_batch(self, entries: Sequence[Tuple[Receipt, Seconds]]
                                ) -> List[Optional[Error]]:
        """change_visibility for (receipt, timeout) pairs in one commit: per entry None or its
        error (not raised). Call errors as delete_batch."""
        n = len(entries)
        if n == 0:
            raise error_for(lib.EDDY_EINVAL, "change_visibility_batch needs at least one entry")
        keep: List[Any] = []
        arr = ffi.new("eddy_queue_visibility_entry[]", n)
        for i, (r, t) in enumerate(entries):
            c = ffi.new("char[]", _receipt(r, keep))
            keep.append(c)
            arr[i].size = ffi.sizeof("eddy_queue_visibility_entry")
            arr[i].receipt = c
            arr[i].timeout_ms = ms(t, "timeout", limit=2**32 - 1)
        res = ffi.new("int[]", n)
        check(lib.eddy_queue_change_visibility_batch(self.env._p, self._cname, arr, n, res))
        return [error_for(rc, _entry_message(rc, "change_visibility", i)) if rc else None
                for i, rc in enumerate(res)]

    def purge(self) -> int:
        """Remove every message stored now, in-flight ones included; returns how many."""
        n = ffi.new("uint64_t *")
        check(lib.eddy_queue_purge(self.env._p, self._cname, n))
        return int(n[0])

    # -- pollers --------------------------------------------------------------------------------
    def poller(self, fn: "Callback", **options: Any) -> "Poller":
        """An event-source mapping on this queue running `fn` (see eddy.Poller)."""
        from ._poller import Poller
        return Poller(self.env, "queue", self.name, fn, **options)


def _entry_message(rc: int, what: str, i: int) -> str:
    return f"{what} entry {i}: {ffi.string(lib.eddy_strerror(rc)).decode()}"


def entry_error(rc: int, results, i: int, first: str, what: str) -> Error:
    """The error of entry i of a batch call that ran: the library's message for the first
    failed entry (eddy_last_error holds that one), the code's description for later ones."""
    if first and all(results[k].rc == 0 for k in range(i)):
        return error_for(rc, f"{what} entry {i}: {first}")
    return error_for(rc, _entry_message(rc, what, i))
