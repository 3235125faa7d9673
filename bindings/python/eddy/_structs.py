"""Output structs of eddy.h as frozen dataclasses (converted field by field, by name).

Names follow the C fields with Python units: a timestamp field `x_ms` becomes `x` (a UTC
datetime, None for 0), a duration field `x_ms` becomes `x` in seconds (float); char arrays
become str. Fields a newer header adds are left out until a dataclass names them.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar

from ._ffi import ffi
from ._util import to_datetime

T = TypeVar("T")

# C fields that are points in time (the rest of *_ms are durations).
_TIMESTAMPS = {"created_ms", "modified_ms", "closed_ms", "last_arrival_ms", "updated_ms",
               "sent_ms", "first_receive_ms", "arrival_ms", "start_ms", "expires_ms"}


def _value(v: Any, ftype) -> Any:
    if ftype.kind == "array" and ftype.item.cname == "char":
        return ffi.string(v).decode("utf-8", "replace")
    if ftype.kind == "array" and ftype.item.kind == "array":
        return [ffi.string(x).decode("utf-8", "replace") for x in v]
    if ftype.kind == "array":
        return list(v)
    return v


def convert(cdata, ctype: str, cls: Type[T], **extra: Any) -> T:
    """The dataclass `cls` from struct `cdata` of type `ctype` (only the fields it names)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    out: Dict[str, Any] = dict(extra)
    for fname, field in ffi.typeof(ctype).fields:
        if fname == "size":
            continue
        v = _value(getattr(cdata, fname), field.type)
        if fname.endswith("_ms"):
            key = fname[:-3]
            v = to_datetime(v) if fname in _TIMESTAMPS else v / 1000.0
        else:
            key = fname
        if key in names and key not in out:
            out[key] = v
    return cls(**out)  # type: ignore[call-arg]


@dataclasses.dataclass(frozen=True)
class EnvStat:
    """eddy_env_stat: environment-wide figures."""
    format_version: int
    created: Optional[_dt.datetime]
    file_size: int
    map_size: int
    page_size: int
    pages_used: int
    pages_free: int
    readers_max: int
    readers_used: int
    queue_count: int
    stream_count: int
    commits: int
    ops_committed: int
    map_grows: int
    scrubs: int
    lmdb_version: str


@dataclasses.dataclass(frozen=True)
class QueueInfo:
    """eddy_queue_info: a queue's attributes (defaults applied) and exact counts.
    Durations are seconds; `redrive_allow` is "all", "deny_all" or the list of allowed queues."""
    name: str
    id: int
    created: Optional[_dt.datetime]
    modified: Optional[_dt.datetime]
    messages: int
    in_flight: int
    visible: int
    delayed: int
    oldest_age: float
    visibility_timeout: float
    delay: float
    retention: float
    body_len_max: int
    receive_wait: float
    dlq_name: str
    max_receive_count: int
    redrive_allow: Any
    in_flight_max: int
    batch_max: int


@dataclasses.dataclass(frozen=True)
class QueueStat:
    """eddy_queue_stat: exact counts at one instant (O(messages); for tools and tests)."""
    messages: int
    visible: int
    in_flight: int
    delayed: int
    oldest_age: float
    expired: int


@dataclasses.dataclass(frozen=True)
class StreamInfo:
    """eddy_stream_info: a stream's attributes (defaults applied) and totals."""
    name: str
    id: int
    created: Optional[_dt.datetime]
    modified: Optional[_dt.datetime]
    open_shards: int
    shards: int
    records: int
    bytes: int
    dict_id: int
    shard_count: int
    retention: float
    hash: str
    record_len_max: int
    batch_max: int
    iterator_ttl: float


@dataclasses.dataclass(frozen=True)
class Shard:
    """eddy_stream_shard. parent_id, adjacent_parent_id and child_ids use None for "no shard"."""
    shard_id: int
    state: str
    parent_id: Optional[int]
    adjacent_parent_id: Optional[int]
    child_ids: Tuple[int, ...]
    starting_hash_key: int
    ending_hash_key: int
    starting_seq: str
    ending_seq: str
    created: Optional[_dt.datetime]
    closed: Optional[_dt.datetime]
    records: int
    bytes: int
    last_arrival: Optional[_dt.datetime]
    last_seq: str
    first_seq: str


@dataclasses.dataclass(frozen=True)
class PollerStatus:
    """eddy_poller_status: state ("stopped", "running", "paused", "failed") and counters.
    `last_error` is None or the eddy.Error class name's code that stopped it."""
    state: str
    last_error: int
    batches: int
    records: int
    failures: int
    failed_records: int
    retries: int
    filtered: int
    discarded: int
    on_failure_sent: int
    commits: int
    oldest_age: float


def fields_of(cls) -> List[str]:
    return [f.name for f in dataclasses.fields(cls)]
