"""How each page of a crawl ends: counted, its error line written, and checkpointed.

A page's end is one checkpoint: its output lines handed to the OS, then its
``Answer`` reported to the frontier, which records it in one state transaction (the
page's row, its place in the pass, the files' committed sizes). A run killed at any
moment is published by the next run up to its last checkpoint
(``harvest.run._recovery``). Nothing awaits between a page's lines and its
checkpoint, so no other page's lines come between them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from harvest.errors import SKIPPED_FETCHES, FetchOutcome, PageOutcome
from harvest.fetch import FetchedPage
from harvest.models import ErrorRecord, Stage, utc_text
from harvest.parse._jobs import ParseResult
from harvest.run._discovery import Entry
from harvest.run._frontier import Frontier
from harvest.run._requests import Answer, Listing, Request
from harvest.run._schedule import Visit
from harvest.run._stats import RunStats
from harvest.state import PageState, PageUpdate
from harvest.write import RunWriter

log = logging.getLogger("harvest")

_SYNC_EVERY_S = 2.0  # how often output files are fsynced (a crash loses at most this)
_VISITS = {PageOutcome.NEW: Visit.FIRST, PageOutcome.UPDATED: Visit.CHANGED}


class Checkpoints:
    """Ends the pages of one crawl: counts them (``stats``) and checkpoints them."""

    def __init__(
        self,
        writer: RunWriter,
        frontier: Frontier,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.writer = writer
        self.frontier = frontier
        self.progress = progress
        self.stats = RunStats()
        self.finished = 0
        self._synced = time.monotonic()

    def parsed(
        self, request: Request, page: FetchedPage, url: str, result: ParseResult, digest: str
    ) -> None:
        """A page parsed into a record (written when new or changed); ``url``: where its
        fetch ended."""
        page_kind = result.page_kind or ""
        if result.line is not None and result.kind is not None:
            self.writer.write_line(result.kind, result.line)
        change = PageOutcome(result.change or PageOutcome.UNCHANGED)
        self.stats.outcomes[change] += 1
        self.stats.parsed(url, result)
        update = PageUpdate(
            **_validators(page),
            status=page.status,
            fetched_at=utc_text(page.fetched_at),
            kind=page_kind,
            content_sha256=digest,
            record_sha256=result.record_sha256,
            links=result.links,
            filled=result.filled,
            returned=True,
            next_page=result.next_page,
            published=result.published,
        )
        if page_kind == "listing":
            entries = tuple(Entry(*entry) for entry in result.entries)
            listing = Listing(entries, result.next_page, parsed=True)
            self._finish(request, Answer(change, update, final_url=url, listing=listing))
            return
        visit = _VISITS.get(change, Visit.UNCHANGED)
        answer = Answer(change, update, visit, result.published, url, links=result.links)
        self._finish(request, answer)

    def unchanged(self, request: Request, known: PageState, page: FetchedPage) -> None:
        """A page as last emitted (304, or the same body): no record, its known links followed."""
        self.stats.outcomes[PageOutcome.UNCHANGED] += 1
        if known.kind is not None:
            self.stats.saw_record(known.kind, known.filled)
        update = PageUpdate(
            **_validators(page), status=page.status, fetched_at=utc_text(page.fetched_at)
        )
        outcome, final = PageOutcome.UNCHANGED, page.final_url
        if known.kind == "listing":
            entries = tuple(Entry(link, None) for link in known.links if link != known.next_page)
            listing = Listing(entries, known.next_page, parsed=False)
            self._finish(request, Answer(outcome, update, final_url=final, listing=listing))
            return
        visit, published = Visit.UNCHANGED, known.published
        answer = Answer(outcome, update, visit, published, final, links=known.links)
        self._finish(request, answer)

    def duplicate(self, request: Request) -> None:
        """A URL this pass has fetched already (reached again through a redirect)."""
        self.stats.duplicates += 1
        self._finish(request, Answer(FetchOutcome.DUPLICATE))

    def failed(
        self,
        request: Request,
        stage: Stage,
        reason: str,
        status: int | None,
        outcome: str,
        attempts: int | None,
        url: str | None = None,
    ) -> None:
        """A page that gave no record: removed, skipped or failed; its error line.

        ``url``: where the fetch ended, when not at the request's URL (a redirect).
        """
        url = url or request.url
        event = {"url": url, "outcome": outcome, "status": status, "attempts": attempts}
        gone = outcome == PageOutcome.REMOVED or outcome in SKIPPED_FETCHES
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
        update = PageUpdate(status=status, fetched_at=utc_text(at), removed_at=removed_at)
        visit = Visit.GONE if gone else Visit.FAILED
        self._finish(request, Answer(outcome, update, visit, final_url=url))

    def _finish(self, request: Request, answer: Answer) -> None:
        """Checkpoint a finished page: its lines to the OS, then its answer to the frontier."""
        sync = time.monotonic() - self._synced > _SYNC_EVERY_S
        self.writer.flush(sync=sync)
        if sync:
            self._synced = time.monotonic()
        self.frontier.report(request, answer, files=self.writer.sizes())
        self.finished += 1
        url, outcome = request.url, answer.outcome
        log.debug("%s: %s", url, outcome, extra={"event": "page", "url": url, "outcome": outcome})
        if self.progress is not None:
            self.progress(self.frontier.resumed + self.finished, self.frontier.admitted)


def _validators(page: FetchedPage) -> dict[str, Any]:
    headers = {key.lower(): value for key, value in page.headers.items()}
    return {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
