"""Streams (Kinesis semantics): Stream, Record, PutResult, ReadResult, ShardReader, checkpoints."""
from __future__ import annotations

import datetime as _dt
import time
from itertools import accumulate, repeat
from typing import (TYPE_CHECKING, Any, Iterator, List, Mapping, NamedTuple, Optional, Sequence,
                    Tuple, Union)

from ._errors import Error, check, error_for
from ._ffi import ffi, lib
from ._queue import entry_error
from ._structs import Shard, StreamInfo, convert
from ._util import Data, Named, cstring, ms, timestamp_ms, to_bytes, to_cstr, to_datetime

if TYPE_CHECKING:
    from ._env import Env
    from ._poller import Callback, Poller

#: The checkpoint value that says "this closed shard was read to its end" (KCL SHARD_END).
SHARD_END: str = ffi.string(lib.EDDY_CHECKPOINT_SHARD_END).decode()

_NO_SHARD = lib.EDDY_STREAM_NO_SHARD

_STREAM_ATTRS = {
    "shard_count": ("shard_count", 0, "int"),
    "retention": ("retention_ms", lib.EDDY_STREAM_SET_RETENTION, "ms"),
    "hash": ("hash", 0, "hash"),
    "max_record_size": ("record_len_max", lib.EDDY_STREAM_SET_RECORD_LEN_MAX, "int"),
    "batch_max": ("batch_max", lib.EDDY_STREAM_SET_BATCH_MAX, "int"),
    "iterator_ttl": ("iterator_ttl_ms", lib.EDDY_STREAM_SET_ITERATOR_TTL, "ms"),
}

_ITER_TYPES = {
    "trim_horizon": lib.EDDY_STREAM_ITER_TRIM_HORIZON,
    "latest": lib.EDDY_STREAM_ITER_LATEST,
    "at_sequence": lib.EDDY_STREAM_ITER_AT_SEQUENCE_NUMBER,
    "after_sequence": lib.EDDY_STREAM_ITER_AFTER_SEQUENCE_NUMBER,
    "at_timestamp": lib.EDDY_STREAM_ITER_AT_TIMESTAMP,
}


def stream_options(attrs: Mapping[str, Any], settable: bool = False):
    """eddy_stream_options from keyword attributes, and the set mask of the keys given."""
    o = ffi.new("eddy_stream_options *")
    o.size = ffi.sizeof("eddy_stream_options")
    mask = 0
    for key, value in attrs.items():
        if key not in _STREAM_ATTRS or (settable and _STREAM_ATTRS[key][1] == 0):
            known = [k for k, v in _STREAM_ATTRS.items() if v[1] or not settable]
            raise TypeError(f"unknown or fixed stream attribute {key!r}; known: "
                            f"{', '.join(known)}")
        field, bit, kind = _STREAM_ATTRS[key]
        mask |= bit
        if value is None:
            continue
        if kind == "ms":
            setattr(o, field, ms(value, key))
        elif kind == "hash":
            if value not in ("xxh3", "md5"):
                raise ValueError(f"hash must be 'xxh3' or 'md5', not {value!r}")
            o.hash = lib.EDDY_STREAM_HASH_MD5 if value == "md5" else lib.EDDY_STREAM_HASH_XXH3
        else:
            setattr(o, field, value)
    return o, mask


class PutResult(NamedTuple):
    """Where a put landed: shard, sequence number, arrival time; for a batch entry its error
    (None when stored)."""
    shard_id: int
    seq: str
    arrival: Optional[_dt.datetime]
    error: Optional[Error] = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Record(NamedTuple):
    """A record read: data is bytes (copied once from Eddy); the partition key is str;
    arrival_ms is Eddy's timestamp (ms since the epoch), `arrival` the same as a datetime."""
    seq: str
    shard_id: int
    arrival_ms: int
    partition_key: str
    data: bytes

    @property
    def arrival(self) -> Optional[_dt.datetime]:
        return to_datetime(self.arrival_ms)


