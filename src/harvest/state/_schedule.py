"""Questions about the revisit schedule (``pages.next_visit``), and the sitemaps that
make pages due early."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from harvest.state._db import Database
from harvest.state._stamps import stamp

_DUE_FIRST = "0001-01-01T00:00:00.000000Z"  # a sitemap said it changed: before any other


@dataclass(frozen=True)
class ScheduleSummary:
    """The revisit schedule at a moment (``harvest status``)."""

    known: int
    scheduled: int
    due: int
    overdue: int
    oldest_check: str | None
    next_due: str | None


class ScheduleQueries(Database):
    """Which known pages are due, and the sitemaps read."""

    def count_due(self, now: datetime) -> int:
        """Known pages whose next visit has come, not yet in the pass."""
        row = self.db.execute(
            "SELECT count(*) FROM pages WHERE next_visit <= ?"
            " AND url NOT IN (SELECT url FROM frontier)",
            (stamp(now),),
        ).fetchone()
        return int(row[0])

    def due(self, now: datetime, limit: int | None) -> list[str]:
        """Known pages whose next visit has come, most overdue first, not yet in the pass.

        ``limit`` None: every known page but listings, due or not (``--full``).
        """
        if limit is None:
            rows = self.db.execute(
                "SELECT url FROM pages WHERE kind IS NOT 'listing'"
                " AND url NOT IN (SELECT url FROM frontier) ORDER BY next_visit"
            )
        else:
            rows = self.db.execute(
                "SELECT url FROM pages WHERE next_visit <= ?"
                " AND url NOT IN (SELECT url FROM frontier) ORDER BY next_visit LIMIT ?",
                (stamp(now), limit),
            )
        return [row[0] for row in rows]

    def listing_pages(self) -> int:
        """Listing pages the state knows (a walk of every listing asks this many)."""
        row = self.db.execute("SELECT count(*) FROM pages WHERE kind = 'listing'").fetchone()
        return int(row[0])

    def unvisited(self) -> int:
        """Known pages (listings aside) that the pass in progress has not finished."""
        row = self.db.execute(
            "SELECT count(*) FROM pages WHERE kind IS NOT 'listing'"
            " AND url NOT IN (SELECT url FROM frontier WHERE done_run IS NOT NULL)"
        ).fetchone()
        return int(row[0])

    def schedule_summary(self, now: datetime, max_interval: timedelta) -> ScheduleSummary:
        """Pages known, scheduled, due now, overdue (unchecked for longer than
        ``max_interval``), the oldest check and the next time a page falls due."""
        row = self.db.execute(
            "SELECT count(*), count(next_visit), coalesce(sum(next_visit <= ?), 0),"
            " coalesce(sum(next_visit IS NOT NULL AND checked_at < ?), 0),"
            " min(CASE WHEN next_visit IS NOT NULL THEN checked_at END),"
            " min(CASE WHEN next_visit > ? THEN next_visit END) FROM pages",
            (stamp(now), stamp(now - max_interval), stamp(now)),
        ).fetchone()
        return ScheduleSummary(*row)

    def sitemap_validators(self, url: str) -> tuple[dict[str, str], str | None]:
        """The conditional-GET headers of a sitemap read before, and when it was read."""
        row = self.db.execute(
            "SELECT etag, last_modified, checked_at FROM sitemaps WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return {}, None
        headers = {"if-none-match": row[0], "if-modified-since": row[1]}
        return {key: value for key, value in headers.items() if value}, row[2]

    def record_sitemap(
        self, url: str, etag: str | None, last_modified: str | None, checked_at: str
    ) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO sitemaps (url, etag, last_modified, checked_at)"
                " VALUES (?, ?, ?, ?)",
                (url, etag, last_modified, checked_at),
            )

    def mark_changed(self, entries: Iterable[tuple[str, str]]) -> int:
        """Make due first the known pages a sitemap says changed since they were checked.

        ``entries``: (url, lastmod as ``stamp``). Returns how many pages were marked.
        """
        marked = 0
        with self._transaction():
            for url, lastmod in entries:
                marked += self.db.execute(
                    "UPDATE pages SET next_visit = ? WHERE url = ? AND kind IS NOT 'listing'"
                    " AND (checked_at IS NULL OR checked_at < ?) AND next_visit > ?",
                    (_DUE_FIRST, url, lastmod, _DUE_FIRST),
                ).rowcount
        return marked
