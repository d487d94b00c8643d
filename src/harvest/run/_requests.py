"""A request of the crawl (a URL and where it stands in a walk) and the queue it waits in."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from harvest.run._scope import is_listing
from harvest.state import FrontierRow


@dataclass(frozen=True)
class Request:
    """A URL to fetch and how far it is from a seed.

    A listing page carries its walk: ``walk`` (the walk's first page), ``whole`` (walk
    to the end whatever it brings), ``streak`` (pages before it in a row that brought
    nothing new) and ``floor`` (the last date of the page before, for the order check).
    ``revisit``: a known page asked again by the schedule.
    """

    url: str
    depth: int
    walk: str | None = None
    whole: bool = False
    streak: int = 0
    revisit: bool = False
    floor: str | None = None

    def row(self) -> tuple[str, int, str | None, bool, int, bool]:
        """The request as the state's frontier keeps it."""
        return (self.url, self.depth, self.walk, self.whole, self.streak, self.revisit)

    @classmethod
    def from_row(cls, row: FrontierRow) -> Request:
        return cls(row.url, row.depth, row.walk, row.whole, row.streak, row.revisit)


class CrawlQueue(asyncio.Queue[Request]):
    """The requests waiting for a worker: those that ``first`` picks go ahead of the rest.

    A crawl queues listing pages before publication pages (``is_listing``). The
    next page of a listing is found only once the page before it is parsed; in a
    plain FIFO it would wait behind the hundred publications its page linked to,
    and the workers would run dry at the end of every listing page. Ahead of them,
    the listing pages are walked while the publications they found keep the
    workers busy. Within each group the order is first in, first out.
    """

    def __init__(self, first: Callable[[str], bool] = is_listing) -> None:
        super().__init__()
        self._first: Callable[[str], bool] = first
        self._ahead: deque[Request] = deque()

    def qsize(self) -> int:
        return len(self._ahead) + super().qsize()

    def empty(self) -> bool:
        return not self._ahead and super().empty()

    def _put(self, item: Request) -> None:
        if self._first(item.url):
            self._ahead.append(item)
        else:
            super()._put(item)

    def _get(self) -> Request:
        return self._ahead.popleft() if self._ahead else super()._get()
