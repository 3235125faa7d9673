"""eddy: Python binding of Eddy, the embedded durable queue-and-stream engine (include/eddy.h).

    import eddy
    with eddy.open("./data") as env:
        q = env.create_queue("orders")
        q.send(b"hello")
        for m in q.receive(10, wait=1):
            m.delete()

docs/python.md has the guide and the mapping from the C API.
"""
from ._env import Env, ManualClock, Problem, open
from ._errors import (BufferTooSmall, Closed, Corrupt, Error, Exists, Expired, Full, Internal,
                      InvalidArgument, IOFailure, Limit, NoMemory, NotFound, Panic, TooBig,
                      UserStop, VersionMismatch, Busy)
from ._ffi import ffi as _ffi, lib as _lib
from ._poller import Batch, Item, Poller, StopPoller
from ._queue import Attribute, Message, Queue, SendResult
from ._stream import (SHARD_END, Checkpoint, PutResult, ReadResult, Record, ShardReader,
                      Stream)
from ._structs import EnvStat, PollerStatus, QueueInfo, QueueStat, Shard, StreamInfo

#: The version of the libeddy in use ("MAJOR.MINOR.PATCH").
LIBRARY_VERSION: str = _ffi.string(_lib.eddy_version()).decode()
__version__ = "0.2.0"

__all__ = [
    "open", "Env", "ManualClock", "Problem", "Queue", "Message", "SendResult", "Attribute",
    "Stream", "Record", "PutResult", "ReadResult", "ShardReader", "Checkpoint", "SHARD_END",
    "Poller", "Batch", "Item", "StopPoller", "EnvStat", "QueueInfo", "QueueStat", "StreamInfo",
    "Shard", "PollerStatus", "Error", "InvalidArgument", "NotFound", "Exists", "TooBig", "Limit",
    "Expired", "Busy", "Full", "NoMemory", "IOFailure", "Corrupt", "VersionMismatch", "Panic",
    "UserStop", "BufferTooSmall", "Closed", "Internal", "LIBRARY_VERSION",
]
