"""What harvest remembers between runs, in one SQLite file.

- ``pages``: per URL, the last fetch (time, status), the validators for a
  conditional GET (ETag, Last-Modified), the hash of the body and of the record
  last emitted, the links it led to (so a 304 listing still leads on) and which
  fields its record had (for coverage).
- ``runs``: per run, its id, start and end, outcome, counts and manifest.
- ``frontier``: the crawl pass in progress: every URL admitted, and the run that
  finished it. A run that stops early leaves the rest for the next run. The crawl's
  dedupe is this table, not a set in memory, so a run's memory does not grow with
  the size of the site.
- ``run_files``: for a run not yet published, how many bytes of each output file
  are committed. A run killed mid-write is cut back to these on recovery.
- ``walks``: per listing walk (keyed by its first page), whether a run ever walked it
  to its last page, where an unfinished walk goes on, and whether its dates were
  found out of order (``harvest.run._discovery``).
- ``pages.next_visit`` and ``interval_s``: the revisit schedule (``harvest.run._schedule``).

A page is finished in one transaction (its page row, its frontier row, the row of
the URL it was redirected to, its file offsets) after its output line has reached the
OS, so a run killed at any moment leaves a state that agrees with its files. The links
a page leads to are admitted (committed) before that, so a finished page's links are
always in the frontier.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from harvest.errors import ConfigError, RunOutcome, WriteError
from harvest.state._stamps import read_stamp, stamp

STATE_VERSION = 2

# One script per version: MIGRATIONS[n] takes a version-n file to version n + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE pages (
        url TEXT PRIMARY KEY,
        kind TEXT,
        status INTEGER,
        fetched_at TEXT,
        etag TEXT,
        last_modified TEXT,
        content_sha256 TEXT,
        record_sha256 TEXT,
        links TEXT,
        filled TEXT,
        first_seen_run TEXT,
        last_run TEXT,
        removed_at TEXT
    );
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        config_digest TEXT NOT NULL,
        pid INTEGER,
        out_dir TEXT NOT NULL,
        counts TEXT,
        manifest TEXT
    );
    CREATE TABLE frontier (
        url TEXT PRIMARY KEY,
        depth INTEGER NOT NULL,
        done_run TEXT,
        outcome TEXT
    );
    CREATE INDEX frontier_done ON frontier (done_run);
    CREATE TABLE run_files (
        run_id TEXT NOT NULL,
        file TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (run_id, file)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: the revisit schedule and listing walks (harvest.run._schedule, harvest.run._discovery).
    """
    ALTER TABLE pages ADD COLUMN next_visit TEXT;
    ALTER TABLE pages ADD COLUMN interval_s REAL;
    ALTER TABLE pages ADD COLUMN published TEXT;
    ALTER TABLE pages ADD COLUMN changed_at TEXT;
    ALTER TABLE pages ADD COLUMN next_page TEXT;
    ALTER TABLE pages ADD COLUMN checked_at TEXT;
    UPDATE pages SET checked_at = fetched_at;
    CREATE INDEX pages_next_visit ON pages (next_visit);
    CREATE TABLE sitemaps (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        checked_at TEXT
    );
    ALTER TABLE frontier ADD COLUMN walk TEXT;
    ALTER TABLE frontier ADD COLUMN whole INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE frontier ADD COLUMN streak INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE frontier ADD COLUMN revisit INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE walks (
        root TEXT PRIMARY KEY,
        complete INTEGER NOT NULL DEFAULT 0,
        resume_url TEXT,
        resume_depth INTEGER,
        unordered TEXT,
        updated_at TEXT
    );
    """,
)
assert len(MIGRATIONS) == STATE_VERSION
# What a file of version 1 knew of its pages' schedule: none. Their first revisits are
# spread over the longest default interval from their last fetch, as a first crawl's
# are; pages that never gave a record are due at once.
_BACKFILL_DAYS = 30
_DUE_FIRST = "0001-01-01T00:00:00.000000Z"  # a sitemap said it changed: before any other


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


@dataclass(frozen=True)
class RunRow:
    run_id: str
    started_at: str
    outcome: str
    config_digest: str
    pid: int | None
    out_dir: str
    manifest: dict[str, Any] | None


@dataclass(frozen=True)
class WalkState:
    """What the state knows of one listing walk (``harvest.run._discovery``)."""

    root: str
    complete: bool
    resume_url: str | None
    resume_depth: int | None
    unordered: str | None


@dataclass(frozen=True)
class FrontierRow:
    """One URL of the crawl pass in progress."""

    url: str
    depth: int
    done_run: str | None
    walk: str | None = None
    whole: bool = False
    streak: int = 0
    revisit: bool = False


@dataclass(frozen=True)
class ScheduleSummary:
    """The revisit schedule at a moment (``harvest status``)."""

    known: int
    scheduled: int
    due: int
    overdue: int
    oldest_check: str | None
    next_due: str | None


class State:
    """The state file, opened (and migrated) for one run at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA busy_timeout = 5000")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"state file {path} is not usable: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"cannot open state file {path}: {exc.strerror or exc}") from exc
        self.wal = mode == "wal"

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > STATE_VERSION:
            raise ConfigError(
                f"state file {self.path} is version {version}, newer than this harvest "
                f"understands ({STATE_VERSION}): upgrade harvest"
            )
        for number in range(version, STATE_VERSION):
            with self._transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                if number + 1 == 2:
                    self._backfill_schedule()
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def _backfill_schedule(self) -> None:
        rows = self.db.execute(
            "SELECT url, fetched_at, record_sha256, removed_at FROM pages"
            " WHERE kind IS NOT 'listing' AND fetched_at IS NOT NULL"
        ).fetchall()
        spread = _BACKFILL_DAYS * 86400.0
        updates = []
        for url, fetched_at, record, removed in rows:
            wait = spread * _backfill_phase(url) if record is not None or removed else 0.0
            updates.append((stamp(read_stamp(fetched_at) + timedelta(seconds=wait)), spread, url))
        self.db.executemany(
            "UPDATE pages SET next_visit = ?, interval_s = ? WHERE url = ?", updates
        )
        # Version 1 kept no next page of a listing: read each listing once more in full
        # (its record is kept, so nothing is emitted again when it has not changed).
        self.db.execute(
            "UPDATE pages SET etag = NULL, last_modified = NULL, content_sha256 = NULL"
            " WHERE kind = 'listing'"
        )

    def close(self) -> None:
        self.db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    # -- pages -------------------------------------------------------------------

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

    # -- runs ----------------------------------------------------------------------

    def begin_run(
        self, run_id: str, started_at: str, config_digest: str, pid: int, out_dir: Path
    ) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO runs (run_id, started_at, outcome, config_digest, pid, out_dir)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, started_at, RunOutcome.RUNNING, config_digest, pid, str(out_dir)),
            )

    def end_run(
        self,
        run_id: str,
        outcome: str,
        finished_at: str,
        manifest: dict[str, Any] | None,
        *,
        pass_done: bool = False,
    ) -> None:
        """Record how a run ended; ``pass_done`` also clears the finished crawl pass."""
        counts = json.dumps(manifest.get("counts")) if manifest else None
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET outcome = ?, finished_at = ?, counts = ?, manifest = ?"
                " WHERE run_id = ?",
                (outcome, finished_at, counts, json.dumps(manifest) if manifest else None, run_id),
            )
            self.db.execute("DELETE FROM run_files WHERE run_id = ?", (run_id,))
            if pass_done:
                self.db.execute("DELETE FROM frontier")
                self.db.execute("DELETE FROM meta WHERE key IN ('pass_digest', 'pass_revisits')")

    def running(self) -> list[RunRow]:
        """Runs that started and never ended: their process died."""
        return self._runs("WHERE outcome = ?", (RunOutcome.RUNNING,))

    def last_run(
        self, config_digest: str, outcomes: tuple[str, ...] = (RunOutcome.COMPLETE,)
    ) -> RunRow | None:
        """The newest run of this configuration that ended with one of ``outcomes``."""
        marks = ",".join("?" * len(outcomes))
        rows = self._runs(
            f"WHERE config_digest = ? AND outcome IN ({marks}) ORDER BY started_at DESC LIMIT 1",
            (config_digest, *outcomes),
        )
        return rows[0] if rows else None

    def run(self, run_id: str) -> RunRow | None:
        rows = self._runs("WHERE run_id = ?", (run_id,))
        return rows[0] if rows else None

    def _runs(self, where: str, args: tuple[Any, ...] = ()) -> list[RunRow]:
        rows = self.db.execute(
            "SELECT run_id, started_at, outcome, config_digest, pid, out_dir, manifest"
            f" FROM runs {where}",
            args,
        ).fetchall()
        return [
            RunRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None)
            for r in rows
        ]

    def run_files(self, run_id: str) -> dict[str, int]:
        """Bytes committed to each output file of an unpublished run."""
        rows = self.db.execute("SELECT file, bytes FROM run_files WHERE run_id = ?", (run_id,))
        return dict(rows.fetchall())

    def run_outcomes(self, run_id: str) -> dict[str, int]:
        """How the pages a run finished ended, counted (for a recovered run's manifest)."""
        rows = self.db.execute(
            "SELECT outcome, count(*) FROM frontier WHERE done_run = ? GROUP BY outcome",
            (run_id,),
        )
        return dict(rows.fetchall())

    # -- the crawl pass ------------------------------------------------------------

    def pass_digest(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'pass_digest'").fetchone()
        return row[0] if row else None

    def start_pass(self, digest: str, seeds: Iterable[tuple[Any, ...]]) -> None:
        """Begin a crawl pass from the seeds, dropping whatever pass was left.

        A seed is ``(url, depth)`` or a whole ``FrontierRow`` less its ``done_run``:
        ``(url, depth, walk, whole, streak, revisit)``.
        """
        with self._transaction():
            self.db.execute("DELETE FROM frontier")
            self.db.execute("DELETE FROM meta WHERE key = 'pass_revisits'")
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('pass_digest', ?)", (digest,)
            )
            self.db.executemany(_INSERT_FRONTIER, [_frontier_row(seed) for seed in seeds])

    def frontier(self) -> Iterator[FrontierRow]:
        """Every URL of the pass in progress, in the order admitted."""
        rows = self.db.execute(
            "SELECT url, depth, done_run, walk, whole, streak, revisit FROM frontier ORDER BY rowid"
        )
        for url, depth, done, walk, whole, streak, revisit in rows:
            yield FrontierRow(url, depth, done, walk, bool(whole), streak, bool(revisit))

    def admit(
        self, rows: Iterable[tuple[Any, ...]], limit: int | None = None
    ) -> tuple[list[str], int]:
        """Add the rows (as for ``start_pass``) new to the pass, at most ``limit`` of them.

        Returns the URLs added, and how many more were new but did not fit.
        """
        added: list[str] = []
        over = 0
        try:
            with self._transaction():
                for row in rows:
                    if limit is not None and len(added) >= limit:
                        known = self.db.execute("SELECT 1 FROM frontier WHERE url = ?", row[:1])
                        over += known.fetchone() is None
                        continue
                    if self.db.execute(_INSERT_FRONTIER, _frontier_row(row)).rowcount == 1:
                        added.append(row[0])
        except sqlite3.Error as exc:
            raise WriteError(f"cannot write state file {self.path}: {exc}") from exc
        return added, over

    def revisits_admitted(self) -> bool:
        """Whether the pass in progress has admitted its revisits already."""
        row = self.db.execute("SELECT 1 FROM meta WHERE key = 'pass_revisits'").fetchone()
        return row is not None

    def admit_revisits(self, urls: Iterable[str]) -> list[str]:
        """Admit the pages picked for revisiting, once a pass (see ``due``)."""
        try:
            with self._transaction():
                added = [
                    url
                    for url in urls
                    if self.db.execute(_INSERT_FRONTIER, (url, 1, None, 0, 0, 1)).rowcount == 1
                ]
                self.db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('pass_revisits', '1')"
                )
        except sqlite3.Error as exc:
            raise WriteError(f"cannot write state file {self.path}: {exc}") from exc
        return added

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

    # -- sitemaps ------------------------------------------------------------------

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

    # -- listing walks -------------------------------------------------------------

    def walk(self, root: str) -> WalkState | None:
        row = self.db.execute(
            "SELECT root, complete, resume_url, resume_depth, unordered FROM walks WHERE root = ?",
            (root,),
        ).fetchone()
        return None if row is None else WalkState(row[0], bool(row[1]), *row[2:])

    def walks(self) -> list[WalkState]:
        rows = self.db.execute(
            "SELECT root, complete, resume_url, resume_depth, unordered FROM walks ORDER BY root"
        )
        return [WalkState(r[0], bool(r[1]), *r[2:]) for r in rows]

    def is_done(self, url: str) -> bool | None:
        """Whether the pass has finished ``url``; None when the pass has not met it."""
        row = self.db.execute("SELECT done_run FROM frontier WHERE url = ?", (url,)).fetchone()
        return None if row is None else row[0] is not None

    def frontier_size(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM frontier").fetchone()[0])

    def finish(
        self,
        run_id: str,
        url: str,
        outcome: str,
        *,
        page: PageUpdate | None = None,
        also: Iterable[str] = (),
        files: dict[str, int] | None = None,
        walk: WalkState | None = None,
        at: str | None = None,
    ) -> None:
        """Record one finished page and the files' committed sizes.

        ``also``: other URLs the fetch settled (the target of a redirect), so that no
        later run of the pass fetches them again. ``walk``: the listing walk's state
        after this page, stored with it (``at``: when).
        """
        try:
            with self._transaction():
                self.db.executemany(
                    "INSERT INTO frontier (url, depth, done_run, outcome) VALUES (?, 0, ?, ?)"
                    " ON CONFLICT (url) DO UPDATE SET done_run = excluded.done_run,"
                    " outcome = excluded.outcome",
                    [(u, run_id, outcome) for u in (url, *also)],
                )
                if page is not None:
                    self._update_page(run_id, url, page)
                if walk is not None:
                    self.db.execute(
                        "INSERT OR REPLACE INTO walks"
                        " (root, complete, resume_url, resume_depth, unordered, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            walk.root,
                            walk.complete,
                            walk.resume_url,
                            walk.resume_depth,
                            walk.unordered,
                            at,
                        ),
                    )
                if files:
                    self.db.executemany(
                        "INSERT OR REPLACE INTO run_files (run_id, file, bytes) VALUES (?, ?, ?)",
                        ((run_id, name, size) for name, size in files.items()),
                    )
        except sqlite3.Error as exc:
            raise WriteError(f"cannot write state file {self.path}: {exc}") from exc

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

    def reopen_pages(self, run_id: str, urls: Iterable[str]) -> None:
        """Put pages a dead run finished back in the queue (their output was lost)."""
        with self._transaction():
            self.db.executemany(
                "UPDATE frontier SET done_run = NULL, outcome = NULL"
                " WHERE url = ? AND done_run = ?",
                ((url, run_id) for url in urls),
            )

    def pages_done_by(self, run_id: str) -> list[tuple[str, str]]:
        """(url, outcome) of each page a run finished."""
        rows = self.db.execute("SELECT url, outcome FROM frontier WHERE done_run = ?", (run_id,))
        return list(rows.fetchall())


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


_INSERT_FRONTIER = (
    "INSERT OR IGNORE INTO frontier (url, depth, walk, whole, streak, revisit)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def _frontier_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """(url, depth[, walk, whole, streak, revisit]) with the defaults filled in."""
    return (*row, *(None, 0, 0, 0)[len(row) - 2 :])


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _backfill_phase(url: str) -> float:
    """Where in the backfill spread a page falls: frozen with migration 2 (the schedule's
    ``phase`` of that release), so that the migration does the same on every state file
    whatever the schedule later becomes."""
    digest = hashlib.sha256(url.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 1) / 2**64
