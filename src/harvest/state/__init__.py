"""State between runs: the SQLite store and the lock that keeps one run per store."""

from harvest.state._lock import RunLock
from harvest.state._stamps import read_stamp, stamp
from harvest.state._store import (
    STATE_VERSION,
    FrontierRow,
    PageState,
    PageUpdate,
    RunRow,
    ScheduleSummary,
    State,
    WalkState,
)

__all__ = [
    "STATE_VERSION",
    "FrontierRow",
    "PageState",
    "PageUpdate",
    "RunLock",
    "RunRow",
    "ScheduleSummary",
    "State",
    "WalkState",
    "read_stamp",
    "stamp",
]
