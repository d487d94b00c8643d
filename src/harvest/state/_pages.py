"""The ``pages`` table: per URL, what the last visit learned (validators, hashes, links)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from harvest.state._db import Database


@dataclass(frozen=True)
class PageState:
    """What the last run that saw a URL learned of it."""

    url: str
    kind: str | None
    status: int | None
    etag: str | None
    last_modified: str | None
    content_sha256: str | None
    record_sha256: str | None
    links: tuple[str, ...]
    filled: tuple[str, ...]
    removed: bool
    next_page: str | None = None
    interval_s: float | None = None
    published: str | None = None

    @property
    def validators(self) -> dict[str, str]:
        """The headers of a conditional GET for this page."""
        headers = {}
        if self.etag:
            headers["if-none-match"] = self.etag
        if self.last_modified:
            headers["if-modified-since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class PageUpdate:
    """What a run learned of a page; None fields leave the stored value as it was."""

    status: int | None = None
    fetched_at: str | None = None
    kind: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_sha256: str | None = None
    record_sha256: str | None = None
    links: tuple[str, ...] | None = None
    filled: tuple[str, ...] | None = None
    removed_at: str | None = None
    returned: bool = False  # a page marked removed that answers again
    next_page: str | None = None
    published: str | None = None
    changed_at: str | None = None
    interval_s: float | None = None
    next_visit: str | None = None
    checked_at: str | None = None


class PagesTable(Database):
    """The pages the state knows."""

    def page(self, url: str) -> PageState | None:
        row = self.db.execute(
            "SELECT url, kind, status, etag, last_modified, content_sha256, record_sha256,"
            " links, filled, removed_at, next_page, interval_s, published"
            " FROM pages WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        return PageState(
            url=row[0],
            kind=row[1],
            status=row[2],
            etag=row[3],
            last_modified=row[4],
            content_sha256=row[5],
            record_sha256=row[6],
            links=tuple(json.loads(row[7])) if row[7] else (),
            filled=tuple(row[8].split(",")) if row[8] else (),
            removed=row[9] is not None,
            next_page=row[10],
            interval_s=row[11],
            published=row[12],
        )

    def known(self, urls: Iterable[str]) -> set[str]:
        """The URLs among ``urls`` that some run has fetched (new to the state: the rest)."""
        found: set[str] = set()
        chunk: list[str] = []
        for url in (*urls, None):
            if url is not None:
                chunk.append(url)
            if chunk and (url is None or len(chunk) == 500):
                marks = ",".join("?" * len(chunk))
                rows = self.db.execute(f"SELECT url FROM pages WHERE url IN ({marks})", chunk)
                found.update(row[0] for row in rows)
                chunk = []
        return found

    def forget_records(self, urls: Iterable[str]) -> None:
        """Forget that these pages' records were emitted (their lines were lost)."""
        with self._transaction():
            self.db.executemany(
                "UPDATE pages SET record_sha256 = NULL, content_sha256 = NULL,"
                " etag = NULL, last_modified = NULL WHERE url = ?",
                ((url,) for url in urls),
            )

    def _update_page(self, run_id: str, url: str, page: PageUpdate) -> None:
        links = json.dumps(list(page.links)) if page.links is not None else None
        filled = ",".join(page.filled) if page.filled is not None else None
        self.db.execute(
            "INSERT INTO pages (url, first_seen_run) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
            (url, run_id),
        )
        self.db.execute(
            "UPDATE pages SET last_run = ?,"
            " status = coalesce(?, status), fetched_at = coalesce(?, fetched_at),"
            " kind = coalesce(?, kind), etag = coalesce(?, etag),"
            " last_modified = coalesce(?, last_modified),"
            " content_sha256 = coalesce(?, content_sha256),"
            " record_sha256 = coalesce(?, record_sha256),"
            " links = coalesce(?, links), filled = coalesce(?, filled),"
            " removed_at = CASE WHEN ? THEN NULL ELSE coalesce(?, removed_at) END,"
            " next_page = CASE WHEN ? IS NOT NULL THEN ? ELSE next_page END,"
            " published = coalesce(?, published), changed_at = coalesce(?, changed_at),"
            " interval_s = coalesce(?, interval_s), next_visit = coalesce(?, next_visit),"
            " checked_at = coalesce(?, checked_at)"
            " WHERE url = ?",
            (
                run_id,
                page.status,
                page.fetched_at,
                page.kind,
                page.etag,
                page.last_modified,
                page.content_sha256,
                page.record_sha256,
                links,
                filled,
                page.returned,
                page.removed_at,
                links,
                page.next_page,
                page.published,
                page.changed_at,
                page.interval_s,
                page.next_visit,
                page.checked_at,
                url,
            ),
        )
