"""A request of the crawl (a URL and where it stands in a walk), the queue it waits in,
and what asking for it came to (``Answer``), as the run reports it to the frontier."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from harvest.run._discovery import Entry
from harvest.run._schedule import Visit
from harvest.sites import is_listing
from harvest.state import FrontierRow, PageUpdate


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


class RequestQueue:
    """A run's requests: waiting (in a ``CrawlQueue``), handed out, or left unfinished.

    Each request handed out by ``get`` ends once: ``done`` (reported), ``leave`` (not
    asked: the run is stopping) or ``cut`` (asked, and the run ended first). ``join``
    waits until every request put has ended.
    """

    def __init__(self) -> None:
        self._waiting = CrawlQueue()
        self._out: dict[int, Request] = {}  # handed out and not ended, by identity
        self._cut: set[str] = set()
        self._left: list[str] = []

    def put(self, requests: Iterable[Request]) -> None:
        for request in requests:
            self._waiting.put_nowait(request)

    async def get(self) -> Request:
        request = await self._waiting.get()
        self._out[id(request)] = request
        return request

    def done(self, request: Request) -> None:
        """The request was reported (a second report of it changes nothing here)."""
        if self._out.pop(id(request), None) is not None:
            self._waiting.task_done()

    def leave(self, request: Request) -> None:
        """Not asked for: left to the next run."""
        self._out.pop(id(request), None)
        self._left.append(request.url)
        self._waiting.task_done()

    def cut(self, request: Request) -> None:
        """Asked for, and cut short before it was reported: left to the next run."""
        if self._out.pop(id(request), None) is not None:
            self._cut.add(request.url)
            self._waiting.task_done()

    async def join(self) -> None:
        await self._waiting.join()

    def unfinished(self) -> list[str]:
        """The URLs left to the next run: not asked, then in flight, then still waiting.

        Takes the waiting requests out of the queue: the run is over.
        """
        urls = self._left + sorted({r.url for r in self._out.values()} | self._cut)
        while not self._waiting.empty():
            urls.append(self._waiting.get_nowait().url)
        return urls


@dataclass(frozen=True)
class Listing:
    """What a listing page leads to: its entries and its next page.

    ``parsed`` False: the page answered as before (304), so its order was not read again.
    """

    entries: tuple[Entry, ...]
    next_page: str | None
    parsed: bool


@dataclass(frozen=True)
class Answer:
    """What asking for a request came to, reported to the frontier in one call.

    ``outcome``: the word the pass keeps for the page (a change, a failure's outcome,
    ``duplicate``). ``page``: what the state learns of the page; the frontier adds
    its revisit schedule, taken from ``visit`` (None: not scheduled) and
    ``published``. ``final_url``: where the fetch ended (a redirect's target),
    finished with it. ``links`` found on a page, or the ``listing`` a listing page
    is: what the page leads to.
    """

    outcome: str
    page: PageUpdate | None = None
    visit: Visit | None = None
    published: str | None = None
    final_url: str | None = None
    links: tuple[str, ...] = ()
    listing: Listing | None = None
