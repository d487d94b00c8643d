"""State between runs: the SQLite store and the lock that keeps one run per store."""

from harvest.state.lock import RunLock
from harvest.state.store import STATE_VERSION, PageState, PageUpdate, RunRow, State

__all__ = ["STATE_VERSION", "PageState", "PageUpdate", "RunLock", "RunRow", "State"]
