"""How each page of a crawl ends: counted, its error line written, and checkpointed.

A page's end is one checkpoint: its output lines handed to the OS, then one state
transaction (its page row, its place in the pass, the files' committed sizes). A
run killed at any moment is published by the next run up to its last checkpoint
(``harvest.run._recovery``). Nothing awaits between a page's lines and its
checkpoint, so no other page's lines come between them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from harvest.config._settings import Settings
from harvest.errors import SKIPPED_FETCHES, FetchOutcome, PageOutcome
from harvest.fetch import FetchedPage
from harvest.models import ErrorRecord, Stage, utc_text
from harvest.normalize import canonical_url
from harvest.parse._jobs import ParseResult
from harvest.run._discovery import Entry
from harvest.run._frontier import Frontier
from harvest.run._requests import CrawlQueue, Request
from harvest.run._schedule import Visit
from harvest.run._scope import is_listing
from harvest.run._stats import RunStats
from harvest.state import PageState, PageUpdate, State, WalkState
from harvest.write import RunWriter

log = logging.getLogger("harvest")

_SYNC_EVERY_S = 2.0  # how often output files are fsynced (a crash loses at most this)


class Checkpoints:
    """Ends the pages of one crawl: counts them (``stats``) and checkpoints them."""

    def __init__(
        self,
        settings: Settings,
        writer: RunWriter,
        state: State,
        frontier: Frontier,
        queue: CrawlQueue,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.state = state
        self.frontier = frontier
        self.queue = queue
        self.progress = progress
        self.stats = RunStats()
        self.finished = 0
        self._synced = time.monotonic()

    def parsed(
        self, request: Request, page: FetchedPage, url: str, result: ParseResult, digest: str
    ) -> None:
        """A page parsed into a record (written when new or changed)."""
        if result.line is not None and result.kind is not None:
            self.writer.write_line(result.kind, result.line)
        assert result.page_kind is not None
        change = PageOutcome(result.change or PageOutcome.UNCHANGED)
        self.stats.outcomes[change] += 1
        self.stats.saw_record(result.page_kind, result.filled)
        update = _validators(page) | {
            "status": page.status,
            "fetched_at": utc_text(page.fetched_at),
            "kind": result.page_kind,
            "content_sha256": digest,
            "record_sha256": result.record_sha256,
            "links": result.links,
            "filled": result.filled,
            "returned": True,
            "next_page": result.next_page,
            "published": result.published,
        }
        walk = None
        if result.page_kind == "listing":
            entries = [Entry(*entry) for entry in result.entries]
            walk = self._discover(request, entries, result.next_page, parsed=True)
        else:
            self._follow(result.links, request)
            visit = {PageOutcome.NEW: Visit.FIRST, PageOutcome.UPDATED: Visit.CHANGED}.get(
                change, Visit.UNCHANGED
            )
            known = self.state.page(request.url)
            emitted_before = change != PageOutcome.NEW
            interval = known.interval_s if known and emitted_before else None
            update |= self.frontier.schedule(request.url, visit, interval, result.published)
        self.finish(request.url, change, PageUpdate(**update), also=url, walk=walk)

    def _discover(
        self, request: Request, entries: list[Entry], next_page: str | None, *, parsed: bool
    ) -> WalkState | None:
        """Queue what a listing page leads to (``Frontier.listing_done``); its walk's state."""
        requests, walk = self.frontier.listing_done(request, entries, next_page, parsed=parsed)
        for follow in requests:
            self.queue.put_nowait(follow)
        return walk

    def _follow(self, links: Iterable[str], request: Request) -> None:
        """Queue the links of a (non-listing) page new to the state that the frontier
        admits (in scope, in limits); known pages come back on their schedule."""
        links = [link for link in (canonical_url(u) for u in links) if link is not None]
        if not links:
            return
        known = set() if self.settings.full else self.state.known(links)
        fresh = [link for link in links if link not in known]
        for follow in self.frontier.admit_links(fresh, request):
            self.queue.put_nowait(follow)

    def unchanged(self, request: Request, known: PageState, page: FetchedPage) -> None:
        """A page as last emitted (304, or the same body): no record, its known links followed."""
        self.stats.outcomes[PageOutcome.UNCHANGED] += 1
        if known.kind is not None:
            self.stats.saw_record(known.kind, known.filled)
        update = _validators(page) | {
            "status": page.status,
            "fetched_at": utc_text(page.fetched_at),
        }
        walk = None
        if known.kind == "listing":
            entries = [Entry(link, None) for link in known.links if link != known.next_page]
            walk = self._discover(request, entries, known.next_page, parsed=False)
        else:
            self._follow(known.links, request)
            schedule = self.frontier.schedule
            update |= schedule(request.url, Visit.UNCHANGED, known.interval_s, known.published)
        changed = PageUpdate(**update)
        self.finish(request.url, PageOutcome.UNCHANGED, changed, also=page.final_url, walk=walk)

    def duplicate(self, url: str) -> None:
        """A URL this pass has fetched already (reached again through a redirect)."""
        self.stats.duplicates += 1
        self.finish(url, FetchOutcome.DUPLICATE)

    def failed(
        self,
        url: str,
        stage: Stage,
        reason: str,
        status: int | None,
        outcome: str,
        attempts: int | None,
        request_url: str | None = None,
    ) -> None:
        """A page that gave no record: removed, skipped or failed; its error line."""
        event = {"url": url, "outcome": outcome, "status": status, "attempts": attempts}
        if outcome == PageOutcome.REMOVED:
            log.info("removed %s: %s", url, reason, extra={"event": "page_removed", **event})
            self.stats.outcomes[PageOutcome.REMOVED] += 1
            self.stats.removed.append(url)
        elif outcome in SKIPPED_FETCHES:
            log.info("skipped %s: %s", url, reason, extra={"event": "page_skipped", **event})
            self.stats.outcomes[PageOutcome.SKIPPED] += 1
            self.stats.skipped[outcome] += 1
        else:
            failed = PageOutcome.FETCH_FAILED if stage == "fetch" else PageOutcome.PARSE_FAILED
            extra = {"event": failed.value, **event}
            log.warning("%s failed for %s: %s", stage, url, reason, extra=extra)
            self.stats.outcomes[failed] += 1
            self.stats.failures[outcome] += 1
        at = datetime.now(UTC)
        self.writer.write(
            ErrorRecord(
                url=url,
                stage=stage,
                reason=reason,
                outcome=outcome,
                status=status,
                attempts=attempts,
                at=at,
            )
        )
        removed_at = utc_text(at) if outcome == PageOutcome.REMOVED else None
        fields: dict[str, Any] = {}
        target = request_url or url
        if not is_listing(target):
            gone = outcome == PageOutcome.REMOVED or outcome in SKIPPED_FETCHES
            known = self.state.page(target)
            interval = known.interval_s if known else None
            visit = Visit.GONE if gone else Visit.FAILED
            fields = self.frontier.schedule(target, visit, interval, None)
        update = PageUpdate(status=status, fetched_at=utc_text(at), removed_at=removed_at, **fields)
        self.finish(target, outcome, update, also=url)

    def finish(
        self,
        url: str,
        outcome: str,
        page: PageUpdate | None = None,
        *,
        also: str | None = None,
        walk: WalkState | None = None,
    ) -> None:
        """Checkpoint a finished page: its lines to the OS, then one state transaction.

        ``also``: the URL the page was fetched from in the end (a redirect's target),
        finished with it.
        """
        sync = time.monotonic() - self._synced > _SYNC_EVERY_S
        self.writer.flush(sync=sync)
        if sync:
            self._synced = time.monotonic()
        target = canonical_url(also) if also else None
        others = (target,) if target and target != url else ()
        self.state.finish(
            self.writer.run_id,
            url,
            outcome,
            page=page,
            also=others,
            files=self.writer.sizes(),
            walk=walk,
            at=utc_text(datetime.now(UTC)),
        )
        self.frontier.release(url, *others)
        self.finished += 1
        log.debug("%s: %s", url, outcome, extra={"event": "page", "url": url, "outcome": outcome})
        if self.progress is not None:
            self.progress(self.frontier.resumed + self.finished, self.frontier.admitted)


def _validators(page: FetchedPage) -> dict[str, Any]:
    headers = {key.lower(): value for key, value in page.headers.items()}
    return {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
