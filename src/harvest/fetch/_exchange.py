"""What the fetcher hands its response hook: one finished request and response.

The fetcher knows nothing of archives: a run that keeps WARC files passes
``WarcArchive.keep`` as the hook (``Fetcher(..., on_response=archive.keep)``).
A hook that raises ``WriteError`` stops the run (the disk is full, say); the
fetch itself does not retry it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

HeaderItems = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its response as harvest saw them.

    ``body`` None: harvest did not read it (a redirect, an error, not HTML);
    ``truncated`` then says why the kept body is not the whole one, as WARC's
    ``WARC-Truncated`` names it, or None when the server sent none.
    """

    url: str
    status: int
    reason: str | None
    headers: HeaderItems
    body: bytes | None
    fetched_at: datetime
    request_headers: HeaderItems
    ip: str | None
    truncated: str | None


ResponseHook = Callable[[Exchange], None]
