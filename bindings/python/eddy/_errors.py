"""Exceptions: one base, eddy.Error, and a subclass per EDDY_E* code (include/eddy.h's table)."""
from __future__ import annotations

from typing import Dict, Optional, Type

from ._ffi import ffi, lib


class Error(Exception):
    """An Eddy call failed. `code` is the EDDY_E* value (negative int), `name` its constant name
    ("EDDY_ENOTFOUND") and `message` the library's detail message (eddy_last_error)."""

    code: int = 0

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(message)

    @property
    def name(self) -> str:
        return ffi.string(lib.eddy_errname(self.code)).decode()

    def __str__(self) -> str:
        return f"{self.message} ({self.name})"


class InvalidArgument(Error, ValueError):
    """EDDY_EINVAL: invalid argument or API misuse; nothing changed."""
    code = lib.EDDY_EINVAL


class NotFound(Error, LookupError):
    """EDDY_ENOTFOUND: no such queue, stream, shard, receipt or record."""
    code = lib.EDDY_ENOTFOUND


class Exists(Error):
    """EDDY_EEXIST: already exists with different attributes."""
    code = lib.EDDY_EEXIST


class TooBig(Error):
    """EDDY_ETOOBIG: a value exceeds a configured size limit."""
    code = lib.EDDY_ETOOBIG


class Limit(Error):
    """EDDY_ELIMIT: a count limit was reached (in-flight, batch, names)."""
    code = lib.EDDY_ELIMIT


class Expired(Error):
    """EDDY_EEXPIRED: receipt handle, lease or iterator is no longer valid."""
    code = lib.EDDY_EEXPIRED


class Busy(Error):
    """EDDY_EBUSY: held by someone else, or children still open."""
    code = lib.EDDY_EBUSY


class Full(Error):
    """EDDY_EFULL: storage is full (disk or configured size cap)."""
    code = lib.EDDY_EFULL


class NoMemory(Error, MemoryError):
    """EDDY_ENOMEM: out of memory."""
    code = lib.EDDY_ENOMEM


class IOFailure(Error):
    """EDDY_EIO: I/O error from the operating system."""
    code = lib.EDDY_EIO


class Corrupt(Error):
    """EDDY_ECORRUPT: stored data failed a checksum or structural check."""
    code = lib.EDDY_ECORRUPT


class VersionMismatch(Error):
    """EDDY_EVERSION: data written by an unsupported format version, or not an Eddy database."""
    code = lib.EDDY_EVERSION


class Panic(Error):
    """EDDY_EPANIC: the environment hit a fatal error; close and reopen."""
    code = lib.EDDY_EPANIC


class UserStop(Error):
    """EDDY_EUSER: a user callback stopped the call (a poller whose callback asked to stop)."""
    code = lib.EDDY_EUSER


class BufferTooSmall(Error):
    """EDDY_EBUFS: a buffer was too small (the binding sizes its buffers; rare)."""
    code = lib.EDDY_EBUFS


class Closed(Error):
    """EDDY_ECLOSED: the handle is closed or shutting down (also: a closed Python Env)."""
    code = lib.EDDY_ECLOSED


class Internal(Error):
    """EDDY_EINTERNAL: an unexpected failure inside Eddy or a dependency (a bug)."""
    code = lib.EDDY_EINTERNAL


_BY_CODE: Dict[int, Type[Error]] = {
    c.code: c
    for c in (InvalidArgument, NotFound, Exists, TooBig, Limit, Expired, Busy, Full, NoMemory,
              IOFailure, Corrupt, VersionMismatch, Panic, UserStop, BufferTooSmall, Closed,
              Internal)
}


def error_for(rc: int, message: Optional[str] = None) -> Error:
    """The exception for code `rc`; the message defaults to this thread's eddy_last_error()."""
    if message is None:
        message = ffi.string(lib.eddy_last_error()).decode("utf-8", "replace")
        if not message:
            message = ffi.string(lib.eddy_strerror(rc)).decode()
    cls = _BY_CODE.get(rc, Error)
    return cls(message, rc)


def check(rc: int) -> None:
    """Raise the exception for a failed call's return code; nothing for 0."""
    if rc != 0:
        raise error_for(rc)
