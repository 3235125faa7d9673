"""Conversions at the boundary: bytes, names, durations and timestamps.

Eddy counts milliseconds; Python code passes seconds (int/float) or timedelta, and gets
datetime (UTC) for timestamps. None always means "Eddy's default"; an explicit 0 for a
duration whose C zero means "default" is sent as EDDY_QUEUE_ZERO_MS.
"""
from __future__ import annotations

import datetime as _dt
import functools
from typing import Optional, Union

from ._errors import InvalidArgument
from ._ffi import ffi, lib

Seconds = Union[int, float, _dt.timedelta]
Data = Union[bytes, bytearray, memoryview, str]

_UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)


def to_bytes(value: Data, what: str) -> bytes:
    """bytes as they are; str encoded as UTF-8; anything else is a TypeError."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be bytes or str, not {type(value).__name__}")


def to_cstr(value: Optional[str], what: str):
    """A name as a C string (kept alive by the caller); None stays NULL."""
    if value is None:
        return ffi.NULL
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    b = value.encode("utf-8")
    if b"\0" in b:
        raise InvalidArgument(f"{what} {value!r} contains a NUL character", lib.EDDY_EINVAL)
    return b


def ms(value: Optional[Seconds], what: str, *, zero_explicit: bool = False,
       limit: int = 2**64 - 1) -> int:
    """Seconds (or a timedelta) as whole milliseconds for Eddy; None -> 0 (the default).

    zero_explicit: the C field's 0 means "default", so a caller's 0 is sent as
    EDDY_QUEUE_ZERO_MS (an explicit zero)."""
    if value is None:
        return 0
    if isinstance(value, _dt.timedelta):
        secs = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = float(value)
    else:
        raise TypeError(f"{what} must be seconds (int, float) or timedelta, "
                        f"not {type(value).__name__}")
    if secs != secs or secs < 0:
        raise InvalidArgument(f"{what} must be >= 0 seconds, not {value!r}", lib.EDDY_EINVAL)
    n = round(secs * 1000)
    if n == 0 and zero_explicit:
        return lib.EDDY_QUEUE_ZERO_MS
    if n > limit:
        raise InvalidArgument(f"{what} {value!r} is out of range", lib.EDDY_EINVAL)
    return n


def timestamp_ms(value: Union[_dt.datetime, int, float], what: str) -> int:
    """A point in time for Eddy: an aware datetime, a naive one taken as UTC, or epoch seconds."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_UTC)
        return max(0, round((value - _EPOCH).total_seconds() * 1000))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise InvalidArgument(f"{what} must not be before 1970", lib.EDDY_EINVAL)
        return round(value * 1000)
    raise TypeError(f"{what} must be datetime or epoch seconds, not {type(value).__name__}")


# Cached: a batch's entries share their timestamp, datetimes are immutable, and making one
# (timedelta + add) costs more than the rest of a batch entry's conversion.
@functools.lru_cache(maxsize=4096)
def to_datetime(ms_value: int) -> Optional[_dt.datetime]:
    """Eddy's milliseconds since the epoch as an aware UTC datetime; 0 (never) is None."""
    if ms_value == 0:
        return None
    return _EPOCH + _dt.timedelta(milliseconds=ms_value)


def seconds(ms_value: int) -> float:
    return ms_value / 1000.0


def cstring(arr) -> str:
    """A NUL-ended char array or char * from Eddy as str."""
    return ffi.string(arr).decode("utf-8", "replace")


def new_struct(ctype: str, count: int = 0):
    """A zeroed struct (or array) with `size` set: EDDY_<TYPE>_INIT as the compiler sees it."""
    if count:
        p = ffi.new(f"{ctype}[]", count)
        p[0].size = ffi.sizeof(ctype)
        return p
    p = ffi.new(f"{ctype} *")
    p.size = ffi.sizeof(ctype)
    return p


def slice_bytes(s) -> bytes:
    """An eddy_slice lent by Eddy, copied once into bytes (an empty slice may be NULL)."""
    if s.len == 0:
        return b""
    return ffi.unpack(ffi.cast("const char *", s.data), s.len)


class Named:
    """Base of Queue and Stream: an object of an Env by name (no handle is held; each call
    names it). Equal when the env and the name are."""
    kind = "object"

    def __init__(self, env, name: str) -> None:
        self.env = env
        self.name = name
        self._cname = to_cstr(name, f"{self.kind} name")

    def __repr__(self) -> str:
        return f"<eddy.{type(self).__name__} {self.name!r}>"

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and other.env is self.env  # type: ignore[attr-defined]
                and other.name == self.name)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((id(self.env), self.name))
