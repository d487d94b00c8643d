"""How a run is asked to stop (the CLI's signal handlers call ``StopRequest.request``)."""

from __future__ import annotations

import asyncio


class StopRequest:
    """How a run is asked to stop: the first request drains, the second cuts short.

    Draining: no new request starts; those in flight get ``grace_s`` to finish.
    Cutting short: in-flight requests are cancelled. Either way what was
    harvested is published, with ``"outcome": "interrupted"`` in the manifest.
    """

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.now = asyncio.Event()
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        if self.requested.is_set():
            self.now.set()
            return
        self.reason = reason
        self.requested.set()
