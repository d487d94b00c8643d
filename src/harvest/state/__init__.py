"""State between runs: the SQLite store and the lock that keeps one run per store."""

from harvest.state._lock import RunLock
from harvest.state._stamps import read_stamp, stamp
from harvest.state._store import STATE_VERSION, PageState, PageUpdate, RunRow, State

__all__ = [
    "STATE_VERSION",
    "PageState",
    "PageUpdate",
    "RunLock",
    "RunRow",
    "State",
    "read_stamp",
    "stamp",
]