class ReadResult(NamedTuple):
    """One get_records call: the records, where to continue (None once a closed shard was read
    to its end), how far behind the newest record (seconds), and the shard-end facts."""
    records: List[Record]
    next_iterator: Optional[str]
    behind_latest: float
    shard_end: bool
    skipped_trimmed: bool
    child_ids: Tuple[int, ...]


class Checkpoint(NamedTuple):
    """A stored checkpoint (eddy_checkpoint): seq is a sequence number or eddy.SHARD_END."""
    shard_id: int
    seq: str
    shard_end: bool
    updated: Optional[_dt.datetime]
    lease_counter: int
    state: bytes


PutEntry = Union[Tuple[Data, Data], Mapping[str, Any]]


_alloc = ffi.new_allocator(should_clear_after_alloc=False)  # filled in full by C before use
_new_record = tuple.__new__  # Record._make without its Python-level frame


def _slices(whole, lens) -> List[Any]:
    """whole cut into consecutive pieces of lens (C-level map over slice objects)."""
    ends = list(accumulate(lens))
    return list(map(whole.__getitem__, map(slice, [0] + ends[:-1], ends)))


def _records(b) -> List[Record]:
    # Column by column (eddy_py_stream_cols in eddy_build.py): a handful of C-level calls per
    # column instead of five cdata attribute reads and three conversions per record.
    c = ffi.new("eddy_py_cols *")
    lib.eddy_py_stream_cols_size(b, c)
    n = c.n
    if n == 0:
        return []
    data, pks, seqs = _alloc("char[]", c.data_len or 1), _alloc("char[]", c.pk_len or 1), \
        _alloc("char[]", c.seq_len)
    dlens, plens = _alloc("size_t[]", n), _alloc("size_t[]", n)
    arrival, shard = _alloc("uint64_t[]", n), _alloc("uint32_t[]", n)
    lib.eddy_py_stream_cols(b, data, dlens, pks, plens, seqs, arrival, shard)
    bodies = _slices(ffi.buffer(data, c.data_len)[:], ffi.unpack(dlens, n))
    kb = ffi.buffer(pks, c.pk_len)[:]
    klens = ffi.unpack(plens, n)
    if kb.isascii():  # the usual case: str offsets are byte offsets
        keys = _slices(kb.decode("ascii"), klens)
    else:
        keys = [k.decode("utf-8", "surrogateescape") for k in _slices(kb, klens)]
    seq = ffi.buffer(seqs, c.seq_len)[:].decode("ascii").split()
    return list(map(_new_record, repeat(Record, n),
                    zip(seq, ffi.unpack(shard, n), ffi.unpack(arrival, n), keys, bodies)))


def _children(ids) -> Tuple[int, ...]:
    return tuple(i for i in ids if i != _NO_SHARD)


class ShardReader:
    """Iterates the records of one shard from a start position (Stream.reader). Without
    follow, iteration ends when it caught up with the newest record; iterating again goes on
    from there. With follow it waits poll_interval seconds whenever it caught up and never ends
    (until the shard was read to its end: `shard_end` then holds and `child_ids` the children).
    `iterator` is the position to continue from; `last_seq` the last record yielded."""

    def __init__(self, stream: "Stream", shard_id: int, iterator: str, *,
                 max_records: Optional[int], follow: bool, poll_interval: float) -> None:
        self.stream = stream
        self.shard_id = shard_id
        self.iterator: Optional[str] = iterator
        self.max_records = max_records
        self.follow = follow
        self.poll_interval = poll_interval
        self.last_seq: Optional[str] = None
        self.behind_latest = 0.0
        self.shard_end = False
        self.child_ids: Tuple[int, ...] = ()

    def __iter__(self) -> Iterator[Record]:
        while self.iterator is not None:
            r = self.stream.read(self.iterator, max_records=self.max_records)
            for rec in r.records:
                self.last_seq = rec.seq
                yield rec
            self.iterator = r.next_iterator
            self.behind_latest = r.behind_latest
            if r.shard_end:
                self.shard_end, self.child_ids = True, r.child_ids
                return
            if r.behind_latest == 0:
                if not self.follow:
                    return
                if not r.records:
                    time.sleep(self.poll_interval)


class Stream(Named):
    """A stream of an Env, by name. Methods map one-to-one to eddy_stream_* and eddy_checkpoint_*
    calls and raise the eddy.Error subclass of the code the call returned.

    ATTRIBUTES (create_stream keywords; None or absent = the default):
      shard_count      shards at creation, default 1, 1..4096 (fixed; reshard instead)
      retention        seconds, default 24 h, 60 s .. 365 days
      hash             "xxh3" (default) or "md5" (Kinesis's partition-key hashing; fixed)
      max_record_size  bytes of data plus partition key, default 1048576, 1..16 MiB
      batch_max        records per put_batch, default 500, 1..10000
      iterator_ttl     seconds an iterator stays valid, default 300, 1 s .. 24 h
    """

    kind = "stream"
    env: "Env"

    # -- attributes ---------------------------------------------------------------------------
    def attributes(self) -> StreamInfo:
        """Attributes and totals (eddy_stream_get_attributes). Raises eddy.NotFound."""
        out = ffi.new("eddy_stream_info *")
        out.size = ffi.sizeof("eddy_stream_info")
        check(lib.eddy_stream_get_attributes(self.env._p, self._cname, out))
        return convert(out, "eddy_stream_info", StreamInfo, name=self.name,
                       hash="md5" if out.hash == lib.EDDY_STREAM_HASH_MD5 else "xxh3")

    def set_attributes(self, **attributes: Any) -> None:
        """Change retention, max_record_size, batch_max or iterator_ttl (from now on).
        Raises eddy.NotFound, eddy.InvalidArgument."""
        if not attributes:
            raise TypeError("set_attributes needs at least one attribute")
        opts, mask = stream_options(attributes, settable=True)
        check(lib.eddy_stream_set_attributes(self.env._p, self._cname, opts, mask))

    # -- put ------------------------------------------------------------------------------------
    @staticmethod
    def _entry(e, item: PutEntry, keep: List[Any]) -> None:
        e.size = ffi.sizeof("eddy_stream_put_entry")
        if isinstance(item, Mapping):
            unknown = set(item) - {"data", "partition_key", "explicit_hash_key",
                                   "seq_for_ordering"}
            if unknown:
                raise TypeError(f"unknown put entry keys {sorted(unknown)}")
            data, pk = item["data"], item["partition_key"]
            for f in ("explicit_hash_key", "seq_for_ordering"):
                v = item.get(f)
                if v is not None:
                    c = ffi.new("char[]", to_cstr(str(v), f))
                    keep.append(c)
                    setattr(e, f, c)
        else:
            data, pk = item
        d, p = to_bytes(data, "data"), to_bytes(pk, "partition_key")
        cd, cp = ffi.from_buffer(d), ffi.from_buffer(p)
        keep.extend((cd, cp))
        e.data.data, e.data.len = cd, len(d)
        e.partition_key.data, e.partition_key.len = cp, len(p)

    def put(self, data: Data, partition_key: Data, *,
            explicit_hash_key: Union[int, str, None] = None,
            seq_for_ordering: Optional[str] = None) -> PutResult:
        """Put one record; returns once it is durable (eddy_stream_put). data: bytes or str.
        partition_key: 1..256 bytes; explicit_hash_key (an int 0..2^128-1) picks the shard
        instead. Raises eddy.TooBig (data plus key over max_record_size), eddy.NotFound,
        eddy.InvalidArgument (empty or long key, malformed hash key or sequence), eddy.Busy,
        and the write errors."""
        keep: List[Any] = []
        e = ffi.new("eddy_stream_put_entry *")
        self._entry(e, {"data": data, "partition_key": partition_key,
                        "explicit_hash_key": explicit_hash_key,
                        "seq_for_ordering": seq_for_ordering}, keep)
        r = ffi.new("eddy_stream_put_result *")
        r.size = ffi.sizeof("eddy_stream_put_result")
        check(lib.eddy_stream_put(self.env._p, self._cname, e, r))
        return PutResult(r.shard_id, ffi.string(r.seq).decode("ascii"), to_datetime(r.arrival_ms))

    def put_batch(self, records: Sequence[PutEntry]) -> List[PutResult]:
        """Put up to batch_max records in one durable commit (eddy_stream_put_batch). Each is
        (data, partition_key) or a dict with "data", "partition_key" and optionally
        "explicit_hash_key", "seq_for_ordering". A result per record in order; a record that
        failed validation has .error set and was not stored. Raises eddy.TooBig (a record over
        max_record_size: nothing stored), eddy.Limit (more than batch_max), eddy.NotFound,
        eddy.InvalidArgument (an empty list), eddy.Busy, and the write errors."""
        n = len(records)
        if n == 0:
            raise error_for(lib.EDDY_EINVAL, "put_batch needs at least one record")
        keep: List[Any] = []
        arr = ffi.new("eddy_stream_put_entry[]", n)
        # fast path: (bytes, str or bytes) pairs, packed and filled in one C loop
        fast = all(type(r) is tuple and len(r) == 2 for r in records)
        if fast:
            data = [r[0] for r in records]  # type: ignore[index]
            keys = [r[1].encode() if type(r[1]) is str else r[1]  # type: ignore[index]
                    for r in records]
            fast = all(type(d) is bytes for d in data) and all(type(k) is bytes for k in keys)
        if fast:
            # from_buffer, kept alive: the entries point into these until put_batch returns.
            packed_d = ffi.from_buffer(b"".join(data))
            packed_k = ffi.from_buffer(b"".join(keys))
            keep.extend((packed_d, packed_k))
            lib.eddy_py_fill_put(arr, n, packed_d, [len(d) for d in data], packed_k,
                                 [len(k) for k in keys])
        else:
            for i, item in enumerate(records):
                self._entry(arr[i], item, keep)
        res = ffi.new("eddy_stream_put_result[]", n)
        res[0].size = ffi.sizeof("eddy_stream_put_result")
        check(lib.eddy_stream_put_batch(self.env._p, self._cname, arr, n, res, ffi.NULL))
        first = ffi.string(lib.eddy_last_error()).decode("utf-8", "replace")
        return [PutResult(r.shard_id, ffi.string(r.seq).decode("ascii"),
                          to_datetime(r.arrival_ms),
                          entry_error(r.rc, res, i, first, "put") if r.rc else None)
                for i, r in enumerate(res)]

    # -- shards ---------------------------------------------------------------------------------
    def shards(self) -> List[Shard]:
        """The shards, open and closed (until expired), in id order (eddy_stream_list_shards)."""
        cap = 16
        while True:
            arr = ffi.new("eddy_stream_shard[]", cap)
            arr[0].size = ffi.sizeof("eddy_stream_shard")
            n = ffi.new("size_t *")
            rc = lib.eddy_stream_list_shards(self.env._p, self._cname, arr, cap, n)
            if rc == lib.EDDY_EBUFS:
                cap = max(int(n[0]), cap * 2)
                continue
            check(rc)
            return [self._shard(arr[i]) for i in range(n[0])]

    @staticmethod
    def _shard(s) -> Shard:
        def opt(i: int) -> Optional[int]:
            return None if i == _NO_SHARD else i
        return convert(s, "eddy_stream_shard", Shard,
                       state="open" if s.state == lib.EDDY_STREAM_SHARD_OPEN else "closed",
                       parent_id=opt(s.parent_id), adjacent_parent_id=opt(s.adjacent_parent_id),
                       child_ids=_children(s.child_ids),
                       starting_hash_key=int(cstring(s.starting_hash_key)),
                       ending_hash_key=int(cstring(s.ending_hash_key)))

    def split_shard(self, shard_id: int, new_starting_hash_key: Union[int, str]
                    ) -> Tuple[int, int]:
        """Split an open shard at a hash key; returns the two children (lower range first).
        Raises eddy.InvalidArgument (key outside the range, closed shard), eddy.NotFound,
        eddy.Limit (4096 shards)."""
        out = ffi.new("uint32_t[2]")
        check(lib.eddy_stream_split_shard(self.env._p, self._cname, shard_id,
                                          to_cstr(str(new_starting_hash_key), "hash key"), out))
        return int(out[0]), int(out[1])

    def merge_shards(self, shard_id: int, adjacent_shard_id: int) -> int:
        """Merge two open shards whose ranges touch; returns the child. Raises
        eddy.InvalidArgument, eddy.NotFound, eddy.Limit."""
        out = ffi.new("uint32_t *")
        check(lib.eddy_stream_merge_shards(self.env._p, self._cname, shard_id, adjacent_shard_id,
                                           out))
        return int(out[0])

    def update_shard_count(self, target: int) -> None:
        """Scale to `target` open shards (half to double the open count) in one commit."""
        check(lib.eddy_stream_update_shard_count(self.env._p, self._cname, target))

    # -- read -----------------------------------------------------------------------------------
    def iterator(self, shard_id: int, start: str = "trim_horizon", *, seq: Optional[str] = None,
                 timestamp: Union[_dt.datetime, float, None] = None) -> str:
        """An iterator token for a shard (eddy_stream_get_iterator). start: "trim_horizon",
        "latest", "at_sequence"/"after_sequence" (with seq) or "at_timestamp" (with timestamp:
        datetime or epoch seconds). Valid for the stream's iterator_ttl. Raises eddy.NotFound,
        eddy.InvalidArgument (unknown start, malformed seq or one of another shard)."""
        if start not in _ITER_TYPES:
            raise error_for(lib.EDDY_EINVAL, f"unknown iterator start {start!r}; known: "
                            f"{', '.join(_ITER_TYPES)}")
        ts = timestamp_ms(timestamp, "timestamp") if timestamp is not None else 0
        out = ffi.new("eddy_stream_iterator *")
        check(lib.eddy_stream_get_iterator(self.env._p, self._cname, shard_id, _ITER_TYPES[start],
                                           to_cstr(seq, "seq"), ts, out))
        return ffi.string(out.token).decode("ascii")

    def read(self, iterator: str, *, max_records: Optional[int] = None,
             max_bytes: Optional[int] = None) -> ReadResult:
        """Read records from an iterator (eddy_stream_get_records); an empty list is normal.
        Continue with result.next_iterator. Raises eddy.Expired (older than iterator_ttl, stream
        deleted, shard expired), eddy.InvalidArgument (malformed token, max_records over 10000),
        eddy.Corrupt."""
        it = ffi.new("eddy_stream_iterator *")
        tok = to_cstr(iterator, "iterator")
        if len(tok) > lib.EDDY_STREAM_ITER_LEN:
            raise error_for(lib.EDDY_EINVAL, f"iterator token too long ({len(tok)} characters)")
        it.token = tok
        o = ffi.new("eddy_stream_read_options *")
        o.size = ffi.sizeof("eddy_stream_read_options")
        o.max_records = max_records or 0
        o.max_bytes = max_bytes or 0
        out = ffi.new("eddy_stream_batch **")
        check(lib.eddy_stream_get_records(self.env._p, it, o, out))
        b = out[0]
        try:
            recs = _records(b)
            info = lib.eddy_stream_batch_info(b)
            nxt = ffi.string(info.next.token).decode("ascii") or None
            return ReadResult(recs, nxt, info.millis_behind_latest / 1000.0, bool(info.shard_end),
                              bool(info.skipped_trimmed),
                              _children(info.child_ids) if info.shard_end else ())
        finally:
            lib.eddy_stream_batch_free(b)

    def reader(self, shard_id: int = 0, start: str = "trim_horizon", *, seq: Optional[str] = None,
               timestamp: Union[_dt.datetime, float, None] = None,
               max_records: Optional[int] = None, follow: bool = False,
               poll_interval: float = 1.0) -> ShardReader:
        """An iterator over the shard's records from `start` (as iterator()): `for rec in
        stream.reader(0):`. See ShardReader for follow and continuing."""
        return ShardReader(self, shard_id, self.iterator(shard_id, start, seq=seq,
                                                         timestamp=timestamp),
                           max_records=max_records, follow=follow, poll_interval=poll_interval)

    def trim(self, max_records: Optional[int] = None) -> int:
        """Remove up to max_records (default 1000) records past retention; returns how many.
        Call until it returns 0."""
        n = ffi.new("uint64_t *")
        check(lib.eddy_stream_trim(self.env._p, self._cname, max_records or 0, n))
        return int(n[0])

    # -- checkpoints ----------------------------------------------------------------------------
    def checkpoint(self, consumer: str, shard_id: int, seq: str, *, state: Data = b"",
                   worker: Optional[str] = None, lease_counter: int = 0) -> None:
        """Store consumer's position on a shard (eddy_checkpoint_set): the last record processed,
        or eddy.SHARD_END; `state` (<= 1024 bytes) is stored with it. With worker, the write is
        fenced by that worker's lease counter. Raises eddy.InvalidArgument (bad names or seq,
        SHARD_END for an open shard, state too long), eddy.NotFound, eddy.Expired (fenced and
        the lease moved on)."""
        keep: List[Any] = []
        cp = ffi.new("eddy_checkpoint_write *")
        cp.size = ffi.sizeof("eddy_checkpoint_write")
        st = to_bytes(state, "state")
        cs = ffi.from_buffer(st)
        strs = [ffi.new("char[]", to_cstr(v, k)) if v is not None else ffi.NULL
                for k, v in (("stream", self.name), ("consumer", consumer), ("seq", seq),
                             ("worker", worker))]
        keep.extend(strs)
        cp.stream, cp.consumer, cp.seq, cp.worker = strs
        cp.shard_id = shard_id
        cp.state.data, cp.state.len = cs, len(st)
        cp.lease_counter = lease_counter
        check(lib.eddy_checkpoint_set(self.env._p, cp))

    def get_checkpoint(self, consumer: str, shard_id: int) -> Checkpoint:
        """consumer's checkpoint on a shard (eddy_checkpoint_get). Raises eddy.NotFound (no such
        stream, or no checkpoint for that shard)."""
        out = ffi.new("eddy_checkpoint *")
        out.size = ffi.sizeof("eddy_checkpoint")
        check(lib.eddy_checkpoint_get(self.env._p, self._cname, to_cstr(consumer, "consumer"),
                                      shard_id, out))
        return _checkpoint(out)

    def checkpoints(self, consumer: str) -> List[Checkpoint]:
        """All of consumer's checkpoints on this stream, in shard order."""
        cap = 16
        while True:
            arr = ffi.new("eddy_checkpoint[]", cap)
            arr[0].size = ffi.sizeof("eddy_checkpoint")
            n = ffi.new("size_t *")
            rc = lib.eddy_checkpoint_list(self.env._p, self._cname, to_cstr(consumer, "consumer"),
                                          arr, cap, n)
            if rc == lib.EDDY_EBUFS:
                cap = max(int(n[0]), cap * 2)
                continue
            check(rc)
            return [_checkpoint(arr[i]) for i in range(n[0])]

    def consumers(self) -> List[str]:
        """The consumers with a checkpoint or lease on this stream, in name order."""
        from ._env import collect_names
        return collect_names(lib.eddy_consumer_list, self.env._p, self._cname)

    # -- pollers --------------------------------------------------------------------------------
    def poller(self, fn: "Callback", consumer: str, **options: Any) -> "Poller":
        """An event-source mapping on this stream under `consumer` running `fn` (eddy.Poller)."""
        from ._poller import Poller
        return Poller(self.env, "stream", self.name, fn, consumer=consumer, **options)


def _checkpoint(c) -> Checkpoint:
    return Checkpoint(c.shard_id, ffi.string(c.seq).decode("ascii"), bool(c.shard_end),
                      to_datetime(c.updated_ms), c.lease_counter,
                      bytes(ffi.buffer(c.state, c.state_len)))
